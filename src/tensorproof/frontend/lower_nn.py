"""Lowerings of neural-network ONNX operators (see lowering.py for the conventions)."""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError
from ..quant import QVal
from .float_nn import (
    conv_geometry,
    conv_transpose_as_conv,
    reduce_axes,
    resize_plan,
    softmax_axes,
)
from .geometry import window_counts
from .lower_ops import MaskedScores, take
from .lowering import Lowering
from .normalize import FNode


def _need_q(node: FNode, x, what: str = "its data input") -> QVal:
    if not isinstance(x, QVal):
        raise UnsupportedOpError(f"node {node.name!r} ({node.op}): {what} must depend on the "
                                 "model inputs")
    return x


def _need_const(node: FNode, c, what: str) -> np.ndarray:
    if isinstance(c, QVal):
        raise UnsupportedOpError(f"node {node.name!r} ({node.op}): {what} must be a constant "
                                 "(weights computed from activations are not supported)")
    return np.asarray(c, dtype=np.float64)


def gemm(L: Lowering, node: FNode, a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    x = _need_q(node, a)
    w = _need_const(node, b, "B")
    if transA:
        raise UnsupportedOpError(f"node {node.name!r}: Gemm with transA=1 on an activation "
                                 "is not supported")
    w = alpha * (w.T if transB else w)
    bias = None
    if c is not None:
        c = _need_const(node, c, "C")
        if c.size not in (1, w.shape[1]):
            raise UnsupportedOpError(f"node {node.name!r}: Gemm bias of shape {c.shape} "
                                     "varies across the batch")
        bias = beta * np.broadcast_to(c.ravel(), (w.shape[1],))
    return L.q.linear(x, w, bias, node.name, node.outputs[0])


def matmul(L: Lowering, node: FNode, a, b):
    out = node.outputs[0]
    q = L.q
    if isinstance(a, QVal) and isinstance(b, QVal):
        shape = L.shape(out)
        a = L.expand(node, a, shape[:-2] + a.shape[-2:]) if len(a.shape) >= 2 else a
        b = L.expand(node, b, shape[:-2] + b.shape[-2:]) if len(b.shape) >= 2 else b
        return q.matmul(a, b, node.name, out)
    if isinstance(a, QVal):
        w = np.asarray(b, dtype=np.float64)
        if w.ndim != 2:
            raise UnsupportedOpError(f"node {node.name!r}: MatMul by a constant of rank "
                                     f"{w.ndim} is not supported (rank 2 only)")
        return q.linear(a, w, None, node.name, out)
    w = np.asarray(a, dtype=np.float64)
    if w.ndim != 2 or len(b.shape) != 2:
        raise UnsupportedOpError(f"node {node.name!r}: constant @ activation is supported for "
                                 "2-D operands only")
    xt = q.shape_op("transpose", b, node.name, out + "/xT", perm=[1, 0])
    yt = q.linear(xt, w.T, None, node.name, out + "/yT")
    return q.shape_op("transpose", yt, node.name, out, perm=[1, 0])


def _to_2d(L: Lowering, node: FNode, x: QVal) -> tuple[QVal, bool]:
    """(C, L) → (C, 1, L) for 1-D windows; (C, H, W) unchanged."""
    if not L.stripped(node.inputs[0]):
        raise UnsupportedOpError(f"node {node.name!r} ({node.op}): the input's leading (batch) "
                                 "axis must have size 1")
    if len(x.shape) == 2:
        return L.q.shape_op("reshape", x, node.name, x.ref, shape=[x.shape[0], 1, x.shape[1]]), True
    if len(x.shape) != 3:
        raise UnsupportedOpError(f"node {node.name!r} ({node.op}): only 1-D and 2-D inputs "
                                 f"are supported, got per-sample shape {x.shape}")
    return x, False


def _from_2d(L: Lowering, node: FNode, y: QVal, one_d: bool) -> QVal:
    if not one_d:
        return y
    return L.q.shape_op("reshape", y, node.name, node.outputs[0], shape=list(L.shape(
        node.outputs[0])))


def conv(L: Lowering, node: FNode, x, w, b=None, auto_pad="NOTSET", dilations=None, group=1,
         kernel_shape=None, pads=None, strides=None):
    x = _need_q(node, x)
    w = _need_const(node, w, "the weights")
    b = None if b is None else _need_const(node, b, "the bias")
    if group != 1:
        raise UnsupportedOpError(f"node {node.name!r}: Conv with group={group} is not supported")
    x2, one_d = _to_2d(L, node, x)
    k, s, p, _ = conv_geometry((1,) + x.shape, w.shape[2:], strides, pads, auto_pad, 0,
                               dilations, node.name)
    y = L.q.conv2d(x2, w.reshape(w.shape[0], w.shape[1], k[0], k[1]), b, s, p, node.name,
                   node.outputs[0])
    return _from_2d(L, node, y, one_d)


def conv_transpose(L: Lowering, node: FNode, x, w, b=None, **attrs):
    """ConvTranspose = stride-1 Conv of the zero-stuffed input with flipped weights."""
    x = _need_q(node, x)
    w = _need_const(node, w, "the weights")
    b = None if b is None else _need_const(node, b, "the bias")
    try:
        wc, s, cp = conv_transpose_as_conv(w, **attrs)
    except UnsupportedOpError as e:
        raise UnsupportedOpError(f"node {node.name!r}: {e}") from None
    x2, one_d = _to_2d(L, node, x)
    up = L.q.zero_stuff(x2, s, node.name, node.outputs[0] + "/stuffed")
    y = L.q.conv2d(up, wc, b, (1, 1), cp, node.name, node.outputs[0])
    return _from_2d(L, node, y, one_d)


def resize(L: Lowering, node: FNode, x, roi=None, scales=None, sizes=None, **attrs):
    """Nearest-neighbour Resize: constant indexing along each resized axis."""
    x = _need_q(node, x)
    src, out = node.inputs[0], node.outputs[0]
    try:
        plan = resize_plan(L.fg.shapes[src], roi, scales, sizes, **attrs)
    except UnsupportedOpError as e:
        raise UnsupportedOpError(f"node {node.name!r}: {e}") from None
    v = L.full(node, x, src)
    for axis, idx in enumerate(plan):
        if idx is not None:
            v = take(L, node, v, idx, axis, out)
    return L.fit(node, v, out)


def _pool_geometry(node: FNode, x: QVal, kernel_shape, strides, pads, auto_pad, ceil_mode,
                   dilations):
    return conv_geometry((1,) + x.shape, kernel_shape, strides, pads, auto_pad, ceil_mode,
                         dilations, node.name)


def avg_pool(L: Lowering, node: FNode, x, auto_pad="NOTSET", ceil_mode=0, count_include_pad=0,
             dilations=None, kernel_shape=(1,), pads=None, strides=None):
    x = _need_q(node, x)
    k, s, p, extra = _pool_geometry(node, x, kernel_shape, strides, pads, auto_pad, ceil_mode,
                                    dilations)
    x2, one_d = _to_2d(L, node, x)
    counts = window_counts(x2.shape[1:], k, s, p, extra, bool(count_include_pad))
    y = L.q.avg_pool(x2, k, s, p, counts, node.name, node.outputs[0])
    return _from_2d(L, node, y, one_d)


def max_pool(L: Lowering, node: FNode, x, auto_pad="NOTSET", ceil_mode=0, dilations=None,
             kernel_shape=(1,), pads=None, storage_order=0, strides=None):
    x = _need_q(node, x)
    k, s, p, _ = _pool_geometry(node, x, kernel_shape, strides, pads, auto_pad, ceil_mode,
                                dilations)
    x2, one_d = _to_2d(L, node, x)
    y = L.q.max_pool(x2, k, s, p, node.name, node.outputs[0])
    return _from_2d(L, node, y, one_d)


def _axes_from(L: Lowering, node: FNode, first: int) -> list[int]:
    """Per-sample axes of ONNX axes first, first + 1, ... of the node's input."""
    rank = len(L.fg.shapes[node.inputs[0]])
    axes = [L.axis(node, a, node.inputs[0]) for a in range(first % max(rank, 1), rank)]
    return [a for a in axes if a is not None]


def global_avg_pool(L: Lowering, node: FNode, x):
    y = L.q.reduce_sum(x, _axes_from(L, node, 2), True, node.name, node.outputs[0], mean=True)
    return L.fit(node, y, node.outputs[0])


def global_max_pool(L: Lowering, node: FNode, x):
    y = L.q.reduce_max(x, _axes_from(L, node, 2), True, node.name, node.outputs[0])
    return L.fit(node, y, node.outputs[0])


def _channel(L: Lowering, node: FNode, c: np.ndarray, x: QVal) -> np.ndarray:
    """A per-channel (ONNX axis 1) vector shaped to broadcast over the per-sample input."""
    axis = L.axis(node, 1, node.inputs[0])
    shape = [1] * len(x.shape)
    shape[axis] = -1
    return np.asarray(c, dtype=np.float64).reshape(shape)


def batch_norm(L: Lowering, node: FNode, x, scale, b, mean, var, epsilon=1e-5, momentum=0.9,
               training_mode=0, spatial=1):
    x = _need_q(node, x)
    scale, b, mean, var = (_need_const(node, v, "a parameter") for v in (scale, b, mean, var))
    a = scale / np.sqrt(var + epsilon)
    out = node.outputs[0]
    y = L.q.scale_by(x, _channel(L, node, a, x), node.name, out)
    return L.q.offset(y, _channel(L, node, b - mean * a, x), node.name, out)


def instance_norm(L: Lowering, node: FNode, x, scale, b, epsilon=1e-5):
    x = _need_q(node, x)
    gamma = _channel(L, node, _need_const(node, scale, "scale"), x)
    beta = _channel(L, node, _need_const(node, b, "B"), x)
    return L.q.normalize(x, _axes_from(L, node, 2), epsilon, gamma, beta, node.name,
                         node.outputs[0])


def layer_norm(L: Lowering, node: FNode, x, scale, b=None, axis=-1, epsilon=1e-5, stash_type=1):
    x = _need_q(node, x)
    gamma = L.const(node, _need_const(node, scale, "scale"), node.outputs[0])
    beta = None if b is None else L.const(node, _need_const(node, b, "B"), node.outputs[0])
    return L.q.normalize(x, _axes_from(L, node, axis), epsilon, gamma, beta, node.name,
                         node.outputs[0])


def softmax(L: Lowering, node: FNode, x, axis=None, _opset=13):
    keep = None
    if isinstance(x, MaskedScores):  # Where(mask, −inf, scores): the masked entries drop out
        x, keep = x.x, x.keep
    x = _need_q(node, x)
    rank = len(L.fg.shapes[node.inputs[0]])
    axes = [L.axis(node, a, node.inputs[0]) for a in softmax_axes(rank, axis, _opset)]
    axes = [a for a in axes if a is not None]
    if not axes:
        raise UnsupportedOpError(f"node {node.name!r}: Softmax over the batch axis only")
    return L.q.softmax(x, axes, node.name, node.outputs[0], keep=keep)


def _reduce_axes(L: Lowering, node: FNode, x: QVal, axes, noop) -> list[int]:
    rank = len(L.fg.shapes[node.inputs[0]])
    ax = [L.axis(node, a, node.inputs[0]) for a in reduce_axes(rank, axes, noop)]
    return [a for a in ax if a is not None]


def reduction(kind: str):
    def lower(L: Lowering, node: FNode, x, axes=None, keepdims=1, noop_with_empty_axes=0):
        x = _need_q(node, x)
        ax = _reduce_axes(L, node, x, axes, noop_with_empty_axes)
        q, out, name = L.q, node.outputs[0], node.name
        if not ax:
            return L.fit(node, x, out)
        if kind in ("max", "min"):
            return L.fit(node, q.reduce_max(x, ax, True, name, out, minimum=kind == "min"), out)
        if kind == "logsumexp":
            return L.fit(node, q.logsumexp(x, ax, name, out), out)
        if kind == "l1":
            x = q.unary(x, np.abs, name, out + "/abs", homogeneous=True)
        if kind in ("l2", "sumsquare"):
            x = q.mul(x, x, name, out + "/square")
        y = q.reduce_sum(x, ax, True, name, out if kind != "l2" else out + "/sum",
                         mean=kind == "mean")
        y = q.unary(y, np.sqrt, name, out) if kind == "l2" else y
        return L.fit(node, y, out)
    return lower


NN_LOWERINGS: dict = {
    "Gemm": gemm, "MatMul": matmul, "Conv": conv, "ConvTranspose": conv_transpose,
    "Resize": resize, "AveragePool": avg_pool, "MaxPool": max_pool,
    "GlobalAveragePool": global_avg_pool, "GlobalMaxPool": global_max_pool,
    "BatchNormalization": batch_norm, "InstanceNormalization": instance_norm,
    "LayerNormalization": layer_norm, "Softmax": softmax,
    "ReduceSum": reduction("sum"), "ReduceMean": reduction("mean"), "ReduceMax": reduction("max"),
    "ReduceMin": reduction("min"), "ReduceL1": reduction("l1"), "ReduceL2": reduction("l2"),
    "ReduceSumSquare": reduction("sumsquare"), "ReduceLogSumExp": reduction("logsumexp"),
}
