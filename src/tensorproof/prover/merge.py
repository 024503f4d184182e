"""Prover of verifier/merge.py: several claims on one table become one (degree-2 sumcheck)."""

from __future__ import annotations

import numpy as np

from ..field.scalar import ext_field
from ..field.vec import VecField
from ..poly.mle import boolean_suffix, eq_table
from ..verifier.claims import EvalClaim
from ..verifier.merge import alpha_powers
from .sumcheck import prove_sumcheck


def weight_table(vf: VecField, n_vars: int, claims: list[EvalClaim], powers: list,
                 regions: list[tuple[int, int]] | None = None) -> np.ndarray:
    """w(x) = Σ_i α^i eq(z_i, x) over 2^n_vars entries.

    With `regions`, claim i concerns only the sub-table [offset_i, offset_i + 2^len(z_i)) and its
    point is extended by the offset's selector bits, so eq is built on the region alone.
    """
    w = vf.zeros(1 << n_vars)
    for i, (a, c) in enumerate(zip(powers, claims)):
        offset, size = regions[i] if regions else (0, 1 << n_vars)
        local = c.point[: size.bit_length() - 1]
        m, sub = boolean_suffix(local)  # Boolean coordinates select a slot of the region
        offset, size = offset + sub, 1 << m
        part = eq_table(vf, local[:m])
        w[offset : offset + size] = vf.add(w[offset : offset + size], vf.scale(part, a))
    return w


def prove_merge(transcript, vf: VecField, table: np.ndarray, claims: list[EvalClaim],
                label: str, regions=None) -> EvalClaim:
    """Mirror of verify_merge; `table` is the F or K table the claims are about."""
    if len(claims) == 1:
        return claims[0]
    ext = ext_field(vf.k)
    n_vars = len(table).bit_length() - 1
    alpha = transcript.challenge_k(f"{label}/alpha", vf.k)
    powers = alpha_powers(ext, alpha, len(claims))
    w = weight_table(vf, n_vars, claims, powers, regions)
    point, finals = prove_sumcheck(transcript, vf, [table, w], [(1, [0, 1])], 2, label)
    transcript.send_k(f"{label}/value", [finals[0]], vf.k)
    return EvalClaim(list(point), finals[0])
