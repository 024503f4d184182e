"""Prover of verifier/layers/div_round.py: exact int64 witness, one degree-3 zero-check."""

from __future__ import annotations

import numpy as np

from ...errors import ProverError
from ...verifier.layers.div_round import (
    DEGREE,
    ONE,
    advice_names,
    d_names,
    r_names,
    r_width,
    relation_terms,
    table_names,
    v_names,
    y_width,
)
from ...verifier.layers.requant import LIMB_BITS, limb_widths
from ..lookups import real_rows
from ..zk_finals import prove_hiding_sumcheck


def forward(step, plan, ints) -> np.ndarray:
    """⌊(a·2^s + ⌊b/2⌋) / b⌋ (the plan checked that a·2^(s+1) + b stays below 2^62)."""
    a, b = ints[step.inputs[0]], ints[step.inputs[1]]
    if b.size and b.min() < 1:
        raise ProverError(f"layer {step.name!r}: divisor {int(b.min())} is not positive")
    return np.floor_divide(a * (1 << step.attrs["shift"]) + b // 2, b)


def _limbs(names: list[str], value: np.ndarray, widths: list[int]) -> dict[str, np.ndarray]:
    return {n: (value >> (LIMB_BITS * j)) & ((1 << w) - 1)
            for j, (n, w) in enumerate(zip(names, widths))}


def advice_values(step, plan, ints) -> dict[str, np.ndarray]:
    """Limbs of r = a·2^(s+1) + b − 2·y·b, of d = 2b − 1 − r and of y − lo."""
    a, b, y = ints[step.inputs[0]], ints[step.inputs[1]], ints[step.output]
    r = a * (1 << (step.attrs["shift"] + 1)) + b - 2 * y * b
    d = 2 * b - 1 - r
    if r.size and (r.min() < 0 or d.min() < 0):
        raise ProverError(f"layer {step.name!r}: division remainder out of [0, 2b − 1]")
    widths = limb_widths(r_width(plan, step))
    out = {**_limbs(r_names(plan, step), r, widths), **_limbs(d_names(plan, step), d, widths)}
    lo = plan.tensors[step.output].lo
    out.update(_limbs(v_names(plan, step), y - lo, limb_widths(y_width(plan, step))))
    return out


def prove(ctx, i: int, step) -> None:
    plan = ctx.plan
    layout = plan.tensors[step.output].layout
    rho = ctx.challenge_point(ctx.label(i, step, "point"), layout.n_vars)
    lam = tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ctx.k))
    limbs = advice_names(plan, step)
    names = [*step.inputs[:2], step.output]
    tables = [ctx.tables[n] for n in names]
    tables.append(real_rows(layout.shape, layout.padded))
    tables += [ctx.tables[n] for n in limbs]
    point, finals = prove_hiding_sumcheck(ctx, tables, relation_terms(ctx.ext, plan, step, lam),
                                          DEGREE, ctx.label(i, step, "sumcheck"),
                                          table_names(plan, step), eq_point=rho)
    sent = [v for j, v in enumerate(finals) if j != ONE]  # the verifier computes 1~ itself
    ctx.send(ctx.label(i, step, "finals"), sent)
    for name, v in zip((*names, *limbs), sent):
        ctx.claim(name, point, v)
