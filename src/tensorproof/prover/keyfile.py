"""The proving key file (.tpk): the compiled model, its verifying key and the weight
commitment's prover data (its scheme's codec: prover/pcs/registry.py), so that a fresh process
proves without re-committing.

Layout (little-endian; docs/internals.md, "Key files"):

    magic "TPPKEY\\0\\0" | u32 version | u64 header length | header (JSON) | zero pad to 8 |
    body = model file bytes | vk bytes | zero pad to 8 | arrays (raw, each padded to 8)

The header lists the body's parts (byte offsets, dtypes, shapes) and the body's SHA-256, a
checksum against corruption. Loading re-derives what it can cheaply and checks the rest: the
verifying key must be the one the model and the stored commitment give; the committed vector
is rebuilt from the model's weights, never read; the scheme's codec checks its arrays against
the commitment (Ligero: the Merkle tree's inner levels hash to its root, the commitment's).
What a codec cannot check cheaply (Ligero's RS encoding and leaf hashes) is trusted after the
checksum: it is the prover's own data, and a wrong value there only makes the verifier reject
the proofs made with it (soundness does not depend on this file).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import threading
from pathlib import Path

import numpy as np

from ..errors import FieldError, KeyFileError, OutputPathError, ProverError, TensorProofError
from ..field.vec import check_canonical
from ..ir.model import CompiledModel
from ..ir.modelfile import check_body, frame, model_bytes, parse_model, unframe
from ..verifier.keys import VerifyingKey, strip_weights
from ..verifier.pcs.commitment import Commitment
from ..verifier.pcs.hiding import hiding_config
from ..verifier.pcs_config import commitment_extra
from ..verifier.plan import MODEL
from ..verifier.zk_weights import (
    FIRST_PROOF_BLOCK,
    MODEL_RANDOMIZER,
    model_params,
)
from .model import ProvingKey, key_graph
from .pcs.registry import prover_scheme

MAGIC = b"TPPKEY\x00\x00"
VERSION = 1
MAX_HEADER = 1 << 20
MAX_ARRAYS = 64
RANDOMIZER_ARRAY = "private weights randomizer"
COUNTER_ARRAY = "opened"
"""ligero-zk's count of the mask blocks used (private weights: raised in place before each
proof, outside the body's checksum: ``reserve_block``)."""
"""The array of MODEL_RANDOMIZER's entries (private weights: verifier/zk_weights.py)."""
_ARRAY_DTYPES = {np.dtype(t).str: np.dtype(t) for t in ("<u8", "u1")}
"""The dtypes of a key's arrays (Ligero: the RS encoding, uint64, and the Merkle levels, uint8)."""


def _pad8(n: int) -> int:
    return (-n) % 8


def pk_bytes(pk: ProvingKey) -> bytes:
    """The .tpk file's bytes for ``pk``."""
    parts: list[bytes] = [model_bytes(pk.model), pk.vk.to_bytes()]
    header: dict = {"model_nbytes": len(parts[0]), "vk_nbytes": len(parts[1]), "arrays": []}
    offset = len(parts[0]) + len(parts[1])
    parts.append(b"\0" * _pad8(offset))
    offset += _pad8(offset)
    data = pk.model_data(pk.model_plan())
    arrays = dict(model_codec(pk.vk.config).encode(data))
    if pk.randomizer is not None:  # private weights: the model's randomizer rows
        arrays[RANDOMIZER_ARRAY] = pk.randomizer
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        header["arrays"].append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape),
                                 "offset": offset})
        parts += [a.tobytes(), b"\0" * _pad8(a.nbytes)]
        offset += a.nbytes + _pad8(a.nbytes)
    body = b"".join(parts)
    header["body_nbytes"] = len(body)
    if COUNTER_ARRAY in arrays:  # private weights: the block counter changes in place
        header["mutable"] = [COUNTER_ARRAY]
        header["model_id"] = pk.vk.model_id.hex()
    header["body_sha256"] = _checksum(body, header["arrays"], header.get("mutable", []))
    return frame(MAGIC, VERSION, json.dumps(header, separators=(",", ":")).encode(), body)


def _checksum(body, table: list, mutable: list) -> str:
    """SHA-256 of the body with the mutable arrays (the private weights' block counter,
    rewritten in place by ``reserve_block``) read as zeros."""
    if not mutable:
        return hashlib.sha256(body).hexdigest()
    h, pos = hashlib.sha256(), 0
    for a in sorted((a for a in table if a["name"] in mutable), key=lambda a: a["offset"]):
        h.update(body[pos : a["offset"]])
        h.update(bytes(8))
        pos = a["offset"] + 8
    h.update(body[pos:])
    return h.hexdigest()


def parse_pk(blob: bytes) -> ProvingKey:
    """Decode and check a .tpk file's bytes; KeyFileError (one line) on anything malformed.

    The header's fields are type-checked, and every section and array is checked on Python
    integers to lie inside the body (at most MAX_ARRAYS arrays of known dtypes) before it is
    read."""
    head, body = unframe(blob, MAGIC, VERSION, "proving key", KeyFileError, MAX_HEADER)
    try:
        header = json.loads(head.decode("utf-8"))
        if not isinstance(header, dict):
            raise KeyFileError("proving key header is not a JSON object")
        nbytes, sha = _int(header, "body_nbytes"), _str(header, "body_sha256")
        if len(body) != nbytes:  # check_body's message, before any offset is trusted
            check_body(body, nbytes, sha, "proving key", KeyFileError)
        m, v = _int(header, "model_nbytes"), _int(header, "vk_nbytes")
        if m + v > len(body):
            raise KeyFileError("proving key: its model and key sections overrun the file")
        arrays = _arrays(header.get("arrays"), body, m + v)
        if _checksum(body, header["arrays"], _mutable(header, arrays)) != sha:
            raise KeyFileError("proving key corrupted: checksum mismatch")
        model = parse_model(bytes(body[:m]))
        # the prover's own key: its vk is compared with the model's below; no certificate check
        vk = VerifyingKey.from_bytes(bytes(body[m:m + v]), check_certificate=False)
        return _assemble(model, vk, arrays)
    except KeyFileError:
        raise
    except TensorProofError as e:
        raise KeyFileError(f"{e}") from None
    except RecursionError:
        raise KeyFileError("proving key: a JSON section is nested too deeply") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError) as e:
        raise KeyFileError(f"proving key is malformed ({type(e).__name__}: {str(e)[:120]})") \
            from None


def _mutable(header: dict, arrays: dict) -> list:
    """The header's mutable arrays: none, or the block counter (one uint64) of private
    weights."""
    mutable = header.get("mutable", [])
    if mutable not in ([], [COUNTER_ARRAY]) or (
            mutable and (COUNTER_ARRAY not in arrays or arrays[COUNTER_ARRAY].shape != (1,)
                         or arrays[COUNTER_ARRAY].dtype != np.uint64)):
        raise KeyFileError("proving key header: mutable must be [] or the block counter")
    return mutable


def _int(header: dict, key: str) -> int:
    v = header.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise KeyFileError(f"proving key header: {key} must be a non-negative integer")
    return v


def _str(header: dict, key: str) -> str:
    v = header.get(key)
    if not isinstance(v, str):
        raise KeyFileError(f"proving key header: {key} must be a string")
    return v


def _arrays(table: object, body: memoryview, start: int) -> dict[str, np.ndarray]:
    """The arrays the header lists, each checked to lie inside the body after ``start``."""
    if not isinstance(table, list) or len(table) > MAX_ARRAYS:
        raise KeyFileError(f"proving key header: arrays must be a list of <= {MAX_ARRAYS}")
    out: dict[str, np.ndarray] = {}
    for i, a in enumerate(table):
        a = a if isinstance(a, dict) else {}
        name, dtype, shape, off = (a.get(k) for k in ("name", "dtype", "shape", "offset"))
        dt = _ARRAY_DTYPES.get(dtype) if isinstance(dtype, str) else None
        if (not isinstance(name, str) or name in out or dt is None
                or not isinstance(shape, list) or not 1 <= len(shape) <= 2
                or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                           for d in shape)
                or not isinstance(off, int) or isinstance(off, bool)):
            raise KeyFileError(f"proving key header: array {i} is malformed")
        count = math.prod(shape)
        if off < start or off % 8 or off + count * dt.itemsize > len(body):
            raise KeyFileError(f"proving key array {name!r} lies outside the file")
        out[name] = np.frombuffer(body, dt, count, off).reshape(shape)
    return out


def _assemble(model, vk: VerifyingKey, arrays: dict[str, np.ndarray]) -> ProvingKey:
    """The proving key from its checked parts (see the module docstring for what is checked)."""
    model = CompiledModel(key_graph(model.graph, vk.config), model.inputs, model.outputs,
                          model.info)
    expect = VerifyingKey(strip_weights(model.graph), model.inputs, model.outputs,
                          vk.commitment, vk.config)
    if expect.key_json() != vk.key_json():
        raise KeyFileError("the proving key's model and verifying key disagree")
    pk = ProvingKey(model, vk)
    plan = pk.model_plan()
    commitment = Commitment.from_bytes(vk.commitment, commitment_extra(vk.config))
    if pk.private:
        pk.randomizer = _randomizer(arrays.pop(RANDOMIZER_ARRAY, None),
                                    plan.consts[MODEL_RANDOMIZER].size)
    elif RANDOMIZER_ARRAY in arrays:
        raise KeyFileError("the proving key has a randomizer but its weights are public")
    vector = pk.model_vector(plan)
    if len(vector) != 1 << commitment.n_vars:
        raise KeyFileError("the proving key's weights do not match its commitment's size")
    params = model_params(vk.config)
    config = vk.config if params is None else hiding_config(params)
    pk.prover_data[MODEL] = model_codec(vk.config).decode(commitment, vector, arrays, config)
    return pk


def model_codec(config: dict):
    """The codec of the model commitment's prover data: the hiding scheme's (ligero-zk,
    whir-zk) with private weights."""
    params = model_params(config)
    return prover_scheme(config.get("pcs") if params is None
                         else hiding_config(params)["pcs"]).codec


def _randomizer(a: np.ndarray | None, size: int) -> np.ndarray:
    """The private weights' randomizer array, checked: ``size`` canonical F elements."""
    if a is None or a.dtype != np.uint64 or a.shape != (size,):
        raise KeyFileError("the proving key's randomizer of private weights is missing or has "
                           "the wrong shape")
    try:
        check_canonical(a)
    except FieldError:
        raise KeyFileError("the proving key's randomizer is not canonical") from None
    return a.copy()


def _counter(path: Path) -> tuple[int, int, str]:
    """(file offset of the block counter, its value, the model id) of a .tpk with private
    weights, from its header alone (the file is the prover's own; the counter only grows)."""
    with open(path, "rb") as f:
        head_blob = f.read(MAX_HEADER + 64)
        head, body = unframe(head_blob, MAGIC, VERSION, "proving key", KeyFileError,
                             MAX_HEADER)
        try:
            header = json.loads(head.decode("utf-8"))
            entry = next(a for a in header["arrays"] if a["name"] == COUNTER_ARRAY)
            start, model_id = entry["offset"], header["model_id"]
        except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
            raise KeyFileError(f"{path}: not a proving key with private weights (no block "
                               "counter in its header)") from None
        size = os.fstat(f.fileno()).st_size
        if (not isinstance(start, int) or isinstance(start, bool)
                or not isinstance(model_id, str) or start < 0 or start % 8
                or len(head_blob) - len(body) + start + 8 > size):
            raise KeyFileError(f"{path}: the proving key's block counter entry is malformed")
        offset = len(head_blob) - len(body) + start
        f.seek(offset)
        raw = f.read(8)
    if len(raw) != 8:
        raise KeyFileError(f"{path}: truncated at its block counter")
    return offset, int.from_bytes(raw, "little"), model_id


def _opened_on_disk(path: Path) -> int:
    """The mask blocks a .tpk file with private weights records as used."""
    return _counter(path)[1]


_MEMORY = threading.Lock()
"""Serializes the reservations of every key in this process (threads sharing one key)."""


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path``'s sidecar ``.lock`` file (POSIX flock; no lock where the
    platform has none), so that two processes never spend the same block."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def write_pk(pk: ProvingKey, path, write) -> None:
    """Write ``pk``'s .tpk file with ``write(path, bytes)`` (atomic). With private weights,
    under the file's lock, the key's block counter is first raised to the one the file holds
    when the file is this key's (another instance may have proven from it): a save never
    rolls the count back."""
    params = model_params(pk.vk.config)
    if params is None:
        write(path, pk_bytes(pk))
        return
    data = pk.model_data(pk.model_plan())
    target = Path(path)
    with _MEMORY, _locked(target):
        try:
            _, on_disk, model_id = _counter(target)
            if model_id == pk.vk.model_id.hex():
                data.opened[0] = max(int(data.opened[0]), on_disk)
        except (OSError, KeyFileError):
            pass  # no file there, or not this key's: nothing to keep
        write(path, pk_bytes(pk))


def reserve_block(pk: ProvingKey) -> int | None:
    """With private weights (verifier/zk_weights.py), spend the mask block the next proof
    will use before the proof exists: in the .tpk the key was loaded from or saved to
    (``pk.source``), under a lock, the block counter (8 bytes outside the file's checksum) is
    raised in place and flushed to disk, so that neither a crash nor a second process proving
    from the same file can use the block again; in memory too, under a process-wide lock, so
    that threads sharing the key each get their own. The proof must open exactly the block
    returned (prove.py passes it down). Returns the block (None for public weights;
    a key never saved counts in memory only). ProverError past the budget, KeyFileError if
    the file is no longer this key's."""
    params = model_params(pk.vk.config)
    if params is None:
        return None
    data = pk.model_data(pk.model_plan())

    def take(on_disk: int) -> int:  # under _MEMORY: one key shared by threads
        block = max(int(data.opened[0]), on_disk, FIRST_PROOF_BLOCK)
        if block >= params.openings:
            raise ProverError(f"this proving key's budget of {params.openings - 1} "
                              "zero-knowledge proofs with private weights is used up (another "
                              "would reveal the weights): compile the model again for a new key")
        data.opened[0] = block + 1  # reserved in memory: the proof opens exactly this block
        return block

    if pk.source is None:
        with _MEMORY:
            return take(0)
    source = Path(pk.source)
    try:
        with _MEMORY, _locked(source):
            offset, on_disk, model_id = _counter(source)
            if model_id != pk.vk.model_id.hex():
                raise KeyFileError(f"{source} is no longer this proving key (another model id): "
                                   "load the key again")
            block = take(on_disk)
            with open(source, "r+b") as f:
                f.seek(offset)
                f.write((block + 1).to_bytes(8, "little"))
                f.flush()
                os.fsync(f.fileno())
    except OSError as e:
        raise OutputPathError(f"cannot record the proof in {source} (a proof with private "
                              f"weights spends one of the key's openings): {e.strerror}") \
            from None
    return block
