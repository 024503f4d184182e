"""The proving key file (.tpk): a loaded key proves exactly what a fresh setup proves, and a
named corruption suite (each case must raise KeyFileError, never a trace, or, where the file
is documented as trusted prover data, yield proofs that the verifier rejects)."""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np
import pytest

import tensorproof.api as tp
from tensorproof.api.demo import bundled
from tensorproof.errors import KeyFileError, VerificationError
from tensorproof.prover.keyfile import MAGIC, VERSION

_PREFIX = struct.Struct("<8sIQ")


@pytest.fixture(scope="module")
def cnn():
    onnx_bytes, data = bundled()
    model = tp.compile(onnx_bytes, data["calibration"])
    return model, data["test"][:2]


@pytest.fixture(scope="module")
def saved(cnn, tmp_path_factory):
    model, x = cnn
    pk = tp.setup(model)
    path = tmp_path_factory.mktemp("pk") / "cnn.tpk"
    tp.save_pk(pk, path)
    return pk, path, x


def _split(blob: bytes):
    _, _, hlen = _PREFIX.unpack_from(blob)
    header = json.loads(blob[_PREFIX.size:_PREFIX.size + hlen])
    start = _PREFIX.size + hlen + (-(_PREFIX.size + hlen)) % 8
    return header, bytearray(blob[start:])


def _join(header: dict, body: bytes, fix_checksum: bool = True) -> bytes:
    header = dict(header)
    if fix_checksum:
        header["body_sha256"] = hashlib.sha256(body).hexdigest()
    head = json.dumps(header, separators=(",", ":")).encode()
    pad = b"\0" * ((-(_PREFIX.size + len(head))) % 8)
    return _PREFIX.pack(MAGIC, VERSION, len(head)) + head + pad + bytes(body)


def _array(header: dict, name: str) -> dict:
    return next(a for a in header["arrays"] if a["name"] == name)


def test_loaded_key_proves_the_same_proof_bytes(saved):
    pk, path, x = saved
    loaded = tp.load_pk(path)
    assert loaded.vk.to_bytes() == pk.vk.to_bytes()
    proof = tp.prove(loaded, x)
    assert proof.to_bytes() == tp.prove(pk, x).to_bytes()
    out = tp.verify(pk.vk, proof)
    assert set(out.ints) == {q.name for q in pk.vk.outputs}


def test_raw_pcs_key_round_trip(cnn, tmp_path):
    model, x = cnn
    pk = tp.setup(model, pcs="raw")
    tp.save_pk(pk, tmp_path / "raw.tpk")
    loaded = tp.load_pk(tmp_path / "raw.tpk")
    assert tp.prove(loaded, x).to_bytes() == tp.prove(pk, x).to_bytes()


def test_save_is_atomic_and_leaves_no_temporary_files(saved, tmp_path):
    pk, _, _ = saved
    import os

    tp.save_pk(pk, tmp_path / "k.tpk")
    assert [p.name for p in tmp_path.iterdir()] == ["k.tpk"]
    umask = os.umask(0)
    os.umask(umask)
    for save, name in ((tp.save_pk, "k.tpk"), (lambda k, p: tp.save_vk(k.vk, p), "k.vk")):
        save(pk, tmp_path / name)
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


@pytest.mark.parametrize("case", ["empty", "bad_magic", "version", "truncated", "trailing",
                                  "flipped_body_byte", "header_not_json", "array_outside"])
def test_malformed_file_is_a_clear_error(saved, tmp_path, case):
    _, path, _ = saved
    blob = path.read_bytes()
    header, body = _split(blob)
    bad = {
        "empty": lambda: b"",
        "bad_magic": lambda: b"NOTAKEY!" + blob[8:],
        "version": lambda: blob[:8] + struct.pack("<I", VERSION + 1) + blob[12:],
        "truncated": lambda: blob[:-100],
        "trailing": lambda: blob + b"\0" * 8,
        "flipped_body_byte": lambda: _join(header, body[:-9] + bytes([body[-9] ^ 1]) + body[-8:],
                                           fix_checksum=False),
        "header_not_json": lambda: blob[:_PREFIX.size] + b"x" + blob[_PREFIX.size + 1:],
        "array_outside": lambda: _join({**header, "arrays": [
            {**a, "offset": len(body)} if a["name"] == "encoded" else a
            for a in header["arrays"]]}, body),
    }[case]()
    p = tmp_path / "bad.tpk"
    p.write_bytes(bad)
    with pytest.raises(KeyFileError) as e:
        tp.load_pk(p)
    assert "bad.tpk" in str(e.value) and "\n" not in str(e.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(Exception) as e:
        tp.load_pk(tmp_path / "none.tpk")
    assert "none.tpk" in str(e.value) and "Traceback" not in str(e.value)


def test_inner_merkle_level_changed_consistently_with_checksum(saved, tmp_path):
    _, path, _ = saved
    header, body = _split(path.read_bytes())
    a = _array(header, "tree1")
    body[a["offset"]] ^= 1
    (tmp_path / "t.tpk").write_bytes(_join(header, body))
    with pytest.raises(KeyFileError, match="Merkle tree is inconsistent"):
        tp.load_pk(tmp_path / "t.tpk")


def test_whole_tree_rebuilt_over_changed_leaves_is_not_the_commitment(saved, tmp_path):
    from tensorproof.prover.merkle import MerkleTree
    from tensorproof.transcript.keccak_batch import keccak256_rows
    from tensorproof.verifier.merkle import NODE_PREFIX

    _, path, _ = saved
    header, body = _split(path.read_bytes())
    leaves = [a for a in header["arrays"] if a["name"].startswith("tree")]
    n0 = int(np.prod(_array(header, "tree0")["shape"])) // 32
    fake = np.frombuffer(bytes(range(256)) * (n0 * 32 // 256 + 1), np.uint8)[:n0 * 32]
    tree = MerkleTree.from_levels([fake.reshape(n0, 32)])
    while len(tree.levels[-1]) > 1:
        tree.levels.append(keccak256_rows(tree.levels[-1].reshape(-1, 64), NODE_PREFIX[0]))
    for a, lv in zip(leaves, tree.levels, strict=True):
        body[a["offset"]:a["offset"] + lv.nbytes] = lv.tobytes()
    (tmp_path / "t.tpk").write_bytes(_join(header, body))
    with pytest.raises(KeyFileError, match="Merkle root is not its commitment"):
        tp.load_pk(tmp_path / "t.tpk")


def _with_vk(header: dict, body: bytearray, vk_bytes: bytes) -> bytes:
    """The file with its verifying key replaced (array offsets recomputed, checksum fixed)."""
    m = header["model_nbytes"]
    arrays = [(a, bytes(body[a["offset"]:a["offset"] + int(np.prod(a["shape"]))
                              * np.dtype(a["dtype"]).itemsize])) for a in header["arrays"]]
    out = bytes(body[:m]) + vk_bytes
    out += b"\0" * ((-len(out)) % 8)
    new_arrays = []
    for a, raw in arrays:
        new_arrays.append({**a, "offset": len(out)})
        out += raw + b"\0" * ((-len(raw)) % 8)
    return _join({**header, "vk_nbytes": len(vk_bytes), "arrays": new_arrays,
                  "body_nbytes": len(out)}, out)


@pytest.mark.parametrize("change", ["output_scale", "commitment_root", "config"])
def test_verifying_key_that_is_not_the_models_is_rejected(saved, tmp_path, change):
    """The vk stored beside the model must be the one the model and the commitment give."""
    import dataclasses

    from tensorproof.verifier.keys import VerifyingKey

    pk, path, _ = saved
    vk = pk.vk
    other = {
        "output_scale": lambda: dataclasses.replace(vk, outputs=tuple(
            dataclasses.replace(q, scale=q.scale * 2) for q in vk.outputs)),
        "commitment_root": lambda: dataclasses.replace(
            vk, commitment=vk.commitment[:2] + bytes(32)),
        "config": lambda: dataclasses.replace(vk, config={**vk.config, "blowup": 8}),
    }[change]()
    assert isinstance(other, VerifyingKey) and other.to_bytes() != vk.to_bytes()
    header, body = _split(path.read_bytes())
    (tmp_path / "t.tpk").write_bytes(_with_vk(header, body, other.to_bytes()))
    with pytest.raises(KeyFileError):
        tp.load_pk(tmp_path / "t.tpk")
    (tmp_path / "same.tpk").write_bytes(_with_vk(header, body, vk.to_bytes()))
    assert tp.load_pk(tmp_path / "same.tpk").vk.model_id == vk.model_id  # the helper is sound


def test_changed_encoding_loads_but_its_proofs_are_rejected(saved, tmp_path):
    """The RS-encoded matrix is trusted prover data (after the checksum): changing it, even
    with a matching checksum, must only make the verifier reject the proofs made with it."""
    pk, path, x = saved
    header, body = _split(path.read_bytes())
    a = _array(header, "encoded")
    n = int(np.prod(a["shape"])) * 8
    enc = np.frombuffer(bytes(body[a["offset"]:a["offset"] + n]), np.uint64).copy()
    enc[:] = (enc + np.uint64(1)) % np.uint64(0xFFFFFFFF00000001)
    body[a["offset"]:a["offset"] + n] = enc.tobytes()
    (tmp_path / "t.tpk").write_bytes(_join(header, body))
    bad = tp.load_pk(tmp_path / "t.tpk")
    proof = tp.prove(bad, x)
    with pytest.raises(VerificationError):
        tp.verify(pk.vk, proof)
