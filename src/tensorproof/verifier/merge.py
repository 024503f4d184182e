"""Merge several evaluation claims on one table into a single claim.

Claims T~(z_i) = v_i, i < m, become one claim T~(ρ) = t by drawing α and proving, with a degree-2
sumcheck,  Σ_x T(x) · w(x) = Σ_i α^i v_i  where  w(x) = Σ_i α^i eq(z_i, x).  At the sumcheck's
point ρ the prover states t = T~(ρ); the verifier computes w~(ρ) = Σ_i α^i eq(z_i, ρ) itself.
A false v_i survives with probability ≤ (m − 1)/|K| (the α-combination) plus the sumcheck's
2n/|K| (Thaler, "Proofs, Arguments and Zero-Knowledge", Prop. 4.1 and §4.5.2).
"""

from __future__ import annotations

from ..errors import VerificationError
from ..field.scalar import ExtField
from ..poly.mle import alpha_powers, as_ext, eq_eval
from .claims import EvalClaim
from .sumcheck import verify_sumcheck


def combined_value(ext: ExtField, powers: list, values: list):
    acc = ext.zero()
    for a, v in zip(powers, values):
        acc = ext.add(acc, ext.mul(a, as_ext(ext, v)))
    return acc


def verify_merge(transcript, ext: ExtField, n_vars: int, claims: list[EvalClaim],
                 label: str, fresh: bool = False) -> EvalClaim:
    """Reduce `claims` (all on one table of n_vars variables) to one claim; a single claim is
    returned unchanged, with no proof, unless ``fresh`` (the merged point then always has
    sumcheck challenges for coordinates: whir-zk's public table needs a point whose
    coordinates are not the prover's)."""
    if len(claims) == 1 and not fresh:
        return claims[0]
    alpha = transcript.challenge_k(f"{label}/alpha", ext.k)
    powers = alpha_powers(ext, alpha, len(claims))
    total = combined_value(ext, powers, [c.value for c in claims])
    sub = verify_sumcheck(transcript, ext, total, n_vars, 2, label)
    (t,) = transcript.recv_k(f"{label}/value", 1, ext.k)
    w = ext.zero()
    for a, c in zip(powers, claims):
        w = ext.add(w, ext.mul(a, eq_eval(ext, c.point, sub.point)))
    if not ext.eq(ext.mul(t, w), sub.value):
        raise VerificationError(f"claim merge '{label}': final value does not match")
    return EvalClaim(list(sub.point), t)
