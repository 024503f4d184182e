"""The integer ops: their inputs, constants, attributes and output shapes (docs/internals.md).

Each op is a row of :data:`OPS`: how many inputs it reads (-1: one or more), which constants it
holds and a shape function ``(node, input shapes) -> output shape`` that also validates the
attributes, so a graph loaded from a file is checked before anything runs on it. Axes in
attributes are per-sample axes (0 = the first axis after the batch axis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from .graph import Node

Shape = tuple[int, ...]


MAX_SHIFT = 62
"""Largest shift of requant and div_round: 2^shift itself stays below ir.graph.ACC_LIMIT."""


def fail(node: Node, msg: str) -> CompileError:
    """A CompileError naming the node, its op and the ONNX node it comes from."""
    return CompileError(f"integer op {node.op!r} (from node {node.name!r}): {msg}")


def attr_int(node: Node, key: str, lo: int | None = None, hi: int | None = None) -> int:
    """Attribute ``key`` as an int (bools refused), in [lo, hi] where given."""
    v = node.attrs.get(key)
    if not isinstance(v, int) or isinstance(v, bool):
        raise fail(node, f"attribute {key!r} must be an integer, got {v!r}")
    if lo is not None and v < lo:
        raise fail(node, f"attribute {key!r} must be >= {lo}, got {v}")
    if hi is not None and v > hi:
        raise fail(node, f"attribute {key!r} must be <= {hi}, got {v}")
    return v


def attr_ints(node: Node, key: str, n: int | None = None, lo: int | None = None) -> tuple[int, ...]:
    """Attribute ``key`` as a tuple of ints (of length ``n`` if given), each at least ``lo``."""
    v = node.attrs.get(key)
    if not isinstance(v, list | tuple) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in v
    ):
        raise fail(node, f"attribute {key!r} must be a list of integers, got {v!r}")
    if n is not None and len(v) != n:
        raise fail(node, f"attribute {key!r} must have {n} entries, got {len(v)}")
    if lo is not None and any(x < lo for x in v):
        raise fail(node, f"attribute {key!r} entries must be >= {lo}, got {list(v)}")
    return tuple(v)


def const(node: Node, key: str, ndim: int | None = None) -> np.ndarray:
    """Constant ``key`` (int64, of rank ``ndim`` if given)."""
    c = node.consts.get(key)
    if not isinstance(c, np.ndarray) or c.dtype != np.int64:
        raise fail(node, f"constant {key!r} must be an int64 array")
    if ndim is not None and c.ndim != ndim:
        raise fail(node, f"constant {key!r} must have rank {ndim}, got shape {c.shape}")
    return c


def _linear(node: Node, s: list[Shape]) -> Shape:
    w, b = const(node, "W", 2), const(node, "b", 1)
    if not s[0] or s[0][-1] != w.shape[0] or b.shape[0] != w.shape[1]:
        raise fail(node, f"x {s[0]}, W {w.shape}, b {b.shape} do not fit y = x @ W + b")
    return s[0][:-1] + (w.shape[1],)


def window_out(node: Node, x: Shape, k: Shape, strides: Shape, pads: Shape) -> Shape:
    """Output (OH, OW) of a 2-D window op on x = (C, H, W), with floor division."""
    if len(x) != 3:
        raise fail(node, f"input must be (C, H, W), got {x}")
    oh = (x[1] + pads[0] + pads[2] - k[0]) // strides[0] + 1
    ow = (x[2] + pads[1] + pads[3] - k[1]) // strides[1] + 1
    if oh < 1 or ow < 1:
        raise fail(node, f"window {k} does not fit the padded input {x}")
    return oh, ow


def _conv2d(node: Node, s: list[Shape]) -> Shape:
    w, b = const(node, "W", 4), const(node, "b", 1)
    strides = attr_ints(node, "strides", 2, lo=1)
    pads = attr_ints(node, "pads", 4, lo=0)
    if len(s[0]) != 3 or s[0][0] != w.shape[1] or b.shape[0] != w.shape[0]:
        raise fail(node, f"x {s[0]}, W {w.shape}, b {b.shape} do not fit a 2-D convolution")
    return (w.shape[0],) + window_out(node, s[0], w.shape[2:], strides, pads)


def _pool2d(node: Node, s: list[Shape]) -> Shape:
    k = attr_ints(node, "kernel", 2, lo=1)
    strides = attr_ints(node, "strides", 2, lo=1)
    pads = attr_ints(node, "pads", 4, lo=0)
    if node.op == "max_pool2d" and any(p >= k[i % 2] for i, p in enumerate(pads)):
        raise fail(node, "max pooling needs pads smaller than the kernel (no all-padding window)")
    return (s[0][0],) + window_out(node, s[0], k, strides, pads)


def _requant(node: Node, s: list[Shape]) -> Shape:
    mult = const(node, "mult", 1)
    attr_int(node, "shift", lo=1, hi=MAX_SHIFT)
    if attr_int(node, "lo") > attr_int(node, "hi"):
        raise fail(node, "clamp bounds lo > hi")
    axis = attr_int(node, "axis", lo=-1)
    want = 1 if axis == -1 else (s[0][axis] if axis < len(s[0]) else None)
    if want is None or mult.shape[0] != want:
        raise fail(node, f"mult of shape {mult.shape} does not fit axis {axis} of {s[0]}")
    return s[0]


def _lookup(node: Node, s: list[Shape]) -> Shape:
    if const(node, "table", 1).shape[0] < 1:
        raise fail(node, "empty table")
    attr_int(node, "x_lo")
    return s[0]


def _same(node: Node, s: list[Shape]) -> Shape:
    if s[0] != s[1]:
        raise fail(node, f"inputs must have the same shape, got {s[0]} and {s[1]}")
    return s[0]


def _with_const(node: Node, s: list[Shape]) -> Shape:
    c = const(node, "c")
    try:
        out = np.broadcast_shapes(c.shape, s[0])
    except ValueError:
        out = None
    if c.ndim > len(s[0]) or out != s[0]:
        raise fail(node, f"constant of shape {c.shape} does not broadcast to {s[0]}")
    return s[0]


def _reshape(node: Node, s: list[Shape]) -> Shape:
    shape = attr_ints(node, "shape", lo=1)
    if int(np.prod(shape, dtype=np.int64)) != int(np.prod(s[0], dtype=np.int64)):
        raise fail(node, f"cannot reshape {s[0]} to {shape}")
    return shape


def _transpose(node: Node, s: list[Shape]) -> Shape:
    perm = attr_ints(node, "perm")
    if sorted(perm) != list(range(len(s[0]))):
        raise fail(node, f"perm {perm} is not a permutation of the axes of {s[0]}")
    return tuple(s[0][p] for p in perm)


def _concat(node: Node, s: list[Shape]) -> Shape:
    axis = attr_int(node, "axis", lo=0)
    first = s[0]
    if axis >= len(first) or any(
        len(x) != len(first) or x[:axis] + x[axis + 1 :] != first[:axis] + first[axis + 1 :]
        for x in s
    ):
        raise fail(node, f"shapes {s} cannot be concatenated on axis {axis}")
    return first[:axis] + (sum(x[axis] for x in s),) + first[axis + 1 :]


def reduced_shape(node: Node, x: Shape) -> Shape:
    """Output shape of a reduction (validates ``axes`` and ``keepdims``)."""
    axes = attr_ints(node, "axes", lo=0)
    keep = attr_int(node, "keepdims", lo=0)
    if not axes or len(set(axes)) != len(axes) or max(axes) >= len(x) or keep > 1:
        raise fail(node, f"bad axes {axes} / keepdims {keep} for shape {x}")
    if keep:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def _reduce(node: Node, s: list[Shape]) -> Shape:
    return reduced_shape(node, s[0])


def _div_round(node: Node, s: list[Shape]) -> Shape:
    attr_int(node, "shift", lo=0, hi=MAX_SHIFT)
    return _same(node, s)


def _slice(node: Node, s: list[Shape]) -> Shape:
    n = len(s[0])
    starts = attr_ints(node, "starts", n, lo=0)
    ends = attr_ints(node, "ends", n, lo=0)
    steps = attr_ints(node, "steps", n, lo=1)
    out = tuple(len(range(a, min(e, d), st)) for a, e, st, d in zip(starts, ends, steps, s[0]))
    if any(e > d for e, d in zip(ends, s[0])) or 0 in out:
        raise fail(node, f"slice {starts}:{ends}:{steps} does not fit {s[0]}")
    return out


def _broadcast(node: Node, s: list[Shape]) -> Shape:
    shape = attr_ints(node, "shape", lo=1)
    if len(shape) != len(s[0]) or any(a not in (1, b) for a, b in zip(s[0], shape)):
        raise fail(node, f"cannot broadcast {s[0]} to {shape}")
    return shape


def _matmul(node: Node, s: list[Shape]) -> Shape:
    a, b = s
    if len(a) < 2 or len(a) != len(b) or a[:-2] != b[:-2] or a[-1] != b[-2]:
        raise fail(node, f"shapes {a} and {b} do not fit a (batched) matrix product")
    return a[:-1] + (b[-1],)


@dataclass(frozen=True)
class OpSpec:
    """Arity (-1: one or more inputs), constant names and shape function of one integer op."""

    arity: int
    consts: tuple[str, ...]
    shape: Callable[[Node, list[Shape]], Shape]


OPS: dict[str, OpSpec] = {
    "linear": OpSpec(1, ("W", "b"), _linear),
    "conv2d": OpSpec(1, ("W", "b"), _conv2d),
    "sum_pool2d": OpSpec(1, (), _pool2d),
    "max_pool2d": OpSpec(1, (), _pool2d),
    "requant": OpSpec(1, ("mult",), _requant),
    "lookup": OpSpec(1, ("table",), _lookup),
    "add": OpSpec(2, (), _same),
    "add_const": OpSpec(1, ("c",), _with_const),
    "mul": OpSpec(2, (), _same),
    "mul_const": OpSpec(1, ("c",), _with_const),
    "reshape": OpSpec(1, (), _reshape),
    "transpose": OpSpec(1, (), _transpose),
    "concat": OpSpec(-1, (), _concat),
    "reduce_sum": OpSpec(1, (), _reduce),
    "reduce_max": OpSpec(1, (), _reduce),
    "div_round": OpSpec(2, (), _div_round),
    "slice": OpSpec(1, (), _slice),
    "broadcast": OpSpec(1, (), _broadcast),
    "matmul": OpSpec(2, (), _matmul),
}
"""Every integer op, keyed by its name (the ``op`` field of :class:`Node`)."""


def infer_shape(node: Node, in_shapes: list[Shape]) -> Shape:
    """Validate the node's arity, constants and attributes; return its output shape."""
    spec = OPS.get(node.op)
    if spec is None:
        raise fail(node, "unknown integer op")
    if (spec.arity == -1 and not in_shapes) or (spec.arity >= 0 and len(in_shapes) != spec.arity):
        raise fail(node, f"expects {spec.arity if spec.arity >= 0 else 'some'} inputs")
    if sorted(node.consts) != sorted(spec.consts):
        raise fail(node, f"constants must be {list(spec.consts)}, got {sorted(node.consts)}")
    return tuple(int(d) for d in spec.shape(node, in_shapes))
