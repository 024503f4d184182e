"""Randomized finals: a masked sumcheck whose committed tables are stated only through their
randomized extensions (docs/internals.md, "The integration plan", step 4, for claims on
committed tensors); the spec, prover/zk_finals.py mirrors it.

In a zero-knowledge plan with a hiding advice opening (zk_capacity.ZkPlan.hiding), a sumcheck
run through ``verify_hiding_sumcheck`` replaces each of its tables that is a committed advice
tensor X (``hidden``) by X^(x) = X~(x) + Z(x) psi_X, Z(x) = prod_i x_i (1 - x_i) over the
sumcheck's variables and psi_X the K value of a fresh *value slot* of M (zk_masks.value_point:
D M~ there is the slot's constant coefficient). X^ = X~ on the cube, so the sum is unchanged;
only the last round's degree rises (zk_sumcheck.last_round_degree with constant randomizers).
Messages: the value slots are allocated first (one per hidden table, in table order, no
message), then the masked sumcheck of zk_masks.py with the raised last degree. The final the
step states for X is X^(r); its claim, routed by the context (``ClaimBook.claim`` consumes
``expect``), is the linear claim X~(r) + Z(r) D M~(value point) = X^(r) on the advice table,
which the hiding opening's masked merge takes as two eq parts (verifier/zk_opening.py).

Soundness: M (so psi_X) is bound before the sumcheck; X^ is a fixed polynomial whose sum over
the cube is X's, so the masked sumcheck's bound holds with the raised degree, and the linear
claim binds the stated value to X and M. Zero knowledge: psi_X is used nowhere else and
enters the stated value with the coefficient Z(r) != 0 (probability 1 - O(n/|K|)), so X^(r)
is uniform and independent of the mask: Libra's argument (verifier/zk_sumcheck.py) then makes
the masked rounds uniform on the final hyperplane; the merge reveals only its masked rounds
and e (zk_opening.py).
"""

from __future__ import annotations

from ..poly.mle import Scalar
from .claims import SumcheckSubclaim
from .plan import ADVICE
from .sumcheck import Terms, verify_sumcheck
from .zk_masks import MASKS, RANDOMIZER, value_point
from .zk_sumcheck import last_round_degree, vanishing


def hidden(plan, names) -> list[bool]:
    """Which tables (plan tensor names; None for public or derived tables) get randomized:
    committed advice tensors, in a plan with a hiding opening."""
    zk = plan.zk
    if zk is None or zk.hiding is None:
        return [False] * len(names)
    return [n is not None and n not in (MASKS, RANDOMIZER) and plan.group_of(n) == ADVICE
            for n in names]


def last_degree(degree: int, terms: Terms, flags, n_vars: int) -> int:
    """The last round's degree with the flagged tables randomized by constants."""
    return last_round_degree(degree, terms, [0 if f else None for f in flags], n_vars)


def value_label(label: str) -> str:
    return f"{label}/values"


def verify_hiding_sumcheck(ctx, claim: Scalar, n_vars: int, degree: int, label: str,
                           terms: Terms, names) -> SumcheckSubclaim:
    """``verify_sumcheck`` with the hidden tables among ``names`` (one per table of the
    prover's sumcheck, as in ``terms``) randomized; the context then expects each one's claim
    as a randomized one (``ctx.expect``). Plain when none is hidden."""
    flags = hidden(ctx.plan, names)
    if not any(flags) or not n_vars:
        return verify_sumcheck(ctx.t, ctx.ext, claim, n_vars, degree, label)
    masks, ext = ctx.t.masks, ctx.ext
    slots = masks.take(sum(flags), 1, value_label(label))
    sub = masks.verify(ctx.t, ext, claim, n_vars, degree, label,
                       last_degree(degree, terms, flags, n_vars))
    z = vanishing(ext, sub.point)
    for name, slot in zip([n for n, f in zip(names, flags) if f], slots):
        ctx.expect(name, value_point(ext, masks.capacity, slot), z)
    return sub
