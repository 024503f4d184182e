"""The ONNX front end: normalization (folding, BatchNorm, static shapes, batch semantics), the
accepted forms of models and samples, and its errors."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import onnx
import pytest
from onnx import helper

from helpers_models import make_model, ort_run, single_op
from tensorproof.errors import BoundError, CompileError, UnsupportedOpError
from tensorproof.frontend import compile_onnx, compile_with_report, export_torch, load_onnx
from tensorproof.frontend import normalize as normalize_model
from tensorproof.quant import execute

RNG = np.random.default_rng(2)


def _norm(blob: bytes):
    return normalize_model(load_onnx(blob))


def _bn(x: str, y: str, c: int, name: str):
    return helper.make_node("BatchNormalization", [x, f"{name}_g", f"{name}_b", f"{name}_m",
                                                   f"{name}_v"], [y], name=name)


def _bn_params(name: str, c: int) -> dict:
    return {f"{name}_g": RNG.uniform(0.5, 2, c), f"{name}_b": RNG.normal(size=c),
            f"{name}_m": RNG.normal(size=c), f"{name}_v": RNG.uniform(0.5, 2, c)}


def test_batchnorm_folds_into_conv_and_gemm_but_not_after_relu():
    nodes = [helper.make_node("Conv", ["x0", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             _bn("c", "b1", 4, "bn1"),
             helper.make_node("Relu", ["b1"], ["r"], name="relu"),
             _bn("r", "b2", 4, "bn2"),
             helper.make_node("Flatten", ["b2"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["g"], name="fc", transB=1),
             _bn("g", "y0", 5, "bn3")]
    inits = {"w": RNG.normal(size=(4, 2, 3, 3)), "fw": RNG.normal(size=(5, 36)),
             "fb": RNG.normal(size=5), **_bn_params("bn1", 4), **_bn_params("bn2", 4),
             **_bn_params("bn3", 5)}
    blob = make_model(nodes, {"x0": ["N", 2, 3, 3]}, {"y0": None}, inits)
    fg = _norm(blob)
    assert [n.op for n in fg.nodes] == ["Conv", "Relu", "BatchNormalization", "tp.Reshape",
                                        "Gemm"]
    x = RNG.normal(size=(64, 2, 3, 3))
    np.testing.assert_allclose(fg.run({"x0": x})["y0"], ort_run(blob, {"x0": x})["y0"],
                               rtol=1e-4, atol=1e-4)
    cm, rep = compile_with_report(blob, x)
    assert rep.outputs[0].max_abs_err < 0.05 * rep.outputs[0].float_absmax  # 3 int8 layers


def test_shape_computations_fold_to_a_static_reshape():
    nodes = [helper.make_node("Shape", ["x0"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Identity", ["x0"], ["xi"]),
             helper.make_node("Dropout", ["xi"], ["xd"]),
             helper.make_node("Reshape", ["xd", "shape"], ["y0"])]
    inits = {"zero": np.array(0), "ax": np.array([0]), "minus1": np.array([-1])}
    blob = make_model(nodes, {"x0": ["N", 2, 3]}, {"y0": None}, inits)
    fg = _norm(blob)
    assert [(n.op, n.attrs["shape"]) for n in fg.nodes] == [("tp.Reshape", (1, 6))]
    assert fg.batched
    cm = compile_onnx(blob, RNG.normal(size=(8, 2, 3)))
    assert cm.graph.op_counts() == {"reshape": 1} and cm.outputs[0].shape == (6,)


def test_a_model_that_mixes_the_batch_axis_runs_one_sample_at_a_time():
    """ReduceMean over every axis (batch included): the compiled model is the model applied to
    each sample as a batch of one."""
    blob = single_op("ReduceMean", [[1, 30]], attrs={"keepdims": 0})
    fg = _norm(blob)
    assert not fg.batched
    x = RNG.normal(size=(10, 1, 30))
    cm, rep = compile_with_report(blob, x)
    want = np.array([ort_run(blob, {"x0": x[i : i + 1]})["y0"] for i in range(10)])
    got = cm.dequantize_outputs(execute(cm.graph, cm.quantize_inputs(x)))["y0"]
    np.testing.assert_allclose(got.ravel(), want.ravel(), atol=0.01)
    assert rep.reference == "onnxruntime" and rep.outputs[0].max_abs_err < 0.01


def test_model_forms_and_sample_forms(tmp_path):
    blob = single_op("Tanh", [[3]])
    path = tmp_path / "m.onnx"
    path.write_bytes(blob)
    (tmp_path / "in.json").write_text(json.dumps({"input_data": [[0.5, -1, 2, 0, 1, 3]]}))
    x = RNG.normal(size=(5, 3))
    for model in (blob, str(path), path, onnx.load_from_string(blob)):
        assert compile_onnx(model, x).graph.op_counts()["lookup"] == 1
    for samples in (x, {"x0": x}, [x.tolist()], str(tmp_path / "in.json"), x[0]):
        assert compile_onnx(blob, samples).info["n_calibration"] in (1, 2, 5)


def test_missing_input_in_samples_is_named():
    with pytest.raises(CompileError, match="x1"):
        compile_onnx(single_op("Add", [[2], [2]]), {"x0": np.zeros((3, 2))})


def test_unsupported_operator_lists_the_supported_ones():
    blob = make_model([helper.make_node("LpNormalization", ["x0"], ["y0"], name="lpn")],
                      {"x0": ["N", 3]}, {"y0": None})
    with pytest.raises(UnsupportedOpError, match=r"LpNormalization \(node 'lpn'\); "
                                                 r"supported operators: Abs, .*Gemm"):
        compile_onnx(blob, np.zeros((2, 3)))


def test_conv_with_groups_is_unsupported_with_the_attribute_named():
    blob = single_op("Conv", [[2, 4, 4]], attrs={"group": 2},
                     consts={"w": RNG.normal(size=(2, 1, 3, 3))})
    with pytest.raises(UnsupportedOpError, match="group=2"):
        compile_onnx(blob, np.zeros((2, 2, 4, 4)))


def _identity_model(elem_type) -> bytes:
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", elem_type, ["N", 2])],
                          [helper.make_tensor_value_info("y", elem_type, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def test_integer_input_is_an_exact_integer_input():
    cm = compile_onnx(_identity_model(onnx.TensorProto.INT64), np.array([[-300, 5], [2, 9]]))
    (q,) = cm.inputs
    assert (q.scale, q.lo, q.hi) == (1.0, -300, 127)  # int8 range widened to the samples
    (b,) = compile_onnx(_identity_model(onnx.TensorProto.BOOL), np.array([[0, 1]])).inputs
    assert (b.scale, b.lo, b.hi, b.bits) == (1.0, 0, 1, 2)


def test_string_input_is_refused():
    with pytest.raises(UnsupportedOpError, match="element type 8"):
        compile_onnx(_identity_model(onnx.TensorProto.STRING), np.zeros((2, 2)))


def test_dynamic_inner_dimension_is_refused():
    blob = make_model([helper.make_node("Relu", ["x0"], ["y0"])], {"x0": ["N", "L"]},
                      {"y0": None})
    with pytest.raises(CompileError, match="dynamic"):
        compile_onnx(blob, np.zeros((2, 3)))


def test_over_wide_layer_is_refused_naming_the_onnx_node():
    """Adding 1e25 to activations of scale ~0.01 needs integers far beyond 2^62."""
    blob = make_model([helper.make_node("Add", ["x0", "big"], ["y0"], name="huge_offset")],
                      {"x0": ["N", 4]}, {"y0": None}, {"big": [1e25]})
    with pytest.raises(BoundError, match="huge_offset"):
        compile_onnx(blob, RNG.normal(size=(8, 4)))


def test_non_finite_samples_are_refused():
    with pytest.raises(CompileError, match="NaN"):
        compile_onnx(single_op("Relu", [[2]]), np.array([[1.0, np.nan]]))


def test_export_torch_without_or_with_torch(tmp_path):
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(CompileError, match="PyTorch"):
            export_torch(object(), None, tmp_path / "m.onnx")
        return
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    path = export_torch(net, torch.randn(2, 4), tmp_path / "m.onnx")
    cm, rep = compile_with_report(path, RNG.normal(size=(32, 4)))
    assert rep.outputs[0].top1 >= 0.9
