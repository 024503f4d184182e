"""Lookup tables as piecewise-affine segments (verifier/table_forms.py): segment detection
round-trips and is greedy-minimal, the prefix sums match their definition, and the closed-form
MLE of a segmented column equals the numpy eq-table inner product (``lookups.table_mle_dense``)
at random K points, for k = 2 and 3; columns of many segments or huge values are committed."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import from_signed
from tensorproof.poly.mle import eq_eval_index
from tensorproof.verifier import evaluations, lookups, table_forms
from tensorproof.verifier.layers.requant import clamp_table
from tensorproof.verifier.lookups import LookupUse, TableSpec, range_table
from tensorproof.verifier.table_forms import Segment, expand, segments


def greedy_reference(col: list[int]) -> list[tuple[int, int, int, int]]:
    """Segments by the definition: from row 0, extend each one while the difference repeats."""
    out, s, n = [], 0, len(col)
    while s < n:
        if s == n - 1:
            out.append((s, 1, col[s], 0))
            break
        b, e = col[s + 1] - col[s], s + 1
        while e + 1 < n and col[e + 1] - col[e] == b:
            e += 1
        out.append((s, e - s + 1, col[s], b))
        s = e + 1
    return out


def affine_pieces(rng: np.random.Generator, n: int) -> np.ndarray:
    """A column made of random affine pieces (lengths 1..12, slopes in -3..3)."""
    parts, left = [], n
    while left > 0:
        ln = min(left, int(rng.integers(1, 13)))
        parts.append(int(rng.integers(-50, 50)) + int(rng.integers(-3, 4)) * np.arange(ln))
        left -= ln
    return np.concatenate(parts).astype(np.int64)


def columns(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(-40, 41, dtype=np.int64)
    return [
        np.arange(1 << 6, dtype=np.int64),  # range
        t, np.clip(t, -7, 12),  # clamp
        np.full(13, 5, dtype=np.int64),
        np.array([9], dtype=np.int64),  # single row
        np.array([3, -4], dtype=np.int64),
        affine_pieces(rng, 200),
        rng.integers(-3, 3, 97),  # arbitrary (many equal neighbours)
        rng.integers(-(1 << 40), 1 << 40, 64),  # arbitrary, large values
        np.concatenate([np.arange(10), np.full(6, 0)]).astype(np.int64),  # padded by row 0
    ]


@pytest.mark.parametrize("seed", range(4))
def test_segments_round_trip_and_are_greedy(seed):
    for col in columns(seed):
        segs = segments(col)
        assert all(isinstance(s, Segment) for s in segs)
        assert np.array_equal(expand(segs, len(col)), col)
        assert [tuple(s) for s in segs] == greedy_reference(col.tolist())
        assert all(s.b == 0 for s in segs if s.length == 1)


def test_segments_of_typical_tables():
    assert segments(np.arange(256)) == (Segment(0, 256, 0, 1),)
    t = np.arange(-1024, 1024)
    assert len(segments(t)) == 1
    assert segments(np.clip(t, -128, 127)) == (Segment(0, 897, -128, 0),
                                                Segment(897, 255, -127, 1),
                                                Segment(1152, 896, 127, 0))
    assert segments(np.zeros(0, dtype=np.int64)) == ()
    with pytest.raises(ValueError):
        segments(np.array([0, 1 << 62]))


def test_prefix_sums_match_definition():
    ext, rng = ext_field(2), random.Random(7)
    for n in range(5):
        lo = [ext.random(rng) for _ in range(n)]
        hi = [ext.random(rng) for _ in range(n)]
        sums = table_forms.PrefixSums(ext, lo, hi)
        w = []
        for x in range(1 << n):
            acc = ext.one
            for i in range(n):
                acc = ext.mul(acc, hi[i] if (x >> i) & 1 else lo[i])
            w.append(acc)
        s0, s1 = ext.zero, ext.zero
        for m in range((1 << n) + 1):
            assert sums(m) == (s0, s1)
            if m < 1 << n:
                s0, s1 = ext.add(s0, w[m]), ext.add(s1, ext.mul_base(w[m], m))


def dense_mle(ext, col: np.ndarray, point) -> tuple:
    eq = evaluations.eq_table(ext.k, point)
    return evaluations.inner_base(eq, from_signed(col))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("seed", range(3))
def test_closed_form_equals_eq_table(k, seed):
    ext, rng = ext_field(k), random.Random(seed)
    for col in columns(seed):
        n = max(len(col) - 1, 0).bit_length()
        padded = np.concatenate([col, np.full((1 << n) - len(col), col[0])])
        for _ in range(3):
            point = [ext.random(rng) for _ in range(n)]
            (got,) = table_forms.columns_mle(ext, [segments(padded)], point)
            assert got == dense_mle(ext, padded, point)


def test_closed_form_at_boolean_points_reads_rows():
    ext = ext_field(2)
    col = np.array([4, 5, 6, -1, -1, -3, 7, 7], dtype=np.int64)
    for x in range(8):
        point = [ext.from_base((x >> i) & 1) for i in range(3)]
        (got,) = table_forms.columns_mle(ext, [segments(col)], point)
        assert got == ext.from_base(int(col[x]) % P)
        assert eq_eval_index(ext, point, x) == ext.one


def lookup_table(name: str, rng: np.random.Generator, rows: int) -> TableSpec:
    x = np.arange(-rows // 2, rows - rows // 2, dtype=np.int64)
    return TableSpec(name, (x, rng.integers(-128, 128, rows)))


def use_sets(seed: int) -> list[list[LookupUse]]:
    rng = np.random.default_rng(seed)
    one_row = TableSpec("one row", (np.array([-5], dtype=np.int64),))
    return [
        [LookupUse(range_table(8), ("a",))],
        [LookupUse(range_table(3), ("a",)), LookupUse(clamp_table(-128, 127), ("b", "c")),
         LookupUse(range_table(7), ("d",)), LookupUse(clamp_table(0, 127), ("e", "f"))],
        [LookupUse(one_row, ("a",))],
        [LookupUse(one_row, ("a",)), LookupUse(range_table(1), ("b",))],
        [LookupUse(lookup_table("sigmoid-like", rng, 300), ("a", "b")),
         LookupUse(range_table(4), ("c",))],  # many segments: the eq-table route
        [LookupUse(TableSpec("pieces", (np.arange(90), affine_pieces(rng, 90))), ("a", "b")),
         LookupUse(range_table(10), ("c",))],
    ]


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("seed", range(3))
def test_table_mle_equals_dense_route(k, seed):
    ext, rng = ext_field(k), random.Random(seed)
    for uses in use_sets(seed):
        cols = lookups.combined_table(uses)
        segs = lookups.combined_segments(uses)
        assert segs is not None
        for c, s in zip(cols, segs):
            assert np.array_equal(expand(s, len(c)), c)
        n = max(len(cols[0]) - 1, 0).bit_length()
        point = [ext.random(rng) for _ in range(n)]
        dense = lookups.table_mle_dense(ext, uses, point)
        assert table_forms.columns_mle(ext, segs, point) == dense
        assert [lookups.column_mle_dense(ext, c, point) for c in cols] == dense


def test_combined_segments_of_range_and_clamp_tables():
    uses = [LookupUse(range_table(8), ("a",)), LookupUse(clamp_table(-128, 127), ("b", "c"))]
    tag, first, second = lookups.combined_segments(uses)
    n_tables = len(lookups.tables_of(uses))
    assert len(tag) <= n_tables + 1 and len(first) <= 3 and len(second) <= 5


def test_range_and_clamp_columns_stay_in_closed_form():
    """Few segments: the verifier evaluates them (lookups.table_columns_at), nothing is
    committed with the weights."""
    uses = [LookupUse(range_table(10), ("a",)), LookupUse(clamp_table(-128, 127), ("b", "c"))]
    segs = lookups.column_segments(uses)
    assert max(len(s) for s in segs) <= lookups.INLINE_SEGMENTS
    assert lookups.committed_columns(uses) == ()


def test_huge_values_are_committed_with_the_weights():
    """A value segments cannot hold (|v| >= 2^62): that column is committed, not evaluated."""
    huge = TableSpec("huge", (np.array([0, 1 << 62, 5], dtype=np.int64),))
    uses = [LookupUse(huge, ("a",))]
    assert lookups.combined_segments(uses) is None
    assert lookups.column_segments(uses)[1] is None
    assert lookups.committed_columns(uses) == (1,)
