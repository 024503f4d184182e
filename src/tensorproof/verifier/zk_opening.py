"""The hiding opening of a zero-knowledge proof's advice commitment (docs/internals.md, "The
integration plan", steps 2 and 6, for Ligero): the spec; prover/zk_opening.py mirrors it.

The advice table B (the packed advice group: every committed tensor, M (MASKS: the masks and
value slots of every earlier sumcheck, zk_masks.py), the randomizer RANDOMIZER and
OPENING_MASKS, zk_capacity.add_zero_knowledge) is committed with ligero-zk (``ZkPlan.hiding``:
salted leaves, padding columns, mask rows; one opening). OPENING_MASKS holds this opening's own
mask slots in its first region and the k planes of their K-valued blind omega in the next
(zk_merge.py). After the last step:

 1. challenge "open advice/lambda"; every claim on the advice (M's round claims included),
    embedded in B, gives W = sum_j lambda^j eq(z_j, .) and c = sum_j lambda^j v_j; a
    randomized claim (zk_finals.py: T~(z) + sum c D M~(value point) = v) adds all its parts,
    a claim on M alone (a discharge's) its slots' parts;
 2. the sumcheck "open advice" (degree 3, over B's n variables), masked by OPENING_MASKS's
    slots (zk_masks.py), of
        sum_x B^(x) W(x) = c,   B^(x) = B~(x) + Z(x) Row~(x_low),
    Z(x) = prod_i x_i (1 - x_i) and Row the row of B's Ligero matrix that holds RANDOMIZER
    (x_low: the b column variables). B^ = B~ on the cube, so the sum is <B, W>; Z vanishes
    while a later variable is Boolean, so only the last round (a row variable: B has at least
    two rows) has degree 3;
 3. "open advice/value": e = B^(r); the verifier checks e W~(r) = the subclaim;
 (the masks are off from here)
 4. the blinded merge "open masks" (zk_merge.verify_blinded_merge_k) of the claims on the
    opening's own slots (those of message 2) -> a RegionClaim on OPENING_MASKS's regions;
 5. one ligero-zk opening of B at two row forms (``verify_forms``): (i) row weights
    eq(r_high, .) plus Z(r) on Row, column point r_low: its value is B^(r) = e; (ii) the
    region claim's form on OPENING_MASKS's rows.

M's claims are merged in 1-3 with the rest: the masked merge reveals nothing about what it
merges beyond the claimed values (below), which for M are its round values, already in the
proof; only the merge's own slots, whose claims it creates, need the blinded merge, so the
K-valued blind covers a region of about one Ligero row, not M.

Soundness: B (R, M and OPENING_MASKS included) is bound by its commitment before every
challenge. A false
claim makes c != <B, W> except with probability (m - 1)/|K| (lambda); B^ is then a fixed
polynomial whose true round polynomials have degree <= 3 in the last round and <= 2 before,
so the masked sumcheck errs with probability <= (1 + 3 n)/|K| (zk_masks.soundness_bits), and
form (i) binds e to B^(r). The opening's own slot claims are those of zk_masks.py, merged
soundly by the blinded merge (its docstring) and bound by form (ii); ligero-zk's opening is
sound for row forms (verifier/pcs/ligero_zk.py, bound (*ZK)).
Zero knowledge (honest verifier; with the ligero-zk simulator for message 5): e = B~(r) +
Z(r) Row~(r_low), where RANDOMIZER's uniform entries, used nowhere else, enter with the
coefficients eq(r, pos) + Z(r) eq(r_low, pos_low): e is uniform unless those vanish (Z(r) = 0
or a degenerate r: probability O(n/|K|)), so Libra's argument for the masked sumcheck
(verifier/zk_sumcheck.py) applies: its view is uniform on the final equation's hyperplane.
The blinded merge reveals nothing beyond its slots' claim values (already in the proof), and
the opening nothing beyond the two form values (e and the region claim's, both already
revealed).
"""

from __future__ import annotations

import numpy as np

from ..errors import VerificationError
from ..poly.mle import as_ext
from . import evaluations as ev
from .claims import EvalClaim
from .merge import alpha_powers, combined_value
from .pcs.ligero_zk import RowForm, zk_layout
from .pcs_config import pcs_verifier
from .plan import ADVICE
from .sumcheck import verify_sumcheck
from .zk_masks import MASKS, OPENING_MASKS, RANDOMIZER, VerifierMasks, value_point
from .zk_merge import region_form, verify_blinded_merge_k
from .zk_sumcheck import plane_point, vanishing

LABEL = "open advice"
MASKS_LABEL = "open masks"
DEGREE = 3


def lambda_label() -> str:
    return f"{LABEL}/lambda"


def value_label() -> str:
    return f"{LABEL}/value"


def randomizer_row(plan, b: int) -> int:
    """The row of B's Ligero matrix (rows of 2^b entries) that holds RANDOMIZER."""
    return plan.commitments[ADVICE].packing.slot(RANDOMIZER).offset >> b


def mask_rows(plan, b: int) -> int:
    """The first row of OPENING_MASKS in B's matrix."""
    return plan.commitments[ADVICE].packing.slot(OPENING_MASKS).offset >> b


def value_form(ext, plan, lay, point) -> RowForm:
    """Form (i): eq(r_high, .) on every row, plus Z(r) on the randomizer's row."""
    b = lay.b
    rows = ev.eq_table(ext.k, list(point[b:]))
    row = randomizer_row(plan, b)
    rows[row] = ev.vec(ext.k).add(rows[row : row + 1],
                                  np.array([vanishing(ext, point)], dtype=np.uint64))[0]
    return RowForm(rows, tuple(point[:b]))


def masks_form(ext, plan, lay, region) -> RowForm:
    """Form (ii): the region claim's rows, placed at MASKS's rows of B."""
    local = region_form(ext, region, plan.zk.opening_vars, lay.b)
    rows = np.zeros((lay.data_rows, ext.k), dtype=np.uint64)
    first = mask_rows(plan, lay.b)
    local_rows = np.asarray(local.rows, dtype=np.uint64)
    rows[first : first + len(local_rows)] = local_rows
    return RowForm(rows, local.col_point)


def merge_statement(ctx) -> tuple[list, list, list]:
    """Message 1, both sides: every claim to merge as (value, parts), a part (tensor, point in
    B, coefficient): a plain claim on an advice tensor has one part; a randomized one
    (zk_finals.py: T~(r) + sum c psi) one more per value slot, c D M~(value point); a claim on
    M alone (a discharge's psi*, zk_finals.py) only those. Returns (claims, parts' regions'
    tensors flattened with their lambda-weighted coefficients, lambda's powers)."""
    plan, ext = ctx.plan, ctx.ext
    packing = plan.commitments[ADVICE].packing
    d = plane_point(ext)[1]

    def slots(randomizer):
        return [(MASKS, value_point(ext, plan.zk.capacity, s), ext.mul(as_ext(ext, c), d))
                for c, s in randomizer]

    claims = [(c.value, [(n, c.point, ext.one())]) for n, c in ctx.group_claims[ADVICE]]
    claims += [(c.value, [(n, c.point, ext.one()), *slots(c.randomizer)])
               for n, c in ctx.randomized]
    claims += [(v, slots(r)) for v, r in ctx.mask_claims]
    lam = tuple(ctx.t.challenge_k(lambda_label(), ext.k))
    powers = alpha_powers(ext, lam, len(claims))
    parts = [(name, EvalClaim(list(packing.embed(name, tuple(pt), ext)), ext.zero()),
              ext.mul(a, coeff))
             for a, (_, ps) in zip(powers, claims) for name, pt, coeff in ps]
    return claims, parts, powers


def verify_hiding_opening(ctx, commitment: bytes) -> None:
    """Messages 1-5 (module docstring); ``ctx.t.masks`` is on when called, off on return.
    VerificationError on a failed check."""
    t, ext, plan = ctx.t, ctx.ext, ctx.plan
    zk, n = plan.zk, plan.commitments[ADVICE].packing.n_vars
    on_opening: list[EvalClaim] = []
    t.masks = VerifierMasks(ext, zk.opening, lambda p, v: on_opening.append(
        EvalClaim(zk.opening_point(ext.k, p), v)))
    claims, parts, powers = merge_statement(ctx)
    sub = verify_sumcheck(t, ext, combined_value(ext, powers, [v for v, _ in claims]), n,
                          DEGREE, LABEL)
    (e,) = t.recv_k(value_label(), 1, ext.k)
    w = ev.eq_combination(ext.k, [coeff for _, _, coeff in parts],
                          [c.point for _, c, _ in parts], sub.point)
    if not ext.eq(ext.mul(as_ext(ext, e), w), sub.value):
        raise VerificationError(f"{LABEL}: final value does not match")
    t.masks = None
    region = verify_blinded_merge_k(t, ext, zk.opening_vars, on_opening, MASKS_LABEL)
    pcs = pcs_verifier(zk.hiding_config)
    lay = zk_layout(n, zk.hiding)
    forms = [value_form(ext, plan, lay, sub.point), masks_form(ext, plan, lay, region)]
    pcs.inner.verify_forms(pcs.parse(commitment, n), forms, [tuple(e), region.value], t)
    ctx.group_claims[ADVICE] = []
    ctx.randomized.clear()
    ctx.mask_claims.clear()
