"""A few models of the EZKL example corpus (../shared/peer-corpus/ezkl-examples, beside the
repository) proved and verified end to end through the public API: compile on the folder's
input.json, setup, prove that input, verify after a round trip through bytes, and compare the
verified outputs with the reference executor's. The full sweep is
scripts/corpus_prove_report.py (benchmarks/results/peer_corpus.md). Skipped when the corpus is
absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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

MODELS = [
    "lenet_5",     # conv, requant, sum/max pooling, linear: the reference CNN
    "1l_mlp",      # linear + ReLU
    "1l_sigmoid",  # a table function (lookup)
    "layernorm",   # reduce_sum, mul, lookups of a normalization
    "max",         # reduce_max over every axis, keepdims (a rank-0 reshape)
]


def _feeds(folder: Path) -> dict[str, np.ndarray]:
    fg = normalize(load_onnx(folder / "network.onnx"))
    return sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))


@pytest.mark.parametrize("name", MODELS)
def test_corpus_model_proves_and_verifies_with_reference_outputs(name):
    folder = CORPUS / name
    feeds = _feeds(folder)
    model = api.compile(folder / "network.onnx", feeds)
    pk = api.setup(model)
    proof = api.prove(pk, feeds)
    vk = VerifyingKey.from_bytes(pk.vk.to_bytes())
    out = api.verify(vk, Proof.from_bytes(proof.to_bytes()))
    reference = execute(model.graph, model.quantize_inputs(feeds))
    assert sorted(out.ints) == sorted(model.graph.outputs)
    for tensor in model.graph.outputs:
        assert np.array_equal(out.ints[tensor], reference[tensor]), (name, tensor)
