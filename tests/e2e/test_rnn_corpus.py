"""The recurrent models of the EZKL example corpus (../shared/peer-corpus/ezkl-examples:
lstm, lstm_medium, lstm_large, gru, rnn) compile on their input.json, prove and verify through
the public API (after a round trip through bytes); the verified outputs equal the reference
executor's and lie within quantization error of onnxruntime. Skipped when the corpus is
absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers_models import ort_run
from tensorproof import api
from tensorproof.frontend import load_onnx, load_samples, normalize
from tensorproof.frontend.calibdata import sample_feeds
from tensorproof.quant.executor import execute
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.proof import Proof

CORPUS = Path(__file__).resolve().parents[2] / "../shared/peer-corpus/ezkl-examples"

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"EZKL example corpus not found at {CORPUS.resolve()} (../shared/peer-corpus)")

MODELS = ["lstm", "lstm_medium", "lstm_large", "gru", "rnn"]

REL_TOL = 0.05
"""Largest error of an output as a share of its largest magnitude (at least 0.1)."""


@pytest.mark.parametrize("name", MODELS)
def test_corpus_rnn_proves_and_matches_onnxruntime(name):
    folder = CORPUS / name
    fg = normalize(load_onnx(folder / "network.onnx"))
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))
    model = api.compile(folder / "network.onnx", feeds)
    pk = api.setup(model)
    proof = api.prove(pk, feeds)
    out = api.verify(VerifyingKey.from_bytes(pk.vk.to_bytes()), Proof.from_bytes(
        proof.to_bytes()))
    reference = execute(model.graph, model.quantize_inputs(feeds))
    for tensor in model.graph.outputs:
        assert np.array_equal(out.ints[tensor], reference[tensor]), (name, tensor)
    blob = (folder / "network.onnx").read_bytes()
    n = len(next(iter(feeds.values())))
    runs = [ort_run(blob, {k: v[i].reshape(fg.shapes[k]) for k, v in feeds.items()})
            for i in range(n)]
    for oq in model.outputs:
        got = oq.dequantize(out.ints[oq.name])
        want = np.stack([r[oq.onnx_name] for r in runs]).reshape(got.shape)
        err, top = np.abs(got - want).max(), max(np.abs(want).max(), 0.1)
        assert err <= REL_TOL * top, (name, oq.onnx_name, err, top)
