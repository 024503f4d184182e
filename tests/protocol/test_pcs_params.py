"""The Ligero parameters: the proven bound gives >= 100 bits by default, less with fewer queries."""

from __future__ import annotations

import math

import pytest

from tensorproof.field.params import P
from tensorproof.verifier.pcs import (
    DEFAULT_BLOWUP,
    DEFAULT_N_QUERIES,
    MAX_N_VARS,
    TARGET_SECURITY_BITS,
    LigeroParams,
    matrix_shape,
    security_bits,
)


@pytest.mark.parametrize("k", [2, 3])
def test_defaults_reach_target(k):
    assert security_bits(LigeroParams(k=k)) >= TARGET_SECURITY_BITS
    for n in range(MAX_N_VARS + 1):
        assert security_bits(LigeroParams(k=k), n_vars=n) >= TARGET_SECURITY_BITS


@pytest.mark.parametrize("k", [2, 3])
def test_default_query_count_is_minimal(k):
    fewer = LigeroParams(n_queries=DEFAULT_N_QUERIES - 1, k=k)
    assert security_bits(fewer) < TARGET_SECURITY_BITS


def test_fewer_queries_give_less_security():
    bits = [security_bits(LigeroParams(n_queries=t)) for t in (40, 80, 160, 241)]
    assert bits == sorted(bits) and bits[0] < bits[-1]


def test_bound_matches_closed_form_for_blowup_4():
    """Blowup 4: e = C exactly, so the bound is (C + 1)/p^k + (3/4)^t."""
    params = LigeroParams()
    b = matrix_shape(20, params)[1]
    eps = ((1 << b) + 1) / float(P) ** 2 + 0.75**DEFAULT_N_QUERIES
    assert security_bits(params, n_vars=20) == pytest.approx(-math.log2(eps))


def test_rate_half_needs_more_queries():
    """Blowup 2 (relative distance ~1/2, e/N ~ 1/6) is weaker at the same t; tiny rows give 0."""
    half = LigeroParams(blowup=2)
    assert security_bits(half, n_vars=20) < security_bits(LigeroParams(), n_vars=20)
    assert security_bits(half) == 0.0  # 1-column rows: d = 2, no e with 3e < d except 0


def test_field_term_stays_small():
    """The (e+1)/|K| term would cap K2 near 98 bits for 2^30-symbol rows; the shapes chosen keep
    rows short enough that it stays below 2^-107 for every supported size."""
    longest = max(matrix_shape(n, LigeroParams())[1] for n in range(MAX_N_VARS + 1))
    assert ((1 << longest) + 1) / float(P) ** 2 < 2.0**-107
    assert security_bits(LigeroParams(n_queries=2000)) < 108  # the field term dominates


def test_matrix_shapes_cover_the_table():
    params = LigeroParams()
    for n in range(MAX_N_VARS + 1):
        a, b = matrix_shape(n, params)
        assert a + b == n and a >= 0 and b >= 0
    assert params.blowup == DEFAULT_BLOWUP


@pytest.mark.parametrize("kwargs", [{"blowup": 3}, {"blowup": 1}, {"n_queries": 0}, {"k": 4}])
def test_bad_params_rejected(kwargs):
    with pytest.raises(ValueError):
        LigeroParams(**kwargs)
