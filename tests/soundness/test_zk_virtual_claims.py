"""Randomized claims on virtual tensors and their discharge (verifier/zk_finals.py): in a plan
with randomized finals (key config "zk", fast profile: a hiding advice opening) every final a
step states on a virtual tensor is a randomized value X~(r) + sum c psi, and the step that
computes X discharges it by Libra's sum over w; merges of several claims (a discharging
merge), add's and gather's parts and relabelled claims carry their randomizers.

- a model that puts every claim-reducing step on a private input's path (linear, mul, add, a
  two-source gather, transpose, matmul, reduce_sum, a private output) proves and verifies
  masked with the plain outputs;
- every claim the prover makes on a virtual tensor is randomized, equals the randomized
  extension (the plain value plus its value slots' psi), never the plain value; so is every
  claim on the advice (lookup columns, multiplicities, relation tables, the private input and
  output), M's round claims aside; the lookups' fraction-sum layers below the root state
  randomized children (zk_fractions.py);
- a sumcheck with no variable (a one-feature linear layer) still hides its tables, and claims
  fanning out through relabels into an add stay within the mask capacity;
- soundness: each discharge message ("randomizer value"), a merge's stated value, add's and
  gather's parts and the discharging rounds, bumped, are rejected; a prover whose linear
  output is wrong (consistent downstream) is caught; a discharge's psi moved with the claim
  on M unchanged is caught by the opening.
"""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import compiled, graph, node, spec
from soundness.lying_prover import bump, lying_proof, rejects, rejects_bumped_ends
from soundness.test_private_tensors import private
from soundness.test_zk_lookups import forced
from tensorproof.poly.mle import as_ext, evaluate
from tensorproof.prover import zk_fractions
from tensorproof.prover.layers import step_module
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.context import ClaimBook
from tensorproof.verifier.lookups import MULT
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.plan import VIRTUAL
from tensorproof.verifier.verify import verify
from tensorproof.verifier.zk_masks import MASKS, value_point
from tensorproof.verifier.zk_sumcheck import plane_point, vanishing

pytestmark = pytest.mark.fast_profile_only  # zero knowledge: fast-profile keys

WIDE = 2**24
RNG = np.random.default_rng(11)
X = {"x": RNG.integers(-8, 8, (2, 3, 4))}
FAST_ZK = {**profile_config("fast"), "zk": True}


def mixer():
    """x (3, 4) private -> linear h -> mul m = h x -> add s = m + h (a private output) ->
    concat c = [s, h] -> transpose t (8, 3) -> matmul p = t x (8, 4) -> reduce_sum r (8,) ->
    requant y (8,), public."""
    w = np.random.default_rng(5).integers(-2, 3, (4, 4))
    specs = [spec("x", (3, 4), -8, 7), spec("h", (3, 4), -WIDE, WIDE),
             spec("m", (3, 4), -WIDE, WIDE), spec("s", (3, 4), -WIDE, WIDE),
             spec("c", (3, 8), -WIDE, WIDE), spec("t", (8, 3), -WIDE, WIDE),
             spec("p", (8, 4), -WIDE, WIDE), spec("r", (8,), -WIDE, WIDE), spec("y", (8,))]
    nodes = [node("linear", ["x"], "h", {"W": w, "b": np.arange(4)}),
             node("mul", ["h", "x"], "m"),
             node("add", ["m", "h"], "s"),
             node("concat", ["s", "h"], "c", axis=1),
             node("transpose", ["c"], "t", perm=(1, 0)),
             node("matmul", ["t", "x"], "p"),
             node("reduce_sum", ["p"], "r", axes=(1,), keepdims=0),
             node("requant", ["r"], "y", {"mult": [1]}, shift=12, lo=-128, hi=127, axis=-1)]
    return private(graph(["x"], ["y", "s"], specs, nodes), "x", "s")


@pytest.fixture(scope="module")
def mixer_key():
    return setup(compiled(mixer()), FAST_ZK, certify=False)


def test_every_claim_reducing_step_is_on_the_private_path(mixer_key):
    plan = build_plan(mixer_key.vk.graph, 2, mixer_key.vk.zk_config)
    assert plan.zk.hiding is not None
    ops = {s.op for s in plan.steps if plan.visibility(s.output) == VIRTUAL}
    assert {"linear", "mul", "gather", "transpose", "matmul", "reduce_sum"} <= ops
    assert plan.visibility("s") != VIRTUAL  # the private output: committed


def test_masked_virtual_claims_verify_with_the_plain_outputs(mixer_key):
    plain = setup(compiled(mixer()), profile_config("fast"), certify=False)
    a, b = prove(plain, X), prove(mixer_key, X)
    assert np.array_equal(verify(mixer_key.vk, b)["y"], verify(plain.vk, a)["y"])
    assert sorted(b.outputs) == ["y"]


def record_claims(key, inputs):
    """Every claim the prover's context records, with the randomizer it ends up with, and the
    prover's context (its tables, M included); the proof verifies."""
    seen, ctxs = [], []
    real = ClaimBook.claim

    def record(self, tensor, point, value, randomizer=()):
        queued = self._expected.get(tensor)
        full = (*randomizer, queued[0]) if queued else tuple(randomizer)
        if hasattr(self, "tables"):
            seen.append((tensor, list(point), value, full))
            if not ctxs:
                ctxs.append(self)
        return real(self, tensor, point, value, randomizer)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ClaimBook, "claim", record)
        proof = prove(key, inputs)
    verify(key.vk, proof)
    return seen, ctxs[0]


@pytest.fixture(scope="module")
def recorded(mixer_key):
    return record_claims(mixer_key, X)


def assert_virtual_claims_randomized(seen, ctx) -> set:
    """Every claim on a virtual tensor is randomized and equals its randomized extension, never
    the plain value; returns the tensors claimed."""
    ext, vf, plan = ctx.ext, ctx.vf, ctx.plan
    d = plane_point(ext)[1]
    masks = ctx.tables[MASKS]
    virtual = [c for c in seen if plan.visibility(c[0]) == VIRTUAL]
    for tensor, point, value, randomizer in virtual:
        assert randomizer, f"plain claim on virtual {tensor!r}"
        plain = as_ext(ext, evaluate(vf, ctx.tables[tensor], point))
        extra = ext.zero()
        for c, slot in randomizer:
            psi = ext.mul(as_ext(ext, evaluate(vf, masks, value_point(ext, plan.zk.capacity,
                                                                     slot))), d)
            extra = ext.add(extra, ext.mul(as_ext(ext, c), psi))
        assert ext.eq(as_ext(ext, value), ext.add(plain, extra))
        assert not ext.eq(as_ext(ext, value), plain)
    return {c[0] for c in virtual}


def test_every_claim_on_a_virtual_tensor_is_randomized(recorded):
    assert assert_virtual_claims_randomized(*recorded) >= {"h", "m", "c", "t", "p"}


@pytest.fixture(scope="module")
def honest():
    """The honest proof every bumped-message test copies, verified once."""
    with pytest.MonkeyPatch.context() as mp:
        proof = lying_proof(mp, mixer(), X, config=FAST_ZK)
    verify(proof.vk, proof.proof)
    return proof


@pytest.mark.parametrize("fragment", ["randomizer value", "merge/value", ":add:part",
                                      ":gather:parts", "sumcheck/round0",
                                      "output 1 value"])
def test_bumped_discharge_messages_are_rejected(honest, fragment):
    rejects_bumped_ends(honest, fragment)


def test_a_wrong_virtual_tensor_is_caught_through_the_discharge():
    def lie(plan, ints):
        ints["h"] = ints["h"].copy()
        ints["h"][0, 1, 2] += 1  # the linear layer's output off by one, the rest follows it
        for step in plan.steps[1:]:
            m = step_module(step.op)
            ints[step.output] = m.forward(step, plan, ints)
            if hasattr(m, "advice_values"):
                ints.update(m.advice_values(step, plan, ints))

    with pytest.MonkeyPatch.context() as mp:
        bad = lying_proof(mp, mixer(), X, ints_fn=lie, config=FAST_ZK)
    rejects(bad.vk, bad.proof)



def test_every_claim_on_the_advice_is_randomized(recorded):
    """Lookup columns, multiplicities, requant's tables, padding checks, the private input and
    output: no claim on a committed tensor (M's own round claims aside) is a plain value."""
    seen, ctx = recorded
    committed = [c for c in seen if ctx.plan.group_of(c[0]) == "advice" and c[0] != MASKS]
    assert {str(c[0]) for c in committed} >= {"x", "s", str(MULT)}
    assert all(c[3] for c in committed), [str(c[0]) for c in committed if not c[3]]


@pytest.mark.parametrize("mode", ["split", "combined"])
def test_lookup_layers_state_randomized_children(mode):
    """Every fraction-sum layer states its children's randomized values X^(rho') = X~(rho')
    + Z(rho') psi (zk_fractions.py), never the plain ones (layer 0 over its padding variable:
    Z at that point, the tables constant): with two trees, the roots' children included; with
    one combined tree, every layer but the root's, whose children are the two sides' sums,
    stated in the clear (verifier/zk_lookups.py)."""
    calls = []
    real = zk_fractions.prove_randomized

    def spy(ctx, tables, terms, degree, label, flags, **kw):
        point, finals, slots, z = real(ctx, tables, terms, degree, label, flags, **kw)
        calls.append((ctx, tables, point, finals, slots, [ctx.t.masks.value(s) for s in slots],
                      z))
        return point, finals, slots, z

    with forced(mode), pytest.MonkeyPatch.context() as mp:
        key = setup(compiled(mixer()), FAST_ZK, certify=False)
        mp.setattr(zk_fractions, "prove_randomized", spy)
        verify(key.vk, prove(key, X))
    randomized = [c for c in calls if c[4]]
    roots = [c for c in calls if not c[2]]  # layer 0: no variable
    if mode == "split":
        assert len(randomized) == len(calls) and len(roots) == 2
    else:
        assert len(randomized) == len(calls) - 1 and len(roots) == 1 and not roots[0][4]
    for ctx, tables, point, finals, _, psis, z in randomized:
        ext = ctx.ext
        assert point or len(tables[0]) == 1
        if point:
            assert ext.eq(z, vanishing(ext, point))
        for table, final, psi in zip(tables, finals, psis):
            plain = as_ext(ext, evaluate(ctx.vf, table, point))
            assert ext.eq(as_ext(ext, final), ext.add(plain, ext.mul(z, psi)))
            assert not ext.eq(as_ext(ext, final), plain)


def test_a_sumcheck_with_no_variable_still_hides_its_tables():
    """x -> linear (4 -> 1) h -> linear (1 -> 4): the second layer's sumcheck has no
    variable (one input feature); it runs over one (zk_finals.verify_randomized) so that its
    final on h is randomized too."""
    w1, w2 = np.ones((4, 1), dtype=np.int64), np.arange(4).reshape(1, 4) - 1
    specs = [spec("x", (3, 4), -8, 7), spec("h", (3, 1), -WIDE, WIDE),
             spec("g", (3, 4), -WIDE, WIDE), spec("y", (3, 4))]
    nodes = [node("linear", ["x"], "h", {"W": w1, "b": np.zeros(1)}),
             node("linear", ["h"], "g", {"W": w2, "b": np.zeros(4)}),
             node("requant", ["g"], "y", {"mult": [1]}, shift=6, lo=-128, hi=127, axis=-1)]
    key = setup(compiled(private(graph(["x"], ["y"], specs, nodes), "x")), FAST_ZK,
                certify=False)
    assert assert_virtual_claims_randomized(*record_claims(key, X)) >= {"h", "g"}


def test_claims_fanning_out_through_relabels_and_adds_stay_within_the_capacity():
    """s = h + x, then a transpose feeding a 24-source concat: 24 claims reach the add through
    the relabel; the add merges them first, so its declared slots suffice."""
    w = np.eye(4, dtype=np.int64)
    specs = [spec("x", (3, 4), -8, 7), spec("h", (3, 4), -WIDE, WIDE),
             spec("s", (3, 4), -WIDE, WIDE), spec("t", (4, 3), -WIDE, WIDE),
             spec("c", (96, 3), -WIDE, WIDE), spec("y", (96, 3))]
    nodes = [node("linear", ["x"], "h", {"W": w, "b": np.zeros(4)}),
             node("add", ["h", "x"], "s"),
             node("transpose", ["s"], "t", perm=(1, 0)),
             node("concat", ["t"] * 24, "c", axis=0),
             node("requant", ["c"], "y", {"mult": [1]}, shift=2, lo=-128, hi=127, axis=-1)]
    key = setup(compiled(private(graph(["x"], ["y"], specs, nodes), "x")), FAST_ZK,
                certify=False)
    assert assert_virtual_claims_randomized(*record_claims(key, X)) >= {"h", "s", "t", "c"}


def pool_graph():
    """x (2, 4, 4) private -> linear (a virtual h) -> max pooling 2x2 with padding -> a
    flattening gather -> y, public."""
    w = np.random.default_rng(7).integers(-1, 2, (4, 4))
    specs = [spec("x", (2, 4, 4), -8, 7), spec("h", (2, 4, 4), -60, 60),
             spec("m", (2, 3, 3), -60, 60), spec("y", (18,), -60, 60)]
    nodes = [node("linear", ["x"], "h", {"W": w, "b": np.zeros(4)}),
             node("max_pool2d", ["h"], "m", kernel=(2, 2), strides=(2, 2), pads=(1, 1, 1, 1)),
             node("reshape", ["m"], "y", shape=(18,))]
    return private(graph(["x"], ["y"], specs, nodes), "x")


POOL_X = {"x": RNG.integers(-8, 8, (2, 2, 4, 4))}


@pytest.fixture(scope="module")
def pool_lie():
    with pytest.MonkeyPatch.context() as mp:
        return lying_proof(mp, pool_graph(), POOL_X, config=FAST_ZK)


def test_max_pooling_states_randomized_openings_and_finals():
    """max_reduce (verifier/layers/max_reduce.py) with randomized finals: its opening of x and
    d, the slices d_u and y are stated randomized; the opening's claim is discharged."""
    key = setup(compiled(pool_graph()), FAST_ZK, certify=False)
    seen, ctx = record_claims(key, POOL_X)
    assert any(s.op == "max_reduce" for s in ctx.plan.steps)
    assert assert_virtual_claims_randomized(seen, ctx)
    rest = [c for c in seen if ctx.plan.group_of(c[0]) == "advice" and c[0] != MASKS]
    assert any("d" in str(c[0]) for c in rest) and all(c[3] for c in rest)


@pytest.mark.parametrize("fragment", [":max_reduce:opening", ":max_reduce:finals",
                                      ":max_reduce:sumcheck/randomizer value",
                                      ":max_reduce:sumcheck/round0"])
def test_bumped_max_reduce_messages_are_rejected(pool_lie, fragment):
    verify(pool_lie.vk, pool_lie.proof)
    for message in pool_lie.find(fragment)[:1]:
        rejects(pool_lie.vk, bump(pool_lie, message))


def reduce_max_graph():
    """x (1, 4) private, batch 1 -> reduce_max over the last axis (max_reduce with no output
    variable) -> y, then a one-feature linear layer: zero-variable sumchecks that randomize
    and discharge."""
    specs = [spec("x", (1, 4), -8, 7), spec("m", (1,), -8, 7), spec("h", (1, 1), -64, 64),
             spec("y", (1, 1), -WIDE, WIDE)]
    nodes = [node("reduce_max", ["x"], "m", axes=(1,), keepdims=0),
             node("linear", ["x"], "h", {"W": np.ones((4, 1), dtype=np.int64), "b": np.zeros(1)}),
             node("mul", ["h", "h"], "y")]
    return private(graph(["x"], ["y", "m"], specs, nodes), "x")


@pytest.mark.parametrize("build, inputs", [(mixer, X), (pool_graph, POOL_X),
                                           (reduce_max_graph, {"x": np.array([[[3, -2, 7, 1]]])})])
def test_every_step_takes_at_most_the_slots_it_declares(build, inputs):
    """Each step's mask slots (its sumchecks' rounds, value slots, discharges), counted by
    label as the prover takes them, stay within its mask_rounds declaration (a sumcheck with
    no variable counting one round, as zk_capacity does)."""
    from tensorproof.verifier.layers import step_module as verifier_step
    from tensorproof.verifier.zk_masks import Slots

    taken: dict[str, int] = {}
    real = Slots.take

    def count(self, n, degree, label):
        taken[label] = taken.get(label, 0) + n
        return real(self, n, degree, label)

    key = setup(compiled(build()), FAST_ZK, certify=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Slots, "take", count)
        proof = prove(key, inputs)
    verify(key.vk, proof)
    plan = build_plan(key.vk.graph, next(iter(inputs.values())).shape[0], key.vk.zk_config)
    for i, step in enumerate(plan.steps):
        used = sum(n for label, n in taken.items() if label.startswith(f"{i}:{step.op}:"))
        declared = sum(max(n, 1) for n, _ in verifier_step(step.op).mask_rounds(step, plan))
        assert used <= declared, (i, step.op, used, declared)
