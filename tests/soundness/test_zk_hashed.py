"""Hashed tensors under zero knowledge (verifier/keccak_gkr.py and verifier/hashing.py, "Zero
knowledge"): in a plan with randomized finals the Keccak GKR and the link state only randomized
values, each discharged by the sumcheck that consumes it. (What the proof reveals:
tests/protocol/test_zk_hashed_view.py.)

- an honest proof of a hashed input verifies, with the plain proof's digests; a flipped digest
  is rejected; setup's zero_knowledge accepts a hashed input;
- messages of several Keccak blocks, k = 3, a hashed computed output and two hashed tensors
  prove and verify;
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
from soundness.lying_prover import lying_proof, rejects, rejects_bumped_ends
from soundness.test_hashed_tensors import hash_another_input
from soundness.test_private_tensors import X, mlp
from tensorproof import api
from tensorproof.ir.visibility import HASHED, PRIVATE
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.transcript import keccak256
from tensorproof.verifier.hashing import bits_name, message_bytes
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.verify import verify

pytestmark = pytest.mark.fast_profile_only  # zero knowledge: fast-profile keys

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


@pytest.fixture(scope="module")
def lie():
    """The honest proof every bumped-message test copies, verified once."""
    with pytest.MonkeyPatch.context() as mp:
        honest = lying_proof(mp, hashed_mlp(), X, config=FAST_ZK)
    verify(honest.vk, honest.proof)
    return honest


@pytest.mark.parametrize("fragment", [
    "keccak/output", "keccak/layer0/inputs", "keccak/layer0/gate/randomizer value",
    "keccak/layer40/value", "keccak/layer40/wire/randomizer value", "keccak/absorb/finals",
    "keccak/chain/value", "keccak/flat/value", "keccak/bits/value",
    "keccak/bits/randomizer value", "keccak/merge/value", "keccak/merge/round0",
    "link value", "link/T final", "link/T/randomizer value", "link/bits final",
    "link/bits/randomizer value"])
def test_bumped_randomized_hash_messages_are_rejected(lie, fragment):
    rejects_bumped_ends(lie, fragment)


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


@pytest.mark.parametrize("case", ["two blocks", "three blocks, k = 3", "hashed output",
                                  "two hashed tensors"])
def test_hashed_shapes_prove_and_verify(case):
    """Messages of several Keccak blocks (the chain sumcheck with variables), K = F_p^3, a
    hashed computed output (x private) and two hashed tensors, under zero knowledge."""
    g, inputs, config = hashed_mlp(), X, FAST_ZK
    if case == "two blocks":  # 4 x 5 int64: 160 bytes
        g = replace(wide_mlp(4), visibility={"x": HASHED})
        inputs = {"x": np.random.default_rng(2).integers(-8, 8, (1, 4, 5))}
    elif case == "three blocks, k = 3":  # 7 x 5 int64: 280 bytes
        g = replace(wide_mlp(7), visibility={"x": HASHED})
        inputs = {"x": np.random.default_rng(3).integers(-8, 8, (1, 7, 5))}
        config = {**profile_config("fast"), "k": 3, "zk": True}
    elif case == "hashed output":
        g = replace(mlp(), visibility={"x": PRIVATE, "y": HASHED})
    else:
        g = replace(mlp(), visibility={"x": HASHED, "h": HASHED})
    pk = setup(compiled(g), config, certify=False)
    proof = prove(pk, inputs)
    verify(pk.vk, proof)
    name = sorted(proof.digests)[0]
    rejects(pk.vk, replace(proof, digests={**proof.digests,
                                           name: (bytes(32), *proof.digests[name][1:])}))


def wide_mlp(rows: int):
    """test_private_tensors.mlp with ``rows`` rows of x instead of 3."""
    from protocol.step_harness import graph, node, spec

    w = np.random.default_rng(3).integers(-4, 5, (5, 4))
    return graph(["x"], ["h", "y"],
                 [spec("x", (rows, 5), -8, 7), spec("h", (rows, 4), -200, 200),
                  spec("y", (rows, 4))],
                 [node("linear", ["x"], "h", {"W": w, "b": np.zeros(4)}),
                  node("requant", ["h"], "y", {"mult": [3]}, shift=2, lo=-128, hi=127,
                       axis=-1)])
