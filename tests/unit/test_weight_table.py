"""The merge's weight table (prover/merge.weight_table): w = sum_i a_i eq(z_i, .) on each claim's
region, built claim by claim for large tables and all at once for small ones (mask slots,
packed scalars), checked against the definition entry by entry."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import eq_eval_index
from tensorproof.prover import merge
from tensorproof.verifier.claims import EvalClaim


def _claims(rng, n, count, k):
    """Random claims on random (often overlapping) regions, their points ending in Boolean
    coordinates as a slot's do; plus one on the whole table and one on a single entry."""
    def kel():
        return tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64))

    claims, powers, regions = [], [], []
    for _ in range(count):
        size_vars = int(rng.integers(0, n - 1))
        free = int(rng.integers(0, size_vars + 1))
        offset = int(rng.integers(0, (1 << n) - (1 << size_vars) + 1))
        bits = rng.integers(0, 2, size_vars - free)
        point = [kel() for _ in range(free)] + [int(b) for b in bits]
        claims.append(EvalClaim(point, (0,) * k))
        powers.append(kel())
        regions.append((offset, 1 << size_vars))
    claims += [EvalClaim([kel() for _ in range(n)], (0,) * k), EvalClaim([], (0,) * k)]
    powers += [kel(), kel()]
    regions += [(0, 1 << n), (3, 1)]
    return claims, powers, regions


def _definition(ext, n, claims, powers, regions):
    w = [ext.zero() for _ in range(1 << n)]
    for c, a, (offset, size) in zip(claims, powers, regions):
        for y in range(size):
            w[offset + y] = ext.add(w[offset + y], ext.mul(a, eq_eval_index(ext, c.point, y)))
    return np.array(w, dtype=np.uint64)


@pytest.mark.parametrize("k", [2, 3])
def test_batched_and_single_claims_give_the_definition(k, monkeypatch):
    rng = np.random.default_rng(k)
    n = 7
    claims, powers, regions = _claims(rng, n, 60, k)
    vf, ext = vec_field(k), ext_field(k)
    want = _definition(ext, n, claims, powers, regions)
    assert np.array_equal(merge.weight_table(vf, n, claims, powers, regions), want)
    monkeypatch.setattr(merge, "BATCH_VARS", -1)  # every claim alone
    assert np.array_equal(merge.weight_table(vf, n, claims, powers, regions), want)
    monkeypatch.setattr(merge, "BATCH_VARS", n)  # every claim batched
    assert np.array_equal(merge.weight_table(vf, n, claims, powers, regions), want)


def test_claims_on_one_slot_add_up():
    """Several claims on the same block (a pass per repetition) all count."""
    vf, ext = vec_field(2), ext_field(2)
    point = [(5, 1), 1]
    claims = [EvalClaim(point, (0, 0))] * 3
    powers = [(1, 0), (2, 0), (3, 4)]
    regions = [(4, 4)] * 3
    got = merge.weight_table(vf, 4, claims, powers, regions)
    assert np.array_equal(got, _definition(ext, 4, claims, powers, regions))
    assert not got[:6].any() and not got[8:].any() and got[6:8].any()
