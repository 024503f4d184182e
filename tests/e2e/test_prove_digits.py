"""Digits MLP and CNN (trained on scikit-learn's digits) prove and verify at batch 1 and 16;
the verified outputs equal the reference executor's exactly; tampering is rejected."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tensorproof import api
from tensorproof.api.demo import bundled
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.frontend.examples import train_digits_cnn, train_digits_mlp
from tensorproof.quant.executor import execute

REJECTED = (VerificationError, ProofFormatError)


@pytest.fixture(scope="module")
def mlp():
    m = train_digits_mlp()
    model = api.compile(m.onnx_bytes, m.x_calib)
    return api.setup(model), m.x_test


@pytest.fixture(scope="module")
def cnn():
    m = train_digits_cnn()
    model = api.compile(m.onnx_bytes, m.x_calib)
    return api.setup(model), m.x_test


@pytest.fixture(scope="module")
def demo_cnn():
    onnx_bytes, data = bundled()
    return api.setup(api.compile(onnx_bytes, data["calibration"])), data["test"]


def _check(pk, x):
    proof = api.prove(pk, x)
    result = api.verify(pk.vk, api.Proof.from_bytes(proof.to_bytes()))
    ref = execute(pk.model.graph, pk.model.quantize_inputs(x))
    for q in pk.model.outputs:
        assert np.array_equal(result.ints[q.name], ref[q.name])
    return proof


@pytest.mark.parametrize("batch", [1, 16])
@pytest.mark.parametrize("which", ["mlp", "cnn", "demo_cnn"])
def test_digits_models_prove_and_verify(request, which, batch):
    pk, x = request.getfixturevalue(which)
    proof = _check(pk, x[:batch])
    assert proof.batch == batch


def test_proof_grows_with_log_of_batch(demo_cnn):
    pk, x = demo_cnn
    sizes = {b: len(api.prove(pk, x[:b]).stream) for b in (2, 16)}
    assert sizes[16] < 2 * sizes[2]


def test_cnn_tampered_output_and_stream_rejected(demo_cnn):
    pk, x = demo_cnn
    proof = api.prove(pk, x[:4])
    (name,) = proof.outputs
    y = proof.outputs[name].copy()
    y[1, 3] += 1
    with pytest.raises(REJECTED):
        api.verify(pk.vk, dataclasses.replace(proof, outputs={name: y}))
    for frac in (0.01, 0.2, 0.5, 0.8, 0.99):
        s = bytearray(proof.stream)
        s[int(frac * len(s))] ^= 0x10
        with pytest.raises(REJECTED):
            api.verify(pk.vk, dataclasses.replace(proof, stream=bytes(s)))
