"""Reference executor of the integer graph: the exact witness that the prover proves.

``execute(graph, inputs)`` runs a batch (leading axis B) with numpy and returns every tensor.
Exactness: products and their sums run in float64 BLAS only when the node's bound
max|x| · max_n Σ_k |W_kn| (from the proven input range and the weights) is below 2^53, so every
partial sum, in any summation order, is an integer that float64 represents exactly; otherwise
they run in int64 (ranges are below 2^62 by compile, so int64 never overflows). Convolution and
pooling use im2col views (``sliding_window_view``), never Python loops over elements.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ProverError
from ..ir.graph import IntGraph, Node, TensorSpec

FLOAT_EXACT = 2**53
"""Integers of absolute value up to 2^53 are exact in float64 (IEEE 754 binary64, 53-bit
significand), so are sums of such integers whose partial sums stay below it."""

_I64_MIN = np.iinfo(np.int64).min


def _exact_product(a: np.ndarray, b: np.ndarray, bound: int, fn) -> np.ndarray:
    """fn(a, b) for a bilinear fn: float64 BLAS when ``bound`` < 2^53, else int64."""
    if bound < FLOAT_EXACT:
        return fn(a.astype(np.float64), b.astype(np.float64)).astype(np.int64)
    return fn(a, b)


def _linear(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    w, b = n.consts["W"], n.consts["b"]
    bound = s[0].absmax * int(np.abs(w).sum(axis=0).max(initial=0))
    return _exact_product(xs[0], w, bound, np.matmul) + b


def _windows(x: np.ndarray, kernel, strides, pads, fill: int) -> np.ndarray:
    """(B, C, OH, OW, KH, KW) view of the zero- (or ``fill``-) padded input's windows."""
    t, left, bot, r = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, bot), (left, r)), constant_values=fill)
    win = sliding_window_view(xp, tuple(kernel), axis=(2, 3))
    return win[:, :, :: strides[0], :: strides[1]]


def _conv2d(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    w, b = n.consts["W"], n.consts["b"]
    win = _windows(xs[0], w.shape[2:], n.attrs["strides"], n.attrs["pads"], 0)
    bound = s[0].absmax * int(np.abs(w).reshape(w.shape[0], -1).sum(axis=1).max(initial=0))

    def conv(win_: np.ndarray, w_: np.ndarray) -> np.ndarray:
        return np.tensordot(win_, w_, axes=([1, 4, 5], [1, 2, 3]))  # (B, OH, OW, O)

    y = _exact_product(win, w, bound, conv)
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) + b[:, None, None]


def _sum_pool2d(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    a = n.attrs
    return _windows(xs[0], a["kernel"], a["strides"], a["pads"], 0).sum(axis=(-2, -1))


def _max_pool2d(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    a = n.attrs
    return _windows(xs[0], a["kernel"], a["strides"], a["pads"], _I64_MIN).max(axis=(-2, -1))


def _requant(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    x, a = xs[0], n.attrs
    mult = n.consts["mult"]
    # per channel: (C,) aligned with axis a["axis"] of the sample, i.e. axis + 1 of the batch
    mult = mult.reshape((-1,) + (1,) * (x.ndim - 2 - a["axis"])) if a["axis"] >= 0 else mult[0]
    y = (x * mult + (1 << (a["shift"] - 1))) >> a["shift"]  # arithmetic shift = floor
    return np.clip(y, a["lo"], a["hi"])


def _lookup(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    table = n.consts["table"]
    idx = xs[0] - n.attrs["x_lo"]
    if idx.size and (idx.min() < 0 or idx.max() >= table.shape[0]):
        raise ProverError(f"layer {n.name!r}: lookup input outside the table's domain")
    return table[idx]


def _reduce(fn):
    def run(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
        axes = tuple(a + 1 for a in n.attrs["axes"])
        return fn(xs[0], axis=axes, keepdims=bool(n.attrs["keepdims"]))
    return run


def _div_round(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    a, b = xs
    return np.floor_divide(a * (1 << n.attrs["shift"]) + b // 2, b)


def _slice(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    a = n.attrs
    sl = tuple(slice(i, j, k) for i, j, k in zip(a["starts"], a["ends"], a["steps"]))
    return np.ascontiguousarray(xs[0][(slice(None),) + sl])


def _matmul(n: Node, xs: list[np.ndarray], s: list[TensorSpec]) -> np.ndarray:
    bound = s[0].shape[-1] * s[0].absmax * s[1].absmax
    return _exact_product(xs[0], xs[1], bound, np.matmul)


KERNELS = {
    "linear": _linear,
    "conv2d": _conv2d,
    "sum_pool2d": _sum_pool2d,
    "max_pool2d": _max_pool2d,
    "requant": _requant,
    "lookup": _lookup,
    "add": lambda n, xs, s: xs[0] + xs[1],
    "add_const": lambda n, xs, s: xs[0] + n.consts["c"],
    "mul": lambda n, xs, s: xs[0] * xs[1],
    "mul_const": lambda n, xs, s: xs[0] * n.consts["c"],
    "reshape": lambda n, xs, s: xs[0].reshape((xs[0].shape[0],) + tuple(n.attrs["shape"])),
    "transpose": lambda n, xs, s: np.ascontiguousarray(
        xs[0].transpose((0,) + tuple(p + 1 for p in n.attrs["perm"]))),
    "concat": lambda n, xs, s: np.concatenate(xs, axis=n.attrs["axis"] + 1),
    "reduce_sum": _reduce(np.sum),
    "reduce_max": _reduce(np.max),
    "div_round": _div_round,
    "slice": _slice,
    "broadcast": lambda n, xs, s: np.ascontiguousarray(
        np.broadcast_to(xs[0], (xs[0].shape[0],) + tuple(n.attrs["shape"]))),
    "matmul": _matmul,
}


def _check_range(spec: TensorSpec, v: np.ndarray, what: str) -> None:
    if v.size and (int(v.min()) < spec.lo or int(v.max()) > spec.hi):
        raise ProverError(f"{what} {spec.name!r} leaves its proven range [{spec.lo}, {spec.hi}] "
                          f"(values in [{int(v.min())}, {int(v.max())}])")


def _inputs(graph: IntGraph, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    vals: dict[str, np.ndarray] = {}
    batch = None
    for name in graph.inputs:
        spec = graph.tensors[name]
        if name not in inputs:
            raise ProverError(f"no value given for graph input {name!r}")
        x = np.asarray(inputs[name])
        if x.dtype.kind not in "iu" or x.shape[1:] != spec.shape or x.ndim != len(spec.shape) + 1:
            raise ProverError(f"input {name!r}: expected an integer array of shape "
                              f"(B, {', '.join(map(str, spec.shape))}), got {x.dtype} {x.shape}")
        if batch is not None and x.shape[0] != batch:
            raise ProverError("all inputs must have the same batch size")
        batch = x.shape[0]
        _check_range(spec, x, "input")
        vals[name] = x.astype(np.int64)
    return vals


def execute(graph: IntGraph, inputs: dict[str, np.ndarray], check_ranges: bool = True
            ) -> dict[str, np.ndarray]:
    """Run ``graph`` on int64 inputs of shape (B, *shape); return every tensor by name.

    With ``check_ranges`` every tensor is checked against its proven range (ProverError if one
    leaves it — for a compiled graph that would be a compiler bug or an out-of-range input).
    """
    vals = _inputs(graph, inputs)
    for node in graph.nodes:
        specs = [graph.tensors[i] for i in node.inputs]
        y = KERNELS[node.op](node, [vals[i] for i in node.inputs], specs)
        if check_ranges:
            _check_range(graph.tensors[node.output], y, "tensor")
        vals[node.output] = y
    return vals
