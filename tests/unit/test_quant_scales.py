"""Quantization arithmetic: requant multipliers, rounding, per-channel weights, calibration."""

from __future__ import annotations

from fractions import Fraction
from math import floor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorproof.errors import BoundError, CompileError
from tensorproof.ir import ACC_LIMIT, IntGraph, Node, TensorSpec
from tensorproof.quant import QuantConfig, execute, observe
from tensorproof.quant.calibrate import act_scale
from tensorproof.quant.scales import (
    MULT_BITS,
    quantize_multiplier,
    quantize_per_channel,
    round_half_up,
)


@given(st.floats(1e-9, 1e6), st.integers(1, 2**30))
@settings(max_examples=200, deadline=None)
def test_multiplier_is_precise_and_within_the_accumulator_bound(m, x_absmax):
    mult, shift = quantize_multiplier(np.array([m]), x_absmax, "layer")
    assert shift >= 1
    assert x_absmax * abs(int(mult[0])) + (1 << shift) < ACC_LIMIT
    approx = int(mult[0]) / 2**shift
    if int(mult[0]) >= 2 ** (MULT_BITS - 1):  # full precision was affordable
        assert abs(approx - m) <= m * 2.0 ** -(MULT_BITS - 1)


def test_multiplier_loses_bits_rather_than_overflowing():
    mult, shift = quantize_multiplier(np.array([1.0]), 2**55, "wide")
    assert 2**55 * int(mult[0]) + (1 << shift) < ACC_LIMIT
    assert int(mult[0]) == 1 << shift  # 1.0 is still exact


def test_multiplier_that_cannot_fit_is_a_bound_error_naming_the_layer():
    with pytest.raises(BoundError, match="'huge'"):
        quantize_multiplier(np.array([2.0**40]), 2**30, "huge")


def test_per_channel_multipliers_share_one_shift():
    mult, shift = quantize_multiplier(np.array([0.5, 0.001, -0.25]), 1000, "l")
    np.testing.assert_allclose(mult / 2**shift, [0.5, 0.001, -0.25], rtol=2e-3)
    assert mult[2] < 0


def test_round_half_up_on_ties():
    assert round_half_up(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.49])).tolist() == [
        -2, -1, 0, 1, 2, 2]


@given(st.integers(-(2**40), 2**40), st.integers(1, 2**20), st.integers(1, 40))
@settings(max_examples=300, deadline=None)
def test_requant_op_is_exact_round_half_up_then_clamp(x, mult, shift):
    spec = TensorSpec("x", (1,), -(2**40), 2**40)
    lo, hi = -(2**30), 2**30
    node = Node("requant", "rq", ("x",), "y", {"shift": shift, "lo": lo, "hi": hi, "axis": -1},
                {"mult": np.array([mult])})
    g = IntGraph(("x",), ("y",), {"x": spec, "y": TensorSpec("y", (1,), lo, hi)}, [node])
    got = int(execute(g, {"x": np.array([[x]])}, check_ranges=False)["y"][0, 0])
    want = min(max(floor(Fraction(x * mult, 2**shift) + Fraction(1, 2)), lo), hi)
    assert got == want


def test_per_channel_weights_use_their_channel_maximum():
    w = np.array([[0.5, -0.01], [-1.0, 0.02], [0.25, 0.0]])
    q, s = quantize_per_channel(w, 1, 8, "fc")
    assert q[:, 0].tolist() == [64, -127, 32]
    assert np.abs(q[:, 1]).max() == 127
    np.testing.assert_allclose(s, [1.0 / 127, 0.02 / 127])


def test_zero_channel_gets_a_unit_scale():
    q, s = quantize_per_channel(np.zeros((3, 2)), 1, 8, "fc")
    assert not q.any() and s.tolist() == [1.0, 1.0]


def test_minmax_and_percentile_calibration():
    x = np.concatenate([np.linspace(-1, 1, 10001), [50.0]])
    assert observe(x, "minmax").absmax == 50.0
    p = observe(x, "percentile", 99.9)
    assert 0.9 < p.absmax < 1.01 and p.hi <= p.absmax
    assert act_scale(p, 8) == pytest.approx(p.absmax / 127)


def test_calibration_ignores_non_finite_values():
    s = observe(np.array([1.0, -np.inf, np.nan, -3.0]))
    assert (s.lo, s.hi, s.absmax) == (-3.0, 1.0, 3.0)


@pytest.mark.parametrize("kwargs", [{"bits": 1}, {"bits": 17}, {"weight_bits": 20},
                                    {"method": "mean"}, {"percentile": 10.0}])
def test_bad_configuration_is_refused(kwargs):
    with pytest.raises(CompileError):
        QuantConfig(**kwargs)
