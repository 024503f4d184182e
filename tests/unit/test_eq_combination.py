"""evaluations.eq_combination against the definition sum_j c_j eq(p_j, r), one scalar eq at a
time: points with Boolean suffixes of every length (slots, selectors), entirely Boolean or not
at all, shared and distinct prefixes, int and K coordinates."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.poly.mle import alpha_powers, as_ext, eq_eval, power_rows
from tensorproof.verifier import evaluations


@pytest.mark.parametrize("k", [2, 3])
def test_eq_combination_is_the_definition(k):
    rng = np.random.default_rng(k)
    ext = ext_field(k)
    n = 9

    def kel():
        return tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64))

    points, coeffs = [], []
    for j in range(120):
        head = int(rng.integers(0, n + 1))
        bits = [int(b) for b in rng.integers(0, 2, n - head)]
        if j % 3 == 0:  # neighbouring slots: shared high bits
            bits = [(j >> t) & 1 for t in range(n - head)]
        point = [kel() for _ in range(head)] + [b if j % 2 else (b,) + (0,) * (k - 1)
                                                for b in bits]
        if head and j % 5 == 0:  # a Boolean coordinate inside the head
            point[0] = 1
        points.append(point)
        coeffs.append(kel())
    r = [kel() for _ in range(n)]
    want = ext.zero()
    for c, p in zip(coeffs, points):
        want = ext.add(want, ext.mul(c, eq_eval(ext, [as_ext(ext, x) for x in p], r)))
    assert evaluations.eq_combination(k, coeffs, points, r) == want
    assert evaluations.eq_combination(k, coeffs[:1], points[:1], r) == ext.mul(
        coeffs[0], eq_eval(ext, [as_ext(ext, x) for x in points[0]], r))
    assert evaluations.eq_combination(k, [], [], r) == ext.zero()


def test_eq_combination_at_a_point_with_no_coordinates():
    assert evaluations.eq_combination(2, [(3, 4), (5, 6)], [[], []], []) == (8, 10)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("m", [0, 1, 15, 16, 17, 100, 257])
def test_power_rows_are_alpha_powers(k, m):
    """mle.power_rows (blocks of Python powers times one vector product) against the plain
    scalar sequence, across block boundaries."""
    ext = ext_field(k)
    alpha = tuple(int(v) for v in np.random.default_rng(m + k).integers(0, P, size=k,
                                                                         dtype=np.uint64))
    got = power_rows(ext, alpha, m)
    assert got.shape == (m, k) and got.dtype == np.uint64
    assert [tuple(r) for r in got.tolist()] == alpha_powers(ext, alpha, m)
