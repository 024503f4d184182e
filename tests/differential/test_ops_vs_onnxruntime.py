"""Each supported ONNX operator, compiled alone: the dequantized integer output against
onnxruntime's float output.

Tolerance: the error allowed is ``tol`` times the float output's largest |value| (a few int8
steps: input and output each lose half a step to rounding, and a nonlinear table adds the
function's slope times half an input step). The same case at 14 bits must be far more precise,
which shows the error is quantization error and not a semantic difference.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from helpers_models import make_model, ort_run, single_op
from tensorproof.frontend import compile_with_report

RNG = np.random.default_rng(7)
W_CONV = RNG.normal(size=(4, 3, 3, 3))
W_FC = RNG.normal(size=(6, 5))


def _case(model, shapes, tol=0.02, positive=False, lo=None):
    return model, shapes, tol, positive, lo


def _two_scale_add(op: str) -> bytes:
    n = [helper.make_node("Mul", ["x1", "k"], ["x1s"], name="scale"),
         helper.make_node(op, ["x0", "x1s"], ["y0"], name=f"{op.lower()}_node")]
    return make_model(n, {"x0": ["N", 3, 4], "x1": ["N", 3, 4]}, {"y0": None}, {"k": [7.5]})


def _residual() -> bytes:
    n = [helper.make_node("Conv", ["x0", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu"),
         helper.make_node("Conv", ["r", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
         helper.make_node("Add", ["c2", "x0"], ["y0"], name="residual")]
    w2 = RNG.normal(size=(3, 4, 3, 3))
    return make_model(n, {"x0": ["N", 3, 6, 6]}, {"y0": None}, {"w": W_CONV[:, :3], "w2": w2})


CASES = {
    "Gemm": _case(single_op("Gemm", [[5]], consts={"w": W_FC, "b": RNG.normal(size=6)},
                            attrs={"transB": 1, "alpha": 0.7, "beta": 1.3}), [[5]]),
    "MatMul_const": _case(single_op("MatMul", [[2, 5]], consts={"w": W_FC.T}), [[2, 5]]),
    "MatMul_const_left": _case(make_model([helper.make_node("MatMul", ["w", "x0"], ["y0"])],
                                          {"x0": ["N", 5, 3]}, {"y0": None}, {"w": W_FC}),
                               [[5, 3]]),
    "MatMul_acts": _case(single_op("MatMul", [[3, 4], [4, 2]]), [[3, 4], [4, 2]], tol=0.03),
    "Conv": _case(single_op("Conv", [[3, 7, 7]], consts={"w": W_CONV, "b": RNG.normal(size=4)},
                            attrs={"strides": [2, 1], "pads": [1, 0, 2, 1]}), [[3, 7, 7]]),
    "Conv_same": _case(single_op("Conv", [[3, 5, 5]], consts={"w": W_CONV},
                                 attrs={"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
                       [[3, 5, 5]]),
    "Conv1d": _case(single_op("Conv", [[3, 9]], consts={"w": W_CONV[:, :, 0]},
                              attrs={"pads": [1, 1]}), [[3, 9]]),
    "Add_const": _case(single_op("Add", [[3, 4]], consts={"c": RNG.normal(size=(3, 1))}),
                       [[3, 4]]),
    "Add_acts": _case(_two_scale_add("Add"), [[3, 4], [3, 4]]),
    "Sub_acts": _case(_two_scale_add("Sub"), [[3, 4], [3, 4]]),
    "Sub_const_left": _case(make_model([helper.make_node("Sub", ["c", "x0"], ["y0"])],
                                       {"x0": ["N", 4]}, {"y0": None}, {"c": [0.5]}), [[4]]),
    "Residual": _case(_residual(), [[3, 6, 6]], tol=0.03),
    "Mul_const_scalar": _case(single_op("Mul", [[4]], consts={"c": [-2.5]}), [[4]]),
    "Mul_const_channel": _case(single_op("Mul", [[3, 2, 2]], consts={"c": [[[1.0]], [[-2.0]],
                                                                           [[0.0]]]}),
                               [[3, 2, 2]]),
    "Mul_const_full": _case(single_op("Mul", [[2, 3]], consts={"c": RNG.normal(size=(2, 3))}),
                            [[2, 3]]),
    "Mul_acts": _case(single_op("Mul", [[5], [5]]), [[5], [5]]),
    "Div_const": _case(single_op("Div", [[5]], consts={"c": [4.0]}), [[5]]),
    "Div_acts": _case(single_op("Div", [[5], [5]]), [[5], [5]], tol=0.03, lo=[None, 0.5]),
    "Relu": _case(single_op("Relu", [[6]]), [[6]]),
    "LeakyRelu": _case(single_op("LeakyRelu", [[6]], attrs={"alpha": 0.1}), [[6]]),
    "PRelu_scalar": _case(single_op("PRelu", [[6]], consts={"s": [0.25]}), [[6]]),
    "PRelu_channel": _case(single_op("PRelu", [[3, 2, 2]], consts={"s": [[[0.1]], [[0.5]],
                                                                        [[-0.3]]]}),
                           [[3, 2, 2]]),
    "Sigmoid": _case(single_op("Sigmoid", [[6]]), [[6]]),
    "Tanh": _case(single_op("Tanh", [[6]]), [[6]]),
    "Exp": _case(single_op("Exp", [[6]]), [[6]]),
    "Erf": _case(single_op("Erf", [[6]]), [[6]]),
    # sqrt's slope is unbounded at 0: half an int8 input step there costs ~6 % of the range
    "Sqrt": _case(single_op("Sqrt", [[6]]), [[6]], tol=0.07, positive=True),
    "Softplus": _case(single_op("Softplus", [[6]]), [[6]]),
    "Elu": _case(single_op("Elu", [[6]], attrs={"alpha": 0.7}), [[6]]),
    "HardSigmoid": _case(single_op("HardSigmoid", [[6]], attrs={"alpha": 0.3, "beta": 0.4}),
                         [[6]]),
    "Clip": _case(single_op("Clip", [[6]], consts={"lo": np.float32(-0.5),
                                                   "hi": np.float32(1.0)}), [[6]]),
    "Pow2": _case(single_op("Pow", [[6]], consts={"e": [2.0]}), [[6]]),
    "AveragePool": _case(single_op("AveragePool", [[2, 5, 5]],
                                   attrs={"kernel_shape": [3, 3], "strides": [2, 2],
                                          "pads": [1, 1, 1, 1]}), [[2, 5, 5]]),
    "AveragePool_include_pad_ceil": _case(single_op(
        "AveragePool", [[2, 6, 6]], attrs={"kernel_shape": [3, 3], "strides": [2, 2],
                                           "pads": [1, 1, 0, 0], "count_include_pad": 1,
                                           "ceil_mode": 1}), [[2, 6, 6]]),
    "MaxPool": _case(single_op("MaxPool", [[2, 5, 5]], attrs={"kernel_shape": [2, 3],
                                                              "strides": [2, 1],
                                                              "pads": [1, 1, 0, 1]}),
                     [[2, 5, 5]]),
    "GlobalAveragePool": _case(single_op("GlobalAveragePool", [[3, 4, 4]]), [[3, 4, 4]]),
    "Flatten": _case(single_op("Flatten", [[2, 3, 2]]), [[2, 3, 2]]),
    "Reshape": _case(single_op("Reshape", [[2, 6]], consts={"s": np.array([0, 3, -1])}),
                     [[2, 6]]),
    "Transpose": _case(single_op("Transpose", [[2, 3, 4]], attrs={"perm": [0, 3, 1, 2]}),
                       [[2, 3, 4]]),
    "Concat": _case(single_op("Concat", [[2, 3], [4, 3]], attrs={"axis": 1}),
                    [[2, 3], [4, 3]]),
    "BatchNormalization": _case(single_op(
        "BatchNormalization", [[3, 2, 2]],
        consts={"g": [1.0, -2.0, 0.5], "b": [0.1, 0.2, -0.3], "m": [0.0, 1.0, -1.0],
                "v": [1.0, 4.0, 0.25]}), [[3, 2, 2]]),
    "ReduceSum": _case(single_op("ReduceSum", [[3, 4]], consts={"a": np.array([2])},
                                 attrs={"keepdims": 0}), [[3, 4]]),
    "ReduceMean": _case(single_op("ReduceMean", [[3, 4]], attrs={"axes": [1, 2]}), [[3, 4]]),
    "ReduceMax": _case(single_op("ReduceMax", [[3, 4]], attrs={"axes": [-1]}), [[3, 4]]),
    "ReduceMin": _case(single_op("ReduceMin", [[3, 4]], attrs={"axes": [1], "keepdims": 0}),
                       [[3, 4]]),
    "Softmax": _case(single_op("Softmax", [[3, 5]], attrs={"axis": -1}), [[3, 5]]),
    "Softmax_opset11": _case(single_op("Softmax", [[3, 4]], attrs={"axis": 1}, opset=11),
                             [[3, 4]]),
    "Slice": _case(single_op("Slice", [[4, 6]], consts={"s": np.array([1, 0]),
                                                        "e": np.array([3, 100]),
                                                        "a": np.array([1, 2]),
                                                        "st": np.array([1, 2])}), [[4, 6]]),
    "Gather": _case(single_op("Gather", [[5, 3]], consts={"i": np.array([4, 0, 2])},
                              attrs={"axis": 1}), [[5, 3]]),
    "Pad": _case(single_op("Pad", [[2, 3, 3]], consts={"p": np.array([0, 0, 1, 0, 0, 0, 0, 2])},
                           opset=13), [[2, 3, 3]]),
    "LayerNormalization": _case(single_op("LayerNormalization", [[3, 8]],
                                          consts={"g": RNG.normal(size=8),
                                                  "b": RNG.normal(size=8)},
                                          attrs={"axis": -1}, opset=17), [[3, 8]], tol=0.03),
    "InstanceNormalization": _case(single_op("InstanceNormalization", [[2, 3, 3]],
                                             consts={"g": [1.0, 2.0], "b": [0.0, -1.0]}),
                                   [[2, 3, 3]], tol=0.03),
    "Split": _case(single_op("Split", [[6, 2]], attrs={"axis": 1}, n_outputs=2), [[6, 2]]),
    "Expand": _case(single_op("Expand", [[3, 1]], consts={"s": np.array([1, 3, 4])}),
                    [[3, 1]]),
    "Tile": _case(single_op("Tile", [[2, 3]], consts={"r": np.array([1, 2, 1])}), [[2, 3]]),
    "ReduceL2": _case(single_op("ReduceL2", [[3, 4]], attrs={"axes": [2]}), [[3, 4]],
                      tol=0.03),
    "Neg_Abs": _case(make_model([helper.make_node("Neg", ["x0"], ["n"]),
                                 helper.make_node("Abs", ["n"], ["y0"])],
                                {"x0": ["N", 5]}, {"y0": None}), [[5]]),
    "Max_const": _case(single_op("Max", [[5]], consts={"c": [0.3]}), [[5]]),
    "Softsign_graph": _case(make_model(
        [helper.make_node("Abs", ["x0"], ["a"]), helper.make_node("Add", ["a", "one"], ["d"]),
         helper.make_node("Div", ["x0", "d"], ["y0"])],
        {"x0": ["N", 6]}, {"y0": None}, {"one": [1.0]}), [[6]], tol=0.03),
    "Unsqueeze_Squeeze": _case(make_model(
        [helper.make_node("Unsqueeze", ["x0", "a"], ["u"]),
         helper.make_node("Squeeze", ["u", "a"], ["y0"])],
        {"x0": ["N", 3]}, {"y0": None}, {"a": np.array([1])}), [[3]]),
}


def _samples(shapes, positive, lo, n=64, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for i, s in enumerate(shapes):
        x = rng.normal(size=(n, *s))
        if positive:
            x = np.abs(x)
        if lo is not None and lo[i] is not None:
            x = lo[i] + np.abs(x)
        out[f"x{i}"] = x
    return out


def _error(model, shapes, positive, lo, bits):
    """Largest output error relative to that output's float range, and the report."""
    feeds = _samples(shapes, positive, lo)
    cm, rep = compile_with_report(model, feeds, bits=bits, weight_bits=bits)
    ref = ort_run(model, feeds)
    err = max(o.max_abs_err / max(np.abs(ref[o.name]).max(), 1e-9) for o in rep.outputs)
    return err, rep


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_onnxruntime(name):
    model, shapes, tol, positive, lo = CASES[name]
    err8, rep = _error(model, shapes, positive, lo, 8)
    assert rep.reference == "onnxruntime"
    assert err8 <= tol, f"{name}: int8 error {err8:.4f} of the output range > {tol}"
    err14, _ = _error(model, shapes, positive, lo, 14)
    assert err14 <= tol / 16, f"{name}: 14-bit error {err14:.5f} is not small"
