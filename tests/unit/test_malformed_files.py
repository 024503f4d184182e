"""Named regressions of issue 9, finding 5: a malformed file gives a typed one-line error.

Proofs (batch 0, dimensions whose product wraps int64, 2^32-1 counts and ranks), verifying keys
(JSON that raised AttributeError, IndexError, RecursionError or KeyError), model and proving-key
files, input files (.npy of strings or objects, JSON ``[]``, JSON without input_data, nesting
bombs), and the CLI, which prints one line and exits 1 instead of a traceback.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import click
import numpy as np
import pytest
from click.testing import CliRunner

import fuzzing
import tensorproof.api as tp
from tensorproof.cli import main
from tensorproof.errors import InputFileError, KeyFileError, ModelFileError, ProofFormatError
from tensorproof.frontend.inputs import load_inputs, load_samples
from tensorproof.ir.modelfile import model_bytes, parse_model
from tensorproof.prover.keyfile import parse_pk, pk_bytes
from tensorproof.verifier.proof import Proof, _tensor_bytes

BOMB = "[" * 100_000 + "]" * 100_000


def _proof_bytes(batch: int = 2) -> bytes:
    x = np.arange(3 * batch).reshape(batch, 3)
    return Proof(2, batch, bytes(32), {"x": x}, {"y": np.zeros((batch, 1), np.int64)},
                 b"\x01\x02").to_bytes()


def _set(blob: bytes, field: str, value: int, width: int | None = None) -> bytes:
    f = {f.name: f for f in fuzzing._proof_fields(blob)}[field]
    return fuzzing._write_int(blob, f.offset, width or f.size, f.order, value)


# --- proofs --------------------------------------------------------------------------------

def test_proof_round_trips():
    blob = _proof_bytes()
    assert Proof.from_bytes(blob).to_bytes() == blob


def test_proof_with_batch_zero():
    with pytest.raises(ProofFormatError, match="batch size 0"):
        Proof.from_bytes(_set(_proof_bytes(), "batch", 0))
    with pytest.raises(ProofFormatError, match="batch size 0"):
        Proof.from_bytes(Proof(2, 0, bytes(32), {}, {}, b"").to_bytes())


def test_proof_dims_whose_product_wraps_int64():
    """4 dims of 2^16: np.prod in int64 wraps to 0 (the old parser then read no values and
    reshape raised ValueError); the product is now a Python int checked against the bytes."""
    assert int(np.prod([2**16] * 4, dtype=np.int64)) == 0
    head = b"TPPF" + struct.pack(">HBI", 1, 2, 2**16) + bytes(32)
    tensor = struct.pack(">H", 1) + b"x" + struct.pack(">B4I", 4, *[2**16] * 4)
    blob = head + struct.pack(">H", 1) + tensor + struct.pack(">HQ", 0, 0)
    with pytest.raises(ProofFormatError, match="needs 147573952589676412928 bytes"):
        Proof.from_bytes(blob)


def test_proof_with_an_empty_axis_beside_huge_dims():
    """Found by a 10^6-mutation run of scripts/fuzz_formats.py: a zero dim makes the product 0
    (no bytes needed), and numpy then could not reshape to dims whose product overflows."""
    head = b"TPPF" + struct.pack(">HBI", 1, 2, 2) + bytes(32)
    tensor = struct.pack(">H", 1) + b"x" + struct.pack(">B5I", 5, 2, 12, 2**32 - 1, 0, 3)
    blob = head + struct.pack(">H", 1) + tensor + struct.pack(">HQ", 0, 0)
    with pytest.raises(ProofFormatError, match="empty axis"):
        Proof.from_bytes(blob)


@pytest.mark.parametrize("field", ["number of inputs", "number of outputs", "inputs[0] rank",
                                   "inputs[0] name length", "inputs[0] dim 1", "stream length"])
@pytest.mark.parametrize("value,width", [(2**32 - 1, 4), (2**32 - 1, None), (2**64 - 1, 8),
                                         (2**63, 8), (2**31, 4)])
def test_proof_count_rank_and_length_fields_at_huge_values(field, value, width):
    blob = _proof_bytes()
    with pytest.raises(ProofFormatError):
        Proof.from_bytes(_set(blob, field, value, width))


def test_proof_structure_rules():
    blob = _proof_bytes()
    with pytest.raises(ProofFormatError, match="rank 0"):
        Proof.from_bytes(_set(blob, "inputs[0] rank", 0))
    with pytest.raises(ProofFormatError, match="samples, the batch is 2"):
        Proof.from_bytes(_set(blob, "inputs[0] dim 0", 1))
    with pytest.raises(ProofFormatError, match="field degree"):
        Proof.from_bytes(_set(blob, "field degree", 5))
    with pytest.raises(ProofFormatError, match="trailing"):
        Proof.from_bytes(blob + b"\0")
    x = _tensor_bytes("x", np.zeros((1, 1)))
    twice = b"TPPF" + struct.pack(">HBI", 1, 2, 1) + bytes(32) + struct.pack(">H", 2) + x * 2 \
        + struct.pack(">HQ", 0, 0)
    with pytest.raises(ProofFormatError, match="appears twice"):
        Proof.from_bytes(twice)


# --- verifying keys (verifier/keys.py: through its public API only) -------------------------

@pytest.fixture(scope="module")
def rich():
    model, x = fuzzing.rich_model()
    return model, tp.setup(model), x


def _vk_with_json(vk_blob: bytes, edit) -> bytes:
    """The key file with its key JSON edited (``edit(obj) -> obj`` or raw bytes), re-framed."""
    r = next(r for r in fuzzing.regions("vk", vk_blob) if r.kind == "json"
             and r.path in ("json", "key"))
    new = edit(json.loads(r.data))
    return r.put(new if isinstance(new, bytes) else json.dumps(new).encode())


def _node0(key: dict, field: str, value) -> dict:
    key["graph"]["nodes"][0][field] = value
    return key


VK_CASES = {
    "AttributeError: public is an int": lambda k: _node0(k, "public", 1),
    "AttributeError: const_shapes is a list": lambda k: _node0(k, "const_shapes", []),
    "AttributeError: attrs is a list": lambda k: _node0(k, "attrs", [1]),
    "IndexError: a tensor is []": lambda k: {**k, "graph": {**k["graph"], "tensors": [[]]}},
    "IndexError: a tensor is 'A'": lambda k: {**k, "graph": {**k["graph"], "tensors": ["A"]}},
    "RecursionError: the key is a nesting bomb": lambda k: BOMB.encode(),
    "RecursionError: attrs is a nesting bomb": lambda k: json.dumps(
        _node0(k, "attrs", "@")).replace('"@"', BOMB).encode(),
    "KeyError: no nodes": lambda k: {**k, "graph": {"inputs": [], "outputs": []}},
    "KeyError: no commitment": lambda k: {x: v for x, v in k.items() if x != "commitment"},
}


def test_reframed_verifying_key_json_parses(rich):
    """The cases below edit a key that parses when left unchanged."""
    vk = tp.VerifyingKey.from_bytes(_vk_with_json(rich[1].vk.to_bytes(), lambda k: k))
    assert vk.model_id == rich[1].vk.model_id


@pytest.mark.parametrize("case", list(VK_CASES))
def test_malformed_verifying_key_json(rich, case):
    blob = _vk_with_json(rich[1].vk.to_bytes(), VK_CASES[case])
    with fuzzing.limits():
        assert fuzzing.check(tp.VerifyingKey.from_bytes, blob) == ("rejected", None)
    with pytest.raises(ProofFormatError):
        tp.VerifyingKey.from_bytes(blob)


# --- model files and proving keys --------------------------------------------------------

def _tpm_with_header(blob: bytes, edit) -> bytes:
    r = next(r for r in fuzzing.regions("tpm", blob) if r.path == "header")
    return r.put(fuzzing.json_bytes(edit(json.loads(r.data))))


@pytest.mark.parametrize("edit", [
    lambda h: fuzzing._BOMB,
    lambda h: {**h, "arrays": [{**h["arrays"][0], "shape": [10**40]}]},
    lambda h: {**h, "arrays": [{**h["arrays"][0], "shape": [2**32, 2**32]}]},
    lambda h: {**h, "arrays": [{**h["arrays"][0], "dtype": "|O"}]},
    lambda h: {**h, "graph": {**h["graph"], "tensors": [["x", [2**62, 2**62], 0, 1, 1.0]]}},
    lambda h: {**h, "graph": {**h["graph"], "nodes": [[]]}},
    lambda h: {**h, "graph": {**h["graph"], "inputs": "x"}},
    lambda h: {**h, "graph": [1]},
    lambda h: [],
], ids=["bomb", "shape 10^40", "shape 2^64", "object dtype", "tensor 2^124", "node []",
        "inputs str", "graph list", "header list"])
def test_malformed_model_header(rich, edit):
    blob = _tpm_with_header(model_bytes(rich[0]), edit)
    with pytest.raises(ModelFileError):
        parse_model(blob)


@pytest.mark.parametrize("shift", [2**31, 2**32 - 1, 2**63])
def test_model_with_a_huge_requant_shift_is_rejected_without_allocating(rich, shift):
    """Finding of the fuzzer: ir.ranges computes 1 << shift (GiBs) before any bound check."""
    def edit(h):
        n = next(n for n in h["graph"]["nodes"] if n["op"] == "requant")
        n["attrs"]["shift"] = shift
        return h

    blob = _tpm_with_header(model_bytes(rich[0]), edit)
    with fuzzing.limits():
        assert fuzzing.check(parse_model, blob, seconds=5) == ("rejected", None)


def test_malformed_proving_key(rich):
    blob = pk_bytes(rich[1])
    header = next(r for r in fuzzing.regions("tpk", blob) if r.path == "header")
    h = json.loads(header.data)
    for bad in ([], {**h, "model_nbytes": 2**64}, {**h, "body_nbytes": "x"},
                {**h, "arrays": [{"name": "a", "dtype": "|O", "shape": [1], "offset": 0}]},
                {**h, "arrays": [{"name": "a", "dtype": "<u8", "shape": [2**40, 2**40],
                                  "offset": h["model_nbytes"] + h["vk_nbytes"] + 8}]},
                {**h, "arrays": [{}] * 100}):
        with pytest.raises(KeyFileError):
            parse_pk(header.put(json.dumps(bad).encode()))
    with pytest.raises(KeyFileError):
        parse_pk(header.put(BOMB.encode()))


# --- input files -----------------------------------------------------------------------------

def _npy(tmp_path, a, name="x.npy", allow_pickle=False):
    path = tmp_path / name
    np.save(path, a, allow_pickle=allow_pickle)
    return path


def test_npy_of_strings_or_objects_is_refused_without_unpickling(tmp_path):
    for load in (load_inputs, load_samples):
        with pytest.raises(InputFileError, match="not numeric"):
            load(_npy(tmp_path, np.array(["1.5", "2"])))
        with pytest.raises(InputFileError, match="not numeric"):
            load(_npy(tmp_path, np.array([1, "a", None], dtype=object), allow_pickle=True))
        with pytest.raises(InputFileError, match="not numeric"):
            load(_npy(tmp_path, np.zeros(2, dtype=[("a", "<f8")])))


def _npy_header(shape, descr: str = "<f8") -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": descr, "fortran_order": False,
                                             "shape": shape})
    return f.getvalue()


def test_npy_whose_header_claims_more_data_than_the_file_holds(tmp_path):
    path = tmp_path / "x.npy"
    for shape in ((2**40,), (2**32, 2**32), (2**62, 2**62, 2**62), (-1,)):
        path.write_bytes(_npy_header(shape) + bytes(8))
        with fuzzing.limits():
            assert fuzzing.check(load_inputs, path) == ("rejected", None)
        with pytest.raises(InputFileError):
            load_samples(path)
    path.write_bytes(_npy(tmp_path, np.zeros(4)).read_bytes()[:-1])
    with pytest.raises(InputFileError, match="needs 32 data bytes"):
        load_inputs(path)
    path.write_bytes(b"not an npy file at all")
    with pytest.raises(InputFileError, match="not a .npy"):
        load_inputs(path)


@pytest.mark.parametrize("text,match", [
    ("[]", "no values"), ("{}", "input_data"), ('{"foo": [1, 2]}', "input_data"),
    ('{"input_data": []}', "no values"), (BOMB, "nested too deeply"), ('["a", "b"]', "numbers"),
    ("[1, null]", "numbers"), ("[[1, 2], [3]]", "rectangular"), ("[1, NaN]", "NaN"),
    ("[1e999]", "infinite"), ("\xff", "not valid JSON"), ("[1,", "not valid JSON"),
    ("null", "numbers"), ("[12345678901234567890123]", "numbers"),
])
def test_malformed_json_inputs(tmp_path, text, match):
    path = tmp_path / "x.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputFileError, match=match):
        load_inputs(path)


@pytest.mark.parametrize("text", ["[]", "{}", '{"input_data": []}', '{"input_data": 3}',
                                  BOMB, '[["a"]]', "[[1, 2], [null]]", "7"])
def test_malformed_json_samples(tmp_path, text):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(InputFileError):
        load_samples(path)


def test_malformed_npz_samples(tmp_path):
    path = tmp_path / "s.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFileError, match="not a valid .npz"):
        load_samples(path)
    np.savez(path, x=np.array([1, None], dtype=object))
    with pytest.raises(InputFileError, match="not numeric"):
        load_samples(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.npy", _npy_header((2**32, 2**32)) + bytes(8))
    path.write_bytes(buf.getvalue())
    with fuzzing.limits():
        assert fuzzing.check(load_samples, path) == ("rejected", None)
    with pytest.raises(InputFileError, match="unknown format"):
        load_samples(tmp_path / "s.csv")


def test_valid_inputs_and_samples_load(tmp_path):
    x = np.arange(12.0).reshape(2, 6)
    assert np.array_equal(load_inputs(_npy(tmp_path, x.astype(np.float32))), x)
    (tmp_path / "a.json").write_text(json.dumps({"input_data": [x.ravel().tolist()]}))
    assert np.array_equal(load_inputs(tmp_path / "a.json"), x.ravel())
    (tmp_path / "b.json").write_text(json.dumps(x.tolist()))
    assert np.array_equal(load_inputs(tmp_path / "b.json"), x)
    np.savez(tmp_path / "c.npz", a=x, b=x[:, :2])
    got = load_samples(tmp_path / "c.npz")
    assert set(got) == {"a", "b"} and np.array_equal(got["b"], x[:, :2])
    assert [len(v) for v in load_samples(tmp_path / "a.json")] == [12]
    (tmp_path / "d.json").write_text(json.dumps([[1.0, 2.0], [3.0]]))
    assert [v.tolist() for v in load_samples(tmp_path / "d.json")] == [[1.0, 2.0], [3.0]]
    assert np.array_equal(np.stack(load_samples(tmp_path / "b.json")), x)


# --- the command line --------------------------------------------------------------------

@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def _entry(argv):
    main(list(argv))


def _cli(*args, code: int = 2) -> str:
    """Run ``tensorproof *args`` through its entry point; assert that it failed with one line
    on stderr, exit status ``code`` (1: proof rejected, 2: bad input) and no traceback, and
    return that line."""
    r = CliRunner().invoke(_entry, [str(a) for a in args])
    assert isinstance(r.exception, SystemExit) and r.exit_code == code, (r.exception, r.output)
    lines = [s for s in r.stderr.splitlines() if s.strip()]
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    return lines[0]


@pytest.fixture(scope="module")
def files(rich, tmp_path_factory):
    model, pk, x = rich
    d = tmp_path_factory.mktemp("cli")
    tp.save_pk(pk, d / "m.tpk")
    tp.save_vk(pk.vk, d / "m.vk")
    (d / "batch0.tpp").write_bytes(_set(tp.prove(pk, x).to_bytes(), "batch", 0))
    (d / "bomb.vk").write_bytes(_vk_with_json(pk.vk.to_bytes(), lambda k: BOMB.encode()))
    np.save(d / "strings.npy", np.array(["a", "b"]))
    (d / "empty.json").write_text("[]")
    (d / "bomb.json").write_text(BOMB)
    (d / "bad.tpk").write_bytes(pk_bytes(pk)[:100])
    return d


def test_cli_verify_prints_one_line_on_malformed_files(files):
    assert "batch size 0" in _cli("verify", files / "m.vk", files / "batch0.tpp", code=1)
    assert "bomb.vk" in _cli("verify", files / "bomb.vk", files / "batch0.tpp")


def test_cli_prove_prints_one_line_on_malformed_files(files):
    out = files / "never.tpp"
    assert "not numeric" in _cli("prove", files / "m.tpk", "-i", files / "strings.npy", "-o", out)
    assert "no values" in _cli("prove", files / "m.tpk", "-i", files / "empty.json", "-o", out)
    assert "nested" in _cli("prove", files / "m.tpk", "-i", files / "bomb.json", "-o", out)
    assert "bad.tpk" in _cli("prove", files / "bad.tpk", "-i", files / "empty.json", "-o", out)
    assert not out.exists()


def test_cli_compile_prints_one_line_on_malformed_samples(files):
    assert "nested" in _cli("compile", files / "none.onnx", "-c", files / "bomb.json")
    assert "not numeric" in _cli("compile", files / "none.onnx", "-c", files / "strings.npy")


def test_cli_verify_on_mutated_proofs_is_one_line_or_verified(rich, files):
    """A sample of fuzzed proofs through `tensorproof verify`: each is verified (the bytes are
    the original's) or rejected with one line and status 1."""
    _, pk, x = rich
    proof = tp.prove(pk, x).to_bytes()
    for i, m in enumerate(fuzzing.mutations("proof", {"p": proof}, [], 40, seed=5)):
        path = files / f"m{i}.tpp"
        path.write_bytes(m.data)
        if m.data == proof:
            continue
        _cli("verify", files / "m.vk", path, code=1)
