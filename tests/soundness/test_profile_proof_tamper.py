"""Whole-proof tamper suite under each proof profile (conftest.py: "fast", Ligero over F_p^2;
"compact", WHIR over F_p^3).

A small compiled model (Conv → Relu → MaxPool → Flatten → Gemm → Sigmoid: gather, matmul,
requant, max_reduce and lookup steps, the advice and the model commitments) is proven once per
profile. The honest proof verifies; each of these is rejected with VerificationError or
ProofFormatError:
- one byte of the proof's stream flipped, at N_FLIPS positions spread evenly over the stream (so
  over the messages of the steps, the LogUp and both commitment openings);
- a public output, or a public input, changed by one (and still in its range);
- the key of the other profile, or of another model of the same structure (other weights); also
  with the proof's model id and field degree restamped to that key's, so that the stream itself
  must fail.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from helpers_models import conv_pool_sigmoid_onnx
from protocol.step_harness import flip_byte
from tensorproof import api
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.verifier.pcs_config import PROFILES

REJECTED = (VerificationError, ProofFormatError)
N_FLIPS = 30
X = np.random.default_rng(7).normal(size=(2, 1, 6, 6))


def compiled_model(seed: int):
    rng = np.random.default_rng(seed)
    onnx_bytes = conv_pool_sigmoid_onnx(rng)
    return api.compile(onnx_bytes, rng.normal(size=(16, 1, 6, 6)))


@pytest.fixture(scope="module")
def keys():
    """The model's proving key under every profile."""
    model = compiled_model(0)
    return {p: api.setup(model, p) for p in PROFILES}


@pytest.fixture(scope="module")
def proven(keys, profile):
    """(verifying key, honest proof) under the profile."""
    pk = keys[profile]
    return pk.vk, api.prove(pk, X)


def outcome(vk, proof) -> str | None:
    """None if the proof is rejected as it must be, else what happened."""
    try:
        api.verify(vk, proof)
    except REJECTED:
        return None
    except Exception as e:  # noqa: BLE001 - any other exception is a finding, reported
        return f"{type(e).__name__}: {e}"
    return "accepted"


def test_honest_proof_verifies(proven, k):
    vk, proof = proven
    assert proof.k == vk.k == k
    api.verify(vk, proof)
    assert outcome(vk, api.Proof.from_bytes(proof.to_bytes())) == "accepted"


def test_flipped_stream_byte_rejected(proven):
    vk, proof = proven
    positions = np.unique(np.linspace(0, len(proof.stream) - 1, N_FLIPS).round().astype(int))
    assert len(positions) == N_FLIPS
    found = {int(pos): outcome(vk, replace(proof, stream=flip_byte(proof.stream, pos)))
             for pos in positions}
    assert not {pos: what for pos, what in found.items() if what}, \
        f"stream of {len(proof.stream)} bytes"


def _changed_by_one(group: dict, name: str, spec) -> dict:
    """``group`` with one entry of tensor ``name`` moved by one, inside [spec.lo, spec.hi]."""
    arr = group[name].copy()
    arr.flat[0] += 1 if arr.flat[0] < spec.hi else -1
    return {**group, name: arr}


@pytest.mark.parametrize("what", ["outputs", "inputs"])
def test_changed_public_value_rejected(proven, what):
    vk, proof = proven
    for name in getattr(proof, what):
        changed = _changed_by_one(getattr(proof, what), name, vk.graph.tensors[name])
        assert outcome(vk, replace(proof, **{what: changed})) is None, name


@pytest.fixture(scope="module")
def other_keys(keys, profile, other_profile):
    """The verifying keys of the other profile and of another model (the same structure, other
    weights) under this profile."""
    return {"other profile": keys[other_profile].vk,
            "other model": api.setup(compiled_model(1), profile).vk}


@pytest.mark.parametrize("other", ["other profile", "other model"])
def test_proof_under_another_key_rejected(proven, other_keys, other):
    _, proof = proven
    vk = other_keys[other]
    assert vk.model_id != proof.model_id
    assert outcome(vk, proof) is None
    restamped = replace(proof, model_id=vk.model_id, k=vk.k)
    assert outcome(vk, restamped) is None
