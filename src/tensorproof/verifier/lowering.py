"""Lower an integer graph (ir) to a Plan of proof steps; see plan.py for the rules.

Only shapes, ranges and attributes are read (never weight values), so the verifier derives the
same plan from its key as the prover does from the compiled model.
"""

from __future__ import annotations

import numpy as np

from ..errors import PlanError, UnsupportedOpError
from ..ir.visibility import hashed_names, private_names
from . import wiring, wiring_commit, wiring_forms
from .hashing import add_hash_witness
from .layers import extra_advice, step_lookups
from .layout import Layout
from .lookups import MULT, combined_table, committed_columns, table_column
from .names import Internal, TensorName
from .plan import Plan, Step, TensorPlan
from .private import input_lookups
from .zk_capacity import add_zero_knowledge

RELATION_OPS = ("requant", "lookup", "max_reduce", "div_round")
"""Steps whose output is supplied by the prover (committed, or public) and checked by relation."""


def const_name(node_index: int, key: str) -> Internal:
    """The plan name of constant `key` of node `node_index` (an Internal: no graph tensor and no
    other node's constant can share it; the prover keeps tensors and constants in one table)."""
    return Internal(f"node {node_index}", key)


class _Builder:
    def __init__(self, graph, batch: int):
        self.graph, self.batch = graph, batch
        self.tensors: dict[str, TensorPlan] = {}
        self.steps: list[Step] = []
        self._computed: set = set()
        self.consts: dict[Internal, Layout] = {}
        self.const_sources: dict[Internal, tuple] = {}
        self.defined_consts: dict[TensorName, np.ndarray] = {}

    def tensor(self, name: TensorName, shape, lo: int, hi: int) -> TensorName:
        """Define plan tensor `name` (once: a second definition is a malformed graph)."""
        if name in self.tensors:
            raise PlanError(f"tensor {name!r} is defined twice")
        self.tensors[name] = TensorPlan(name, Layout((self.batch, *shape)), "virtual", lo, hi)
        return name

    def graph_tensor(self, name: str) -> str:
        if not isinstance(name, str) or name not in self.graph.tensors:
            raise PlanError(f"graph tensor {name!r} has no spec")
        spec = self.graph.tensors[name]
        return self.tensor(name, tuple(spec.shape), int(spec.lo), int(spec.hi))

    def const(self, node_index: int, node, key: str, perm=None, shape=None,
              broadcast: bool = False) -> str:
        """Register a model constant; its committed array is
        ``node.consts[key].transpose(perm).reshape(shape)`` (or broadcast to `shape`)."""
        arr_shape = tuple(node.consts[key].shape)
        perm = tuple(perm) if perm is not None else tuple(range(len(arr_shape)))
        shape = tuple(shape) if shape is not None else tuple(arr_shape[p] for p in perm)
        name = const_name(node_index, key)
        if name in self.consts:
            raise PlanError(f"constant {name!r} is defined twice")
        self.consts[name] = Layout(shape)
        self.const_sources[name] = (node_index, key, perm, shape, broadcast)
        return name

    def step(self, op, node, inputs, output, consts=(), **attrs) -> None:
        missing = [x for x in (*inputs, output) if x not in self.tensors]
        if missing:
            raise PlanError(f"node {node.name!r}: tensors {missing} are undefined")
        if output in self._computed:
            raise PlanError(f"tensor {output!r} is computed twice")
        self._computed.add(output)
        self.steps.append(Step(op, node.name, tuple(inputs), output, attrs, tuple(consts)))


def build_plan(graph, batch: int, zk_config: dict | None = None) -> Plan:
    """Lower `graph` for a batch of `batch` samples (the batch axis is padded like the others).
    ``zk_config`` (the key's configuration) makes a zero-knowledge plan (``plan.zk``:
    zk_capacity.add_zero_knowledge): every sumcheck masked from the advice tensor
    ``zk_masks.MASKS``; None: a plain plan."""
    if batch < 1:
        raise ValueError("batch size must be at least 1")
    check_provable(graph)
    b = _Builder(graph, batch)
    for name in graph.inputs:
        b.graph_tensor(name)
    for i, node in enumerate(graph.nodes):
        _LOWER[node.op](b, i, node)
    _assign_kinds(b, graph)
    plan = Plan(batch, b.tensors, b.steps, b.consts, tuple(graph.inputs), tuple(graph.outputs),
                b.const_sources, defined_consts=b.defined_consts)
    add_hash_witness(plan, hashed_names(graph))
    _add_step_advice(plan)
    if zk_config is not None:
        add_zero_knowledge(plan, zk_config)
    plan.declare_commitments()
    return plan


def _add_step_advice(plan: Plan) -> None:
    """Extra committed tensors of the steps, lookups, the multiplicities of the combined table,
    and its committed columns (model constants). The private inputs' range lookups come first."""
    plan.lookup_uses.extend(input_lookups(plan))
    for step in plan.steps:
        for t in extra_advice(step, plan):
            if t.name in plan.tensors:
                raise PlanError(f"advice tensor {t.name!r} of step {step.name!r} is defined twice")
            plan.tensors[t.name] = t
        plan.lookup_uses.extend(step_lookups(step, plan))
    if plan.lookup_uses:
        if MULT in plan.tensors:
            raise PlanError(f"tensor {MULT!r} is defined twice")
        cols = combined_table(plan.lookup_uses)
        size = len(cols[0])
        rows = sum(plan.tensors[u.columns[0]].layout.size for u in plan.lookup_uses)
        plan.tensors[MULT] = TensorPlan(MULT, Layout((size,)), "advice", 0, rows)
        # the columns of many segments, committed with the weights (lookups.committed_columns)
        for c in committed_columns(plan.lookup_uses):
            plan.consts[table_column(c)] = Layout((size,))
            plan.defined_consts[table_column(c)] = cols[c]


def _assign_kinds(b: _Builder, graph) -> None:
    producers = {s.output: s for s in b.steps}
    private = private_names(graph)
    for name, t in b.tensors.items():
        kind = "virtual"
        if name in private:  # committed per proof, out of the statement (private.py)
            kind = "advice"
        elif name in graph.inputs:
            kind = "input"
        elif name in graph.outputs:
            kind = "output"
        elif name in producers and producers[name].op in RELATION_OPS:
            kind = "advice"
        b.tensors[name] = TensorPlan(name, t.layout, kind, t.lo, t.hi)


def _shape(b: _Builder, name: str) -> tuple[int, ...]:
    return b.tensors[name].layout.shape[1:]


def _gather(b, node, inputs, output, wires, forms) -> None:
    """A gather step with its wirings and their closed forms (wiring_forms.py; None where a
    source has none), which hold for exactly this tuple of wirings (``wiring_forms_of``; the
    verifier's gather.wiring_forms_of). A source without a closed form and with many wires
    gets its wiring committed with the weights instead (wiring_commit.py)."""
    wirings = tuple(wires)
    forms = list(forms)
    n_out = Layout(_shape(b, output)).n_vars
    for s, (src, wire) in enumerate(zip(inputs, wirings)):
        n_in = Layout(_shape(b, src)).n_vars
        if forms[s] is None and wiring_commit.eligible(wire, n_out, n_in):
            cw = wiring_commit.declare(output, s, n_out, n_in)
            for name, values in wiring_commit.values(cw, wire).items():
                if name in b.consts:
                    raise PlanError(f"constant {name!r} is defined twice")
                b.consts[name] = Layout((1 << n_out,))
                b.defined_consts[name] = values
            forms[s] = cw
    b.step("gather", node, inputs, output, wirings=wirings, wiring_forms=tuple(forms),
           wiring_forms_of=wirings)


def _lower_linear(b, i, node):
    y = b.graph_tensor(node.output)
    w, bias = b.const(i, node, "W"), b.const(i, node, "b")
    b.step("linear", node, node.inputs[:1], y, (w, bias), n_contract=1)


def _lower_conv2d(b, i, node):
    x = node.inputs[0]
    o, c, kh, kw = node.consts["W"].shape
    out_shape, wire = wiring.im2col(_shape(b, x), (kh, kw), node.attrs["strides"],
                                    node.attrs["pads"])
    spec = b.tensors[x]
    cols = b.tensor(Internal(node.output, "im2col"), out_shape, min(spec.lo, 0),
                    max(spec.hi, 0))
    form = wiring_forms.PatchWiring("im2col", _shape(b, x), (kh, kw), node.attrs["strides"],
                                    node.attrs["pads"])
    _gather(b, node, (x,), cols, (wire,), (form,))
    y_spec = b.graph.tensors[node.output]
    acc = b.tensor(Internal(node.output, "acc"), (out_shape[0], out_shape[1], o), y_spec.lo,
                   y_spec.hi)
    w = b.const(i, node, "W", perm=(1, 2, 3, 0), shape=(c, kh * kw, o))
    bias = b.const(i, node, "b")
    b.step("linear", node, (cols,), acc, (w, bias), n_contract=2)
    y = b.graph_tensor(node.output)
    b.step("transpose", node, (acc,), y, perm=(0, 3, 1, 2))


def _lower_pool(op):
    def lower(b, i, node):
        x = node.inputs[0]
        a = node.attrs
        out_shape, wire = wiring.windows(_shape(b, x), a["kernel"], a["strides"], a["pads"])
        spec = b.tensors[x]
        win = b.tensor(Internal(node.output, "windows"), out_shape, min(spec.lo, 0),
                       max(spec.hi, 0))
        form = wiring_forms.PatchWiring("windows", _shape(b, x), a["kernel"], a["strides"],
                                        a["pads"])
        _gather(b, node, (x,), win, (wire,), (form,))
        y = b.graph_tensor(node.output)
        if op == "reduce_sum":
            b.step(op, node, (win,), y, axes=(len(out_shape),), keepdims=False)
        else:
            b.step(op, node, (win,), y, axis=len(out_shape))
    return lower


def _lower_requant(b, i, node):
    y = b.graph_tensor(node.output)
    mult = b.const(i, node, "mult")
    axis = int(node.attrs.get("axis", -1))
    q_range = {k: int(node.attrs[k]) for k in ("q_lo", "q_hi") if k in node.attrs}
    b.step("requant", node, node.inputs[:1], y, (mult,), shift=int(node.attrs["shift"]),
           lo=int(node.attrs["lo"]), hi=int(node.attrs["hi"]),
           axis=-1 if axis < 0 else axis + 1, **q_range)


def _lower_lookup(b, i, node):
    y = b.graph_tensor(node.output)
    b.step("lookup", node, node.inputs[:1], y, x_lo=int(node.attrs["x_lo"]),
           table=np.asarray(node.consts["table"], dtype=np.int64))


def _lower_binary(op):
    def lower(b, i, node):
        y = b.graph_tensor(node.output)
        b.step(op, node, node.inputs[:2], y)
    return lower


def _lower_const_binary(op):
    def lower(b, i, node):
        x = node.inputs[0]
        y = b.graph_tensor(node.output)
        shape = _shape(b, x)
        c = b.const(i, node, "c", shape=shape, broadcast=True)
        b.step(op, node, (x,), y, (c,))
    return lower


def _lower_reshape(b, i, node):
    _reshape_step(b, node, node.inputs[0], b.graph_tensor(node.output))


def _reshape_step(b, node, x: str, y: str) -> None:
    """A row-major reshape: a relabeling when the padded positions agree, else a gather."""
    wire = wiring.reshape(_shape(b, x), _shape(b, y))
    if wiring.is_identity(wire, Layout(_shape(b, x)), Layout(_shape(b, y))):
        b.step("alias", node, (x,), y)
    else:
        _gather(b, node, (x,), y, (wire,), (None,))


def _lower_transpose(b, i, node):
    y = b.graph_tensor(node.output)
    perm = (0, *(p + 1 for p in node.attrs["perm"]))
    b.step("transpose", node, node.inputs[:1], y, perm=perm)


def _lower_concat(b, i, node):
    y = b.graph_tensor(node.output)
    axis = int(node.attrs["axis"])
    shapes = [_shape(b, x) for x in node.inputs]
    axis = axis % len(shapes[0])
    _, wires = wiring.concat(shapes, axis)
    _gather(b, node, tuple(node.inputs), y, wires, wiring_forms.concat_maps(shapes, axis))


def _lower_reduce_sum(b, i, node):
    x = node.inputs[0]
    rank = len(_shape(b, x))
    axes = tuple(sorted(a % rank + 1 for a in node.attrs["axes"]))
    y = b.graph_tensor(node.output)
    b.step("reduce_sum", node, (x,), y, axes=axes, keepdims=bool(node.attrs.get("keepdims", 1)))


def _lower_slice(b, i, node):
    x = node.inputs[0]
    a = node.attrs
    _, wire = wiring.strided_slice(_shape(b, x), a["starts"], a["ends"], a["steps"])
    form = wiring_forms.slice_map(_shape(b, x), a["starts"], a["ends"], a["steps"])
    y = b.graph_tensor(node.output)
    _gather(b, node, (x,), y, (wire,), (form,))


def _lower_broadcast(b, i, node):
    x = node.inputs[0]
    y = b.graph_tensor(node.output)
    _gather(b, node, (x,), y, (wiring.broadcast_to(_shape(b, x), _shape(b, y)),),
            (wiring_forms.broadcast_map(_shape(b, x), _shape(b, y)),))


def _lower_reduce_max(b, i, node):
    x = node.inputs[0]
    shape = _shape(b, x)
    axes = tuple(sorted(a % len(shape) for a in node.attrs["axes"]))
    win_shape, wire = wiring.reduce_windows(shape, axes)
    spec = b.tensors[x]
    win = b.tensor(Internal(node.output, "windows"), win_shape, min(spec.lo, 0), max(spec.hi, 0))
    _gather(b, node, (x,), win, (wire,), (wiring_forms.reduce_window_map(shape, axes),))
    y_spec = b.graph.tensors[node.output]
    if tuple(y_spec.shape) == win_shape[:-1]:
        b.step("max_reduce", node, (win,), b.graph_tensor(node.output), axis=len(win_shape))
        return
    m = b.tensor(Internal(node.output, "max"), win_shape[:-1], y_spec.lo, y_spec.hi)
    b.step("max_reduce", node, (win,), m, axis=len(win_shape))
    _reshape_step(b, node, m, b.graph_tensor(node.output))


def _lower_div_round(b, i, node):
    y = b.graph_tensor(node.output)
    b.step("div_round", node, node.inputs[:2], y, shift=int(node.attrs["shift"]))


def _lower_matmul(b, i, node):
    y = b.graph_tensor(node.output)
    b.step("matmul", node, node.inputs[:2], y)


_LOWER = {
    "linear": _lower_linear,
    "conv2d": _lower_conv2d,
    "sum_pool2d": _lower_pool("reduce_sum"),
    "max_pool2d": _lower_pool("max_reduce"),
    "requant": _lower_requant,
    "lookup": _lower_lookup,
    "add": _lower_binary("add"),
    "mul": _lower_binary("mul"),
    "add_const": _lower_const_binary("add_const"),
    "mul_const": _lower_const_binary("mul_const"),
    "reshape": _lower_reshape,
    "transpose": _lower_transpose,
    "concat": _lower_concat,
    "reduce_sum": _lower_reduce_sum,
    "slice": _lower_slice,
    "broadcast": _lower_broadcast,
    "reduce_max": _lower_reduce_max,
    "matmul": _lower_matmul,
    "div_round": _lower_div_round,
}


PROVABLE_OPS = tuple(sorted(_LOWER))
"""Integer ops the prover can prove (the keys of the lowering table)."""


def check_provable(graph) -> None:
    """Raise UnsupportedOpError naming the first node the prover cannot prove yet."""
    for node in graph.nodes:
        if node.op not in _LOWER:
            raise UnsupportedOpError(
                f"node {node.name!r}: integer op {node.op!r} cannot be proven yet "
                f"(provable: {', '.join(PROVABLE_OPS)})"
            )
