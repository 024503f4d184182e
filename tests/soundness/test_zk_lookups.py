"""The lookups' two LogUp trees with blind leaves (verifier/zk_lookups.py), in a plan with
randomized finals (key config "zk", fast profile):

- in either shape (SPLIT_GAP forced both ways): two trees, "lookup/zk-witness" (2^m leaves)
  and "lookup/zk-table" (2^n), whose roots' fractions cancel, or one "lookup/combined" tree
  of 2^(s + 1) leaves whose root numerator is 0; and the blinds;
- the two sides' projective sums (the roots, or the combined root's children) are those of
  the leaves the prover built, blinds
  included, and neither the witness root's ratio minus the witness side's log-derivative sum
  sum 1/(gamma - a_i) nor its denominator over the witness rows' product lies in F (K-valued
  blinds: F-valued ones, a mistake found by review, left one coordinate of that sum in the
  clear); the mutation that zeroes nu (the "zero-filled padding" mistake) makes the ratio
  exactly that sum, and this test catches it;
- two trees: the roots' children are randomized (their halves' sums are not stated);
- two proofs of one input state different roots and children (fresh blinds);
- soundness: an out-of-range private input is rejected ("not in its table"), and every
  message of the trees' tops (roots, layer-0 children, the blinds, a layer's rounds) bumped
  is rejected.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

from protocol.step_harness import graph, node, spec
from soundness.lying_prover import bump, lying_proof, rejects
from soundness.test_private_tensors import X, mlp, private, recompute
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover import zk_lookups
from tensorproof.prover import zk_opening as zk_witness_mod
from tensorproof.prover.fraction_gkr import fraction_sum_value
from tensorproof.verifier import zk_lookups as vzk
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.packing import Packing
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.verify import verify
from tensorproof.verifier.zk_lookups import (
    BLIND_INDEX_VARS,
    BLIND_SLOT,
    LOOKUP_BLIND,
    NU,
    shape,
)

pytestmark = pytest.mark.fast_profile_only  # zero knowledge: fast-profile keys

FAST_ZK = {**profile_config("fast"), "zk": True}
K = 2


def k_elements(lie, label: str) -> list[tuple]:
    """The K elements of message ``label`` (canonical big-endian 8-byte limbs)."""
    (m,) = [m for m in lie.messages if m.label == label]
    raw = lie.proof.stream[m.start:m.end]
    words = [int.from_bytes(raw[i:i + 8], "big") for i in range(0, len(raw), 8)]
    return [tuple(words[i:i + K]) for i in range(0, len(words), K)]


WITNESS, TABLE, COMBINED = "lookup/zk-witness", "lookup/zk-table", "lookup/combined"
GAPS = {"split": 0, "combined": 99}  # SPLIT_GAP forcing each shape


@contextmanager
def forced(mode: str):
    """Both sides build ``mode``'s tree(s) (verifier/zk_lookups.SPLIT_GAP and
    SPLIT_EXTRA_LEAVES) inside."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vzk, "SPLIT_GAP", GAPS[mode])
        mp.setattr(vzk, "SPLIT_EXTRA_LEAVES", -1)
        yield


def captured_proof(mode: str, monkeypatch_blinds=None):
    """A masked proof of the private-input MLP, its message map, and the leaves the prover
    built per tree label (numerators, denominators: K) with the trees' shape."""
    seen = {}
    real = zk_lookups.prove_hiding_fraction_sum

    def spy(ctx, num, den, label, **kw):
        seen[label] = (num.copy(), den.copy())
        seen["sh"] = shape(ctx.plan, ctx.plan.lookup_uses)
        return real(ctx, num, den, label, **kw)

    with forced(mode), pytest.MonkeyPatch.context() as mp:
        mp.setattr(zk_lookups, "prove_hiding_fraction_sum", spy)
        if monkeypatch_blinds is not None:
            mp.setattr(zk_witness_mod, "sample_lookup_blinds", monkeypatch_blinds)
        lie = lying_proof(mp, private(mlp(), "x"), X, config=FAST_ZK)
    return lie, seen


def ratio(ext, pair):
    return ext.mul(pair[0], ext.inv(pair[1]))


def witness_leaves(seen, mode):
    """The witness side's captured leaves (the combined tree's first half)."""
    if mode == "split":
        return seen[WITNESS]
    num, den = seen[COMBINED]
    half = 1 << seen["sh"].s
    return num[:half], den[:half]


def halves(seen, mode):
    """(witness side's projective sum, the witness side alone (blind leaves made neutral)),
    from the captured leaves."""
    vf = vec_field(K)
    num, den = witness_leaves(seen, mode)
    witness = fraction_sum_value(vf, num, den)
    o = seen["sh"].packing.slot(BLIND_SLOT).offset
    plain_num, plain_den = num.copy(), den.copy()
    plain_num[o] = 0
    plain_den[o] = plain_den[o + 1] = (1,) + (0,) * (K - 1)
    return witness, fraction_sum_value(vf, plain_num, plain_den)


def sides(lie, mode):
    """The two sides' stated projective sums ((n_w, d_w), (n_t, d_t)): the two roots, or the
    combined root's children."""
    if mode == "split":
        return tuple(k_elements(lie, f"{tree}/root") for tree in (WITNESS, TABLE))
    n0, n1, d0, d1 = k_elements(lie, f"{COMBINED}/layer0/children")
    return (n0, d0), (n1, d1)


TOPS = {"split": [f"{WITNESS}/root", f"{TABLE}/root", f"{WITNESS}/layer0/children",
                  f"{TABLE}/layer0/children", "lookup/blinds"],
        "combined": [f"{COMBINED}/root", f"{COMBINED}/layer0/children", "lookup/blinds"]}


@pytest.fixture(scope="module", params=["split", "combined"])
def honest(request):
    return (*captured_proof(request.param), request.param)


def test_the_trees_and_their_roots(honest):
    lie, seen, mode = honest
    with forced(mode):
        verify(lie.vk, lie.proof)
    labels = [m.label for m in lie.messages]
    assert not any(lab.startswith(("lookup/witness", "lookup/table/root")) for lab in labels)
    sh, ext = seen["sh"], ext_field(K)
    if mode == "split":  # two trees of 2^m and 2^n leaves, whose fractions cancel
        assert {f"{WITNESS}/root", f"{TABLE}/root"} <= set(labels)
        assert not any(lab.startswith(COMBINED) for lab in labels)
        assert len(seen[WITNESS][0]) == 1 << sh.m and len(seen[TABLE][0]) == 1 << sh.n
    else:  # one tree of 2^(s + 1) leaves whose root numerator is 0
        assert not any(lab.startswith((WITNESS, TABLE)) for lab in labels)
        assert len(seen[COMBINED][0]) == 2 << sh.s
        P, Q = k_elements(lie, f"{COMBINED}/root")
        assert P == (0,) * K and Q != (0,) * K
    (n_w, d_w), (n_t, d_t) = sides(lie, mode)
    assert d_w != (0,) * K and d_t != (0,) * K
    assert ext.eq(ext.add(ext.mul(n_w, d_t), ext.mul(n_t, d_w)), ext.zero())


def test_the_default_shape_follows_the_sides_sizes():
    """Two trees when m and n differ by 2 or more (SPLIT_GAP) and one tree would cost more
    than SPLIT_EXTRA_LEAVES = 2^17 extra leaves, else one; never when the plan does not allow
    it (whir-zk)."""
    assert vzk.SPLIT_EXTRA_LEAVES == 1 << 17
    for m, n, split in [(10, 10, False), (10, 9, False), (10, 8, False), (5, 12, False),
                        (16, 14, False),  # cnn_mnist: 2^17 - 2^16 - 2^14 = 49,152 extra
                        (17, 15, False), (17, 14, False),  # 98,304 and 114,688 extra
                        (18, 16, True), (19, 15, True),  # lenet_5: 491,520 extra
                        (15, 19, True),
                        (19, 18, False)]:  # gap 1: one tree, however large
        sh = vzk.Shape(Packing((), m), 0, n)
        assert sh.extra_leaves == (2 << max(m, n)) - (1 << m) - (1 << n)
        assert sh.split is split and sh.s == max(m, n), (m, n)
        assert vzk.Shape(Packing((), m), 0, n, may_split=False).split is False


@pytest.mark.parametrize("profile, allowed", [("fast", True), ("compact", False)])
def test_only_ligero_zk_plans_split_their_lookups(profile, allowed):
    g = private(mlp(), "x")
    plan = build_plan(g, 2, {**profile_config(profile), "zk": True})
    assert plan.lookup_split is allowed
    with forced("split"):
        assert shape(plan, plan.lookup_uses).split is allowed


def outside_f(value) -> bool:
    """A K element with a nonzero coefficient of X, X^2, ..: not in the base field."""
    return any(c != 0 for c in value[1:])


def test_the_witness_sum_is_hidden(honest):
    lie, seen, mode = honest
    ext = ext_field(K)
    (n0, d0), (n1, d1) = sides(lie, mode)
    witness, alone = halves(seen, mode)
    assert ext.eq(ratio(ext, (n0, d0)), ratio(ext, witness))  # the stated side is the leaves'
    assert outside_f(ext.sub(ratio(ext, (n0, d0)), ratio(ext, alone)))  # nu/delta in K
    assert outside_f(ext.mul(d0, ext.inv(alone[1])))  # delta epsilon in K
    assert ext.eq(ext.add(ratio(ext, (n0, d0)), ratio(ext, (n1, d1))), ext.zero())


@pytest.mark.parametrize("mode", ["split", "combined"])
def test_a_zero_filled_reserved_row_would_reveal_the_witness_sum(mode):
    """The mutation the test above catches: nu = 0 (its planes in LOOKUP_BLIND)."""
    real = zk_witness_mod.sample_lookup_blinds

    def zero_nu(plan, tables):
        real(plan, tables)
        planes = plan.tensors[LOOKUP_BLIND].layout.size >> BLIND_INDEX_VARS
        tables[LOOKUP_BLIND][NU * planes:(NU + 1) * planes] = 0

    lie, seen = captured_proof(mode, zero_nu)
    with forced(mode):
        verify(lie.vk, lie.proof)  # still a valid proof: only zero knowledge is lost
    ext = ext_field(K)
    (n0, d0), _ = sides(lie, mode)
    _, alone = halves(seen, mode)
    assert ext.eq(ratio(ext, (n0, d0)), ratio(ext, alone))


def test_two_proofs_state_different_tops(honest):
    lie, _, mode = honest
    other, _ = captured_proof(mode)
    for label in TOPS[mode]:
        assert k_elements(lie, label) != k_elements(other, label)


@pytest.mark.parametrize("tree", [WITNESS, TABLE])
def test_the_roots_children_are_randomized(honest, tree):
    """Two trees: the children stated under a root are not its halves' sums, which would
    reveal how the witness's log-derivative sum splits (randomize_from = 0; with 1 they
    would be equal)."""
    lie, seen, mode = honest
    if mode != "split":
        pytest.skip("the combined tree's root children are the two sides' sums (blinded)")
    vf, ext = vec_field(K), ext_field(K)
    num, den = seen[tree]
    half = len(num) // 2
    stated = k_elements(lie, f"{tree}/layer0/children")
    for pos, (n, d) in enumerate([(num[:half], den[:half]), (num[half:], den[half:])]):
        true_n, true_d = fraction_sum_value(vf, n, d)
        assert not ext.eq(stated[pos], true_n) and not ext.eq(stated[2 + pos], true_d)


@pytest.mark.parametrize("mode", ["split", "combined"])
def test_an_out_of_range_private_input_is_rejected(mode):
    def widen(plan, ints):
        ints["x"] = ints["x"].copy()
        ints["x"][0, 1, 2] = 8  # hi + 1
        recompute(plan, ints)

    with forced(mode), pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, private(mlp(), "x"), X, ints_fn=widen, config=FAST_ZK)
        rejects(lie.vk, lie.proof, "not in its table")


FRAGMENTS = {"split": [*TOPS["split"], f"{WITNESS}/layer1/", f"{TABLE}/layer1/",
                       "lookup/use0/columns"],
             "combined": [*TOPS["combined"], f"{COMBINED}/layer1/", "lookup/use0/columns"]}


@pytest.mark.parametrize("index", range(len(FRAGMENTS["split"])))
def test_bumped_tree_messages_are_rejected(honest, index):
    lie, _, mode = honest
    if index >= len(FRAGMENTS[mode]):
        pytest.skip("fewer tree messages in this shape")
    fragment = FRAGMENTS[mode][index]
    found = lie.find(fragment)
    assert found, fragment
    with forced(mode):
        for message in (found[0], found[-1]):
            for element in range(min(2, len(k_elements(lie, message.label)))):
                rejects(lie.vk, bump(lie, message, element))


def test_a_table_of_a_power_of_two_rows_reserves_a_row_beyond_it():
    """x in [-8, 7] (private, a 16-row range table: the only table) times a constant: MULT
    grows to 32 rows and the reserved row lies beyond the table (its public row is zero); the
    honest proof verifies, an out-of-range x is rejected."""
    g = private(graph(["x"], ["y"], [spec("x", (3,), -8, 7), spec("y", (3,), -64, 64)],
                      [node("mul_const", ["x"], "y", {"c": np.array([2, -1, 3])})]), "x")
    xs = {"x": np.array([[1, -8, 7], [0, 3, -2]])}
    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, g, xs, config=FAST_ZK)
    verify(lie.vk, lie.proof)

    def widen(plan, ints):
        ints["x"] = ints["x"].copy()
        ints["x"][1, 0] = 8
        recompute(plan, ints)
        sh = shape(plan, plan.lookup_uses)
        assert sh.reserved_row >= 1 << sh.n_nat

    with pytest.MonkeyPatch.context() as mp:
        bad = lying_proof(mp, g, xs, ints_fn=widen, config=FAST_ZK)
    rejects(bad.vk, bad.proof, "not in its table")
