"""The reference executor: each op against a naive Python-integer definition, the float64 BLAS
path against the int64 path, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import ProverError
from tensorproof.ir import IntGraph, Node, TensorSpec
from tensorproof.quant import execute
from tensorproof.quant.executor import FLOAT_EXACT

RNG = np.random.default_rng(11)


def _run(node: Node, specs: dict[str, TensorSpec], xs: dict[str, np.ndarray], out_shape):
    y = TensorSpec(node.output, tuple(out_shape), -(2**61), 2**61)
    g = IntGraph(tuple(specs), (node.output,), {**specs, node.output: y}, [node])
    return execute(g, xs, check_ranges=False)[node.output]


def _naive_conv(x, w, b, strides, pads):
    """Direct definition: y[o, i, j] = b[o] + Σ w[o, c, u, v] · x[c, s·i + u − p, s·j + v − p]."""
    c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = (h + pads[0] + pads[2] - kh) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - kw) // strides[1] + 1
    y = [[[int(b[oo]) for _ in range(ow)] for _ in range(oh)] for oo in range(o)]
    for oo in range(o):
        for i in range(oh):
            for j in range(ow):
                for cc in range(c):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = strides[0] * i + u - pads[0], strides[1] * j + v - pads[1]
                            if 0 <= r < h and 0 <= q < wd:
                                y[oo][i][j] += int(w[oo, cc, u, v]) * int(x[cc, r, q])
    return np.array(y, dtype=object)


@pytest.mark.parametrize("strides,pads", [((1, 1), (0, 0, 0, 0)), ((2, 1), (1, 0, 2, 1)),
                                          ((3, 2), (2, 2, 2, 2))])
def test_conv2d_matches_the_definition(strides, pads):
    x = RNG.integers(-128, 128, (2, 2, 6, 5))
    w = RNG.integers(-127, 128, (3, 2, 3, 2))
    b = RNG.integers(-1000, 1000, 3)
    node = Node("conv2d", "c", ("x",), "y", {"strides": list(strides), "pads": list(pads)},
                {"W": w, "b": b})
    want = np.stack([_naive_conv(xi, w, b, strides, pads) for xi in x])
    got = _run(node, {"x": TensorSpec("x", (2, 6, 5), -128, 127)}, {"x": x}, want.shape[1:])
    assert np.array_equal(got, want.astype(np.int64))


def test_pooling_matches_the_definition():
    x = RNG.integers(-50, 50, (3, 1, 5, 5))
    attrs = {"kernel": [2, 3], "strides": [2, 1], "pads": [1, 0, 0, 1]}
    spec = {"x": TensorSpec("x", (1, 5, 5), -50, 50)}
    xp = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 1)), constant_values=-(10**9))
    want_max = np.array([[[[xp[n, 0, 2 * i : 2 * i + 2, j : j + 3].max() for j in range(4)]
                           for i in range(3)]] for n in range(3)])
    got = _run(Node("max_pool2d", "m", ("x",), "y", attrs), spec, {"x": x}, (1, 3, 4))
    assert np.array_equal(got, want_max)
    xz = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 1)))
    want_sum = np.array([[[[xz[n, 0, 2 * i : 2 * i + 2, j : j + 3].sum() for j in range(4)]
                           for i in range(3)]] for n in range(3)])
    got = _run(Node("sum_pool2d", "s", ("x",), "y", attrs), spec, {"x": x}, (1, 3, 4))
    assert np.array_equal(got, want_sum)


def test_div_round_is_round_half_up_of_the_quotient():
    a = RNG.integers(-1000, 1000, (40, 4))
    b = RNG.integers(1, 50, (40, 4))
    node = Node("div_round", "d", ("a", "b"), "y", {"shift": 3})
    specs = {"a": TensorSpec("a", (4,), -1000, 1000), "b": TensorSpec("b", (4,), 1, 50)}
    got = _run(node, specs, {"a": a, "b": b}, (4,))
    want = np.floor(a * 8 / b + 0.5).astype(np.int64)
    assert np.array_equal(got, want)


def test_lookup_indexes_from_x_lo():
    node = Node("lookup", "t", ("x",), "y", {"x_lo": -2}, {"table": np.array([10, 20, 30, 40])})
    got = _run(node, {"x": TensorSpec("x", (4,), -2, 1)}, {"x": np.array([[-2, -1, 0, 1]])},
               (4,))
    assert got.tolist() == [[10, 20, 30, 40]]


def _wide_linear(x_bound: int, k: int = 64) -> tuple[Node, dict, dict]:
    w = RNG.integers(-(2**15), 2**15, (k, 3))
    node = Node("linear", "fc", ("x",), "y", {}, {"W": w, "b": np.array([1, 2, 3])})
    x = RNG.integers(-x_bound, x_bound + 1, (5, k))
    return node, {"x": TensorSpec("x", (k,), -x_bound, x_bound)}, {"x": x}


def test_linear_takes_the_int64_path_beyond_2_53_and_stays_exact():
    node, specs, xs = _wide_linear(2**38)  # 2^38 · 2^15 · 64 > 2^53
    got = _run(node, specs, xs, (3,))
    want = (xs["x"].astype(object) @ node.consts["W"].astype(object)) + node.consts["b"]
    assert np.array_equal(got.astype(object), want)
    assert 2**38 * int(np.abs(node.consts["W"]).sum(axis=0).max()) >= FLOAT_EXACT


def test_linear_float_path_is_exact_below_2_53():
    node, specs, xs = _wide_linear(2**20)
    got = _run(node, specs, xs, (3,))
    want = (xs["x"].astype(object) @ node.consts["W"].astype(object)) + node.consts["b"]
    assert np.array_equal(got.astype(object), want)


def test_input_outside_its_range_is_refused():
    node = Node("add", "a", ("x", "x"), "y")
    g = IntGraph(("x",), ("y",), {"x": TensorSpec("x", (2,), -1, 1),
                                  "y": TensorSpec("y", (2,), -2, 2)}, [node])
    with pytest.raises(ProverError, match="proven range"):
        execute(g, {"x": np.array([[0, 2]])})


def test_missing_or_misshaped_input_is_refused():
    node = Node("add", "a", ("x", "x"), "y")
    g = IntGraph(("x",), ("y",), {"x": TensorSpec("x", (2,), -1, 1),
                                  "y": TensorSpec("y", (2,), -2, 2)}, [node])
    with pytest.raises(ProverError, match="no value"):
        execute(g, {})
    with pytest.raises(ProverError, match="shape"):
        execute(g, {"x": np.zeros((1, 3), np.int64)})
    with pytest.raises(ProverError, match="integer"):
        execute(g, {"x": np.zeros((1, 2))})


def test_lookup_outside_its_table_is_a_prover_error():
    node = Node("lookup", "t", ("x",), "y", {"x_lo": 0}, {"table": np.array([1, 2])})
    with pytest.raises(ProverError, match="table"):
        _run(node, {"x": TensorSpec("x", (1,), 0, 5)}, {"x": np.array([[3]])}, (1,))
