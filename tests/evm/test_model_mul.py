"""mul, mul_const and matmul on chain (contracts/StepMul.sol, StepMatmul.sol; encoders
solidity/steps/mul.py, matmul.py) against the Python verifier (verifier/layers/mul.py,
matmul.py) on real compact proofs: an elementwise product of two activations, a product by a
broadcast constant, by a broadcast activation (a gather first), of one entry per sample (an empty
sumcheck at batch 1), attention's Q·Kᵀ (with and without head axes, a contraction of one entry)
and models of the EZKL example corpus that use them (skipped when the corpus is absent). Honest
proofs at batch 1 and 2 are accepted with their results root; random mutations of the proof,
many inside these steps' own messages, are rejected exactly when the Python verifier rejects;
wrong outputs and an edited point map are rejected."""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from helpers_models import make_model, single_op
from tensorproof.solidity.results import proof_results_root
from tensorproof.solidity.steps import encode_step
from tensorproof.verifier.lowering import build_plan

from .model_harness import (
    RANDOM_MUTATIONS,
    Case,
    compact_key,
    deploy_model_verifier,
    step_mutations,
)

CORPUS = Path(__file__).resolve().parents[2] / "../shared/peer-corpus/ezkl-examples"
STEP_LABEL = re.compile(r"^\d+:(mul|mul_const|matmul):")

pytestmark = pytest.mark.filterwarnings("ignore::tensorproof.errors.CalibrationWarning")


def _attention() -> tuple[bytes, dict]:
    """Q = x Wq, K = x Wk (linear), S = Q · Kᵀ (transpose, then matmul of two activations)."""
    rng = np.random.default_rng(11)
    nodes = [helper.make_node("MatMul", ["x", "wq"], ["q"]),
             helper.make_node("MatMul", ["x", "wk"], ["k"]),
             helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["q", "kt"], ["s"])]
    onnx = make_model(nodes, {"x": ["N", 3, 4]}, {"s": ["N", 3, 3]},
                      {"wq": rng.normal(size=(4, 4)), "wk": rng.normal(size=(4, 4))})
    return onnx, {"x": (3, 4)}


def _heads() -> tuple[bytes, dict]:
    """Per-head scores: (N, 2, 3, 5) · (N, 2, 5, 3), the leading axes batch and heads."""
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["q", "kt"], ["s"])]
    onnx = make_model(nodes, {"q": ["N", 2, 3, 5], "k": ["N", 2, 3, 5]}, {"s": ["N", 2, 3, 3]})
    return onnx, {"q": (2, 3, 5), "k": (2, 3, 5)}


SYNTHETIC: dict[str, Callable[[], tuple[bytes, dict]]] = {
    "mul": lambda: (single_op("Mul", [[3, 5], [3, 5]]), {"x0": (3, 5), "x1": (3, 5)}),
    "mul_const": lambda: (single_op("Mul", [[3, 2, 2]],
                                    consts={"c": [[[1.0]], [[-2.0]], [[0.5]]]}),
                          {"x0": (3, 2, 2)}),
    "attention": _attention,
    "heads": _heads,
    "matmul_k1": lambda: (single_op("MatMul", [[3, 1], [1, 2]]), {"x0": (3, 1), "x1": (1, 2)}),
    # one entry per sample: no variables at batch 1 (an empty sumcheck), one at batch 2
    "mul_scalar": lambda: (single_op("Mul", [[1], [1]]), {"x0": (1,), "x1": (1,)}),
    # the second factor broadcast (a gather step first)
    "mul_broadcast": lambda: (single_op("Mul", [[3, 5], [1, 5]]), {"x0": (3, 5), "x1": (1, 5)}),
}
CORPUS_MODELS = ("reducel2", "boolean", "1l_batch_norm", "tril", "1l_prelu",
                 # with gather steps: matmul of activations in tutorial, scatter_nd, gather_nd
                 "tutorial", "scatter_nd", "gather_nd", "1l_lppool")
MODELS = [*SYNTHETIC, *CORPUS_MODELS]


def _corpus_feeds(name: str) -> tuple[bytes, dict[str, np.ndarray]]:
    from tensorproof.frontend import load_onnx, load_samples, normalize
    from tensorproof.frontend.calibdata import sample_feeds

    folder = CORPUS / name
    if not (folder / "network.onnx").exists():
        pytest.skip(f"EZKL example corpus not found at {CORPUS.resolve()}")
    fg = normalize(load_onnx(folder / "network.onnx"))
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))
    return (folder / "network.onnx").read_bytes(), feeds


_KEYS: dict = {}


def _model(name: str):
    """(proving key, samples) of a model, built once per session."""
    if name not in _KEYS:
        if name in SYNTHETIC:
            onnx, shapes = SYNTHETIC[name]()
            rng = np.random.default_rng(5)
            feeds = {k: rng.normal(size=(16, *s)) for k, s in shapes.items()}
        else:
            onnx, feeds = _corpus_feeds(name)
        _KEYS[name] = (compact_key(onnx, feeds), feeds)
    return _KEYS[name]


def _case(name: str, batch: int) -> Case:
    pk, feeds = _model(name)
    return Case.make(pk, {k: np.resize(v, (batch, *v.shape[1:])) for k, v in feeds.items()})


_CASES: dict = {}


def _case1(name: str) -> Case:
    if name not in _CASES:
        _CASES[name] = _case(name, 1)
    return _CASES[name]


def _step_spans(case: Case) -> list[tuple[str, int, int]]:
    """(label, offset, length) of every message the mul/matmul steps read."""
    return [m for m in case.messages() if STEP_LABEL.match(m[0])]


@pytest.fixture(scope="module")
def verifier(contracts, evm):
    return deploy_model_verifier(contracts, evm)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("name", MODELS)
def test_honest_proofs_accepted_with_their_results_root(evm, verifier, name, batch):
    case = _case1(name) if batch == 1 else _case(name, batch)
    ops = {s.op for s in build_plan(case.pk.vk.graph, batch).steps}
    assert ops & {"mul", "mul_const", "matmul"}
    assert _step_spans(case), "the product step reduced no claim"
    assert case.evm_root(evm, verifier) == proof_results_root(case.proof)


def test_lstm_over_the_block_gas_limit_still_verifies(contracts):
    """The corpus LSTM (two mul steps between linear layers and tables) verifies; its lookups
    cost more than a 30 M gas block held when this was written (~56 M gas in all), so it is
    checked on an EVM with a larger gas limit."""
    from tensorproof.solidity.evm import BLOCK_GAS_LIMIT, LocalEVM

    big = LocalEVM(gas_limit=10 * BLOCK_GAS_LIMIT)
    address = deploy_model_verifier(contracts, big)
    case = _case1("lstm")
    assert _step_spans(case)
    assert case.evm_root(big, address) == proof_results_root(case.proof)


def test_batch_three_pads_the_leading_axis(evm, verifier):
    case = _case("heads", 3)
    assert case.python_ok()
    assert case.evm_root(evm, verifier) == proof_results_root(case.proof)


@pytest.mark.parametrize("name", MODELS)
def test_mutations_rejected_exactly_when_python_rejects(evm, verifier, name):
    case = _case1(name)
    stream = case.proof.stream
    spans = _step_spans(case)
    rng = random.Random(zlib.crc32(name.encode()))
    variants = step_mutations(stream, spans, rng, RANDOM_MUTATIONS)
    assert len(variants) >= 2 * RANDOM_MUTATIONS + 8
    for v in variants:
        py = case.python_ok(stream=v)
        assert (case.evm_root(evm, verifier, stream=v) is not None) == py
        assert not py


@pytest.mark.parametrize("name", MODELS)
def test_wrong_outputs_rejected(evm, verifier, name):
    case = _case1(name)
    # the last output in the statement order (outputs sorted by name) is the statement's tail
    out_name = sorted(case.proof.outputs)[-1]
    out = np.array(case.proof.outputs[out_name])
    spec = case.pk.vk.graph.tensors[out_name]
    flat = out.reshape(-1)
    flat[0] = flat[0] + 1 if flat[0] < spec.hi else flat[0] - 1
    assert not case.python_ok(outputs={**case.proof.outputs, out_name: out})
    stmt = bytearray(case.statement)
    stmt[-8 * out.size:] = out.astype(">i8").tobytes()
    assert case.evm_root(evm, verifier, statement=bytes(stmt)) is None


@pytest.mark.parametrize("name", ["mul", "mul_const", "attention"])
def test_edited_point_map_rejected(evm, verifier, name):
    """The circuit's point map decides where the factors' claims land: swapping two
    coordinates of the first factor's point, or dropping the eq factor, breaks the proof."""
    case = _case1(name)
    plan = build_plan(case.pk.vk.graph, 1)
    (step,) = [s for s in plan.steps if s.op in ("mul", "mul_const", "matmul")]
    from tensorproof.solidity.circuit import TensorIds

    attrs = encode_step(plan, step, TensorIds(plan))
    at = case.circuit.index(len(attrs).to_bytes(4, "big") + attrs) + 4
    n_eq = attrs[1]
    a_at = 2 + 2 * n_eq  # u8 n_a, then the first factor's map
    assert attrs[a_at] >= 2
    edited = bytearray(attrs)
    edited[a_at + 1], edited[a_at + 2] = attrs[a_at + 2], attrs[a_at + 1]
    variants = [bytes(edited)]
    if n_eq:  # the eq factor's first pair pointing at one coordinate twice
        e = bytearray(attrs)
        e[3] = e[2]
        variants.append(bytes(e))
    assert case.evm_root(evm, verifier) is not None
    for v in variants:
        circuit = case.circuit[:at] + v + case.circuit[at + len(attrs):]
        assert case.evm_root(evm, verifier, circuit=circuit) is None
