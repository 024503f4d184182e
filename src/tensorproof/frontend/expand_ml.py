"""ONNX-ML (domain ai.onnx.ml) nodes rewritten into ordinary ONNX ops before tracing.

normalize() calls :func:`expand_ml` first when the model holds ai.onnx.ml nodes, so that the
float graph, calibration, the integer graph and the proof need nothing new:
- TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble (opset 5): expand_trees.py;
- Scaler: (x − offset)·scale; Binarizer: Cast(x > threshold); ArrayFeatureExtractor(x, idx):
  Gather along the last axis; Normalizer MAX/L1/L2: x / max_i x_i, x / Σ|x_i|, x / sqrt(Σx_i²)
  per row (a zero norm leaves the row unchanged, as onnxruntime);
- ZipMap (a sequence of maps) is refused with the converter option that removes it.
Each refusal is a one-line UnsupportedOpError naming the node.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper

from ..errors import UnsupportedOpError
from .expand_trees import TREE_OPS, TreeEmitter, expand_tree_node
from .onnx_io import attributes, opset_version

ML_DOMAIN = "ai.onnx.ml"
SMALL_OPS = ("Scaler", "Binarizer", "ArrayFeatureExtractor", "Normalizer")
EXPANDED = tuple(f"{ML_DOMAIN}.{op}" for op in TREE_OPS + SMALL_OPS)
"""The ai.onnx.ml operators the compiler accepts (by expansion), named with their domain."""
MIN_OPSET = 13
"""Default-domain opset the expansions are written for. A model importing an older one (some
converters write 9) is moved to it when its other nodes mean the same at both versions."""
STABLE_OPS = frozenset({
    "Identity", "Cast", "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Relu", "Sigmoid", "Tanh",
    "Exp", "Log", "Sqrt", "MatMul", "Gemm", "Concat", "Reshape", "Flatten", "Transpose",
    "ArgMax", "ArgMin", "Equal", "Less", "Greater", "Not", "And", "Or", "Where", "Gather"})
"""Default-domain ops whose semantics did not change from opset 9 to MIN_OPSET."""


def has_ml(model: onnx.ModelProto) -> bool:
    """Whether the model holds a node of the ai.onnx.ml domain."""
    return any(n.domain == ML_DOMAIN for n in model.graph.node)


def _fail(n: onnx.NodeProto, name: str, what: str) -> UnsupportedOpError:
    return UnsupportedOpError(f"node {name!r} ({ML_DOMAIN}.{n.op_type}): {what}")


def _scaler(e: TreeEmitter, n: onnx.NodeProto, name: str) -> None:
    a = attributes(n)
    offset = np.asarray(a.get("offset", [0.0]), np.float64)
    scale = np.asarray(a.get("scale", [1.0]), np.float64)
    x = e.op("Cast", [n.input[0]], "x", attrs={"to": TensorProto.DOUBLE})
    if np.any(offset):
        x = e.op("Sub", [x, e.tensor(offset, "offset")], "centered")
    y = e.op("Mul", [x, e.tensor(scale, "scale")], "scaled")
    e.op("Cast", [y], "y", n.output[0], {"to": TensorProto.FLOAT})


def _binarizer(e: TreeEmitter, n: onnx.NodeProto, name: str, dtype: int) -> None:
    t = float(attributes(n).get("threshold", 0.0))
    x = e.op("Cast", [n.input[0]], "x", attrs={"to": TensorProto.DOUBLE})
    b = e.op("Greater", [x, e.tensor(t, "threshold")], "above")
    e.op("Cast", [b], "y", n.output[0], {"to": dtype})


def _feature_extractor(e: TreeEmitter, n: onnx.NodeProto, name: str) -> None:
    idx = e.reshape(n.input[1], [-1], "indices")  # a scalar index keeps the axis
    e.op("Gather", [n.input[0], idx], "y", n.output[0], {"axis": -1})


def _normalizer(e: TreeEmitter, n: onnx.NodeProto, name: str) -> None:
    norm = str(attributes(n).get("norm", "MAX"))
    x = e.op("Cast", [n.input[0]], "x", attrs={"to": TensorProto.DOUBLE})
    reduce = {"MAX": "ReduceMax", "L1": "ReduceL1", "L2": "ReduceL2"}.get(norm)
    if reduce is None:
        raise _fail(n, name, f"norm {norm!r} (MAX, L1 or L2 only)")
    if e.opset >= 18:
        z = e.op(reduce, [x, e.ints([1])], "norm", attrs={"keepdims": 1})
    else:
        z = e.op(reduce, [x], "norm", attrs={"keepdims": 1, "axes": [1]})
    zero = e.op("Equal", [z, e.tensor(0.0, "zero")], "zero_norm")
    z = e.op("Where", [zero, e.tensor(1.0, "one"), z], "norm")
    e.op("Cast", [e.op("Div", [x, z], "y")], "y", n.output[0], {"to": TensorProto.FLOAT})


def _elem_types(model: onnx.ModelProto) -> tuple[dict[str, int], dict[str, int]]:
    """Element type of every declared tensor, and its last dimension where static."""
    g = model.graph
    infos = (*g.input, *g.value_info, *g.output)
    types = {vi.name: vi.type.tensor_type.elem_type for vi in infos}
    types.update({t.name: t.data_type for t in g.initializer})
    widths = {}
    for vi in infos:
        dims = vi.type.tensor_type.shape.dim
        if dims and dims[-1].HasField("dim_value"):
            widths[vi.name] = int(dims[-1].dim_value)
    return types, widths


def expand_ml(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` with every ai.onnx.ml node replaced by ordinary ONNX ops (module docstring).
    A string label output of a classifier becomes the int64 index into its labels."""
    g = model.graph
    out = onnx.ModelProto()
    out.CopyFrom(model)
    imported = any(i.domain in ("", "ai.onnx") for i in model.opset_import)
    opset = opset_version(model) if imported else MIN_OPSET
    if not imported:
        out.opset_import.append(helper.make_opsetid("", MIN_OPSET))
    elif opset < MIN_OPSET and all(n.op_type in STABLE_OPS for n in g.node
                                   if n.domain in ("", "ai.onnx")):
        for imp in out.opset_import:
            if imp.domain in ("", "ai.onnx"):
                imp.version = opset = MIN_OPSET
    used = {i for n in g.node for i in n.input if i} | {o.name for o in g.output}
    taken = ({x for n in g.node for x in (*n.input, *n.output, n.name)}
             | {t.name for t in g.initializer} | {i.name for i in g.input})
    types, widths = _elem_types(model)
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    relabel: set[str] = set()
    for idx, n in enumerate(g.node):
        if n.domain != ML_DOMAIN:
            nodes.append(n)
            continue
        name = n.name or f"{n.op_type}_{idx}"
        if n.op_type == "ZipMap":
            raise _fail(n, name, "a sequence of maps is not a tensor; export the classifier "
                        "without it (skl2onnx: options={'zipmap': False})")
        if n.op_type not in TREE_OPS + SMALL_OPS:
            from .normalize import unsupported

            raise unsupported(f"{ML_DOMAIN}.{n.op_type}", name)
        if opset < MIN_OPSET:
            raise _fail(n, name, f"the model imports ONNX opset {opset} and ops whose meaning "
                        f"changed since; ai.onnx.ml operators are supported with opset "
                        f"{MIN_OPSET} or newer (re-export with target_opset >= {MIN_OPSET})")
        if n.op_type in TREE_OPS:
            x_type = types.get(n.input[0], TensorProto.FLOAT)
            out_type = (TensorProto.DOUBLE if n.op_type == "TreeEnsemble"
                        and x_type == TensorProto.DOUBLE else TensorProto.FLOAT)
            e = expand_tree_node(n, name, used, taken, opset, out_type,
                                 widths.get(n.input[0]))
            if n.op_type == "TreeEnsembleClassifier" and not attributes(n).get(
                    "classlabels_int64s"):
                relabel.add(n.output[0])
        else:
            e = TreeEmitter(name, taken, opset)
            if n.op_type == "Scaler":
                _scaler(e, n, name)
            elif n.op_type == "Binarizer":
                _binarizer(e, n, name, types.get(n.input[0], TensorProto.FLOAT))
            elif n.op_type == "ArrayFeatureExtractor":
                _feature_extractor(e, n, name)
            else:
                _normalizer(e, n, name)
        nodes += e.nodes
        inits += e.inits
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    out.graph.initializer.extend(inits)
    for o in out.graph.output:
        if o.name in relabel:
            o.type.tensor_type.elem_type = TensorProto.INT64
    return out
