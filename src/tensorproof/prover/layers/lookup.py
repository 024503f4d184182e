"""Prover of verifier/layers/lookup.py, and the zero-padding check shared by the relation steps."""

from __future__ import annotations

import numpy as np

from ...errors import ProverError
from ...verifier.layers.lookup import PAD_DEGREE, needs_pad_check, pad_terms, step_prefix
from ..lookups import real_rows
from ..zk_finals import prove_hiding_sumcheck


def forward(step, plan, ints) -> np.ndarray:
    table = np.asarray(step.attrs["table"], dtype=np.int64)
    idx = ints[step.inputs[0]] - int(step.attrs["x_lo"])
    if idx.size and (idx.min() < 0 or idx.max() >= len(table)):
        raise ProverError(f"layer {step.name!r}: activation out of the calibrated range, "
                          "recalibrate")
    return table[idx]


def prove_padding(ctx, prefix: str, name: str) -> None:
    """Mirror of verify_padding: zero-check Σ_x eq(ρ, x) (1 − 1(x)) y(x) = 0."""
    layout = ctx.plan.tensors[name].layout
    rho = ctx.challenge_point(f"{prefix}pad point", layout.n_vars)
    one = real_rows(layout.shape, layout.padded)
    point, finals = prove_hiding_sumcheck(ctx, [one, ctx.tables[name]], pad_terms(0, 1),
                                          PAD_DEGREE, f"{prefix}pad sumcheck", [None, name],
                                          eq_point=rho)
    ctx.send(f"{prefix}pad final", [finals[1]])
    ctx.claim(name, point, finals[1])


def prove(ctx, i: int, step) -> None:
    if needs_pad_check(ctx.plan, step.output):
        prove_padding(ctx, step_prefix(ctx, i, step), step.output)
