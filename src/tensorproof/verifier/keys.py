"""The verifying key: everything a verifier needs, and neither the weights nor onnx.

It holds the integer graph's *structure* (ops, attributes, shapes, ranges, declared constant
ranges, public lookup tables; weight arrays are replaced by their shapes), the model commitment,
the proof configuration, the input/output quantization, and the weight range certificate.

The model id = keccak256(u16 protocol version ‖ commitment ‖ keccak256(canonical JSON of the
graph structure, the input and output quantization and the configuration)) names the model and
binds **every field the verifier uses to check, interpret or report a proof**: change any of them
and the model id changes, so every proof made for the original key is rejected. The certificate
(verifier/certificate.py) is a proof *about* that model id: its committed weights lie in their
declared ranges, so no accumulator of the graph can wrap around p.

File (little-endian, the framing of ir.modelfile.frame):
    b"TPVKEY\\0\\0" | u32 version (2) | u64 header length | header JSON | pad to 8 | body
    body   = key JSON (UTF-8) | certificate bytes
    header = {"key_nbytes", "certificate_nbytes", "body_nbytes", "body_sha256"}
Arrays inside the key JSON (lookup tables) are base64 of little-endian int64. Loading checks the
checksum, parses every field with its type, bounds every shape before anything is allocated,
validates the graph's structure and verifies the certificate: any malformed byte string gives a
one-line ProofFormatError (or VerificationError for a certificate that does not verify).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import struct
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from ..errors import ProofFormatError, TensorProofError
from ..ir.graph import IntGraph, Node, TensorSpec
from ..ir.model import InputQuant, OutputQuant
from ..ir.modelfile import check_body, frame, json_default, unframe
from ..transcript import keccak256
from .pcs_config import WEIGHTS_FIELD, ZK_FIELD
from .plan import MODEL
from .zk_capacity import hiding_gap

VK_MAGIC = b"TPVKEY\x00\x00"
VK_VERSION = 2
PROTOCOL_VERSION = 4
"""Version 2: the model id binds the quantization metadata; structured internal names.
Version 3: lookup-table columns of many segments are committed with the weights
(lookups.committed_columns): a model with an activation table commits more than before.
Version 4: gather wirings of more than wiring_commit.INLINE_WIRES wires without a closed form
are committed with the weights (wiring_commit.py); the certificate's check (T) labels its
points "plan constant <j> point"."""
PUBLIC_CONSTS = {"lookup": ("table",)}
"""Constants that are public parts of the circuit (kept in the key), per op."""
MAX_KEY_BYTES = 1 << 28
MAX_RANK = 16
MAX_ELEMENTS = 1 << 32
"""Largest tensor (elements per sample) a key may declare; shapes are checked before use."""
KEY_FIELDS = {"graph", "inputs", "outputs", "config", "commitment"}
GRAPH_FIELDS = {"inputs", "outputs", "tensors", "nodes"}
NODE_FIELDS = {"op", "name", "inputs", "output", "attrs", "const_shapes", "public"}


@dataclass(frozen=True, eq=False)
class VerifyingKey:
    graph: IntGraph
    inputs: tuple[InputQuant, ...]
    outputs: tuple[OutputQuant, ...]
    commitment: bytes
    config: dict
    certificate: bytes = b""
    """The weight range certificate (empty only for a key built in memory, never saved)."""

    @property
    def k(self) -> int:
        return int(self.config["k"])

    @property
    def masked(self) -> bool:
        """Whether proofs under this key mask every sumcheck (config "zk"; pcs_config.py)."""
        return bool(self.config.get(ZK_FIELD, False))

    @property
    def zero_knowledge(self) -> bool:
        """Whether proofs under this key hide its private inputs and outputs: masked, and
        nothing left that is not hidden yet (zk_capacity.hiding_gap)."""
        g = self.graph
        return self.masked and hiding_gap(self.config, g.visibility, g.inputs) is None

    @property
    def proof_budget(self) -> int | None:
        """With private weights (config "private_weights", verifier/zk_weights.py), how many
        proofs the key's hiding commitment serves; None when the weights are public."""
        budget = self.config.get(WEIGHTS_FIELD)
        return int(budget) if budget else None

    @property
    def zk_config(self) -> dict | None:
        """``build_plan``'s zk_config for this key's proofs (None: plain proofs)."""
        return self.config if self.masked else None

    @property
    def commitments(self) -> dict[str, bytes]:
        """The commitment of every per-model group of the plan (its constants: "model")."""
        return {MODEL: self.commitment}

    @cached_property
    def key_hash(self) -> bytes:
        """keccak256 of the canonical JSON of every bound field but the commitment."""
        return keccak256(_canon(self._bound_json()).encode())

    @cached_property
    def model_id(self) -> bytes:
        return keccak256(struct.pack(">H", PROTOCOL_VERSION), self.commitment, self.key_hash)

    def _bound_json(self) -> dict:
        """Every field of the key except the commitment and certificate (bound separately)."""
        return {"graph": _graph_json(self.graph),
                "inputs": [_quant_json(q) for q in self.inputs],
                "outputs": [_quant_json(q) for q in self.outputs],
                "config": self.config}

    def key_json(self) -> bytes:
        body = {**self._bound_json(), "commitment": self.commitment.hex()}
        return json.dumps(body, default=json_default, allow_nan=False).encode()

    def to_bytes(self) -> bytes:
        return encode_vk_file(self.key_json(), self.certificate)

    def with_certificate(self, certificate: bytes) -> VerifyingKey:
        return VerifyingKey(self.graph, self.inputs, self.outputs, self.commitment, self.config,
                            certificate)

    @staticmethod
    def from_bytes(data: bytes, check_certificate: bool = True) -> VerifyingKey:
        """Parse and check a key file's bytes (see the module docstring)."""
        key_json, certificate = decode_vk_file(data)
        vk = parse_key_json(key_json, certificate)
        check_key(vk, check_certificate)
        return vk


def encode_vk_file(key_json: bytes, certificate: bytes) -> bytes:
    """A key file around the key JSON and the certificate (with their lengths and SHA-256)."""
    body = key_json + certificate
    head = json.dumps({"key_nbytes": len(key_json), "certificate_nbytes": len(certificate),
                       "body_nbytes": len(body),
                       "body_sha256": hashlib.sha256(body).hexdigest()}).encode()
    return frame(VK_MAGIC, VK_VERSION, head, body)


def decode_vk_file(data: bytes) -> tuple[bytes, bytes]:
    """(key JSON, certificate) of a key file; ProofFormatError on any framing or checksum fault."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ProofFormatError(f"a verifying key must be bytes, not {type(data).__name__}")
    if len(data) > MAX_KEY_BYTES:
        raise ProofFormatError(f"verifying key of {len(data)} bytes is over the limit")
    head, body = unframe(bytes(data), VK_MAGIC, VK_VERSION, "verifying key", ProofFormatError,
                         max_header=1 << 12)
    try:
        h = json.loads(head.decode("utf-8"))
        n_key, n_cert = _int(h["key_nbytes"], "key_nbytes"), _int(h["certificate_nbytes"],
                                                                  "certificate_nbytes")
        n_body, digest = _int(h["body_nbytes"], "body_nbytes"), _str(h["body_sha256"], "sha")
    except TensorProofError:
        raise
    except (ValueError, KeyError, TypeError, RecursionError, UnicodeError) as e:
        raise ProofFormatError(f"verifying key header is malformed ({type(e).__name__})") from None
    check_body(body, n_body, digest, "verifying key", ProofFormatError)
    if n_key + n_cert != n_body:
        raise ProofFormatError("verifying key header: section lengths do not add up")
    raw = bytes(body)
    return raw[:n_key], raw[n_key:]


def parse_key_json(key_json: bytes, certificate: bytes = b"") -> VerifyingKey:
    """The key of a key JSON document: every field typed and bounded, ProofFormatError if not."""
    try:
        d = json.loads(key_json.decode("utf-8"), parse_constant=_no_constant)
        _need(isinstance(d, dict) and set(d) == KEY_FIELDS, f"fields {sorted(KEY_FIELDS)}")
        commitment = bytes.fromhex(_str(d["commitment"], "commitment"))
        config = d["config"]
        _need(isinstance(config, dict) and all(isinstance(k, str) for k in config), "config")
        vk = VerifyingKey(_graph_from_json(d["graph"]),
                          tuple(_input_quant(q) for q in _list(d["inputs"], "inputs")),
                          tuple(_output_quant(q) for q in _list(d["outputs"], "outputs")),
                          commitment, config, certificate)
    except TensorProofError:
        raise
    except KeyError as e:
        raise ProofFormatError(f"malformed verifying key: field {e} is missing") from None
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError, UnicodeError,
            OverflowError) as e:
        raise ProofFormatError(f"malformed verifying key ({type(e).__name__}: "
                               f"{str(e)[:120]})") from None
    return vk


def check_key(vk: VerifyingKey, check_certificate: bool = True) -> None:
    """The key's own consistency: graph structure, quantization against the graph, a supported
    configuration at the required security level, and (unless told not to) its certificate."""
    from .key_checks import check_structure

    check_structure(vk)
    try:
        vk.model_id  # noqa: B018 (the canonical JSON must exist: every value serializable)
    except (ValueError, TypeError, RecursionError) as e:
        raise ProofFormatError(f"malformed verifying key: cannot derive its model id "
                               f"({type(e).__name__})") from None
    if check_certificate:
        from .certificate import verify_certificate

        if not vk.certificate:
            raise ProofFormatError("verifying key has no weight range certificate")
        verify_certificate(vk, vk.certificate)


def strip_weights(graph: IntGraph) -> IntGraph:
    """The graph with every secret constant replaced by a zero-stride placeholder of its shape."""
    return replace(graph, nodes=[_strip(n) for n in graph.nodes])


def _strip(node: Node) -> Node:
    public = PUBLIC_CONSTS.get(node.op, ())
    consts = {k: v if k in public else np.broadcast_to(np.int64(0), v.shape)
              for k, v in node.consts.items()}
    return Node(node.op, node.name, node.inputs, node.output, node.attrs, consts)


def _quant_json(q) -> dict:
    """The fields of an input or output quantization; ``integer`` only when true (so keys of
    float inputs, and their model ids, are those of the format before the field)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(q).items()
            if not (k == "integer" and v is False)}


def _graph_json(graph: IntGraph) -> dict:
    def node(n: Node) -> dict:
        public = PUBLIC_CONSTS.get(n.op, ())
        return {"op": n.op, "name": n.name, "inputs": list(n.inputs), "output": n.output,
                "attrs": n.attrs,
                "const_shapes": {k: list(v.shape) for k, v in n.consts.items()},
                "public": {k: _arr(n.consts[k]) for k in public if k in n.consts}}

    out = {"inputs": list(graph.inputs), "outputs": list(graph.outputs),
           "tensors": [[t.name, list(t.shape), int(t.lo), int(t.hi), float(t.scale)]
                       for t in graph.tensors.values()],
           "nodes": [node(n) for n in graph.nodes]}
    if graph.visibility:  # only when some tensor is not public: older model ids unchanged
        out["visibility"] = dict(sorted(graph.visibility.items()))
    return out


# ---- typed parsing: every field checked before use -------------------------------------------


def _no_constant(name: str):
    """JSON's NaN / Infinity: never in a key (the model id's canonical JSON has no such thing)."""
    raise ProofFormatError(f"malformed verifying key: {name} is not a number a key may hold")


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise ProofFormatError(f"malformed verifying key: {what}")


def _int(v, what: str) -> int:
    _need(isinstance(v, int) and not isinstance(v, bool), f"{what} must be an integer")
    return v


def _num(v, what: str) -> float:
    _need(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
          f"{what} must be a finite number")
    return float(v)


def _str(v, what: str) -> str:
    _need(isinstance(v, str), f"{what} must be a string")
    return v


def _list(v, what: str) -> list:
    _need(isinstance(v, list), f"{what} must be a list")
    return v


def _dict(v, what: str) -> dict:
    _need(isinstance(v, dict), f"{what} must be an object")
    return v


def _shape(v, what: str) -> tuple[int, ...]:
    dims = tuple(_int(x, what) for x in _list(v, what))
    _need(len(dims) <= MAX_RANK and all(0 <= x <= MAX_ELEMENTS for x in dims)
          and math.prod(dims) <= MAX_ELEMENTS, f"{what} {list(dims)[:8]} is out of bounds")
    return dims


def _input_quant(q) -> InputQuant:
    q = _dict(q, "input quantization")
    fields = {"name", "shape", "scale", "bits", "lo", "hi"}
    _need(set(q) in (fields, fields | {"integer"}), "input quantization fields")
    _need(q.get("integer", True) is True, "input integer flag must be true when present")
    return InputQuant(_str(q["name"], "input name"), _shape(q["shape"], "input shape"),
                      _num(q["scale"], "input scale"), _int(q["bits"], "input bits"),
                      _int(q["lo"], "input lo"), _int(q["hi"], "input hi"), "integer" in q)


def _output_quant(q) -> OutputQuant:
    q = _dict(q, "output quantization")
    _need(set(q) == {"name", "onnx_name", "shape", "scale"}, "output quantization fields")
    return OutputQuant(_str(q["name"], "output name"), _str(q["onnx_name"], "output onnx name"),
                       _shape(q["shape"], "output shape"), _num(q["scale"], "output scale"))


def _graph_from_json(d) -> IntGraph:
    d = _dict(d, "graph")
    _need(set(d) - {"visibility"} == GRAPH_FIELDS, f"graph fields {sorted(GRAPH_FIELDS)}")
    tensors = {}
    for t in _list(d["tensors"], "tensors"):
        _need(isinstance(t, list) and len(t) == 5, "a tensor entry must have 5 fields")
        name = _str(t[0], "tensor name")
        _need(name not in tensors, f"tensor {name!r} is declared twice")
        tensors[name] = TensorSpec(name, _shape(t[1], f"shape of {name!r}"),
                                   _int(t[2], "lo"), _int(t[3], "hi"), _num(t[4], "scale"))
    nodes = [_node_from_json(n) for n in _list(d["nodes"], "nodes")]
    visibility = _dict(d.get("visibility", {}), "visibility")
    _need("visibility" not in d or bool(visibility), "an empty visibility is never stored")
    return IntGraph(tuple(_str(x, "input") for x in _list(d["inputs"], "inputs")),
                    tuple(_str(x, "output") for x in _list(d["outputs"], "outputs")),
                    tensors, nodes,
                    visibility={_str(k, "visibility name"): _str(v, "visibility")
                                for k, v in visibility.items()})


def _node_from_json(n) -> Node:
    n = _dict(n, "node")
    _need(set(n) == NODE_FIELDS, f"node fields {sorted(NODE_FIELDS)}")
    shapes = _dict(n["const_shapes"], "const_shapes")
    consts = {_str(k, "constant"): np.broadcast_to(np.int64(0), _shape(s, f"constant {k!r}"))
              for k, s in shapes.items()}
    for k, v in _dict(n["public"], "public").items():
        _need(k in consts, f"public constant {k!r} has no shape")
        consts[k] = _unarr(_dict(v, "public constant"), consts[k].shape)
    return Node(_str(n["op"], "op"), _str(n["name"], "node name"),
                tuple(_str(x, "node input") for x in _list(n["inputs"], "node inputs")),
                _str(n["output"], "node output"), _attrs(_dict(n["attrs"], "attrs")), consts)


def _attrs(a: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in a.items()}


def _arr(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a, dtype="<i8")
    return {"shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def _unarr(d: dict, shape: tuple[int, ...]) -> np.ndarray:
    _need(_shape(d["shape"], "public constant shape") == shape, "public constant shape")
    b64 = _str(d["b64"], "public constant")
    _need(len(b64) <= 4 * (8 * math.prod(shape) + 2) // 3 + 4, "public constant is too long")
    try:
        raw = base64.b64decode(b64, validate=True)
    except binascii.Error:
        raise ProofFormatError("malformed verifying key: public constant is not base64") from None
    _need(len(raw) == 8 * math.prod(shape), "public constant has the wrong length")
    return np.frombuffer(raw, dtype="<i8").astype(np.int64).reshape(shape)


def _canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=json_default,
                      allow_nan=False)
