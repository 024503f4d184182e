"""The compiled-model file (.tpm): versioned, self-describing, no pickle, no onnx/torch needed.

Layout (all integers little-endian):

    0   magic  b"TPMODEL\\0"                      8 bytes
    8   version                                  u32
    12  header length H                          u64
    20  header: UTF-8 JSON                       H bytes
        zero padding to a multiple of 8
    D   data: the arrays, each at an 8-aligned offset relative to D

The header holds the graph (tensors, nodes with their attributes), input quantization, output
dequantization, info, and an array table ``[{"dtype", "shape", "offset"}]`` that node constants
point into by index, plus the data section's exact length and SHA-256. ``load_model`` rejects a
wrong magic or version, truncation, trailing bytes, a checksum mismatch or an inconsistent graph
with ModelFileError, then re-validates the graph's shapes and bounds (ir.validate). Every field
of the header is type-checked and every size bounded before anything is allocated.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct

import numpy as np

from ..errors import ModelFileError, TensorProofError
from .graph import IntGraph, Node, TensorSpec
from .model import CompiledModel, InputQuant, OutputQuant
from .validate import validate_graph

MAGIC = b"TPMODEL\x00"
VERSION = 1
_PREFIX = struct.Struct("<8sIQ")
_DTYPES = {"<i8": np.dtype("<i8")}
MAX_HEADER = 1 << 28
MAX_RANK = 16
MAX_ELEMENTS = 1 << 32
"""Largest array or tensor (elements; per sample for activations) a model file may declare."""


def _finite(o: object) -> object:
    """``o`` with non-finite floats replaced by None (JSON has no NaN or infinity)."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    if isinstance(o, float | np.floating) and not np.isfinite(o):
        return None
    return o


def json_default(o: object) -> object:
    """JSON encoding of numpy scalars, arrays and tuples (model headers, verifying keys)."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"cannot store {type(o).__name__} in JSON")


def _pack(model: CompiledModel) -> tuple[bytes, bytes]:
    """(header JSON, data section) of a model."""
    table: list[dict] = []
    chunks: list[bytes] = []
    offset = 0

    def put(a: np.ndarray) -> int:
        nonlocal offset
        raw = np.ascontiguousarray(a, dtype="<i8").tobytes()
        table.append({"dtype": "<i8", "shape": list(a.shape), "offset": offset})
        chunks.append(raw)
        offset += len(raw)  # a multiple of 8: every array is int64
        return len(table) - 1

    g = model.graph
    header = {
        "graph": {
            "inputs": list(g.inputs), "outputs": list(g.outputs), "meta": g.meta,
            **({"visibility": dict(sorted(g.visibility.items()))} if g.visibility else {}),
            "tensors": [[t.name, list(t.shape), t.lo, t.hi, t.scale] for t in g.tensors.values()],
            "nodes": [{"op": n.op, "name": n.name, "inputs": list(n.inputs), "output": n.output,
                       "attrs": n.attrs, "consts": {k: put(v) for k, v in n.consts.items()}}
                      for n in g.nodes],
        },
        "inputs": [[q.name, list(q.shape), q.scale, q.bits, q.lo, q.hi] + [True] * q.integer
                   for q in model.inputs],
        "outputs": [[o.name, o.onnx_name, list(o.shape), o.scale] for o in model.outputs],
        "info": _finite(model.info),
        "arrays": table,
    }
    data = b"".join(chunks)
    header["data_nbytes"] = len(data)
    header["data_sha256"] = hashlib.sha256(data).hexdigest()
    text = json.dumps(header, default=json_default, allow_nan=False, separators=(",", ":"))
    return text.encode(), data


def frame(magic: bytes, version: int, head: bytes, body: bytes) -> bytes:
    """A tensorproof file: magic (8 bytes) | u32 version | u64 header length | header | zero pad
    to 8 | body (little-endian; shared by .tpm and .tpk files)."""
    pad = (-(_PREFIX.size + len(head))) % 8
    return _PREFIX.pack(magic, version, len(head)) + head + b"\0" * pad + body


def unframe(blob: bytes, magic: bytes, version: int, what: str, error: type[Exception],
            max_header: int = MAX_HEADER) -> tuple[bytes, memoryview]:
    """(header bytes, body) of a file written by :func:`frame`; ``error`` naming ``what`` on a
    short file, wrong magic or version, or a header running past the end."""
    if len(blob) < _PREFIX.size:
        raise error(f"not a tensorproof {what} (too short)")
    got, ver, hlen = _PREFIX.unpack_from(blob)
    if got != magic:
        raise error(f"not a tensorproof {what} (bad magic bytes)")
    if ver != version:
        raise error(f"unsupported {what} version {ver} (this build reads version {version})")
    start = _PREFIX.size + hlen + (-(_PREFIX.size + hlen)) % 8
    if hlen > max_header or start > len(blob):
        raise error(f"{what} truncated inside its header")
    return bytes(blob[_PREFIX.size : _PREFIX.size + hlen]), memoryview(blob)[start:]


def check_body(body: bytes | memoryview, nbytes: int, sha256_hex: str, what: str,
               error: type[Exception]) -> None:
    """``error`` unless ``body`` has the length and SHA-256 its file's header gives."""
    if len(body) != nbytes:
        cut = "truncated" if len(body) < nbytes else "has trailing bytes"
        raise error(f"{what} {cut} (body {len(body)} bytes, header says {nbytes})")
    if hashlib.sha256(body).hexdigest() != sha256_hex:
        raise error(f"{what} corrupted: checksum mismatch")


def model_bytes(model: CompiledModel) -> bytes:
    """The file's bytes for ``model``."""
    head, data = _pack(model)
    return frame(MAGIC, VERSION, head, data)


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, flushed to
    disk, then renamed over ``path`` (a reader never sees half a file). The file gets the usual
    permissions (0666 less the umask), not mkstemp's private 0600."""
    import tempfile  # here: reading keys and proofs (`tensorproof verify`) needs neither
    from pathlib import Path

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model: CompiledModel, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` atomically (:func:`atomic_write`)."""
    atomic_write(path, model_bytes(model))


def _bad(what: str) -> ModelFileError:
    """The error for a header field of the wrong type, size or content."""
    return ModelFileError(f"model file header is malformed: {what}")


def _int(v: object, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise _bad(f"{what} must be an integer")
    return v


def _num(v: object, what: str) -> float:
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise _bad(f"{what} must be a number")
    return float(v)


def _str(v: object, what: str) -> str:
    if not isinstance(v, str):
        raise _bad(f"{what} must be a string")
    return v


def _list(v: object, what: str, n: int | None = None) -> list:
    if not isinstance(v, list) or (n is not None and len(v) != n):
        raise _bad(f"{what} must be a list" + (f" of {n} entries" if n is not None else ""))
    return v


def _dict(v: object, what: str, keys: tuple[str, ...] = ()) -> dict:
    if not isinstance(v, dict):
        raise _bad(f"{what} must be an object")
    missing = [k for k in keys if k not in v]
    if missing:
        raise _bad(f"{what} lacks {missing}")
    return v


def _strs(v: object, what: str) -> tuple[str, ...]:
    return tuple(_str(x, what) for x in _list(v, what))


def _shape(v: object, what: str) -> tuple[int, ...]:
    """A shape: at most MAX_RANK non-negative ints whose product (a Python int) is at most
    MAX_ELEMENTS."""
    shape = tuple(_int(d, what) for d in _list(v, what))
    if len(shape) > MAX_RANK or any(d < 0 for d in shape) or math.prod(shape) > MAX_ELEMENTS:
        raise _bad(f"{what} {list(shape)[:MAX_RANK + 1]} is not a shape of rank <= "
                   f"{MAX_RANK} with <= 2^32 elements")
    return shape


def _arrays(table: object, data: bytes) -> list[np.ndarray]:
    """The data section's arrays; each must lie inside it (checked before reading it)."""
    out = []
    for i, e in enumerate(_list(table, "arrays")):
        e = _dict(e, f"array {i}", ("dtype", "shape", "offset"))
        dt = _DTYPES.get(e["dtype"]) if isinstance(e["dtype"], str) else None
        shape, off = _shape(e["shape"], f"array {i} shape"), _int(e["offset"], "offset")
        if dt is None:
            raise ModelFileError(f"model file: array {i} has an unsupported dtype")
        n = math.prod(shape) * dt.itemsize
        if off < 0 or off % 8 or off + n > len(data):
            raise ModelFileError(f"model file: array {i} lies outside the data section")
        out.append(np.frombuffer(data, dtype=dt, count=n // dt.itemsize, offset=off)
                   .reshape(shape).astype(np.int64))
    return out


def _node(d: object, arrays: list[np.ndarray]) -> Node:
    d = _dict(d, "node", ("op", "name", "inputs", "output", "attrs", "consts"))
    name = _str(d["name"], "node name")
    consts = {}
    for k, i in _dict(d["consts"], f"constants of node {name!r}").items():
        if not 0 <= _int(i, "constant index") < len(arrays):
            raise _bad(f"node {name!r} names a missing array {i}")
        consts[k] = arrays[i]
    return Node(_str(d["op"], "op"), name, _strs(d["inputs"], f"inputs of node {name!r}"),
                _str(d["output"], "node output"), dict(_dict(d["attrs"], "attributes")), consts)


def _tensor(t: object) -> TensorSpec:
    name, shape, lo, hi, scale = _list(t, "tensor", 5)
    name = _str(name, "tensor name")
    return TensorSpec(name, _shape(shape, f"shape of {name!r}"), _int(lo, "lo"), _int(hi, "hi"),
                      _num(scale, "scale"))


def _unpack(header: dict, data: bytes) -> CompiledModel:
    arrays = _arrays(header["arrays"], data)
    g = _dict(header["graph"], "graph", ("inputs", "outputs", "meta", "tensors", "nodes"))
    specs = [_tensor(t) for t in _list(g["tensors"], "tensors")]
    tensors = {t.name: t for t in specs}
    if len(tensors) != len(specs):
        raise _bad("a tensor is declared twice")
    graph = IntGraph(_strs(g["inputs"], "graph inputs"), _strs(g["outputs"], "graph outputs"),
                     tensors, [_node(n, arrays) for n in _list(g["nodes"], "nodes")],
                     dict(_dict(g["meta"], "meta")),
                     {_str(k, "visibility name"): _str(v, "visibility")
                      for k, v in _dict(g.get("visibility", {}), "visibility").items()})
    ins = tuple(_input_quant(_list(q, "input")) for q in _list(header["inputs"], "inputs"))
    outs = tuple(OutputQuant(_str(a, "output name"), _str(b, "ONNX output name"),
                             _shape(c, "output shape"), _num(d, "scale"))
                 for a, b, c, d in (_list(q, "output", 4)
                                    for q in _list(header["outputs"], "outputs")))
    return CompiledModel(graph, ins, outs, dict(_dict(header["info"], "info")))


_HEADER_KEYS = ("graph", "inputs", "outputs", "info", "arrays", "data_nbytes", "data_sha256")


def parse_model(blob: bytes) -> CompiledModel:
    """Decode and validate a model file's bytes; ModelFileError (one line) on anything malformed.

    Every field of the header is type-checked, every shape bounded (rank <= MAX_RANK, at most
    MAX_ELEMENTS elements, on Python ints) and every array checked to lie inside the data
    section before anything is allocated; then the graph is validated (ir.validate)."""
    head, body = unframe(blob, MAGIC, VERSION, "model file", ModelFileError)
    try:
        header = _dict(json.loads(head.decode("utf-8")), "header", _HEADER_KEYS)
        data = bytes(body)
        check_body(data, _int(header["data_nbytes"], "data_nbytes"),
                   _str(header["data_sha256"], "data_sha256"), "model file", ModelFileError)
        model = _unpack(header, data)
        validate_graph(model.graph)
    except ModelFileError:
        raise
    except TensorProofError as e:
        raise ModelFileError(f"model file holds an invalid graph: {e}") from None
    except RecursionError:
        raise ModelFileError("model file header is nested too deeply") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError) as e:
        raise ModelFileError(f"model file header is malformed ({type(e).__name__}: "
                             f"{str(e)[:120]})") from None
    return model


def load_model(path: str | os.PathLike) -> CompiledModel:
    """Read a .tpm file written by :func:`save_model`."""
    from pathlib import Path

    try:
        blob = Path(path).read_bytes()
    except OSError as e:
        raise ModelFileError(f"cannot read model file {str(path)!r}: {e.strerror}") from None
    return parse_model(blob)


def _input_quant(q: list) -> InputQuant:
    """[name, shape, scale, bits, lo, hi] and, for an integer-typed input, true."""
    if len(q) not in (6, 7) or (len(q) == 7 and q[6] is not True):
        raise _bad("an input must be [name, shape, scale, bits, lo, hi] (+ true if integer)")
    a, b, c, d, e, f = q[:6]
    return InputQuant(_str(a, "input name"), _shape(b, "input shape"), _num(c, "scale"),
                      _int(d, "bits"), _int(e, "lo"), _int(f, "hi"), len(q) == 7)
