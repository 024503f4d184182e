"""Shape and bound validation of an integer graph.

``validate_graph`` re-derives every node's output shape and range from its inputs (ir.ops,
ir.ranges) and checks that the graph's declared specs agree: shapes equal, declared ranges contain
the derived ones, and nothing (tensor or intermediate) reaches 2^62 in absolute value. The
compiler's graphs satisfy this by construction; a graph read from a file is checked before use.
"""

from __future__ import annotations

from ..errors import BoundError, CompileError
from .graph import ACC_LIMIT, IntGraph, Node, TensorSpec
from .ops import infer_shape
from .ranges import infer_range


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


def check_node(node: Node, in_specs: list[TensorSpec], out: TensorSpec) -> None:
    """The node's output spec matches its derived shape and contains its derived range."""
    shape = infer_shape(node, [s.shape for s in in_specs])
    if shape != out.shape:
        raise CompileError(f"tensor {out.name!r}: declared shape {out.shape}, derived {shape}")
    lo, hi, acc = infer_range(node, in_specs)
    if acc >= ACC_LIMIT:
        raise bound_error(node, "an accumulator", acc)
    if lo < out.lo or hi > out.hi:
        raise CompileError(
            f"tensor {out.name!r}: declared range [{out.lo}, {out.hi}] does not contain the "
            f"derived range [{lo}, {hi}]"
        )


def validate_graph(graph: IntGraph) -> None:
    """Raise CompileError (BoundError for bounds) unless the graph is consistent and safe."""
    for name, spec in graph.tensors.items():
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
        check_node(node, [graph.tensors[i] for i in node.inputs], graph.tensors[node.output])
        defined.add(node.output)
    for name in graph.outputs:
        if name not in defined:
            raise CompileError(f"graph output {name!r} is never computed")
