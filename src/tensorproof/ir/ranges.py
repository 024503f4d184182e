"""Guaranteed integer ranges of every op's output, by interval arithmetic.

``infer_range(node, input specs) -> (lo, hi, acc)``: every output value lies in [lo, hi], and
every integer the op forms on the way (partial sums of a matrix product, x·mult + 2^(shift−1) in a
requant, a·2^shift + ⌊b/2⌋ in a division) is at most ``acc`` in absolute value.

Committed constants (weights, biases, multipliers, added or multiplied constants:
:data:`RANGED_CONSTS`) are secret: the verifier sees only their shapes. Each declares an
elementwise range [lo, lo + 2^w − 1] (``attrs["const_ranges"][key] = [lo, w]``, bound in the
model id; a weight certificate proves the committed values lie in it), and the rules read the
*declared* ranges, never the values: the ranges derived are guaranteed for any weights inside
their declared ranges (e.g. linear: y ∈ K·[x]·[W] + [b], interval products at the corners).
``exact=True`` reads the actual values instead (Σ|W| per column: tighter, for the prover's
table sizing only). Arithmetic is on Python ints (object arrays for per-channel vectors), so
nothing here can overflow.
"""

from __future__ import annotations

from math import floor, prod

import numpy as np

from ..errors import CompileError
from .graph import ACC_LIMIT, IntGraph, Node, TensorSpec
from .ops import fail, reduced_shape

Range = tuple[int, int, int]

RANGED_CONSTS: dict[str, tuple[str, ...]] = {
    "linear": ("W", "b"), "conv2d": ("W", "b"), "requant": ("mult",), "add_const": ("c",),
    "mul_const": ("c",),
}
"""The committed (secret) constants of each op, which declare their ranges. Lookup tables are
public (kept in the verifying key), so the lookup rule reads their values."""
CONST_RANGES = "const_ranges"
"""The attribute holding the declared ranges: {const key: [lo, w]}, the range [lo, lo + 2^w − 1]."""
MAX_CONST_BITS = 61
"""Widest declared constant range (w): lo and lo + 2^w − 1 must also lie strictly inside ±2^62."""


def fit_const_range(values: np.ndarray) -> tuple[int, int]:
    """The declared range (lo, w) the compiler gives constant ``values``: the smallest w with
    max − min < 2^w (w = 0 for a single value) and lo in [max − 2^w + 1, min], chosen to keep
    the constant's sign (positive, nonnegative, nonpositive or negative constants stay so: a
    divisor stays ≥ 1, a ReLU'd range one-sided) and otherwise centred on 0. Either way
    max(|lo|, |hi|) < 2 max|value| + 1, so every product bound grows by less than 2×."""
    if values.size == 0:
        return 0, 0
    a, b = int(values.min()), int(values.max())
    w = (b - a).bit_length()
    return _fit_lo(a, b, 1 << w), w


def fit_const_ranges(op: str, consts: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """The ``const_ranges`` attribute the compiler gives a node of ``op`` with ``consts``: the
    fitted range of each committed constant it has (empty when it has none)."""
    return {k: list(fit_const_range(np.asarray(consts[k])))
            for k in RANGED_CONSTS.get(op, ()) if k in consts}


def _fit_lo(a: int, b: int, span: int) -> int:
    if a >= 0:  # nonnegative (positive if a ≥ 1), tight at the top
        return max(b - span + 1, min(a, 1))
    if b <= 0:  # the mirror image
        return -(_fit_lo(-b, -a, span) + span - 1)
    return min(max(-(span >> 1), b - span + 1), a)


def declared_const_range(node: Node, key: str) -> tuple[int, int]:
    """[lo, hi] of constant ``key`` of ``node`` as declared in its attributes (CompileError if
    malformed). A node without the attribute (a hand-built graph with its weights) gets the
    range :func:`fit_const_range` gives its values; a verifying key's graph, whose weights are
    placeholders, must declare every range (``validate_graph(graph, values=False)``)."""
    table = node.attrs.get(CONST_RANGES)
    if table is None:
        lo, w = fit_const_range(np.asarray(node.consts[key]))
        return lo, lo + (1 << w) - 1
    entry = table.get(key) if isinstance(table, dict) else None
    if (not isinstance(entry, list | tuple) or len(entry) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in entry)):
        raise fail(node, f"{CONST_RANGES}[{key!r}] must be [lo, w] (two integers), got {entry!r}")
    lo, w = entry
    if not 0 <= w <= MAX_CONST_BITS or max(abs(lo), abs(lo + (1 << w) - 1)) >= ACC_LIMIT:
        raise fail(node, f"{CONST_RANGES}[{key!r}] = [{lo}, {w}] is out of bounds")
    return lo, lo + (1 << w) - 1


def _interval_mul(al: int, ah: int, bl: int, bh: int) -> tuple[int, int]:
    c = (al * bl, al * bh, ah * bl, ah * bh)
    return min(c), max(c)


def _obj(a: np.ndarray) -> np.ndarray:
    """Exact Python-int copy of an int64 array (for products that may exceed int64)."""
    return a.astype(object)


def _dot_range(w: np.ndarray, b: np.ndarray, xl: int, xh: int) -> Range:
    """Exact: y_n = Σ_k w[k, n] x_k + b_n with every x_k in [xl, xh]."""
    pos = _obj(np.where(w > 0, w, 0).sum(axis=0))
    neg = _obj(np.where(w < 0, w, 0).sum(axis=0))
    bo = _obj(b)
    hi = pos * xh + neg * xl + bo
    lo = pos * xl + neg * xh + bo
    acc = (pos - neg) * max(abs(xl), abs(xh)) + np.abs(bo)
    return int(lo.min()), int(hi.max()), int(acc.max())


def _box_dot_range(k: int, xl: int, xh: int, w: tuple[int, int], b: tuple[int, int]) -> Range:
    """Declared: y = Σ_{k terms} w·x + b with x in [xl, xh], every w and b in its range."""
    pl, ph = _interval_mul(xl, xh, *w)
    return k * pl + b[0], k * ph + b[1], k * max(abs(pl), abs(ph)) + max(abs(b[0]), abs(b[1]))


def _padded(x: TensorSpec, pads: tuple[int, ...]) -> tuple[int, int]:
    """Range of a zero-padded input: 0 joins it when any pad is positive."""
    if any(pads):
        return min(x.lo, 0), max(x.hi, 0)
    return x.lo, x.hi


def _linear(n: Node, s: list[TensorSpec]) -> Range:
    k = n.consts["W"].shape[0]
    return _box_dot_range(k, s[0].lo, s[0].hi, declared_const_range(n, "W"),
                          declared_const_range(n, "b"))


def _linear_exact(n: Node, s: list[TensorSpec]) -> Range:
    return _dot_range(n.consts["W"], n.consts["b"], s[0].lo, s[0].hi)


def _conv2d(n: Node, s: list[TensorSpec]) -> Range:
    xl, xh = _padded(s[0], tuple(n.attrs["pads"]))
    k = prod(n.consts["W"].shape[1:])
    return _box_dot_range(k, xl, xh, declared_const_range(n, "W"), declared_const_range(n, "b"))


def _conv2d_exact(n: Node, s: list[TensorSpec]) -> Range:
    w = n.consts["W"]
    xl, xh = _padded(s[0], tuple(n.attrs["pads"]))
    return _dot_range(w.reshape(w.shape[0], -1).T, n.consts["b"], xl, xh)


def _sum_pool2d(n: Node, s: list[TensorSpec]) -> Range:
    k = prod(n.attrs["kernel"])
    xl, xh = _padded(s[0], tuple(n.attrs["pads"]))
    return k * xl, k * xh, k * max(abs(xl), abs(xh))


def requant_bounds(mult: np.ndarray, shift: int, xl: int, xh: int) -> tuple[int, int]:
    """Unclamped range of (x·mult + 2^(shift−1)) >> shift for x in [xl, xh] and any multiplier
    of ``mult`` (the map is monotone in x for each multiplier, of either sign, and monotone in
    the multiplier for each x: pass a range's two ends for every multiplier between them)."""
    # distinct multipliers by a set: np.unique imports numpy.ma (~15 ms of every key load)
    m = _obj(np.array(sorted(set(np.asarray(mult).ravel().tolist())), dtype=np.int64))
    half = 1 << (shift - 1)
    cands = np.concatenate([(m * xl + half) >> shift, (m * xh + half) >> shift])
    return int(cands.min()), int(cands.max())


def _requant_with(n: Node, s: list[TensorSpec], mult: np.ndarray) -> Range:
    shift, lo, hi = n.attrs["shift"], n.attrs["lo"], n.attrs["hi"]
    rl, rh = requant_bounds(mult, shift, s[0].lo, s[0].hi)
    acc = s[0].absmax * int(np.abs(_obj(mult)).max()) + (1 << shift)
    return min(max(rl, lo), hi), max(min(rh, hi), lo), acc


def _requant(n: Node, s: list[TensorSpec]) -> Range:
    return _requant_with(n, s, np.array(declared_const_range(n, "mult"), dtype=object))


def _requant_exact(n: Node, s: list[TensorSpec]) -> Range:
    return _requant_with(n, s, n.consts["mult"])


def _lookup(n: Node, s: list[TensorSpec]) -> Range:
    """y = table[x − x_lo]: an x outside the table's domain has no y (the executor and the
    prover stop), so y ranges over the table's values on the part of x's range it covers."""
    table, x_lo = n.consts["table"], n.attrs["x_lo"]
    a, b = max(s[0].lo, x_lo), min(s[0].hi, x_lo + table.shape[0] - 1)
    if a > b:
        raise fail(n, f"input range [{s[0].lo}, {s[0].hi}] misses the table's domain "
                      f"[{x_lo}, {x_lo + table.shape[0] - 1}]")
    reach = table[a - x_lo : b - x_lo + 1]
    lo, hi = int(reach.min()), int(reach.max())
    return lo, hi, max(abs(lo), abs(hi))


def _lookup_exact(n: Node, s: list[TensorSpec]) -> Range:
    """Exact: the compiler sizes the table so that every x the actual weights give has a y."""
    table, x_lo = n.consts["table"], n.attrs["x_lo"]
    if s[0].lo < x_lo or s[0].hi > x_lo + table.shape[0] - 1:
        raise fail(n, f"input range [{s[0].lo}, {s[0].hi}] is not inside the table's domain "
                      f"[{x_lo}, {x_lo + table.shape[0] - 1}]")
    return _lookup(n, s)


def _add(n: Node, s: list[TensorSpec]) -> Range:
    lo, hi = s[0].lo + s[1].lo, s[0].hi + s[1].hi
    return lo, hi, max(abs(lo), abs(hi))


def _add_const_with(s: list[TensorSpec], cl: int, ch: int) -> Range:
    lo, hi = s[0].lo + cl, s[0].hi + ch
    return lo, hi, max(abs(lo), abs(hi))


def _mul(n: Node, s: list[TensorSpec]) -> Range:
    lo, hi = _interval_mul(s[0].lo, s[0].hi, s[1].lo, s[1].hi)
    return lo, hi, max(abs(lo), abs(hi))


def _mul_const_with(s: list[TensorSpec], cl: int, ch: int) -> Range:
    lo, hi = _interval_mul(s[0].lo, s[0].hi, cl, ch)
    return lo, hi, max(abs(lo), abs(hi))


def _values(n: Node) -> tuple[int, int]:
    c = n.consts["c"]
    return int(c.min()), int(c.max())


def _same(n: Node, s: list[TensorSpec]) -> Range:
    return s[0].lo, s[0].hi, s[0].absmax


def _concat(n: Node, s: list[TensorSpec]) -> Range:
    lo, hi = min(x.lo for x in s), max(x.hi for x in s)
    return lo, hi, max(abs(lo), abs(hi))


def _reduce_sum(n: Node, s: list[TensorSpec]) -> Range:
    k = s[0].size // max(1, prod(reduced_shape(n, s[0].shape)))
    return k * s[0].lo, k * s[0].hi, k * s[0].absmax


def _div_round(n: Node, s: list[TensorSpec]) -> Range:
    from fractions import Fraction  # here: fractions imports decimal (~4 ms), for this op only

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
    "requant": _requant, "lookup": _lookup, "add": _add,
    "add_const": lambda n, s: _add_const_with(s, *declared_const_range(n, "c")), "mul": _mul,
    "mul_const": lambda n, s: _mul_const_with(s, *declared_const_range(n, "c")),
    "reshape": _same, "transpose": _same, "concat": _concat, "reduce_sum": _reduce_sum,
    "reduce_max": _same, "div_round": _div_round, "slice": _same, "broadcast": _same,
    "matmul": _matmul,
}
"""Guaranteed ranges from the declared constant ranges (what the verifier can re-derive)."""
EXACT_RULES = {
    **RANGE_RULES, "linear": _linear_exact, "conv2d": _conv2d_exact, "requant": _requant_exact,
    "lookup": _lookup_exact,
    "add_const": lambda n, s: _add_const_with(s, *_values(n)),
    "mul_const": lambda n, s: _mul_const_with(s, *_values(n)),
}
"""Exact ranges from the constants' values (the prover's table sizing; never for soundness)."""


def infer_range(node: Node, in_specs: list[TensorSpec], exact: bool = False) -> Range:
    """(lo, hi, acc) of ``node``'s output given its inputs' specs (shapes already validated):
    from the declared constant ranges, or from the constants' values when ``exact``."""
    rules = EXACT_RULES if exact else RANGE_RULES
    lo, hi, acc = rules[node.op](node, in_specs)
    return int(lo), int(hi), int(max(acc, abs(lo), abs(hi)))


def exact_ranges(graph: IntGraph) -> dict[str, tuple[int, int]]:
    """[lo, hi] of every tensor from the inputs' declared ranges and the actual constants
    (:func:`infer_range` with ``exact=True``, node by node), intersected with the declared
    ranges: the values any input in range can produce, for sizing the prover's tables."""
    out = {n: (graph.tensors[n].lo, graph.tensors[n].hi) for n in graph.inputs}
    for node in graph.nodes:
        ins = [TensorSpec(i, graph.tensors[i].shape, *out[i]) for i in node.inputs]
        try:
            lo, hi, _ = infer_range(node, ins, exact=True)
        except CompileError:  # a table too short for some inputs: they have no proof anyway
            lo, hi, _ = infer_range(node, ins)
        spec = graph.tensors[node.output]
        both = (max(lo, spec.lo), min(hi, spec.hi))
        out[node.output] = both if both[0] <= both[1] else (lo, hi)
    return out
