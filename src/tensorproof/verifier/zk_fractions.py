"""The fraction-sum GKR of the lookups with randomized layers (docs/internals.md, "The
integration plan", step 5, below the root): the spec; prover/zk_fractions.py mirrors it.

In a plan with randomized finals (a hiding opening, zk_finals.py) the layers of
fraction_gkr.py run as follows. Layer l >= 1 (a sumcheck over l variables) randomizes its four
child tables n0, n1, d0, d1 by value slots of M (X^ = X~ + Z(x) psi_X, zk_finals.py), so the
children it states are the randomized values n0^(rho'), .. . The claims on level l + 1 are
then the randomized claims
    N_{l+1}~(mu, rho') + Z(rho') ((1 - mu) psi_n0 + mu psi_n1) = n0^ + mu (n1^ - n0^)
(the same for D), whose randomizers (EvalClaim.randomizer's form) the next layer discharges
(zk_finals.py: its claim N + lambda D carries both, lambda-scaled). The leaf claims come back
with their randomizers for lookups.py to check. Layer 0 has no variable: by default its
children (and the root P, Q) are stated in the clear (a root whose halves' sums are blinded);
with ``randomize_from`` = 0 they are randomized too, over one padding variable (zk_finals.py:
a sumcheck with no variable runs over one), for a revealed root whose halves must not be
(zk_lookups.py's two trees).

Soundness: each layer is zk_finals.py's randomized and discharging masked sumcheck (its
bound) in place of the plain one; the line through the randomized children at mu is the
randomized claim on level l + 1 exactly, because the randomizer is affine in x_0 = mu with
constant coefficients. Zero knowledge: the stated children carry psi_X with the coefficient
Z(rho') (nonzero except with probability O(l/|K|)), and each discharge reveals one value
made uniform by its beta (zk_finals.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import VerificationError
from ..poly.mle import as_ext, eq_eval
from .fraction_gkr import LAYER_DEGREE, layer_label, layer_terms, root_label
from .sumcheck import evaluate_terms
from .zk_finals import scaled, verify_randomized

K = tuple[int, ...]


@dataclass(frozen=True)
class HidingFractionSubclaim:
    """fraction_gkr.FractionSubclaim with the leaf claims' randomizers: n~(point) + sum c psi
    = num_value (``num_randomizer``), the same for d."""

    P: K
    Q: K
    point: list[K]
    num_value: K
    den_value: K
    num_randomizer: tuple = ()
    den_randomizer: tuple = ()


def line_randomizers(ext, z, mu, slots) -> tuple[tuple, tuple]:
    """The randomizers of N_{l+1} and D_{l+1} at (mu, rho'): the line through the children's
    value slots (n0, n1, d0, d1), times Z(rho')."""
    if not slots:
        return (), ()
    mu = as_ext(ext, mu)
    lo, hi = ext.mul(z, ext.sub(ext.one(), mu)), ext.mul(z, mu)
    s_n0, s_n1, s_d0, s_d1 = slots
    return ((lo, s_n0), (hi, s_n1)), ((lo, s_d0), (hi, s_d1))


def verify_hiding_fraction_sum(ctx, n_vars: int, label: str,
                               randomize_from: int = 1) -> HidingFractionSubclaim:
    """fraction_gkr.verify_fraction_sum with randomized layers (module docstring): the children
    of layers from ``randomize_from`` on are randomized (0: the root's children too, for a
    root that is revealed but whose halves' sums must not be)."""
    t, ext = ctx.t, ctx.ext
    P, Q = t.recv_k(root_label(label), 2, ext.k)
    if ext.is_zero(Q):
        raise VerificationError(f"fraction sum '{label}': the root denominator Q is zero")
    point: list[K] = []
    num, den, r_num, r_den = tuple(P), tuple(Q), (), ()
    for layer in range(n_vars):
        lam = tuple(t.challenge_k(layer_label(label, layer, "lambda"), ext.k))
        claim = ext.add(num, ext.mul(lam, den))
        sub, slots, z = verify_randomized(ctx, claim, layer, LAYER_DEGREE,
                                       layer_label(label, layer, "sumcheck"), layer_terms(lam),
                                       [layer >= randomize_from] * 4,
                                       (*r_num, *scaled(ext, lam, r_den)))
        n0, n1, d0, d1 = t.recv_k(layer_label(label, layer, "children"), 4, ext.k)
        inner = evaluate_terms(ext, layer_terms(lam), [n0, n1, d0, d1])
        if not ext.eq(ext.mul(eq_eval(ext, point, sub.point), inner), sub.value):
            raise VerificationError(
                f"fraction sum '{label}' layer {layer}: child values do not match the sumcheck")
        mu = tuple(t.challenge_k(layer_label(label, layer, "mu"), ext.k))
        num = ext.add(n0, ext.mul(mu, ext.sub(n1, n0)))
        den = ext.add(d0, ext.mul(mu, ext.sub(d1, d0)))
        r_num, r_den = line_randomizers(ext, z, mu, slots)
        point = [mu, *sub.point]
    return HidingFractionSubclaim(tuple(P), tuple(Q), point, num, den, r_num, r_den)
