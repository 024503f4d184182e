"""Integer graph: op shape rules, validation, and the guaranteed ranges of ir.ranges.

Range soundness is checked against the executor: on random inputs that include the extremes of
each input's range, every output lies in the inferred range (and for affine ops the inferred
bound is attained, so it is tight).
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import BoundError, CompileError
from tensorproof.ir import ACC_LIMIT, IntGraph, Node, TensorSpec, validate_graph
from tensorproof.ir.ops import infer_shape
from tensorproof.ir.ranges import infer_range
from tensorproof.quant.executor import execute

RNG = np.random.default_rng(3)


def _graph(nodes, inputs: dict[str, TensorSpec], exact: bool = False) -> IntGraph:
    """Build a graph whose non-input specs are exactly the inferred ones (from the declared
    constant ranges, or from the constants' values if ``exact``)."""
    tensors = dict(inputs)
    for n in nodes:
        ins = [tensors[i] for i in n.inputs]
        lo, hi, _ = infer_range(n, ins, exact=exact)
        tensors[n.output] = TensorSpec(n.output, infer_shape(n, [s.shape for s in ins]), lo, hi)
    return IntGraph(tuple(inputs), (nodes[-1].output,), tensors, nodes)


def _extreme_inputs(specs: dict[str, TensorSpec], batch: int = 64) -> dict[str, np.ndarray]:
    out = {}
    for name, s in specs.items():
        x = RNG.integers(s.lo, s.hi + 1, size=(batch, *s.shape))
        x[0], x[1] = s.lo, s.hi
        x[2] = RNG.choice([s.lo, s.hi], size=s.shape)
        out[name] = x
    return out


W = RNG.integers(-127, 128, (6, 4))
B = RNG.integers(-500, 500, 4)
CONV_W = RNG.integers(-127, 128, (3, 2, 3, 3))
X = TensorSpec("x", (2, 5, 6), -128, 127)
V = TensorSpec("v", (3, 6), -128, 127)
U = TensorSpec("u", (3, 6), -20, 90)
POS = TensorSpec("p", (3, 6), 1, 300)

OP_CASES = {
    "linear": ([Node("linear", "fc", ("v",), "y", {}, {"W": W, "b": B})], {"v": V}),
    "conv2d": ([Node("conv2d", "conv", ("x",), "y", {"strides": [2, 1], "pads": [1, 0, 2, 1]},
                     {"W": CONV_W, "b": np.array([5, -7, 0])})], {"x": X}),
    "sum_pool2d": ([Node("sum_pool2d", "pool", ("x",), "y",
                         {"kernel": [2, 3], "strides": [1, 2], "pads": [1, 1, 0, 0]})], {"x": X}),
    "max_pool2d": ([Node("max_pool2d", "pool", ("x",), "y",
                         {"kernel": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1]})], {"x": X}),
    "requant": ([Node("requant", "rq", ("v",), "y",
                      {"shift": 9, "lo": -100, "hi": 90, "axis": 0},
                      {"mult": np.array([300, -77, 1024])})], {"v": V}),
    "lookup": ([Node("lookup", "lut", ("u",), "y", {"x_lo": -30},
                     {"table": RNG.integers(-50, 50, 130)})], {"u": U}),
    "add": ([Node("add", "add", ("v", "u"), "y")], {"v": V, "u": U}),
    "add_const": ([Node("add_const", "addc", ("v",), "y", {}, {"c": np.array([[3], [-9], [1]])})],
                  {"v": V}),
    "mul": ([Node("mul", "mul", ("v", "u"), "y")], {"v": V, "u": U}),
    "mul_const": ([Node("mul_const", "mulc", ("v",), "y", {},
                        {"c": np.array([-3, 0, 2, 5, 1, 7])})], {"v": V}),
    "reshape": ([Node("reshape", "r", ("v",), "y", {"shape": [2, 9]})], {"v": V}),
    "transpose": ([Node("transpose", "t", ("x",), "y", {"perm": [2, 0, 1]})], {"x": X}),
    "concat": ([Node("concat", "c", ("v", "u", "v"), "y", {"axis": 1})], {"v": V, "u": U}),
    "reduce_sum": ([Node("reduce_sum", "s", ("x",), "y", {"axes": [0, 2], "keepdims": 0})],
                   {"x": X}),
    "reduce_max": ([Node("reduce_max", "m", ("x",), "y", {"axes": [1], "keepdims": 1})],
                   {"x": X}),
    "div_round": ([Node("div_round", "d", ("v", "p"), "y", {"shift": 4})], {"v": V, "p": POS}),
    "slice": ([Node("slice", "sl", ("x",), "y", {"starts": [1, 0, 1], "ends": [2, 5, 6],
                                                 "steps": [1, 2, 3]})], {"x": X}),
    "broadcast": ([Node("broadcast", "b", ("y0",), "y", {"shape": [3, 6]})],
                  {"y0": TensorSpec("y0", (3, 1), -5, 17)}),
    "matmul": ([Node("matmul", "mm", ("v", "w"), "y")],
               {"v": V, "w": TensorSpec("w", (6, 2), -7, 127)}),
}


@pytest.mark.parametrize("op", sorted(OP_CASES))
def test_executor_stays_in_inferred_range(op):
    nodes, inputs = OP_CASES[op]
    g = _graph(nodes, inputs)
    validate_graph(g)
    out = execute(g, _extreme_inputs(inputs), check_ranges=False)["y"]
    spec = g.tensors["y"]
    assert out.shape[1:] == spec.shape
    assert spec.lo <= out.min() and out.max() <= spec.hi


@pytest.mark.parametrize("op", ["linear", "add", "add_const", "reduce_sum", "concat"])
def test_affine_ranges_are_attained(op):
    """For these ops the exact interval is attained: some extreme input reaches each end."""
    nodes, inputs = OP_CASES[op]
    g = _graph(nodes, inputs, exact=True)
    spec = g.tensors["y"]
    if op == "linear":  # the maximizing input takes hi where the weight is positive
        x = np.where(W > 0, V.hi, V.lo).T[:, None, :].repeat(3, axis=1)
        y = execute(g, {"v": x})["y"]
        assert y.max() == spec.hi
        return
    ins = {k: np.stack([np.full(s.shape, s.lo), np.full(s.shape, s.hi)]) for k, s in inputs.items()}
    y = execute(g, ins)["y"]
    assert y.min() == spec.lo and y.max() == spec.hi


def test_requant_range_is_clamp_of_rounded_ends():
    node = Node("requant", "rq", ("v",), "y", {"shift": 2, "lo": -10, "hi": 10, "axis": -1},
                {"mult": np.array([3])})
    lo, hi, acc = infer_range(node, [TensorSpec("v", (2,), -5, 2)])
    # (−5·3 + 2) >> 2 = −4, (2·3 + 2) >> 2 = 2
    assert (lo, hi) == (-4, 2)
    assert acc == 5 * 3 + 4


def test_requant_clamp_that_excludes_the_whole_input_range():
    """A ReLU clamp on an accumulator that is always negative gives exactly [0, 0]."""
    node = Node("requant", "relu", ("v",), "y", {"shift": 8, "lo": 0, "hi": 127, "axis": -1},
                {"mult": np.array([100])})
    assert infer_range(node, [TensorSpec("v", (2,), -9000, -600)])[:2] == (0, 0)


BAD_NODES = {
    "conv pads of wrong length": Node("conv2d", "c", ("x",), "y", {"strides": [1, 1],
                                                                   "pads": [0, 0]},
                                      {"W": CONV_W, "b": np.zeros(3, np.int64)}),
    "requant shift 0": Node("requant", "r", ("x",), "y", {"shift": 0, "lo": 0, "hi": 1,
                                                          "axis": -1}, {"mult": np.array([1])}),
    "requant mult per wrong axis": Node("requant", "r", ("x",), "y",
                                        {"shift": 1, "lo": 0, "hi": 1, "axis": 1},
                                        {"mult": np.array([1, 2])}),
    "reshape to a different size": Node("reshape", "r", ("x",), "y", {"shape": [7]}),
    "transpose not a permutation": Node("transpose", "t", ("x",), "y", {"perm": [0, 0, 1]}),
    "reduce over a missing axis": Node("reduce_sum", "s", ("x",), "y", {"axes": [3],
                                                                        "keepdims": 0}),
    "max pool pads as wide as the kernel": Node("max_pool2d", "m", ("x",), "y",
                                                {"kernel": [2, 2], "strides": [1, 1],
                                                 "pads": [2, 0, 0, 0]}),
    "float constant": Node("add_const", "a", ("x",), "y", {}, {"c": np.array([0.5])}),
    "unknown op": Node("softmax", "s", ("x",), "y"),
    "attribute of the wrong type": Node("concat", "c", ("x",), "y", {"axis": "1"}),
}


@pytest.mark.parametrize("case", sorted(BAD_NODES))
def test_bad_node_is_refused_with_its_name(case):
    node = BAD_NODES[case]
    with pytest.raises(CompileError, match=repr(node.name)):
        infer_shape(node, [X.shape])


def _linear_graph(x_range: int, w_value: int, k: int) -> IntGraph:
    x = TensorSpec("x", (k,), -x_range, x_range)
    node = Node("linear", "wide_fc", ("x",), "y", {}, {"W": np.full((k, 1), w_value),
                                                       "b": np.zeros(1, np.int64)})
    y = TensorSpec("y", (1,), 1 - ACC_LIMIT, ACC_LIMIT - 1)
    return IntGraph(("x",), ("y",), {"x": x, "y": y}, [node])


def test_validate_refuses_an_accumulator_past_2_62_naming_the_layer():
    g = _linear_graph(2**40, 2**15, 1024)  # 2^40 · 2^15 · 2^10 = 2^65
    with pytest.raises(BoundError, match="wide_fc"):
        validate_graph(g)


def test_validate_refuses_a_declared_range_narrower_than_proven():
    nodes, inputs = OP_CASES["add"]
    g = _graph(nodes, inputs)
    y = g.tensors["y"]
    g.tensors["y"] = TensorSpec("y", y.shape, y.lo + 1, y.hi)
    with pytest.raises(CompileError, match="does not contain the derived range"):
        validate_graph(g)


def test_validate_refuses_a_wrong_declared_shape():
    nodes, inputs = OP_CASES["reshape"]
    g = _graph(nodes, inputs)
    g.tensors["y"] = TensorSpec("y", (9, 2), g.tensors["y"].lo, g.tensors["y"].hi)
    with pytest.raises(CompileError, match="declared shape"):
        validate_graph(g)


def test_validate_refuses_reading_an_undefined_tensor():
    y = TensorSpec("y", X.shape, -256, 254)
    g = IntGraph(("x",), ("y",), {"x": X, "y": y}, [Node("add", "a", ("x", "ghost"), "y")])
    with pytest.raises(CompileError, match="ghost"):
        validate_graph(g)


def test_spec_range_beyond_2_62_is_a_bound_error():
    g = IntGraph(("x",), ("x",), {"x": TensorSpec("x", (1,), 0, ACC_LIMIT)}, [])
    with pytest.raises(BoundError):
        validate_graph(g)
