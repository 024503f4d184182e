"""Small ONNX models with one LSTM, GRU or RNN node (onnx.helper), for the recurrent tests.

``recurrent_model(op, ...)`` returns the serialized model and a function drawing ``n`` samples
of every graph input. X is the graph input "x": (T, b, in) for layout 0, (b, T, in) for layout 1;
weights are initializers.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from helpers_models import make_model, ort_run

OUTPUT_NAMES = {"LSTM": ("Y", "Y_h", "Y_c"), "GRU": ("Y", "Y_h"), "RNN": ("Y", "Y_h")}


def recurrent_model(op: str, *, steps: int = 3, batch: int = 1, inputs: int = 2,
                    hidden: int = 3, direction: str = "forward", layout: int = 0,
                    outputs: tuple[str, ...] | None = None, bias: bool = True,
                    initial: str = "none", peepholes: bool = False, seq_lens=None,
                    seed: int = 0, opset: int = 14, scale: float = 0.6, **attrs):
    """(model bytes, sample(n, rng) -> feeds). ``initial``: "none", "const" (initializers) or
    "input" (graph inputs h0 and, for LSTM, c0); ``outputs``: the subset of Y, Y_h, Y_c wired
    to graph outputs; other attributes go to the node. Layout 1 with batch 1 gives X a
    symbolic leading axis (the samples), any other batch a fixed one."""
    rng = np.random.default_rng(seed)
    nd = 2 if direction == "bidirectional" else 1
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    b = batch
    inits = {"W": rng.normal(0, scale, (nd, gates * hidden, inputs)),
             "R": rng.normal(0, scale, (nd, gates * hidden, hidden))}
    ins = ["x", "W", "R", "B" if bias else "", "", "", "", ""]
    if bias:
        inits["B"] = rng.normal(0, 0.3, (nd, 2 * gates * hidden))
    if seq_lens is not None:
        inits["seq_lens"] = np.asarray(seq_lens, np.int32)
        ins[4] = "seq_lens"
    state = (b, nd, hidden) if layout else (nd, b, hidden)
    lead: list = ["N"] if layout and batch == 1 else [batch] if layout else []
    graph_in = {"x": [*lead, steps, inputs] if layout else [steps, batch, inputs]}
    states = ["h0", "c0"] if op == "LSTM" else ["h0"]
    for k, name in enumerate(states):
        if initial == "const":
            inits[name] = rng.normal(0, 0.5, state)
        elif initial == "input":
            graph_in[name] = [*lead, nd, hidden] if layout else list(state)
        if initial != "none":
            ins[5 + k] = name
    if peepholes:
        inits["P"] = rng.normal(0, 0.5, (nd, 3 * hidden))
        ins[7] = "P"
    ins = ins[: max(i for i, v in enumerate(ins) if v) + 1]
    names = OUTPUT_NAMES[op]
    outputs = names if outputs is None else outputs
    node = helper.make_node(op, ins, [n if n in outputs else "" for n in names], name="rec",
                            hidden_size=hidden, direction=direction, layout=layout, **attrs)
    y_shape = [b, steps, nd, hidden] if layout else [steps, nd, b, hidden]
    shapes = {"Y": y_shape, "Y_h": list(state), "Y_c": list(state)}
    if layout:
        shapes = {k: [*lead, *v[1:]] for k, v in shapes.items()}
    model = make_model([node], graph_in, {o: shapes[o] for o in outputs}, inits, opset)
    if seq_lens is not None:  # sequence_lens is int32
        m = onnx.load_from_string(model)
        for t in m.graph.initializer:
            if t.name == "seq_lens":
                t.CopyFrom(numpy_helper.from_array(np.asarray(seq_lens, np.int32), t.name))
        model = m.SerializeToString()

    def sample(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """n samples, uniform in [-1, 1], at the compiler's per-sample shapes (a leading
        symbolic axis or a leading 1 dropped)."""
        return {k: rng.uniform(-1.0, 1.0, (n, *(s[1:] if s[0] in ("N", 1) else s)))
                for k, s in graph_in.items()}

    return model, sample


def as_layout0(model: bytes) -> bytes:
    """The same function with its recurrent node at layout 0 (onnxruntime runs no layout 1):
    Transposes around the node, constant initial states transposed."""
    m = onnx.load_from_string(model)
    g = m.graph
    node = g.node[0]
    for a in node.attribute:
        if a.name == "layout":
            a.i = 0
    inits = {t.name: t for t in g.initializer}
    pre = [helper.make_node("Transpose", [node.input[0]], ["x_t"], perm=[1, 0, 2])]
    node.input[0] = "x_t"
    for k in (5, 6):
        name = node.input[k] if len(node.input) > k else ""
        if name in inits:
            a = numpy_helper.to_array(inits[name]).transpose(1, 0, 2)
            inits[name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(a), name))
        elif name:
            pre.append(helper.make_node("Transpose", [name], [name + "_t"], perm=[1, 0, 2]))
            node.input[k] = name + "_t"
    post = []
    for k, name in enumerate(node.output):
        if name:
            perm = [2, 0, 1, 3] if k == 0 else [1, 0, 2]
            post.append(helper.make_node("Transpose", [name + "_0"], [name], perm=perm))
            node.output[k] = name + "_0"
    nodes = pre + [node] + post
    del g.node[:]
    g.node.extend(nodes)
    return m.SerializeToString()


def onnxruntime_outputs(model: bytes, feeds: dict[str, np.ndarray],
                        shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """onnxruntime's outputs, sample by sample, stacked (N, ...); ``shapes``: each input's
    batch-1 ONNX shape (FloatGraph.shapes). A layout-1 node runs as as_layout0(model)."""
    node = onnx.load_from_string(model).graph.node[0]
    layout = next((a.i for a in node.attribute if a.name == "layout"), 0)
    runnable = as_layout0(model) if layout else model
    n = len(next(iter(feeds.values())))
    runs = [ort_run(runnable, {k: v[i].reshape(shapes[k]) for k, v in feeds.items()})
            for i in range(n)]
    return {k: np.stack([r[k] for r in runs]) for k in runs[0]}
