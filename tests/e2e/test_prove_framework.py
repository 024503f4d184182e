"""End-to-end proofs of small hand-built graphs: completeness, statement binding, tampering."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from graphs import linear_residual_model
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.transcript import ProverTranscript
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.pcs_config import default_config
from tensorproof.verifier.proof import Proof
from tensorproof.verifier.verify import DOMAIN, absorb_statement, verify

REJECTED = (VerificationError, ProofFormatError)


@pytest.fixture(scope="module", params=["raw", "ligero"])
def proved(request):
    model, reference = linear_residual_model()
    config = {**default_config(), "pcs": request.param}
    pk = setup(model, config)
    x = np.random.default_rng(1).integers(-128, 128, (3, 12))
    return pk, x, reference, prove(pk, {"x": x})


def test_outputs_equal_reference_and_verify(proved):
    pk, x, reference, proof = proved
    assert np.array_equal(proof.outputs["y"], reference(x))
    vk = VerifyingKey.from_bytes(pk.vk.to_bytes())
    out = verify(vk, Proof.from_bytes(proof.to_bytes()))
    assert np.array_equal(out["y"], reference(x))


def test_batch_of_one_and_of_five_verify(proved):
    pk, _, reference, _ = proved
    for b in (1, 5):
        x = np.random.default_rng(b).integers(-128, 128, (b, 12))
        proof = prove(pk, {"x": x})
        assert np.array_equal(verify(pk.vk, proof)["y"], reference(x))


def test_changed_output_value_rejected(proved):
    pk, _, _, proof = proved
    y = proof.outputs["y"].copy()
    y[0, 0] += 1
    with pytest.raises(REJECTED):
        verify(pk.vk, dataclasses.replace(proof, outputs={"y": y}))


def test_swapped_input_rejected(proved):
    pk, x, _, proof = proved
    with pytest.raises(REJECTED):
        verify(pk.vk, dataclasses.replace(proof, inputs={"x": x[::-1].copy()}))


def test_changed_weight_gives_other_model_id_and_is_rejected(proved):
    pk, _, _, proof = proved
    model, _ = linear_residual_model(seed=7)
    other = setup(model, pk.vk.config)
    assert other.vk.model_id != pk.vk.model_id
    with pytest.raises(VerificationError, match="another model"):
        verify(other.vk, proof)
    forged = dataclasses.replace(proof, model_id=other.vk.model_id)
    with pytest.raises(REJECTED):
        verify(other.vk, forged)


@pytest.mark.parametrize("where", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999])
def test_flipped_stream_byte_rejected(proved, where):
    pk, _, _, proof = proved
    stream = bytearray(proof.stream)
    stream[int(where * (len(stream) - 1))] ^= 0x40
    with pytest.raises(REJECTED):
        verify(pk.vk, dataclasses.replace(proof, stream=bytes(stream)))


def test_truncated_and_extended_proof_bytes_rejected(proved):
    pk, _, _, proof = proved
    blob = proof.to_bytes()
    for bad in (blob[:-1], blob[: len(blob) // 2], blob[:10], blob + b"\x00"):
        with pytest.raises(ProofFormatError):
            Proof.from_bytes(bad)
    with pytest.raises(ProofFormatError):
        verify(pk.vk, dataclasses.replace(proof, stream=proof.stream + b"\x00" * 8))
    with pytest.raises(ProofFormatError):
        verify(pk.vk, dataclasses.replace(proof, stream=proof.stream[:-8]))


def test_input_out_of_declared_range_rejected(proved):
    pk, x, _, proof = proved
    bad = x.copy()
    bad[0, 0] = 1000
    with pytest.raises(VerificationError, match="range"):
        verify(pk.vk, dataclasses.replace(proof, inputs={"x": bad}))


def test_malformed_verifying_key_rejected(proved):
    pk, *_ = proved
    blob = pk.vk.to_bytes()
    for bad in (blob[:-1], b"XXXX" + blob[4:], blob[:6]):
        with pytest.raises(ProofFormatError):
            VerifyingKey.from_bytes(bad)


def _first_challenge(model_id=b"\x01" * 32, k=2, batch=2, inputs=None, outputs=None):
    t = ProverTranscript(DOMAIN)
    inputs = inputs if inputs is not None else {"x": np.arange(6).reshape(2, 3)}
    outputs = outputs if outputs is not None else {"y": np.arange(4).reshape(2, 2)}
    absorb_statement(t, model_id, k, batch, inputs, outputs)
    return t.challenge_k("first", 2)


def test_every_part_of_the_statement_binds_the_challenges():
    base = _first_challenge()
    variants = [
        _first_challenge(model_id=b"\x02" * 32),
        _first_challenge(k=3),
        _first_challenge(batch=4),
        _first_challenge(inputs={"x": np.arange(6).reshape(2, 3) + 1}),
        _first_challenge(inputs={"x": np.arange(6).reshape(3, 2)}),
        _first_challenge(inputs={"x2": np.arange(6).reshape(2, 3)}),
        _first_challenge(outputs={"y": np.arange(4).reshape(2, 2) * 2}),
    ]
    assert all(v != base for v in variants)
    assert len(set(variants)) == len(variants)
