"""Quantized LSTM, GRU and RNN end to end: compile on calibration samples, setup, prove held-out
samples, verify after a round trip through bytes; the verified outputs equal the reference
executor's and lie within quantization error of onnxruntime; an output moved by one is
rejected."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnn_models import onnxruntime_outputs, recurrent_model
from tensorproof import api
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.frontend import load_onnx, normalize
from tensorproof.quant.executor import execute
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.proof import Proof

REL_TOL = 0.05
"""Largest error of an output, as a share of its largest magnitude (at least 0.1): 8-bit
activations through a few recurrent steps, on held-out samples."""

CASES = {
    "lstm_bidirectional_peepholes_clip": ("LSTM", dict(
        direction="bidirectional", initial="input", peepholes=True, clip=1.5)),
    "lstm_layout1_batch2_input_forget": ("LSTM", dict(
        layout=1, batch=2, input_forget=1, initial="const", outputs=("Y", "Y_c"))),
    "gru_bidirectional_linear_before_reset": ("GRU", dict(
        direction="bidirectional", initial="input", linear_before_reset=1)),
    "gru_reverse_hardsigmoid_softsign": ("GRU", dict(
        direction="reverse", activations=["HardSigmoid", "Softsign"],
        activation_alpha=[0.25], activation_beta=[0.45])),
    "rnn_reverse": ("RNN", dict(direction="reverse", initial="const")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_quantized_rnn_proves_and_matches_onnxruntime(case):
    op, kw = CASES[case]
    model, sample = recurrent_model(op, steps=3, hidden=4, **kw)
    rng = np.random.default_rng(5)
    calibration, held_out = sample(256, rng), sample(4, rng)
    compiled = api.compile(model, calibration)
    pk = api.setup(compiled)
    proof = api.prove(pk, held_out)
    out = api.verify(VerifyingKey.from_bytes(pk.vk.to_bytes()), Proof.from_bytes(
        proof.to_bytes()))
    reference = execute(compiled.graph, compiled.quantize_inputs(held_out))
    for tensor in compiled.graph.outputs:
        assert np.array_equal(out.ints[tensor], reference[tensor]), tensor
    expected = onnxruntime_outputs(model, held_out, normalize(load_onnx(model)).shapes)
    for oq in compiled.outputs:
        got = oq.dequantize(out.ints[oq.name])
        want = expected[oq.onnx_name].reshape(got.shape)
        err, top = np.abs(got - want).max(), max(np.abs(want).max(), 0.1)
        assert err <= REL_TOL * top, (oq.onnx_name, err, top)
    name, y = next(iter(proof.outputs.items()))
    forged = y.copy().reshape(-1)
    forged[0] += 1 if forged[0] < compiled.graph.tensors[name].hi else -1
    with pytest.raises((VerificationError, ProofFormatError)):
        api.verify(pk.vk, dataclasses.replace(
            proof, outputs={**proof.outputs, name: forged.reshape(y.shape)}))
