"""Issue 9, finding 3: the model id binds every field of the verifying key, and the key file is
checksummed. An attacker edits a key (the output scale, an ONNX name, a range, a table, the
configuration …) and, to get past the checksum, recomputes it: every such key either fails to
load or has another model id, so that the original proof no longer verifies against it. Every
case runs with the key of each proof profile (conftest.py)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from helpers_models import conv_pool_sigmoid_onnx
from protocol.step_harness import compiled, graph, node, spec
from tensorproof import api
from tensorproof.errors import ProofFormatError, TensorProofError, VerificationError
from tensorproof.ir.model import CompiledModel, OutputQuant
from tensorproof.prover.model import setup
from tensorproof.verifier.keys import VerifyingKey, decode_vk_file, encode_vk_file
from tensorproof.verifier.verify import verify

WEAK = {"ligero": {"queries": 20}, "whir": {"security": 80}}
"""Per commitment scheme: parameters below the required security level."""
HUGE = {"ligero": {"blowup": 1 << 20}, "whir": {"log_inv_rate": 40}}
"""Per commitment scheme: a code rate that would make the verifier's domains huge."""


@pytest.fixture(scope="module")
def signed(profile):
    rng = np.random.default_rng(4)
    model = conv_pool_sigmoid_onnx(rng)
    x = rng.normal(size=(16, 1, 6, 6))
    pk = api.setup(api.compile(model, x), profile)
    proof = api.prove(pk, x[:2])
    blob = pk.vk.to_bytes()
    return blob, proof


def _leaves(obj, path=()):
    """(path, value) of every leaf of a JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, (*path, i))
    else:
        yield path, obj


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 10 if value else 1.0
    if isinstance(value, str):
        return value + "A"
    return 0


def _edit(doc, path, value):
    doc = copy.deepcopy(doc)
    target = doc
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return doc


def _resealed(blob: bytes, doc) -> bytes:
    """The key file with another key JSON and a recomputed checksum (what an attacker can do)."""
    _, cert = decode_vk_file(blob)
    return encode_vk_file(json.dumps(doc).encode(), cert)


def _rejected(blob: bytes, proof, original: VerifyingKey) -> str:
    """How a changed key is stopped: 'load' (the key itself is refused) or 'model id' (it names
    another model: the proof is rejected, and so is the certificate, which is bound to the model
    id). Fails the test if the changed key keeps the model id."""
    try:
        vk = VerifyingKey.from_bytes(blob, check_certificate=False)
    except TensorProofError:
        return "load"
    if vk.model_id == original.model_id:
        pytest.fail("a changed verifying key kept the model id")
    with pytest.raises(VerificationError, match="another model"):
        verify(vk, proof)
    with pytest.raises(TensorProofError):
        VerifyingKey.from_bytes(blob)
    return "model id"


def test_editing_the_output_scale_changes_the_model_id(signed):
    """The finding itself: ×10 on the output scale used to keep the model id and the proof."""
    blob, proof = signed
    vk = VerifyingKey.from_bytes(blob)
    doc = json.loads(decode_vk_file(blob)[0])
    doc["outputs"][0]["scale"] *= 10
    assert _rejected(_resealed(blob, doc), proof, vk) == "model id"


def test_every_field_of_the_key_is_bound(signed):
    blob, proof = signed
    vk = VerifyingKey.from_bytes(blob)
    doc = json.loads(decode_vk_file(blob)[0])
    outcomes = {}
    for path, value in _leaves(doc):
        outcomes[path] = _rejected(_resealed(blob, _edit(doc, path, _changed(value))), proof, vk)
    assert len(outcomes) > 100
    assert set(outcomes.values()) <= {"load", "model id"}
    # fields the verifier reports from are bound by the model id itself (not only by a check)
    for path in [("outputs", 0, "scale"), ("outputs", 0, "onnx_name"), ("inputs", 0, "scale")]:
        assert outcomes[path] == "model id", path


def test_extra_fields_are_refused(signed):
    blob, proof = signed
    doc = json.loads(decode_vk_file(blob)[0])
    for where in (doc, doc["graph"], doc["graph"]["nodes"][0]):
        where["note"] = "ignored?"
        with pytest.raises(ProofFormatError):
            VerifyingKey.from_bytes(_resealed(blob, doc))
        del where["note"]


def test_flipped_byte_fails_the_checksum(signed):
    blob, _ = signed
    bad = bytearray(blob)
    bad[len(blob) // 2] ^= 0x10
    with pytest.raises(ProofFormatError, match="checksum"):
        VerifyingKey.from_bytes(bytes(bad))


def test_changed_certificate_is_rejected(signed):
    blob, _ = signed
    key_json, cert = decode_vk_file(blob)
    bad = bytearray(cert)
    bad[len(cert) // 3] ^= 1
    with pytest.raises(TensorProofError):
        VerifyingKey.from_bytes(encode_vk_file(key_json, bytes(bad)))
    with pytest.raises(ProofFormatError, match="certificate"):
        VerifyingKey.from_bytes(encode_vk_file(key_json, b""))


def test_weak_commitment_parameters_are_refused(signed):
    """A key author cannot lower the security level of the openings (Ligero: its query count;
    WHIR: its declared level, from which it derives its query counts)."""
    blob, _ = signed
    doc = json.loads(decode_vk_file(blob)[0])
    doc["config"].update(WEAK[doc["config"]["pcs"]])
    with pytest.raises(ProofFormatError, match="security"):
        VerifyingKey.from_bytes(_resealed(blob, doc))


def test_reported_values_come_from_the_bound_key(signed):
    blob, proof = signed
    vk = VerifyingKey.from_bytes(blob)
    out = api.verify(vk, proof)
    (q,) = vk.outputs
    assert np.array_equal(out.values[q.onnx_name], proof.outputs[q.name] * q.scale)


# ---- keys a model author crafts (found by an adversarial review) -----------------------------


def _crafted(blob: bytes, edit) -> bytes:
    doc = json.loads(decode_vk_file(blob)[0])
    edit(doc)
    return _resealed(blob, doc)


def _set(path, value):
    def edit(doc):
        target = doc
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
    return edit


@pytest.mark.parametrize("name, edit, match", [
    ("NaN attribute", _set(("graph", "nodes", 0, "attrs", "note"), float("nan")), "NaN"),
    ("infinite attribute", _set(("graph", "nodes", 1, "attrs", "note"), float("inf")),
     "Infinity"),
    ("huge code rate", lambda d: d["config"].update(HUGE[d["config"]["pcs"]]),
     "exceed|log_inv_rate"),
    ("negative output scale", _set(("outputs", 0, "scale"), -1.0), "scale"),
    ("zero input scale", _set(("inputs", 0, "scale"), 0.0), "scale"),
    ("input bits too narrow", _set(("inputs", 0, "bits"), 2), "bits"),
    ("input range narrower than the graph's", lambda d: d["inputs"][0].update(
        hi=d["inputs"][0]["hi"] - 1), "the range a consumer quantizes to"),
    ("an output listed twice", lambda d: d["graph"]["outputs"].append(d["graph"]["outputs"][0]),
     "twice"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_crafted_key_is_refused_with_one_line(signed, name, edit, match):
    blob, _ = signed
    with pytest.raises(ProofFormatError, match=match) as e:
        VerifyingKey.from_bytes(_crafted(blob, edit), check_certificate=False)
    assert "\n" not in str(e.value)


def test_two_outputs_reported_under_one_onnx_name_are_refused(config):
    """api.verify reports values by ONNX name: two outputs under one name would hide one."""
    specs = [spec("x", (4,), -20, 20), spec("g", (3,), -400, 400), spec("h", (3,), 0, 127)]
    nodes = [node("linear", ["x"], "g", {"W": np.eye(4, 3, dtype=np.int64), "b": [0, 0, 0]}),
             node("requant", ["g"], "h", {"mult": [16]}, shift=4, lo=0, hi=127, axis=-1)]
    model = compiled(graph(["x"], ["g", "h"], specs, nodes))
    outs = tuple(OutputQuant(q.name, "y", q.shape, q.scale) for q in model.outputs)
    pk = setup(CompiledModel(model.graph, model.inputs, outs), dict(config))
    with pytest.raises(ProofFormatError, match="one ONNX name"):
        VerifyingKey.from_bytes(pk.vk.to_bytes())
    good = setup(model, dict(config))
    assert len(VerifyingKey.from_bytes(good.vk.to_bytes()).outputs) == 2
