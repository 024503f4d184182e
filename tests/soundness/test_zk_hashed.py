"""Hashed tensors under zero knowledge (verifier/keccak_gkr.py and verifier/hashing.py, "Zero
knowledge"): in a plan with randomized finals the Keccak GKR and the link state only randomized
values, each discharged by the sumcheck that consumes it.

- an honest proof of a hashed input verifies, with the plain proof's digests; a flipped digest
  is rejected; setup's zero_knowledge accepts a hashed input;
- every field element the hashed part sends varies between two proofs of one input with the
  same (fixed) challenges: nothing is stated in the clear (a plain Keccak proof under the same
  harness repeats its stated values, so the check can fail);
- soundness: each randomized message of the Keccak proof and the link bumped (a stated value,
  a discharge's "randomizer value", a round) is rejected; a prover that hashes another input
  than the one the model ran on, and one whose committed message bits are not the proven ones,
  are caught.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import compiled
from soundness.lying_prover import bump, lying_proof, rejects
from soundness.test_hashed_tensors import hash_another_input
from soundness.test_private_tensors import X, mlp
from tensorproof import api
from tensorproof.ir.visibility import HASHED
from tensorproof.prover import keccak_gkr as prover_keccak
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.transcript import keccak256
from tensorproof.verifier.hashing import bits_name, message_bytes
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.verify import verify
from zk_view import fixed_view

FAST_ZK = {**profile_config("fast"), "zk": True}
ONE = {"x": X["x"][:1]}


def hashed_mlp():
    return replace(mlp(), visibility={"x": HASHED})


@pytest.fixture(scope="module")
def keys():
    g = compiled(hashed_mlp())
    return setup(g, profile_config("fast"), certify=False), setup(g, FAST_ZK, certify=False)


def test_a_hashed_input_verifies_with_the_plain_digests(keys):
    plain, zk = keys
    a, b = prove(plain, X), prove(zk, X)
    assert a.digests == b.digests
    assert b.digests["x"][1] == keccak256(message_bytes(X["x"][1]))
    out = verify(zk.vk, b)
    assert np.array_equal(out["h"], a.outputs["h"]) and zk.vk.zero_knowledge
    rejects(zk.vk, replace(b, digests={"x": (bytes(32), *b.digests["x"][1:])}))
    rejects(plain.vk, b)


def hashed_view(pk):
    return fixed_view(lambda: prove(pk, ONE), keep=lambda label: label.startswith("hash "))


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


@pytest.fixture(scope="module")
def lie():
    with pytest.MonkeyPatch.context() as mp:
        return lying_proof(mp, hashed_mlp(), X, config=FAST_ZK)


@pytest.mark.parametrize("fragment", [
    "keccak/output", "keccak/layer0/inputs", "keccak/layer0/gate/randomizer value",
    "keccak/layer40/value", "keccak/layer40/wire/randomizer value", "keccak/absorb/finals",
    "keccak/chain/value", "keccak/flat/value", "keccak/bits/value",
    "keccak/bits/randomizer value", "keccak/merge/value", "keccak/merge/round0",
    "link value", "link/T final", "link/T/randomizer value", "link/bits final",
    "link/bits/randomizer value"])
def test_bumped_randomized_hash_messages_are_rejected(lie, fragment):
    verify(lie.vk, lie.proof)
    found = lie.find(fragment)
    assert found, fragment
    for message in (found[0], found[-1]):
        rejects(lie.vk, bump(lie, message))


def test_hashed_message_of_another_input_is_caught(monkeypatch):
    other = hash_another_input(monkeypatch)
    pk = setup(compiled(hashed_mlp()), FAST_ZK, certify=False)
    proof = prove(pk, X)
    assert proof.digests["x"][1] == keccak256(message_bytes(other["x"][1]))
    rejects(pk.vk, proof)


def test_committed_message_bits_that_are_not_the_proven_ones_are_caught(monkeypatch):
    """The Keccak proof runs on the true bits, the commitment holds one bit flipped: the
    randomized claims on F fail at the hiding opening."""
    def flip(plan, tables):  # each call gets fresh tables: flipping once per call
        name = bits_name("x")
        if name in tables:
            t = tables[name].copy()
            t[5] ^= np.uint64(1)
            tables[name] = t

    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, hashed_mlp(), X, tables_fn=flip, config=FAST_ZK)
    rejects(lie.vk, lie.proof)


def test_setup_accepts_a_hashed_input_with_zero_knowledge():
    from tensorproof.api.demo import bundled

    onnx_bytes, data = bundled()
    cm = api.compile(onnx_bytes, data["calibration"][:32], input_visibility="hashed")
    pk = api.setup(cm, zero_knowledge=True)
    assert pk.vk.zero_knowledge and pk.vk.graph.visibility == {"input": HASHED}
