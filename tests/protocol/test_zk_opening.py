"""The advice's hiding opening (verifier/zk_opening.py): zero knowledge of its masked merge by
exact rank over F_p. With the challenges fixed, the merge's view (G, every round value, every
gamma, the value e) is an affine function of the fresh randomness it uses (its n round slots
of M and the 16 RANDOMIZER entries of B); full rank onto the coordinates the final equation
leaves free means the view is uniform there, whatever the advice. The mutations: a zeroed
RANDOMIZER (e becomes a witness functional: rank short by k) and zeroed slots. And the
randomized finals (zk_finals.py): the private input's padding check states its randomized
extension, whose claim the merge takes in two parts.
The blinded merge of M and the ligero-zk opening have their own rank tests
(test_zk_merge.py, test_ligero_zk.py)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from protocol.step_harness import compiled
from protocol.test_zk_sumcheck import FixedChallenges, affine_map, rank_mod_p
from protocol.zk_stream import Stream
from soundness.test_private_tensors import X, mlp, private
from tensorproof.errors import VerificationError
from tensorproof.field.scalar import ext_field
from tensorproof.poly.mle import as_ext, eq_eval, evaluate
from tensorproof.prover import prove as prove_mod
from tensorproof.prover.merge import weight_table
from tensorproof.prover.model import setup
from tensorproof.prover.zk_masks import ProverMasks
from tensorproof.prover.zk_opening import add_round_weights, prove_merge_sumcheck
from tensorproof.verifier.claims import EvalClaim
from tensorproof.verifier.layers.requant import table_names
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.plan import ADVICE, MODEL
from tensorproof.verifier.zk_masks import (
    MASKS,
    RANDOMIZER,
    RANDOMIZER_SIZE,
    MaskCapacity,
    value_point,
)
from tensorproof.verifier.zk_opening import DEGREE, group_weight, merge_statement
from tensorproof.verifier.zk_sumcheck import plane_point


@pytest.fixture(scope="module")
def captured():
    """(ctx, committed vector) at the moment a real masked proof opens its advice."""
    seen = {}

    def capture(ctx, committed, **_):
        seen["ctx"], seen["B"] = ctx, committed[ADVICE].vector.copy()
        raise StopIteration

    pk = setup(compiled(private(mlp(), "x")), {**profile_config("fast"), "zk": True})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(prove_mod, "prove_hiding_opening", capture)
        with pytest.raises(StopIteration):
            prove_mod.prove(pk, X)
    return seen["ctx"], seen["B"]


def slot_point(ctx, c):
    """The value point of a randomized claim's (single) value slot."""
    ((_, slot),) = c.randomizer
    return value_point(ctx.ext, ctx.plan.zk.capacity, slot)


def view_map(captured, zero_randomizer=False, zero_masks=False):
    ctx, B = captured
    plan, k = ctx.plan, ctx.vf.k
    n = plan.commitments[ADVICE].packing.n_vars
    cap = MaskCapacity(n, DEGREE)
    m_size = 1 << cap.n_vars(k)
    start = plan.commitments[ADVICE].packing.slot(RANDOMIZER).offset

    def run(x):
        src = Stream(x)
        masks = src.f_vector(m_size)
        table = B.copy()
        table[start:start + RANDOMIZER_SIZE] = src.f_vector(RANDOMIZER_SIZE)
        if zero_masks:
            masks[:] = 0
        if zero_randomizer:
            table[start:start + RANDOMIZER_SIZE] = 0
        t = FixedChallenges()
        t.masks = ProverMasks(ext_field(k), cap, masks, lambda *claim: None)
        fake = SimpleNamespace(t=t, vf=ctx.vf, ext=ctx.ext, plan=plan,
                               group_claims=ctx.group_claims, randomized=ctx.randomized,
                               mask_claims=ctx.mask_claims, round_claims=ctx.round_claims)
        prove_merge_sumcheck(fake, {ADVICE: table}, None)
        return t.view()

    offset, cols = affine_map(run, m_size + RANDOMIZER_SIZE)
    return n, k, offset, cols


def free_rank(n, k, cols):
    """Rank of the map onto the view without gamma_{n-1} (fixed by the final equation): the
    view is (G, n rounds of 3 values, n gammas, e)."""
    gamma_last = (1 + 3 * n + n - 1) * k
    free = [c[:gamma_last] + c[gamma_last + k:] for c in cols]
    return rank_mod_p(free), len(free[0])


def test_masked_merge_view_is_uniform_on_the_final_hyperplane(captured):
    n, k, _, cols = view_map(captured)
    rank, free = free_rank(n, k, cols)
    assert free == k * (1 + 4 * n)
    assert rank == free


def test_a_zeroed_randomizer_is_caught(captured):
    n, k, _, cols = view_map(captured, zero_randomizer=True)
    rank, free = free_rank(n, k, cols)
    assert rank == free - k  # e is then a function of the advice: one K value short


def test_zeroed_masks_are_caught(captured):
    n, k, _, cols = view_map(captured, zero_masks=True)
    rank, free = free_rank(n, k, cols)
    assert rank <= k


def test_finals_on_the_private_input_state_the_randomized_extension(captured):
    """Every final stated on the private input x (its padding check, the linear layer that
    reads it and its range lookup's column value, zk_finals.py) is x^(r) = x~(r) + c psi
    with psi its value slot's K value (c = Z(r) for a sumcheck's final, 1 for the column
    value), never x~(r) itself; its claim is the two-part one."""
    ctx, _ = captured
    ext, vf = ctx.ext, ctx.vf
    found = [(c, slot_point(ctx, c), c.randomizer[0][0]) for name, c in ctx.randomized
             if name == "x"]
    assert len(found) == 3  # the padding check, the linear layer, the range lookup's column
    block = ctx.tables[MASKS]
    for c, vp, z in found:
        plain = as_ext(ext, evaluate(vf, ctx.tables["x"], c.point))
        psi = ext.mul(as_ext(ext, evaluate(vf, block, vp)), plane_point(ext)[1])
        assert not ext.is_zero(z) and not ext.eq(plain, c.value)
        assert ext.eq(c.value, ext.add(plain, ext.mul(z, psi)))
        assert all(other.point != c.point for name, other in ctx.group_claims[ADVICE]
                   if name == "x")  # routed to the two-part claims only


def test_relation_step_finals_on_committed_tensors_are_randomized(captured):
    """requant's zero-check (zk_finals.py) states the randomized extension of every committed
    table (its quotient and remainder limbs), each with a value slot of its own."""
    ctx, _ = captured
    ext, vf = ctx.ext, ctx.vf
    requant = next(s for s in ctx.plan.steps if s.op == "requant")
    names = [n for n in table_names(requant, False)
             if n is not None and n != "h" and n not in ctx.plan.consts]  # weights: public
    found = {name: (c, slot_point(ctx, c), c.randomizer[0][0]) for name, c in ctx.randomized
             if name in names}
    assert sorted(map(str, found)) == sorted(map(str, names))
    assert len({tuple(map(tuple, vp)) for _, vp, _ in found.values()}) == len(names)
    for name, (c, _, _) in found.items():
        assert not ext.eq(as_ext(ext, evaluate(vf, ctx.tables[name], c.point)), c.value)


def statement_of(ctx):
    """Message 1 of the captured proof's hiding opening, with a fixed lambda."""
    return merge_statement(SimpleNamespace(
        t=FixedChallenges(), ext=ctx.ext, plan=ctx.plan, group_claims=ctx.group_claims,
        randomized=ctx.randomized, mask_claims=ctx.mask_claims, round_claims=ctx.round_claims))


def test_group_weight_is_the_sum_of_its_parts_eq(captured):
    """The verifier's vectorized weight W~(x) (group_weight: eq_split_sum over the tensor
    claims and over M's round and value-slot claims) is sum_j c_j eq(z_j, x) computed one
    scalar eq at a time from each part's embedded point; and the merge's statement is true:
    sum_j c_j B~(z_j) = c, the merged value (the rounds' gamma / D in one inner product), so
    the parts place every claim where its tensor (or M's slot) lies in B."""
    ctx, B = captured
    ext, vf, plan = ctx.ext, ctx.vf, ctx.plan
    st = statement_of(ctx)
    parts = st.parts + st.slots.parts() + st.rounds.parts()
    kinds = {(p.point is None, p.degree > 1) for p in parts}
    assert kinds == {(False, False), (True, False), (True, True)}  # tensors, slots, rounds
    assert len(st.rounds.slots) == len(ctx.round_claims) > 0
    n = plan.commitments[ADVICE].packing.n_vars
    x = [ext.random(random.Random(7 + i)) for i in range(n)]
    want = ext.zero()
    for p in parts:
        want = ext.add(want, ext.mul(p.coeff, eq_eval(ext, list(p.embedded(ext, plan)), x)))
    assert group_weight(ext, plan, ADVICE, st.parts, x, st.masks()) == want
    assert group_weight(ext, plan, ADVICE, parts, x) == want  # rounds given as parts
    lhs = ext.zero()
    for p in parts:
        value = as_ext(ext, evaluate(vf, B, list(p.embedded(ext, plan))))
        lhs = ext.add(lhs, ext.mul(p.coeff, value))
    assert ext.eq(lhs, st.value)


def test_a_claim_on_no_committed_group_is_refused(captured):
    """A randomized claim whose tensor no hiding group commits (no group at all, or the public
    weights' model group, which this opening does not merge) would be weighed by no group
    while its value still counts in c: merge_statement refuses it rather than leave it
    unchecked (a first version of the array statement dropped the model vector's claims so;
    a review found the committed-but-not-hiding case)."""
    ctx, _ = captured
    name, claim = ctx.randomized[0]
    model = ctx.plan.commitments[MODEL].packing.slots[0].name  # committed, but not hiding
    for other in ("not committed", model):
        stray = SimpleNamespace(**{**vars(ctx), "randomized": [(other, claim)]})
        with pytest.raises(VerificationError, match="no group this opening merges"):
            statement_of(stray)
    assert statement_of(ctx).parts  # the captured claims all have their group


def test_the_provers_round_weights_are_their_parts_eq_tables(captured):
    """The prover's vectorized weights of the claims on M (add_round_weights: one eq table
    per slot of M, placed by indexed adds; the masked rounds' claims, and the value slots',
    some in several claims) equal the merge's generic weight table of the same claims as
    Parts (each point embedded in B, its eq built on M's region)."""
    ctx, _ = captured
    ext, vf, plan = ctx.ext, ctx.vf, ctx.plan
    st = statement_of(ctx)
    packing = plan.commitments[ADVICE].packing
    n = packing.n_vars
    slots = st.slots
    assert len(set(slots.slots.tolist())) < len(slots.slots)  # a slot in several claims
    for block in (st.rounds, slots):
        parts = block.parts()
        assert len(parts) > 10
        want = weight_table(vf, n, [EvalClaim(list(p.embedded(ext, plan)), ext.zero())
                                    for p in parts], [p.coeff for p in parts],
                            [packing.region(p.name) for p in parts])
        got = vf.zeros(1 << n)
        add_round_weights(vf, plan, block, got)
        assert np.array_equal(got, want) and got.any()
    assert {p.degree for p in st.rounds.parts()} >= {2, 3}
