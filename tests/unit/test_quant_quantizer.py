"""The quantizer's lowering rules, checked on the integer graphs it builds (no ONNX)."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import BoundError
from tensorproof.ir import validate_graph
from tensorproof.quant import QuantConfig, Quantizer, execute, observe
from tensorproof.quant.layers import BIAS_BITS

RNG = np.random.default_rng(5)


def _quantizer(**tensors) -> Quantizer:
    return Quantizer({k: observe(v) for k, v in tensors.items()}, QuantConfig())


def _run(q: Quantizer, out, x_real: np.ndarray, x_scale: float) -> np.ndarray:
    g = q.b.build([out.name])
    validate_graph(g)
    xi = np.clip(np.floor(x_real / x_scale + 0.5), -128, 127).astype(np.int64)
    return execute(g, {"x": xi})[out.name] * float(out.scale)


def test_relu_on_an_always_negative_accumulator_is_zero():
    x = RNG.uniform(-1.0, 1.0, (20, 4))
    w = RNG.normal(size=(4, 3)) * 0.01
    b = np.full(3, -10.0)  # |x @ w| <= 0.04 < 10 on the whole proven input range
    h = x @ w + b
    q = _quantizer(x=x, h=h, r=np.maximum(h, 0))
    xv = q.input("x", (4,), "x")
    y = q.clip(q.linear(xv, w, b, "fc", "h"), 0.0, None, "relu", "r")
    assert y.lo == y.hi == 0
    assert not _run(q, y, x, float(xv.scale)).any()


def test_add_of_two_scales_is_close_to_the_real_sum():
    x = RNG.normal(size=(50, 6))
    q = _quantizer(x=x, a=3 * x, s=4 * x)
    xv = q.input("x", (6,), "x")
    three = q.scale_by(xv, np.array(3.0), "mul", "a")
    assert float(three.scale) == pytest.approx(3 * float(xv.scale))  # a free rescale
    w = q.linear(xv, np.eye(6), None, "fc", "x1")  # an accumulator with per-channel scales
    y = q.act(q.add(three, w, "add", "s"), "out")
    got = _run(q, y, x, float(xv.scale))
    assert np.abs(got - 4 * x).max() < 4 * np.abs(x).max() / 127 * 2


def test_lookup_table_holds_the_rounded_function():
    x = RNG.normal(size=(100, 5))
    q = _quantizer(x=x, y=1 / (1 + np.exp(-x)))
    xv = q.input("x", (5,), "x")
    y = q.unary(xv, lambda t: 1 / (1 + np.exp(-t)), "sig", "y")
    node = q.b.nodes[-1]
    t = np.arange(node.attrs["x_lo"], node.attrs["x_lo"] + node.consts["table"].size)
    want = np.clip(np.floor(1 / (1 + np.exp(-t * float(xv.scale))) / float(y.scale) + 0.5),
                   -128, 127)
    assert np.array_equal(node.consts["table"], want)


def test_softmax_outputs_a_distribution_scaled_by_qmax():
    """Output at lookup_bits (12 by default: 0..2047), finer than the 8-bit activations."""
    x = RNG.normal(size=(30, 7)) * 3
    e = np.exp(x - x.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    q = _quantizer(x=x, p=p)
    xv = q.input("x", (7,), "x")
    y = q.softmax(xv, [0], "softmax", "p")
    assert (y.lo, y.hi) == (0, 2047)
    got = _run(q, y, x, float(xv.scale))
    assert np.abs(got - p).max() < 0.03
    assert np.all(np.abs(got.sum(1) - 1) < 0.01)


@pytest.mark.parametrize("SEED", [0, 1, 2])
def test_masked_softmax_gives_masked_entries_exactly_zero(SEED):
    """keep = 0 entries (an attention mask's −inf) drop out: exact zeros, the kept ones a
    distribution over themselves, whatever the masked inputs hold (even the largest values);
    a row that keeps nothing is all zeros."""
    x = np.random.default_rng(SEED).normal(size=(30, 7)) * 3
    keep = (np.arange(7) < 4).astype(np.int64)  # the first four entries of every row
    xm = np.where(keep == 1, x, -np.inf)
    e = np.exp(xm - xm.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    q = _quantizer(x=x, p=p)
    xv = q.input("x", (7,), "x")
    y = q.softmax(xv, [0], "softmax", "p", keep=keep)
    x2 = x.copy()
    x2[:, 4:] = 100.0  # masked entries at the top of the range change nothing
    for data in (x, x2):
        got = _run(q, y, data, float(xv.scale))
        assert np.all(got[:, 4:] == 0)
        assert np.abs(got - p).max() < 0.03  # the 8-bit inputs' rounding, as unmasked
    q2 = _quantizer(x=x, p=p)
    xv2 = q2.input("x", (7,), "x")
    none = _run(q2, q2.softmax(xv2, [0], "softmax", "p", keep=np.zeros(7, np.int64)), x,
                float(xv2.scale))
    assert np.all(none == 0)


def test_bias_out_of_proportion_coarsens_the_weights_instead_of_overflowing():
    x = RNG.normal(size=(10, 3))
    w = np.full((3, 2), 1e-30)
    b = np.array([0.5, -0.25])
    q = _quantizer(x=x, y=x @ w + b)
    node_out = q.linear(q.input("x", (3,), "x"), w, b, "fc", "y")
    node = q.b.nodes[-1]
    assert np.abs(node.consts["b"]).max() <= 2**BIAS_BITS
    assert node_out.hi < 2**62


def test_constant_out_of_proportion_is_a_bound_error_naming_the_layer():
    x = RNG.normal(size=(10, 3))
    q = _quantizer(x=x, y=x + 1e25)
    xv = q.input("x", (3,), "x")
    with pytest.raises(BoundError, match="'add_huge'"):
        q.offset(xv, np.array(1e25), "add_huge", "y")


def test_normalize_matches_layer_norm():
    x = RNG.normal(size=(40, 8)) * 2 + 1
    mu, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    y = (x - mu) / np.sqrt(var + 1e-5)
    q = Quantizer({"x": observe(x), "y": observe(y), "y/var": observe(var),
                   "y/rstd": observe(1 / np.sqrt(var + 1e-5))}, QuantConfig())
    xv = q.input("x", (8,), "x")
    out = q.act(q.normalize(xv, [0], 1e-5, None, None, "ln", "y"), "ln")
    got = _run(q, out, x, float(xv.scale))
    assert np.abs(got - y).max() < 0.03 * np.abs(y).max()
