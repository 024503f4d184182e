"""Shape and bound validation of an integer graph.

``validate_graph`` re-derives every node's output shape and range from its inputs (ir.ops,
ir.ranges, from the *declared* ranges of the committed constants) and checks that the graph's
declared specs agree: shapes equal, declared ranges contain the derived ones, and nothing (tensor
or intermediate) reaches 2^62 in absolute value. With ``values=True`` (a .tpm: real weights) it
also checks every constant against its declared range; with ``values=False`` (a verifying key's
graph: placeholder weights) it requires every committed constant to declare its range and reads
nothing else of the weights. Then, for ANY weights inside the declared ranges (what the weight
certificate proves of the committed ones), no integer the graph computes reaches 2^62: no
relation the prover proves can wrap modulo p. The compiler's graphs satisfy this by
construction; a graph read from a file or a key is checked before use.
"""

from __future__ import annotations

from ..errors import BoundError, CompileError
from .graph import ACC_LIMIT, IntGraph, Node, TensorSpec
from .names import check_name
from .ops import infer_shape
from .ranges import CONST_RANGES, RANGED_CONSTS, declared_const_range, infer_range
from .visibility import check_visibility


def bound_error(node: Node, what: str, value: int) -> BoundError:
    """The error for a value that could reach ``value`` >= 2^62 in ``node``."""
    return BoundError(
        f"layer {node.name!r} (integer op {node.op!r}): {what} could reach 2^{value.bit_length()-1}"
        f" or more in absolute value, over the limit 2^62; rescale or narrow this layer"
    )


def check_spec(spec: TensorSpec) -> None:
    """A spec's own consistency: positive dims, lo <= hi, inside ±2^62, positive finite scale."""
    if not spec.shape or any(not isinstance(d, int) or d < 1 for d in spec.shape):
        raise CompileError(f"tensor {spec.name!r}: bad shape {spec.shape}")
    if spec.lo > spec.hi:
        raise CompileError(f"tensor {spec.name!r}: empty range [{spec.lo}, {spec.hi}]")
    if spec.absmax >= ACC_LIMIT:
        raise BoundError(f"tensor {spec.name!r}: range [{spec.lo}, {spec.hi}] exceeds 2^62")
    if not (spec.scale > 0 and spec.scale < float("inf")):
        raise CompileError(f"tensor {spec.name!r}: scale {spec.scale} is not positive and finite")


def check_node(node: Node, in_specs: list[TensorSpec], out: TensorSpec,
               values: bool = True) -> None:
    """The node's output spec matches its derived shape and contains its derived range (from
    its declared constant ranges, checked by :func:`check_const_ranges`)."""
    shape = infer_shape(node, [s.shape for s in in_specs])
    if shape != out.shape:
        raise CompileError(f"tensor {out.name!r}: declared shape {out.shape}, derived {shape}")
    check_const_ranges(node, values)
    lo, hi, acc = infer_range(node, in_specs)
    if acc >= ACC_LIMIT:
        raise bound_error(node, "an accumulator", acc)
    if lo < out.lo or hi > out.hi:
        raise CompileError(
            f"tensor {out.name!r}: declared range [{out.lo}, {out.hi}] does not contain the "
            f"derived range [{lo}, {hi}]"
        )


def check_const_ranges(node: Node, values: bool) -> None:
    """The node's declared constant ranges are well formed and (``values``) hold its constants.

    Without the attribute a graph with real weights is accepted (the ranges are then the ones
    fitted to the values, ir.ranges.declared_const_range); a graph without weights is not."""
    keys = RANGED_CONSTS.get(node.op, ())
    table = node.attrs.get(CONST_RANGES)
    if table is None:
        if values or not keys:
            return
        raise CompileError(f"layer {node.name!r} ({node.op}): no declared range for its "
                           f"committed constants {list(keys)}")
    if not isinstance(table, dict) or set(table) != set(keys):
        raise CompileError(f"layer {node.name!r} ({node.op}): {CONST_RANGES} must declare "
                           f"exactly {list(keys)}, got {table!r}")
    for key in keys:
        lo, hi = declared_const_range(node, key)
        c = node.consts.get(key)
        if values and c is not None and c.size and (int(c.min()) < lo or int(c.max()) > hi):
            raise BoundError(f"layer {node.name!r} ({node.op}): constant {key!r} takes values in "
                             f"[{int(c.min())}, {int(c.max())}], outside its declared range "
                             f"[{lo}, {hi}]")


def validate_graph(graph: IntGraph, values: bool = True) -> None:
    """Raise CompileError (BoundError for bounds) unless the graph is consistent and safe.

    ``values=False`` validates the structure alone (a verifying key's graph, whose committed
    constants are placeholders): see the module docstring."""
    for name, spec in graph.tensors.items():
        check_name(name)
        if spec.name != name:
            raise CompileError(f"tensor {name!r} has a spec named {spec.name!r}")
        check_spec(spec)
    defined = set()
    for name in graph.inputs:
        if name not in graph.tensors or name in defined:
            raise CompileError(f"graph input {name!r} is undeclared or repeated")
        defined.add(name)
    for node in graph.nodes:
        missing = [i for i in node.inputs if i not in defined]
        if missing:
            raise CompileError(f"node {node.name!r} ({node.op}) reads undefined tensors {missing}")
        if node.output in defined or node.output not in graph.tensors:
            raise CompileError(f"node {node.name!r} ({node.op}) writes {node.output!r} twice "
                               "or without a spec")
        check_node(node, [graph.tensors[i] for i in node.inputs], graph.tensors[node.output],
                   values)
        defined.add(node.output)
    if len(set(graph.outputs)) != len(graph.outputs):
        raise CompileError("a graph output is listed twice")
    for name in graph.outputs:
        if name not in defined:
            raise CompileError(f"graph output {name!r} is never computed")
    check_visibility(graph)
