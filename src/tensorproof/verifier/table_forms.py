"""Public columns as piecewise-affine segments, and their MLEs in O(#segments · n).

A column over the rows [0, N) is a list of segments (start s, length ℓ, a, b) meaning
value(x) = a + b·(x − s) for s ≤ x < s + ℓ (a, b signed integers, read in F mod p). Lookup
tables are mostly such columns: a range table [0, 2^w) is one segment, a clamp table
(t, clip(t, lo, hi)) one segment for t and at most three for the clipped column, a tag column one
constant segment per table. At a point z ∈ K^n (variable 0 = least significant index bit)
    T~(z) = Σ_x eq(z, x) T(x) = Σ_seg (a − b s)·(P0(s + ℓ) − P0(s)) + b·(P1(s + ℓ) − P1(s)),
with the prefix sums P0(m) = Σ_{x<m} eq(z, x) and P1(m) = Σ_{x<m} x·eq(z, x).

Prefix sums of a product weight. For per-bit weights w_i(0) = lo_i, w_i(1) = hi_i and
w(x) = Π_i w_i(x_i), the sums over the whole cube of the low i variables are
    F0_0 = 1, F1_0 = 0,  F0_{i+1} = F0_i (lo_i + hi_i),
    F1_{i+1} = F1_i (lo_i + hi_i) + 2^i hi_i F0_i
(x = x' + 2^i x_i). The prefix [0, m) with m < 2^n splits, along the set bits i of m from the
top, into the cubes {x: x's bits above i equal m's, x_i = 0, bits below i free}; with μ the
product of the weights of m's bits above i and B their value,
    S0(m) = Σ_{i: m_i = 1} μ_i lo_i F0_i,   S1(m) = Σ_{i: m_i = 1} μ_i lo_i (B_i F0_i + F1_i):
O(n) field operations per prefix (``prefix_indicator`` in layout.py is the case S0 with eq
weights). With eq weights (lo = 1 − z_i, hi = z_i) F0_i = 1 and F1_i = Σ_{j<i} 2^j z_j.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..field.params import P
from ..field.scalar import ExtField
from ..poly.mle import as_ext

VALUE_BOUND = 1 << 62
"""Columns hold |value| < 2^62, so that every difference of two values fits in int64."""


class Segment(NamedTuple):
    """Rows [start, start + length) with value a + b·(x − start)."""

    start: int
    length: int
    a: int
    b: int


def segments(column: np.ndarray) -> tuple[Segment, ...]:
    """The fewest segments describing `column` (greedy from row 0, each segment maximal).

    Runs of equal differences d_i = c_{i+1} − c_i: a segment starting inside run k covers the
    rest of it and ends at its last row, so the next segment starts one row after run k's end,
    i.e. at run k+1's start + 1: inside run k+1 when it has ≥ 2 differences, else at the start
    of run k+2. Hence run k holds a segment start iff k = 0, its length is ≥ 2, or run k−1 holds
    none: after a forced run, the runs of length 1 alternate (none, start, none, …).
    """
    c = np.asarray(column, dtype=np.int64)
    if c.ndim != 1:
        raise ValueError("a column must be one-dimensional")
    n = len(c)
    if n == 0:
        return ()
    if int(c.min()) <= -VALUE_BOUND or int(c.max()) >= VALUE_BOUND:
        raise ValueError("column values must lie in (-2^62, 2^62) for segments")
    if n == 1:
        return (Segment(0, 1, int(c[0]), 0),)
    d = np.diff(c)
    run_start = np.flatnonzero(np.concatenate(([True], d[1:] != d[:-1])))
    run_len = np.diff(np.append(run_start, len(d)))
    k = np.arange(len(run_start))
    forced = run_len >= 2
    forced[0] = True
    last_forced = np.maximum.accumulate(np.where(forced, k, 0))
    holds = forced | ((k - last_forced) % 2 == 0)
    starts = np.concatenate(([0], run_start[1:][holds[:-1]] + 1)).astype(np.int64)
    lengths = np.diff(np.append(starts, n))
    slopes = np.where(lengths > 1, d[np.minimum(starts, n - 2)], 0)
    return tuple(Segment(*row) for row in zip(starts.tolist(), lengths.tolist(),
                                               c[starts].tolist(), slopes.tolist()))


def expand(segs, n: int) -> np.ndarray:
    """The column of length n the segments describe (rows no segment covers are 0)."""
    out = np.zeros(n, dtype=np.int64)
    for s in segs:
        out[s.start : s.start + s.length] = s.a + s.b * np.arange(s.length, dtype=np.int64)
    return out


class PrefixSums:
    """S0(m) = Σ_{x<m} w(x) and S1(m) = Σ_{x<m} x·w(x) over [0, 2^n), w(x) = Π_i w_i(x_i)
    with w_i(0) = lo[i], w_i(1) = hi[i] (K elements; see the module doc). O(n) per query."""

    def __init__(self, ext: ExtField, lo, hi):
        if len(lo) != len(hi):
            raise ValueError("lo and hi must have one weight per variable")
        self.ext, self.lo, self.hi = ext, list(lo), list(hi)
        f0, f1 = [ext.one], [ext.zero]
        for i, (lo_i, hi_i) in enumerate(zip(self.lo, self.hi)):
            total = ext.add(lo_i, hi_i)
            f1.append(ext.add(ext.mul(f1[i], total), ext.mul_base(ext.mul(hi_i, f0[i]),
                                                                  pow(2, i, P))))
            f0.append(ext.mul(f0[i], total))
        self.f0, self.f1 = f0, f1
        self._memo: dict[int, tuple] = {}

    def __call__(self, m: int) -> tuple:
        """(S0(m), S1(m)) for 0 ≤ m ≤ 2^n."""
        n, ext = len(self.lo), self.ext
        if not 0 <= m <= 1 << n:
            raise ValueError(f"prefix {m} outside [0, 2^{n}]")
        if m == 1 << n:
            return self.f0[n], self.f1[n]
        if m in self._memo:
            return self._memo[m]
        s0, s1, mu, high = ext.zero, ext.zero, ext.one, 0
        for i in reversed(range(n)):
            if (m >> i) & 1:
                t = ext.mul(mu, self.lo[i])
                s0 = ext.add(s0, ext.mul(t, self.f0[i]))
                s1 = ext.add(s1, ext.mul(t, ext.add(ext.mul_base(self.f0[i], high % P),
                                                    self.f1[i])))
                mu, high = ext.mul(mu, self.hi[i]), high + (1 << i)
            else:
                mu = ext.mul(mu, self.lo[i])
        self._memo[m] = (s0, s1)
        return s0, s1


def eq_prefix_sums(ext: ExtField, z) -> PrefixSums:
    """Prefix sums of eq(z, ·): S0(m) = Σ_{x<m} eq(z, x), S1(m) = Σ_{x<m} x·eq(z, x)."""
    return PrefixSums(ext, [ext.sub(ext.one, zi) for zi in z], list(z))


def segments_mle(ext: ExtField, segs, sums: PrefixSums):
    """Σ_seg Σ_{x in seg} eq(z, x)(a + b(x − s)) with `sums` = eq_prefix_sums(ext, z)."""
    acc = ext.zero
    for s in segs:
        p0, p1 = sums(s.start)
        q0, q1 = sums(s.start + s.length)
        const = (s.a - s.b * s.start) % P
        acc = ext.add(acc, ext.mul_base(ext.sub(q0, p0), const))
        if s.b:
            acc = ext.add(acc, ext.mul_base(ext.sub(q1, p1), s.b % P))
    return tuple(acc)


def columns_mle(ext: ExtField, columns, point) -> list:
    """MLEs at `point` of columns given as segments (one prefix-sum table shared by all)."""
    sums = eq_prefix_sums(ext, [as_ext(ext, z) for z in point])
    return [segments_mle(ext, segs, sums) for segs in columns]
