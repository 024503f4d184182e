"""Prover of verifier/zk_fractions.py (the spec): the fraction-sum GKR with randomized layers."""

from __future__ import annotations

from ..field.vec import VecField
from ..poly.mle import split_rows
from ..verifier.fraction_gkr import LAYER_DEGREE, layer_label, layer_terms
from ..verifier.zk_finals import scaled
from ..verifier.zk_fractions import HidingFractionSubclaim, line_randomizers
from .fraction_gkr import tree_and_root
from .zk_finals import prove_randomized

K = tuple[int, ...]


def prove_hiding_fraction_sum(ctx, num, den, label: str,
                              randomize_from: int = 1) -> HidingFractionSubclaim:
    """Mirror of ``verify_hiding_fraction_sum``: sum_x num(x)/den(x) = P/Q with the children
    of layers from ``randomize_from`` on randomized; the leaf values are the randomized ones."""
    vf: VecField = ctx.vf
    ext, t = ctx.ext, ctx.t
    levels, P, Q = tree_and_root(t, vf, num, den, label)
    point: list[K] = []
    num_eval, den_eval, r_num, r_den = P, Q, (), ()
    for layer in range(len(levels) - 1):
        lam = tuple(t.challenge_k(layer_label(label, layer, "lambda"), vf.k))
        N, D = levels[layer + 1]
        n0, n1 = split_rows(N)
        d0, d1 = split_rows(D)
        rho, finals, slots, z = prove_randomized(
            ctx, [n0, n1, d0, d1], layer_terms(lam), LAYER_DEGREE,
            layer_label(label, layer, "sumcheck"), [layer >= randomize_from] * 4, eq_point=point,
            randomizer=(*r_num, *scaled(ext, lam, r_den)),
            claim=ext.add(num_eval, ext.mul(lam, den_eval)))
        c_n0, c_n1, c_d0, c_d1 = (tuple(int(c) for c in v) for v in finals)
        t.send_k(layer_label(label, layer, "children"), [c_n0, c_n1, c_d0, c_d1], vf.k)
        mu = tuple(t.challenge_k(layer_label(label, layer, "mu"), vf.k))
        num_eval = ext.add(c_n0, ext.mul(mu, ext.sub(c_n1, c_n0)))
        den_eval = ext.add(c_d0, ext.mul(mu, ext.sub(c_d1, c_d0)))
        r_num, r_den = line_randomizers(ext, z, mu, slots)
        point = [mu, *rho]
    return HidingFractionSubclaim(P, Q, point, num_eval, den_eval, r_num, r_den)
