"""The CLI path a user takes: compile → prove → verify, with clear one-line rejections."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tensorproof.api.demo import bundled
from tensorproof.cli import _register, app


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    onnx_bytes, data = bundled()
    (d / "cnn.onnx").write_bytes(onnx_bytes)
    np.save(d / "calib.npy", data["calibration"])
    np.save(d / "x.npy", data["test"][:3])
    _register()
    return d


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_compile_prove_verify(workdir):
    d = workdir
    r = _run("compile", d / "cnn.onnx", "-c", d / "calib.npy", "--no-layers")
    assert r.exit_code == 0, r.output
    assert all((d / f"cnn.{ext}").exists() for ext in ("tpm", "tpk", "vk"))
    r = _run("prove", d / "cnn.tpk", "-i", d / "x.npy", "-o", d / "p.tpp")
    assert r.exit_code == 0, r.output
    r = _run("verify", d / "cnn.vk", d / "p.tpp")
    assert r.exit_code == 0, r.output
    assert "verified" in r.output and "argmax" in r.output


def test_prove_from_the_model_file_commits_again_and_gives_the_same_proof(workdir):
    d = workdir
    if not (d / "p.tpp").exists():
        test_compile_prove_verify(d)
    r = _run("prove", d / "cnn.tpm", "-i", d / "x.npy", "-o", d / "p2.tpp")
    assert r.exit_code == 0, r.output
    assert (d / "p2.tpp").read_bytes() == (d / "p.tpp").read_bytes()


def test_prove_rejects_a_corrupted_proving_key_in_one_line(workdir):
    import subprocess
    import sys

    d = workdir
    if not (d / "cnn.tpk").exists():
        test_compile_prove_verify(d)
    blob = bytearray((d / "cnn.tpk").read_bytes())
    blob[len(blob) // 2] ^= 1
    (d / "bad.tpk").write_bytes(bytes(blob))
    out = subprocess.run([sys.executable, "-m", "tensorproof.cli", "prove", str(d / "bad.tpk"),
                          "-i", str(d / "x.npy"), "-o", str(d / "never.tpp")],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "bad.tpk" in out.stderr and "checksum" in out.stderr, out.stderr
    assert not (d / "never.tpp").exists()


def test_tampered_proof_exits_nonzero_with_one_line(workdir):
    d = workdir
    if not (d / "p.tpp").exists():
        test_compile_prove_verify(d)
    blob = bytearray((d / "p.tpp").read_bytes())
    blob[-40] ^= 1
    (d / "bad.tpp").write_bytes(bytes(blob))
    r = CliRunner().invoke(app, ["verify", str(d / "cnn.vk"), str(d / "bad.tpp")])
    assert r.exit_code != 0
    assert "Traceback" not in r.output


def test_truncated_proof_and_wrong_key_file_are_clear_errors(workdir):
    import subprocess
    import sys

    d = workdir
    if not (d / "p.tpp").exists():
        test_compile_prove_verify(d)
    (d / "trunc.tpp").write_bytes((d / "p.tpp").read_bytes()[:100])
    for args, code in ((["verify", d / "cnn.vk", d / "trunc.tpp"], 1),  # proof rejected
                       (["verify", d / "cnn.tpm", d / "p.tpp"], 2),  # bad input
                       (["verify", d / "missing.vk", d / "p.tpp"], 3)):  # file error
        out = subprocess.run([sys.executable, "-m", "tensorproof.cli", *map(str, args)],
                             capture_output=True, text=True)
        assert out.returncode == code, out.stderr
        assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr
