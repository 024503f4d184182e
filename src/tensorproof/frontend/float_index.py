"""Float reference semantics of TopK, GatherND, ScatterND, ScatterElements and BitShift, in the
style of float_ops.py (``fn(*inputs, **attributes)`` with ONNX's names).

Integer semantics follow ONNX and onnxruntime: TopK sorts stably (among equal values the lower
index comes first, for largest and smallest alike); a scatter with ``reduction`` "none" and
repeated indices keeps the last update (what onnxruntime and the ONNX reference do; ONNX leaves
it undefined); negative indices wrap and an index outside [−n, n − 1] is an error, as in
onnxruntime. BitShift works on the unsigned type: a left shift wraps modulo 2^bits.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError


def _index_error(what: str, idx: np.ndarray, n) -> UnsupportedOpError:
    return UnsupportedOpError(f"{what}: index out of range (values in [{int(idx.min())}, "
                              f"{int(idx.max())}] for a dimension of {n})")


def _wrapped(idx, n, what: str) -> np.ndarray:
    idx = np.asarray(idx).astype(np.int64)
    n = np.asarray(n, dtype=np.int64)
    if idx.size and (np.any(idx < -n) or np.any(idx >= n)):
        raise _index_error(what, idx, n)
    return np.where(idx < 0, idx + n, idx)


def topk(x, k, axis=-1, largest=1, sorted=1):  # noqa: A002 (ONNX names)
    """(values, indices) of the k largest (smallest) entries along ``axis``, in order; equal
    values keep their index order."""
    x = np.asarray(x)
    k = int(np.ravel(k)[0])
    axis %= x.ndim
    if not 1 <= k <= x.shape[axis]:
        raise UnsupportedOpError(f"TopK: k = {k} for an axis of {x.shape[axis]} (k must be a "
                                 "constant from 1 to the axis' length)")
    if largest:  # descending, ties by ascending index: ascending sort of the flipped axis
        n = x.shape[axis]
        order = n - 1 - np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    else:
        order = np.argsort(x, axis=axis, kind="stable")
    idx = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)


def gather_nd(data, indices, batch_dims=0):
    """data[indices[..., :]] with ``batch_dims`` leading axes shared (ONNX GatherND)."""
    data, idx = np.asarray(data), np.asarray(indices).astype(np.int64)
    b, m = int(batch_dims), idx.shape[-1]
    lead = data.shape[:b]
    rows = data.reshape((int(np.prod(lead, dtype=np.int64)), -1) + data.shape[b + m:]) \
        if b else data[None]
    dims = data.shape[b: b + m]
    ix = idx.reshape((rows.shape[0], -1, m))
    flat = np.zeros(ix.shape[:2], np.int64)
    for j, n in enumerate(dims):  # m index components (a handful): not a loop over elements
        flat = flat * n + _wrapped(ix[..., j], n, "GatherND")
    rows = rows.reshape((rows.shape[0], int(np.prod(dims, dtype=np.int64))) + data.shape[b + m:])
    out = np.take_along_axis(rows, flat.reshape(flat.shape + (1,) * (rows.ndim - 2)), axis=1)
    return out.reshape(idx.shape[:-1] + data.shape[b + m:])


def _reduce(reduction: str):
    if reduction in ("none", "", None):
        return None
    if reduction in ("add", "mul", "max", "min"):
        return {"add": np.add, "mul": np.multiply, "max": np.maximum,
                "min": np.minimum}[reduction]
    raise UnsupportedOpError(f"scatter reduction {reduction!r}")


def scatter_nd(data, indices, updates, reduction="none"):
    """data with data[indices[t]] = updates[t] (or combined by ``reduction``); the last of
    repeated indices wins for "none"."""
    data, idx = np.array(data), np.asarray(indices).astype(np.int64)
    upd = np.asarray(updates)
    m = idx.shape[-1]
    dims = data.shape[:m]
    flat = np.zeros(idx.shape[:-1], np.int64)
    for j, n in enumerate(dims):
        flat = flat * n + _wrapped(idx[..., j], n, "ScatterND")
    out = data.reshape((int(np.prod(dims, dtype=np.int64)),) + data.shape[m:])
    rows = upd.reshape((-1,) + data.shape[m:]).astype(out.dtype)
    fn = _reduce(reduction)
    if fn is None:
        out[flat.ravel()] = rows  # numpy assigns in order: the last repeated index wins
    else:
        fn.at(out, flat.ravel(), rows)
    return out.reshape(data.shape)


def scatter_elements(data, indices, updates, axis=0, reduction="none"):
    """ONNX ScatterElements: out[i with i_axis → indices[i]] = updates[i]."""
    data, idx = np.array(data), np.asarray(indices).astype(np.int64)
    upd = np.asarray(updates).astype(data.dtype)
    axis %= data.ndim
    pos = _wrapped(idx, data.shape[axis], "ScatterElements")
    grid = list(np.indices(idx.shape))
    grid[axis] = pos
    flat = np.ravel_multi_index(tuple(grid), data.shape).ravel()
    out = data.reshape(-1)
    fn = _reduce(reduction)
    if fn is None:
        out[flat] = upd.ravel()
    else:
        fn.at(out, flat, upd.ravel())
    return out.reshape(data.shape)


def bit_shift(x, y, direction="LEFT"):
    """x << y or x >> y on unsigned integers (a left shift wraps modulo 2^bits)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype.kind not in "iu":  # a float trace of an integer graph (calibration)
        x, y = x.astype(np.int64), y.astype(np.int64)
    if direction == "LEFT":
        return np.left_shift(x, y.astype(x.dtype))
    if direction == "RIGHT":
        return np.right_shift(x, y.astype(x.dtype))
    raise UnsupportedOpError(f"BitShift direction {direction!r}")


INDEX_OPS: dict = {
    "TopK": topk, "GatherND": gather_nd, "ScatterND": scatter_nd,
    "ScatterElements": scatter_elements, "Scatter": scatter_elements, "BitShift": bit_shift,
}
"""The float semantics added to normalize.FLOAT_OPS."""
