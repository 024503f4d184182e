"""Small real models for tests, demos and benchmarks, trained on scikit-learn's digits (8×8
images of handwritten digits, shipped with scikit-learn: no download).

- ``train_digits_mlp()``: an sklearn MLPClassifier 64-32-10 (ReLU), exported as Gemm/Relu/Gemm.
- ``train_digits_cnn()``: a LeNet-style CNN — Conv 1→16 (3×3, pad 1) + BatchNorm → ReLU →
  MaxPool 2 → Conv 16→32 (3×3, pad 1) → ReLU → AveragePool 2 → Flatten → Gemm 128→10. The
  convolutions are fixed random features (seeded), BatchNorm holds the data's statistics, and the
  linear head is trained by ridge regression on one-hot targets (closed form, fast).
Both return ONNX bytes with calibration and held-out test data; scikit-learn is needed (it is in
the ``test`` and ``bench`` extras).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import onnx
from numpy.lib.stride_tricks import sliding_window_view
from onnx import TensorProto, helper, numpy_helper

from ..errors import CompileError

N_TRAIN = 1300
"""Samples for training (the first of a seeded shuffle); the remaining 497 are held out."""


@dataclass(frozen=True)
class DigitsModel:
    """An ONNX model with its data: calibration samples (from the training split), held-out
    test samples and labels, and the float model's test accuracy."""

    name: str
    onnx_bytes: bytes
    x_calib: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    float_accuracy: float


def _digits(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise CompileError("the digits examples need scikit-learn (pip install "
                           "'tensorproof[test]')") from None
    d = load_digits()
    perm = np.random.default_rng(seed).permutation(len(d.target))
    x, y = (d.images / 16.0)[perm], d.target[perm]
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def _model(nodes, inits: dict[str, np.ndarray], in_shape, out_dim: int, name: str) -> bytes:
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", out_dim])],
        [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              ir_version=8, producer_name="tensorproof.examples")
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _frozen(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    out = []
    for a in arrays:
        a = np.ascontiguousarray(a)
        a.setflags(write=False)
        out.append(a)
    return tuple(out)


@lru_cache(maxsize=4)
def train_digits_mlp(hidden: int = 32, seed: int = 0) -> DigitsModel:
    """MLP 64-hidden-10 trained with sklearn's MLPClassifier; input (N, 64) in [0, 1]."""
    from sklearn.neural_network import MLPClassifier

    xtr, ytr, xte, yte = _digits(seed)
    xtr, xte = xtr.reshape(len(xtr), -1), xte.reshape(len(xte), -1)
    clf = MLPClassifier((hidden,), max_iter=600, random_state=seed).fit(xtr, ytr)
    nodes = [helper.make_node("Gemm", ["input", "W1", "b1"], ["h"], name="fc1"),
             helper.make_node("Relu", ["h"], ["r"], name="relu1"),
             helper.make_node("Gemm", ["r", "W2", "b2"], ["logits"], name="fc2")]
    inits = {"W1": clf.coefs_[0], "b1": clf.intercepts_[0], "W2": clf.coefs_[1],
             "b2": clf.intercepts_[1]}
    blob = _model(nodes, inits, ["batch", 64], 10, "digits_mlp")
    acc = float(clf.score(xte, yte))
    return DigitsModel("digits_mlp", blob, *_frozen(xtr.astype(np.float32),
                                                    xte.astype(np.float32), yte), acc)


def _conv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))
    return np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)


def _pool(h: np.ndarray, fn) -> np.ndarray:
    n, c, hh, ww = h.shape
    return fn(h.reshape(n, c, hh // 2, 2, ww // 2, 2), axis=(3, 5))


@lru_cache(maxsize=4)
def train_digits_cnn(seed: int = 0, ridge: float = 0.1) -> DigitsModel:
    """LeNet-style CNN (see module docstring); input (N, 1, 8, 8) in [0, 1]."""
    xtr, ytr, xte, yte = _digits(seed)
    rng = np.random.default_rng(seed + 1)
    w1 = rng.normal(size=(16, 1, 3, 3))
    w2 = rng.normal(size=(32, 16, 3, 3)) / np.sqrt(9 * 16)
    c1 = _conv(xtr[:, None], w1)
    mean, var = c1.mean(axis=(0, 2, 3)), c1.var(axis=(0, 2, 3))
    gamma, beta = np.ones(16), rng.normal(size=16) * 0.3

    def features(x: np.ndarray) -> np.ndarray:
        h = _conv(x[:, None], w1)
        h = (h - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) + beta[:, None, None]
        h = _pool(np.maximum(h, 0), np.max)
        h = _pool(np.maximum(_conv(h, w2), 0), np.mean)
        return h.reshape(len(x), -1)

    f = np.c_[features(xtr), np.ones(len(xtr))]
    head = np.linalg.solve(f.T @ f + ridge * np.eye(f.shape[1]), f.T @ np.eye(10)[ytr])
    acc = float(((np.c_[features(xte), np.ones(len(xte))] @ head).argmax(1) == yte).mean())
    nodes = [
        helper.make_node("Conv", ["input", "c1w"], ["c1"], name="conv1", pads=[1, 1, 1, 1],
                         kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization", ["c1", "bn_g", "bn_b", "bn_m", "bn_v"], ["bn"],
                         name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Conv", ["p1", "c2w"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("AveragePool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc"),
    ]
    inits = {"c1w": w1, "bn_g": gamma, "bn_b": beta, "bn_m": mean, "bn_v": var, "c2w": w2,
             "fc_w": head[:-1], "fc_b": head[-1]}
    blob = _model(nodes, inits, ["batch", 1, 8, 8], 10, "digits_cnn")
    return DigitsModel("digits_cnn", blob, *_frozen(xtr[:, None].astype(np.float32),
                                                    xte[:, None].astype(np.float32), yte), acc)
