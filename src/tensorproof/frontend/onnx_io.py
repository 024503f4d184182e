"""Reading ONNX models: bytes, files or ModelProto in; clear CompileErrors out.

Attributes become Python values (ints, floats, str, lists, numpy arrays); initializers and
Constant nodes become numpy arrays (floats as float64). Nodes come out in a topological order.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from ..errors import CompileError, UnsupportedOpError
from .float_ops import np_dtype


def load_onnx(src: str | os.PathLike | bytes | onnx.ModelProto) -> onnx.ModelProto:
    """Parse an ONNX model and run ONNX shape inference on it (best effort)."""
    if isinstance(src, onnx.ModelProto):
        model = src
    else:
        if isinstance(src, bytes):
            blob, label = src, "<bytes>"
        else:
            label = str(src)
            try:
                blob = Path(src).read_bytes()
            except OSError as e:
                raise CompileError(f"cannot read ONNX file {label!r}: {e.strerror}") from None
        try:
            model = onnx.load_from_string(blob)
        except Exception as e:  # protobuf raises DecodeError or RuntimeWarning-like errors
            _not_torch(label, blob)
            raise CompileError(f"{label!r} is not a valid ONNX model "
                               f"({type(e).__name__})") from None
        if not model.graph.node and not model.graph.input:
            _not_torch(label, blob)
            raise CompileError(f"{label!r} is not a valid ONNX model (empty or truncated graph)")
    with contextlib.suppress(Exception):  # advisory: our own evaluation fixes every shape
        model = onnx.shape_inference.infer_shapes(model)
    return model


TORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl")


def _not_torch(label: str, blob: bytes) -> None:
    """CompileError pointing to export_torch if a file that is not ONNX looks like PyTorch's (a
    zip archive or a pickle, or a PyTorch file name)."""
    if label.lower().endswith(TORCH_SUFFIXES) or blob[:4] == b"PK\x03\x04" or blob[:1] == b"\x80":
        raise CompileError(f"{label!r} looks like a PyTorch file, not an ONNX model: export it "
                           "first with tensorproof.frontend.export_torch(module, sample_input, "
                           "'model.onnx')")


def opset_version(model: onnx.ModelProto) -> int:
    """Version of the default ONNX domain the model imports."""
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return 1


def to_array(t: onnx.TensorProto) -> np.ndarray:
    """An ONNX tensor as numpy (floats widened to float64)."""
    try:
        a = numpy_helper.to_array(t)
    except Exception as e:
        raise CompileError(f"cannot decode tensor {t.name!r} ({type(e).__name__}: {e})") from None
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def attributes(node: onnx.NodeProto) -> dict:
    """A node's attributes as Python values, keyed by ONNX attribute name."""
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        elif isinstance(v, onnx.TensorProto):
            v = to_array(v)
        elif isinstance(v, onnx.GraphProto | onnx.SparseTensorProto) or (
            isinstance(v, list) and v and not isinstance(v[0], int | float | bytes)
        ):
            raise UnsupportedOpError(f"node {node.name!r} ({node.op_type}): attribute {a.name!r} "
                                     "holds a subgraph or tensors, which is not supported")
        elif isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


def constant_value(node: onnx.NodeProto, attrs: dict) -> np.ndarray:
    """The value of a Constant node."""
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            v = attrs[key]
            if isinstance(v, np.ndarray):
                return v
            return np.asarray(v, dtype=np.float64 if "float" in key else np.int64)
    raise UnsupportedOpError(f"Constant node {node.name!r}: unsupported value attribute "
                             f"{sorted(attrs)}")


def topo_order(graph: onnx.GraphProto, known: set[str]) -> list[onnx.NodeProto]:
    """Nodes sorted so that each comes after the producers of its inputs."""
    pending = list(graph.node)
    ready = set(known)
    order: list[onnx.NodeProto] = []
    while pending:
        rest = []
        for n in pending:
            if all(i in ready or not i for i in n.input):
                order.append(n)
                ready.update(o for o in n.output if o)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            n = rest[0]
            missing = [i for i in n.input if i and i not in ready]
            raise CompileError(f"node {n.name or n.op_type!r} reads {missing}, which no node, "
                               "initializer or graph input produces (truncated or invalid model?)")
        pending = rest
    return order


def input_info(vi: onnx.ValueInfoProto) -> tuple[tuple[int, ...], type]:
    """(batch-1 shape, numpy dtype) of a graph input: a symbolic leading axis is the batch axis
    (set to 1); every other dimension must be fixed. Floats of every width are float64; integer
    and boolean inputs keep their dtype (the compiler proves them as exact integers)."""
    tt = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or not tt.HasField("shape"):
        raise CompileError(f"graph input {vi.name!r} has no tensor shape")
    dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
            for d in tt.shape.dim]
    if dims and dims[0] is None:
        dims[0] = 1
    if any(d is None for d in dims):
        raise CompileError(f"graph input {vi.name!r} has a dynamic dimension "
                           f"{[d or '?' for d in dims]}; only the leading (batch) axis may be "
                           "dynamic")
    try:
        dtype = np_dtype(tt.elem_type)
    except UnsupportedOpError:
        raise UnsupportedOpError(f"graph input {vi.name!r} has ONNX element type "
                                 f"{tt.elem_type}; only numeric and boolean inputs are "
                                 "supported") from None
    return tuple(dims), dtype
