"""TopK, integer Div, BitShift, GatherND, ScatterND and ScatterElements compiled from one-op
ONNX graphs, against onnxruntime; and the EZKL corpus models that use them.

Exactness: onnxruntime runs on the dequantized inputs (q·scale), one sample at a time (the
compiled semantics). Integer outputs (values, indices, quotients, shifts) must agree exactly;
real outputs that select or place input values (TopK values, gathers, scatters of data and
updates at one scale) too; a real scatter of data and updates of two scales within half an
output step ("none": each value requantized once) or one step ("add", "mul"). A few models
are proved and verified end to end (raw commitment)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from tensorproof import api
from tensorproof.quant.executor import execute

RNG = np.random.default_rng(17)


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Each test draws the same data however pytest-xdist orders the tests."""
    global RNG
    RNG = np.random.default_rng(17)
F, I64, I32 = TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32
U8, U16, U32 = TensorProto.UINT8, TensorProto.UINT16, TensorProto.UINT32
NP = {F: np.float32, I64: np.int64, I32: np.int32, U8: np.uint8, U16: np.uint16,
      U32: np.uint32}


def model(nodes, inputs: dict, outputs: dict, inits: dict | None = None, opset: int = 18):
    """inputs/outputs: name → (element type, per-sample shape); inits: name → array."""
    vi = [helper.make_tensor_value_info(k, t, ["N", *s]) for k, (t, s) in inputs.items()]
    vo = [helper.make_tensor_value_info(k, t, None) for k, t in outputs.items()]
    ts = [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()]
    g = helper.make_graph(nodes, "ops", vi, vo, ts)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def run(m: onnx.ModelProto, feeds: dict, prove: bool = False):
    """(compiled model, our dequantized outputs, onnxruntime's on the dequantized inputs)."""
    real = {k: np.asarray(v, np.float64) for k, v in feeds.items()}
    cm = api.compile(m.SerializeToString(), real)
    ints = cm.quantize_inputs(real)
    ours = cm.dequantize_outputs(execute(cm.graph, ints))
    types = {vi.name: vi.type.tensor_type.elem_type for vi in m.graph.input}
    deq = {q.name: ints[q.name] * q.scale for q in cm.inputs}
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    n = len(next(iter(deq.values())))
    per = [sess.run(None, {k: deq[k][i:i + 1].astype(NP[types[k]]) for k in deq})
           for i in range(n)]
    theirs = {o.name: np.stack([np.asarray(p[j], np.float64).reshape(-1) for p in per])
              for j, o in enumerate(m.graph.output)}
    if prove:
        pk = api.setup(cm, pcs="raw")
        out = api.verify(pk.vk, api.prove(pk, real))
        ref = execute(cm.graph, ints)
        assert all(np.array_equal(out.ints[o], ref[o]) for o in cm.graph.outputs)
    return cm, {k: v.reshape(n, -1) for k, v in ours.items()}, theirs


def assert_exact(ours, theirs):
    for k, v in theirs.items():
        assert np.array_equal(ours[k], v), (k, ours[k][:2], v[:2])


def ints(shape, lo, hi, n=24):
    return RNG.integers(lo, hi + 1, (n, *shape))


def reals(shape, n=24):
    """On the 2^-5 grid, |x| up to 127/32 (calibrated scale 2^-5: dequantized exactly)."""
    x = RNG.integers(-127, 128, (n, *shape)) / 32.0
    x.reshape(n, -1)[:, 0] = 127 / 32
    return x


# ---- TopK ------------------------------------------------------------------------------------

@pytest.mark.parametrize("largest", [1, 0], ids=["largest", "smallest"])
@pytest.mark.parametrize("k", [1, 3, 6])
def test_topk_of_integers_with_ties(k, largest):
    m = model([helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1, largest=largest)],
              {"x": (I64, (6,))}, {"v": I64, "i": I64}, {"k": np.array([k], np.int64)})
    x = ints((6,), -3, 3)  # many ties: the lower index first
    _, ours, theirs = run(m, {"x": x}, prove=k == 3 and largest == 1)
    assert_exact(ours, theirs)


@pytest.mark.parametrize("axis", [1, 2])
def test_topk_of_reals_along_an_axis(axis):
    m = model([helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=axis)],
              {"x": (F, (4, 5))}, {"v": F, "i": I64}, {"k": np.array([2], np.int64)})
    x = reals((4, 5))
    x[:, 0, :2] = 1.5  # ties
    _, ours, theirs = run(m, {"x": x})
    assert_exact(ours, theirs)


@pytest.mark.parametrize("largest", [1, 0], ids=["largest", "smallest"])
def test_topk_by_rounds_of_a_long_axis(largest):
    m = model([helper.make_node("TopK", ["x", "k"], ["v", "i"], largest=largest)],
              {"x": (I64, (90,))}, {"v": I64, "i": I64}, {"k": np.array([3], np.int64)})
    _, ours, theirs = run(m, {"x": ints((90,), -20, 20, n=6)}, prove=largest == 1)
    assert_exact(ours, theirs)


def test_topk_unsorted_holds_the_same_entries():
    m = model([helper.make_node("TopK", ["x", "k"], ["v", "i"], sorted=0)],
              {"x": (I64, (7,))}, {"v": I64}, {"k": np.array([4], np.int64)})
    _, ours, theirs = run(m, {"x": ints((7,), -50, 50)})
    assert np.array_equal(np.sort(ours["v"], axis=1), np.sort(theirs["v"], axis=1))


# ---- integer Div and BitShift ----------------------------------------------------------------

@pytest.mark.parametrize("d", [3, -3, 1, 8, -7])
@pytest.mark.parametrize("wide", [False, True], ids=["narrow", "wide"])
def test_integer_div_by_a_constant_truncates(d, wide):
    m = model([helper.make_node("Div", ["x", "d"], ["y"])], {"x": (I32, (2, 5))}, {"y": I32},
              {"d": np.array(d, np.int32)})
    top = 200_000 if wide else 120
    x = ints((2, 5), -top, top)
    x[0, 0, :4] = [-top, top, -1, 1]
    _, ours, theirs = run(m, {"x": x}, prove=d == -7 and wide)
    assert_exact(ours, theirs)


def test_integer_div_by_a_constant_array_and_by_a_computed_divisor():
    nodes = [helper.make_node("Div", ["x", "d"], ["y"]),
             helper.make_node("Abs", ["w"], ["aw"]),
             helper.make_node("Add", ["aw", "one"], ["b"]),  # |w| + 1 ≥ 1
             helper.make_node("Div", ["x", "b"], ["z"]),
             helper.make_node("Neg", ["b"], ["nb"]),
             helper.make_node("Div", ["x", "nb"], ["zn"])]
    m = model(nodes, {"x": (I64, (4,)), "w": (I64, (4,))}, {"y": I64, "z": I64, "zn": I64},
              {"d": np.array([1, -2, 3, 5], np.int64), "one": np.array(1, np.int64)})
    _, ours, theirs = run(m, {"x": ints((4,), -100, 100), "w": ints((4,), -9, 9)}, prove=True)
    assert_exact(ours, theirs)


@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("tensor", [False, True], ids=["constant", "tensor"])
@pytest.mark.parametrize("elem", [U8, U16, U32])
def test_bit_shift(direction, tensor, elem):
    width = np.iinfo(NP[elem]).bits
    ins = {"x": (elem, (5,))} | ({"s": (elem, (5,))} if tensor else {})
    inits = {} if tensor else {"s": np.array([0, 1, 3, 7, width - 1], NP[elem])}
    m = model([helper.make_node("BitShift", ["x", "s"], ["y"], direction=direction)], ins,
              {"y": elem}, inits)
    top = min((1 << width) - 1, 60_000)
    feeds = {"x": ints((5,), 0, top)}
    if tensor:  # shifts below the width (a shift by the width or more is C's undefined case)
        feeds["s"] = ints((5,), 0, min(width - 1, 15))
    _, ours, theirs = run(m, feeds, prove=elem == U8 and tensor)
    assert_exact(ours, theirs)


# ---- GatherND, ScatterND, ScatterElements ------------------------------------------------------

def test_gather_nd_by_computed_indices():
    m = model([helper.make_node("GatherND", ["x", "i"], ["y"], batch_dims=0)],
              {"x": (F, (3, 4)), "i": (I64, (2, 1))}, {"y": F})
    _, ours, theirs = run(m, {"x": reals((3, 4)), "i": ints((2, 1), -1, 0)}, prove=True)
    assert_exact(ours, theirs)


def test_gather_nd_with_batch_dims_and_negative_indices():
    m = model([helper.make_node("GatherND", ["x", "i"], ["y"], batch_dims=1)],
              {"x": (I64, (3, 4)), "i": (I64, (1,))}, {"y": I64})
    # per sample: data (1, 3, 4), indices (1, 1): batch_dims 1 spans the batch axis of 1
    _, ours, theirs = run(m, {"x": ints((3, 4), -50, 50), "i": ints((1,), -3, 2)})
    assert_exact(ours, theirs)


def test_gather_nd_of_a_constant_by_computed_pairs():
    table = RNG.integers(-40, 40, (3, 4)).astype(np.float32)
    m = model([helper.make_node("GatherND", ["t", "i"], ["y"])],
              {"i": (I64, (5, 2))}, {"y": F}, {"t": table})
    i = np.stack([ints((5,), -3, 2), ints((5,), -4, 3)], axis=-1)
    _, ours, theirs = run(m, {"i": i})
    assert_exact(ours, theirs)


@pytest.mark.parametrize("reduction", ["none", "add"])
def test_scatter_nd_by_computed_indices(reduction):
    m = model([helper.make_node("ScatterND", ["x", "i", "u"], ["y"], reduction=reduction)],
              {"x": (I64, (4, 3)), "i": (I64, (3, 2)), "u": (I64, (3, 3))}, {"y": I64})
    i = np.stack([ints((3,), 0, 0), ints((3,), -4, 3)], axis=-1)  # repeats: the last wins
    _, ours, theirs = run(m, {"x": ints((4, 3), -9, 9), "i": i, "u": ints((3, 3), -9, 9)},
                          prove=reduction == "none")
    assert_exact(ours, theirs)


@pytest.mark.parametrize("reduction", ["none", "add", "mul"])
def test_scatter_nd_by_constant_indices(reduction):
    # data (1, 5) at batch 1: index pairs (batch row 0, position), updates (1, 2)
    m = model([helper.make_node("ScatterND", ["x", "i", "u"], ["y"], reduction=reduction)],
              {"x": (F, (5,)), "u": (F, (2,))}, {"y": F},
              {"i": np.array([[[0, 3], [0, -5]]], np.int64)})
    x = reals((5,))
    cm, ours, theirs = run(m, {"x": x, "u": x[:, 1:3] * 0.5})
    step = {q.onnx_name: q.scale for q in cm.outputs}["y"]
    # "none" selects values requantized once at the output's scale (half a step); "add" and
    # "mul" add values of two scales at a finer common one first (one step)
    tol = step / 2 if reduction == "none" else step
    ulp = float(np.spacing(np.float32(np.abs(theirs["y"]).max())))  # onnxruntime runs float32
    assert np.abs(ours["y"] - theirs["y"]).max() <= tol + ulp


@pytest.mark.parametrize("reduction", ["none", "add"])
@pytest.mark.parametrize("axis", [1, 2])
def test_scatter_elements_by_computed_indices(axis, reduction):
    ishape = (2, 4) if axis == 1 else (3, 2)
    m = model([helper.make_node("ScatterElements", ["x", "i", "u"], ["y"], axis=axis,
                                reduction=reduction)],
              {"x": (I64, (3, 4)), "i": (I64, ishape), "u": (I64, ishape)}, {"y": I64})
    n = (3, 4)[axis - 1]
    _, ours, theirs = run(m, {"x": ints((3, 4), -9, 9), "i": ints(ishape, -n, n - 1),
                              "u": ints(ishape, -9, 9)}, prove=axis == 2 and reduction == "none")
    assert_exact(ours, theirs)


def test_scatter_elements_of_reals_into_one_scale():
    m = model([helper.make_node("ScatterElements", ["x", "i", "x2"], ["y"], axis=2)],
              {"x": (F, (3, 4)), "i": (I64, (3, 4))}, {"y": F})
    m.graph.node.insert(0, helper.make_node("Neg", ["x"], ["x2"]))
    i = np.stack([RNG.permutation(4) for _ in range(24 * 3)]).reshape(24, 3, 4)
    _, ours, theirs = run(m, {"x": reals((3, 4)), "i": i})
    assert_exact(ours, theirs)


# ---- the EZKL corpus models --------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "../shared/peer-corpus/ezkl-examples"
CORPUS_MODELS = ["1l_topk", "integer_div", "bitshift", "gather_nd", "scatter_nd",
                 "scatter_elements", "hierarchical_risk"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="EZKL example corpus not found")
@pytest.mark.filterwarnings("ignore::tensorproof.errors.CalibrationWarning")
@pytest.mark.parametrize("name", CORPUS_MODELS)
def test_corpus_model_proves_and_matches_onnxruntime(name):
    from tensorproof.frontend import load_onnx, load_samples, normalize
    from tensorproof.frontend.calibdata import sample_feeds

    folder = CORPUS / name
    m = onnx.load(folder / "network.onnx")
    fg = normalize(load_onnx(folder / "network.onnx"))
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))
    cm = api.compile(folder / "network.onnx", feeds)
    pk = api.setup(cm, pcs="raw")
    out = api.verify(pk.vk, api.prove(pk, feeds))
    ints_ = cm.quantize_inputs(feeds)
    ref = execute(cm.graph, ints_)
    assert all(np.array_equal(out.ints[o], ref[o]) for o in cm.graph.outputs)
    ours = cm.dequantize_outputs(ref)
    types = {i.name: NP.get(i.type.tensor_type.elem_type, np.float32) for i in m.graph.input}
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    deq = {q.name: ints_[q.name] * q.scale for q in cm.inputs}
    n = len(next(iter(deq.values())))
    per = [sess.run(None, {k: v[i].reshape(fg.shapes[k]).astype(types[k])
                           for k, v in deq.items()}) for i in range(n)]
    for j, o in enumerate(m.graph.output):
        want = np.stack([np.asarray(p[j], np.float64).ravel() for p in per])
        got = ours[o.name].reshape(want.shape)
        step = {q.onnx_name: q.scale for q in cm.outputs}[o.name]
        assert np.abs(got - want).max() <= (0 if step == 1.0 else step / 2 + 1e-9), (name, o.name)
