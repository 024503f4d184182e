"""Padded F vectors of plan tensors and model constants, and their packing into one vector."""

from __future__ import annotations

import numpy as np

from ..verifier.packing import Packing
from ..verifier.plan import Plan


def const_arrays(plan: Plan, graph) -> dict[str, np.ndarray]:
    """The committed layout of every model constant (see lowering._Builder.const), and the
    constants the plan defines itself (``plan.defined_consts``: lookup-table columns, wirings)."""
    out = {}
    for name, (node_index, key, perm, shape, broadcast) in plan.const_sources.items():
        arr = np.asarray(graph.nodes[node_index].consts[key], dtype=np.int64)
        arr = np.broadcast_to(arr, shape) if broadcast else arr.transpose(perm).reshape(shape)
        out[name] = np.ascontiguousarray(arr)
    out.update(plan.defined_consts)
    return out


def pack(packing: Packing, tables: dict[str, np.ndarray]) -> np.ndarray:
    """Place each tensor's F vector at its slot; zeros elsewhere."""
    vec = np.zeros(1 << packing.n_vars, dtype=np.uint64)
    for s in packing.slots:
        vec[s.offset : s.offset + s.size] = tables[s.name]
    return vec
