"""The prover of verifier/zk_finals.py (the spec): a masked sumcheck with the committed
tables randomized by value slots of M, through zk_sumcheck.run_rounds."""

from __future__ import annotations

from ..field.scalar import ExtField
from ..poly.mle import log2_exact
from ..verifier.sumcheck import Terms
from ..verifier.zk_finals import hidden, last_degree, value_label
from ..verifier.zk_masks import value_point
from ..verifier.zk_sumcheck import vanishing
from .sumcheck import prove_sumcheck
from .zk_sumcheck import run_rounds


class ConstantRandomizer:
    """A randomizer whose Rb is one K value (zk_sumcheck.randomized_last_round's interface)."""

    def __init__(self, value) -> None:
        self.value = value

    def rbar(self, ext: ExtField, u):
        return self.value


def prove_hiding_sumcheck(ctx, tables, terms: Terms, degree: int, label: str, names,
                          eq_point=None, fused: bool = True):
    """Mirror of ``verify_hiding_sumcheck``: (point, finals), the hidden tables' finals being
    their randomized extensions' values; plain when none is hidden."""
    flags = hidden(ctx.plan, names)
    n = log2_exact(len(tables[0]))
    if not any(flags) or not n:
        return prove_sumcheck(ctx.t, ctx.vf, tables, terms, degree, label, eq_point, fused)
    masks, ext, vf = ctx.t.masks, ctx.ext, ctx.vf
    slots = list(masks.take(sum(flags), 1, value_label(label)))
    psis = iter([masks.value(j) for j in slots])
    randomizers = [ConstantRandomizer(next(psis)) if f else None for f in flags]
    last = last_degree(degree, terms, flags, n)
    point, finals = masks.run(
        ctx.t, vf, n, degree, label,
        lambda relay: run_rounds(relay, vf, tables, terms, degree, label, eq_point,
                                 randomizers, last, fused), last)
    z = vanishing(ext, point)
    for name, slot in zip([m for m, f in zip(names, flags) if f], slots):
        ctx.expect(name, value_point(ext, masks.capacity, slot), z)
    return point, finals
