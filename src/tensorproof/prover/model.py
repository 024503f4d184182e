"""Setup: commit to a compiled model's quantized weights once, giving the proving and
verifying keys. The commitment, the graph's structure and the proof configuration hash to the
model id (verifier/keys.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ir.graph import IntGraph, Node
from ..ir.model import CompiledModel
from ..verifier.keys import VerifyingKey, strip_weights
from ..verifier.layout import padded_vector as padded
from ..verifier.lowering import build_plan
from ..verifier.packing import Packing
from ..verifier.pcs_config import default_config
from .pcs_config import pcs_prover
from .vectors import const_arrays, pack


@dataclass(eq=False)
class ProvingKey:
    """The model with its weights, its verifying key, and the commitment's prover data."""

    model: CompiledModel
    vk: VerifyingKey
    _data: object = field(default=None, repr=False)

    def consts(self, plan) -> dict[str, np.ndarray]:
        return const_arrays(plan, self.model.graph)

    def pcs_prover(self):
        return pcs_prover(self.vk.config)

    def model_vector(self, plan) -> np.ndarray:
        tables = {n: padded(plan.consts[n], a) for n, a in self.consts(plan).items()}
        return pack(Packing.of(plan.consts), tables)

    def model_data(self, plan):
        if self._data is None:
            _, self._data = self.pcs_prover().commit(self.model_vector(plan))
        return self._data


def annotate_requant_ranges(graph: IntGraph) -> IntGraph:
    """The graph with every requant's guaranteed unclamped quotient range [q_lo, q_hi] (from its
    input's proven range and its multipliers) in its attributes. The verifier sizes the clamp
    table (or the limb range mode) from it: this affects completeness only, never soundness (the
    proof enforces y = clamp(q) within whatever window it uses)."""
    nodes = []
    for node in graph.nodes:
        if node.op == "requant":
            spec = graph.tensors[node.inputs[0]]
            m = [int(v) for v in np.asarray(node.consts["mult"]).reshape(-1)]
            prods = [v * e for v in m for e in (int(spec.lo), int(spec.hi))]
            half, s = 1 << (int(node.attrs["shift"]) - 1), int(node.attrs["shift"])
            attrs = {**node.attrs, "q_lo": (min(prods) + half) >> s,
                     "q_hi": (max(prods) + half) >> s}
            node = Node(node.op, node.name, node.inputs, node.output, attrs, node.consts)
        nodes.append(node)
    return IntGraph(graph.inputs, graph.outputs, graph.tensors, nodes, graph.meta)


def setup(model: CompiledModel, config: dict | None = None) -> ProvingKey:
    """Commit to the model's weights; return its proving key (whose .vk is public)."""
    config = dict(config or default_config())
    model = CompiledModel(annotate_requant_ranges(model.graph), model.inputs, model.outputs,
                          model.info)
    plan = build_plan(model.graph, 1)
    pk = ProvingKey(model, None)  # type: ignore[arg-type]
    commitment, pk._data = pcs_prover(config).commit(pk.model_vector(plan))
    pk.vk = VerifyingKey(strip_weights(model.graph), model.inputs, model.outputs, commitment,
                         config)
    return pk
