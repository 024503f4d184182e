"""What a zero-knowledge proof of a hashed tensor reveals (verifier/keccak_gkr.py, "Zero
knowledge"), with the challenges fixed (tests/zk_view.py):

- every field element the hashed part sends varies between two proofs of one input: nothing
  is stated in the clear (the mutation that leaves the Keccak proof unrandomized repeats its
  stated values, so the check can fail);
- with the Keccak circuit cut to one round (on both sides; a test-only cut, so that the view's
  affine hull can be sampled), the hashed part's view has exactly the verifier's linear checks
  as affine relations (rank = size - k (3 rounds + 5)): no extra relation leaks a functional of
  the message. (A two-witness test is impossible here: the digest fixes the message.) A value
  slot shared by two finals (the absorb sumcheck's S and B) adds one, and the same check on the
  absorb's messages catches it (an adversarial review's mutation).
"""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import compiled
from soundness.test_private_tensors import X
from soundness.test_zk_hashed import FAST_ZK, ONE, hashed_mlp
from tensorproof.prover import keccak_gkr as prover_keccak
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.verify import verify
from tensorproof.verifier.zk_masks import Slots
from zk_view import fixed_view, law_hull, past


@pytest.fixture(scope="module")
def keys():
    g = compiled(hashed_mlp())
    return setup(g, profile_config("fast"), certify=False), setup(g, FAST_ZK, certify=False)


def hashed_view(pk):
    return fixed_view(lambda: prove(pk, ONE), keep=lambda label: label.startswith("hash "),
                      stop=past("hash "))


def test_nothing_the_hashed_part_sends_repeats(keys):
    """With the challenges fixed, a value stated in the clear is the same in two proofs of one
    input; every randomized value and masked round differs (probability 1 - 2/p each)."""
    _, zk = keys
    (v1, labels), (v2, _) = hashed_view(zk), hashed_view(zk)
    assert v1.size > 10_000 and {lab.split("/")[2] for lab, _ in labels} >= {"keccak",
                                                                              "link value"}
    same = np.flatnonzero(v1 == v2)
    assert same.size == 0, f"{same.size} coordinates repeat"


def test_the_repeat_check_sees_a_keccak_proof_stated_in_the_clear(keys, monkeypatch):
    """The mutation: the prover's Keccak proof without its randomization (its rounds still
    masked, the link still randomized): its stated values repeat."""
    _, zk = keys
    real = prover_keccak._Hiding.__init__

    def plain(self, transcript, vf, ctx):
        real(self, transcript, vf, None)

    monkeypatch.setattr(prover_keccak._Hiding, "__init__", plain)
    (v1, labels), (v2, _) = hashed_view(zk), hashed_view(zk)
    same = np.flatnonzero(v1 == v2)
    at = np.cumsum([0] + [n for _, n in labels])
    repeated = {labels[i][0].split("/", 2)[-1] for i in np.searchsorted(at, same, "right") - 1}
    assert {"keccak/output", "keccak/layer0/inputs", "keccak/merge/value"} <= repeated


ROUNDS_CUT = 1
"""Keccak-p rounds of the cut circuit (a permutation of 3 layers)."""


@pytest.fixture
def cut_rounds(monkeypatch):
    """Both sides prove and check a ROUNDS_CUT-round Keccak (the statement absorbs the count)."""
    from functools import partial

    from tensorproof.prover import hashing as p_hashing
    from tensorproof.prover import keccak_gkr as p_keccak
    from tensorproof.verifier import hashing as v_hashing
    from tensorproof.verifier import keccak_gkr as v_keccak

    real = v_keccak.mask_rounds
    monkeypatch.setattr(v_hashing, "verify_keccak",
                        partial(v_keccak.verify_keccak, rounds=ROUNDS_CUT))
    monkeypatch.setattr(p_hashing, "sponge_witness",
                        partial(p_keccak.sponge_witness, rounds=ROUNDS_CUT))
    monkeypatch.setattr(v_keccak, "mask_rounds",
                        lambda n, rounds=ROUNDS_CUT, hiding=False: real(n, rounds, hiding))
    pk = setup(compiled(hashed_mlp()), FAST_ZK, certify=False)
    verify(pk.vk, prove(pk, X))
    return pk


@pytest.mark.slow
def test_the_hashed_view_has_only_the_verifiers_linear_relations(cut_rounds):
    """The affine relations among the hashed part's sent values are exactly the verifier's
    linear final checks: 3 wire checks per round, chain, flat, merge and the two links (the
    gate, absorb and bits checks are products of finals), k coordinates each."""
    run = lambda: fixed_view(lambda: prove(cut_rounds, ONE),  # noqa: E731
                             keep=lambda label: label.startswith("hash "),
                             stop=past("hash "))[0]
    hull = law_hull(run, settle=8)
    k = cut_rounds.vk.k
    assert hull.rank == hull.origin.size - k * (3 * ROUNDS_CUT + 5)


def absorb_hull(pk):
    run = lambda: fixed_view(lambda: prove(pk, ONE),  # noqa: E731
                             keep=lambda label: "keccak/absorb" in label)[0]
    return law_hull(run, settle=8)


@pytest.mark.slow
def test_a_slot_shared_by_two_finals_adds_a_relation(cut_rounds, monkeypatch):
    """The absorb sumcheck's messages alone have no affine relation (its check is a product);
    S and B randomized by one slot make s^ - t^ = S~(p) - B~(p) fixed: k more."""
    honest = absorb_hull(cut_rounds)
    assert honest.rank == honest.origin.size
    real = Slots.take

    def shared(self, n, degree, label):
        if label.endswith("keccak/absorb/values") and n == 2:
            (j,) = real(self, 1, degree, label)
            return [j, j]
        return real(self, n, degree, label)

    monkeypatch.setattr(Slots, "take", shared)
    mutated = absorb_hull(cut_rounds)
    assert mutated.rank == mutated.origin.size - cut_rounds.vk.k


