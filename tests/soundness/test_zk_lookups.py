"""The lookups' two LogUp trees with blind leaves (verifier/zk_lookups.py), in a plan with
randomized finals (key config "zk", fast profile):

- the proof states two trees, "lookup/zk-witness" (2^m leaves) and "lookup/zk-table" (2^n),
  whose roots' fractions cancel, and the blinds;
- the roots (the two sides' projective sums) are those of the leaves the prover built, blinds
  included, and neither the witness root's ratio minus the witness side's log-derivative sum
  sum 1/(gamma - a_i) nor its denominator over the witness rows' product lies in F (K-valued
  blinds: F-valued ones, a mistake found by review, left one coordinate of that sum in the
  clear); the mutation that zeroes nu (the "zero-filled padding" mistake) makes the ratio
  exactly that sum, and this test catches it;
- the roots' children are randomized (their halves' sums are not stated in the clear);
- two proofs of one input state different roots and children (fresh blinds);
- soundness: an out-of-range private input is rejected ("not in its table"), and every
  message of the trees' tops (roots, layer-0 children, the blinds, a layer's rounds) bumped
  is rejected.
"""

from __future__ import annotations

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


def captured_proof(monkeypatch_blinds=None):
    """A masked proof of the private-input MLP, its message map, and the leaves the prover
    built (numerators F, denominators K) with the tree's shape."""
    seen = {}
    real = zk_lookups.prove_hiding_fraction_sum

    def spy(ctx, num, den, label, **kw):
        seen[label] = (num.copy(), den.copy())
        seen["sh"] = shape(ctx.plan, ctx.plan.lookup_uses)
        return real(ctx, num, den, label, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zk_lookups, "prove_hiding_fraction_sum", spy)
        if monkeypatch_blinds is not None:
            mp.setattr(zk_witness_mod, "sample_lookup_blinds", monkeypatch_blinds)
        lie = lying_proof(mp, private(mlp(), "x"), X, config=FAST_ZK)
    return lie, seen


def ratio(ext, pair):
    return ext.mul(pair[0], ext.inv(pair[1]))


WITNESS, TABLE = "lookup/zk-witness", "lookup/zk-table"


def halves(seen):
    """(witness tree's root, the witness side alone (blind leaves made neutral)): projective
    pairs, from the captured leaves."""
    vf = vec_field(K)
    (num, den), sh = seen[WITNESS], seen["sh"]
    witness = fraction_sum_value(vf, num, den)
    o = sh.packing.slot(BLIND_SLOT).offset
    plain_num, plain_den = num.copy(), den.copy()
    plain_num[o] = 0
    plain_den[o] = plain_den[o + 1] = (1,) + (0,) * (K - 1)
    return witness, fraction_sum_value(vf, plain_num, plain_den)


@pytest.fixture(scope="module")
def honest():
    return captured_proof()


def test_two_trees_whose_roots_cancel(honest):
    lie, seen = honest
    verify(lie.vk, lie.proof)
    labels = [m.label for m in lie.messages]
    assert {f"{WITNESS}/root", f"{TABLE}/root", "lookup/blinds"} <= set(labels)
    assert not any(lab.startswith(("lookup/witness", "lookup/table/", "lookup/combined"))
                   for lab in labels)
    sh = seen["sh"]
    assert len(seen[WITNESS][0]) == 1 << sh.m and len(seen[TABLE][0]) == 1 << sh.n
    ext = ext_field(K)
    (n_w, d_w), (n_t, d_t) = k_elements(lie, f"{WITNESS}/root"), k_elements(lie, f"{TABLE}/root")
    assert d_w != (0,) * K and d_t != (0,) * K
    assert ext.eq(ext.add(ext.mul(n_w, d_t), ext.mul(n_t, d_w)), ext.zero())


def outside_f(value) -> bool:
    """A K element with a nonzero coefficient of X, X^2, ..: not in the base field."""
    return any(c != 0 for c in value[1:])


def test_layer0_children_hide_the_witness_sum(honest):
    lie, seen = honest
    ext = ext_field(K)
    (n0, d0), (n1, d1) = k_elements(lie, f"{WITNESS}/root"), k_elements(lie, f"{TABLE}/root")
    witness, alone = halves(seen)
    assert ext.eq(ratio(ext, (n0, d0)), ratio(ext, witness))  # the stated half is the leaves'
    assert outside_f(ext.sub(ratio(ext, (n0, d0)), ratio(ext, alone)))  # nu/delta in K
    assert outside_f(ext.mul(d0, ext.inv(alone[1])))  # delta epsilon in K
    assert ext.eq(ext.add(ratio(ext, (n0, d0)), ratio(ext, (n1, d1))), ext.zero())


def test_a_zero_filled_reserved_row_would_reveal_the_witness_sum():
    """The mutation the test above catches: nu = 0 (its planes in LOOKUP_BLIND)."""
    real = zk_witness_mod.sample_lookup_blinds

    def zero_nu(plan, tables):
        real(plan, tables)
        planes = plan.tensors[LOOKUP_BLIND].layout.size >> BLIND_INDEX_VARS
        tables[LOOKUP_BLIND][NU * planes:(NU + 1) * planes] = 0

    lie, seen = captured_proof(zero_nu)
    verify(lie.vk, lie.proof)  # still a valid proof: only zero knowledge is lost
    ext = ext_field(K)
    n0, d0 = k_elements(lie, f"{WITNESS}/root")
    _, alone = halves(seen)
    assert ext.eq(ratio(ext, (n0, d0)), ratio(ext, alone))


def test_two_proofs_state_different_tops(honest):
    lie, _ = honest
    other, _ = captured_proof()
    for label in (f"{WITNESS}/root", f"{TABLE}/root", f"{WITNESS}/layer0/children",
                  f"{TABLE}/layer0/children", "lookup/blinds"):
        assert k_elements(lie, label) != k_elements(other, label)


@pytest.mark.parametrize("tree", [WITNESS, TABLE])
def test_the_roots_children_are_randomized(honest, tree):
    """The children stated under a root are not its halves' sums: those would reveal how the
    witness's log-derivative sum splits (randomize_from = 0; with 1 they would be equal)."""
    lie, seen = honest
    vf, ext = vec_field(K), ext_field(K)
    num, den = seen[tree]
    half = len(num) // 2
    stated = k_elements(lie, f"{tree}/layer0/children")
    for pos, (n, d) in enumerate([(num[:half], den[:half]), (num[half:], den[half:])]):
        true_n, true_d = fraction_sum_value(vf, n, d)
        assert not ext.eq(stated[pos], true_n) and not ext.eq(stated[2 + pos], true_d)


def test_an_out_of_range_private_input_is_rejected():
    def widen(plan, ints):
        ints["x"] = ints["x"].copy()
        ints["x"][0, 1, 2] = 8  # hi + 1
        recompute(plan, ints)

    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, private(mlp(), "x"), X, ints_fn=widen, config=FAST_ZK)
    rejects(lie.vk, lie.proof, "not in its table")


@pytest.mark.parametrize("fragment", [f"{WITNESS}/root", f"{TABLE}/root",
                                      f"{WITNESS}/layer0/children", f"{TABLE}/layer0/children",
                                      "lookup/blinds", f"{WITNESS}/layer1/", f"{TABLE}/layer1/",
                                      "lookup/use0/columns"])
def test_bumped_tree_messages_are_rejected(honest, fragment):
    lie, _ = honest
    found = lie.find(fragment)
    assert found, fragment
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
