"""Private inputs and outputs from the CLI and the API (ir/visibility.py): compile with
--input-visibility / --output-visibility, prove, verify; what the statement reveals is shown,
the model id changes with the choice, and the proof carries no private tensor. Zero knowledge
(compile --zero-knowledge, setup's zero_knowledge): the key says so, the model id binds it,
the combinations that do not hide yet are refused before any work, in one line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from tensorproof import api
from tensorproof.api.demo import bundled
from tensorproof.cli import _register, app
from tensorproof.errors import (
    ConfigError,
    InputError,
    ProverError,
    UnsupportedOpError,
    VerificationError,
)
from tensorproof.ir.visibility import HIDDEN_NOTE, NOT_HIDDEN_NOTE, WEIGHTS_HIDDEN_NOTE
from tensorproof.prover.model import setup
from tensorproof.solidity.circuit import encode_circuit


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("vis")
    onnx_bytes, data = bundled()
    (d / "cnn.onnx").write_bytes(onnx_bytes)
    np.save(d / "calib.npy", data["calibration"][:64])
    np.save(d / "x.npy", data["test"][:2])
    _register()
    return d


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def _compile(d, name, *flags):
    (d / f"{name}.onnx").write_bytes((d / "cnn.onnx").read_bytes())
    r = _run("compile", d / f"{name}.onnx", "-c", d / "calib.npy", "--no-layers", "--json",
             *flags)
    assert r.exit_code == 0, r.output
    return json.loads(r.output[r.output.index("{"):])


def test_private_input_from_the_cli(workdir):
    d = workdir
    public = _compile(d, "pub")
    private = _compile(d, "priv", "--input-visibility", "private")
    assert public["visibility"] == {"input": "public", "logits#1": "public"}
    assert private["visibility"] == {"input": "private", "logits#1": "public"}
    assert private["zero_knowledge"] is False
    assert private["model_id"] != public["model_id"]
    r = _run("prove", d / "priv.tpk", "-i", d / "x.npy", "-o", d / "priv.tpp")
    assert r.exit_code == 0, r.output
    r = _run("verify", d / "priv.vk", d / "priv.tpp")
    assert r.exit_code == 0, r.output
    assert "input (private)" in r.output and NOT_HIDDEN_NOTE in r.output
    assert "argmax" in r.output and "of the public inputs" in r.output
    r = _run("verify", d / "priv.vk", d / "priv.tpp", "--json")
    out = json.loads(r.output)
    assert out["verified"] and out["visibility"]["input"] == "private"
    proof = api.load_proof(d / "priv.tpp")
    assert proof.inputs == {} and list(proof.outputs) == ["logits#1"]
    # a proof of the public key is rejected by the private one, and the other way round
    r = _run("prove", d / "pub.tpk", "-i", d / "x.npy", "-o", d / "pub.tpp")
    assert r.exit_code == 0, r.output
    for vk, p in (("priv.vk", "pub.tpp"), ("pub.vk", "priv.tpp")):
        r = _run("verify", d / vk, d / p)
        assert r.exit_code == 1 and "rejected" in r.output


def test_private_output_and_bad_choices_from_the_cli(workdir):
    d = workdir
    out = _compile(d, "po", "--output-visibility", "logits#1=private")
    assert out["visibility"]["logits#1"] == "private"
    r = _run("prove", d / "po.tpk", "-i", d / "x.npy", "-o", d / "po.tpp")
    assert r.exit_code == 0, r.output
    r = _run("verify", d / "po.vk", d / "po.tpp")
    assert r.exit_code == 0 and "not in the statement (committed in the proof)" in r.output
    for flag, value in (("--input-visibility", "hash"), ("--output-visibility", "y=private"),
                        ("--input-visibility", "secret")):
        (d / "bad.onnx").write_bytes((d / "cnn.onnx").read_bytes())
        out = subprocess.run([sys.executable, "-m", "tensorproof.cli", "compile",
                              str(d / "bad.onnx"), "-c", str(d / "calib.npy"), flag, value],
                             capture_output=True, text=True)
        assert out.returncode != 0 and "Traceback" not in out.stderr
        assert "visibility" in out.stderr and len(out.stderr.strip().splitlines()) == 1, \
            out.stderr
        assert not (d / "bad.tpm").exists()


def test_hashed_input_from_the_cli(workdir):
    d = workdir
    out = _compile(d, "hx", "--input-visibility", "hashed", "--profile", "compact")
    assert out["visibility"]["input"] == "hashed"
    r = _run("prove", d / "hx.tpk", "-i", d / "x.npy", "-o", d / "hx.tpp", "--json")
    assert r.exit_code == 0, r.output
    proved = json.loads(r.output[r.output.index("{"):])
    r = _run("verify", d / "hx.vk", d / "hx.tpp", "--json")
    verified = json.loads(r.output)
    pk = api.load_pk(d / "hx.tpk")
    want = api.sample_digests(api.quantize_inputs(pk, np.load(d / "x.npy")).ints["input"])
    assert verified["verified"] and verified["digests"] == {"input": want}
    assert proved["digests"] == {"input": want}
    r = _run("verify", d / "hx.vk", d / "hx.tpp")
    assert r.exit_code == 0 and f"keccak256(input[1]) = {want[1]}" in r.output, r.output
    assert "input (hashed)" in r.output
    res = api.verify(pk.vk, api.load_proof(d / "hx.tpp"))
    assert res.digests == {"input": want} and res.inputs == {}
    # verify --input compares a hashed input by its digests
    r = _run("verify", d / "hx.vk", d / "hx.tpp", "--input", d / "x.npy")
    assert r.exit_code == 0 and "quantization of" in r.output, r.output
    other = np.load(d / "x.npy").copy()
    other[1, 0, 3, 3] += 0.5
    np.save(d / "other.npy", other)
    r = _run("verify", d / "hx.vk", d / "hx.tpp", "--input", d / "other.npy")
    assert r.exit_code == 1 and "sample 1 hashes to" in r.output, r.output


def test_private_input_from_the_api(workdir):
    d = workdir
    x = np.load(d / "x.npy")
    cm = api.compile(d / "cnn.onnx", np.load(d / "calib.npy"), input_visibility="private")
    for profile in ("fast", "compact"):
        pk = api.setup(cm, profile)
        proof = api.prove(pk, x)
        api.save_proof(proof, d / f"api-{profile}.tpp")
        res = api.verify(pk.vk, api.load_proof(d / f"api-{profile}.tpp"))
        assert res.private == ("input",) and res.inputs == {}
        assert res.ints["logits#1"].shape == (2, 10)
        with pytest.raises(InputError, match="private"):
            api.verify(pk.vk, proof, inputs=x)
    with pytest.raises(UnsupportedOpError, match="private"):
        encode_circuit(pk.vk, 1)  # the EVM verifier checks all-public models only


def test_zero_knowledge_from_the_cli(workdir):
    d = workdir
    private = _compile(d, "priv", "--input-visibility", "private")
    zk = _compile(d, "zk", "--input-visibility", "private", "--zero-knowledge")
    assert zk["zero_knowledge"] is True and zk["visibility"]["input"] == "private"
    assert zk["model_id"] != private["model_id"]
    assert api.load_vk(d / "zk.vk").zero_knowledge
    r = _run("prove", d / "zk.tpk", "-i", d / "x.npy", "-o", d / "zk.tpp", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output[r.output.index("{"):])["zero_knowledge"] is True
    r = _run("verify", d / "zk.vk", d / "zk.tpp")
    assert r.exit_code == 0 and HIDDEN_NOTE in r.output.replace("\n", " "), r.output
    assert NOT_HIDDEN_NOTE not in r.output
    r = _run("prove", d / "priv.tpk", "-i", d / "x.npy", "-o", d / "priv.tpp")
    assert r.exit_code == 0, r.output
    for vk, p in (("priv.vk", "zk.tpp"), ("zk.vk", "priv.tpp")):
        r = _run("verify", d / vk, d / p)
        assert r.exit_code == 1 and "rejected" in r.output


@pytest.mark.parametrize("flags, says", [
    ((), "no private input to hide"),
    (("--output-visibility", "private"), "no private input to hide"),
])
def test_zero_knowledge_that_cannot_hide_is_refused_before_any_work(workdir, flags, says):
    d = workdir
    (d / "nozk.onnx").write_bytes((d / "cnn.onnx").read_bytes())
    out = subprocess.run([sys.executable, "-m", "tensorproof.cli", "compile",
                          str(d / "nozk.onnx"), "-c", str(d / "calib.npy"), "--zero-knowledge",
                          *flags], capture_output=True, text=True)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert says in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not (d / "nozk.tpm").exists() and not (d / "nozk.vk").exists()


def test_zero_knowledge_from_the_api(workdir):
    d = workdir
    x = np.load(d / "x.npy")
    onnx, calib = d / "cnn.onnx", np.load(d / "calib.npy")
    cm = api.compile(onnx, calib, input_visibility="private", output_visibility="private")
    pk = api.setup(cm, zero_knowledge=True)
    plain = api.setup(cm)
    assert pk.vk.zero_knowledge and pk.vk.masked and not plain.vk.zero_knowledge
    assert pk.vk.model_id != plain.vk.model_id
    proof = api.prove(pk, x)
    res = api.verify(pk.vk, proof)
    assert res.private == ("input", "logits#1") and res.ints == {}
    with pytest.raises(VerificationError):
        api.verify(plain.vk, proof)
    for outputs in (None, "private"):  # nothing private, or a function of the weights only
        with pytest.raises(ConfigError, match="no private input to hide"):
            api.setup(api.compile(onnx, calib, output_visibility=outputs),
                      zero_knowledge=True)
    # a key made outside setup's checks (masked, a scheme with no hiding opening) does not
    # claim to hide
    masked = setup(cm, {"k": 2, "pcs": "raw", "zk": True}, certify=False).vk
    assert masked.masked and not masked.zero_knowledge
    with pytest.raises(ConfigError, match="no hiding opening"):
        api.setup(cm, zero_knowledge=True, pcs="raw")
    k3 = api.setup(cm, k=3, zero_knowledge=True)  # the fast profile's scheme over F_p^3
    assert k3.vk.zero_knowledge and api.verify(k3.vk, api.prove(k3, x)).private
    compact = api.setup(cm, "compact", zero_knowledge=True)  # whir-zk
    assert compact.vk.zero_knowledge and compact.vk.model_id != pk.vk.model_id
    res = api.verify(compact.vk, api.prove(compact, x))
    assert res.private == ("input", "logits#1") and res.ints == {}
    with pytest.raises(UnsupportedOpError):
        encode_circuit(pk.vk, 1)


def test_zero_knowledge_demo(workdir):
    r = _run("demo", "--zero-knowledge", "--batch", "2")
    assert r.exit_code == 0, r.output
    assert "reveals the predictions, not the digits" in r.output and "proof verified" in r.output
    r = _run("demo", "--zero-knowledge", "--profile", "compact")
    assert r.exit_code == 0, r.output
    assert "reveals the predictions, not the digits" in r.output and "proof verified" in r.output


def test_private_weights_from_the_cli(workdir):
    """compile --weights private --proof-budget 2: the key says so, every proof from the .tpk
    spends a block there, a third is refused in one line with no proof written; verify shows
    the weights private."""
    d = workdir
    public = _compile(d, "pubw")
    pw = _compile(d, "pw", "--weights", "private", "--proof-budget", "2")
    assert pw["weights"] == "private" and pw["proof_budget"] == 2 and pw["zero_knowledge"]
    assert public["weights"] == "public" and pw["model_id"] != public["model_id"]
    assert api.load_vk(d / "pw.vk").proof_budget == 2
    for j in range(2):
        r = _run("prove", d / "pw.tpk", "-i", d / "x.npy", "-o", d / f"pw{j}.tpp")
        assert r.exit_code == 0, r.output
        r = _run("verify", d / "pw.vk", d / f"pw{j}.tpp")
        assert r.exit_code == 0 and "weights: private" in r.output, r.output
        assert WEIGHTS_HIDDEN_NOTE in r.output.replace("\n", " ")
    out = subprocess.run([sys.executable, "-m", "tensorproof.cli", "prove", str(d / "pw.tpk"),
                          "-i", str(d / "x.npy"), "-o", str(d / "pw2.tpp")],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "budget of 2" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not (d / "pw2.tpp").exists()


def test_private_weights_in_the_compact_profile_from_the_cli(workdir):
    """The compact profile (whir-zk): one proof of a budget of 1 verifies, hiding the weights;
    the next is refused in one line."""
    d = workdir
    pw = _compile(d, "cpw", "--weights", "private", "--proof-budget", "1", "--profile",
                  "compact")
    assert pw["weights"] == "private" and pw["zero_knowledge"]
    r = _run("prove", d / "cpw.tpk", "-i", d / "x.npy", "-o", d / "cpw0.tpp")
    assert r.exit_code == 0, r.output
    r = _run("verify", d / "cpw.vk", d / "cpw0.tpp")
    assert r.exit_code == 0 and "weights: private" in r.output, r.output
    with pytest.raises(ProverError, match="budget of 1"):  # the CLI's one line: the test above
        _run("prove", d / "cpw.tpk", "-i", d / "x.npy", "-o", d / "cpw1.tpp")
    assert not (d / "cpw1.tpp").exists()


@pytest.mark.parametrize("flags, says", [
    (("--proof-budget", "64"), "64"),
    (("--proof-budget", "0"), "0"),
])
def test_private_weights_that_cannot_hide_are_refused_before_any_work(workdir, flags, says):
    d = workdir
    (d / "nopw.onnx").write_bytes((d / "cnn.onnx").read_bytes())
    out = subprocess.run([sys.executable, "-m", "tensorproof.cli", "compile",
                          str(d / "nopw.onnx"), "-c", str(d / "calib.npy"), "--weights",
                          "private", *flags], capture_output=True, text=True)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert says in out.stderr, out.stderr
    assert not (d / "nopw.tpm").exists() and not (d / "nopw.vk").exists()
