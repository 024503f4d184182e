"""The command line never gives a wrong answer quietly and never shows a trace (issue 10): strict
input shapes, clamping reported (--strict refuses), verify --input and the input hash, output
paths checked before any work, compile's files written all or nothing and never over another
model's without --force, several inputs from .npz and EZKL JSON.

The real command runs in a subprocess for each behaviour; variants of one check run in-process
through the same entry point (tensorproof.cli.main), which is much cheaper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

import tensorproof.api as tp
from helpers_models import make_model, single_op
from tensorproof.cli import main

RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    """A folder with a Conv model (input (3, 4, 4)) and a two-input Add model, both compiled
    (.tpm/.tpk/.vk), sample inputs and a proof of x.npy."""
    d = tmp_path_factory.mktemp("cli_safety")
    w = RNG.normal(size=(2, 3, 3, 3)) * 0.3
    conv = make_model([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
                      {"x": ["N", 3, 4, 4]}, {"y": None}, {"w": w})
    (d / "conv.onnx").write_bytes(conv)
    np.save(d / "calib.npy", RNG.uniform(-1, 1, (16, 3, 4, 4)))
    (d / "add.onnx").write_bytes(single_op("Add", [[3], [3]]))
    np.savez(d / "add_calib.npz", x0=RNG.uniform(-1, 1, (12, 3)), x1=RNG.uniform(-1, 1, (12, 3)))
    for name, calib in (("conv", np.load(d / "calib.npy")),
                        ("add", dict(np.load(d / "add_calib.npz")))):
        pk = tp.setup(tp.compile(d / f"{name}.onnx", calib))
        tp.save_pk(pk, d / f"{name}.tpk")
        tp.save_vk(pk.vk, d / f"{name}.vk")
    x = RNG.uniform(-0.5, 0.5, (2, 3, 4, 4))
    np.save(d / "x.npy", x)
    tp.save_proof(tp.prove(tp.load_pk(d / "conv.tpk"), x), d / "x.tpp")
    return d


def _run(d: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tensorproof.cli", *map(str, args)], cwd=d,
                          capture_output=True, text=True, timeout=300)


def _cli(capsys, *args) -> tuple[int, str, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_line_error(code, out: str, err: str, *words: str, status: int = 2) -> None:
    """One line on stderr holding ``words``, no trace, exit ``status`` (1 proof rejected, 2 bad
    usage or input, 3 file or I/O error)."""
    assert code == status, out + err
    assert "Traceback" not in out + err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], lines[0]


def _files(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


# --- wrong answers that verify ---------------------------------------------------------------

def test_prove_refuses_an_nhwc_array_in_one_line(d):
    np.save(d / "nhwc.npy", RNG.uniform(-1, 1, (4, 4, 4, 3)))
    r = _run(d, "prove", "conv.tpk", "-i", "nhwc.npy", "-o", "nhwc.tpp")
    _one_line_error(r.returncode, r.stdout, r.stderr, "(4, 4, 4, 3)", "transpose")
    assert not (d / "nhwc.tpp").exists()


def test_prove_warns_on_clamped_values_and_strict_refuses(d):
    x = RNG.uniform(-0.5, 0.5, (2, 3, 4, 4))
    x[0, 0, 0, :3] = 1000.0
    np.save(d / "big.npy", x)
    r = _run(d, "prove", "conv.tpk", "-i", "big.npy", "-o", "big.tpp")
    assert r.returncode == 0, r.stderr
    warn = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(warn) == 1 and warn[0].startswith("warning:") and "3 of 96" in warn[0], r.stderr
    assert "3 values clamped" in r.stdout
    r = _run(d, "prove", "conv.tpk", "-i", "big.npy", "-o", "strict.tpp", "--strict")
    _one_line_error(r.returncode, r.stdout, r.stderr, "3 of 96", "strict")
    assert not (d / "strict.tpp").exists()


def test_verify_prints_the_input_hash_and_checks_the_input(d):
    proof = tp.load_proof(d / "x.tpp")
    r = _run(d, "verify", "conv.vk", "x.tpp", "--input", "x.npy")
    assert r.returncode == 0, r.stderr
    assert f"input hash: {tp.input_hash(proof.inputs)}\n" in r.stdout  # on one line
    np.save(d / "other.npy", np.load(d / "x.npy") + 0.25)
    r = _run(d, "verify", "conv.vk", "x.tpp", "--input", "other.npy")
    _one_line_error(r.returncode, r.stdout, r.stderr, "proof rejected", "not the quantization",
                    status=1)


def test_prove_and_verify_json(d, capsys):
    code, out, err = _cli(capsys, "verify", d / "conv.vk", d / "x.tpp", "--json")
    assert code == 0, err
    got, proof = json.loads(out), tp.load_proof(d / "x.tpp")
    vk = tp.load_vk(d / "conv.vk")
    assert got["verified"] and got["model_id"] == vk.model_id.hex()
    assert got["input_hash"] == tp.input_hash(proof.inputs) and got["batch"] == 2
    want = tp.verify(vk, proof).values["y"]
    assert np.array_equal(np.array(got["outputs"]["y"]), want)  # every value, full precision
    code, out, err = _cli(capsys, "prove", d / "conv.tpk", "-i", d / "x.npy", "-o",
                          d / "json.tpp", "--json")
    got = json.loads(out)
    assert code == 0 and got["input_hash"] == tp.input_hash(proof.inputs)
    assert got["clamped"] == {"x": 0} and got["proof_bytes"] == (d / "json.tpp").stat().st_size


def test_compile_refuses_zero_calibration_samples_and_says_which_data_it_measured(d, capsys):
    np.save(d / "none.npy", np.zeros((0, 3, 4, 4)))
    r = _run(d, "compile", "conv.onnx", "-c", "none.npy", "-o", "none.tpm")
    _one_line_error(r.returncode, r.stdout, r.stderr, "none.npy", "no values")
    assert not {"none.tpm", "none.tpk", "none.vk"} & _files(d)
    np.save(d / "few.npy", RNG.uniform(-1, 1, (3, 3, 4, 4)))
    code, out, err = _cli(capsys, "compile", d / "conv.onnx", "-c", d / "few.npy", "-o",
                          d / "few.tpm", "--no-layers")
    assert code == 0 and "warning: only 3 calibration samples" in err
    assert "on 3 calibration samples" in out and "--eval" in out
    code, out, err = _cli(capsys, "compile", d / "conv.onnx", "-c", d / "calib.npy", "--eval",
                          d / "x.npy", "-o", d / "few.tpm", "--no-layers", "--force")
    assert code == 0 and "on 2 held-out (--eval) samples" in out and "warning" not in err


# --- errors and files ------------------------------------------------------------------------

def test_output_in_a_read_only_folder_is_refused_before_any_work(d, tmp_path):
    if os.geteuid() == 0:
        ro = Path("/sys")  # root writes anywhere chmod allows: sysfs refuses new files
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    r = _run(d, "prove", "conv.tpk", "-i", "x.npy", "-o", ro / "p.tpp")
    _one_line_error(r.returncode, r.stdout, r.stderr, "cannot write proof", status=3)
    assert not (ro / "p.tpp").exists()


@pytest.mark.parametrize("case", ["missing folder", "folder", "input", "batch 0", "json []",
                                  "strings", "csv", "no input_data", "swapped"])
def test_prove_and_verify_errors_are_one_line(d, capsys, case):
    np.save(d / "b0.npy", np.zeros((0, 3, 4, 4)))
    (d / "empty.json").write_text("[]")
    np.save(d / "str.npy", np.array(["1.0", "2.0"]))
    (d / "x.csv").write_text("1,2,3\n")
    (d / "foo.json").write_text('{"foo": [1]}')
    x = d / "x.npy"
    args, words, status = {
        "missing folder": (["-i", x, "-o", d / "nowhere" / "p.tpp"], ["does not exist"], 3),
        "folder": (["-i", x, "-o", d], ["is a folder"], 3),
        "input": (["-i", x, "-o", x], ["overwrite the input file"], 2),
        "batch 0": (["-i", d / "b0.npy"], ["no values", "(0, 3, 4, 4)"], 2),
        "json []": (["-i", d / "empty.json"], ["no values"], 2),
        "strings": (["-i", d / "str.npy"], ["not numeric"], 2),
        "csv": (["-i", d / "x.csv"], ["unknown format '.csv'", "np.loadtxt"], 2),
        "no input_data": (["-i", d / "foo.json"], ['"input_data"'], 2),
        "swapped": (None, ["is a proof, not a verifying key"], 2),
    }[case]
    before = _files(d)
    if args is None:
        res = _cli(capsys, "verify", d / "x.tpp", d / "conv.vk")
    else:
        out = [] if "-o" in args else ["-o", d / "never.tpp"]
        res = _cli(capsys, "prove", d / "conv.tpk", *args, *out)
    _one_line_error(*res, *words, status=status)
    assert _files(d) == before


def test_compile_cannot_overwrite_the_model_or_an_input_with_a_key(d, capsys):
    r = _run(d, "compile", "add.onnx", "-c", "add_calib.npz", "-o", "add.tpk")
    _one_line_error(r.returncode, r.stdout, r.stderr, "compiled model", "proving key",
                    "add.tpk")
    before = {p: p.read_bytes() for p in d.glob("add*")}
    for out, words in (("add.onnx", ["would overwrite the ONNX model"]),
                       ("add_calib.npz", ["would overwrite the calibration samples"]),
                       ("add.vk", ["would both be written to"])):
        _one_line_error(*_cli(capsys, "compile", d / "add.onnx", "-c", d / "add_calib.npz",
                              "-o", d / out), *words)
    assert {p: p.read_bytes() for p in d.glob("add*")} == before


def test_compile_over_another_models_artifacts_needs_force(d, capsys):
    from tensorproof.ir.modelfile import save_model

    pk = tp.load_pk(d / "add.tpk")
    save_model(pk.model, d / "other.tpm")
    tp.save_pk(pk, d / "other.tpk")
    tp.save_vk(pk.vk, d / "other.vk")
    before = {p.name: p.read_bytes() for p in d.glob("other.*")}
    r = _run(d, "compile", "conv.onnx", "-c", "calib.npy", "-o", "other.tpm", "--no-layers")
    _one_line_error(r.returncode, r.stdout, r.stderr, "another model", "--force")
    assert {p.name: p.read_bytes() for p in d.glob("other.*")} == before
    r = _run(d, "compile", "conv.onnx", "-c", "calib.npy", "-o", "other.tpm", "--no-layers",
             "--force")
    assert r.returncode == 0, r.stderr
    assert tp.load_vk(d / "other.vk").model_id == tp.load_vk(d / "conv.vk").model_id
    (d / "notes.vk").write_text("my notes")
    code, out, err = _cli(capsys, "compile", d / "conv.onnx", "-c", d / "calib.npy", "-o",
                          d / "notes.tpm")
    _one_line_error(code, out, err, "not a tensorproof verifying key", "--force")
    assert (d / "notes.vk").read_text() == "my notes" and not (d / "notes.tpm").exists()


def test_another_models_tpk_or_lone_tpm_or_prove_vk_needs_force(d, capsys):
    """Without a .vk the .tpk's key tells the model; a lone .tpm differs by its bytes; and
    `prove --vk` may not replace another model's key either."""
    from tensorproof.ir.modelfile import save_model

    pk = tp.load_pk(d / "add.tpk")
    tp.save_pk(pk, d / "lone.tpk")
    save_model(pk.model, d / "lone2.tpm")
    compile_to = ["compile", d / "conv.onnx", "-c", d / "calib.npy", "--no-layers", "-o"]
    for target, kept in (("lone.tpm", "lone.tpk"), ("lone2.tpm", "lone2.tpm")):
        before = (d / kept).read_bytes()
        code, out, err = _cli(capsys, *compile_to, d / target)
        _one_line_error(code, out, err, "another", "--force")
        assert (d / kept).read_bytes() == before
    code, out, err = _cli(capsys, *compile_to, d / "lone2.tpm", "--force")
    assert code == 0, err
    code, out, err = _cli(capsys, *compile_to, d / "lone2.tpm")  # the same model again: fine
    assert code == 0, err
    before = (d / "add.vk").read_bytes()
    code, out, err = _cli(capsys, "prove", d / "conv.tpk", "-i", d / "x.npy", "-o",
                          d / "p_vk.tpp", "--vk", d / "add.vk")
    _one_line_error(code, out, err, "another model", "--force")
    assert (d / "add.vk").read_bytes() == before and not (d / "p_vk.tpp").exists()


def test_compile_writes_all_three_files_or_none_on_a_full_disk(d, capsys, monkeypatch):
    before = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, out, err = _cli(capsys, "compile", d / "conv.onnx", "-c", d / "calib.npy", "-o",
                          d / "full.tpm")
    _one_line_error(code, out, err, "No space left on device", "nothing was written", status=3)
    after = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    assert after == before  # no partial file, no temporary left behind


def test_prove_several_inputs_from_npz_and_ezkl_json(d):
    a, b = RNG.uniform(-1, 1, (2, 3)), RNG.uniform(-1, 1, (2, 3))
    np.savez(d / "in2.npz", x0=a, x1=b)
    (d / "in2.json").write_text(json.dumps({"input_data": [a.ravel().tolist(),
                                                           b.ravel().tolist()]}))
    want = tp.prove(tp.load_pk(d / "add.tpk"), {"x0": a, "x1": b}).to_bytes()
    for f in ("in2.npz", "in2.json"):
        r = _run(d, "prove", "add.tpk", "-i", f, "-o", f + ".tpp")
        assert r.returncode == 0, r.stderr
        assert (d / (f + ".tpp")).read_bytes() == want
