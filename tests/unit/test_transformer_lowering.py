"""The pieces a transformer needs, one at a time: the embedding gather (one pair-table lookup for
any row width, negative indices wrapping, out-of-range ones clamped), the fusions of the float
graph (frontend/fuse.py: decomposed LayerNorm → LayerNormalization, GELU/SiLU chains → one
table; what stays unfused), the causal mask's −inf before a softmax (and its refusal elsewhere),
and the activation cache keyed by scale (x·0.5 and x·0.04 of one accumulator are two values)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from helpers_models import make_model, ort_run
from tensorproof import api
from tensorproof.errors import UnsupportedOpError
from tensorproof.frontend import load_onnx, normalize
from tensorproof.frontend.fuse import POINTWISE
from tensorproof.frontend.layer_errors import layer_errors
from tensorproof.quant import QuantConfig, Quantizer
from tensorproof.quant.executor import execute

RNG = np.random.default_rng(17)


def _ops(model_bytes: bytes) -> list[str]:
    return [n.op for n in normalize(load_onnx(model_bytes)).nodes]


def _compiled_vs_ort(model_bytes: bytes, x: np.ndarray, **kw) -> tuple[float, float]:
    cm = api.compile(model_bytes, x, **kw)
    (name,) = [o.onnx_name for o in cm.outputs]
    got = cm.dequantize_outputs(execute(cm.graph, cm.quantize_inputs(x)))[name]
    want = ort_run(model_bytes, {"x": x})[name]
    return float(np.abs(got.reshape(want.shape) - want).max()), float(np.abs(want).max())


@pytest.mark.parametrize("cols", [1, 3, 40])
def test_gather_table_is_one_lookup_for_any_row_width(cols):
    q = Quantizer({}, QuantConfig())
    idx = q.integer(q.b.add_input("i", (2, 3), -9, 12, 1.0), "i")  # wider than the table
    table = RNG.integers(-1000, 1000, (7, cols))
    y = q.gather_table(idx, table.reshape((7,) + ((cols,) if cols > 1 else ())), 1.0, "g", "y")
    assert [n.op for n in q.b.nodes].count("lookup") == 1
    iv = RNG.integers(-9, 13, (20, 2, 3))
    got = execute(q.b.build([y.name]), {"i": iv})[y.name]
    want = table[np.clip(iv, -7, 6)]  # ONNX wraps −7..−1; beyond the table: clamped
    assert np.array_equal(got, want if cols > 1 else want[..., 0])


def _gelu_tanh_nodes(x: str, y: str) -> list:
    k = "sqrt2pi"
    return [helper.make_node("Mul", [x, "half"], ["h"]),
            helper.make_node("Pow", [x, "three"], ["c"]),
            helper.make_node("Mul", ["c", "coef"], ["cc"]),
            helper.make_node("Add", [x, "cc"], ["inner"]),
            helper.make_node("Mul", ["inner", k], ["arg"]),
            helper.make_node("Tanh", ["arg"], ["t"]),
            helper.make_node("Add", ["t", "one"], ["t1"]),
            helper.make_node("Mul", ["h", "t1"], [y])]


GELU_CONSTS = {"half": np.array(0.5), "three": np.array(3.0), "coef": np.array(0.044715),
               "sqrt2pi": np.array(np.sqrt(2 / np.pi)), "one": np.array(1.0)}


def test_gelu_chain_becomes_one_table_and_is_accurate():
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"])] + _gelu_tanh_nodes("m", "y")
    b = make_model(nodes, {"x": ["N", 8]}, {"y": ["N", 6]},
                   {"w": RNG.normal(size=(8, 6)), **GELU_CONSTS})
    assert _ops(b) == ["MatMul", POINTWISE]
    cm = api.compile(b, RNG.normal(size=(64, 8)))
    assert [n.op for n in cm.graph.nodes].count("lookup") == 1
    err, top = _compiled_vs_ort(b, RNG.normal(size=(64, 8)))
    assert err < 0.03 * top


def test_a_chain_read_from_outside_is_fused_only_up_to_what_is_private():
    """t = tanh(x) is also a graph output: only the part after it can fuse, and x·x + 1 (an
    exact product) is left as it is."""
    nodes = [helper.make_node("Tanh", ["x"], ["t"]), helper.make_node("Mul", ["t", "x"], ["u"]),
             helper.make_node("Add", ["u", "one"], ["y"]),
             helper.make_node("Mul", ["x", "x"], ["s"]), helper.make_node("Add", ["s", "one"],
                                                                          ["z"])]
    b = make_model(nodes, {"x": ["N", 4]}, {"t": ["N", 4], "y": ["N", 4], "z": ["N", 4]},
                   {"one": np.array(1.0)})
    assert _ops(b) == ["Tanh", "Mul", "Add", "Mul", "Add"]


def test_silu_fuses():
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])]
    b = make_model(nodes, {"x": ["N", 4]}, {"y": ["N", 4]})
    assert _ops(b) == [POINTWISE]
    err, top = _compiled_vs_ort(b, RNG.normal(size=(64, 4)) * 3)
    assert err < 0.02 * top


def _decomposed_ln(x: str, y: str, reciprocal: bool = False) -> list:
    tail = ([helper.make_node("Reciprocal", ["sd"], ["r"]), helper.make_node("Mul", ["d", "r"],
                                                                             ["n"])]
            if reciprocal else [helper.make_node("Div", ["d", "sd"], ["n"])])
    return [helper.make_node("ReduceMean", [x], ["mu"], axes=[-1]),
            helper.make_node("Sub", [x, "mu"], ["d"]),
            helper.make_node("Pow", ["d", "two"], ["d2"]),
            helper.make_node("ReduceMean", ["d2"], ["var"], axes=[-1]),
            helper.make_node("Add", ["var", "eps"], ["ve"]),
            helper.make_node("Sqrt", ["ve"], ["sd"]), *tail,
            helper.make_node("Mul", ["n", "gamma"], ["ng"]),
            helper.make_node("Add", ["ng", "beta"], [y])]


@pytest.mark.parametrize("reciprocal", [False, True])
def test_decomposed_layer_norm_becomes_layer_normalization(reciprocal):
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"])] + _decomposed_ln("h", "y", reciprocal)
    consts = {"w": RNG.normal(size=(6, 16)), "two": np.array(2.0), "eps": np.array(1e-5),
              "gamma": 1 + 0.1 * RNG.normal(size=16), "beta": 0.1 * RNG.normal(size=16)}
    b = make_model(nodes, {"x": ["N", 6]}, {"y": ["N", 16]}, consts)
    assert _ops(b) == ["MatMul", "LayerNormalization", "Mul", "Add"]
    err, top = _compiled_vs_ort(b, RNG.normal(size=(64, 6)) + 0.5)
    assert err < 0.03 * top


def test_layer_norm_whose_mean_is_read_elsewhere_stays_decomposed():
    nodes = [helper.make_node("Identity", ["x"], ["h"])] + _decomposed_ln("h", "y")
    consts = {"two": np.array(2.0), "eps": np.array(1e-5), "gamma": np.ones(8),
              "beta": np.zeros(8)}
    b = make_model(nodes, {"x": ["N", 8]}, {"y": ["N", 8], "mu": ["N", 1]}, consts)
    assert "LayerNormalization" not in _ops(b)


def _attention(fill: float, after: str = "Softmax") -> bytes:
    t = 6
    nodes = [helper.make_node("MatMul", ["x", "xt"], ["s"]),
             helper.make_node("Where", ["future", "fill", "s"], ["m"]),
             helper.make_node(after, ["m"], ["y"], axis=-1) if after == "Softmax"
             else helper.make_node(after, ["m"], ["y"])]
    g = helper.make_graph(
        [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1])] + nodes, "att",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", t, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [helper.make_tensor("future", TensorProto.BOOL, [t, t],
                            (~np.tril(np.ones((t, t), bool))).ravel().tolist()),
         helper.make_tensor("fill", TensorProto.FLOAT, [], [fill])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=8).SerializeToString()


@pytest.mark.parametrize("fill", [-np.inf, float(np.finfo(np.float32).min), -10.0])
def test_causal_mask_before_softmax(fill):
    """−inf (or float32's lowest) masks exactly: the masked probabilities are 0, the others a
    distribution over the kept entries; a finite fill (nanoGPT's −10) is an ordinary constant."""
    b = _attention(fill)
    x = RNG.normal(size=(32, 6, 4))
    err, _ = _compiled_vs_ort(b, x)
    assert err < 0.02
    if fill < -1e30:
        cm = api.compile(b, x)
        y = cm.dequantize_outputs(execute(cm.graph, cm.quantize_inputs(x)))["y"]
        assert np.all(y.reshape(-1, 6, 6)[:, ~np.tril(np.ones((6, 6), bool))] == 0)


def test_infinite_mask_fill_refused_before_other_ops():
    with pytest.raises(UnsupportedOpError, match="only before a Softmax or ReduceMax"):
        api.compile(_attention(-np.inf, after="Relu"), RNG.normal(size=(8, 6, 4)))


def test_two_scalar_multiples_of_one_accumulator_are_two_values():
    """0.5·m and 0.04·m share m's integers at two scales: each needs its own activation (a
    cache keyed by the tensor alone gave the second the first's)."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Mul", ["m", "a"], ["p"]), helper.make_node("Mul", ["m", "b"], ["q"]),
             helper.make_node("Mul", ["q", "m"], ["q2"]), helper.make_node("Mul", ["p", "q2"],
                                                                           ["y"])]
    b = make_model(nodes, {"x": ["N", 5]}, {"y": ["N", 3]},
                   {"w": RNG.normal(size=(5, 3)), "a": np.array(0.5), "b": np.array(0.04)})
    err, top = _compiled_vs_ort(b, RNG.normal(size=(64, 5)))
    assert err < 0.05 * top


def test_layer_errors_lists_every_tensor_in_order():
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"])] + _gelu_tanh_nodes("m", "y")
    b = make_model(nodes, {"x": ["N", 8]}, {"y": ["N", 6]},
                   {"w": RNG.normal(size=(8, 6)), **GELU_CONSTS})
    rows = layer_errors(b, RNG.normal(size=(32, 8)))
    assert [r.tensor for r in rows] == ["m", "y"]
    assert all(0 <= r.rel_err < 0.03 for r in rows)


def test_token_input_covers_the_whole_vocabulary():
    """Calibration saw token ids below 10 only; the input's range still covers every row of the
    embedding (an id it did not see is embedded, not clamped)."""
    from tensorproof.frontend.examples_gpt import GPTConfig, gpt_onnx, gpt_tokens

    cfg = GPTConfig(layers=1, d=8, heads=2, context=4, vocab=300)
    cm = api.compile(gpt_onnx(cfg), {"tokens": gpt_tokens(cfg, 8) % 10})
    (inp,) = cm.inputs
    assert inp.lo <= 0 and inp.hi >= 299
    tokens = np.array([[0, 299, 150, 7]])
    assert np.array_equal(cm.quantize_inputs({"tokens": tokens})["tokens"], tokens)
