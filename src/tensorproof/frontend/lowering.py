"""Lowering a normalized float graph onto the quantizer, one ONNX op at a time.

The op table (:data:`LOWERINGS`, built from lower_ops and lower_nn) is keyed by ONNX op name;
each entry is called as ``fn(L, node, *inputs, **attributes)`` with ONNX's input order and
attribute names (tinygrad style), where an input is a :class:`QVal` (it depends on the model's
inputs) or a numpy array (a folded constant). ONNX axes count the batch axis; the integer graph's
axes are per sample, so ``L.axis`` shifts them and refuses any op across the batch axis.
"""

from __future__ import annotations

import numpy as np

from ..errors import CompileError, TensorProofError, UnsupportedOpError
from ..quant import QVal
from ..quant.layers import Quantizer
from .expand_ml import EXPANDED as ML_EXPANDED
from .normalize import FloatGraph, FNode

STRUCTURAL = ("Constant", "Identity", "Dropout", "Shape", "Reshape", "Flatten", "Squeeze",
              "Unsqueeze", "Expand", "Cast")
"""Ops folded or removed by normalization (Cast: to a float type only)."""

UNROLLED = ("GRU", "LSTM", "RNN")
"""Recurrent ops that normalization unrolls into the ops below (expand_rnn.py)."""


def _table() -> dict:
    from .lower_index import INDEX_LOWERINGS
    from .lower_logic import LOGIC_LOWERINGS
    from .lower_nn import NN_LOWERINGS
    from .lower_ops import OP_LOWERINGS

    return {**OP_LOWERINGS, **NN_LOWERINGS, **LOGIC_LOWERINGS, **INDEX_LOWERINGS}


def supported_ops() -> list[str]:
    """Every ONNX operator the compiler accepts on the path from the inputs, sorted."""
    return sorted({k for k in _table() if not k.startswith("tp.")} | set(STRUCTURAL)
                  | set(UNROLLED) | set(ML_EXPANDED))


class Deferred:
    """A value quantized when used (a constant table gathered by computed indices): the ops in
    ``consumers`` receive the object itself (a comparison quantizes the table as thresholds
    against the other operand's scale); every other use gets ``value(L, node)``."""

    consumers: tuple[str, ...] = ()

    def value(self, L: Lowering, node: FNode) -> QVal:
        raise NotImplementedError


class Lowering:
    """State of one lowering: the float graph, the quantizer and the value of each tensor."""

    def __init__(self, fg: FloatGraph, q: Quantizer) -> None:
        self.fg = fg
        self.q = q
        self.vals: dict[str, QVal] = {}

    def shape(self, name: str) -> tuple[int, ...]:
        """Per-sample static shape of a float tensor."""
        return self.fg.ps(name)

    def stripped(self, name: str) -> bool:
        """Whether the per-sample shape of ``name`` drops a leading 1 of its ONNX shape."""
        s = self.fg.shapes[name]
        return len(s) >= 2 and s[0] == 1

    def axis(self, node: FNode, axis: int, name: str) -> int | None:
        """ONNX axis of tensor ``name`` → per-sample axis; None for the dropped leading 1."""
        rank = max(len(self.fg.shapes[name]), 1)
        a = int(axis) + rank if int(axis) < 0 else int(axis)
        if not 0 <= a < rank:
            raise UnsupportedOpError(f"node {node.name!r} ({node.op}): axis {axis} out of range")
        if self.stripped(name):
            return None if a == 0 else a - 1
        return a

    def full(self, node: FNode, v: QVal, name: str) -> QVal:
        """``v`` reshaped to the ONNX (batch-1) shape of ``name``, leading 1 included."""
        shape = self.fg.shapes[name] or (1,)
        if v.shape == tuple(shape):
            return v
        return self.q.shape_op("reshape", v, node.name, v.ref, shape=list(shape))

    def fit(self, node: FNode, v: QVal, out: str) -> QVal:
        """``v`` reshaped to the per-sample shape of ``out`` (same size)."""
        if v.shape == self.shape(out):
            return v
        return self.q.shape_op("reshape", v, node.name, out, shape=list(self.shape(out)))

    def const(self, node: FNode, c: np.ndarray, out: str) -> np.ndarray:
        """A constant operand as a float array broadcastable to the per-sample output shape."""
        c = np.asarray(c, dtype=np.float64)
        rank = len(self.shape(out))
        while c.ndim > rank:
            if c.shape[0] != 1:
                raise UnsupportedOpError(f"node {node.name!r} ({node.op}): a constant operand "
                                         f"of shape {c.shape} spans the batch axis")
            c = c[0]
        return c

    def expand(self, node: FNode, v: QVal, shape: tuple[int, ...]) -> QVal:
        """``v`` broadcast (numpy rules) to the per-sample ``shape``."""
        if v.shape == tuple(shape):
            return v
        if len(v.shape) < len(shape):
            new = (1,) * (len(shape) - len(v.shape)) + v.shape
            v = self.q.shape_op("reshape", v, node.name, v.ref, shape=list(new))
        if len(v.shape) > len(shape):
            raise UnsupportedOpError(f"node {node.name!r} ({node.op}): cannot broadcast "
                                     f"{v.shape} to {shape}")
        return self.q.shape_op("broadcast", v, node.name, v.ref, shape=list(shape))

    def attrs(self, node: FNode) -> dict:
        """The node's attributes without internal keys."""
        return {k: v for k, v in node.attrs.items() if not k.startswith("_")}

    def is_int(self, name: str) -> bool:
        """Whether tensor ``name`` has an integer or boolean dtype (exact integers, scale 1)."""
        dt = self.fg.dtypes.get(name)
        return dt is not None and np.dtype(dt).kind in "biu"

    def check_int(self, node: FNode, name: str, v):
        """``v``, an integer-typed output marked as an activation (exact integers need no
        requantization); UnsupportedOpError unless it is exact integers at scale 1 within its
        dtype's range (integer arithmetic of this kind is not supported)."""
        if not isinstance(v, QVal) or not self.is_int(name):
            return v
        dt = np.dtype(self.fg.dtypes[name])
        lo, hi = (0, 1) if dt.kind == "b" else (np.iinfo(dt).min, np.iinfo(dt).max)
        elo, ehi = self.q.b.exact[v.name]
        if v.scale_array().size != 1 or float(v.scale) != 1.0 or elo < lo or ehi > hi:
            raise UnsupportedOpError(f"node {node.name!r} ({node.op}): its {dt.name} output "
                                     "is not computed exactly (integer arithmetic of this kind, "
                                     "or values that may overflow the type, are not supported)")
        return v if v.act else QVal(v.spec, 1.0, None, True, v.ref)


def lower_node(L: Lowering, node: FNode) -> None:
    """Lower one node, storing its outputs' values."""
    fn = _table().get(node.op)
    if fn is None:
        from .normalize import unsupported

        raise unsupported(node.op, node.name)
    args = [None if not i else L.fg.consts[i] if i in L.fg.consts else L.vals[i]
            for i in node.inputs]
    args = [a.value(L, node) if isinstance(a, Deferred) and node.op not in a.consumers else a
            for a in args]
    try:
        out = fn(L, node, *args, **node.attrs)
    except TensorProofError:
        raise
    except (TypeError, ValueError, IndexError, KeyError, ArithmeticError) as e:
        raise CompileError(f"node {node.name!r} ({node.op}) cannot be compiled: "
                           f"{type(e).__name__}: {e}") from None
    for name, v in zip(node.outputs, out if isinstance(out, tuple) else (out,)):
        L.vals[name] = L.check_int(node, name, v)


def lower_graph(fg: FloatGraph, q: Quantizer, values: dict | None = None
                ) -> tuple[dict[str, QVal], list[QVal]]:
    """Quantize every node of ``fg``; returns the values of the graph inputs (by name) and of
    its outputs (in order, as activations). ``values``, if given, receives every tensor's value
    (QVal or Deferred) by float tensor name (the per-layer error report, layer_errors.py)."""
    L = Lowering(fg, q)
    L.vals = L.vals if values is None else values
    from .lower_index import index_bounds
    from .lower_logic import index_span

    for name in fg.inputs:
        dt = np.dtype(fg.dtypes.get(name, np.float64))
        L.vals[name] = (q.int_input(name, fg.input_shapes[name], name, dt.kind, 8 * dt.itemsize,
                                    index_span(fg, name), index_bounds(fg, name))
                        if L.is_int(name) else q.input(name, fg.input_shapes[name], name))
    ins = dict(L.vals)
    for node in fg.nodes:
        lower_node(L, node)
    outs = [L.vals[o] for o in fg.outputs]
    outs = [v.value(L, FNode("Output", o, [o], [o])) if isinstance(v, Deferred) else v
            for v, o in zip(outs, fg.outputs)]
    return ins, [q.act(v, "output " + o) for v, o in zip(outs, fg.outputs)]
