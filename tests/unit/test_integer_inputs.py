"""Inputs of an integer or boolean ONNX type (token ids, indices, flags) are never clamped: a
value outside the compiled range is refused by prove (API and CLI) and makes verify --input
fail, since the proof cannot be of it (an adversarial review found 1000 proven as 127, with
verify --input agreeing because it clamped the same way). The flag is part of the key: it
round-trips through .tpm and .vk files and is bound by the model id; keys of float inputs keep
their bytes and model ids."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from onnx import TensorProto, helper

from tensorproof import api
from tensorproof.errors import InputMismatchError, InputRangeError, ProofFormatError
from tensorproof.verifier.keys import VerifyingKey, decode_vk_file, encode_vk_file
from tensorproof.verifier.verify import verify


def _model() -> bytes:
    vi = helper.make_tensor_value_info
    g = helper.make_graph(
        [helper.make_node("Equal", ["k", "c"], ["y"], name="eq"),
         helper.make_node("Relu", ["x"], ["z"], name="relu")], "g",
        [vi("k", TensorProto.INT64, ["N", 2]), vi("x", TensorProto.FLOAT, ["N", 2])],
        [vi("y", TensorProto.BOOL, None), vi("z", TensorProto.FLOAT, None)],
        [helper.make_tensor("c", TensorProto.INT64, [], [100])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=8).SerializeToString()


CALIB = {"k": np.array([[-50, 50], [3, 4]]), "x": np.array([[0.5, -1.0], [1.0, 0.25]])}


@pytest.fixture(scope="module")
def pk():
    return api.setup(api.compile(_model(), CALIB))


def test_only_the_integer_input_is_flagged(pk):
    flags = {q.name: q.integer for q in pk.vk.inputs}
    assert flags == {"k": True, "x": False}


def test_prove_refuses_an_out_of_range_integer_even_without_strict(pk):
    with pytest.raises(InputRangeError, match="integer input 'k'.*never clamped"):
        api.prove(pk, {"k": np.array([[1000, 3]]), "x": np.array([[0.5, 0.5]])})


def test_a_float_input_out_of_range_is_still_clamped_with_a_warning(pk):
    with pytest.warns(UserWarning, match="clamped"):
        proof = api.prove(pk, {"k": np.array([[100, 3]]), "x": np.array([[50.0, 0.5]])})
    assert api.verify(pk.vk, proof).values["y"].tolist() == [[1.0, 0.0]]


def test_verify_input_refuses_an_integer_the_model_cannot_take(pk):
    proof = api.prove(pk, {"k": np.array([[127, 3]]), "x": np.array([[0.5, 0.5]])})
    api.verify(pk.vk, proof, inputs={"k": np.array([[127, 3]]), "x": np.array([[0.5, 0.5]])})
    with pytest.raises(InputMismatchError, match="outside the model's range"):
        api.verify(pk.vk, proof, inputs={"k": np.array([[1000, 3]]),
                                          "x": np.array([[0.5, 0.5]])})


def test_the_flag_round_trips_and_is_bound_by_the_model_id(pk, tmp_path):
    api.save_model(pk.model, tmp_path / "m.tpm")
    assert [q.integer for q in api.load_model(tmp_path / "m.tpm").inputs] == [True, False]
    blob = pk.vk.to_bytes()
    vk = VerifyingKey.from_bytes(blob)
    assert [q.integer for q in vk.inputs] == [True, False] and vk.model_id == pk.vk.model_id
    key, cert = decode_vk_file(blob)
    doc = json.loads(key)
    (k_quant,) = [q for q in doc["inputs"] if q["name"] == "k"]
    (x_quant,) = [q for q in doc["inputs"] if q["name"] == "x"]
    assert k_quant["integer"] is True and "integer" not in x_quant  # float keys unchanged
    del k_quant["integer"]  # an attacker drops the flag to have 1000 clamped again
    edited = VerifyingKey.from_bytes(encode_vk_file(json.dumps(doc).encode(), cert),
                                     check_certificate=False)
    assert edited.model_id != pk.vk.model_id
    proof = api.prove(pk, {"k": np.array([[100, 3]]), "x": np.array([[0.5, 0.5]])})
    with pytest.raises(Exception, match="another model"):
        verify(edited, proof)
    k_quant["integer"] = False  # only true is a canonical flag
    with pytest.raises(ProofFormatError, match="integer flag"):
        VerifyingKey.from_bytes(encode_vk_file(json.dumps(doc).encode(), cert),
                                check_certificate=False)


def test_cli_prove_refuses_it_in_one_line(pk, tmp_path):
    api.save_pk(pk, tmp_path / "m.tpk")
    np.savez(tmp_path / "x.npz", k=np.array([[1000, 3]]), x=np.array([[0.5, 0.5]]))
    r = subprocess.run([sys.executable, "-m", "tensorproof.cli", "prove", str(tmp_path / "m.tpk"),
                        "-i", str(tmp_path / "x.npz"), "-o", str(tmp_path / "p.tpp")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "never clamped" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.tpp").exists()
