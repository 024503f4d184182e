"""Integer-typed outputs are proven exactly or refused, never quietly changed (found by an
adversarial review of the issue-14 ops): a Gather of an integer table with entries beyond
2^20 (class labels of a tree classifier), and Abs / Relu of an integer tensor wider than the
activation bits. Each model is compiled, proven and verified; the verified integers must equal
onnxruntime's outputs."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tensorproof import api
from tensorproof.verifier.verify import verify
from tree_models import legacy_ensemble

ort = pytest.importorskip("onnxruntime")
I64 = TensorProto.INT64


def _model(nodes, inputs: dict, out: str, inits=()) -> bytes:
    vi = helper.make_tensor_value_info
    g = helper.make_graph(nodes, "t", [vi(k, I64, ["N", *s]) for k, s in inputs.items()],
                          [vi(out, I64, None)], list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)],
                             ir_version=8).SerializeToString()


def _proven(model: bytes, feeds: dict, calib: dict | None = None) -> dict[str, np.ndarray]:
    cm = api.compile(model, calib or feeds)
    pk = api.setup(cm, pcs="raw")
    out = verify(pk.vk, api.prove(pk, feeds))
    return {o.onnx_name: out[o.name] for o in cm.outputs}


@pytest.mark.parametrize("table", [[0, 3_000_000, 7, -5], [1, 2, 3, 2**21 + 1],
                                   [-3, 2**40, -(2**40), 9]])
def test_gather_of_a_large_integer_table_is_exact(table):
    t = np.array(table, np.int64)
    model = _model([helper.make_node("Gather", ["T", "i"], ["y"], name="g", axis=0)],
                   {"i": [2]}, "y", [numpy_helper.from_array(t, "T")])
    i = np.array([[0, 1], [2, 3], [3, -1]])
    got = _proven(model, {"i": i})["y"]
    ref = ort.InferenceSession(model).run(None, {"i": i})[0]
    assert np.array_equal(got, ref), (got, ref)


def test_tree_classifier_with_large_labels_proves_the_right_label():
    rng = np.random.default_rng(5)
    m = legacy_ensemble(rng, classifier=True, n_trees=3, labels=[0, 5_000_000_000, 7])
    model = m.SerializeToString()
    x = np.random.default_rng(6).uniform(-2, 2, (24, 3))
    cm = api.compile(model, x)
    pk = api.setup(cm, pcs="raw")
    out = verify(pk.vk, api.prove(pk, x))
    label = next(o for o in cm.outputs if o.onnx_name == "label")
    xq = api.quantize_inputs(pk, x).ints["X"] * cm.inputs[0].scale  # the proven input
    ref = ort.InferenceSession(model).run(["label"], {"X": xq.astype(np.float32)})[0]
    assert set(ref.reshape(-1).tolist()) >= {5_000_000_000, 7}  # the large label is reached
    assert np.array_equal(out[label.name].reshape(-1), ref.reshape(-1))


@pytest.mark.parametrize("op", ["Abs", "Relu", "Neg"])
def test_integer_unary_beyond_the_activation_bits_is_exact(op):
    model = _model([helper.make_node(op, ["a"], ["y"], name="u")], {"a": [4]}, "y")
    calib = {"a": np.array([[-290, -1, 0, 280], [5, -7, 100, -100]])}
    feeds = {"a": np.array([[-290, -1, 0, 280], [-200, 3, 255, -129]])}
    got = _proven(model, feeds, calib)["y"]
    ref = {"Abs": np.abs, "Relu": lambda a: np.maximum(a, 0), "Neg": np.negative}[op](feeds["a"])
    assert np.array_equal(got, ref), (got, ref)  # (onnxruntime has no int64 Relu)
