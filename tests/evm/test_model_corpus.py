"""Models of the EZKL example corpus (../shared/peer-corpus/ezkl-examples, beside the repository)
verified by the generic model verifier contract: each is compiled on its folder's input.json
in the compact profile, proved, and the contract accepts the proof with the results root of its
statement while the Python verifier returns the same outputs; random mutations of each proof
are rejected by the contract exactly when the Python verifier rejects them. Skipped when the
corpus is absent. The full sweep with gas figures is scripts/corpus_evm_report.py."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from tensorproof import api
from tensorproof.frontend import load_onnx, load_samples, normalize
from tensorproof.frontend.calibdata import sample_feeds
from tensorproof.prover.model import setup
from tensorproof.solidity.circuit import statement_bytes
from tensorproof.solidity.results import proof_results_root
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.verify import verify as python_verify

from .model_harness import RANDOM_MUTATIONS, Case, deploy_model_verifier

CORPUS = Path(__file__).resolve().parents[2] / "../shared/peer-corpus/ezkl-examples"

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"EZKL example corpus not found at {CORPUS.resolve()} (../shared/peer-corpus)")

MODELS = [
    # linear layers, requantization and activation tables
    "1l_mlp", "1l_linear", "2l_relu_fc", "2l_relu_sigmoid_small", "2l_sigmoid_small",
    "sklearn_mlp", "linear_regression", "linear_svc",
    # table functions
    "1l_sigmoid", "1l_tanh", "1l_gelu_tanh_appx", "1l_erf", "1l_elu", "1l_leakyrelu", "exp",
    "log", "softplus", "hard_swish", "clip",
    # reductions, reshapes, scalar arithmetic, a pass-through, a recurrent network
    "1l_mean", "1l_reshape", "reducel1", "1l_div", "integer_div", "rounding_ops",
    "log_softmax", "rnn",
]
MUTATIONS = max(RANDOM_MUTATIONS // 2, 4)


@pytest.fixture(scope="module")
def verifier(contracts, evm):
    return deploy_model_verifier(contracts, evm)


def _case(name: str) -> Case:
    folder = CORPUS / name
    fg = normalize(load_onnx(folder / "network.onnx"))
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))
    model = api.compile(folder / "network.onnx", feeds)
    pk = setup(model, profile_config("compact"), certify=False)
    return Case.make(pk, feeds)


@pytest.mark.parametrize("name", MODELS)
def test_corpus_model_verified_on_chain(evm, verifier, name):
    case = _case(name)
    out = python_verify(case.pk.vk, case.proof)
    for tensor, values in case.proof.outputs.items():
        assert np.array_equal(out[tensor], values)
    assert case.evm_root(evm, verifier) == proof_results_root(case.proof), name
    rng = random.Random(name)
    stream = case.proof.stream
    for _ in range(MUTATIONS if stream else 0):
        s = bytearray(stream)
        i = rng.randrange(len(s))
        s[i] ^= 1 << rng.randrange(8)
        v = bytes(s)
        assert (case.evm_root(evm, verifier, stream=v) is not None) == case.python_ok(stream=v)
    # a wrong output (in range when possible) is rejected
    tensor = sorted(case.proof.outputs)[0]
    wrong = np.array(case.proof.outputs[tensor])
    flat = wrong.reshape(-1)
    flat[0] += 1 if flat[0] < 0 else -1
    bad = dataclasses.replace(case.proof, outputs={**case.proof.outputs, tensor: wrong})
    assert case.evm_root(evm, verifier, statement=statement_bytes(case.pk.vk, bad)) is None
