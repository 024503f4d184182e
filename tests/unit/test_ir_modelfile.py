"""The .tpm compiled-model file: round trip, atomic save, and a named corruption suite (each
test corrupts one thing and expects a one-line ModelFileError, never another exception)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from helpers_models import train_digits_mlp
from tensorproof.errors import ModelFileError
from tensorproof.frontend import compile_onnx
from tensorproof.ir import load_model, parse_model, save_model
from tensorproof.ir.modelfile import MAGIC, model_bytes
from tensorproof.quant import execute


@pytest.fixture(scope="module")
def model():
    m = train_digits_mlp()
    return compile_onnx(m.onnx_bytes, m.x_calib[:200])


@pytest.fixture(scope="module")
def blob(model):
    return model_bytes(model)


def _header(blob: bytes) -> tuple[dict, int]:
    hlen = struct.unpack_from("<Q", blob, 12)[0]
    return json.loads(blob[20 : 20 + hlen]), hlen


def _with_header(blob: bytes, header: dict) -> bytes:
    _, hlen = _header(blob)
    start = 20 + hlen + (-(20 + hlen)) % 8
    head = json.dumps(header).encode()
    pad = (-(20 + len(head))) % 8
    return blob[:8] + struct.pack("<IQ", 1, len(head)) + head + b"\0" * pad + blob[start:]


def test_round_trip_preserves_graph_and_results(model, tmp_path):
    path = tmp_path / "m.tpm"
    save_model(model, path)
    back = load_model(path)
    assert back.graph.tensors == model.graph.tensors
    assert [n.op for n in back.graph.nodes] == [n.op for n in model.graph.nodes]
    assert back.inputs == model.inputs and back.outputs == model.outputs
    x = model.quantize_inputs(train_digits_mlp().x_test[:50])
    a, b = execute(model.graph, x), execute(back.graph, x)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert model_bytes(back) == model_bytes(model)


def test_save_is_atomic_and_leaves_no_temporary_file(model, tmp_path):
    path = tmp_path / "m.tpm"
    path.write_bytes(b"old")
    save_model(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.tpm"]
    assert path.read_bytes()[:8] == MAGIC


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "nope.tpm")


def test_bad_magic_rejected(blob):
    with pytest.raises(ModelFileError, match="magic"):
        parse_model(b"XXMODEL\0" + blob[8:])


def test_unknown_version_rejected(blob):
    with pytest.raises(ModelFileError, match="version 7"):
        parse_model(blob[:8] + struct.pack("<I", 7) + blob[12:])


@pytest.mark.parametrize("keep", [0, 5, 19, 40, -1, -8])
def test_truncated_file_rejected(blob, keep):
    with pytest.raises(ModelFileError):
        parse_model(blob[:keep] if keep >= 0 else blob[:keep])


def test_trailing_bytes_rejected(blob):
    with pytest.raises(ModelFileError, match="trailing"):
        parse_model(blob + b"\0" * 8)


def test_flipped_weight_byte_rejected_by_checksum(blob):
    bad = bytearray(blob)
    bad[-3] ^= 1
    with pytest.raises(ModelFileError, match="checksum"):
        parse_model(bytes(bad))


def test_header_length_past_the_end_rejected(blob):
    with pytest.raises(ModelFileError, match="truncated"):
        parse_model(blob[:12] + struct.pack("<Q", len(blob) * 2) + blob[20:])


def test_header_not_json_rejected(blob):
    _, hlen = _header(blob)
    bad = blob[:20] + b"{" * hlen + blob[20 + hlen :]
    with pytest.raises(ModelFileError, match="malformed"):
        parse_model(bad)


def test_header_missing_key_rejected(blob):
    header, _ = _header(blob)
    del header["graph"]["nodes"]
    with pytest.raises(ModelFileError, match="malformed"):
        parse_model(_with_header(blob, header))


def test_array_offset_out_of_bounds_rejected(blob):
    header, _ = _header(blob)
    header["arrays"][0]["offset"] = 10**9
    with pytest.raises(ModelFileError, match="outside the data"):
        parse_model(_with_header(blob, header))


def test_narrowed_range_rejected_as_invalid_graph(blob):
    header, _ = _header(blob)
    t = header["graph"]["tensors"][1]  # the first layer's accumulator
    t[3] = t[3] - 1
    with pytest.raises(ModelFileError, match="invalid graph"):
        parse_model(_with_header(blob, header))


def test_unknown_op_rejected_as_invalid_graph(blob):
    header, _ = _header(blob)
    header["graph"]["nodes"][0]["op"] = "teleport"
    with pytest.raises(ModelFileError, match="invalid graph"):
        parse_model(_with_header(blob, header))


def test_string_attribute_rejected(blob):
    header, _ = _header(blob)
    rq = next(n for n in header["graph"]["nodes"] if n["op"] == "requant")
    rq["attrs"]["shift"] = "16"
    with pytest.raises(ModelFileError):
        parse_model(_with_header(blob, header))
