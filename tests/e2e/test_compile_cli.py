"""`tensorproof compile`: the report on success; on bad input one line on stderr, a non-zero
exit status and never a trace."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from onnx import helper

from helpers_models import make_model, single_op, train_digits_mlp
from tensorproof.cli import main
from tensorproof.ir import load_model


def _cli(capsys, *args) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    d = tmp_path_factory.mktemp("digits")
    m = train_digits_mlp()
    (d / "mlp.onnx").write_bytes(m.onnx_bytes)
    np.save(d / "calib.npy", m.x_calib[:300])
    np.save(d / "test.npy", m.x_test)
    return d


def _assert_one_line_error(code, out, err, *words):
    assert code not in (0, None)
    assert "Traceback" not in out + err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0]


def test_compile_writes_a_model_and_prints_the_report(digits, capsys):
    out_path = digits / "mlp.tpm"
    code, out, err = _cli(capsys, "compile", str(digits / "mlp.onnx"), "--calibrate",
                          str(digits / "calib.npy"), "--eval", str(digits / "test.npy"),
                          "-o", str(out_path), "--bits", "8")
    assert code == 0, err
    assert "top-1" in out and "per-layer" in out and "requant" in out
    cm = load_model(out_path)
    assert cm.info["accuracy"]["outputs"][0]["top1"] >= 0.97
    assert cm.info["n_calibration"] == 300


def test_compile_accepts_ezkl_input_json(tmp_path, capsys):
    model = tmp_path / "m.onnx"
    model.write_bytes(single_op("Sigmoid", [[3]]))
    (tmp_path / "input.json").write_text(json.dumps({"input_data": [[0.1, -2.0, 3.0]]}))
    code, out, err = _cli(capsys, "compile", str(model), "-c", str(tmp_path / "input.json"),
                          "--calibration", "percentile", "--no-layers")
    assert code == 0, err
    assert (tmp_path / "m.tpm").exists() and "per-layer" not in out


def test_missing_model_file(tmp_path, capsys):
    np.save(tmp_path / "c.npy", np.zeros((2, 3)))
    _assert_one_line_error(*_cli(capsys, "compile", str(tmp_path / "none.onnx"), "-c",
                                 str(tmp_path / "c.npy")), "error:", "cannot read")


def test_malformed_onnx_file(tmp_path, capsys):
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07garbage\xff\xff\xff" * 10)
    np.save(tmp_path / "c.npy", np.zeros((2, 3)))
    _assert_one_line_error(*_cli(capsys, "compile", str(tmp_path / "bad.onnx"), "-c",
                                 str(tmp_path / "c.npy")), "error:")


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_onnx_file(digits, tmp_path, capsys, fraction):
    blob = (digits / "mlp.onnx").read_bytes()
    (tmp_path / "cut.onnx").write_bytes(blob[: int(len(blob) * fraction)])
    _assert_one_line_error(*_cli(capsys, "compile", str(tmp_path / "cut.onnx"), "-c",
                                 str(digits / "calib.npy")), "error:")


def test_calibration_missing_an_input(tmp_path, capsys):
    (tmp_path / "two.onnx").write_bytes(single_op("Add", [[3], [3]]))
    np.savez(tmp_path / "c.npz", x0=np.zeros((4, 3)))
    _assert_one_line_error(*_cli(capsys, "compile", str(tmp_path / "two.onnx"), "-c",
                                 str(tmp_path / "c.npz")), "error:", "x1")


def test_calibration_of_the_wrong_shape(digits, tmp_path, capsys):
    np.save(tmp_path / "c.npy", np.zeros((4, 7)))
    _assert_one_line_error(*_cli(capsys, "compile", str(digits / "mlp.onnx"), "-c",
                                 str(tmp_path / "c.npy")), "error:", "shape")


def test_unsupported_operator_names_op_node_and_supported_list(tmp_path, capsys):
    node = helper.make_node("Hardmax", ["x0"], ["y0"], name="the_hardmax")
    (tmp_path / "h.onnx").write_bytes(make_model([node], {"x0": ["N", 4]}, {"y0": None}))
    np.save(tmp_path / "c.npy", np.zeros((2, 4)))
    code, out, err = _cli(capsys, "compile", str(tmp_path / "h.onnx"), "-c",
                          str(tmp_path / "c.npy"))
    _assert_one_line_error(code, out, err, "Hardmax", "the_hardmax", "supported operators:",
                           "Conv", "Softmax")


def test_bad_option_is_a_usage_error(digits, capsys):
    code, out, err = _cli(capsys, "compile", str(digits / "mlp.onnx"), "-c",
                          str(digits / "calib.npy"), "--bits", "40")
    assert code == 2 and "Traceback" not in out + err


def test_the_installed_command_prints_no_trace(tmp_path):
    (tmp_path / "bad.onnx").write_bytes(b"not onnx at all")
    np.save(tmp_path / "c.npy", np.zeros((2, 3)))
    r = subprocess.run([sys.executable, "-c", "from tensorproof.cli import main; main()",
                        "compile", str(tmp_path / "bad.onnx"), "-c", str(tmp_path / "c.npy")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2  # bad input (1: proof rejected, 3: file error)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
