"""Round polynomials: interpolation from values at 0..d agrees with direct evaluation."""

from __future__ import annotations

import doctest
import random

import numpy as np
import pytest

import tensorproof.poly.univariate as univariate_module
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.poly.univariate import (
    coefficients,
    extrapolation_weights,
    interpolate_eval,
    lagrange_weights,
)


def horner(ext, coeffs, x):
    acc = ext.zero()
    for c in reversed(coeffs):
        acc = ext.add(ext.mul(acc, x), c)
    return acc


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("d", [0, 1, 2, 3, 5, 8])
def test_interpolation_matches_horner(k, d):
    rng = np.random.default_rng(100 * k + d)
    ext = ext_field(k)
    coeffs = [ext.random(rng) for _ in range(d + 1)]
    evals = [horner(ext, coeffs, ext.from_base(i)) for i in range(d + 1)]
    for _ in range(3):
        r = ext.random(rng)
        assert interpolate_eval(ext, evals, r) == horner(ext, coeffs, r)


@pytest.mark.parametrize("d", [1, 3, 4])
def test_interpolation_at_nodes_returns_the_values(d):
    rng = np.random.default_rng(d)
    ext = ext_field(2)
    evals = [ext.random(rng) for _ in range(d + 1)]
    for i in range(d + 1):
        assert interpolate_eval(ext, evals, ext.from_base(i)) == evals[i]
        assert interpolate_eval(ext, evals, i) == evals[i]


def test_base_field_inputs_are_lifted():
    ext = ext_field(3)
    assert interpolate_eval(ext, [1, 2, 5], 3) == ext.from_base(10)  # x^2 + 1
    assert interpolate_eval(ext, [1, 2, 5], P - 1) == ext.from_base(2)  # at x = -1


@pytest.mark.parametrize("d", range(0, 9))
def test_weights_invert_the_node_products(d):
    for i, w in enumerate(lagrange_weights(d)):
        denom = 1
        for j in range(d + 1):
            if j != i:
                denom = denom * (i - j) % P
        assert denom * w % P == 1


def test_empty_evaluations_rejected():
    with pytest.raises(ValueError):
        interpolate_eval(ext_field(2), [], 1)


def test_module_doctest():
    assert doctest.testmod(univariate_module).failed == 0


@pytest.mark.parametrize("d", range(0, 7))
def test_monomial_matrix_recovers_coefficients(d):
    rng = np.random.default_rng(50 + d)
    ext = ext_field(3)
    coeffs = [ext.random(rng) for _ in range(d + 1)]
    evals = [horner(ext, coeffs, ext.from_base(i)) for i in range(d + 1)]
    assert coefficients(ext, evals) == coeffs


@pytest.mark.parametrize("d", [1, 2, 3, 6])
def test_extrapolation_weights_give_the_next_value(d):
    """q(d) = sum_i u_i q(i) for a random q of degree d - 1."""
    rng = random.Random(d)
    coeffs = [rng.randrange(P) for _ in range(d)]
    q = [sum(c * pow(x, j, P) for j, c in enumerate(coeffs)) % P for x in range(d + 1)]
    assert sum(u * v for u, v in zip(extrapolation_weights(d), q)) % P == q[d]
