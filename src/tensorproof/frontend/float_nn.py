"""Float reference semantics of ONNX neural-network operators (numpy, float64).

Same conventions as :mod:`float_ops`: ``fn(*inputs, **attributes)``, keyed by ONNX op name.
Convolution and pooling use strided window views (im2col), never loops over elements.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError
from .geometry import window_counts, window_pads, windows


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    a = a.T if transA else a
    b = b.T if transB else b
    y = alpha * (np.asarray(a, np.float64) @ np.asarray(b, np.float64))
    return y if c is None else y + beta * c


def _as_2d(x: np.ndarray) -> np.ndarray:
    if x.ndim == 3:
        return x[:, :, None, :]
    if x.ndim != 4:
        raise UnsupportedOpError(f"only 1-D and 2-D convolution/pooling are supported "
                                 f"(input of rank {x.ndim})")
    return x


def _k2(kernel) -> list[int]:
    return [1] + list(kernel) if len(kernel) == 1 else list(kernel)


def _p2(v, n: int):
    if v is None:
        return None
    v = list(v)
    if len(v) == 1:
        return [1] + v if n == 1 else v
    if len(v) == 2 and n == 2:  # 1-D pads (begin, end) → (top, left, bottom, right)
        return [0, v[0], 0, v[1]]
    return v


def conv_geometry(x_shape, kernel, strides=None, pads=None, auto_pad="NOTSET", ceil_mode=0,
                  dilations=None, node: str = ""):
    """Resolved 2-D geometry of a 1-D or 2-D window op: (kernel, strides, pads, extra)."""
    k = _k2(kernel)
    one_d = len(kernel) == 1
    s = _p2(strides, 1) if strides is not None else [1, 1]
    d = _p2(dilations, 1) if dilations is not None else [1, 1]
    p = None if pads is None else ([0, pads[0], 0, pads[1]] if one_d else list(pads))
    hw = (1, x_shape[-1]) if one_d else tuple(x_shape[-2:])
    pads4, extra = window_pads(hw, k, s, p, auto_pad, ceil_mode, d, node)
    return k, s, pads4, extra


def _conv(x, w, b=None, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None,
          pads=None, strides=None):
    if group != 1:
        raise UnsupportedOpError(f"Conv with group={group} is not supported (only group=1)")
    out_1d = x.ndim == 3
    k, s, p, _ = conv_geometry(x.shape, w.shape[2:], strides, pads, auto_pad, 0, dilations)
    xw = windows(_as_2d(np.asarray(x, np.float64)), k, s, p, 0.0)
    w4 = np.asarray(w, np.float64).reshape(w.shape[0], w.shape[1], k[0], k[1])
    y = np.tensordot(xw, w4, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b[None, :, None, None]
    return y[:, :, 0, :] if out_1d else y


def conv_transpose_as_conv(w, kernel_shape=None, pads=None, strides=None, output_padding=None,
                           dilations=None, group=1, auto_pad="NOTSET", output_shape=None):
    """ConvTranspose as a stride-1 convolution of the zero-stuffed input: (conv weights
    (O, C, KH, KW), strides (2), conv pads (t, l, b, r))."""
    if group != 1 or output_shape is not None or auto_pad not in ("NOTSET", b"NOTSET"):
        raise UnsupportedOpError("ConvTranspose is supported with group=1, explicit pads and no "
                                 "output_shape")
    one_d = w.ndim == 3
    w4 = w[:, :, None, :] if one_d else w
    k = w4.shape[2:]
    s = _p2(strides, 1) if strides is not None else [1, 1]
    if (_p2(dilations, 1) if dilations is not None else [1, 1]) != [1, 1]:
        raise UnsupportedOpError("ConvTranspose with dilations other than 1 is not supported")
    p = [0, 0, 0, 0] if pads is None else ([0, pads[0], 0, pads[1]] if one_d else list(pads))
    op = [0, 0] if output_padding is None else ([0] + list(output_padding) if one_d
                                                 else list(output_padding))
    cp = [k[0] - 1 - p[0], k[1] - 1 - p[1], k[0] - 1 - p[2] + op[0], k[1] - 1 - p[3] + op[1]]
    if min(cp) < 0:
        raise UnsupportedOpError("ConvTranspose with pads larger than kernel − 1")
    wc = np.asarray(w4, np.float64)[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(wc), s, cp


def _conv_transpose(x, w, b=None, **attrs):
    wc, s, cp = conv_transpose_as_conv(w, **attrs)
    x4 = _as_2d(np.asarray(x, np.float64))
    n, c, h, ww = x4.shape
    up = np.zeros((n, c, (h - 1) * s[0] + 1, (ww - 1) * s[1] + 1))
    up[:, :, :: s[0], :: s[1]] = x4
    y = np.tensordot(windows(up, wc.shape[2:], (1, 1), cp, 0.0), wc,
                     axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b[None, :, None, None]
    return y[:, :, 0, :] if x.ndim == 3 else y


def resize_index(n_in: int, n_out: int, scale: float, mode: str, nearest: str) -> np.ndarray:
    """Source index of each output position of a nearest-neighbour Resize along one axis."""
    i = np.arange(n_out, dtype=np.float64)
    if mode == "asymmetric":
        x = i / scale
    elif mode == "align_corners":
        x = i * (n_in - 1) / (n_out - 1) if n_out > 1 else np.zeros(n_out)
    elif mode == "tf_half_pixel_for_nn":
        x = (i + 0.5) / scale
    elif mode in ("half_pixel", "pytorch_half_pixel"):
        x = (i + 0.5) / scale - 0.5 if (n_out > 1 or mode == "half_pixel") else np.zeros(n_out)
    else:
        raise UnsupportedOpError(f"Resize coordinate_transformation_mode {mode!r} is not "
                                 "supported")
    rounding = {"floor": np.floor, "ceil": np.ceil, "round_prefer_ceil": lambda v: np.floor(
        v + 0.5), "round_prefer_floor": lambda v: np.ceil(v - 0.5)}
    if nearest not in rounding:
        raise UnsupportedOpError(f"Resize nearest_mode {nearest!r} is not supported")
    return np.clip(rounding[nearest](x), 0, n_in - 1).astype(np.int64)


def resize_plan(shape, roi=None, scales=None, sizes=None, coordinate_transformation_mode=
                "half_pixel", mode="nearest", nearest_mode="round_prefer_floor", **unused):
    """Per-axis source indices (None where an axis is unchanged) of a nearest Resize."""
    if mode != "nearest" or unused.get("antialias") or unused.get("axes") is not None:
        raise UnsupportedOpError(f"Resize mode {mode!r} is not supported (nearest only)")
    if sizes is not None and np.size(sizes):
        out = [int(v) for v in np.ravel(sizes)]
        sc = [o / i for o, i in zip(out, shape)]
    else:
        sc = [float(v) for v in np.ravel(scales)]
        out = [int(np.floor(i * f)) for i, f in zip(shape, sc)]
    plan = []
    for n_in, n_out, f in zip(shape, out, sc):
        idx = resize_index(n_in, n_out, f, coordinate_transformation_mode, nearest_mode)
        plan.append(None if n_in == n_out and np.array_equal(idx, np.arange(n_in)) else idx)
    return plan


def _resize(x, roi=None, scales=None, sizes=None, **attrs):
    for axis, idx in enumerate(resize_plan(x.shape, roi, scales, sizes, **attrs)):
        if idx is not None:
            x = np.take(x, idx, axis=axis)
    return x


def _pool(x, kernel_shape, auto_pad, ceil_mode, dilations, pads, strides):
    k, s, p, extra = conv_geometry(x.shape, kernel_shape, strides, pads, auto_pad, ceil_mode,
                                   dilations)
    return _as_2d(np.asarray(x, np.float64)), k, s, p, extra


def _avg_pool(x, auto_pad="NOTSET", ceil_mode=0, count_include_pad=0, dilations=None,
              kernel_shape=(1,), pads=None, strides=None):
    x4, k, s, p, extra = _pool(x, kernel_shape, auto_pad, ceil_mode, dilations, pads, strides)
    total = windows(x4, k, s, p, 0.0).sum(axis=(-2, -1))
    y = total / window_counts(x4.shape[2:], k, s, p, extra, bool(count_include_pad))
    return y[:, :, 0, :] if x.ndim == 3 else y


def _max_pool(x, auto_pad="NOTSET", ceil_mode=0, dilations=None, kernel_shape=(1,), pads=None,
              storage_order=0, strides=None):
    x4, k, s, p, _ = _pool(x, kernel_shape, auto_pad, ceil_mode, dilations, pads, strides)
    y = windows(x4, k, s, p, -np.inf).max(axis=(-2, -1))
    return y[:, :, 0, :] if x.ndim == 3 else y


def _channel(v, ndim: int) -> np.ndarray:
    return np.asarray(v, np.float64).reshape((1, -1) + (1,) * (ndim - 2))


def _batch_norm(x, scale, b, mean, var, epsilon=1e-5, momentum=0.9, training_mode=0,
                spatial=1):
    if training_mode:
        raise UnsupportedOpError("BatchNormalization in training mode is not supported")
    a = scale / np.sqrt(var + epsilon)
    return x * _channel(a, x.ndim) + _channel(b - mean * a, x.ndim)


def _instance_norm(x, scale, b, epsilon=1e-5):
    axes = tuple(range(2, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    y = d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + epsilon)
    return y * _channel(scale, x.ndim) + _channel(b, x.ndim)


def _layer_norm(x, scale, b=None, axis=-1, epsilon=1e-5, stash_type=1):
    axes = tuple(range(axis % x.ndim, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    y = d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + epsilon) * scale
    return y if b is None else y + b


def softmax_axes(ndim: int, axis, opset: int) -> tuple[int, ...]:
    """Axes Softmax normalizes over: one axis from opset 13, the flattened tail before it."""
    if axis is None:
        axis = -1 if opset >= 13 else 1
    axis %= ndim
    return (axis,) if opset >= 13 else tuple(range(axis, ndim))


def _softmax(x, axis=None, _opset=13):
    axes = softmax_axes(x.ndim, axis, _opset)
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return e / e.sum(axis=axes, keepdims=True)


def _log_softmax(x, axis=None, _opset=13):
    axes = softmax_axes(x.ndim, axis, _opset)
    d = x - x.max(axis=axes, keepdims=True)
    return d - np.log(np.exp(d).sum(axis=axes, keepdims=True))


def reduce_axes(ndim: int, axes, noop_with_empty_axes: int = 0) -> tuple[int, ...]:
    """Axes of an ONNX reduction (all axes when none are given)."""
    if axes is None or np.size(axes) == 0:
        return () if noop_with_empty_axes else tuple(range(ndim))
    return tuple(sorted(int(a) % ndim for a in np.ravel(axes)))


def _reduction(fn):
    def run(x, axes=None, keepdims=1, noop_with_empty_axes=0):
        ax = reduce_axes(np.ndim(x), axes, noop_with_empty_axes)
        return fn(np.asarray(x), axis=ax, keepdims=bool(keepdims)) if ax else x
    return run


NN: dict = {
    "Gemm": _gemm,
    "MatMul": lambda a, b: np.matmul(a, b),
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "Resize": _resize,
    "AveragePool": _avg_pool,
    "MaxPool": _max_pool,
    "GlobalAveragePool": lambda x: x.mean(axis=tuple(range(2, x.ndim)), keepdims=True),
    "GlobalMaxPool": lambda x: x.max(axis=tuple(range(2, x.ndim)), keepdims=True),
    "BatchNormalization": _batch_norm,
    "InstanceNormalization": _instance_norm,
    "LayerNormalization": _layer_norm,
    "Softmax": _softmax,
    "LogSoftmax": _log_softmax,
    "ReduceSum": _reduction(np.sum),
    "ReduceMean": _reduction(np.mean),
    "ReduceMax": _reduction(np.max),
    "ReduceMin": _reduction(np.min),
    "ReduceProd": _reduction(np.prod),
    "ReduceL1": _reduction(lambda x, **k: np.abs(x).sum(**k)),
    "ReduceL2": _reduction(lambda x, **k: np.sqrt((x * x).sum(**k))),
    "ReduceSumSquare": _reduction(lambda x, **k: (x * x).sum(**k)),
    "ReduceLogSumExp": _reduction(lambda x, **k: np.log(np.exp(x).sum(**k))),
}
