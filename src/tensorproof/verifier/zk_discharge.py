"""Discharging a claim on a randomized extension without revealing it (the spec; prover side
in prover/zk_discharge.py). Libra's sum over w (Xie et al., "Libra", ePrint 2019/317, §4.2, as
zk_sumcheck.py's "Randomized extensions" announces it).

A masked sumcheck (zk_sumcheck.py) states its randomized tables' finals f^(z) = v, with
f^ = f~ + Z(x) Rb(x_0), Rb(u) = R(u, 0) + R(u, 1), R committed before the first challenge of that
sumcheck. The step that computes f then proves f~(z) = sum_{x in {0,1}^n} P(x), P its own sum
([eq] times products of its tables). It cannot take f~(z) = v - Z(z) Rb(z_0) as its claim: the
verifier would need Rb(z_0), and v with Rb(z_0) gives f~(z), a linear functional of the witness.
Instead it proves, over n + 1 variables with w first,

    v = sum_{w in {0,1}} sum_{x} Q(w, x),   Q(w, x) = P(x) / 2 + Z(z) R(z_0, w) / 2^n,

(the sum over w of P/2 is P; the sum over x of the constant is Z(z) R(z_0, w)), as one masked
sumcheck whose mask layout has n + 1 variables, degrees (1, d_0, .., d_{n-1}) (``layout``):
 round 0 (w): s_0(t) = f~(z)/2 + Z(z) R(z_0, t), of degree 1 (R is affine in w);
 round 1 + j (x_j): s(t) = s_j^P(t)/2 + Z(z) R(z_0, w*) 2^(-1-j), s_j^P the plain sumcheck's;
 after the mask values: "L/randomizer value": psi = R(z_0, w*).
The caller gets the subclaim P(rho) = 2 (value - Z(z) psi / 2^n) at rho = the x coordinates,
which it checks exactly as the plain sumcheck's, and the claim R(z_0, w*) = psi, which it MUST
discharge against R's commitment (with the masks).

Soundness: a masked sumcheck over n + 1 variables (zk_sumcheck.py's bound, the w round of
degree 1); psi is bound by R's commitment. If f^(z) != v, the sum is false and the verifier
rejects except with that probability.
Zero knowledge: on top of the masked sumcheck's argument, the values the verifier sees of R
at a stated point z are v = f~(z) + Z(z)(2 alpha + beta) and psi = alpha + w* beta (R of one
point: R(u, w) = alpha + w beta); the map (alpha, beta) -> (v, psi) has determinant
Z(z) (2 w* - 1), nonzero unless Z(z) = 0 or w* = 1/2 (zk_sumcheck.zk_failure_log2 counts both),
so v and psi are uniform and independent of f~(z). tests/protocol/test_zk_discharge.py checks it
by exact linear algebra (the view, v included, affine in the mask and R, full rank onto its free
coordinates, for two witnesses with the same stated value and for the simulator).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..field.params import P
from ..field.scalar import ExtField
from ..poly.mle import Scalar, as_ext
from .sumcheck import Terms
from .zk_sumcheck import (
    MaskBinding,
    MaskLayout,
    ZkSumcheckSubclaim,
    round_degrees,
    vanishing,
    verify_zk_sumcheck,
)


def randomizer_label(label: str) -> str:
    return f"{label}/randomizer value"


def layout(n_vars: int, degree: int, terms: Terms, randomized: Sequence[int | None] | None,
           k: int) -> MaskLayout:
    """The mask layout of a discharging sumcheck: the w round (degree 1), then the plain
    sumcheck's rounds (zk_sumcheck.round_degrees)."""
    return MaskLayout(n_vars + 1, (1, *round_degrees(n_vars, degree, terms, randomized)), k)


def constant_weight(ext: ExtField, z: Sequence[Scalar], n_vars: int,
                    weight: Scalar | None = None) -> tuple[int, ...]:
    """weight / 2^n, weight = Z(z) by default: the weight of R(z_0, w) in Q. A caller whose
    randomized extension has another vanishing factor (a fraction-GKR level: Z over every
    coordinate but the split one) or another affine function of w in place of R(z_0, w)
    passes its own public ``weight``; the protocol is the same."""
    base = vanishing(ext, z) if weight is None else as_ext(ext, weight)
    return ext.mul_base(base, pow(pow(2, n_vars, P), P - 2, P))


@dataclass(frozen=True)
class DischargeSubclaim:
    """P(point) = value for the caller to check as the plain sumcheck's (point: the x
    coordinates); R(randomizer_point) = randomizer_value for the caller to open; the masked
    sumcheck's record (its mask claims already handed to the binding)."""

    point: list[tuple[int, ...]]
    value: tuple[int, ...]
    randomizer_point: tuple[tuple[int, ...], tuple[int, ...]]
    randomizer_value: tuple[int, ...]
    masked: ZkSumcheckSubclaim


def verify_discharge(transcript, ext: ExtField, stated: Scalar, z: Sequence[Scalar],
                     mask_layout: MaskLayout, label: str, binding: MaskBinding,
                     defer_randomizer: Callable[[str, tuple, tuple], None],
                     weight: Scalar | None = None) -> DischargeSubclaim:
    """Discharge the stated claim f^(z) = ``stated`` (module docstring); ``mask_layout`` from
    :func:`layout`. The claim R(z_0, w*) = psi goes to ``defer_randomizer(label, (z_0, w*),
    psi)`` before anything is returned: whoever binds R must open it (psi is sent after every
    challenge, so an unchecked psi would let any stated value verify). ``weight``: the public
    factor of psi (default Z(z); ``constant_weight``). ProofFormatError (transcript) on
    malformed messages."""
    if mask_layout.degrees[0] != 1:
        raise ValueError("a discharging sumcheck's first round (w) has degree 1")
    masked = verify_zk_sumcheck(transcript, ext, stated, mask_layout, label, binding)
    (psi,) = transcript.recv_k(randomizer_label(label), 1, ext.k)
    n = mask_layout.n_vars - 1
    w, rho = masked.point[0], masked.point[1:]
    rest = ext.sub(masked.value, ext.mul(constant_weight(ext, z, n, weight), psi))
    at = (as_ext(ext, z[0]), tuple(w))
    defer_randomizer(label, at, tuple(psi))
    return DischargeSubclaim(list(rho), ext.add(rest, rest), at, tuple(psi), masked)
