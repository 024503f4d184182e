"""Randomized finals: a masked sumcheck whose private tables are stated only through their
randomized extensions, and the discharge of such a claim by the step that computes the table
(docs/internals.md, "The integration plan", step 4); the spec, prover/zk_finals.py mirrors it.

In a zero-knowledge plan with a hiding advice opening (zk_capacity.ZkPlan.hiding), a sumcheck
run through ``verify_hiding_sumcheck`` replaces each of its tables that is a committed advice
tensor or a virtual one X (``hidden``) by X^(x) = X~(x) + Z(x) psi_X, Z(x) = prod_i x_i (1 -
x_i) over the sumcheck's variables and psi_X the K value of a fresh *value slot* of M
(zk_masks.value_point: D M~ there is the slot's constant coefficient). X^ = X~ on the cube, so
the sum is unchanged; only the last round's degree rises (zk_sumcheck.last_round_degree with
constant randomizers).
Messages: the value slots are allocated first (one per hidden table, in table order, no
message), then the masked sumcheck of zk_masks.py with the raised last degree. The final the
step states for X is X^(r); its claim, routed by the context (``ClaimBook.claim`` consumes
``expect``), is the randomized claim X~(r) + Z(r) psi_X = X^(r) (EvalClaim.randomizer). On
an advice tensor the hiding opening's masked merge takes it as two eq parts, X~ and M~
(verifier/zk_opening.py). On a virtual tensor it waits for X's producer, whose sumcheck
*discharges* it.

Discharge (Libra's sum over w, "Libra", ePrint 2019/317, section 4.2; zk_discharge.py is the
stand-alone version with a committed R). A claim T~(z) + sum_i c_i psi_i = v (c_i public,
psi_i value slots) on the output of a step whose sumcheck proves T~(z) = sum_x P(x) cannot
take T~(z) as its claim: the verifier knows only v. With a fresh value slot beta the step
proves instead, over (w, x), w first,
    v = sum_{w in {0,1}} sum_x [P(x) / 2 + R(w) / 2^n],
    R(w) = sum_i c_i psi_i / 2 + beta (w - 1/2),
(sum_w R(w) = sum_i c_i psi_i) as one masked sumcheck of n + 1 rounds, the first (w) of
degree 1; the prover then sends "L/randomizer value": psi* = R(w*), and the subclaim
P(rho) = 2 (final - psi* / 2^n) goes to the step as the plain sumcheck's. The claim
sum_i (c_i / 2) psi_i + (w* - 1/2) beta = psi* is a claim on M alone (``ClaimBook.mask_claims``),
checked by the hiding opening. Several claims on one virtual tensor are merged first by a
discharging merge (``verify_hiding_merge``: the merge sumcheck of merge.py with the claims'
randomizers combined by the merge's powers and its own table randomized), whose final is one
randomized claim for the producer.

Soundness: M (so psi_X, beta) is bound before the sumcheck; X^ is a fixed polynomial whose sum
over the cube is X's, so the masked sumcheck's bound holds with the raised degree, and the
linear claim binds the stated value to X and M. A discharge is the masked sumcheck of a fixed
polynomial over n + 1 variables (degree 1 in w) whose sum is v exactly when the claim holds;
psi* is bound by its claim on M, checked by the opening, so the subclaim is P's.
Zero knowledge: psi_X enters no other revealed value except through a discharge, where a
fresh beta masks it, and it enters the stated value with the coefficient
Z(r) != 0 (probability 1 - O(n/|K|)), so X^(r) is uniform and independent of the mask: Libra's
argument (verifier/zk_sumcheck.py) then makes the masked rounds uniform on the final
hyperplane; the merge reveals only its masked rounds and e (zk_opening.py). A discharge reveals
psi* = (known combination of the psi_i) + (w* - 1/2) beta, beta used nowhere else: uniform
unless w* = 1/2 (probability 1/|K|). A sumcheck with no variable that randomizes a table
runs over one (``verify_randomized``), since Z is 1 on an empty cube.
"""

from __future__ import annotations

from ..errors import VerificationError
from ..field.params import HALF, P
from ..poly.mle import Scalar, as_ext
from .claims import EvalClaim, SumcheckSubclaim
from .evaluations import eq_combination
from .merge import alpha_powers, combined_value
from .plan import ADVICE, VIRTUAL
from .sumcheck import Terms, verify_sumcheck
from .zk_masks import MASKS, RANDOMIZER
from .zk_sumcheck import last_round_degree, vanishing
from .zk_weights import hides

MERGE_TERMS: Terms = [(1, [0, 1])]
"""T(x) w(x): the merge sumcheck's (merge.py)."""


def hidden(plan, names) -> list[bool]:
    """Which tables (plan tensor names; None for public or derived tables) get randomized:
    committed advice tensors and virtual ones, and the weights when they are private
    (zk_weights.hides), in a plan with a hiding opening."""
    zk = plan.zk
    if zk is None or zk.hiding is None:
        return [False] * len(names)
    return [n is not None and n not in (MASKS, RANDOMIZER)
            and (plan.group_of(n) == ADVICE or plan.visibility(n) == VIRTUAL
                 or hides(plan, n)) for n in names]


def last_degree(degree: int, terms: Terms, flags, n_vars: int) -> int:
    """The last round's degree with the flagged tables randomized by constants."""
    return last_round_degree(degree, terms, [0 if f else None for f in flags], n_vars)


def value_label(label: str) -> str:
    return f"{label}/values"


def discharge_label(label: str) -> str:
    return f"{label}/discharge"


def randomizer_label(label: str) -> str:
    return f"{label}/randomizer value"


def discharge_parts(ext, randomizer, beta: int, w) -> tuple:
    """R(w*) as a combination of value slots: ((c_i / 2, s_i), .., (w* - 1/2, beta))."""
    half = ext.from_base(HALF)
    return (*((ext.mul(as_ext(ext, c), half), s) for c, s in randomizer),
            (ext.sub(as_ext(ext, w), half), beta))


def discharged_value(ext, value, psi, n_vars: int):
    """P(rho) = 2 (final - psi* / 2^n): the subclaim of a discharge."""
    rest = ext.sub(as_ext(ext, value), ext.mul_base(as_ext(ext, psi), pow(HALF, n_vars, P)))
    return ext.add(rest, rest)


def value_slot(masks, ext, label: str) -> tuple:
    """A fresh value slot of M for a stated evaluation T~(z) + psi = v: its randomizer
    ((1, slot),) (the prover states v, the claim carries psi)."""
    (slot,) = masks.take(1, 1, label)
    return ((ext.one(), slot),)


def scaled(ext, c, randomizer) -> tuple:
    """A randomizer times the public scalar c."""
    c = as_ext(ext, c)
    return tuple((ext.mul(c, as_ext(ext, a)), s) for a, s in randomizer)


def verify_hiding_sumcheck(ctx, claim: Scalar, n_vars: int, degree: int, label: str,
                           terms: Terms, names, randomizer: tuple = ()) -> SumcheckSubclaim:
    """``verify_sumcheck`` with the hidden tables among ``names`` (one per table of the
    prover's sumcheck, as in ``terms``) randomized (the context then expects each one's claim
    as a randomized one: ``ctx.expect``) and, when ``claim`` is randomized (``randomizer``, an
    EvalClaim's), discharging it (module docstring). Plain when neither applies."""
    flags = hidden(ctx.plan, names)
    sub, slots, z = verify_randomized(ctx, claim, n_vars, degree, label, terms, flags,
                                      randomizer)
    for name, slot in zip([n for n, f in zip(names, flags) if f], slots):
        ctx.expect(name, slot, z)
    return sub


def padded_degree(terms: Terms, flags) -> int:
    """The round degree of a sumcheck with no variable run over one (``verify_randomized``):
    the factor 1 - x, and 2 per randomized constant table of a term (T + x (1 - x) psi)."""
    return 1 + 2 * max(sum(1 for j in idx if flags[j]) for _, idx in terms)


def verify_randomized(ctx, claim: Scalar, n_vars: int, degree: int, label: str, terms: Terms,
                      flags, randomizer: tuple = ()) -> tuple[SumcheckSubclaim, list, Scalar]:
    """The sumcheck of ``verify_hiding_sumcheck`` with the randomized tables given by
    ``flags``; returns (subclaim, the flagged tables' value slots in table order (empty when
    none was randomized), Z at the final point: their coefficient).
    With no variable (n_vars = 0) and a randomized table, Z would not vanish on the cube: the
    sumcheck runs over one variable x of sum_x (1 - x) g(tables), the tables constant in x
    (their sum is g's value), degree ``padded_degree``; at its point r the subclaim
    (1 - r) g(finals) = value is returned as g(finals) = value / (1 - r), with the point
    empty and the finals' coefficient Z(r) = r (1 - r)."""
    flags = list(flags)
    if not any(flags) and not randomizer:
        sub = verify_sumcheck(ctx.t, ctx.ext, claim, n_vars, degree, label)
        return sub, [], vanishing(ctx.ext, sub.point)
    masks, ext = ctx.t.masks, ctx.ext
    pad = n_vars == 0 and any(flags)
    n = 1 if pad else n_vars
    slots = masks.take(sum(flags), 1, value_label(label)) if any(flags) else range(0)
    beta = masks.take(1, 1, discharge_label(label))[0] if randomizer else None
    if pad:
        degree = last = padded_degree(terms, flags)
    else:
        last = last_degree(degree, terms, flags, n) if n else None
    sub = masks.verify(ctx.t, ext, claim, n, degree, label, last, 1 if randomizer else None)
    if randomizer:
        (psi,) = ctx.recv(randomizer_label(label))
        ctx.mask_claims.append((psi, discharge_parts(ext, randomizer, beta, sub.point[0])))
        sub = SumcheckSubclaim(sub.point[1:], discharged_value(ext, sub.value, psi, n))
    z = vanishing(ext, sub.point)
    if pad:
        (r,) = sub.point
        rest = ext.sub(ext.one(), as_ext(ext, r))
        if ext.is_zero(rest):
            raise VerificationError(f"sumcheck {label!r}: degenerate challenge r = 1")
        sub = SumcheckSubclaim([], ext.mul(as_ext(ext, sub.value), ext.inv(rest)))
    return sub, list(slots), z


def merged_randomizer(ext, powers, claims) -> tuple:
    """The merged claim's randomizer: each claim's, scaled by its power."""
    return tuple(p for a, cl in zip(powers, claims) for p in scaled(ext, a, cl.randomizer))


def verify_hiding_merge(ctx, tensor: str, claims: list[EvalClaim], label: str) -> EvalClaim:
    """merge.verify_merge for a virtual tensor of a plan with randomized finals: the claims'
    randomizers discharged, T randomized, the result one randomized claim (module docstring)."""
    ext = ctx.ext
    alpha = ctx.t.challenge_k(f"{label}/alpha", ext.k)
    powers = alpha_powers(ext, alpha, len(claims))
    total = combined_value(ext, powers, [c.value for c in claims])
    n = ctx.plan.tensors[tensor].layout.n_vars
    sub = verify_hiding_sumcheck(ctx, total, n, 2, label, MERGE_TERMS, [tensor, None],
                                 merged_randomizer(ext, powers, claims))
    (t,) = ctx.recv(f"{label}/value")
    w = eq_combination(ext.k, powers, [c.point for c in claims], sub.point)
    if not ext.eq(ext.mul(t, w), sub.value):
        raise VerificationError(f"claim merge '{label}': final value does not match")
    ctx.claim(tensor, sub.point, t)
    (merged,) = ctx.pending.pop(tensor)
    return merged
