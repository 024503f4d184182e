"""The WHIR prover's weight table and point evaluation (prover/pcs/whir._weight, _mle): a
point whose last coordinates are Boolean is computed on the block they select only, which must
equal the definition sum_l c_l eq(p_l, x) (and T~(p)) entry by entry, whatever the suffix."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import eq_table, evaluate
from tensorproof.prover.pcs.whir import _mle, _weight

K = 3


def _points(rng, n):
    """Points of n K coordinates: generic, all Boolean, zero-padded, a slot's bits after free
    coordinates, a 1 after zeros (the suffix stops at a non-Boolean value)."""
    def kel():
        return rng.integers(0, P, K, dtype=np.uint64)

    zero, one = np.zeros(K, np.uint64), np.array([1, 0, 0], np.uint64)
    shapes = [[kel() for _ in range(n)],
              [one if b else zero for b in rng.integers(0, 2, n)],
              [kel() for _ in range(n - 3)] + [zero] * 3,
              [kel() for _ in range(2)] + [one, zero, one] + [zero] * (n - 5),
              [kel(), zero, kel()] + [one] * (n - 3),
              [np.array([1, 1, 0], np.uint64)] + [zero] * (n - 1)]  # (1, 1, 0) is not Boolean
    return np.array(shapes, dtype=np.uint64)


@pytest.mark.parametrize("seed", range(3))
def test_weight_and_mle_match_the_definition(seed):
    rng = np.random.default_rng(seed)
    kv, n = vec_field(K), 7
    pts = _points(rng, n)
    coefs = rng.integers(0, P, (len(pts), K), dtype=np.uint64)
    want = kv.zeros(1 << n)
    for c, p in zip(kv.to_scalars(coefs), pts):
        want = kv.add(want, eq_table(kv, kv.to_scalars(p), scale=c))
    np.testing.assert_array_equal(_weight(kv, coefs, pts), want)
    table = rng.integers(0, P, (1 << n, K), dtype=np.uint64)
    for p in pts:
        assert _mle(kv, table, p) == tuple(evaluate(kv, table, kv.to_scalars(p)))
