"""GKR for a sum of fractions (Papini & Haböck, "Improving logarithmic derivative lookups using
GKR", ePrint 2023/1284, §3): the verifier, which is also the protocol's specification.

Statement: for tables n, d of length 2^m (the leaves), sum_x n(x)/d(x) = P/Q.

Tree (x_0 = least-significant index bit, docs/internals.md). Level m holds the leaves (N_m, D_m)
= (n, d); level l < m has 2^l entries built from the even/odd children of level l + 1:

    N_l[x] = n0[x] d1[x] + n1[x] d0[x],  D_l[x] = d0[x] d1[x],
    n0 = N_{l+1}[0::2], n1 = N_{l+1}[1::2], d0 = D_{l+1}[0::2], d1 = D_{l+1}[1::2],

so the split variable is x_0 of level l + 1: N_{l+1}~(mu, y) = n0~(y) + mu (n1~(y) - n0~(y)).
The root (P, Q) = (N_0, D_0) is the projective sum, and Q = prod_x d(x).

Proof (the transcript's messages, in order): P, Q; then for each layer l = 0..m-1, from the
root down, with claims N_l~(rho) = a, D_l~(rho) = b (rho empty for l = 0):
  1. draw lambda; sumcheck (l rounds, degree 3) of
     a + lambda b = sum_{x in {0,1}^l} eq(rho, x) (n0 d1 + n1 d0 + lambda d0 d1)(x)  -> point rho';
  2. the prover sends n0~(rho'), n1~(rho'), d0~(rho'), d1~(rho'); the verifier checks the
     sumcheck's final value equals eq(rho, rho') (n0 d1 + n1 d0 + lambda d0 d1);
  3. draw mu; the claims on level l + 1 are N_{l+1}~(mu, rho'), D_{l+1}~(mu, rho') — mu is the new
     variable x_0, so the new point is [mu] + rho'.
Sizes: 2 + sum_l (4 l + 4) K elements = 2 m^2 + 2 m + 2.

Soundness: :func:`verify_fraction_sum` rejects Q = 0 (then every leaf d(x) != 0 and the sum of
fractions is P/Q); it returns the leaf claims n~(point) = num_value, d~(point) = den_value that the
caller MUST check (commitment opening, closed form, ...). If they hold, the probability that a
false (P, Q) passes is at most sum_l (3 l + 2)/|K| (per layer: sumcheck 3l/|K|, Thaler Prop. 4.1;
lambda batching 1/|K|; the mu line reduction 1/|K|), see :func:`soundness_error_bound`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import VerificationError
from ..field.params import P as FIELD_P
from ..field.scalar import ExtField
from ..poly.mle import eq_eval
from .sumcheck import Terms, evaluate_terms, verify_sumcheck

__all__ = [
    "FractionSubclaim",
    "verify_fraction_sum",
    "layer_terms",
    "soundness_error_bound",
    "LAYER_DEGREE",
]

LAYER_DEGREE = 3
"""Degree of the layer sumcheck: eq(rho, x) times a product of two child tables."""

K = tuple[int, ...]


@dataclass(frozen=True)
class FractionSubclaim:
    """What :func:`verify_fraction_sum` leaves to its caller.

    Proven: sum_x n(x)/d(x) = P/Q (Q != 0) *provided* n~(point) = num_value and
    d~(point) = den_value, which the caller must check. point: m K elements, x_0 first.
    """

    P: K
    Q: K
    point: list[K]
    num_value: K
    den_value: K


def layer_terms(lam: K) -> Terms:
    """g(n0, n1, d0, d1) = n0 d1 + n1 d0 + lambda d0 d1; the layer sums eq(rho, x) g (degree 3)."""
    return [(1, [0, 3]), (1, [1, 2]), (lam, [2, 3])]


def root_label(label: str) -> str:
    """Transcript label of the root (P, Q)."""
    return f"{label}/root"


def layer_label(label: str, layer: int, what: str) -> str:
    """Transcript label of one message or challenge of a layer (shared with the prover)."""
    return f"{label}/layer{layer}/{what}"


def verify_fraction_sum(transcript, ext: ExtField, n_vars: int, label: str) -> FractionSubclaim:
    """Read and check a fraction-sum GKR over 2^n_vars leaves; return the leaf subclaim.

    Raises VerificationError on a failed check (Q = 0, a sumcheck round, a layer's child values),
    ProofFormatError (from the transcript) on truncated or non-canonical bytes.
    Soundness: the caller must check the returned leaf claims (see the module docstring).
    """
    if n_vars < 0:
        raise ValueError(f"a fraction sum needs n_vars >= 0, got {n_vars}")
    P, Q = transcript.recv_k(root_label(label), 2, ext.k)
    if ext.is_zero(Q):
        raise VerificationError(f"fraction sum '{label}': the root denominator Q is zero")
    point: list[K] = []
    num, den = tuple(P), tuple(Q)
    for layer in range(n_vars):
        point, num, den = _verify_layer(transcript, ext, label, layer, point, num, den)
    return FractionSubclaim(tuple(P), tuple(Q), point, num, den)


def _verify_layer(transcript, ext: ExtField, label: str, layer: int, rho: list[K], num: K, den: K):
    """Reduce N_l~(rho) = num, D_l~(rho) = den to claims on level l + 1 at [mu] + rho'."""
    lam = tuple(transcript.challenge_k(layer_label(label, layer, "lambda"), ext.k))
    claim = ext.add(num, ext.mul(lam, den))
    sub = verify_sumcheck(
        transcript, ext, claim, layer, LAYER_DEGREE, layer_label(label, layer, "sumcheck")
    )
    n0, n1, d0, d1 = transcript.recv_k(layer_label(label, layer, "children"), 4, ext.k)
    inner = evaluate_terms(ext, layer_terms(lam), [n0, n1, d0, d1])
    if not ext.eq(ext.mul(eq_eval(ext, rho, sub.point), inner), sub.value):
        raise VerificationError(
            f"fraction sum '{label}' layer {layer}: child values do not match the sumcheck"
        )
    mu = tuple(transcript.challenge_k(layer_label(label, layer, "mu"), ext.k))
    num = ext.add(n0, ext.mul(mu, ext.sub(n1, n0)))
    den = ext.add(d0, ext.mul(mu, ext.sub(d1, d0)))
    return [mu, *sub.point], num, den


def soundness_error_bound(n_vars: int, k: int) -> float:
    """log2 of the bound sum_{l<m} (3 l + 2) / |K| on accepting a false root, |K| = p^k.

    Excludes the caller's leaf checks. E.g. m = 20, k = 2: about 2^-118.
    """
    count = sum(3 * layer + 2 for layer in range(n_vars))
    return math.log2(max(count, 1)) - k * math.log2(FIELD_P)
