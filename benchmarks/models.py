"""The ONNX models of the side-by-side benchmark (benchmarks/vs_ezkl.py).

Three are built here with onnx.helper and seeded numpy weights (no torch needed): the MLPs
784-128-10 and 784-512-512-10 and a small MNIST CNN; the others are EZKL's own example models
from ../shared/peer-corpus/ezkl-examples, proven on that folder's input.json. Every model has one
float input whose leading axis is the symbolic batch axis ``batch_size`` (EZKL's default
variable), and is proven at batch 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "peer-corpus" / "ezkl-examples"
OPSET = 13  # EZKL's tract loader and tensorproof's frontend both read opset 13
SEED = 20260521
N_CALIBRATION = 64


@dataclass(frozen=True)
class BenchModel:
    """One benchmark model: its ONNX bytes, the input to prove and tensorproof's calibration."""

    name: str
    description: str
    onnx_bytes: bytes
    input_name: str
    x: np.ndarray            # (1, *shape) float32: the input both systems prove
    calibration: np.ndarray  # (n, *shape) float32: tensorproof's calibration samples
    source: str

    @property
    def params(self) -> int:
        """Number of weights and biases (elements of the floating-point initializers)."""
        return count_params(onnx.load_from_string(self.onnx_bytes))

    def ezkl_input_json(self) -> str:
        """The proving input in EZKL's data format (one flattened list per graph input)."""
        return json.dumps({"input_data": [self.x.reshape(-1).astype(float).tolist()]})


def count_params(model: onnx.ModelProto) -> int:
    """Elements of the float initializers (and float Constant nodes) of an ONNX model."""
    tensors = list(model.graph.initializer)
    tensors += [a.t for n in model.graph.node if n.op_type == "Constant" for a in n.attribute
                if a.name == "value" and a.type == onnx.AttributeProto.TENSOR]
    return int(sum(numpy_helper.to_array(t).size for t in tensors
                   if t.data_type in (TensorProto.FLOAT, TensorProto.DOUBLE,
                                      TensorProto.FLOAT16)))


def _weights(rng: np.random.Generator, name: str, shape: tuple[int, ...], fan_in: int
             ) -> onnx.TensorProto:
    """He-normal weights (activations keep unit scale through ReLU layers)."""
    w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(np.float32)
    return numpy_helper.from_array(w, name)


def _bias(rng: np.random.Generator, name: str, n: int) -> onnx.TensorProto:
    return numpy_helper.from_array(rng.uniform(-0.1, 0.1, size=n).astype(np.float32), name)


def _finish(nodes, inits, in_shape: tuple[int, ...], n_out: int, name: str) -> bytes:
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", *in_shape])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", n_out])
    graph = helper.make_graph(nodes, name, [inp], [out], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tensorproof-benchmarks")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def mlp_onnx(sizes: tuple[int, ...], seed: int = SEED) -> bytes:
    """Gemm (transB=1, as torch exports nn.Linear) → ReLU → … → Gemm, seeded weights."""
    rng = np.random.default_rng(seed)
    nodes, inits, prev = [], [], "input"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        inits += [_weights(rng, f"fc{i}.weight", (b, a), a), _bias(rng, f"fc{i}.bias", b)]
        last = i == len(sizes) - 2
        out = "output" if last else f"fc{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"fc{i}.weight", f"fc{i}.bias"], [out],
                                      name=f"fc{i}", transB=1))
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"relu{i}"], name=f"relu{i}"))
            prev = f"relu{i}"
    return _finish(nodes, inits, (sizes[0],), sizes[-1], "mlp_" + "_".join(map(str, sizes)))


def cnn_onnx(seed: int = SEED) -> bytes:
    """Conv(1→8, k5) → ReLU → AvgPool 2 → Conv(8→16, k5) → ReLU → AvgPool 2 → Flatten →
    Gemm(256→10) on 1×28×28."""
    rng = np.random.default_rng(seed)
    inits = [_weights(rng, "conv1.weight", (8, 1, 5, 5), 25), _bias(rng, "conv1.bias", 8),
             _weights(rng, "conv2.weight", (16, 8, 5, 5), 200), _bias(rng, "conv2.bias", 16),
             _weights(rng, "fc.weight", (10, 256), 256), _bias(rng, "fc.bias", 10)]
    # every attribute spelled out, as torch's exporter writes them (EZKL's loader needs strides)
    pool = {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 0, 0], "ceil_mode": 0}
    conv = {"kernel_shape": [5, 5], "strides": [1, 1], "pads": [0, 0, 0, 0],
            "dilations": [1, 1], "group": 1}
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="conv1",
                         **conv),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool1", **pool),
        helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2",
                         **conv),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("AveragePool", ["r2"], ["p2"], name="pool2", **pool),
        helper.make_node("Flatten", ["p2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["output"], name="fc",
                         transB=1),
    ]
    return _finish(nodes, inits, (1, 28, 28), 10, "cnn_mnist")


def _uniform(shape: tuple[int, ...], n: int, seed: int) -> np.ndarray:
    """Pixel-like inputs in [0, 1)."""
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def _built(name: str, description: str, onnx_bytes: bytes, shape: tuple[int, ...]
           ) -> BenchModel:
    return BenchModel(name, description, onnx_bytes, "input", _uniform(shape, 1, SEED + 1),
                      _uniform(shape, N_CALIBRATION, SEED + 2),
                      "built here (onnx.helper, seeded He-normal weights, inputs U[0,1))")


def corpus_model(folder: str, description: str) -> BenchModel:
    """An EZKL example model, proven on the first sample of its input.json (which is also
    tensorproof's calibration set: EZKL calibrates on that same file)."""
    d = CORPUS / folder
    onnx_bytes = (d / "network.onnx").read_bytes()
    model = onnx.load_from_string(onnx_bytes)
    consts = {t.name for t in model.graph.initializer}
    (vi,) = [i for i in model.graph.input if i.name not in consts]
    dims = [d.dim_value for d in vi.type.tensor_type.shape.dim][1:]
    data = json.loads((d / "input.json").read_text())["input_data"][0]
    x = np.asarray(data, dtype=np.float32).reshape(-1, *dims)
    return BenchModel(folder, description, onnx_bytes, vi.name, x[:1], x,
                      f"EZKL examples corpus ({folder}/network.onnx, input.json)")


BUILDERS: dict[str, Callable[[], BenchModel]] = {
    "mlp_784_128_10": lambda: _built("mlp_784_128_10", "MLP 784-128-10 (ReLU)",
                                     mlp_onnx((784, 128, 10)), (784,)),
    "mlp_784_512_512_10": lambda: _built("mlp_784_512_512_10", "MLP 784-512-512-10 (ReLU)",
                                         mlp_onnx((784, 512, 512, 10)), (784,)),
    "cnn_mnist": lambda: _built("cnn_mnist", "CNN conv5(1→8)-pool-conv5(8→16)-pool-fc(256→10)",
                                cnn_onnx(), (1, 28, 28)),
    "lenet_5": lambda: corpus_model("lenet_5", "LeNet-5 (EZKL example, 1×32×32)"),
    "4l_relu_conv_fc": lambda: corpus_model("4l_relu_conv_fc",
                                            "conv-relu ×2, fc (EZKL example, 1×28×28)"),
    "variable_cnn": lambda: corpus_model("variable_cnn", "CNN (EZKL example variable_cnn)"),
}
QUICK_MODEL = "mlp_784_128_10"


def build(name: str) -> BenchModel:
    """Build one benchmark model by name (KeyError lists the known names)."""
    if name not in BUILDERS:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(BUILDERS)}")
    return BUILDERS[name]()
