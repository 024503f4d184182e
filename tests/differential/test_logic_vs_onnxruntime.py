"""Comparisons, booleans, Cast, Where, ArgMax/ArgMin, GatherElements, OneHot, Gather by
computed indices and integer arithmetic, compiled from one-op ONNX graphs, against onnxruntime.

Exactness: onnxruntime runs on the *dequantized* inputs (q·scale). Real inputs are calibrated
so that their scale is 2^-5 (|x| up to 127/32): every q·scale and every threshold on that grid
is exact in float32, so a comparison, a boolean, an index or an integer must agree exactly with
onnxruntime's; outputs quantized from real tables agree within half an output step. A few
models are proved and verified end to end (raw commitment)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from tensorproof import api
from tensorproof.quant.executor import execute

RNG = np.random.default_rng(3)
F, B, I64 = TensorProto.FLOAT, TensorProto.BOOL, TensorProto.INT64
TOP = 127 / 32
"""Calibrated |x| of real inputs: scale 2^-5."""


def model(nodes, inputs: dict, outputs: dict, inits: dict | None = None, opset: int = 13):
    """inputs/outputs: name → (element type, per-sample shape); inits: name → array."""
    vi = [helper.make_tensor_value_info(k, t, ["N", *s]) for k, (t, s) in inputs.items()]
    vo = [helper.make_tensor_value_info(k, t, None) for k, (t, s) in outputs.items()]
    ts = [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()]
    g = helper.make_graph(nodes, "logic", vi, vo, ts)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def samples(m: onnx.ModelProto, n: int = 24) -> dict[str, np.ndarray]:
    """n samples per input: reals on the 2^-5 grid reaching ±TOP, booleans, small integers."""
    out = {}
    for vi in m.graph.input:
        t = vi.type.tensor_type
        shape = (n, *[d.dim_value for d in t.shape.dim[1:]])
        if t.elem_type == B:
            out[vi.name] = RNG.integers(0, 2, shape).astype(bool)
        elif t.elem_type == I64:
            out[vi.name] = RNG.integers(-3, 4, shape).astype(np.int64)
        else:
            x = RNG.integers(-127, 128, shape) / 32.0
            x.flat[0] = TOP
            out[vi.name] = x
    return out


def run(m: onnx.ModelProto, feeds: dict, prove: bool = False):
    """(compiled model, our dequantized outputs, onnxruntime's on the dequantized inputs)."""
    cm = api.compile(m.SerializeToString(), {k: v.astype(np.float64) for k, v in feeds.items()})
    ints = cm.quantize_inputs({k: v.astype(np.float64) for k, v in feeds.items()})
    ours = cm.dequantize_outputs(execute(cm.graph, ints))
    types = {vi.name: vi.type.tensor_type.elem_type for vi in m.graph.input}
    deq = {q.name: ints[q.name] * q.scale for q in cm.inputs}
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    np_type = {F: np.float32, B: np.bool_, I64: np.int64}
    per = [sess.run(None, {k: deq[k][i:i + 1].astype(np_type[types[k]]) for k in deq})
           for i in range(len(next(iter(deq.values()))))]  # the compiled semantics: batch 1
    theirs = {o.name: np.stack([np.asarray(p[j]).reshape(-1) for p in per])
              for j, o in enumerate(m.graph.output)}
    if prove:
        pk = api.setup(cm, pcs="raw")
        out = api.verify(pk.vk, api.prove(pk, feeds))
        ref = execute(cm.graph, ints)
        assert all(np.array_equal(out.ints[o], ref[o]) for o in cm.graph.outputs)
    return cm, ours, theirs


def assert_exact(ours, theirs):
    for k, v in theirs.items():
        assert np.array_equal(ours[k].reshape(v.shape), np.asarray(v, np.float64)), k


def assert_within_half_step(cm, ours, theirs):
    """Real outputs: requantized at their calibrated scale, so within half an output step."""
    for q in cm.outputs:
        v = theirs[q.onnx_name]
        err = np.abs(ours[q.onnx_name].reshape(v.shape) - v).max()
        assert err <= q.scale / 2 + 1e-6, (q.onnx_name, err, q.scale)


CMP = ["Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal"]


@pytest.mark.parametrize("op", CMP)
def test_comparison_with_constant_thresholds_is_exact(op):
    t = RNG.integers(-127, 128, 8) / 32.0  # on the grid: ties
    t[4:] += RNG.uniform(-0.02, 0.02, 4)  # off the grid
    m = model([helper.make_node(op, ["x", "t"], ["y"]),
               helper.make_node(op, ["t", "x"], ["z"]),
               helper.make_node(op, ["x", "s"], ["w"])],
              {"x": (F, (8,))}, {"y": (B, ()), "z": (B, ()), "w": (B, ())},
              {"t": t.astype(np.float32), "s": np.array(0.5, np.float32)})
    feeds = samples(m)
    feeds["x"][1] = t  # hits every grid threshold exactly
    _, ours, theirs = run(m, feeds, prove=op == "Less")
    assert_exact(ours, theirs)


@pytest.mark.parametrize("op", CMP)
def test_comparison_of_two_values_at_one_scale_is_exact(op):
    m = model([helper.make_node(op, ["a", "b"], ["y"])], {"a": (F, (6,)), "b": (F, (6,))},
              {"y": (B, ())})
    feeds = samples(m)
    feeds["b"][:4] = feeds["a"][:4]
    cm, ours, theirs = run(m, feeds)
    assert cm.inputs[0].scale == cm.inputs[1].scale == 1 / 32
    assert_exact(ours, theirs)


def test_comparison_at_different_scales_agrees_beyond_the_common_step():
    m = model([helper.make_node("Less", ["a", "b"], ["y"])], {"a": (F, (6,)), "b": (F, (6,))},
              {"y": (B, ())})
    feeds = samples(m)
    feeds["b"] = feeds["b"] * 3.0
    cm, ours, theirs = run(m, feeds)
    ints = cm.quantize_inputs(feeds)
    a, b = (ints[n] * cm.inputs[i].scale for i, n in enumerate("ab"))
    far = np.abs(a - b) > max(q.scale for q in cm.inputs) / 8
    assert np.array_equal(ours["y"][far], theirs["y"][far])


def test_integer_comparison_and_boolean_ops_are_exact():
    nodes = [helper.make_node("Equal", ["i", "j"], ["e"]),
             helper.make_node("Not", ["p"], ["np"]),
             helper.make_node("And", ["p", "e"], ["a"]),
             helper.make_node("Or", ["np", "e"], ["o"]),
             helper.make_node("Xor", ["a", "o"], ["x"]),
             helper.make_node("And", ["p", "k"], ["ak"]),
             helper.make_node("Or", ["p", "k"], ["ok"]),
             helper.make_node("Xor", ["p", "k"], ["xk"]),
             helper.make_node("Greater", ["i", "c"], ["g"])]
    outs = {n: (B, ()) for n in ("e", "np", "a", "o", "x", "ak", "ok", "xk", "g")}
    m = model(nodes, {"i": (I64, (5,)), "j": (I64, (5,)), "p": (B, (5,))}, outs,
              {"k": np.array([True, False, True, False, True]), "c": np.array(1, np.int64)})
    feeds = samples(m, 40)
    cm, ours, theirs = run(m, feeds, prove=True)
    assert [(q.scale, q.lo, q.hi) for q in cm.inputs][2] == (1.0, 0, 1)
    assert_exact(ours, theirs)


def test_casts():
    nodes = [helper.make_node("Greater", ["x", "z"], ["g"]),
             helper.make_node("Cast", ["g"], ["gf"], to=F),
             helper.make_node("Mul", ["gf", "x"], ["y"]),  # x where x > 0, else 0
             helper.make_node("Cast", ["x"], ["b"], to=B),
             helper.make_node("Cast", ["x"], ["t"], to=I64),
             helper.make_node("Cast", ["i"], ["i32"], to=TensorProto.INT32)]
    m = model(nodes, {"x": (F, (7,)), "i": (I64, (7,))},
              {"y": (F, ()), "b": (B, ()), "t": (I64, ()), "i32": (TensorProto.INT32, ())},
              {"z": np.array(0.0, np.float32)})
    feeds = samples(m)
    feeds["x"][2, :3] = 0.0
    _, ours, theirs = run(m, feeds)
    assert_exact(ours, theirs)


def test_where():
    nodes = [helper.make_node("Less", ["x", "z"], ["c"]),
             helper.make_node("Where", ["c", "x", "a"], ["y1"]),  # value, constant
             helper.make_node("Where", ["c", "three", "five"], ["y2"]),  # constants
             helper.make_node("Where", ["p", "x", "w"], ["y3"])]  # two values
    m = model(nodes, {"x": (F, (4,)), "w": (F, (4,)), "p": (B, (4,))},
              {"y1": (F, ()), "y2": (F, ()), "y3": (F, ())},
              {"z": np.array(0.25, np.float32), "a": np.array([0.5, -1, 2, 0.03125], np.float32),
               "three": np.array(3.0, np.float32), "five": np.array(5.0, np.float32)})
    cm, ours, theirs = run(m, samples(m), prove=True)
    assert_exact({"y2": ours["y2"]}, {"y2": theirs["y2"]})  # 3 or 5: exact integers
    assert_within_half_step(cm, ours, theirs)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis,keepdims,last", [(-1, 0, 0), (1, 1, 1), (1, 0, 0), (2, 1, 0)])
def test_argmax_and_argmin_with_ties(op, axis, keepdims, last):
    m = model([helper.make_node(op, ["x"], ["y"], axis=axis, keepdims=keepdims,
                                select_last_index=last)],
              {"x": (F, (3, 5))}, {"y": (I64, ())})
    feeds = samples(m, 30)
    feeds["x"] = np.round(feeds["x"])  # few distinct values: many ties
    feeds["x"][0, 0, 0] = TOP
    _, ours, theirs = run(m, feeds, prove=(axis, op) == (1, "ArgMax"))
    assert_exact(ours, theirs)


def test_gather_elements_and_one_hot():
    nodes = [helper.make_node("GatherElements", ["x", "i"], ["y"], axis=1),
             helper.make_node("GatherElements", ["x", "k"], ["yk"], axis=1),
             helper.make_node("OneHot", ["i", "d", "v"], ["h"], axis=1),
             helper.make_node("OneHot", ["i", "d", "v2"], ["h2"], axis=-1)]
    m = model(nodes, {"x": (F, (4,)), "i": (I64, (6,))},
              {"y": (F, ()), "yk": (F, ()), "h": (I64, ()), "h2": (F, ())},
              {"k": np.array([[3, 0, -1, 2, 2]], np.int64), "d": np.array(4, np.int64),
               "v": np.array([0, 1], np.int64), "v2": np.array([-1.5, 2.0], np.float32)},
              opset=13)
    feeds = samples(m)
    feeds["i"] = RNG.integers(-4, 4, feeds["i"].shape)
    cm, ours, theirs = run(m, feeds, prove=True)
    assert_exact({k: ours[k] for k in ("h", "h2")}, {k: theirs[k] for k in ("h", "h2")})
    assert_within_half_step(cm, ours, theirs)  # y, yk: copies of x requantized as outputs


def test_gather_from_constant_tables_by_computed_indices():
    ints = np.array([[7, -2], [0, 5], [11, 3], [1, 1]], np.int64)
    reals = RNG.normal(size=(4, 3)).astype(np.float32)
    nodes = [helper.make_node("Gather", ["ti", "i"], ["gi"], axis=0),
             helper.make_node("Gather", ["tr", "i"], ["gr"], axis=0),
             helper.make_node("Gather", ["th", "i"], ["gt"], axis=0),
             helper.make_node("Greater", ["x", "gt"], ["cmp"]),
             helper.make_node("Less", ["half", "gt"], ["cc"])]  # a gathered table vs a constant
    m = model(nodes, {"i": (I64, (5,)), "x": (F, (5,))},
              {"gi": (I64, ()), "gr": (F, ()), "cmp": (B, ()), "cc": (B, ())},
              {"ti": ints, "tr": reals, "th": np.array([0.5, -1.0, 0.3, 2.01], np.float32),
               "half": np.array(0.4, np.float32)})
    feeds = samples(m)
    feeds["i"] = RNG.integers(-4, 4, feeds["i"].shape)
    cm, ours, theirs = run(m, feeds, prove=True)
    exact = ("gi", "cmp", "cc")
    assert_exact({k: ours[k] for k in exact}, {k: theirs[k] for k in exact})
    step = np.abs(reals).max() / 127  # the table's own scale, then the output's requant
    err = np.abs(ours["gr"].reshape(theirs["gr"].shape) - theirs["gr"]).max()
    assert err <= step / 2 + cm.outputs[1].scale / 2 + 1e-6


def test_integer_arithmetic_is_exact():
    w = RNG.integers(-3, 4, (5, 2)).astype(np.int64)
    nodes = [helper.make_node("Add", ["i", "c"], ["a"]),
             helper.make_node("Sub", ["c", "i"], ["s"]),
             helper.make_node("Mul", ["a", "two"], ["m"]),
             helper.make_node("Add", ["m", "s"], ["y"]),
             helper.make_node("MatMul", ["y", "w"], ["mm"])]
    m = model(nodes, {"i": (I64, (5,))}, {"mm": (I64, ()), "y": (I64, ())},
              {"c": np.arange(5, dtype=np.int64) - 2, "two": np.array(2, np.int64), "w": w})
    cm, ours, theirs = run(m, samples(m), prove=True)
    assert all(q.scale == 1.0 for q in cm.outputs)
    assert_exact(ours, theirs)


def test_integer_division_by_zero_is_refused():
    """Integer Div is exact (tests/differential/test_integer_ops_vs_onnxruntime.py); a zero
    divisor is refused."""
    from tensorproof.errors import UnsupportedOpError

    m = model([helper.make_node("Div", ["i", "c"], ["y"])], {"i": (I64, (3,))}, {"y": (I64, ())},
              {"c": np.array(0, np.int64)})
    with pytest.raises(UnsupportedOpError, match="division by zero"):
        api.compile(m.SerializeToString(), samples(m))
