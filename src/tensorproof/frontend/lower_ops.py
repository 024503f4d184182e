"""Lowerings of elementwise and shape ONNX operators (see lowering.py for the conventions)."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..errors import UnsupportedOpError
from ..quant import QVal
from .float_ops import UNARY
from .lowering import Lowering
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
    return L.q.shape_op("reshape", x, node.name, node.outputs[0], shape=list(shape))


def expand(L: Lowering, node: FNode, x, shape) -> QVal:
    return L.expand(node, x, tuple(shape))


def transpose(L: Lowering, node: FNode, x, perm=None) -> QVal:
    rank = len(x.shape) + 1
    perm = list(range(rank))[::-1] if perm is None else [int(p) % rank for p in perm]
    if perm[0] != 0:
        raise UnsupportedOpError(f"node {node.name!r}: Transpose moves the batch axis")
    return L.q.shape_op("transpose", x, node.name, node.outputs[0],
                        perm=[p - 1 for p in perm[1:]])


def concat(L: Lowering, node: FNode, *xs, axis=0) -> QVal:
    if not all(_is_q(x) for x in xs):
        raise UnsupportedOpError(f"node {node.name!r}: Concat of a constant with activations "
                                 "is not supported")
    a = L.axis(node, axis, len(xs[0].shape) + 1)
    return L.q.concat(list(xs), a, node.name, node.outputs[0])


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
    rank = len(x.shape) + 1
    axes = range(len(starts)) if axes is None else np.ravel(axes)
    steps = np.ones(len(starts), np.int64) if steps is None else np.ravel(steps)
    per = {}
    for a, s, e, st in zip(axes, starts, ends, steps):
        if int(a) % rank == 0:
            if len(range(*slice(int(s), int(e), int(st)).indices(1))) == 1:
                continue  # keeps the whole batch axis (of size 1 at trace time)
            raise UnsupportedOpError(f"node {node.name!r}: Slice cuts the batch axis")
        clip = max(min(int(s), 2**62), -(2**62)), max(min(int(e), 2**62), -(2**62))
        per[L.axis(node, int(a), rank)] = slice(clip[0], clip[1], int(st))
    return _slice_to(L, node, x, node.outputs[0], per)


def split(L: Lowering, node: FNode, x, split=None, axis=0, num_outputs=None):
    a = L.axis(node, axis, len(x.shape) + 1)
    sizes = [L.shape(o)[a] for o in node.outputs]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    return tuple(_slice_to(L, node, x, o, {a: slice(offs[i], offs[i + 1])})
                 for i, o in enumerate(node.outputs))


def gather(L: Lowering, node: FNode, x, indices, axis=0) -> QVal:
    if not _is_q(x) or _is_q(indices):
        raise UnsupportedOpError(f"node {node.name!r}: Gather is supported only with constant "
                                 "indices into an activation")
    a = L.axis(node, axis, len(x.shape) + 1)
    idx = np.asarray(indices, dtype=np.int64) % x.shape[a]
    out = node.outputs[0]
    if idx.ndim == 0:
        y = _slice_to(L, node, x, out + "/slice", {a: slice(int(idx), int(idx) + 1)})
        return L.q.shape_op("reshape", y, node.name, out, shape=list(L.shape(out)))
    flat = idx.ravel()
    step = int(flat[1] - flat[0]) if flat.size > 1 else 1
    if step >= 1 and np.array_equal(flat, flat[0] + step * np.arange(flat.size)):
        y = _slice_to(L, node, x, out + "/slice", {a: slice(int(flat[0]), int(flat[-1]) + 1,
                                                                step)})
    else:
        parts = [_slice_to(L, node, x, out + f"/{i}", {a: slice(int(i), int(i) + 1)})
                 for i in flat]
        y = L.q.concat(parts, a, node.name, out)
    if y.shape != L.shape(out):
        y = L.q.shape_op("reshape", y, node.name, out, shape=list(L.shape(out)))
    return y


def tile(L: Lowering, node: FNode, x, repeats) -> QVal:
    reps = [int(r) for r in np.ravel(repeats)]
    if reps[0] != 1:
        raise UnsupportedOpError(f"node {node.name!r}: Tile repeats the batch axis")
    for a, r in enumerate(reps[1:]):
        if r > 1:
            x = L.q.concat([x] * r, a, node.name, node.outputs[0])
    return x


def pad(L: Lowering, node: FNode, x, pads=None, constant_value=None, axes=None,
        mode="constant", value=0.0) -> QVal:
    p = [int(v) for v in np.ravel(pads)]
    rank = len(x.shape) + 1
    axes = list(range(rank)) if axes is None else [int(a) % rank for a in np.ravel(axes)]
    fill = value if constant_value is None else float(np.ravel(constant_value)[0])
    width = {a: (p[i], p[i + len(p) // 2]) for i, a in enumerate(axes)}
    if fill != 0.0 or any(w != (0, 0) for a, w in width.items() if a < rank - 2) or rank != 4:
        raise UnsupportedOpError(f"node {node.name!r}: Pad is supported with zeros on the two "
                                 "spatial axes of (N, C, H, W) only")
    (t, b), (left, r) = width.get(2, (0, 0)), width.get(3, (0, 0))
    return L.q.zero_pad(x, (t, left, b, r), node.name, node.outputs[0])


OP_LOWERINGS: dict = {
    "Add": add, "Sub": partial(add, subtract=True), "Mul": mul, "Div": div, "Pow": pow_,
    "Clip": clip, "PRelu": prelu, "Max": minmax(np.maximum), "Min": minmax(np.minimum),
    "tp.Reshape": reshape, "tp.Expand": expand, "Transpose": transpose, "Concat": concat,
    "Slice": slice_, "Split": split, "Gather": gather, "Tile": tile, "Pad": pad,
}
for _op in UNARY:
    OP_LOWERINGS[_op] = unary(_op)
