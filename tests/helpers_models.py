"""Builders of small ONNX test models (onnx.helper), an onnxruntime runner, and the digits models.

- ``make_model(nodes, inputs, outputs, inits)``: a model from nodes; ``inputs``/``outputs`` map
  names to shapes whose leading axis is the batch ("N").
- ``single_op(op, in_shapes, out_shape, attrs, consts)``: a one-node model whose node reads the
  graph inputs and then the constants (in the given order).
- ``ort_run(model_bytes, feeds)``: onnxruntime float outputs, by output name.
- ``train_digits_mlp()``, ``train_digits_cnn()``: re-exported from tensorproof.frontend.examples
  (ONNX bytes + calibration/test data, trained on scikit-learn's digits).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tensorproof.frontend.examples import DigitsModel, train_digits_cnn, train_digits_mlp

__all__ = ["DigitsModel", "make_model", "ort_run", "single_op", "train_digits_cnn",
           "train_digits_mlp"]

IR_VERSION = 8
"""IR version written into test models (onnxruntime refuses newer IRs than it knows)."""


def _vi(name: str, shape) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape) if shape else None)


def make_model(nodes, inputs: dict, outputs: dict, inits: dict | None = None,
               opset: int = 13) -> bytes:
    """Serialized ONNX model (float32 initializers; int64 ones stay int64)."""
    tensors = []
    for k, v in (inits or {}).items():
        a = np.asarray(v)
        a = a.astype(np.float32) if a.dtype.kind == "f" else a.astype(np.int64)
        tensors.append(numpy_helper.from_array(a, k))
    graph = helper.make_graph(nodes, "test", [_vi(k, s) for k, s in inputs.items()],
                              [_vi(k, s) for k, s in outputs.items()], tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              ir_version=IR_VERSION)
    return model.SerializeToString()


def single_op(op: str, in_shapes: list, out_shape=None, attrs: dict | None = None,
              consts: dict | None = None, opset: int = 13, n_outputs: int = 1) -> bytes:
    """A model with one ``op`` node: inputs x0, x1, ... then the constants, outputs y0, ..."""
    ins = {f"x{i}": ["N", *s] for i, s in enumerate(in_shapes)}
    outs = {f"y{i}": None if out_shape is None else ["N", *out_shape] for i in range(n_outputs)}
    names = list(ins) + list(consts or {})
    node = helper.make_node(op, names, list(outs), name=f"{op.lower()}_node", **(attrs or {}))
    return make_model([node], ins, outs, consts, opset)


def ort_run(model: bytes, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Float outputs of onnxruntime for float64/32 feeds."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    res = sess.run(names, {k: np.asarray(v, np.float32) for k, v in feeds.items()})
    return {k: np.asarray(v, np.float64) for k, v in zip(names, res)}


def conv_pool_sigmoid_onnx(rng) -> bytes:
    """Conv → Relu → MaxPool → Flatten → Gemm → Sigmoid on (N, 1, 6, 6): requant, clamp, lookup
    and pooling in one small model (float32 weights from ``rng``)."""
    w = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    fc = rng.normal(size=(3, 18)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "fc", "fb"], ["g"], transB=1),
             helper.make_node("Sigmoid", ["g"], ["y"])]
    return make_model(nodes, {"x": ["N", 1, 6, 6]}, {"y": ["N", 3]},
                      {"w": w, "fc": fc, "fb": rng.normal(size=3).astype(np.float32)})
