"""Tamper suite of the ops added for the on-chain model families (issue 14) that
test_logic_tamper.py and test_embedding_tamper.py do not cover by name: Equal, LessOrEqual,
GreaterOrEqual, Not, And, Or, Xor, Where, Cast, ArgMin, OneHot, LSTM, GRU, RNN and the ONNX-ML
tree ensembles. Each is lowered to proof steps (lookup, requant, add, mul, max_reduce, ...);
a lying prover changes the output of one of those steps (one entry moved by one, within the
tensor's declared range), refits that step's advice and recomputes every later step from the
lie (so only the lied-about relation can catch it), at the op's first, middle and last step.
Every lie must be rejected; the honest proof verifies with the reference outputs."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from rnn_models import recurrent_model
from soundness.lying_prover import (
    forged_output_rejected,
    honest_matches_reference,
    lie_at_rejected,
)
from tensorproof import api
from tree_models import legacy_ensemble

F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def _graph(node, inputs: dict, outputs: dict, inits=()) -> bytes:
    vi = helper.make_tensor_value_info
    g = helper.make_graph([node], "t", [vi(k, t, ["N", *s]) for k, (t, s) in inputs.items()],
                          [vi(k, t, None) for k, t in outputs.items()], list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=8).SerializeToString()


def _const(name: str, a) -> onnx.TensorProto:
    return onnx.numpy_helper.from_array(np.asarray(a), name)


RNG = np.random.default_rng(7)
X = RNG.uniform(-2, 2, (3, 4)).round(2)
X[0, :2] = [0.5, -1.0]  # on the thresholds T: Equal is true somewhere
P = RNG.integers(0, 2, (3, 4)).astype(bool)
Q = RNG.integers(0, 2, (3, 4)).astype(bool)
T = _const("t", np.array([0.5, -1.0, 0.25, 1.5], np.float32))


def _compare(op):
    return (_graph(helper.make_node(op, ["x", "t"], ["y"], name="target"),
                   {"x": (F, [4])}, {"y": B}, [T]), {"x": X})


def _logic(op):
    ins = ["p"] if op == "Not" else ["p", "q"]
    feeds = {"p": P} if op == "Not" else {"p": P, "q": Q}
    return (_graph(helper.make_node(op, ins, ["y"], name="target"),
                   {k: (B, [4]) for k in ins}, {"y": B}), feeds)


CASES = {
    **{op: (lambda op=op: _compare(op)) for op in ("Equal", "LessOrEqual", "GreaterOrEqual")},
    **{op: (lambda op=op: _logic(op)) for op in ("Not", "And", "Or", "Xor")},
    "Where": lambda: (_graph(helper.make_node("Where", ["p", "x", "z"], ["y"], name="target"),
                             {"p": (B, [4]), "x": (F, [4]), "z": (F, [4])}, {"y": F}),
                      {"p": P, "x": X, "z": -X[::-1]}),
    "Cast": lambda: (_graph(helper.make_node("Cast", ["x"], ["y"], name="target", to=I64),
                            {"x": (F, [4])}, {"y": I64}), {"x": X * 3}),
    "ArgMin": lambda: (_graph(helper.make_node("ArgMin", ["x"], ["y"], name="target", axis=1,
                                               keepdims=0), {"x": (F, [4])}, {"y": I64}),
                       {"x": X}),
    "OneHot": lambda: (_graph(helper.make_node("OneHot", ["i", "depth", "values"], ["y"],
                                               name="target", axis=-1),
                              {"i": (I64, [2])}, {"y": F},
                              [_const("depth", np.array(4, np.int64)),
                               _const("values", np.array([-1.0, 2.0], np.float32))]),
               {"i": np.array([[0, 3], [2, -1], [1, 1]])}),
    **{op: (lambda op=op: _recurrent(op)) for op in ("LSTM", "GRU", "RNN")},
    "TreeEnsembleClassifier": lambda: _trees(True),
    "TreeEnsembleRegressor": lambda: _trees(False),
}


def _recurrent(op):
    model, sample = recurrent_model(op, steps=2, hidden=2, outputs=("Y_h",))
    return model, sample(3, np.random.default_rng(1))


def _trees(classifier: bool):
    m = legacy_ensemble(np.random.default_rng(3), classifier=classifier, n_trees=2)
    return m.SerializeToString(), {"X": np.random.default_rng(4).uniform(-2, 2, (3, 3))}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    model, feeds = CASES[request.param]()
    cm = api.compile(model, feeds)
    return request.param, cm, cm.quantize_inputs(feeds)


def test_honest_proof_verifies_with_the_reference_outputs(lying, case):
    honest_matches_reference(lying, *case[1:])


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_lied_step_output_rejected(lying, case, where):
    lie_at_rejected(lying, *case[1:], where)


def test_forged_public_output_alone_rejected(lying, case):
    forged_output_rejected(lying, *case[1:])
