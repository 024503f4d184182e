"""The integer graph: the exact computation that tensorproof proves (docs/internals.md).

Pure data. Shapes are per sample: the batch axis B is a leading axis that only the executor and
the prover add. Every tensor carries a *guaranteed* integer range [lo, hi] (interval arithmetic
from the input range and the weights' declared ranges, see :mod:`tensorproof.ir.ranges`), which
the prover relies on for its range checks and for the absence of wrap-around modulo p.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACC_LIMIT = 2**62
"""Every integer a graph computes, intermediate products of requant and div_round included, stays
strictly below this in absolute value: far from p/2 ≈ 2^63 (Goldilocks), so no value wraps."""


@dataclass(frozen=True)
class TensorSpec:
    """A tensor of the graph: per-sample shape, proven range [lo, hi], and real value ≈ int × scale.

    ``scale`` is informative (the dequantization step) and plays no part in the proof.
    """

    name: str
    shape: tuple[int, ...]
    lo: int
    hi: int
    scale: float = 1.0

    @property
    def size(self) -> int:
        """Number of elements per sample."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def absmax(self) -> int:
        """max(|lo|, |hi|): the largest absolute value the tensor can take."""
        return max(abs(self.lo), abs(self.hi))


@dataclass(frozen=True, eq=False)
class Node:
    """One integer op. ``name`` is the originating ONNX node's (for error messages); ``consts``
    are int64 arrays (quantized weights, multipliers, tables), part of the model commitment."""

    op: str
    name: str
    inputs: tuple[str, ...]
    output: str
    attrs: dict = field(default_factory=dict)
    consts: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class IntGraph:
    """Inputs and outputs (tensor names), every tensor's spec, nodes in execution order."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    tensors: dict[str, TensorSpec]
    nodes: list[Node]
    meta: dict = field(default_factory=dict)
    visibility: dict = field(default_factory=dict)
    """Graph inputs and outputs kept out of the statement, name -> "private" or "hashed"
    (ir/visibility.py); the others are public. Part of the verifying key, hence of the model
    id."""

    def spec(self, name: str) -> TensorSpec:
        """The spec of tensor ``name``."""
        return self.tensors[name]

    def producer(self) -> dict[str, Node]:
        """Map from tensor name to the node that computes it."""
        return {n.output: n for n in self.nodes}

    def op_counts(self) -> dict[str, int]:
        """How many nodes of each op the graph holds."""
        counts: dict[str, int] = {}
        for n in self.nodes:
            counts[n.op] = counts.get(n.op, 0) + 1
        return counts

    def n_weights(self) -> int:
        """Total number of constant integers (weights, biases, multipliers, tables)."""
        return int(sum(c.size for n in self.nodes for c in n.consts.values()))
