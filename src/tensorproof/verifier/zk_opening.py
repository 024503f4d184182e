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
    region claim's form on OPENING_MASKS's rows. In the compact profile (whir-zk) with
    public weights, the model's claims are merged first (the plain merge "open model",
    verifier/commitments.py; a sumcheck even for one claim, so that its point is drawn) and
    its one merged claim is batched into this opening as its
    public table (pcs/whir_zk.py, "Public table"; ``batched_model``: when the model's WHIR
    variables fit under f^'s, or when the advice was committed for the model's larger run,
    ``advice_run``: "Embedded in a larger run"), so the model needs no WHIR run of its own;
    otherwise it is merged and opened after, as every plain group is.

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
revealed); a batched model adds the model's merge (a function of public weights and of
claims already in the proof, as when it ran after), its table's values and leaves, which are
public, and f^'s and G's values at its points, which whir-zk's bounds count.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import VerificationError
from ..poly.mle import EqAt, as_ext, eq_eval, eq_eval_index, power_rows
from . import evaluations as ev
from .claims import EvalClaim
from .commitments import merged_claim
from .packing import Packing
from .pcs.hiding import hiding_config, row_vars
from .pcs.ligero_zk import RowForm, zk_layout
from .pcs.whir import WhirVerifier
from .pcs.whir_zk import (
    LinearForm,
    PublicClaim,
    WhirZkParams,
    WhirZkVerifier,
    embedded_run,
    public_fits,
)
from .pcs_config import pcs_verifier
from .plan import ADVICE, MODEL
from .sumcheck import verify_sumcheck
from .zk_masks import (
    MASKS,
    OPENING_MASKS,
    RANDOMIZER,
    VerifierMasks,
    claim_value,
    exponents,
    point_sink,
    power_vars,
    round_point,
)
from .zk_merge import region_form, verify_blinded_merge_k
from .zk_sumcheck import plane_point, vanishing
from .zk_weights import BLOCK_LABEL, CERTIFICATE_BLOCK, FIRST_PROOF_BLOCK, MODEL_VECTOR
from .zk_weights import randomizer_row as model_randomizer_row

LABEL = "open advice"
MASKS_LABEL = "open masks"
DEGREE = 3


def lambda_label() -> str:
    return f"{LABEL}/lambda"


def value_label() -> str:
    return f"{LABEL}/value"


def hiding_groups(plan) -> tuple[str, ...]:
    """The groups the hiding opening merges: the advice, and the model's when the weights are
    private (zk_weights.py)."""
    return (ADVICE, MODEL) if plan.model_hiding is not None else (ADVICE,)


def group_vars(plan, group: str) -> int:
    """Variables of a group's packed vector (the model's also before the plan's commitments
    are declared: zk_capacity.add_zero_knowledge)."""
    if group in plan.commitments:
        return plan.commitments[group].packing.n_vars
    return Packing.of(plan.consts).n_vars


def opening_rounds(plan, n_advice: int) -> int:
    """Rounds of message 2's sumcheck: the selector variable (with private weights) and the
    largest group's variables."""
    if plan.model_hiding is None:
        return n_advice
    return 1 + max(n_advice, group_vars(plan, MODEL))


def index_bits(ext, index: int, n: int) -> tuple:
    """The n coordinates of a hypercube index (lowest first) as K elements."""
    return tuple(ext.one() if (index >> i) & 1 else ext.zero() for i in range(n))


def value_linear_form(ext, x, n_vars: int, b: int, row: int, z) -> LinearForm:
    """Form (i) for whir-zk (openings of sums of point values): eq(0, x past n_vars) B~(x)
    + z Row~(x_low), Row~(x_low) = B~(x_low, row's bits)."""
    return LinearForm((padding_factor(ext, x, n_vars), z),
                      (tuple(x[:n_vars]), tuple(x[:b]) + index_bits(ext, row, n_vars - b)))


def linear_forms(ext, plan, x, n_vars: int, b: int, z, region) -> list[LinearForm]:
    """Forms (i) and (ii) for whir-zk: the value form, and sum_q weights[q] B~(region point,
    bits of OPENING_MASKS's region q)."""
    value = value_linear_form(ext, x, n_vars, b, randomizer_row(plan, b), z)
    n_r = plan.zk.opening_vars
    offset = plan.commitments[ADVICE].packing.slot(OPENING_MASKS).offset
    if offset % (1 << n_r):
        raise VerificationError("the opening's mask regions are not aligned in the advice")
    terms = [(w, tuple(region.point) + index_bits(ext, (offset >> n_r) + q, n_vars - n_r))
             for q, w in enumerate(region.weights) if not ext.eq(w, ext.zero())]
    return [value, LinearForm(tuple(w for w, _ in terms), tuple(p for _, p in terms))]


def model_form(ext, plan, x, n_vars: int, block: int, z):
    """The model's value form (private weights) at ``block``'s randomizer row, for its hiding
    scheme."""
    params = plan.model_hiding
    b = row_vars(params, n_vars)
    row = model_randomizer_row(plan, block)
    if isinstance(params, WhirZkParams):
        return value_linear_form(ext, x, n_vars, b, row, z)
    return value_form(ext, zk_layout(n_vars, params), x, n_vars, row, z)


def hiding_forms(ext, plan, x, n_vars: int, z, region) -> list:
    """The advice's two forms (module docstring, message 5) for its hiding scheme."""
    used = advice_used(plan)
    b = row_vars(plan.zk.hiding, n_vars, used)
    if isinstance(plan.zk.hiding, WhirZkParams):
        return linear_forms(ext, plan, x, n_vars, b, z, region)
    lay = zk_layout(n_vars, plan.zk.hiding, used)
    return [value_form(ext, lay, x, n_vars, randomizer_row(plan, b), z),
            masks_form(ext, plan, lay, region)]


def advice_used(plan) -> int | None:
    """The entries of B its packing fills (the rest are zero, a public fact of the plan) as
    ligero-zk's row layout needs them: it commits only the rows that hold them
    (``zk_layout``); None under whir-zk, which commits every entry (its hiding region's
    place takes ``used`` from ``used_arg``)."""
    if isinstance(plan.zk.hiding, WhirZkParams):
        return None
    return plan.commitments[ADVICE].packing.used


def randomizer_row(plan, b: int) -> int:
    """The row of B's Ligero matrix (rows of 2^b entries) that holds RANDOMIZER."""
    return plan.commitments[ADVICE].packing.slot(RANDOMIZER).offset >> b


def mask_rows(plan, b: int) -> int:
    """The first row of OPENING_MASKS in B's matrix."""
    return plan.commitments[ADVICE].packing.slot(OPENING_MASKS).offset >> b


def used_arg(plan) -> dict:
    """The ``used`` keyword of the advice's hiding calls (commit, open_forms, verify_forms):
    ligero-zk commits only the rows that hold the used entries; whir-zk puts its hiding
    region in the zero tail after them when it has room (pcs/whir_zk.py, ``table_vars``);
    and whir-zk's ``run`` where the model's table is larger than the advice's (``advice_run``)."""
    used = plan.commitments[ADVICE].packing.used
    run = advice_run(plan)
    return {"used": used} if run is None else {"used": used, "run": run}


def advice_run(plan) -> int | None:
    """The run the advice's whir-zk commitment is made for (pcs/whir_zk.py, "Embedded in a
    larger run"): the model's WHIR variables where public weights larger than f^ can join the
    hiding opening there (``embedded_run``), so that the proof has one WHIR run, not two;
    None otherwise. A fact of the plan, fixed before the advice is committed (G's size
    depends on it); both sides decide by this alone."""
    hid = plan.zk.hiding
    if (not isinstance(hid, WhirZkParams) or plan.model_hiding is not None
            or MODEL not in plan.commitments):
        return None
    return embedded_run(hid, group_vars(plan, ADVICE), plan.commitments[MODEL].packing.n_vars,
                        plan.commitments[ADVICE].packing.used)


def padding_factor(ext, x, n_vars: int):
    """eq(0, x past a group's n_vars coordinates): the smaller group's zero padding in the
    joint merge (1 when the group has them all)."""
    return eq_eval_index(ext, list(x[n_vars:]), 0)


def value_form(ext, lay, x, n_vars: int, row: int, z) -> RowForm:
    """Form (i) of a group of 2^n_vars entries at the merge's point ``x`` (selector dropped):
    eq(x_high, .) on every row, times eq(0, x) on the coordinates past the group's, plus the
    vanishing factor ``z`` on the randomizer's ``row``."""
    b = lay.b
    rows = ev.eq_table(ext.k, list(x[b:n_vars]), padding_factor(ext, x, n_vars))
    rows[row] = ev.vec(ext.k).add(rows[row : row + 1], np.array([z], dtype=np.uint64))[0]
    return RowForm(rows, tuple(x[:b]))


def masks_form(ext, plan, lay, region) -> RowForm:
    """Form (ii): the region claim's rows, placed at MASKS's rows of B."""
    local = region_form(ext, region, plan.zk.opening_vars, lay.b)
    rows = np.zeros((1 << lay.a, ext.k), dtype=np.uint64)  # every row's weight (RowForm)
    first = mask_rows(plan, lay.b)
    local_rows = np.asarray(local.rows, dtype=np.uint64)
    rows[first : first + len(local_rows)] = local_rows
    return RowForm(rows, local.col_point)


def selector_weights(ext, plan, point) -> tuple[list, list]:
    """(weight of each hiding group at the merge's final point, the point without the
    selector): (1 - s, s) with private weights, (1) otherwise."""
    if len(hiding_groups(plan)) == 1:
        return [ext.one()], list(point)
    s = as_ext(ext, point[0])
    return [ext.sub(ext.one(), s), s], list(point[1:])


class Part(NamedTuple):
    """One term coeff eq(z, .) of message 1's weight W on a hiding group: a claim on tensor
    ``name`` at ``point`` (its own coordinates; MODEL_VECTOR: the group's), or, with
    ``point`` None, a claim on M at round_point(slot, degree, r) (a masked round's; a value
    slot's: degree 1, r = 0)."""

    group: str
    name: str
    coeff: tuple
    point: tuple | None = None
    slot: int = 0
    degree: int = 1
    r: Any = 0

    def embedded(self, ext, plan) -> tuple:
        """z: the point on the group's packed vector (the prover's weight table)."""
        if self.name == MODEL_VECTOR:  # the whole vector: its point is the group's already
            return tuple(self.point)
        pt = (self.point if self.point is not None
              else round_point(ext, plan.zk.capacity, self.slot, self.degree, self.r))
        return plan.commitments[self.group].packing.embed(self.name, tuple(pt), ext)


class RoundBlock(NamedTuple):
    """Message 1's claims on M from masked rounds (``ctx.round_claims``: hundreds a proof) as
    arrays, weighed in vectors (``_mask_weight``): claim j is D M~(round_point(slots[j],
    degrees[j], r[j])) = gamma_j with the coefficient coeffs[j] (its power of lambda); r and
    coeffs are (m, k) K arrays. All on the advice (M's group)."""

    slots: np.ndarray
    degrees: np.ndarray
    r: np.ndarray
    coeffs: np.ndarray

    @classmethod
    def of(cls, ext, slots, degrees, r, coeffs) -> RoundBlock:
        """From sequences (r and coeffs: K elements as tuples, or ints of F)."""
        return cls(np.array(slots, dtype=np.int64).reshape(-1),
                   np.array(degrees, dtype=np.int64).reshape(-1), _k_rows(ext, r),
                   _k_rows(ext, coeffs))

    def joined(self, other: RoundBlock) -> RoundBlock:
        """Both blocks' claims."""
        return RoundBlock(*(np.concatenate([a, b]) for a, b in zip(self, other)))

    def parts(self) -> list[Part]:
        """The same claims as Parts (the prover's weight table builds each one's point)."""
        return [Part(ADVICE, MASKS, tuple(c), None, s, d, tuple(r))
                for s, d, r, c in zip(self.slots.tolist(), self.degrees.tolist(),
                                      self.r.tolist(), self.coeffs.tolist())]


def slot_block(ext, parts: list[Part]) -> RoundBlock:
    """The parts on M's value slots (point None: degree 1 at r = 0) as a RoundBlock."""
    mine = [p for p in parts if p.point is None]
    return RoundBlock.of(ext, [p.slot for p in mine], [p.degree for p in mine],
                         [p.r for p in mine], [p.coeff for p in mine])


class MergeStatement(NamedTuple):
    """Message 1: the merged value c = sum_j lambda^j v_j, the parts of the claims on tensors,
    and the claims on M as RoundBlocks: the value slots' (of the randomized claims and of the
    claims on M alone) and the masked rounds'."""

    value: tuple
    parts: list[Part]
    slots: RoundBlock
    rounds: RoundBlock

    def masks(self) -> RoundBlock:
        """Every claim on M: the value slots', then the rounds'."""
        return self.slots.joined(self.rounds)


def merge_statement(ctx) -> MergeStatement:
    """Message 1, both sides: every claim to merge as (value, parts), a part (tensor or mask
    slot, coefficient): a plain claim on a committed tensor has one part, a masked round's
    claim on M (``ctx.round_claims``: (slot, degree, r, gamma), value gamma / D) one; a
    randomized one (zk_finals.py: T~(r) + sum c psi = v) one more per value slot,
    c D M~(value point); a claim on M alone (a discharge's psi*, zk_finals.py) only those. The
    claims are weighed by lambda's powers in that order: the group claims, the rounds, the
    randomized claims, the claims on M alone (``mle.power_rows``: one array)."""
    plan, ext = ctx.plan, ctx.ext
    k, d = ext.k, plane_point(ext)[1]
    kv = ev.vec(k)

    def group(name):
        return MODEL if name == MODEL_VECTOR else plan.group_of(name)

    head = [(n, c.point, c.value) for g in hiding_groups(plan) for n, c in ctx.group_claims[g]]
    tail = [(n, c.point, c.value, c.randomizer) for n, c in ctx.randomized]
    tail += [(None, None, v, r) for v, r in ctx.mask_claims]
    rounds = ctx.round_claims
    lam = tuple(ctx.t.challenge_k(lambda_label(), ext.k))
    h, m = len(head), len(rounds)
    powers = power_rows(ext, lam, h + m + len(tail))
    coeff = [tuple(c) for c in powers.tolist()]
    parts = [Part(group(name), name, coeff[j], tuple(pt)) for j, (name, pt, _) in enumerate(head)]
    parts += [Part(group(name), name, coeff[h + m + i], tuple(pt))
              for i, (name, pt, _, _) in enumerate(tail) if name is not None]
    hiding = hiding_groups(plan)
    stray = [p.name for p in parts if p.group not in hiding]
    if stray:  # a part no group's weight would count: its claim would go unchecked
        raise VerificationError(f"{LABEL}: claims on {stray} are on no group this opening "
                                f"merges ({', '.join(hiding)})")
    owner = [h + m + i for i, (*_, rand) in enumerate(tail) for _ in rand]  # slot -> power
    slot_ids = [s for *_, rand in tail for _, s in rand]
    scale = kv.mul(_k_rows(ext, [c for *_, rand in tail for c, _ in rand]),
                   np.array(d, dtype=np.uint64)[None])  # c D, for each value slot
    slots = RoundBlock(np.array(slot_ids, dtype=np.int64), np.ones(len(slot_ids), np.int64),
                       np.zeros((len(slot_ids), k), dtype=np.uint64),
                       kv.mul(powers[owner], scale) if owner else scale)
    plain = list(range(h)) + list(range(h + m, h + m + len(tail)))
    values = _k_rows(ext, [c[2] for c in head] + [c[2] for c in tail])
    value = ev.inner(k, powers[plain], values) if plain else ext.zero()
    block = RoundBlock(np.array([c[0] for c in rounds], dtype=np.int64).reshape(-1),
                       np.array([c[1] for c in rounds], dtype=np.int64).reshape(-1),
                       _k_rows(ext, [c[2] for c in rounds]), powers[h:h + m])
    if m:  # sum_j lambda^j gamma_j / D over the rounds, in one inner product
        gammas = _k_rows(ext, [c[3] for c in rounds])
        value = ext.add(value, claim_value(ext, ev.inner(k, block.coeffs, gammas)))
    return MergeStatement(value, parts, slots, block)


def group_weight(ext, plan, group: str, parts: list[Part], x,
                 rounds: RoundBlock | None = None) -> tuple:
    """sum over ``parts`` (all on ``group``) and ``rounds`` (on the advice) of coeff eq(z, x),
    x the group's coordinates (message 3's W~(r)): over the tensor claims, whose points end
    with their embedding's bits (``_tensor_weight``), and over M's (``_mask_weight``, by
    ``evaluations.eq_split_sum``)."""
    total = ext.zero()
    tensors = [p for p in parts if p.point is not None]
    masks = rounds
    if len(tensors) < len(parts):
        given = slot_block(ext, parts)
        masks = given if masks is None else given.joined(masks)
    if tensors:
        total = ext.add(total, _tensor_weight(ext, plan, tensors, x))
    if masks is not None and len(masks.slots):
        total = ext.add(total, _mask_weight(ext, plan, masks, x))
    return total


def _k_rows(ext, values) -> np.ndarray:
    """K scalars (tuples, or ints of F) as an (m, k) uint64 array."""
    values = list(values)
    if not all(isinstance(v, tuple) for v in values):
        values = [as_ext(ext, v) for v in values]
    return np.array(values, dtype=np.uint64).reshape(-1, ext.k)


def _tensor_weight(ext, plan, parts: list[Part], x) -> tuple:
    """sum over claims on tensors of coeff eq(z, x), z = point ‖ the bits of its tensor's
    block in the group (``Packing.embed``; MODEL_VECTOR: the group's own point, zeros after):
    eq(point, x[:len]) once per distinct point (tensors claimed at one sumcheck's point share
    it; 57 claims of 4l_relu_conv_fc have 18) and eq(bits, x[len:]) once per distinct
    (length, block), with Python ints: a few hundred products, fewer than the claims'
    coordinates."""
    n, eq = len(x), EqAt(ext, x)
    heads: dict = {}
    tails: dict = {}
    total = ext.zero()
    for p in parts:
        point = tuple(as_ext(ext, z) for z in p.point)
        length = len(point)
        block = 0
        if p.name != MODEL_VECTOR:
            s = plan.commitments[p.group].packing.slot(p.name)
            if s.n_vars != length:
                raise VerificationError(f"{LABEL}: a claim on {p.name!r} has a point of "
                                        f"{length} coordinates, the tensor {s.n_vars}")
            block = s.offset >> s.n_vars
        if length > n:
            raise VerificationError(f"{LABEL}: a claim's point is longer than its group's")
        head = heads.get(point)
        if head is None:
            head = heads[point] = eq.point(point)
        tail = tails.get((length, block))
        if tail is None:
            tail = tails[(length, block)] = eq.bits(block, length, n)
        total = ext.add(total, ext.mul(p.coeff, ext.mul(head, tail)))
    return total


def _mask_weight(ext, plan, block: RoundBlock, x) -> tuple:
    """The claims on M (value slots and masked rounds, ``block``): every point starts with
    the plane point w (eq(w, x_planes) is one common factor), then its power coordinates
    (r^e, 0 where unused: the heads), the slot's bits and M's embedding's (the tail). A value
    slot's powers are all 0 (r = 0), so value slots and rounds go through one
    ``eq_split_sum`` (numpy's fixed cost per call dominates at these sizes)."""
    k, cap = ext.k, plan.zk.capacity
    s = (k - 1).bit_length()
    w = plane_point(ext)[0]
    slot = plan.commitments[ADVICE].packing.slot(MASKS)
    tails = block.slots | ((slot.offset >> slot.n_vars) << cap.index_vars())
    total = ev.eq_split_sum(k, block.coeffs, round_powers(ext, cap, block.degrees, block.r),
                            tails, x[s:])
    return ext.mul(total, eq_eval(ext, w, x[:s]))


def round_powers(ext, cap, degrees: np.ndarray, r: np.ndarray) -> np.ndarray:
    """(m, power_vars, k): each round claim's power coordinates r^e (e = exponents of its
    degree), 0 where its degree leaves them unused."""
    table = np.zeros((max(cap.degree, int(degrees.max())) + 1, power_vars(cap.degree)),
                     dtype=np.int64)  # exponent of each power coordinate per degree (0: unused)
    for d in set(degrees.tolist()):
        e = exponents(d)
        table[d, : len(e)] = e
    exps = table[degrees]
    r = np.ascontiguousarray(r, dtype=np.uint64)
    kv = ev.vec(ext.k)
    powers = [np.zeros_like(r), r]
    for _ in range(2, int(exps.max()) + 1):
        powers.append(kv.mul(powers[-1], r))
    return np.ascontiguousarray(np.stack(powers)[exps, np.arange(len(r))[:, None]])


def batched_model(plan, model_pcs: Any, has_claims: bool) -> bool:
    """Whether the model's merged claim joins the advice's whir-zk opening as its public table
    (pcs/whir_zk.py, "Public table"): public weights opened by plain WHIR (``model_pcs``:
    the key's commitment scheme) with the hiding opening's WHIR parameters, claims on the
    model, and sizes that fit (``public_fits``). Both sides decide by this alone."""
    zk = plan.zk
    if (not has_claims or plan.model_hiding is not None
            or not isinstance(model_pcs, WhirVerifier) or isinstance(model_pcs, WhirZkVerifier)
            or zk.hiding_config.get("pcs") != "whir-zk"):
        return False
    hid = pcs_verifier(zk.hiding_config).inner
    return (isinstance(hid, WhirZkVerifier) and model_pcs.params == hid.params
            and public_fits(hid.zk, group_vars(plan, ADVICE),
                            plan.commitments[MODEL].packing.n_vars, **used_arg(plan)))


def read_block(t, plan, first: int) -> int | None:
    """The model's mask block of this opening (private weights only): "open model/block", a
    u16 in [first, openings) (``first``: 1 in proofs, the certificate's block 0 otherwise)."""
    if plan.model_hiding is None:
        return None
    block = int.from_bytes(t.recv_bytes(BLOCK_LABEL, 2), "big")
    last = plan.model_hiding.openings - 1 if first else CERTIFICATE_BLOCK
    if not first <= block <= last:
        raise VerificationError(f"the model's mask block {block} is outside [{first}, {last}]")
    return block


def verify_hiding_opening(ctx, commitments, first_block: int = FIRST_PROOF_BLOCK,
                          model_pcs: Any = None) -> None:
    """Messages 1-5 (module docstring), on the advice and, with private weights, the model
    (``commitments``: group -> commitment bytes; the model's block in [first_block, B]);
    with public weights that ``batched_model`` takes (``model_pcs``: the key's PCSVerifier),
    the model's claims merged and opened with the advice (message 5); ``ctx.t.masks`` is on when
    called, off on return. VerificationError on a failed check."""
    t, ext, plan = ctx.t, ctx.ext, ctx.plan
    zk, groups = plan.zk, hiding_groups(plan)
    sizes = [group_vars(plan, g) for g in groups]
    block = read_block(t, plan, first_block)
    on_opening: list[EvalClaim] = []
    t.masks = VerifierMasks(ext, zk.opening, point_sink(ext, zk.opening, lambda p, v: (
        on_opening.append(EvalClaim(zk.opening_point(ext.k, p), v)))))
    st = merge_statement(ctx)
    sub = verify_sumcheck(t, ext, st.value, opening_rounds(plan, sizes[0]), DEGREE, LABEL)
    es = [tuple(e) for e in t.recv_k(value_label(), len(groups), ext.k)]
    weights, x = selector_weights(ext, plan, sub.point)
    e, w = ext.zero(), ext.zero()
    for g, n_g, sel, e_g in zip(groups, sizes, weights, es):
        w_g = ext.mul(group_weight(ext, plan, g, [p for p in st.parts if p.group == g],
                                   x[:n_g], st.masks() if g == ADVICE else None),
                      padding_factor(ext, x, n_g))
        e, w = ext.add(e, ext.mul(sel, e_g)), ext.add(w, ext.mul(sel, w_g))
    if not ext.eq(ext.mul(e, w), sub.value):
        raise VerificationError(f"{LABEL}: final value does not match")
    t.masks = None
    region = verify_blinded_merge_k(t, ext, zk.opening_vars, on_opening, MASKS_LABEL)
    public = {}
    if model_pcs is not None and batched_model(plan, model_pcs.inner,
                                               bool(ctx.group_claims[MODEL])):
        g = plan.commitments[MODEL]
        (point,), (value,) = merged_claim(ctx, g, commitments[MODEL], ctx.group_claims[MODEL],
                                          fresh=True)
        public = {"public": PublicClaim(model_pcs.parse(commitments[MODEL], g.packing.n_vars),
                                        tuple(point), value)}
        ctx.group_claims[MODEL] = []
    z = vanishing(ext, sub.point)
    pcs = pcs_verifier(zk.hiding_config)
    forms = hiding_forms(ext, plan, x, sizes[0], z, region)
    pcs.inner.verify_forms(pcs.parse(commitments[ADVICE], sizes[0]), forms,
                           [es[0], region.value], t, **used_arg(plan), **public)
    if block is not None:
        model = pcs_verifier(hiding_config(plan.model_hiding))
        form = model_form(ext, plan, x, sizes[1], block, z)
        model.inner.verify_forms(model.parse(commitments[MODEL], sizes[1]), [form], [es[1]], t,
                                 block=block)
    for g in groups:
        ctx.group_claims[g] = []
    ctx.randomized.clear()
    ctx.mask_claims.clear()
    ctx.round_claims.clear()
