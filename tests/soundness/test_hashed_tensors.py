"""Hashed graph inputs and outputs (verifier/hashing.py): the statement carries each sample's
Keccak-256 digest of the tensor's int64 big-endian bytes, proven inside the proof.

- honest proofs verify in both profiles for a hashed input, a hashed computed output and both,
  and their digests are keccak256 of the quantized values' bytes (what a contract hashes);
- a digest that is not the committed tensor's is rejected: one byte of the statement's digest
  flipped, or a lying prover whose hashed message (F, Y and digest of another input) is not
  the tensor the model ran on;
- every message of the link and of the Keccak proof is bound (bumped values rejected);
- the statement's digests section is checked: missing, extra, or on a model without hashed
  tensors; a proof file with an empty or truncated section is malformed.
"""

from __future__ import annotations

import struct
from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import compiled
from soundness.lying_prover import lying_proof, rejects, rejects_bumped_ends
from soundness.test_private_tensors import X, mlp
from tensorproof.errors import ProofFormatError, TensorProofError
from tensorproof.ir.visibility import HASHED, PRIVATE
from tensorproof.prover import hashing as prover_hashing
from tensorproof.prover import prove as prove_mod
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.solidity.circuit import statement_bytes
from tensorproof.transcript import keccak256
from tensorproof.verifier.hashing import message_bytes
from tensorproof.verifier.layout import padded_vector
from tensorproof.verifier.proof import Proof
from tensorproof.verifier.verify import verify


def hashed(g, **vis):
    return replace(g, visibility=vis)


@pytest.fixture(scope="module")
def models(config):
    out = {}
    for key, vis in (("x", {"x": HASHED}), ("h", {"h": HASHED}),
                     ("both", {"x": HASHED, "y": HASHED})):
        pk = setup(compiled(hashed(mlp(), **vis)), dict(config))
        out[key] = (pk, prove(pk, X))
    return out


def test_honest_hashed_proofs_verify_with_the_digests_of_the_values(models):
    ints = {"x": X["x"]}
    for pk, proof in models.values():
        got = verify(pk.vk, Proof.from_bytes(proof.to_bytes()))
        assert set(proof.digests) == set(pk.vk.graph.visibility)
        assert not set(proof.digests) & (set(proof.inputs) | set(got))
        if "x" in proof.digests:
            assert proof.digests["x"] == tuple(keccak256(message_bytes(s)) for s in ints["x"])
            assert message_bytes(ints["x"][0]) == ints["x"][0].astype(">i8").tobytes()
    # the hashed output's digest is that of the proven computation's value (the public key's)
    public = setup(compiled(mlp()), dict(models["x"][0].vk.config))
    y = verify(public.vk, prove(public, X))["y"]
    assert models["both"][1].digests["y"] == tuple(keccak256(message_bytes(s)) for s in y)


def test_visibility_hashed_is_bound(models):
    pk, proof = models["x"]
    private = setup(compiled(hashed(mlp(), x=PRIVATE)), dict(pk.vk.config))
    assert private.vk.model_id != pk.vk.model_id
    rejects(private.vk, proof)


def test_a_digest_flipped_in_the_statement_is_rejected(models):
    for pk, proof in models.values():
        name = sorted(proof.digests)[0]
        ds = list(proof.digests[name])
        ds[-1] = bytes([ds[-1][0] ^ 1]) + ds[-1][1:]
        rejects(pk.vk, replace(proof, digests={**proof.digests, name: tuple(ds)}))


def test_statement_digest_sections_are_checked(models):
    pk, proof = models["x"]
    with pytest.raises(ProofFormatError, match="digests"):
        verify(pk.vk, replace(proof, digests={}))
    with pytest.raises(ProofFormatError, match="digests"):
        verify(pk.vk, replace(proof, digests={**proof.digests, "y": proof.digests["x"]}))
    for ds in (proof.digests["x"][:1], proof.digests["x"] * 2, (b"\x00" * 31,) * 2,
               tuple(d.hex() for d in proof.digests["x"])):
        with pytest.raises(ProofFormatError, match="digests of 32 bytes"):
            verify(pk.vk, replace(proof, digests={"x": ds}))  # an in-memory proof object
    public = setup(compiled(mlp()), dict(pk.vk.config))
    plain = prove(public, X)
    with pytest.raises(ProofFormatError, match="digests"):
        verify(public.vk, replace(plain, digests={"x": proof.digests["x"]}))
    with pytest.raises(ProofFormatError, match="EVM statement"):  # nor is it sent on chain
        statement_bytes(public.vk, replace(plain, digests={"x": proof.digests["x"]}))


def test_malformed_digest_sections_are_refused(models):
    _, proof = models["x"]
    data = proof.to_bytes()
    assert struct.unpack(">H", data[4:6]) == (2,)
    v1 = replace(proof, digests={}).to_bytes()
    assert struct.unpack(">H", v1[4:6]) == (1,)
    empty = bytearray(v1)
    empty[4:6] = struct.pack(">H", 2)  # version 2, but no digests section
    with pytest.raises(ProofFormatError):
        Proof.from_bytes(bytes(empty))
    start = len(v1) - 8 - len(proof.stream)  # where the digests section begins
    section = data[start:len(data) - 8 - len(proof.stream)]
    assert section == b"\x00\x01\x00\x01x" + b"".join(proof.digests["x"])
    tail = data[start + len(section):]
    for bad in (data[:start] + section[:-1] + tail,  # a digest one byte short
                data[:start] + b"\x00\x00" + section[2:] + tail,  # zero hashed tensors
                data[:start] + b"\x00\x02" + section[2:] + section[2:] + tail,  # "x" twice
                data[:start] + section + b"\x00" + tail):  # trailing byte
        with pytest.raises(ProofFormatError):
            Proof.from_bytes(bad)


def hash_another_input(monkeypatch) -> dict:
    """Make the prover hash x' (x with one entry moved: a consistent Keccak witness and digest
    of x') while the model runs on x; returns x'."""
    other = {"x": X["x"].copy()}
    other["x"][1, 2, 3] += 1
    real = prover_hashing.hash_witnesses

    def of_other(plan, ints):
        swapped = {**ints, "x": other["x"]}
        wits = real(plan, swapped)
        ints.update({k: v for k, v in swapped.items() if k != "x"})
        return wits

    monkeypatch.setattr(prove_mod, "hash_witnesses", of_other)
    return other


def test_hashed_message_of_another_input_is_rejected(config, monkeypatch):
    """The prover runs the model on x but hashes x' (a consistent Keccak witness and digest of
    x'): only the link between the committed x and the message bits can catch it."""
    other = hash_another_input(monkeypatch)
    pk = setup(compiled(hashed(mlp(), x=HASHED)), dict(config))
    proof = prove(pk, X)
    assert proof.digests["x"][1] == keccak256(message_bytes(other["x"][1]))
    rejects(pk.vk, proof, "not its values")


def test_link_run_on_another_table_is_rejected(config, monkeypatch):
    """Smarter: the prover also runs the link's first sumcheck on x' (so v, the sumcheck and
    both finals are consistent with the message of x'); only the final claim on the committed
    x catches it."""
    other = {"x": X["x"].copy()}
    other["x"][1, 2, 3] += 1
    real_wits, real_row = prover_hashing.hash_witnesses, prover_hashing._sample_row

    def of_other(plan, ints):
        swapped = {**ints, "x": other["x"]}
        wits = real_wits(plan, swapped)
        ints.update({k: v for k, v in swapped.items() if k != "x"})
        return wits

    def row(ctx, tensor, b):
        if tensor == "x":
            layout = ctx.plan.tensors["x"].layout
            return padded_vector(layout, other["x"][: layout.shape[0]]).reshape(
                layout.padded[0], -1)[b]
        return real_row(ctx, tensor, b)

    monkeypatch.setattr(prove_mod, "hash_witnesses", of_other)
    monkeypatch.setattr(prover_hashing, "_sample_row", row)
    pk = setup(compiled(hashed(mlp(), x=HASHED)), dict(config))
    rejects(pk.vk, prove(pk, X))


@pytest.fixture(scope="module")
def hashed_input_lie(raw_config):
    """The honest proof (through the lying harness, which records the messages) of the
    hashed-input mlp that every bumped-message test copies: made and verified once per
    configuration (a hashed proof's Keccak part makes it the cost of each test)."""
    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, hashed(mlp(), x=HASHED), X, config=raw_config)
    verify(lie.vk, lie.proof)
    return lie


@pytest.mark.parametrize("fragment", ["link value", "link/T", "link/bits", "keccak/output",
                                      "keccak/layer0/gate", "keccak/bits", "keccak/merge"])
def test_bumped_hash_messages_are_rejected(hashed_input_lie, fragment):
    rejects_bumped_ends(hashed_input_lie, fragment)


def test_hashed_input_out_of_range_is_refused(config):
    pk = setup(compiled(hashed(mlp(), x=HASHED)), dict(config))
    with pytest.raises(Exception, match="not in|range"):
        prove(pk, {"x": np.full((1, 3, 5), 9)})


def test_random_mutations_of_the_statement_are_rejected(models):
    """Byte flips, truncations and insertions in the header, statement and digests section:
    each is refused as malformed or rejected, never accepted."""
    pk, proof = models["x"]
    data = proof.to_bytes()
    head = len(data) - 8 - len(proof.stream)
    rng = np.random.default_rng(5)
    for _ in range(40):
        pos = int(rng.integers(0, head))
        kind = rng.integers(0, 3)
        if kind == 0:
            bad = data[:pos] + bytes([data[pos] ^ int(rng.integers(1, 256))]) + data[pos + 1:]
        elif kind == 1:
            bad = data[:pos] + data[pos + 1:]
        else:
            bad = data[:pos] + bytes([int(rng.integers(0, 256))]) + data[pos:]
        with pytest.raises(TensorProofError):
            verify(pk.vk, Proof.from_bytes(bad))
