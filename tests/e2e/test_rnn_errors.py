"""Recurrent ops the compiler cannot prove are refused with a one-line UnsupportedOpError that
names the node: weights computed from the inputs, an activation ONNX does not define for
recurrent ops, sequence_lens that is not a constant equal to the sequence length."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from rnn_models import recurrent_model
from tensorproof.errors import UnsupportedOpError
from tensorproof.frontend import compile_onnx, load_onnx, normalize


def _refused(model: bytes, match: str) -> str:
    with pytest.raises(UnsupportedOpError, match=match) as info:
        normalize(load_onnx(model))
    message = str(info.value)
    assert "\n" not in message and message.startswith("node 'rec' ("), message
    return message


@pytest.mark.parametrize("weight", ["W", "R", "B"])
def test_rnn_weight_computed_from_an_input_is_refused(weight):
    model, _ = recurrent_model("LSTM")
    m = onnx.load_from_string(model)
    init = next(t for t in m.graph.initializer if t.name == weight)
    m.graph.initializer.remove(init)
    m.graph.input.append(helper.make_tensor_value_info(weight, TensorProto.FLOAT,
                                                       list(init.dims)))
    _refused(m.SerializeToString(), f"{weight} must be a constant")


@pytest.mark.parametrize("op,acts", [("LSTM", ["Sigmoid", "Gelu", "Tanh"]),
                                     ("GRU", ["Swish", "Tanh"]), ("RNN", ["Mish"])])
def test_rnn_unsupported_activation_is_refused(op, acts):
    model, _ = recurrent_model(op, activations=acts)
    bad = next(a for a in acts if a not in ("Sigmoid", "Tanh"))
    assert f"({op}): activation '{bad}' is not supported" in _refused(model, "activation")


def test_rnn_wrong_number_of_activations_is_refused():
    model, _ = recurrent_model("LSTM", activations=["Sigmoid", "Tanh"])
    _refused(model, "expects 3 activations, got 2")


def test_rnn_shorter_sequence_lens_is_refused():
    model, _ = recurrent_model("GRU", seq_lens=[2])
    _refused(model, r"sequence_lens \[2\] must equal the sequence length 3")


def test_rnn_sequence_lens_from_the_inputs_is_refused():
    """Lengths computed from the input (3 on every sample, but not a constant)."""
    model, sample = recurrent_model("LSTM")
    m = onnx.load_from_string(model)
    g = m.graph
    g.initializer.extend([numpy_helper.from_array(np.zeros(1, np.float32), "zero"),
                          numpy_helper.from_array(np.full(1, 3.0, np.float32), "three")])
    g.node.insert(0, helper.make_node("ReduceMax", ["x"], ["m"], axes=[0, 2], keepdims=0))
    g.node.insert(1, helper.make_node("Mul", ["m", "zero"], ["m0"]))
    g.node.insert(2, helper.make_node("Add", ["m0", "three"], ["m3"]))
    g.node.insert(3, helper.make_node("Cast", ["m3"], ["lens"], to=TensorProto.INT32))
    rec = g.node[4]
    rec.input.extend([""] * (5 - len(rec.input)))
    rec.input[4] = "lens"
    blob = m.SerializeToString()
    _refused(blob, "sequence_lens must be a constant equal to the sequence length 3")
    with pytest.raises(UnsupportedOpError, match="sequence_lens"):
        compile_onnx(blob, sample(4, np.random.default_rng(0)))
