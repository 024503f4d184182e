"""Float reference semantics of ONNX operators in numpy: elementwise, shape and constant ops.

A table keyed by ONNX op name (tinygrad style): ``fn(*inputs, **attributes)`` with ONNX's input
order (None for an omitted optional input) and attribute names. The frontend uses these to fold
constants, to compute static shapes and to observe every tensor on calibration data. Neural-network
ops are in :mod:`float_nn`. :data:`UNARY` lists the elementwise functions that quantize to a table.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError

_ONNX_DTYPES = {1: np.float64, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
                7: np.int64, 9: np.bool_, 10: np.float64, 11: np.float64, 12: np.uint32,
                13: np.uint64, 16: np.float64}
"""ONNX TensorProto element type → numpy dtype (every float kind computes in float64)."""


def np_dtype(onnx_type: int) -> type:
    """numpy dtype for an ONNX element type."""
    if onnx_type not in _ONNX_DTYPES:
        raise UnsupportedOpError(f"ONNX element type {onnx_type} is not supported")
    return _ONNX_DTYPES[onnx_type]


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7)."""
    s, a = np.sign(x), np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                           + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _selu(x, alpha=1.67326319217681884765625, gamma=1.05070102214813232421875):
    return gamma * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / np.sqrt(2.0)))


UNARY: dict[str, tuple] = {
    # name: (f(x, **attrs), positively homogeneous: f(a·x) = a·f(x) for a > 0)
    "Relu": (lambda x: np.maximum(x, 0.0), True),
    "LeakyRelu": (lambda x, alpha=0.01: np.where(x >= 0, x, alpha * x), True),
    "Abs": (np.abs, True),
    "Neg": (np.negative, True),
    "Sigmoid": (lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)), False),
    "Tanh": (np.tanh, False),
    "Exp": (np.exp, False),
    "Log": (np.log, False),
    "Sqrt": (np.sqrt, False),
    "Reciprocal": (lambda x: 1.0 / x, False),
    "Sign": (np.sign, False),
    "Floor": (np.floor, False),
    "Ceil": (np.ceil, False),
    "Round": (np.round, False),
    "Erf": (_erf, False),
    "Elu": (lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))), False),
    "Celu": (lambda x, alpha=1.0: np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(
        np.minimum(x, 0) / alpha)), False),
    "Selu": (_selu, False),
    "Softplus": (_softplus, False),
    "Softsign": (lambda x: x / (1.0 + np.abs(x)), False),
    "HardSigmoid": (lambda x, alpha=0.2, beta=0.5: np.clip(alpha * x + beta, 0, 1), False),
    "HardSwish": (lambda x: x * np.clip(x / 6.0 + 0.5, 0, 1), False),
    "ThresholdedRelu": (lambda x, alpha=1.0: np.where(x > alpha, x, 0.0), False),
    "Mish": (lambda x: x * np.tanh(_softplus(x)), False),
    "Gelu": (_gelu, False),
    "Sin": (np.sin, False), "Cos": (np.cos, False), "Tan": (np.tan, False),
    "Asin": (np.arcsin, False), "Acos": (np.arccos, False), "Atan": (np.arctan, False),
    "Sinh": (np.sinh, False), "Cosh": (np.cosh, False), "Asinh": (np.arcsinh, False),
    "Acosh": (np.arccosh, False), "Atanh": (np.arctanh, False),
}


def _int_div(a, b):
    if np.asarray(a).dtype.kind in "iu" and np.asarray(b).dtype.kind in "iu":
        return np.trunc(np.asarray(a) / np.asarray(b)).astype(np.result_type(a, b))
    return np.asarray(a, dtype=np.float64) / b


def _pow(a, b):
    if np.asarray(a).dtype.kind in "iu":
        return np.power(a, b)
    return np.power(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))


def _axes(axes, ndim: int) -> tuple[int, ...]:
    return tuple(int(a) % ndim for a in np.asarray(axes).ravel())


def _reshape(x, shape, allowzero=0):
    shape = [int(d) for d in np.asarray(shape).ravel()]
    if not allowzero:
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return np.reshape(x, shape)


def _flatten(x, axis=1):
    axis = axis + x.ndim if axis < 0 else axis
    return np.reshape(x, (int(np.prod(x.shape[:axis])), -1))


def _squeeze(x, axes=None):
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=_axes(axes, x.ndim))


def _unsqueeze(x, axes):
    out = np.asarray(x)
    for a in sorted(int(a) % (x.ndim + len(np.ravel(axes))) for a in np.ravel(axes)):
        out = np.expand_dims(out, a)
    return out


def _slice(x, starts, ends, axes=None, steps=None):
    starts, ends = np.ravel(starts), np.ravel(ends)
    axes = range(len(starts)) if axes is None else _axes(axes, x.ndim)
    steps = np.ones(len(starts), np.int64) if steps is None else np.ravel(steps)
    sl = [slice(None)] * x.ndim
    for a, s, e, st in zip(axes, starts, ends, steps):
        s, e = int(max(min(s, 2**62), -(2**62))), int(max(min(e, 2**62), -(2**62)))
        sl[a] = slice(s, e, int(st))
    return x[tuple(sl)]


def _split(x, split=None, axis=0, num_outputs=None):
    axis %= x.ndim
    if split is None:
        n = num_outputs or 1
        size = -(-x.shape[axis] // n)
        split = [min(size, x.shape[axis] - i * size) for i in range(n)]
    idx = np.cumsum(np.ravel(split))[:-1]
    return tuple(np.split(x, idx, axis=axis))


def _gather(x, indices, axis=0):
    return np.take(x, np.asarray(indices, dtype=np.int64), axis=axis)


def _pad(x, pads=None, constant_value=None, axes=None, mode="constant", value=0.0):
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "constant":
        raise UnsupportedOpError(f"Pad mode {mode!r} is not supported (only constant)")
    p = [int(v) for v in np.ravel(pads)]
    axes = range(x.ndim) if axes is None else _axes(axes, x.ndim)
    width = [(0, 0)] * x.ndim
    for i, a in enumerate(axes):
        width[a] = (p[i], p[i + len(p) // 2])
    if any(w < 0 for pair in width for w in pair):
        raise UnsupportedOpError("Pad with negative pads is not supported")
    fill = value if constant_value is None else float(np.ravel(constant_value)[0])
    return np.pad(x, width, constant_values=fill)


def _range(start, limit, delta):
    return np.arange(np.ravel(start)[0], np.ravel(limit)[0], np.ravel(delta)[0])


def _constant_of_shape(shape, value=None):
    v = np.zeros(1) if value is None else np.asarray(value).ravel()
    return np.full([int(d) for d in np.ravel(shape)], v[0], dtype=v.dtype)


def _expand(x, shape):
    shape = [int(d) for d in np.ravel(shape)]
    return np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(shape))).copy()


def _shape(x, start=0, end=None):
    return np.array(np.shape(x)[start:end], dtype=np.int64)


def _argmax(x, axis=0, keepdims=1, select_last_index=0):
    x = np.asarray(x)
    axis %= max(x.ndim, 1)
    if select_last_index:
        r = x.shape[axis] - 1 - np.argmax(np.flip(x, axis=axis), axis=axis)
    else:
        r = np.argmax(x, axis=axis)
    return np.expand_dims(r, axis) if keepdims else r


def _argmin(x, axis=0, keepdims=1, select_last_index=0):
    return _argmax(-np.asarray(x, dtype=np.float64), axis, keepdims, select_last_index)


def _wrap(indices, n: int) -> np.ndarray:
    idx = np.asarray(indices).astype(np.int64)
    return np.where(idx < 0, idx + n, idx)


def _gather_elements(x, indices, axis=0):
    x, idx = np.asarray(x), np.asarray(indices)
    axis %= x.ndim
    x = x[tuple(slice(None) if a == axis else slice(0, d) for a, d in enumerate(idx.shape))]
    return np.take_along_axis(x, _wrap(idx, x.shape[axis]), axis=axis)


def _one_hot(indices, depth, values, axis=-1):
    n = int(np.ravel(depth)[0])
    hot = _wrap(indices, n)[..., None] == np.arange(n)  # out-of-range indices: all "off"
    out = np.where(hot, np.ravel(values)[1], np.ravel(values)[0])
    return np.moveaxis(out, -1, axis % out.ndim)


def _trilu(x, k=None, upper=1):
    k = 0 if k is None else int(np.ravel(k)[0])
    return np.triu(x, k) if upper else np.tril(x, k)


ELEMENTWISE: dict = {
    "Identity": lambda x: x,
    "Dropout": lambda x, *rest, **kw: x,
    "Cast": lambda x, to=1, saturate=1: np.asarray(x).astype(np_dtype(to)),
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": _int_div, "Pow": _pow,
    "Mod": lambda a, b, fmod=0: np.fmod(a, b) if fmod else np.mod(a, b),
    "Max": lambda *xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
    "Min": lambda *xs: np.minimum.reduce(np.broadcast_arrays(*xs)),
    "Sum": lambda *xs: np.add.reduce(np.broadcast_arrays(*xs)),
    "Mean": lambda *xs: np.add.reduce(np.broadcast_arrays(*xs)) / len(xs),
    "Equal": np.equal, "Less": np.less, "Greater": np.greater, "LessOrEqual": np.less_equal,
    "GreaterOrEqual": np.greater_equal, "And": np.logical_and, "Or": np.logical_or,
    "Xor": np.logical_xor, "Not": np.logical_not, "Where": np.where,
    "Clip": lambda x, min=None, max=None: np.clip(  # noqa: A002 (ONNX names)
        x, -np.inf if min is None else np.ravel(min)[0],
        np.inf if max is None else np.ravel(max)[0]),
    "PRelu": lambda x, slope: np.where(x >= 0, x, x * slope),
    "Shape": _shape, "Size": lambda x: np.array(np.size(x), dtype=np.int64),
    "ConstantOfShape": _constant_of_shape, "Range": _range,
    "Reshape": _reshape, "Flatten": _flatten, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze,
    "Transpose": lambda x, perm=None: np.transpose(x, perm),
    "Concat": lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    "Split": _split, "Slice": _slice, "Gather": _gather, "Pad": _pad, "Expand": _expand,
    "Tile": lambda x, repeats: np.tile(x, [int(r) for r in np.ravel(repeats)]),
    "NonZero": lambda x: np.array(np.nonzero(x), dtype=np.int64),
    "ArgMax": _argmax, "ArgMin": _argmin, "Trilu": _trilu,
    "GatherElements": _gather_elements, "OneHot": _one_hot,
}
for _name, (_f, _h) in UNARY.items():
    ELEMENTWISE[_name] = _f
