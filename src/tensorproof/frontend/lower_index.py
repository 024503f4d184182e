"""Lowerings of TopK, GatherND, ScatterND, ScatterElements (Scatter), integer Div and BitShift
(see lowering.py for the conventions; quant/selection.py and quant/intarith.py for what each
becomes).

The indexing ops work on the ONNX (batch-1) shapes, leading 1 included (``L.full``), so an
index into the batch axis of size 1 is an ordinary index; their outputs are reshaped to the
per-sample shapes at the end. A graph input used only as indices of these ops (and of
GatherElements), directly or through integer Casts, gets the range ONNX allows, [−n, n − 1]
(:func:`index_bounds`): an out-of-range index is then refused as an input (quantized inputs)
or clamped into it with a warning, like any input outside its range.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError
from ..quant import QVal
from .lower_ops import _operands
from .lower_ops import div as float_div
from .lowering import Lowering
from .normalize import FloatGraph, FNode


def _is_q(x) -> bool:
    return isinstance(x, QVal)


def _fail(node: FNode, what: str) -> UnsupportedOpError:
    return UnsupportedOpError(f"node {node.name!r} ({node.op}): {what}")


def _used(L: Lowering, name: str) -> bool:
    return bool(name) and (name in L.fg.outputs or any(name in n.inputs for n in L.fg.nodes))


def _full(L: Lowering, node: FNode, v, i: int):
    """Input i at its ONNX (batch-1) shape: a QVal reshaped, or the constant as it is."""
    return L.full(node, v, node.inputs[i]) if _is_q(v) else np.asarray(v)


def _int_indices(L: Lowering, node: FNode, v, i: int) -> None:
    if _is_q(v) and not L.is_int(node.inputs[i]):
        raise _fail(node, "indices that are not integers")


def topk(L: Lowering, node: FNode, x, k, axis=-1, largest=1, sorted=1):  # noqa: A002
    if not _is_q(x) or _is_q(k):
        raise _fail(node, "TopK needs a computed input and a constant k")
    a = L.axis(node, axis, node.inputs[0])
    if a is None:
        raise _fail(node, "TopK along the batch axis")
    outs = node.outputs + [""] * (2 - len(node.outputs))
    vals, idx = L.q.topk(x, int(np.ravel(k)[0]), a, bool(largest), node.name, outs[0],
                         indices=_used(L, outs[1]))
    return L.fit(node, vals, outs[0]), None if idx is None else L.fit(node, idx, outs[1])


def gather_nd(L: Lowering, node: FNode, data, indices, batch_dims=0) -> QVal:
    _int_indices(L, node, indices, 1)
    out = node.outputs[0]
    y = L.q.gather_nd(_full(L, node, data, 0), _full(L, node, indices, 1), int(batch_dims),
                      node.name, out)
    return L.fit(node, y, out)


def scatter_nd(L: Lowering, node: FNode, data, indices, updates, reduction="none") -> QVal:
    _int_indices(L, node, indices, 1)
    out = node.outputs[0]
    y = L.q.scatter_nd(_full(L, node, data, 0), _full(L, node, indices, 1),
                       _full(L, node, updates, 2), reduction, node.name, out)
    return L.fit(node, y, out)


def scatter_elements(L: Lowering, node: FNode, data, indices, updates, axis=0,
                     reduction="none") -> QVal:
    _int_indices(L, node, indices, 1)
    out = node.outputs[0]
    d = _full(L, node, data, 0)
    y = L.q.scatter_elements(d, _full(L, node, indices, 1), _full(L, node, updates, 2),
                             int(axis) % len(d.shape), reduction, node.name, out)
    return L.fit(node, y, out)


def div(L: Lowering, node: FNode, a, b) -> QVal:
    """Div of integers truncates toward zero (C semantics, as onnxruntime); real Div is
    lower_ops.div."""
    if not L.is_int(node.outputs[0]):
        return float_div(L, node, a, b)
    a, b, out = _operands(L, node, a, b)
    q = L.q
    if _is_q(b):
        if not _is_q(a):
            a = q.int_const(b, np.broadcast_to(np.asarray(a, np.int64), b.shape), node.name,
                            out + "/numerator")
        return q.int_div(a, b, node.name, out)
    return q.int_div_const(a, b, node.name, out)


def bit_shift(L: Lowering, node: FNode, x, y, direction="LEFT") -> QVal:
    out = node.outputs[0]
    dt = np.dtype(L.fg.dtypes.get(out, np.float64))
    if dt.kind != "u":
        raise _fail(node, f"BitShift of {dt.name} values (ONNX defines it on unsigned types)")
    if direction not in ("LEFT", "RIGHT"):
        raise _fail(node, f"direction {direction!r}")
    x, y, out = _operands(L, node, x, y)
    q = L.q
    if not _is_q(x):
        x = q.int_const(y, np.broadcast_to(np.asarray(x, np.int64), y.shape), node.name,
                        out + "/value")
    s = y if _is_q(y) else np.asarray(y).astype(np.int64)
    if direction == "LEFT":
        return q.shift_left(x, s, 8 * dt.itemsize, node.name, out)
    return q.shift_right(x, s, node.name, out)


INDEX_LOWERINGS: dict = {
    "TopK": topk, "GatherND": gather_nd, "ScatterND": scatter_nd,
    "ScatterElements": scatter_elements, "Scatter": scatter_elements, "Div": div,
    "BitShift": bit_shift,
}

_INDEXED = {"GatherElements": "axis", "ScatterElements": "axis", "Scatter": "axis",
            "GatherND": "batch_dims", "ScatterND": None}
"""Ops whose second input indexes their first; the attribute that says which axes."""


def _dims(fg: FloatGraph, node: FNode) -> int | None:
    """The largest dimension the indices (input 1) of ``node`` index, or None."""
    d, i = node.inputs[0], node.inputs[1]
    ds = fg.shapes.get(d, np.shape(fg.consts[d]) if d in fg.consts else None)
    ishape = fg.shapes.get(i)
    if ds is None or ishape is None or not len(ds):
        return None
    key = _INDEXED[node.op]
    if key == "axis":
        return int(ds[int(node.attrs.get("axis", 0)) % len(ds)])
    b = int(node.attrs.get("batch_dims", 0)) if key else 0
    m = int(ishape[-1]) if ishape else 0
    return max((int(n) for n in ds[b:b + m]), default=None)


def index_bounds(fg: FloatGraph, name: str) -> tuple[int, int] | None:
    """[−n, n − 1] when graph input ``name`` is read only as the indices of the ops of
    ``_INDEXED`` (through integer Casts), n the largest dimension it indexes; else None."""
    names, dims = {name}, []
    for n in fg.nodes:  # in execution order: a Cast's readers come after it
        for pos, i in enumerate(n.inputs):
            if i not in names:
                continue
            cast = n.op == "Cast" and np.dtype(fg.dtypes.get(n.outputs[0], np.float64)).kind in "iu"
            if cast:
                names.add(n.outputs[0])
            elif n.op in _INDEXED and pos == 1 and (d := _dims(fg, n)) is not None:
                dims.append(d)
            else:
                return None
    if not dims or names & set(fg.outputs):
        return None
    return -max(dims), max(dims) - 1
