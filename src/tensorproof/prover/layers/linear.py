"""Prover of verifier/layers/linear.py: O(|X| + |W|) work, never O(multiply-accumulates)."""

from __future__ import annotations

import numpy as np

from ...poly.mle import evaluate
from ...verifier.layers.common import linear_shape
from ...verifier.layers.linear import TERMS, bias_randomizer
from ..exact import exact_matmul
from ..tables import fix_high, fix_low
from ..zk_finals import prove_hiding_sumcheck, with_randomizer


def forward(step, plan, ints) -> np.ndarray:
    x = ints[step.inputs[0]]
    w, b = plan_consts(step, ints)
    nc = step.attrs["n_contract"]
    rows = x.shape[: x.ndim - nc]
    xm = x.reshape(int(np.prod(rows)), -1)
    wm = w.reshape(xm.shape[1], -1)
    t = plan.tensors[step.inputs[0]]
    y = exact_matmul(xm, wm, max(abs(t.lo), abs(t.hi))) + b[None, :]
    return y.reshape(*rows, wm.shape[1])


def plan_consts(step, ints):
    return ints[step.consts[0]], ints[step.consts[1]]


def prove(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    vf = ctx.vf
    s = linear_shape(ctx.plan, step)
    z_n, z_rows = claim.point[: s.n_bits], claim.point[s.n_bits :]
    w_name, b_name = step.consts
    r_b, r_sum = bias_randomizer(ctx, i, step, s.row_indicator(ctx.ext, z_rows))
    b_val = with_randomizer(ctx, evaluate(vf, ctx.tables[b_name], z_n), r_b)
    ctx.send(ctx.label(i, step, "bias"), [b_val])
    a = fix_high(vf, ctx.tables[step.inputs[0]], z_rows)  # X~(j, z_rows) over j
    c = fix_low(vf, ctx.tables[w_name], z_n)  # W~(z_n, j) over j
    point, finals = prove_hiding_sumcheck(ctx, [a, c], TERMS, 2, ctx.label(i, step, "sumcheck"),
                                          [step.inputs[0], w_name],
                                          randomizer=(*claim.randomizer, *r_sum))
    ctx.send(ctx.label(i, step, "finals"), finals)
    ctx.claim(step.inputs[0], list(point) + list(z_rows), finals[0])
    ctx.const_claim(w_name, list(z_n) + list(point), finals[1])
    ctx.const_claim(b_name, z_n, b_val, r_b)
