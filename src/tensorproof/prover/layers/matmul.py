"""Prover of verifier/layers/matmul.py."""

from __future__ import annotations

import numpy as np

from ...poly.mle import eq_table
from ...verifier.layers.matmul import TERMS, split
from ..tables import fix_low
from ..zk_finals import prove_hiding_sumcheck


def forward(step, plan, ints) -> np.ndarray:
    a, b = ints[step.inputs[0]], ints[step.inputs[1]]
    ta, tb = plan.tensors[step.inputs[0]], plan.tensors[step.inputs[1]]
    bound = a.shape[-1] * max(abs(ta.lo), abs(ta.hi)) * max(abs(tb.lo), abs(tb.hi))
    if bound < 2**53:
        return np.rint(np.matmul(a.astype(np.float64), b.astype(np.float64))).astype(np.int64)
    return np.matmul(a, b)


def prove(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    vf = ctx.vf
    z_n, z_m, z_l, k_bits = split(ctx, step, claim.point)
    a_table = ctx.tables[step.inputs[0]]  # variables (k, m, l)
    m_size, k_size = 1 << len(z_m), 1 << k_bits
    moved = a_table.reshape(-1, m_size, k_size).transpose(0, 2, 1).reshape(-1)  # (m, k, l)
    a = fix_low(vf, np.ascontiguousarray(moved), z_m)  # over (k, l)
    b = fix_low(vf, ctx.tables[step.inputs[1]], z_n)  # over (k, l)
    eq = np.repeat(eq_table(vf, z_l), k_size, axis=0)  # eq(z_l, l), constant in k
    point, finals = prove_hiding_sumcheck(ctx, [a, b, eq], TERMS, 3,
                                          ctx.label(i, step, "sumcheck"),
                                          [step.inputs[0], step.inputs[1], None],
                                          randomizer=claim.randomizer)
    ctx.send(ctx.label(i, step, "finals"), finals[:2])
    rho_k, rho_l = list(point[:k_bits]), list(point[k_bits:])
    ctx.claim(step.inputs[0], rho_k + z_m + rho_l, finals[0])
    ctx.claim(step.inputs[1], z_n + rho_k + rho_l, finals[1])
