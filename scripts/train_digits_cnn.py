"""Train the demo's small CNN on scikit-learn's digits (8×8) with numpy and bundle it.

Writes src/tensorproof/data/digits_cnn.onnx (Conv 1→8 k3 p1 → ReLU → AvgPool 2 → Flatten →
Gemm 128→10) and src/tensorproof/data/digits.npz (calibration images, held-out test images and
labels). Deterministic (seed 0). Needs scikit-learn (test extra): run once by a developer; the
demo itself only reads the bundled files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DATA = Path(__file__).resolve().parents[1] / "src" / "tensorproof" / "data"


def im2col(x: np.ndarray) -> np.ndarray:
    """(N, 1, 8, 8) → (N, 64, 9) patches of a 3×3 convolution with padding 1."""
    p = np.pad(x[:, 0], ((0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(p, (3, 3), axis=(1, 2))
    return win.reshape(len(x), 64, 9)


def forward(params, x):
    w1, b1, w2, b2 = params
    cols = im2col(x)
    z1 = cols @ w1.reshape(8, 9).T + b1  # (N, 64, 8)
    a1 = np.maximum(z1, 0)
    a1 = a1.reshape(-1, 8, 8, 8).transpose(0, 3, 1, 2)  # (N, C, H, W)
    pooled = a1.reshape(-1, 8, 4, 2, 4, 2).mean(axis=(3, 5))
    flat = pooled.reshape(len(x), -1)
    return cols, z1, flat, flat @ w2.T + b2


def train(x, y, epochs=150, lr=0.1, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, 0.3, (8, 1, 3, 3)), np.zeros(8), rng.normal(0, 0.1, (10, 128)),
              np.zeros(10)]
    onehot = np.eye(10)[y]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 32):
            idx = order[i : i + 32]
            params = _step(params, x[idx], onehot[idx], lr)
    return params


def _step(params, x, t, lr):
    w1, b1, w2, b2 = params
    cols, z1, flat, logits = forward(params, x)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    g = (p - t) / len(x)
    gw2, gb2, gflat = g.T @ flat, g.sum(0), g @ w2
    gpool = gflat.reshape(-1, 8, 4, 4)
    ga1 = np.repeat(np.repeat(gpool, 2, axis=2), 2, axis=3) / 4  # (N, C, 8, 8)
    gz1 = ga1.transpose(0, 2, 3, 1).reshape(len(x), 64, 8) * (z1 > 0)
    gw1 = np.einsum("npc,npk->ck", gz1, cols).reshape(8, 1, 3, 3)
    gb1 = gz1.sum(axis=(0, 1))
    return [w1 - lr * gw1, b1 - lr * gb1, w2 - lr * gw2, b2 - lr * gb2]


def to_onnx(params) -> onnx.ModelProto:
    w1, b1, w2, b2 = (np.asarray(a, dtype=np.float32) for a in params)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"),
                                                          (b2, "b2"))]
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], "conv1", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], "relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], "pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p1"], ["f1"], "flatten"),
        helper.make_node("Gemm", ["f1", "w2", "b2"], ["logits"], "fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "digits_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]
    x_tr, x_te, y_tr, y_te = train_test_split(x, d.target, test_size=0.2, random_state=0,
                                              stratify=d.target)
    params = train(x_tr, y_tr)
    acc = (forward(params, x_te)[3].argmax(1) == y_te).mean()
    print(f"float test accuracy: {acc:.4f}")
    DATA.mkdir(parents=True, exist_ok=True)
    onnx.save(to_onnx(params), DATA / "digits_cnn.onnx")
    np.savez_compressed(DATA / "digits.npz", calibration=x_tr[:256], test=x_te,
                        test_labels=y_te.astype(np.int64))
    print(f"wrote {DATA / 'digits_cnn.onnx'} and {DATA / 'digits.npz'}")


if __name__ == "__main__":
    main()
