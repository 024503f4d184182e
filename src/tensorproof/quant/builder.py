"""Incremental construction of an integer graph with proven ranges.

Every emitted node gets its committed constants' declared ranges (``const_ranges``, fitted to
the values: ir.ranges.fit_const_range), its output shape and guaranteed range from ir.ops /
ir.ranges at once, and is refused with a BoundError naming the originating (ONNX) layer when any
accumulator could reach 2^62. The graph built is therefore valid by construction
(``validate_graph`` agrees). Beside the guaranteed ranges the builder tracks each tensor's exact
range (from the actual constants, ``infer_range(..., exact=True)``): the compiler sizes clamps
and scales from it, so coarser guaranteed ranges do not change the compiled model.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import CompileError
from ..ir.graph import ACC_LIMIT, IntGraph, Node, TensorSpec
from ..ir.names import shorten
from ..ir.ops import infer_shape
from ..ir.ranges import CONST_RANGES, fit_const_ranges, infer_range
from ..ir.validate import bound_error, check_spec


class GraphBuilder:
    """Collects tensors and nodes in execution order."""

    def __init__(self) -> None:
        self.tensors: dict[str, TensorSpec] = {}
        self.nodes: list[Node] = []
        self.inputs: list[str] = []
        self.exact: dict[str, tuple[int, int]] = {}

    def fresh(self, hint: str) -> str:
        """A tensor name not used yet, derived from ``hint``."""
        base = shorten(re.sub(r"\s+", "_", hint)) or "t"
        name, i = base, 1
        while name in self.tensors:
            name, i = f"{base}#{i}", i + 1
        return name

    def add_input(self, name: str, shape: tuple[int, ...], lo: int, hi: int, scale: float
                  ) -> TensorSpec:
        """Declare a graph input."""
        spec = TensorSpec(self.fresh(name), tuple(shape), lo, hi, float(scale))
        check_spec(spec)
        self.tensors[spec.name] = spec
        self.inputs.append(spec.name)
        self.exact[spec.name] = (spec.lo, spec.hi)
        return spec

    def exact_spec(self, name: str) -> TensorSpec:
        """Tensor ``name``'s spec with its exact range (for sizing, never for bounds)."""
        return TensorSpec(name, self.tensors[name].shape, *self.exact[name],
                          self.tensors[name].scale)

    def emit(self, op: str, layer: str, inputs: list[str], *, attrs: dict | None = None,
             consts: dict[str, np.ndarray] | None = None, scale: float = 1.0,
             hint: str = "") -> TensorSpec:
        """Append one node (``layer``: originating ONNX node name) and return its output spec."""
        consts = {k: np.ascontiguousarray(v, dtype=np.int64) for k, v in (consts or {}).items()}
        out = self.fresh(hint or f"{layer}/{op}")
        attrs = dict(attrs or {})
        ranges = fit_const_ranges(op, consts)
        if ranges:
            attrs[CONST_RANGES] = ranges
        node = Node(op, layer, tuple(inputs), out, attrs, consts)
        in_specs = [self.tensors[i] for i in inputs]
        shape = infer_shape(node, [s.shape for s in in_specs])
        lo, hi, acc = infer_range(node, in_specs)
        elo, ehi, _ = infer_range(node, [self.exact_spec(i) for i in inputs], exact=True)
        if acc >= ACC_LIMIT:
            raise bound_error(node, "an accumulator", acc)
        if not (scale > 0 and np.isfinite(scale)):
            raise CompileError(f"layer {layer!r}: non-positive scale {scale} (compiler bug)")
        spec = TensorSpec(out, shape, lo, hi, float(scale))
        check_spec(spec)
        self.tensors[out] = spec
        self.exact[out] = (max(elo, lo), min(ehi, hi))
        self.nodes.append(node)
        return spec

    def build(self, outputs: list[str], meta: dict | None = None) -> IntGraph:
        """The finished graph."""
        return IntGraph(tuple(self.inputs), tuple(outputs), dict(self.tensors), list(self.nodes),
                        dict(meta or {}))
