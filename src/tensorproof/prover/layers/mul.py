"""Prover of verifier/layers/mul.py: one degree-3 sumcheck with an eq factor, O(|Y|) work."""

from __future__ import annotations

import numpy as np

from ...verifier.layers.mul import TERMS, sumcheck_point, table_names
from ..tables import fix_high
from ..zk_finals import prove_hiding_sumcheck


def forward(step, plan, ints) -> np.ndarray:
    x = ints[step.inputs[0]]
    if step.op == "mul":
        return x * ints[step.inputs[1]]
    return x * ints[step.consts[0]][None]


def prove(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    vf = ctx.vf
    z, z_fixed = sumcheck_point(ctx, step, claim.point)
    if step.op == "mul":
        tables = [ctx.tables[step.inputs[0]], ctx.tables[step.inputs[1]]]
    else:  # X~(q, z_b) over the per-sample q, and the constant
        tables = [fix_high(vf, ctx.tables[step.inputs[0]], z_fixed), ctx.tables[step.consts[0]]]
    point, finals = prove_hiding_sumcheck(ctx, tables, TERMS, 3, ctx.label(i, step, "sumcheck"),
                                          table_names(step), eq_point=list(z),
                                          randomizer=claim.randomizer)
    ctx.send(ctx.label(i, step, "finals"), finals)
    full = list(point) + list(z_fixed)
    ctx.claim(step.inputs[0], full, finals[0])
    if step.op == "mul":
        ctx.claim(step.inputs[1], full, finals[1])
    else:
        ctx.const_claim(step.consts[0], list(point), finals[1])
