"""The verifying key: everything a verifier needs, and neither the weights nor onnx.

It holds the integer graph's *structure* (ops, attributes, shapes, ranges, public lookup tables;
weight arrays are replaced by their shapes), the model commitment, the commitment parameters and
the input/output quantization. The model id = keccak256(protocol version ‖ commitment ‖ structure
digest ‖ proof configuration) names the model forever.

File format: b"TPVK" | version u16 | JSON length u32 | JSON (UTF-8). Arrays inside the JSON
(lookup tables) are base64 of little-endian int64.
"""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import dataclass

import numpy as np

from ..errors import ProofFormatError
from ..ir.graph import IntGraph, Node, TensorSpec
from ..ir.model import InputQuant, OutputQuant
from ..ir.modelfile import json_default
from ..transcript import keccak256

VK_MAGIC = b"TPVK"
VK_VERSION = 1
PROTOCOL_VERSION = 1
PUBLIC_CONSTS = {"lookup": ("table",)}
"""Constants that are public parts of the circuit (kept in the key), per op."""


@dataclass(frozen=True, eq=False)
class VerifyingKey:
    graph: IntGraph
    inputs: tuple[InputQuant, ...]
    outputs: tuple[OutputQuant, ...]
    commitment: bytes
    config: dict

    @property
    def k(self) -> int:
        return int(self.config["k"])

    @property
    def model_id(self) -> bytes:
        return keccak256(struct.pack(">H", PROTOCOL_VERSION), self.commitment,
                         structure_digest(self.graph), _canon(self.config).encode())

    def to_bytes(self) -> bytes:
        body = json.dumps({
            "graph": _graph_json(self.graph),
            "inputs": [vars(q) for q in self.inputs],
            "outputs": [vars(q) for q in self.outputs],
            "commitment": self.commitment.hex(),
            "config": self.config,
        }, default=json_default).encode()
        return VK_MAGIC + struct.pack(">HI", VK_VERSION, len(body)) + body

    @staticmethod
    def from_bytes(data: bytes) -> VerifyingKey:
        if data[:4] != VK_MAGIC:
            raise ProofFormatError("not a tensorproof verifying key (bad magic bytes)")
        if len(data) < 10:
            raise ProofFormatError("verifying key truncated")
        version, n = struct.unpack(">HI", data[4:10])
        if version != VK_VERSION:
            raise ProofFormatError(f"verifying key version {version} is not supported")
        if len(data) != 10 + n:
            raise ProofFormatError("verifying key truncated or extended")
        try:
            d = json.loads(data[10:].decode())
            return VerifyingKey(
                _graph_from_json(d["graph"]),
                tuple(InputQuant(**{**q, "shape": tuple(q["shape"])}) for q in d["inputs"]),
                tuple(OutputQuant(**{**q, "shape": tuple(q["shape"])}) for q in d["outputs"]),
                bytes.fromhex(d["commitment"]), d["config"])
        except (ValueError, KeyError, TypeError) as e:
            raise ProofFormatError(f"malformed verifying key: {e}") from e


def structure_digest(graph: IntGraph) -> bytes:
    """keccak256 of the graph's canonical structure (no weight values)."""
    return keccak256(_canon(_graph_json(graph)).encode())


def strip_weights(graph: IntGraph) -> IntGraph:
    """The graph with every secret constant replaced by a zero-stride placeholder of its shape."""
    return IntGraph(graph.inputs, graph.outputs, graph.tensors,
                    [_strip(n) for n in graph.nodes], graph.meta)


def _strip(node: Node) -> Node:
    public = PUBLIC_CONSTS.get(node.op, ())
    consts = {k: v if k in public else np.broadcast_to(np.int64(0), v.shape)
              for k, v in node.consts.items()}
    return Node(node.op, node.name, node.inputs, node.output, node.attrs, consts)


def _graph_json(graph: IntGraph) -> dict:
    def node(n: Node) -> dict:
        public = PUBLIC_CONSTS.get(n.op, ())
        return {"op": n.op, "name": n.name, "inputs": list(n.inputs), "output": n.output,
                "attrs": n.attrs,
                "const_shapes": {k: list(v.shape) for k, v in n.consts.items()},
                "public": {k: _arr(n.consts[k]) for k in public if k in n.consts}}

    return {"inputs": list(graph.inputs), "outputs": list(graph.outputs),
            "tensors": [[t.name, list(t.shape), int(t.lo), int(t.hi), float(t.scale)]
                        for t in graph.tensors.values()],
            "nodes": [node(n) for n in graph.nodes]}


def _graph_from_json(d: dict) -> IntGraph:
    tensors = {t[0]: TensorSpec(t[0], tuple(t[1]), int(t[2]), int(t[3]), float(t[4]))
               for t in d["tensors"]}
    nodes = []
    for n in d["nodes"]:
        consts = {k: np.broadcast_to(np.int64(0), tuple(s)) for k, s in n["const_shapes"].items()}
        consts.update({k: _unarr(v) for k, v in n["public"].items()})
        nodes.append(Node(n["op"], n["name"], tuple(n["inputs"]), n["output"],
                          _attrs(n["attrs"]), consts))
    return IntGraph(tuple(d["inputs"]), tuple(d["outputs"]), tensors, nodes)


def _attrs(a: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in a.items()}


def _arr(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a, dtype="<i8")
    return {"shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def _unarr(d: dict) -> np.ndarray:
    raw = base64.b64decode(d["b64"])
    return np.frombuffer(raw, dtype="<i8").astype(np.int64).reshape(d["shape"])


def _canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=json_default)
