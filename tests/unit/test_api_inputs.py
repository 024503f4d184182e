"""The API never proves a wrong answer quietly (issue 10): strict input shapes, clamped values
counted (warning, or refusal with strict=True), degenerate calibration refused or warned about,
verify returning the proven inputs and their hash, typed one-line errors for misuse."""

from __future__ import annotations

import json
import struct
import warnings

import numpy as np
import pytest
from Crypto.Hash import keccak
from onnx import helper

import tensorproof.api as tp
from helpers_models import make_model, single_op
from tensorproof.errors import (
    ArgumentError,
    CalibrationWarning,
    CompileError,
    InputError,
    InputFileError,
    InputMismatchError,
    InputRangeError,
    InputRangeWarning,
    TensorProofError,
)
from tensorproof.frontend import compile_with_report
from tensorproof.frontend.inputs import load_inputs, load_model_inputs, load_samples

RNG = np.random.default_rng(10)


def _conv_onnx() -> bytes:
    w = RNG.normal(size=(2, 3, 3, 3)) * 0.3
    node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])
    return make_model([node], {"x": ["N", 3, 4, 4]}, {"y": None}, {"w": w})


@pytest.fixture(scope="module")
def conv():
    """A Conv model with per-sample input shape (3, 4, 4) (channels first)."""
    return tp.compile(_conv_onnx(), RNG.normal(size=(16, 3, 4, 4)))


@pytest.fixture(scope="module")
def add_pk():
    """A two-input model (x0 + x1, shape (3,)) and its proving key."""
    model = tp.compile(single_op("Add", [[3], [3]]),
                       {"x0": RNG.normal(size=(12, 3)), "x1": RNG.normal(size=(12, 3))})
    return tp.setup(model)


# --- shapes: only (batch, *shape), or exactly shape for one sample --------------------------

def test_nhwc_array_is_refused_never_reshaped(conv):
    with pytest.raises(InputError, match=r"transpose\(0, 3, 1, 2\)"):
        tp.quantize_inputs(conv, RNG.normal(size=(4, 4, 4, 3)))
    for bad in ((2, 4, 3, 4), (48,), (2, 48), (1, 1, 3, 4, 4), (3, 16)):
        with pytest.raises(InputError, match="neither one sample"):
            tp.quantize_inputs(conv, RNG.normal(size=bad))


def test_a_batch_without_its_channel_axis_or_a_bogus_sample_is_refused_with_a_hint():
    from types import SimpleNamespace

    from tensorproof.ir.model import InputQuant

    digits = SimpleNamespace(inputs=(InputQuant("x", (1, 8, 8), 0.1, 8, -128, 127),))
    with pytest.raises(InputError, match=r"\(2, 8, 4, 1\) is neither") as e:
        tp.quantize_inputs(digits, np.zeros((2, 8, 4, 1)))  # once proven as one bogus sample
    assert "reshape" not in str(e.value)
    with pytest.raises(InputError, match=r"x.reshape\(5, 1, 8, 8\)"):
        tp.quantize_inputs(digits, np.zeros((5, 8, 8)))
    with pytest.raises(InputError, match=r"reshape it to \(1, 8, 8\)"):
        tp.quantize_inputs(digits, np.zeros(64))
    assert tp.quantize_inputs(digits, np.zeros((1, 8, 8))).batch == 1


def test_one_sample_without_batch_axis_and_a_batch_are_accepted(conv):
    x = RNG.normal(size=(2, 3, 4, 4))
    assert tp.quantize_inputs(conv, x).ints["x"].shape == (2, 3, 4, 4)
    one = tp.quantize_inputs(conv, x[0]).ints["x"]
    assert one.shape == (1, 3, 4, 4)
    assert np.array_equal(one[0], tp.quantize_inputs(conv, x).ints["x"][0])


def test_batch_zero_different_batches_and_bad_ints_are_refused(conv, add_pk):
    with pytest.raises(InputError, match="batch of 0"):
        tp.quantize_inputs(conv, np.zeros((0, 3, 4, 4)))
    with pytest.raises(InputError, match="different batch sizes"):
        tp.quantize_inputs(add_pk, {"x0": np.zeros((2, 3)), "x1": np.zeros((3, 3))})
    with pytest.raises(InputError, match="missing"):
        tp.quantize_inputs(add_pk, {"x0": np.zeros((2, 3))})
    with pytest.raises(InputError, match="pass a dict"):
        tp.quantize_inputs(add_pk, np.zeros((2, 3)))
    with pytest.raises(InputError, match=r"\[-128, 127\]"):
        tp.prove(add_pk, {"x0": np.full((1, 3), 200), "x1": np.zeros((1, 3))}, quantized=True)
    with pytest.raises(InputError, match="integers"):
        tp.prove(add_pk, {"x0": np.full((1, 3), 0.5), "x1": np.zeros((1, 3))}, quantized=True)
    with pytest.raises(InputError, match="not numbers"):
        tp.quantize_inputs(conv, np.array(["a"] * 48).reshape(3, 4, 4))


# --- values outside the calibrated range -----------------------------------------------------

def test_clamped_values_are_counted_per_input(add_pk):
    x0, x1 = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    x0[0, :2] = 1000.0
    x1[1, 2] = -1000.0
    q = tp.quantize_inputs(add_pk, {"x0": x0, "x1": x1})
    assert q.clamped == {"x0": 2, "x1": 1} and q.batch == 2
    iq = add_pk.model.inputs[0]
    raw = np.floor(x0 / iq.scale + 0.5)
    assert q.clamped["x0"] == int(((raw < iq.lo) | (raw > iq.hi)).sum())
    assert tp.quantize_inputs(add_pk, {"x0": x0 * 0, "x1": x1 * 0}).clamped == {"x0": 0, "x1": 0}


def test_prove_warns_on_clamping_and_strict_refuses(add_pk):
    x = {"x0": np.array([[1000.0, 0, 0]]), "x1": np.zeros((1, 3))}
    with pytest.warns(InputRangeWarning, match=r"input 'x0': 1 of 3 values .* clamped"):
        proof = tp.prove(add_pk, x)
    assert proof.inputs["x0"][0, 0] == add_pk.model.inputs[0].hi
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputRangeError, match="x0.*1 of 3"):
            tp.prove(add_pk, x, strict=True)
        tp.prove(add_pk, {"x0": np.zeros((1, 3)), "x1": np.zeros((1, 3))}, strict=True)


# --- calibration ------------------------------------------------------------------------------

def test_zero_calibration_samples_are_refused():
    with pytest.raises(CompileError, match="no samples"):
        tp.compile(single_op("Relu", [[3]]), np.zeros((0, 3)))
    with pytest.raises(CompileError, match="no samples"):
        tp.compile(single_op("Add", [[3], [3]]), {"x0": np.zeros((0, 3)), "x1": np.zeros((0, 3))})


def test_few_constant_or_identical_calibration_samples_warn():
    relu = single_op("Relu", [[3]])
    with pytest.warns(CalibrationWarning) as rec:
        tp.compile(relu, np.zeros((40, 3)))
    assert any("constant" in str(w.message) for w in rec)
    with pytest.warns(CalibrationWarning, match="the same sample 40 times"):
        tp.compile(relu, np.tile(RNG.normal(size=(1, 3)), (40, 1)))
    with pytest.warns(CalibrationWarning, match="only 3 calibration samples"):
        tp.compile(relu, RNG.normal(size=(3, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tp.compile(relu, RNG.normal(size=(40, 3)))


def test_accuracy_report_says_which_data_it_was_measured_on():
    relu = single_op("Relu", [[3]])
    _, rep = compile_with_report(relu, RNG.normal(size=(40, 3)))
    assert rep.data == "calibration" and rep.as_dict()["data"] == "calibration"
    _, rep = compile_with_report(relu, RNG.normal(size=(40, 3)), RNG.normal(size=(9, 3)))
    assert rep.data == "held-out" and rep.n_samples == 9


# --- verify: the proven inputs and their hash ------------------------------------------------

def _reference_hash(ints: dict[str, np.ndarray]) -> str:
    h = keccak.new(digest_bits=256)
    for name in sorted(ints):
        a = np.asarray(ints[name], dtype=np.int64)
        raw = name.encode()
        h.update(struct.pack(">I", len(raw)) + raw + struct.pack(f">B{a.ndim}I", a.ndim, *a.shape)
                 + a.astype(">i8").tobytes())
    return h.hexdigest()


def test_input_hash_definition():
    ints = {"x": np.array([[1, -2]])}
    assert tp.input_hash(ints) == _reference_hash(ints) == (
        "dafacf0a99019a73ba7c888a429da19b6d14b0b2b6ed2fffe8c455770a50d83a")
    two = {"b": np.arange(6).reshape(2, 3), "a": -np.arange(6).reshape(2, 3)}
    assert tp.input_hash(two) == _reference_hash(two) != tp.input_hash({"a": two["b"],
                                                                         "b": two["a"]})


def test_verify_returns_the_proven_inputs_and_checks_given_ones(add_pk):
    x = {"x0": RNG.uniform(-1, 1, (2, 3)), "x1": RNG.uniform(-1, 1, (2, 3))}
    proof = tp.Proof.from_bytes(tp.prove(add_pk, x).to_bytes())
    res = tp.verify(add_pk.vk, proof, inputs=x)
    want = tp.quantize_inputs(add_pk, x).ints
    assert sorted(res.inputs) == ["x0", "x1"]
    assert all(np.array_equal(res.inputs[n], want[n]) for n in want)
    assert res.input_hash == _reference_hash(want)
    other = {"x0": x["x0"], "x1": x["x1"] + 0.25}
    with pytest.raises(InputMismatchError, match="'x1' is not the quantization"):
        tp.verify(add_pk.vk, proof, inputs=other)
    with pytest.raises(InputMismatchError, match="shape"):
        tp.verify(add_pk.vk, proof, inputs={k: v[:1] for k, v in x.items()})


def test_swapped_or_wrong_arguments_and_unknown_scheme_are_typed_one_line_errors(add_pk):
    proof = tp.prove(add_pk, {"x0": np.zeros((1, 3)), "x1": np.zeros((1, 3))})
    with pytest.raises(ArgumentError, match="swapped") as e:
        tp.verify(proof, add_pk.vk)
    assert isinstance(e.value, TypeError) and "\n" not in str(e.value)
    with pytest.raises(ArgumentError, match="pk.vk"):
        tp.verify(add_pk, proof)
    with pytest.raises(ArgumentError):
        tp.prove(np.zeros((1, 3)), add_pk)
    with pytest.raises(ArgumentError):
        tp.save_proof("proof.tpp", proof)
    with pytest.raises(TensorProofError, match="nope") as e:
        tp.setup(add_pk.model, pcs="nope")
    assert "\n" not in str(e.value)


# --- input files -----------------------------------------------------------------------------

SHAPES = {"x0": (3,), "x1": (3,)}


def test_several_inputs_from_npz_json_by_name_and_ezkl_json(tmp_path):
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    np.savez(tmp_path / "x.npz", x1=b, x0=a)
    (tmp_path / "named.json").write_text(json.dumps({"x0": a.tolist(), "x1": b.tolist()}))
    (tmp_path / "ezkl.json").write_text(json.dumps({"input_data": [a.ravel().tolist(),
                                                                   b.ravel().tolist()]}))
    for f in ("x.npz", "named.json", "ezkl.json"):
        got = load_model_inputs(tmp_path / f, SHAPES)
        assert list(got) == ["x0", "x1"], f
        assert np.array_equal(got["x0"], a) and np.array_equal(got["x1"], b), f


def test_single_input_files_keep_their_shape(tmp_path):
    x = RNG.normal(size=(2, 4, 4, 3))
    np.save(tmp_path / "nhwc.npy", x)
    assert load_model_inputs(tmp_path / "nhwc.npy", {"x": (3, 4, 4)})["x"].shape == x.shape
    (tmp_path / "ezkl.json").write_text(json.dumps({"input_data": [x.ravel().tolist()]}))
    got = load_model_inputs(tmp_path / "ezkl.json", {"x": (3, 4, 4)})["x"]  # EZKL: flattened
    assert got.shape == (2, 3, 4, 4) and np.array_equal(got.ravel(), x.ravel())


@pytest.mark.parametrize("name,content,match", [
    ("x.npy", None, "the model has 2 inputs"),
    ("x.csv", "1,2,3\n", "unknown format '.csv'.*np.loadtxt"),
    ("x.json", '{"foo": [1, 2, 3]}', "needs an \"input_data\" entry .* \\['x0', 'x1'\\]"),
    ("x.json", "[[1, 2, 3]]", "the model has 2 inputs"),
    ("x.json", '{"input_data": [[1, 2, 3]]}', "holds 1 inputs, the model has 2"),
    ("x.json", "[]", "no values"),
])
def test_input_file_messages_point_the_right_way(tmp_path, name, content, match):
    path = tmp_path / name
    if content is None:
        np.save(path, np.zeros((2, 3)))
    else:
        path.write_text(content)
    with pytest.raises(InputFileError, match=match):
        load_model_inputs(path, SHAPES if content != "[]" else {"x": (3,)})


def test_csv_and_json_without_input_data_name_the_fix(tmp_path):
    (tmp_path / "s.csv").write_text("1,2\n")
    (tmp_path / "s.json").write_text('{"data": [1]}')
    for load in (load_inputs, load_samples):
        with pytest.raises(InputFileError, match="np.loadtxt"):
            load(tmp_path / "s.csv")
    with pytest.raises(InputFileError, match="EZKL"):
        load_inputs(tmp_path / "s.json")


def test_a_pytorch_file_given_as_the_model_points_to_export_torch(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "net.pt", "w") as z:  # what torch.save writes
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    (tmp_path / "net.bin").write_bytes(b"\x80\x04\x95" + bytes(40))  # a bare pickle
    for f in ("net.pt", "net.bin"):
        with pytest.raises(CompileError, match="export_torch"):
            tp.compile(tmp_path / f, np.zeros((4, 3)))
