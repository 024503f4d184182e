"""Lowerings of comparisons, boolean ops, Cast, ArgMax/ArgMin, Where, computed indexing (Gather
from a constant table, GatherElements, OneHot) and the integer paths of Add/Sub/Mul/MatMul (see
lowering.py for the conventions and quant/logic.py for what each op becomes).

Integer and boolean tensors (their ONNX dtype) are exact integers at scale 1; lowering.py's
``check_int`` refuses an integer-typed output computed any other way.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..errors import UnsupportedOpError
from ..quant import QVal
from ..quant.logic import mirror
from .float_ops import np_dtype
from .lower_nn import matmul as float_matmul
from .lower_ops import _operands, add, gather, mul, take, where
from .lowering import Deferred, Lowering
from .normalize import FNode

COMPARISONS = {"Less": "<", "LessOrEqual": "<=", "Greater": ">", "GreaterOrEqual": ">=",
               "Equal": "=="}


def _is_q(x) -> bool:
    return isinstance(x, QVal)


def _fail(node: FNode, what: str) -> UnsupportedOpError:
    return UnsupportedOpError(f"node {node.name!r} ({node.op}): {what}")


class TableGather(Deferred):
    """A constant table gathered along its first axis by computed integer indices. A comparison
    quantizes it as thresholds against its other operand; any other use gets its values."""

    consumers = tuple(COMPARISONS)

    def __init__(self, node: FNode, idx: QVal, table: np.ndarray) -> None:
        self.node, self.idx, self.table = node, idx, table
        self._value: QVal | None = None

    def value(self, L: Lowering, node: FNode) -> QVal:
        if self._value is None:
            n, out = self.node, self.node.outputs[0]
            y = L.q.gather_real_table(self.idx, self.table, n.name, out)
            self._value = L.check_int(n, out, L.fit(n, y, out))  # an int-typed gather: exact
        return self._value

    def thresholds(self, L: Lowering, node: FNode, v: QVal, op: str) -> QVal:
        """table[idx] quantized as integer thresholds T for [v op table[idx]] ⟺ [v op T],
        at the per-sample shape of ``node``'s output."""
        n, out = self.node, self.node.outputs[0]
        t = L.q.gather_table(self.idx, L.q.threshold_table(v, op, self.table), 1.0, n.name,
                             out + "/threshold")
        return L.expand(node, L.fit(n, t, out), L.shape(node.outputs[0]))


def compare(op: str):
    def lower(L: Lowering, node: FNode, a, b) -> QVal:
        out = node.outputs[0]
        shape = L.shape(out)
        if not _is_q(a) and not _is_q(b):  # a gathered table against a constant or another
            if isinstance(a, Deferred):
                a = a.value(L, node)
            else:
                b = b.value(L, node)
        if not _is_q(a):
            a, b, cmp = b, a, mirror(op)
        else:
            cmp = op
        a = L.expand(node, a, shape)
        if isinstance(b, TableGather):
            a = L.q.per_tensor(a, node.name)
            return L.q.compare_ints(a, cmp, b.thresholds(L, node, a, cmp), node.name, out)
        if _is_q(b):
            return L.q.compare(a, cmp, L.expand(node, b, shape), node.name, out)
        return L.q.compare_const(a, cmp, L.const(node, b, out), node.name, out)
    return lower


def logical_not(L: Lowering, node: FNode, x) -> QVal:
    return L.q.logical_not(x, node.name, node.outputs[0])


def logical(op: str):
    def lower(L: Lowering, node: FNode, a, b) -> QVal:
        a, b, out = _operands(L, node, a, b)
        q = L.q
        if _is_q(a) and _is_q(b):
            return q.logical(op, a, b, node.name, out)
        x, c = (a, b) if _is_q(a) else (b, a)
        x = q.boolean(x, node.name, out)
        c = (np.asarray(c) != 0).astype(np.int64)
        if op == "and":  # x·c
            return q.int_scale(x, c, node.name, out)
        s = q.int_offset(x, c, node.name, out)  # x + c: or = [x + c ≥ 1], xor = [x + c = 1]
        return q.indicator(s, ">=" if op == "or" else "==", 1, node.name, out)
    return lower


def cast(L: Lowering, node: FNode, x, to=1, saturate=1) -> QVal:
    """Cast to bool ([x ≠ 0]) or to an integer type (exact on integers; truncation of a real
    value by a table of its quantized range). Float casts were removed by normalization."""
    kind = np.dtype(np_dtype(to)).kind
    if not _is_q(x) or kind == "f":
        raise _fail(node, f"cast of a constant or to element type {to}")
    if kind == "b":
        return L.q.boolean(x, node.name, node.outputs[0])
    if x.scale_array().size == 1 and float(x.scale) == 1.0:
        return x
    return L.q.truncate(x, node.name, node.outputs[0])


def argmax(minimum: bool = False):
    def lower(L: Lowering, node: FNode, x, axis=0, keepdims=1, select_last_index=0) -> QVal:
        if not _is_q(x):
            raise _fail(node, "a constant input")
        a = L.axis(node, axis, node.inputs[0])
        if a is None:
            raise _fail(node, "index along the batch axis")
        q, out = L.q, node.outputs[0]
        v = q.neg(q.act(x, node.name), node.name) if minimum else x
        return L.fit(node, q.argmax(v, a, bool(select_last_index), node.name, out), out)
    return lower


def where_(L: Lowering, node: FNode, cond, a, b) -> QVal:
    if not _is_q(cond):
        return where(L, node, cond, a, b)
    out = node.outputs[0]
    shape = L.shape(out)

    def arg(v):
        return L.expand(node, v, shape) if _is_q(v) else L.const(node, v, out)

    return L.q.select(L.expand(node, cond, shape), arg(a), arg(b), node.name, out)


def gather_(L: Lowering, node: FNode, x, indices, axis=0):
    if _is_q(x) or not _is_q(indices):
        return gather(L, node, x, indices, axis)
    table = np.asarray(x)
    if table.ndim == 0 or int(axis) % table.ndim != 0:
        raise _fail(node, "computed indices into a constant are supported on its first axis")
    if not L.is_int(node.inputs[1]):
        raise _fail(node, "indices that are not integers")
    return TableGather(node, indices, table)


def index_span(fg, name: str) -> tuple[int, int] | None:
    """[0, n − 1] for the largest n of the constant tables that graph input ``name`` indexes
    directly (Gather along their first axis: token ids into an embedding), else None: the
    input's range then covers every row, not only the ids calibration saw."""
    rows = [np.shape(fg.consts[n.inputs[0]])[0] for n in fg.nodes
            if n.op == "Gather" and len(n.inputs) > 1 and n.inputs[1] == name
            and n.inputs[0] in fg.consts and np.ndim(fg.consts[n.inputs[0]]) >= 1
            and int(n.attrs.get("axis", 0)) in (0, -np.ndim(fg.consts[n.inputs[0]]))]
    return (0, max(rows) - 1) if rows else None


def gather_elements(L: Lowering, node: FNode, x, indices, axis=0) -> QVal:
    out = node.outputs[0]
    if not _is_q(x):
        raise _fail(node, "computed indices into a constant")
    a = L.axis(node, axis, node.inputs[0])
    if a is None or (_is_q(indices) and a != L.axis(node, axis, node.inputs[1])):
        raise _fail(node, "indexing along the batch axis")
    if not _is_q(indices):  # constant indices: slices of the flattened input
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim == len(x.shape) + 1 and idx.shape[0] == 1:  # the batch axis of size 1
            idx = idx[0]
        if idx.shape != L.shape(out) or len(idx.shape) != len(x.shape):
            raise _fail(node, f"constant indices of shape {idx.shape}")
        grid = list(np.indices(idx.shape))
        grid[a] = np.where(idx < 0, idx + x.shape[a], idx)
        flat = np.ravel_multi_index(tuple(grid), x.shape).ravel()
        x1 = L.q.shape_op("reshape", x, node.name, out, shape=[int(np.prod(x.shape))])
        return L.fit(node, take(L, node, x1, flat, 0, out), out)
    if len(indices.shape) != len(x.shape):
        raise _fail(node, f"data {x.shape} and indices {indices.shape} of different ranks")
    return L.fit(node, L.q.gather_elements(x, indices, a, node.name, out), out)


def one_hot(L: Lowering, node: FNode, indices, depth, values, axis=-1) -> QVal:
    out = node.outputs[0]
    if not _is_q(indices):
        raise _fail(node, "constant indices")
    n = int(np.ravel(depth)[0])
    rank = len(L.fg.shapes[out])
    a = L.axis(node, int(axis) % rank, out)
    shape = list(indices.shape)
    if a is not None:
        shape.insert(a, n)
    if a is None or tuple(shape) != L.shape(out):
        raise _fail(node, f"one-hot axis {axis} for indices of shape {indices.shape}")
    q = L.q
    y = q.one_hot(indices, n, node.name, out)
    if a != len(indices.shape):
        perm = list(range(len(indices.shape)))
        perm.insert(a, len(indices.shape))
        y = q.shape_op("transpose", y, node.name, out, perm=perm)
    off, on = (float(v) for v in np.ravel(values)[:2])
    if (off, on) == (0.0, 1.0):
        return y
    return q.select(y, np.array(on), np.array(off), node.name, out)


def int_arith(kind: str):
    base = {"Add": add, "Sub": partial(add, subtract=True), "Mul": mul}[kind]

    def lower(L: Lowering, node: FNode, a, b) -> QVal:
        if not L.is_int(node.outputs[0]) or (_is_q(a) and _is_q(b)):
            return base(L, node, a, b)
        a, b, out = _operands(L, node, a, b)
        q = L.q
        x, c = (a, b) if _is_q(a) else (b, a)
        if kind == "Mul":
            return q.int_scale(x, c, node.name, out)
        if kind == "Sub" and x is b:  # c − x
            x = q.int_scale(x, np.array([-1]), node.name, out)
        elif kind == "Sub":
            c = -np.asarray(c)
        return q.int_offset(x, c, node.name, out)
    return lower


def matmul(L: Lowering, node: FNode, a, b):
    if L.is_int(node.outputs[0]) and _is_q(a) and not _is_q(b) and np.ndim(b) == 2:
        return L.q.int_linear(a, np.asarray(b), node.name, node.outputs[0])
    return float_matmul(L, node, a, b)


LOGIC_LOWERINGS: dict = {
    **{k: compare(v) for k, v in COMPARISONS.items()},
    "Not": logical_not, "And": logical("and"), "Or": logical("or"), "Xor": logical("xor"),
    "Cast": cast, "ArgMax": argmax(), "ArgMin": argmax(minimum=True), "Where": where_,
    "Gather": gather_, "GatherElements": gather_elements, "OneHot": one_hot,
    "Add": int_arith("Add"), "Sub": int_arith("Sub"), "Mul": int_arith("Mul"),
    "MatMul": matmul,
}
