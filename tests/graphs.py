"""Small hand-built integer graphs for protocol tests (no ONNX, no calibration)."""

from __future__ import annotations

import numpy as np

from tensorproof.ir.graph import IntGraph, Node, TensorSpec
from tensorproof.ir.model import CompiledModel, InputQuant, OutputQuant
from tensorproof.ir.ranges import infer_range


def linear_residual_model(seed: int = 0, n_in: int = 12, n_hidden: int = 5, n_out: int = 3):
    """x → linear → h; h + h → h2; h2 → linear → y (no requantization: wide integers)."""
    rng = np.random.default_rng(seed)
    w1 = rng.integers(-127, 128, (n_in, n_hidden))
    b1 = rng.integers(-1000, 1000, n_hidden)
    w2 = rng.integers(-127, 128, (n_hidden, n_out))
    b2 = rng.integers(-1000, 1000, n_out)
    nodes = [
        Node("linear", "fc1", ("x",), "h", {}, {"W": w1, "b": b1}),
        Node("add", "residual", ("h", "h"), "h2"),
        Node("linear", "fc2", ("h2",), "y", {}, {"W": w2, "b": b2}),
    ]
    tensors = {"x": TensorSpec("x", (n_in,), -128, 127)}
    shapes = {"h": (n_hidden,), "h2": (n_hidden,), "y": (n_out,)}
    for n in nodes:  # the guaranteed ranges (from the constants' fitted declared ranges)
        lo, hi, _ = infer_range(n, [tensors[i] for i in n.inputs])
        tensors[n.output] = TensorSpec(n.output, shapes[n.output], lo, hi)
    graph = IntGraph(("x",), ("y",), tensors, nodes)
    model = CompiledModel(graph, (InputQuant("x", (n_in,), 1.0, 8, -128, 127),),
                          (OutputQuant("y", "y", (n_out,), 1.0),))
    reference = lambda x: ((x @ w1 + b1) * 2) @ w2 + b2  # noqa: E731
    return model, reference
