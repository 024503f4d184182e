"""Setup: commit to a compiled model's quantized weights once, giving the proving and
verifying keys. The commitment, the graph's structure (with the constants' declared ranges) and
the proof configuration hash to the model id (verifier/keys.py); the weight certificate
(prover/certificate.py) proves the committed constants lie in their declared ranges."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ProverError
from ..field.sampling import OS_RANDOMNESS
from ..ir.graph import ACC_LIMIT, IntGraph, Node
from ..ir.model import CompiledModel
from ..ir.ranges import (
    CONST_RANGES,
    MAX_CONST_BITS,
    RANGED_CONSTS,
    declared_const_range,
    exact_ranges,
    fit_const_range,
    fit_const_ranges,
    infer_range,
)
from ..ir.validate import bound_error
from ..verifier.keys import VerifyingKey, strip_weights
from ..verifier.layout import padded_vector as padded
from ..verifier.lowering import build_plan
from ..verifier.pcs.hiding import hiding_config
from ..verifier.pcs_config import check_config, default_config
from ..verifier.plan import MODEL
from ..verifier.zk_weights import MODEL_RANDOMIZER, model_params
from .certificate import prove_certificate
from .pcs_config import pcs_prover
from .vectors import const_arrays, pack


@dataclass(eq=False)
class ProvingKey:
    """The model with its weights, its verifying key, and the commitment's prover data."""

    model: CompiledModel
    vk: VerifyingKey
    prover_data: dict[str, object] = field(default_factory=dict, repr=False)
    """The scheme's prover data of each per-model group ("model"), made at setup or read from
    a .tpk (prover/keyfile.py); recomputed on first use when absent (not with private
    weights: their hiding commitment's randomness exists only in the key)."""
    source: str | None = field(default=None, repr=False)
    """The .tpk file the key was loaded from (api.load_pk): with private weights each proof
    records its mask block there first (prover/keyfile.reserve_block)."""
    randomizer: np.ndarray | None = field(default=None, repr=False)
    """With private weights, MODEL_RANDOMIZER's uniform F entries (verifier/zk_weights.py),
    drawn at setup and kept in the .tpk; None otherwise."""

    def consts(self, plan) -> dict[str, np.ndarray]:
        return const_arrays(plan, self.model.graph)

    def pcs_prover(self):
        return pcs_prover(self.vk.config)

    def model_plan(self):
        """The plan whose model group the key commits to (batch 1; with private weights the
        zero-knowledge plan, whose model group holds the randomizer)."""
        return build_plan(self.model.graph, 1, self.vk.zk_config if self.private else None)

    @property
    def private(self) -> bool:
        """Whether the weights are private (the key's configuration: zk_weights.py)."""
        return model_params(self.vk.config) is not None

    def model_vector(self, plan) -> np.ndarray:
        tables = {n: padded(plan.consts[n], a) for n, a in self.consts(plan).items()}
        if MODEL_RANDOMIZER in plan.consts:
            if self.randomizer is None:
                raise ProverError("the proving key of a model with private weights has no "
                                  "randomizer: load it from the .tpk that compile wrote")
            tables[MODEL_RANDOMIZER] = self.randomizer
        return pack(plan.commitments[MODEL].packing, tables)

    def model_data(self, plan):
        if MODEL not in self.prover_data:
            if self.private:
                raise ProverError("the hiding commitment to private weights cannot be made "
                                  "again: prove from the .tpk that compile wrote")
            _, self.prover_data[MODEL] = self.pcs_prover().commit(self.model_vector(plan))
        return self.prover_data[MODEL]

    def per_model(self, plan, group: str) -> tuple[np.ndarray, bytes, object]:
        """(vector, commitment, prover data) of a per-model group of ``plan``: the constants
        ("model", the key's commitment) are the only one."""
        if group != MODEL:
            raise ValueError(f"the proving key holds no per-model group {group!r}")
        return self.model_vector(plan), self.vk.commitment, self.model_data(plan)


def annotate_requant_ranges(graph: IntGraph, exact: bool = True) -> IntGraph:
    """The graph with every requant's unclamped quotient range [q_lo, q_hi] in its attributes,
    from its input's exact range (ir.ranges.exact_ranges: the actual weights, not their declared
    ranges) and its actual multipliers. The verifier sizes the clamp table (or the limb range
    mode) from it: this affects completeness only, never soundness (the proof enforces
    y = clamp(q) within whatever window it uses), so the tight exact figures keep tables small.
    ``exact=False`` (private weights: the key must not depend on the weights' values) uses the
    declared ranges of the input and of the multiplier instead."""
    ranges = (exact_ranges(graph) if exact
              else {n: (t.lo, t.hi) for n, t in graph.tensors.items()})
    nodes = []
    for node in graph.nodes:
        if node.op == "requant":
            lo, hi = ranges[node.inputs[0]]
            m = ([int(v) for v in np.asarray(node.consts["mult"]).reshape(-1)] if exact
                 else list(declared_const_range(node, "mult")))
            prods = [v * e for v in m for e in (int(lo), int(hi))]
            half, s = 1 << (int(node.attrs["shift"]) - 1), int(node.attrs["shift"])
            attrs = {**node.attrs, "q_lo": (min(prods) + half) >> s,
                     "q_hi": (max(prods) + half) >> s}
            node = Node(node.op, node.name, node.inputs, node.output, attrs, node.consts)
        nodes.append(node)
    return replace(graph, nodes=nodes)


def declare_const_ranges(graph: IntGraph) -> IntGraph:
    """The graph with a declared range (ir.ranges.fit_const_range of the values) for every
    committed constant of a node that declares none (hand-built graphs): every verifying key
    then declares all of them, as the weight certificate and the key's validation require."""
    nodes = []
    for node in graph.nodes:
        ranges = {} if CONST_RANGES in node.attrs else fit_const_ranges(node.op, node.consts)
        if ranges:
            node = Node(node.op, node.name, node.inputs, node.output,
                        {**node.attrs, CONST_RANGES: ranges}, node.consts)
        nodes.append(node)
    return replace(graph, nodes=nodes)


PRIVATE_RANGE_BITS = 8
"""With private weights, each weight tensor's declared range is widened to a class that
depends only on its sign and its magnitude rounded up to whole bytes (``coarse_range``): the
key (bound by the model id, public) then reveals that class, not the values' extremes."""


def coarse_range(lo: int, hi: int) -> tuple[int, int]:
    """The declared range (lo, w) of a private weight tensor with values in [lo, hi], by sign
    class: [0, 2^w - 1], [-(2^w - 1), 0] or [-2^(w - 1), 2^(w - 1) - 1], w a multiple of
    PRIVATE_RANGE_BITS (the exact fit past MAX_CONST_BITS). Idempotent: a class maps to
    itself (a key's graph is rebuilt from its own when loaded)."""
    def whole(bits: int) -> int:
        return max(PRIVATE_RANGE_BITS, -(-bits // PRIVATE_RANGE_BITS) * PRIVATE_RANGE_BITS)

    if lo >= 0:
        w = whole(hi.bit_length())
        lo_w = 0
    elif hi <= 0:
        w = whole((-lo).bit_length())
        lo_w = -((1 << w) - 1)
    else:
        w = whole(max((-lo - 1).bit_length(), hi.bit_length()) + 1)
        lo_w = -(1 << (w - 1))
    if w > MAX_CONST_BITS:
        return fit_const_range(np.array([lo, hi], dtype=object))
    return lo_w, w


def weight_class(node: Node, key: str) -> tuple[int, int]:
    """The declared range (lo, w) of weight tensor ``key`` of ``node`` in a key with private
    weights: its declared range when that is a class already (a key's own graph, loaded
    again), else the class of its values (not of the compiler's fitted range, whose one-sided
    choices depend on the values' extremes)."""
    lo, hi = declared_const_range(node, key)
    w = (hi - lo + 1).bit_length() - 1
    if coarse_range(lo, hi) == (lo, w):
        return lo, w
    values = np.asarray(node.consts[key])
    if not values.size:
        return coarse_range(0, 0)
    return coarse_range(int(values.min()), int(values.max()))


def coarse_key_graph(graph: IntGraph) -> IntGraph:
    """The graph of a key with private weights: every weight tensor's declared range widened
    to its class (``weight_class``), every tensor's declared range widened to contain what is
    derived from those (ir.ranges.infer_range, node by node), the requants' quotient windows
    from the declared ranges (``annotate_requant_ranges(exact=False)``) and every tensor's
    float scale a placeholder 1.0 (the intermediate scales with the public shifts would give
    the multipliers; the inputs' and outputs' scales are in their quantization, public):
    nothing in it is a function of the weights' values beyond their classes. BoundError (one
    line) if an accumulator could then reach 2^62."""
    tensors = {n: replace(t, scale=1.0) for n, t in graph.tensors.items()}
    nodes = []
    for node in graph.nodes:
        attrs = dict(node.attrs)
        if node.op in RANGED_CONSTS:
            attrs[CONST_RANGES] = {k: list(weight_class(node, k))
                                   for k in RANGED_CONSTS[node.op] if k in node.consts}
        node = Node(node.op, node.name, node.inputs, node.output, attrs, node.consts)
        lo, hi, acc = infer_range(node, [tensors[i] for i in node.inputs])
        if acc >= ACC_LIMIT:
            raise bound_error(node, "an accumulator (with the private weights' coarse ranges)",
                              acc)
        old = tensors[node.output]
        tensors[node.output] = replace(old, lo=min(old.lo, lo), hi=max(old.hi, hi))
        nodes.append(node)
    return annotate_requant_ranges(replace(graph, tensors=tensors, nodes=nodes), exact=False)


def key_graph(graph: IntGraph, config: dict) -> IntGraph:
    """The graph a key under ``config`` binds: ranges declared and requant windows annotated
    (coarse with private weights: ``coarse_key_graph``)."""
    graph = declare_const_ranges(graph)
    if model_params(config) is not None:
        return coarse_key_graph(graph)
    return annotate_requant_ranges(graph)


def setup(model: CompiledModel, config: dict | None = None, certify: bool = True) -> ProvingKey:
    """Commit to the model's weights; return its proving key (whose .vk is public) with the
    weight certificate (prover/certificate.py) in its verifying key. ProverError when a
    committed constant leaves its declared range, ConfigError (one line) for an unknown scheme
    or unusable parameters in ``config``; ``certify=False`` skips the certificate (a
    key that no verifier accepts: for tests of what the certificate catches)."""
    config = dict(config or default_config())
    check_config(config)  # ConfigError now, not a key that no verifier loads
    graph = key_graph(model.graph, config)
    model = CompiledModel(graph, model.inputs, model.outputs, model.info)
    params = model_params(config)
    plan = build_plan(model.graph, 1, config if params is not None else None)
    pk = ProvingKey(model, None)  # type: ignore[arg-type]
    scheme = pcs_prover(config)
    if params is not None:  # private weights: a hiding commitment (verifier/zk_weights.py)
        pk.randomizer = OS_RANDOMNESS.f_vector(plan.consts[MODEL_RANDOMIZER].size)
        scheme = pcs_prover(hiding_config(params))
    commitment, pk.prover_data[MODEL] = scheme.commit(pk.model_vector(plan))
    pk.vk = VerifyingKey(strip_weights(model.graph), model.inputs, model.outputs, commitment,
                         config)
    if certify:
        pk.vk = pk.vk.with_certificate(prove_certificate(pk))
    return pk
