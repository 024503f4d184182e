"""Declared ranges of the committed constants (ir/ranges.py, ir/validate.py; issue 9, finding 4).

The range rules read the constants' *declared* ranges, so the guaranteed tensor ranges hold for
ANY weights inside them: checked by drawing random weights in the declared ranges and running
the executor on extreme inputs. The structure-only validation (``values=False``, a verifying
key's graph) requires every declared range and re-derives every bound from them alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import BoundError, CompileError
from tensorproof.ir import IntGraph, Node, TensorSpec, validate_graph
from tensorproof.ir.ops import infer_shape
from tensorproof.ir.ranges import (
    CONST_RANGES,
    declared_const_range,
    exact_ranges,
    fit_const_range,
    infer_range,
)
from tensorproof.prover.model import annotate_requant_ranges, declare_const_ranges
from tensorproof.quant.executor import execute
from tensorproof.verifier.keys import strip_weights

RNG = np.random.default_rng(11)


def test_fitted_range_holds_the_values_keeps_their_sign_and_is_under_twice_their_size():
    for _ in range(3000):
        a = int(RNG.integers(-(10**9), 10**9))
        b = a + int(RNG.integers(0, 10 ** int(RNG.integers(0, 9))))
        lo, w = fit_const_range(np.array([a, b]))
        hi = lo + (1 << w) - 1
        assert lo <= a and b <= hi and (w == 0 or b - a >= 1 << (w - 1))
        assert max(abs(lo), abs(hi)) <= 2 * max(abs(a), abs(b)) + 1
        assert (a < 1 or lo >= 1) and (a < 0 or lo >= 0) and (b > 0 or hi <= 0)
        assert b > -1 or hi <= -1


@pytest.mark.parametrize("values, expected", [
    ([5], (5, 0)), ([0], (0, 0)), ([-127, 127], (-128, 8)), ([0, 1], (0, 1)),
    ([300000, 1000000], (1, 20)), ([-5, -3], (-5, 2)),
])
def test_fitted_range_examples(values, expected):
    assert fit_const_range(np.array(values)) == expected


def _node(op, consts, ranges=None, **attrs):
    if ranges is not None:
        attrs[CONST_RANGES] = ranges
    return Node(op, op, ("x",), "y", attrs, {k: np.asarray(v, np.int64) for k, v in consts.items()})


X = TensorSpec("x", (3, 4), -128, 127)
CASES = {
    "linear": (_node("linear", {"W": RNG.integers(-100, 90, (4, 5)), "b": [7, -9, 0, 3, 1000]},
                     {"W": [-128, 8], "b": [-1024, 11]}), (3, 5)),
    "conv2d": (_node("conv2d", {"W": RNG.integers(-60, 60, (2, 3, 2, 2)), "b": [5, -300]},
                     {"W": [-64, 7], "b": [-512, 10]}, strides=[1, 1], pads=[1, 0, 0, 1]),
               (2, 4, 4)),
    "requant": (_node("requant", {"mult": [300, 900, 1000]}, {"mult": [1, 10]}, shift=6,
                      lo=-1000, hi=1000, axis=0), (3, 4)),
    "add_const": (_node("add_const", {"c": [[3], [-9], [1]]}, {"c": [-16, 5]}), (3, 4)),
    "mul_const": (_node("mul_const", {"c": [-3, 0, 2, 5]}, {"c": [-4, 3]}), (3, 4)),
}
X_OF = {"conv2d": TensorSpec("x", (3, 4, 4), -128, 127)}


@pytest.mark.parametrize("op", sorted(CASES))
def test_guaranteed_range_holds_for_any_weights_inside_the_declared_ranges(op):
    node, out_shape = CASES[op]
    x = X_OF.get(op, X)
    lo, hi, _ = infer_range(node, [x])
    y = TensorSpec("y", out_shape, lo, hi)
    xs = RNG.integers(x.lo, x.hi + 1, (32, *x.shape))
    xs[0], xs[1] = x.lo, x.hi
    for _ in range(8):  # random weights, extremes included, inside the declared ranges
        consts = {}
        for key, c in node.consts.items():
            clo, chi = declared_const_range(node, key)
            consts[key] = RNG.choice([clo, chi, (clo + chi) // 2], size=c.shape).astype(np.int64)
        other = Node(node.op, node.name, node.inputs, node.output, node.attrs, consts)
        g = IntGraph(("x",), ("y",), {"x": x, "y": y}, [other])
        validate_graph(g)  # the same declared ranges, the same guaranteed output range
        out = execute(g, {"x": xs}, check_ranges=False)["y"]
        assert lo <= out.min() and out.max() <= hi
        elo, ehi, _ = infer_range(other, [x], exact=True)  # exact ⊆ guaranteed
        assert lo <= elo and ehi <= hi


def _linear_graph(w: np.ndarray, ranges=None, y_range=None) -> IntGraph:
    node = _node("linear", {"W": w, "b": np.zeros(w.shape[1], np.int64)}, ranges)
    lo, hi, _ = infer_range(node, [X])
    y = TensorSpec("y", (3, w.shape[1]), *(y_range or (lo, hi)))
    return IntGraph(("x",), ("y",), {"x": X, "y": y}, [node])


def test_structure_validation_needs_every_declared_range():
    g = _linear_graph(RNG.integers(-127, 128, (4, 2)))
    validate_graph(g)  # real weights: the fitted ranges are implied
    with pytest.raises(CompileError, match="no declared range"):
        validate_graph(strip_weights(g), values=False)
    declared = declare_const_ranges(g)
    validate_graph(strip_weights(declared), values=False)


def test_structure_validation_reads_no_weight_values():
    g = declare_const_ranges(_linear_graph(RNG.integers(-127, 128, (4, 2))))
    stripped = strip_weights(g)
    assert not stripped.nodes[0].consts["W"].any()
    validate_graph(stripped, values=False)
    y = g.tensors["y"]
    g.tensors["y"] = TensorSpec("y", y.shape, y.lo, y.hi - 1)  # narrower than the guarantee
    with pytest.raises(CompileError, match="does not contain the derived range"):
        validate_graph(strip_weights(g), values=False)


def test_exact_ranges_are_not_enough_for_the_structure_validation():
    """A graph whose tensor ranges were derived from the actual weights (Σ|W|) is refused: its
    bounds would not hold for other weights inside the declared ranges."""
    w = RNG.integers(-127, 128, (4, 2))
    lo, hi, _ = infer_range(_node("linear", {"W": w, "b": [0, 0]}), [X], exact=True)
    g = declare_const_ranges(_linear_graph(w, y_range=(lo, hi)))
    with pytest.raises(CompileError, match="does not contain the derived range"):
        validate_graph(strip_weights(g), values=False)


def test_declared_range_that_allows_a_wrap_is_a_bound_error_without_any_weights():
    w = np.zeros((4, 1), np.int64)
    g = _linear_graph(w, {"W": [-(2**55), 56], "b": [0, 0]}, y_range=(-(2**61), 2**61))
    with pytest.raises(BoundError, match="could reach 2\\^6"):
        validate_graph(strip_weights(g), values=False)


def test_a_weight_outside_its_declared_range_is_refused_with_the_values():
    w = RNG.integers(-127, 128, (4, 2))
    w[1, 1] = 1000
    g = _linear_graph(w, {"W": [-128, 8], "b": [0, 0]})
    with pytest.raises(BoundError, match="outside its declared range"):
        validate_graph(g)
    validate_graph(strip_weights(g), values=False)  # the key alone cannot tell: the certificate


@pytest.mark.parametrize("ranges, match", [
    ({"W": [-128, 8]}, "must declare exactly"),
    ({"W": [-128, 8], "b": [0, 0], "c": [0, 0]}, "must declare exactly"),
    ({"W": [-128, "8"], "b": [0, 0]}, "two integers"),
    ({"W": [-128, 8, 1], "b": [0, 0]}, "two integers"),
    ({"W": [-128, -1], "b": [0, 0]}, "out of bounds"),
    ({"W": [-128, 62], "b": [0, 0]}, "out of bounds"),
    ({"W": [2**62, 0], "b": [0, 0]}, "out of bounds"),
    ([["W", -128, 8]], "must declare exactly"),
])
def test_malformed_declared_ranges_are_refused(ranges, match):
    node = _node("linear", {"W": np.zeros((4, 2)), "b": [0, 0]}, ranges)
    g = IntGraph(("x",), ("y",), {"x": X, "y": TensorSpec("y", (3, 2), -(2**40), 2**40)}, [node])
    infer_shape(node, [X.shape])
    with pytest.raises(CompileError, match=match):
        validate_graph(g, values=False)


def test_exact_ranges_size_the_requant_tables_not_the_declared_ones():
    """q_lo/q_hi (the prover's clamp-table window) come from the actual weights: as tight as
    before the declared ranges existed, though the declared ranges are wider."""
    w = RNG.integers(-20, 21, (4, 3))
    w[0, 0] = 127  # one large weight: the declared range [-128, 127] is far wider than Σ|W|
    lin = _node("linear", {"W": w, "b": [1, 2, 3]})
    rq = Node("requant", "rq", ("y",), "z", {"shift": 8, "lo": -127, "hi": 127, "axis": -1},
              {"mult": np.array([200])})
    lo, hi, _ = infer_range(lin, [X])
    y = TensorSpec("y", (3, 3), lo, hi)
    zl, zh, _ = infer_range(rq, [y])
    g = IntGraph(("x",), ("z",), {"x": X, "y": y, "z": TensorSpec("z", (3, 3), zl, zh)},
                 [lin, rq])
    validate_graph(g)
    exact = exact_ranges(g)["y"]
    assert infer_range(lin, [X], exact=True)[:2] == exact and exact[1] < hi
    q = annotate_requant_ranges(g).nodes[1].attrs
    assert (q["q_lo"], q["q_hi"]) == ((exact[0] * 200 + 128) >> 8, (exact[1] * 200 + 128) >> 8)


def test_compiled_model_declares_every_committed_constant():
    from tensorproof.frontend import compile_onnx
    from tensorproof.frontend.examples import train_digits_mlp

    digits = train_digits_mlp()
    g = compile_onnx(digits.onnx_bytes, digits.x_calib).graph
    validate_graph(g)
    validate_graph(strip_weights(g), values=False)
    for node in g.nodes:
        if node.op in ("linear", "requant"):
            assert set(node.attrs[CONST_RANGES]) == set(node.consts)


def test_lookup_over_a_declared_range_wider_than_its_table():
    """The compiler sizes a table to its input's exact range; the declared (guaranteed) range
    may be wider: an x outside the table has no y (no proof), so y ranges over the table."""
    node = Node("lookup", "lut", ("x",), "y", {"x_lo": -2}, {"table": np.array([5, -7, 9, 1])})
    wide = TensorSpec("x", (3,), -50, 50)
    assert infer_range(node, [wide])[:2] == (-7, 9)
    assert infer_range(node, [TensorSpec("x", (3,), 0, 1)])[:2] == (1, 9)
    with pytest.raises(CompileError, match="not inside the table's domain"):
        infer_range(node, [wide], exact=True)
    with pytest.raises(CompileError, match="misses the table's domain"):
        infer_range(node, [TensorSpec("x", (3,), 2, 50)])
