"""The public API's model files and accuracy report: api.save_model / api.load_model round-trip a
compiled model (same model id, same proofs), api.compile_with_report returns the accuracy report
and says on which data it was measured, api.compile takes its documented options, and a Softmax
model (the README says it is provable) proves and verifies."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from onnx import helper

import tensorproof.api as tp
from helpers_models import make_model
from tensorproof.errors import ArgumentError, CompileError, ModelFileError, OutputPathError
from tensorproof.frontend.report import AccuracyReport

RNG = np.random.default_rng(44)
W1 = RNG.normal(size=(6, 8)) * 0.5
W2 = RNG.normal(size=(8, 4)) * 0.5


def _mlp_onnx(softmax: bool = False) -> bytes:
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "w2"], ["z" if softmax else "y"])]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["z"], ["y"], axis=-1))
    return make_model(nodes, {"x": ["N", 6]}, {"y": ["N", 4]}, {"w1": W1, "w2": W2})


CALIB = RNG.normal(size=(32, 6))
HELD_OUT = RNG.normal(size=(16, 6))


def test_save_load_model_round_trip(tmp_path):
    model = tp.compile(_mlp_onnx(), CALIB)
    path = tmp_path / "net.tpm"
    tp.save_model(model, path)
    loaded = tp.load_model(path)
    tp.save_model(loaded, tmp_path / "again.tpm")
    assert (tmp_path / "again.tpm").read_bytes() == path.read_bytes()
    pk, pk2 = tp.setup(model, pcs="raw"), tp.setup(loaded, pcs="raw")
    assert pk.vk.model_id == pk2.vk.model_id
    x = HELD_OUT[:3]
    proof = tp.prove(pk2, x)
    result = tp.verify(pk.vk, proof)  # a proof from the loaded model verifies under the original
    np.testing.assert_array_equal(result.ints[model.outputs[0].name],
                                  tp.prove(pk, x).outputs[model.outputs[0].name])


def test_save_load_model_errors(tmp_path):
    model = tp.compile(_mlp_onnx(), CALIB)
    with pytest.raises(OutputPathError, match="cannot write compiled model"):
        tp.save_model(model, tmp_path / "missing" / "net.tpm")
    with pytest.raises(ArgumentError, match="save_model"):
        tp.save_model(tp.setup(model, pcs="raw"), tmp_path / "net.tpm")  # type: ignore[arg-type]
    with pytest.raises(ModelFileError, match="cannot read model file"):
        tp.load_model(tmp_path / "nothing.tpm")
    bad = tmp_path / "bad.tpm"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="bad.tpm"):
        tp.load_model(bad)


def test_compile_with_report_measures_on_held_out_data():
    model, report = tp.compile_with_report(_mlp_onnx(), CALIB, eval_data=HELD_OUT)
    assert isinstance(report, AccuracyReport)
    assert report.data == "held-out" and report.n_samples == len(HELD_OUT)
    (out,) = report.outputs
    assert out.name == "y" and 0.0 <= out.top1 <= 1.0 and out.max_abs_err >= out.mean_abs_err
    assert model.info["accuracy"] == report.as_dict()

    _, on_calib = tp.compile_with_report(_mlp_onnx(), CALIB)
    assert on_calib.data == "calibration" and on_calib.n_samples == len(CALIB)


def test_report_survives_save_and_load(tmp_path):
    model, report = tp.compile_with_report(_mlp_onnx(), CALIB, eval_data=HELD_OUT, bits=12)
    tp.save_model(model, tmp_path / "net.tpm")
    assert tp.load_model(tmp_path / "net.tpm").info["accuracy"] == report.as_dict()


def test_compile_documented_options():
    model = tp.compile(_mlp_onnx(), CALIB, bits=10, weight_bits=6, method="percentile",
                       percentile=99.0, lookup_bits=12)
    info = model.info
    assert (info["bits"], info["weight_bits"], info["calibration"], info["percentile"]) == (
        10, 6, "percentile", 99.0)
    for bad in ({"bits": 1}, {"weight_bits": 17}, {"method": "mean"}, {"percentile": 40.0},
                {"lookup_bits": 20}):
        with pytest.raises(CompileError):
            tp.compile(_mlp_onnx(), CALIB, **bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tp.compile(_mlp_onnx(), CALIB, bitz=8)  # type: ignore[call-arg]


def test_softmax_is_provable():
    """README: Softmax compiles and proves (exp table, then div_round)."""
    model = tp.compile(_mlp_onnx(softmax=True), CALIB)
    assert "div_round" in {n.op for n in model.graph.nodes}
    pk = tp.setup(model)
    x = HELD_OUT[:2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # clamping is not what this test is about
        result = tp.verify(pk.vk, tp.prove(pk, x))
    z = np.maximum(x @ W1, 0) @ W2
    want = np.exp(z - z.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    assert np.abs(result.values["y"] - want).max() < 0.05


def test_report_counts_held_out_values_outside_the_calibrated_range():
    """Held-out samples 3x wider than the calibration data: the report counts, per input, the
    values that quantize outside the calibrated range (they are clamped), exactly."""
    model, report = tp.compile_with_report(_mlp_onnx(), CALIB, eval_data=3 * HELD_OUT)
    ((name, (n, total)),) = report.clamped.items()
    q = model.inputs[0]
    r = np.floor(3 * HELD_OUT / q.scale + 0.5)
    assert total == HELD_OUT.size and n == int(((r < q.lo) | (r > q.hi)).sum()) > 0
    _, inside = tp.compile_with_report(_mlp_onnx(), CALIB, eval_data=CALIB)
    assert all(n == 0 for n, _ in inside.clamped.values())
