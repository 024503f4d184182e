"""Lowerings of elementwise and shape ONNX operators (see lowering.py for the conventions)."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..errors import UnsupportedOpError
from ..quant import QVal
from .float_ops import UNARY
from .fuse import POINTWISE, pointwise
from .lowering import Deferred, Lowering
from .normalize import FNode


def _is_q(x) -> bool:
    return isinstance(x, QVal)


def _scalar(node: FNode, c, what: str) -> float:
    c = np.asarray(c, dtype=np.float64)
    if c.size != 1:
        raise UnsupportedOpError(f"node {node.name!r} ({node.op}): {what} must be a scalar "
                                 f"constant, got shape {c.shape}")
    return float(c.ravel()[0])


def _operands(L: Lowering, node: FNode, a, b):
    """Both operands at the output's per-sample shape (constants: broadcastable arrays)."""
    out = node.outputs[0]
    shape = L.shape(out)
    a = L.expand(node, a, shape) if _is_q(a) else L.const(node, a, out)
    b = L.expand(node, b, shape) if _is_q(b) else L.const(node, b, out)
    return a, b, out


def add(L: Lowering, node: FNode, a, b, subtract: bool = False) -> QVal:
    a, b, out = _operands(L, node, a, b)
    q = L.q
    if _is_q(a) and _is_q(b):
        return q.add(a, b, node.name, out, subtract=subtract)
    if _is_q(a):
        return q.offset(a, -b if subtract else b, node.name, out)
    x = q.scale_by(b, np.array(-1.0), node.name, out) if subtract else b
    return q.offset(x, a, node.name, out)


def mul(L: Lowering, node: FNode, a, b) -> QVal:
    a, b, out = _operands(L, node, a, b)
    if _is_q(a) and _is_q(b):
        return L.q.mul(a, b, node.name, out)
    x, c = (a, b) if _is_q(a) else (b, a)
    return L.q.scale_by(x, c, node.name, out)


def div(L: Lowering, node: FNode, a, b) -> QVal:
    a, b, out = _operands(L, node, a, b)
    if _is_q(a) and _is_q(b):
        return L.q.divide(a, b, node.name, out)
    if _is_q(a):
        return L.q.scale_by(a, 1.0 / b, node.name, out)
    c = _scalar(node, a, "a numerator divided by an activation")
    return L.q.unary(b, lambda t: c / t, node.name, out)


def pow_(L: Lowering, node: FNode, x, y) -> QVal:
    out = node.outputs[0]
    if _is_q(x) and not _is_q(y):
        e = _scalar(node, y, "the exponent")
        if e == 1.0:
            return x
        if e == 2.0:
            return L.q.mul(x, x, node.name, out)
        return L.q.unary(x, lambda t: np.power(t, e), node.name, out)
    if _is_q(y) and not _is_q(x):
        base = _scalar(node, x, "the base")
        return L.q.unary(y, lambda t: np.power(base, t), node.name, out)
    raise UnsupportedOpError(f"node {node.name!r}: Pow of two activations is not supported")


def unary(op: str):
    f, homogeneous = UNARY[op]

    def lower(L: Lowering, node: FNode, x, **attrs) -> QVal:
        if op == "Relu":
            return L.q.clip(x, 0.0, None, node.name, node.outputs[0])
        if op == "Neg":
            return L.q.scale_by(x, np.array(-1.0), node.name, node.outputs[0])
        return L.q.unary(x, partial(f, **L.attrs(node)), node.name, node.outputs[0],
                         homogeneous=homogeneous)
    return lower


def clip(L: Lowering, node: FNode, x, min=None, max=None) -> QVal:  # noqa: A002 (ONNX names)
    lo = None if min is None else float(np.ravel(min)[0])
    hi = None if max is None else float(np.ravel(max)[0])
    return L.q.clip(x, lo, hi, node.name, node.outputs[0])


def prelu(L: Lowering, node: FNode, x, slope) -> QVal:
    out = node.outputs[0]
    slope = L.const(node, slope, out)
    if slope.size == 1:
        s = float(slope.ravel()[0])
        return L.q.unary(x, lambda t: np.where(t >= 0, t, s * t), node.name, out, True)
    x = L.q.act(x, node.name)
    pos = L.q.unary(x, lambda t: np.maximum(t, 0.0), node.name, out + "/pos", True)
    neg = L.q.unary(x, lambda t: np.minimum(t, 0.0), node.name, out + "/neg", True)
    return L.q.add(pos, L.q.scale_by(neg, slope, node.name, out), node.name, out)


def minmax(fn):
    def lower(L: Lowering, node: FNode, *xs) -> QVal:
        qs = [x for x in xs if _is_q(x)]
        cs = [x for x in xs if not _is_q(x)]
        if len(qs) != 1:
            raise UnsupportedOpError(f"node {node.name!r}: {node.op} of several activations is "
                                     "not supported")
        c = fn.reduce([L.const(node, c, node.outputs[0]) for c in cs]) if len(cs) > 1 else cs[0]
        c = _scalar(node, c, "the other operand")
        x = L.expand(node, qs[0], L.shape(node.outputs[0]))
        return L.q.unary(x, lambda t: fn(t, c), node.name, node.outputs[0])
    return lower


def reshape(L: Lowering, node: FNode, x, shape) -> QVal:
    return L.fit(node, x, node.outputs[0])


def expand(L: Lowering, node: FNode, x, shape) -> QVal:
    return L.expand(node, x, L.shape(node.outputs[0]))


def transpose(L: Lowering, node: FNode, x, perm=None) -> QVal:
    src, out = node.inputs[0], node.outputs[0]
    rank = len(L.fg.shapes[src])
    perm = list(range(rank))[::-1] if perm is None else [int(p) % rank for p in perm]
    if L.stripped(src) and L.stripped(out) and perm[0] == 0:
        return L.q.shape_op("transpose", x, node.name, out, perm=[p - 1 for p in perm[1:]])
    y = L.q.shape_op("transpose", L.full(node, x, src), node.name, out, perm=perm)
    return L.fit(node, y, out)


def concat(L: Lowering, node: FNode, *xs, axis=0) -> QVal:
    out = node.outputs[0]
    qs = [(x, i) for x, i in zip(xs, node.inputs) if _is_q(x)]
    if len(qs) < len(xs) and not (qs and L.is_int(out)):
        raise UnsupportedOpError(f"node {node.name!r}: Concat of a constant with activations "
                                 "is supported for integer tensors only")
    like, first = qs[0]
    a = L.axis(node, axis, first)
    full = a is None  # along the batch axis of size 1: at the ONNX shapes

    def part(x, i) -> QVal:
        if _is_q(x):
            return L.full(node, x, i) if full else x
        c = np.asarray(x)  # an integer constant: c + 0·x, exact (quant/intarith.py)
        if not full and L.stripped(first) and c.ndim == len(L.fg.shapes[first]):
            c = c[0]
        return L.q.int_const(like, c, node.name, out)

    parts = [part(x, i) for x, i in zip(xs, node.inputs)]
    return L.fit(node, L.q.concat(parts, 0 if full else a, node.name, out), out)


def _slice_to(L: Lowering, node: FNode, x: QVal, out: str, per_axis: dict) -> QVal:
    """Slice x with {per-sample axis: python slice}; identity if nothing is cut."""
    starts, ends, steps = [], [], []
    for a, d in enumerate(x.shape):
        st, en, sp = per_axis.get(a, slice(None)).indices(d)
        if sp < 1:
            raise UnsupportedOpError(f"node {node.name!r}: negative slice steps are not supported")
        starts.append(st)
        ends.append(max(en, st))
        steps.append(sp)
    if starts == [0] * len(starts) and ends == list(x.shape) and steps == [1] * len(steps):
        return x
    return L.q.shape_op("slice", x, node.name, out, starts=starts, ends=ends, steps=steps)


def slice_(L: Lowering, node: FNode, x, starts, ends, axes=None, steps=None) -> QVal:
    starts, ends = np.ravel(starts), np.ravel(ends)
    axes = range(len(starts)) if axes is None else np.ravel(axes)
    steps = np.ones(len(starts), np.int64) if steps is None else np.ravel(steps)
    per = {}
    for a, s, e, st in zip(axes, starts, ends, steps):
        pa = L.axis(node, int(a), node.inputs[0])
        if pa is None:
            if len(range(*slice(int(s), int(e), int(st)).indices(1))) == 1:
                continue  # keeps the whole leading axis of size 1
            raise UnsupportedOpError(f"node {node.name!r}: Slice empties the batch axis")
        clip = max(min(int(s), 2**62), -(2**62)), max(min(int(e), 2**62), -(2**62))
        per[pa] = slice(clip[0], clip[1], int(st))
    return L.fit(node, _slice_to(L, node, x, node.outputs[0], per), node.outputs[0])


def split(L: Lowering, node: FNode, x, split=None, axis=0, num_outputs=None):
    a = L.axis(node, axis, node.inputs[0])
    if a is None:
        raise UnsupportedOpError(f"node {node.name!r}: Split along the batch axis")
    sizes = [L.shape(o)[a] for o in node.outputs]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    return tuple(_slice_to(L, node, x, o, {a: slice(offs[i], offs[i + 1])})
                 for i, o in enumerate(node.outputs))


def gather(L: Lowering, node: FNode, x, indices, axis=0) -> QVal:
    if not _is_q(x) or _is_q(indices):
        raise UnsupportedOpError(f"node {node.name!r}: Gather is supported only with constant "
                                 "indices into an activation")
    a = L.axis(node, axis, node.inputs[0])
    out = node.outputs[0]
    if a is None:  # the leading axis of size 1: indices can only be 0
        return L.fit(node, L.expand(node, x, L.shape(out)) if np.size(indices) > 1 else x, out)
    idx = np.asarray(indices, dtype=np.int64) % x.shape[a]
    if idx.ndim == 0:
        y = _slice_to(L, node, x, out + "/slice", {a: slice(int(idx), int(idx) + 1)})
        return L.q.shape_op("reshape", y, node.name, out, shape=list(L.shape(out)))
    y = take(L, node, x, idx.ravel(), a, out)
    if y.shape != L.shape(out):
        y = L.q.shape_op("reshape", y, node.name, out, shape=list(L.shape(out)))
    return y


def take(L: Lowering, node: FNode, x: QVal, idx: np.ndarray, a: int, out: str) -> QVal:
    """x indexed by the constant ``idx`` along per-sample axis ``a``: a strided slice, an
    element repetition (reshape + broadcast), or slices joined by a concat."""
    n, k = x.shape[a], idx.size
    step = int(idx[1] - idx[0]) if k > 1 else 1
    if step >= 1 and np.array_equal(idx, idx[0] + step * np.arange(k)):
        return _slice_to(L, node, x, out + "/slice", {a: slice(int(idx[0]), int(idx[-1]) + 1,
                                                               step)})
    q = L.q
    if k % n == 0 and np.array_equal(idx, np.repeat(np.arange(n), k // n)):
        one = x.shape[: a + 1] + (1,) + x.shape[a + 1 :]
        y = q.shape_op("reshape", x, node.name, out, shape=list(one))
        y = q.shape_op("broadcast", y, node.name, out,
                       shape=list(one[: a + 1] + (k // n,) + one[a + 2 :]))
        return q.shape_op("reshape", y, node.name, out,
                          shape=list(x.shape[:a] + (k,) + x.shape[a + 1 :]))
    parts = [_slice_to(L, node, x, out + f"/{i}", {a: slice(int(i), int(i) + 1)}) for i in idx]
    return q.concat(parts, a, node.name, out)


def tile(L: Lowering, node: FNode, x, repeats) -> QVal:
    x = L.full(node, x, node.inputs[0])
    for a, r in enumerate(int(r) for r in np.ravel(repeats)):
        if r > 1:
            x = L.q.concat([x] * r, a, node.name, node.outputs[0])
    return L.fit(node, x, node.outputs[0])


def pad(L: Lowering, node: FNode, x, pads=None, constant_value=None, axes=None,
        mode="constant", value=0.0) -> QVal:
    p = [int(v) for v in np.ravel(pads)]
    rank = len(L.fg.shapes[node.inputs[0]])
    axes = list(range(rank)) if axes is None else [int(a) % rank for a in np.ravel(axes)]
    fill = value if constant_value is None else float(np.ravel(constant_value)[0])
    width = {a: (p[i], p[i + len(p) // 2]) for i, a in enumerate(axes)}
    if (fill != 0.0 or any(w != (0, 0) for a, w in width.items() if a < rank - 2) or rank != 4
            or not L.stripped(node.inputs[0])):
        raise UnsupportedOpError(f"node {node.name!r}: Pad is supported with zeros on the two "
                                 "spatial axes of (N, C, H, W) only")
    (t, b), (left, r) = width.get(2, (0, 0)), width.get(3, (0, 0))
    return L.q.zero_pad(x, (t, left, b, r), node.name, node.outputs[0])


def where(L: Lowering, node: FNode, cond, a, b) -> QVal | MaskedScores:
    """Where with a constant condition: a·c + b·(1 − c), exact for a 0/1 mask."""
    if _is_q(cond):
        raise UnsupportedOpError(f"node {node.name!r}: Where is supported only with a constant "
                                 "condition")
    out = node.outputs[0]
    c = L.const(node, np.asarray(cond, dtype=np.float64), out)
    if _is_q(a) != _is_q(b) and _mask_fill(a if _is_q(b) else b):
        return _masked(L, node, a if _is_q(a) else b, c if _is_q(a) else 1.0 - c)
    parts = []
    for v, m in ((a, c), (b, 1.0 - c)):
        if _is_q(v):
            parts.append(L.q.scale_by(L.expand(node, v, L.shape(out)), m, node.name, out))
    consts = [np.broadcast_to(L.const(node, v, out), L.shape(out)) * m
              for v, m in ((a, c), (b, 1.0 - c)) if not _is_q(v)]
    y = parts[0] if len(parts) == 1 else L.q.add(parts[0], parts[1], node.name, out)
    if consts and np.any(consts[0]):
        if not np.all(np.isfinite(consts[0])):
            raise UnsupportedOpError(f"node {node.name!r}: Where with an infinite constant")
        y = L.q.offset(y, consts[0], node.name, out)
    return y


MASK_FILL = -1e30
"""A Where constant at or below this (−inf, float32's lowest) is an attention mask's fill."""


class MaskedScores(Deferred):
    """Where(mask, −inf, x) (a causal attention mask), read only by Softmax and ReduceMax. A
    Softmax takes it whole (``Quantizer.softmax(..., keep=)``: the masked entries' exponentials
    are zeroed, exactly); ReduceMax reads ``value``: the masked entries set to the lowest value x
    can take (``Logic.mask_lowest``), which a max skips whenever a row keeps an entry."""

    consumers = ("Softmax",)

    def __init__(self, x: QVal, keep: np.ndarray) -> None:
        self.x, self.keep = x, keep

    def value(self, L: Lowering, node: FNode) -> QVal:
        return L.q.mask_lowest(self.x, self.keep, node.name, node.inputs[0])


def _mask_fill(c) -> bool:
    c = np.asarray(c, dtype=np.float64)
    return c.size == 1 and float(c.ravel()[0]) <= MASK_FILL


def _masked(L: Lowering, node: FNode, x: QVal, keep: np.ndarray) -> MaskedScores:
    out = node.outputs[0]
    users = [n.op for n in L.fg.nodes if out in n.inputs]
    if out in L.fg.outputs or not users or any(u not in ("Softmax", "ReduceMax") for u in users):
        raise UnsupportedOpError(f"node {node.name!r}: Where filling with -inf (or float32's "
                                 "lowest) is supported only before a Softmax or ReduceMax, "
                                 f"not {sorted(set(users)) or 'a graph output'}")
    keep = (np.asarray(keep) != 0).astype(np.int64)
    return MaskedScores(L.q.per_tensor(L.expand(node, x, L.shape(out)), node.name), keep)


def trilu(L: Lowering, node: FNode, x, k=None, upper=1) -> QVal:
    """Triangular part of the last two axes: x times a 0/1 mask."""
    k = 0 if k is None else int(np.ravel(k)[0])
    ones = np.ones(x.shape[-2:])
    mask = np.triu(ones, k) if upper else np.tril(ones, k)
    return L.q.scale_by(x, mask, node.name, node.outputs[0])


def pointwise_(L: Lowering, node: FNode, x, body=()) -> QVal:
    """A fused single-input elementwise region (fuse.py): one table of the composed f."""
    return L.q.unary(x, partial(pointwise, body=body), node.name, node.outputs[0])


OP_LOWERINGS: dict = {
    "Add": add, "Sub": partial(add, subtract=True), "Mul": mul, "Div": div, "Pow": pow_,
    "Clip": clip, "PRelu": prelu, "Max": minmax(np.maximum), "Min": minmax(np.minimum),
    "tp.Reshape": reshape, "tp.Expand": expand, "Transpose": transpose, "Concat": concat,
    "Slice": slice_, "Split": split, "Gather": gather, "Tile": tile, "Pad": pad,
    "Where": where, "Trilu": trilu, POINTWISE: pointwise_,
}
for _op in UNARY:
    OP_LOWERINGS[_op] = unary(_op)
