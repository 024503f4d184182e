"""The prover of verifier/zk_finals.py (the spec): a masked sumcheck with the private tables
randomized by value slots of M, through zk_sumcheck.run_rounds, discharging a randomized claim
when it has one (prover/zk_masks.Discharge), and the discharging merge."""

from __future__ import annotations

import numpy as np

from ..field.scalar import ExtField
from ..poly.mle import as_ext, log2_exact
from ..verifier.claims import EvalClaim
from ..verifier.merge import alpha_powers
from ..verifier.sumcheck import Terms
from ..verifier.zk_finals import (
    HALF,
    MERGE_TERMS,
    discharge_label,
    discharge_parts,
    hidden,
    last_degree,
    merged_randomizer,
    padded_degree,
    randomizer_label,
    value_label,
)
from ..verifier.zk_sumcheck import vanishing
from .merge import weight_table
from .sumcheck import prove_sumcheck, sum_of_products
from .zk_masks import Discharge
from .zk_sumcheck import run_rounds


class ConstantRandomizer:
    """A randomizer whose Rb is one K value (zk_sumcheck.randomized_last_round's interface)."""

    def __init__(self, value) -> None:
        self.value = value

    def rbar(self, ext: ExtField, u):
        return self.value


def randomizer_sum(ctx, randomizer) -> tuple:
    """sum c psi of a claim's randomizer (EvalClaim.randomizer)."""
    ext, masks = ctx.ext, ctx.t.masks
    acc = ext.zero()
    for c, s in randomizer:
        acc = ext.add(acc, ext.mul(as_ext(ext, c), masks.value(s)))
    return acc


def with_randomizer(ctx, value, randomizer):
    """The stated value of a randomized evaluation: value + sum c psi (``value`` itself when
    the randomizer is empty)."""
    if not randomizer:
        return value
    return ctx.ext.add(as_ext(ctx.ext, value), randomizer_sum(ctx, randomizer))


def prove_hiding_sumcheck(ctx, tables, terms: Terms, degree: int, label: str, names,
                          eq_point=None, fused: bool = True, randomizer: tuple = ()):
    """Mirror of ``verify_hiding_sumcheck``: (point, finals), the hidden tables' finals being
    their randomized extensions' values, the claim's ``randomizer`` discharged; plain when
    neither applies."""
    flags = hidden(ctx.plan, names)
    point, finals, slots, z = prove_randomized(ctx, tables, terms, degree, label, flags,
                                               eq_point, fused, randomizer)
    for name, slot in zip([m for m, f in zip(names, flags) if f], slots):
        ctx.expect(name, slot, z)
    return point, finals


def prove_randomized(ctx, tables, terms: Terms, degree: int, label: str, flags, eq_point=None,
                     fused: bool = True, randomizer: tuple = (), claim=None):
    """Mirror of ``verify_randomized``: (point, finals, the flagged tables' value slots, Z at
    the final point); a sumcheck with no variable runs over one (tables constant in it, the
    eq factor 1 - x), its point returned empty. ``claim``: the claimed sum (the plain sum plus
    the randomizer's), when the caller knows it: a discharge then needs no pass over the
    tables to find the plain sum."""
    n = log2_exact(len(tables[0]))
    flags = list(flags)
    if not any(flags) and not randomizer:
        point, finals = prove_sumcheck(ctx.t, ctx.vf, tables, terms, degree, label, eq_point,
                                       fused)
        return point, finals, [], vanishing(ctx.ext, point)
    masks, ext, vf = ctx.t.masks, ctx.ext, ctx.vf
    slots = list(masks.take(sum(flags), 1, value_label(label))) if any(flags) else []
    psis = iter([masks.value(j) for j in slots])
    randomizers = [ConstantRandomizer(next(psis)) if f else None for f in flags]
    discharge = None
    if randomizer:
        (beta,) = masks.take(1, 1, discharge_label(label))
        half = ext.from_base(HALF)
        b = masks.value(beta)  # R(w) = sum c psi / 2 + beta (w - 1/2)
        shift = randomizer_sum(ctx, randomizer)
        r0 = ext.sub(ext.mul(shift, half), ext.mul(b, half))
        plain = (ext.sub(as_ext(ext, claim), shift) if claim is not None
                 else as_ext(ext, sum_of_products(vf, tables, terms, eq_point)))
        discharge = Discharge(plain, r0, b)
    pad = n == 0 and any(flags)
    if pad:  # one variable, the tables constant in it, eq(0, x) = 1 - x
        tables = [np.repeat(T, 2, axis=0) for T in tables]
        eq_point, n = [ext.zero()], 1
        degree = last = padded_degree(terms, flags)
    else:
        last = last_degree(degree, terms, flags, n) if n else None
    point, finals = masks.run(
        ctx.t, vf, n, degree, label,
        lambda relay: run_rounds(relay, vf, tables, terms, degree, label, eq_point,
                                 randomizers, degree if last is None else last, fused),
        last, discharge)
    if discharge is not None:
        w, point = point[0], point[1:]
        psi = discharge.at(ext, w)
        ctx.send(randomizer_label(label), [psi])
        ctx.mask_claims.append((psi, discharge_parts(ext, randomizer, beta, w)))
    z = vanishing(ext, point)
    return ([] if pad else point), finals, slots, z


def prove_hiding_merge(ctx, tensor: str, claims: list[EvalClaim], label: str) -> EvalClaim:
    """Mirror of ``verify_hiding_merge``."""
    ext, vf = ctx.ext, ctx.vf
    alpha = ctx.t.challenge_k(f"{label}/alpha", ext.k)
    powers = alpha_powers(ext, alpha, len(claims))
    table = ctx.tables[tensor]
    w = weight_table(vf, log2_exact(len(table)), claims, powers)
    point, finals = prove_hiding_sumcheck(ctx, [table, w], MERGE_TERMS, 2, label, [tensor, None],
                                          randomizer=merged_randomizer(ext, powers, claims))
    ctx.send(f"{label}/value", [finals[0]])
    ctx.claim(tensor, point, finals[0])
    (merged,) = ctx.pending.pop(tensor)
    return merged
