"""Constant tails of a sumcheck's large tables, summed in closed form (prover only).

Many tables end in a long run of one value: the packed commitment vectors in zeros, a LogUp
tree's leaves in its padding (numerator 0, denominator gamma: the combined tree of the
zero-knowledge lookups is half padding when its table is smaller than its witness). A pair
(2y, 2y + 1) inside such a run has lo = hi = the fill, so it adds g(fills) weight(y) to the
round's sum at every t (weight: 1, the sum being s_i(t); or the eq factor's table, the sum
being Gruen's q_i(t), which ``sumcheck._EqFactor`` then multiplies by alpha_i eq(z_i, t)) and
folds to the fills again, whatever r_i. The rounds can therefore run on each table's live
prefix and add g(fills) times the weight's sum over the tail pairs: the same round values, so
the same proof bytes, for work proportional to the live prefixes.

Tables are grouped into *parts*, the sets of tables that terms join: the terms of different
parts are summed apart, each part over its own prefix (a masked sumcheck's last variable is
split into two halves, ``zk_sumcheck.split_last_variable``, whose terms never mix: the LogUp
tree's witness half and its table half have their own tails). A part's prefix is its tables'
longest live prefix, rounded up to an even length (at least 2), and halves (rounded up to even
again) with every fold; entries past a table's own live end inside its part's prefix are its
fill, so they are summed like the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..field.scalar import ExtField
from ..field.vec import VecField
from ..poly.mle import as_ext
from ..verifier.sumcheck import Terms, evaluate_terms

SCAN_BLOCK = 4096
"""Entries compared per step of the backward scan for a table's tail (doubling each step)."""


def fill_end(T: np.ndarray) -> int:
    """1 + the index of the last entry of ``T`` (an F or K table) that differs from its last
    entry, 0 if every entry equals it: blocks scanned from the end, doubling, column by column
    (a broadcast comparison of K rows is several times slower)."""
    cols = T.reshape(len(T), -1)
    last = cols[-1]
    end, step = len(T), SCAN_BLOCK
    while end > 0:
        start = max(0, end - step)
        same = [cols[start:end, c] == last[c] for c in range(cols.shape[1])]
        if not all(s.all() for s in same):
            differs = ~np.logical_and.reduce(same)
            return start + int(np.flatnonzero(differs)[-1]) + 1
        end, step = start, 2 * step
    return 0


def live_prefix(tables: Sequence[np.ndarray]) -> int:
    """The even prefix (at least 2 entries, at most the tables' length) past which each of
    ``tables`` (of one length) is its own fill: the longest ``fill_end``, rounded up."""
    n = len(tables[0])
    live = max(fill_end(T) for T in tables)
    return min(n, max(2, live + live % 2))


@dataclass
class Part:
    """Terms (indices into the sumcheck's terms) over tables of one prefix length ``live``;
    ``g`` = sum of those terms at the tables' fills (K), or 0 where the part has no tail
    (``live`` the whole table, or tails not taken)."""

    terms: list[int]
    live: int
    g: tuple


class Tails:
    """The parts of one sumcheck's tables and their fills (module docstring)."""

    def __init__(self, ext: ExtField, tables: Sequence[np.ndarray], terms: Terms,
                 trim: bool) -> None:
        """``trim`` False: one part, the whole tables (the reference path, no tails)."""
        n = len(tables[0])
        self.ext = ext
        self.part_of = [0] * len(tables)
        self.fills: list[tuple] = []  # read only to pad a trimmed table
        if not trim:
            self.parts = [Part(list(range(len(terms))), n, ext.zero())]
            return
        self.fills = [as_ext(ext, int(T[-1]) if T.ndim == 1 else tuple(int(c) for c in T[-1]))
                      for T in tables]
        self.parts = []
        for tabs in _joined(len(tables), terms):
            idx = [t for t, (_, s) in enumerate(terms) if s[0] in tabs]
            live = live_prefix([tables[j] for j in tabs])
            g = evaluate_terms(ext, [terms[t] for t in idx], self.fills) if live < n \
                else ext.zero()
            for j in tabs:
                self.part_of[j] = len(self.parts)
            self.parts.append(Part(idx, live, g))

    def live(self, j: int) -> int:
        """The prefix length table ``j`` is kept at."""
        return self.parts[self.part_of[j]].live

    def trimmed(self, tables: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each table cut to its part's prefix."""
        return [T[: self.live(j)] for j, T in enumerate(tables)]

    def padded(self, j: int, T: np.ndarray, n: int) -> np.ndarray:
        """Table ``j`` (a prefix) followed by its fill up to length n."""
        if len(T) >= n:
            return T
        out = np.empty((n, *T.shape[1:]), dtype=np.uint64)
        out[: len(T)] = T
        out[len(T):] = self.fills[j][0] if T.ndim == 1 else np.asarray(self.fills[j], np.uint64)
        return out

    def line_parts(self, vf: VecField, size: int, weight: np.ndarray | None) -> list:
        """[(term indices, half length, tail or None)] of a round over tables of nominal
        length ``size``, for the parts with terms (a table in no term is only folded): the
        tail is g(fills) times the weight's sum over the tail pairs (their count without a
        weight); None when the part has no tail or g(fills) = 0."""
        ext, out = self.ext, []
        for p in self.parts:
            if not p.terms:
                continue
            half = p.live // 2
            tail = None
            if p.live < size and not ext.is_zero(p.g):
                s = (as_ext(ext, (size // 2 - half)) if weight is None
                     else as_ext(ext, vf.sum(weight[half : size // 2])))
                tail = ext.mul(p.g, s)
            out.append((p.terms, half, tail))
        return out

    def fold(self, size: int) -> None:
        """After a round over tables of nominal length ``size``: each part's prefix halves
        (even, at least 2; 1 once the tables have one entry)."""
        for p in self.parts:
            half = p.live // 2
            p.live = min(size // 2, max(2, half + half % 2)) if size > 2 else 1


def _joined(m: int, terms: Terms) -> list[set[int]]:
    """The sets of tables that terms join (a table in no term: a set of its own)."""
    parent = list(range(m))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, s in terms:
        for j in s[1:]:
            parent[find(j)] = find(s[0])
    groups: dict[int, set[int]] = {}
    for j in range(m):
        groups.setdefault(find(j), set()).add(j)
    return list(groups.values())
