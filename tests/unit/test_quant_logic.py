"""quant/logic.py: the threshold rule (no quantized value changes branch), its rational
arithmetic, and the integer graphs of indicators, booleans and ArgMax run by the reference
executor against numpy."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tensorproof.quant import QuantConfig, Quantizer
from tensorproof.quant.executor import execute
from tensorproof.quant.logic import INDICATOR_ROWS, predicate, thresholds

OPS = ["<", "<=", ">", ">=", "=="]
RNG = np.random.default_rng(11)


def _exact(op: str, q: int, s: float, c: float) -> bool:
    """q·s op c in exact rationals (the float64 values of s and c taken exactly)."""
    a, b = Fraction(q) * Fraction(s), Fraction(c)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b}[op]


def _scales_and_thresholds(n: int):
    s = RNG.uniform(1e-3, 2.0, n) * 2.0 ** RNG.integers(-20, 20, n)
    q0 = RNG.integers(-200, 200, n)
    c = np.where(RNG.random(n) < 0.5, q0 * s, RNG.normal(size=n) * 150 * s)  # ties, and not
    c = np.where(RNG.random(n) < 0.1, np.nextafter(q0 * s, np.inf), c)        # near ties
    return s, c


@pytest.mark.parametrize("op", OPS)
def test_no_quantized_value_changes_branch(op):
    lo, hi = -128, 127
    s, c = _scales_and_thresholds(60)
    q = np.arange(lo, hi + 1)
    for si, ci in zip(s, c):
        t = int(thresholds(op, ci, si, lo, hi))
        assert lo - 1 <= t <= hi + 1
        got = predicate(op, q, t)
        want = [_exact(op, int(v), float(si), float(ci)) for v in q]
        assert got.tolist() == [int(w) for w in want], (op, si, ci, t)


def test_float_comparison_agrees_away_from_ties():
    """numpy's float64 q*s < c is the exact comparison except within an ulp of a tie."""
    s, c = _scales_and_thresholds(200)
    q = RNG.integers(-128, 128, 200)
    t = thresholds("<", c, s, -128, 127)
    far = np.abs(q * s - c) > 1e-9 * np.abs(c) + 1e-300
    assert np.array_equal(predicate("<", q, t)[far], (q * s < c)[far])


def test_thresholds_of_arrays_broadcast_and_clip():
    c = np.array([[0.25], [-1e30], [1e30], [0.3]])
    t = thresholds("<", c, np.array([0.5, 0.25]), -10, 10)
    assert t.shape == (4, 2)
    assert t[:, 0].tolist() == [1, -11, 11, 1] and t[:, 1].tolist() == [1, -11, 11, 2]


def test_infinite_and_nan_thresholds():
    c = np.array([np.inf, -np.inf, np.nan])
    q = np.arange(-5, 6)[:, None]
    for op in OPS:
        t = thresholds(op, c, 0.1, -5, 5)
        want = {"<": [1, 0, 0], "<=": [1, 0, 0], ">": [0, 1, 0], ">=": [0, 1, 0],
                "==": [0, 0, 0]}[op]
        assert (predicate(op, q, t) == np.array(want)).all(), op


def test_equality_with_a_non_grid_threshold_is_never_true():
    assert thresholds("==", 0.3, 0.25, -8, 8) == 9
    assert thresholds("==", 0.75, 0.25, -8, 8) == 3


def test_bad_scale_is_refused():
    from tensorproof.errors import CompileError

    with pytest.raises(CompileError, match="scale"):
        thresholds("<", 1.0, 0.0, -1, 1)


# ---- integer graphs built by the quantizer, run by the executor ---------------------------

def _quantizer() -> Quantizer:
    return Quantizer({}, QuantConfig())


def _run(q: Quantizer, outs, feeds: dict) -> list[np.ndarray]:
    g = q.b.build([o.name for o in outs])
    vals = execute(g, feeds)
    return [vals[o.name] for o in outs]


@pytest.mark.parametrize("wide", [False, True], ids=["table", "sign"])
@pytest.mark.parametrize("op", OPS + ["!="])
def test_indicator_matches_numpy(op, wide):
    q = _quantizer()
    top = 4 * INDICATOR_ROWS if wide else 50
    x = q.integer(q.b.add_input("x", (3, 4), -top, top, 1.0), "x")
    t = RNG.integers(-top, top, (4,))
    y1 = q.indicator(x, op, 7, "scalar", "y1")
    y2 = q.indicator(x, op, t, "array", "y2")
    assert (y1.lo, y1.hi, y2.lo, y2.hi) == (0, 1, 0, 1)
    ops = {n.op for n in q.b.nodes}
    assert ("requant" in ops) == wide
    xs = RNG.integers(-top, top + 1, (5, 3, 4))
    xs[0, 0, :] = t  # ties with the array threshold
    xs[0, 1, 0] = 7
    a, b = _run(q, [y1, y2], {"x": xs})
    assert np.array_equal(a, predicate(op, xs, 7))
    assert np.array_equal(b, predicate(op, xs, t))


@pytest.mark.parametrize("last", [False, True], ids=["first", "last"])
@pytest.mark.parametrize("axis", [0, 1])
def test_argmax_breaks_ties_as_asked(axis, last):
    q = _quantizer()
    x = q.integer(q.b.add_input("x", (5, 6), -3, 3, 1.0), "x")
    y = q.argmax(x, axis, last, "argmax", "y")
    # the exact range (from the position weights' values); the guaranteed one reads their
    # declared range [0, 2^w − 1] and is wider
    assert q.b.exact[y.name] == (0, x.shape[axis] - 1) and y.lo <= 0 < x.shape[axis] <= y.hi + 1
    xs = RNG.integers(-3, 4, (40, 5, 6))  # many ties
    (got,) = _run(q, [y], {"x": xs})
    flip = np.flip(xs, axis=axis + 1)
    want = (xs.shape[axis + 1] - 1 - np.argmax(flip, axis=axis + 1) if last
            else np.argmax(xs, axis=axis + 1))
    assert np.array_equal(got.squeeze(axis + 1), want)


@pytest.mark.parametrize("op", ["and", "or", "xor"])
def test_boolean_ops(op):
    q = _quantizer()
    a = q.integer(q.b.add_input("a", (4,), 0, 1, 1.0), "a")
    b = q.integer(q.b.add_input("b", (4,), 0, 1, 1.0), "b")
    y = q.logical(op, a, b, "logic", "y")
    n = q.logical_not(y, "not", "n")
    assert (y.lo, y.hi, n.lo, n.hi) == (0, 1, 0, 1)
    av, bv = np.array([[0, 0, 1, 1]]), np.array([[0, 1, 0, 1]])
    got, neg = _run(q, [y, n], {"a": av, "b": bv})
    want = {"and": av & bv, "or": av | bv, "xor": av ^ bv}[op]
    assert np.array_equal(got, want) and np.array_equal(neg, 1 - want)


def test_gather_elements_and_one_hot():
    q = _quantizer()
    x = q.integer(q.b.add_input("x", (2, 5), -50, 50, 1.0), "x")
    idx = q.integer(q.b.add_input("i", (2, 3), -5, 4, 1.0), "i")
    y = q.gather_elements(x, idx, 1, "ge", "y")
    oh = q.one_hot(idx, 5, "oh", "oh")
    xs = RNG.integers(-50, 51, (4, 2, 5))
    iv = RNG.integers(-5, 5, (4, 2, 3))
    got, hot = _run(q, [y, oh], {"x": xs, "i": iv})
    assert np.array_equal(got, np.take_along_axis(xs, iv % 5, axis=2))
    assert np.array_equal(hot, (iv[..., None] % 5 == np.arange(5)).astype(np.int64))


def test_gathered_table_and_thresholds():
    q = _quantizer()
    x = q.b.add_input("x", (3,), -127, 127, 0.01)
    from tensorproof.quant import QVal

    xv = QVal(x, 0.01, None, True, "x")
    idx = q.integer(q.b.add_input("i", (3,), 0, 3, 1.0), "i")
    table = np.array([0.5, -0.123, 0.999, 2.0])
    t = q.gather_table(idx, q.threshold_table(xv, ">", table), 1.0, "g", "t")
    y = q.compare_ints(xv, ">", t, "cmp", "y")
    xs = RNG.integers(-127, 128, (50, 3))
    iv = RNG.integers(0, 4, (50, 3))
    xs[0] = [50, -13, 99]  # x̂ = 0.5, -0.13, 0.99: ties and near ties
    iv[0] = [0, 1, 2]
    (got,) = _run(q, [y], {"x": xs, "i": iv})
    exact = np.array([[_exact(">", int(a), 0.01, float(table[b])) for a, b in zip(r, s)]
                      for r, s in zip(xs, iv)])
    assert np.array_equal(got, exact.astype(np.int64))
