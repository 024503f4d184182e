"""Guaranteed integer ranges of every op's output, by exact interval arithmetic.

``infer_range(node, input specs) -> (lo, hi, acc)``: every output value lies in [lo, hi], and
every integer the op forms on the way (partial sums of a matrix product, x·mult + 2^(shift−1) in a
requant, a·2^shift + ⌊b/2⌋ in a division) is at most ``acc`` in absolute value. The compiler
declares exactly these ranges; the validator recomputes them for a loaded graph. Arithmetic is
on Python ints (object arrays for per-channel vectors), so nothing here can overflow.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor, prod

import numpy as np

from .graph import Node, TensorSpec
from .ops import fail, reduced_shape

Range = tuple[int, int, int]


def _interval_mul(al: int, ah: int, bl: int, bh: int) -> tuple[int, int]:
    c = (al * bl, al * bh, ah * bl, ah * bh)
    return min(c), max(c)


def _obj(a: np.ndarray) -> np.ndarray:
    """Exact Python-int copy of an int64 array (for products that may exceed int64)."""
    return a.astype(object)


def _dot_range(w: np.ndarray, b: np.ndarray, xl: int, xh: int) -> Range:
    """y_n = Σ_k w[k, n] x_k + b_n with every x_k in [xl, xh]."""
    pos = _obj(np.where(w > 0, w, 0).sum(axis=0))
    neg = _obj(np.where(w < 0, w, 0).sum(axis=0))
    bo = _obj(b)
    hi = pos * xh + neg * xl + bo
    lo = pos * xl + neg * xh + bo
    acc = (pos - neg) * max(abs(xl), abs(xh)) + np.abs(bo)
    return int(lo.min()), int(hi.max()), int(acc.max())


def _padded(x: TensorSpec, pads: tuple[int, ...]) -> tuple[int, int]:
    """Range of a zero-padded input: 0 joins it when any pad is positive."""
    if any(pads):
        return min(x.lo, 0), max(x.hi, 0)
    return x.lo, x.hi


def _linear(n: Node, s: list[TensorSpec]) -> Range:
    return _dot_range(n.consts["W"], n.consts["b"], s[0].lo, s[0].hi)


def _conv2d(n: Node, s: list[TensorSpec]) -> Range:
    w = n.consts["W"]
    xl, xh = _padded(s[0], tuple(n.attrs["pads"]))
    return _dot_range(w.reshape(w.shape[0], -1).T, n.consts["b"], xl, xh)


def _sum_pool2d(n: Node, s: list[TensorSpec]) -> Range:
    k = prod(n.attrs["kernel"])
    xl, xh = _padded(s[0], tuple(n.attrs["pads"]))
    return k * xl, k * xh, k * max(abs(xl), abs(xh))


def requant_bounds(mult: np.ndarray, shift: int, xl: int, xh: int) -> tuple[int, int]:
    """Unclamped range of (x·mult + 2^(shift−1)) >> shift for x in [xl, xh] and any multiplier
    of ``mult`` (the map is monotone in x for each multiplier, of either sign)."""
    m = _obj(np.unique(mult))
    half = 1 << (shift - 1)
    cands = np.concatenate([(m * xl + half) >> shift, (m * xh + half) >> shift])
    return int(cands.min()), int(cands.max())


def _requant(n: Node, s: list[TensorSpec]) -> Range:
    shift, lo, hi = n.attrs["shift"], n.attrs["lo"], n.attrs["hi"]
    rl, rh = requant_bounds(n.consts["mult"], shift, s[0].lo, s[0].hi)
    acc = s[0].absmax * int(np.abs(n.consts["mult"]).max()) + (1 << shift)
    return min(max(rl, lo), hi), max(min(rh, hi), lo), acc


def _lookup(n: Node, s: list[TensorSpec]) -> Range:
    table, x_lo = n.consts["table"], n.attrs["x_lo"]
    if s[0].lo < x_lo or s[0].hi > x_lo + table.shape[0] - 1:
        raise fail(n, f"input range [{s[0].lo}, {s[0].hi}] is not inside the table's domain "
                      f"[{x_lo}, {x_lo + table.shape[0] - 1}]")
    reach = table[s[0].lo - x_lo : s[0].hi - x_lo + 1]
    lo, hi = int(reach.min()), int(reach.max())
    return lo, hi, max(abs(lo), abs(hi))


def _add(n: Node, s: list[TensorSpec]) -> Range:
    lo, hi = s[0].lo + s[1].lo, s[0].hi + s[1].hi
    return lo, hi, max(abs(lo), abs(hi))


def _add_const(n: Node, s: list[TensorSpec]) -> Range:
    c = n.consts["c"]
    lo, hi = s[0].lo + int(c.min()), s[0].hi + int(c.max())
    return lo, hi, max(abs(lo), abs(hi))


def _mul(n: Node, s: list[TensorSpec]) -> Range:
    lo, hi = _interval_mul(s[0].lo, s[0].hi, s[1].lo, s[1].hi)
    return lo, hi, max(abs(lo), abs(hi))


def _mul_const(n: Node, s: list[TensorSpec]) -> Range:
    c = n.consts["c"]
    lo, hi = _interval_mul(s[0].lo, s[0].hi, int(c.min()), int(c.max()))
    return lo, hi, max(abs(lo), abs(hi))


def _same(n: Node, s: list[TensorSpec]) -> Range:
    return s[0].lo, s[0].hi, s[0].absmax


def _concat(n: Node, s: list[TensorSpec]) -> Range:
    lo, hi = min(x.lo for x in s), max(x.hi for x in s)
    return lo, hi, max(abs(lo), abs(hi))


def _reduce_sum(n: Node, s: list[TensorSpec]) -> Range:
    k = s[0].size // max(1, prod(reduced_shape(n, s[0].shape)))
    return k * s[0].lo, k * s[0].hi, k * s[0].absmax


def _div_round(n: Node, s: list[TensorSpec]) -> Range:
    a, b, shift = s[0], s[1], n.attrs["shift"]
    if b.lo < 1:
        raise fail(n, f"divisor range [{b.lo}, {b.hi}] is not positive")
    q = [Fraction(x << shift, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    # y = floor(a·2^s/b + ⌊b/2⌋/b) and 0 <= ⌊b/2⌋/b <= 1/2; a/b is extreme at the box's corners.
    return floor(min(q)), floor(max(q) + Fraction(1, 2)), (a.absmax << shift) + b.hi


def _matmul(n: Node, s: list[TensorSpec]) -> Range:
    k = s[0].shape[-1]
    lo, hi = _interval_mul(s[0].lo, s[0].hi, s[1].lo, s[1].hi)
    return k * lo, k * hi, k * max(abs(lo), abs(hi))


RANGE_RULES = {
    "linear": _linear, "conv2d": _conv2d, "sum_pool2d": _sum_pool2d, "max_pool2d": _same,
    "requant": _requant, "lookup": _lookup, "add": _add, "add_const": _add_const, "mul": _mul,
    "mul_const": _mul_const, "reshape": _same, "transpose": _same, "concat": _concat,
    "reduce_sum": _reduce_sum, "reduce_max": _same, "div_round": _div_round, "slice": _same,
    "broadcast": _same, "matmul": _matmul,
}


def infer_range(node: Node, in_specs: list[TensorSpec]) -> Range:
    """(lo, hi, acc) of ``node``'s output given its inputs' specs (shapes already validated)."""
    lo, hi, acc = RANGE_RULES[node.op](node, in_specs)
    return int(lo), int(hi), int(max(acc, abs(lo), abs(hi)))
