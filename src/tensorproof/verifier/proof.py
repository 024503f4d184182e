"""The Proof object and its versioned binary format (no pickle).

Layout (all integers big-endian):
    b"TPPF" | version u16 | field degree k u8 | batch u32 | model id (32 bytes)
    | n_inputs u16 | tensors… | n_outputs u16 | tensors… | [digests] | stream length u64 | stream
    tensor = name length u16 | name (UTF-8) | ndim u8 | dims u32 each | values int64 each
    digests (version 2 only, which a proof with hashed tensors has; others are version 1)
           = n_hashed u16 (>= 1) | (name length u16 | name | batch × 32-byte digest)…
The stream is the Fiat–Shamir transcript's prover messages (see transcript/); the statement
(model id, batch, public inputs and outputs, the digests of hashed tensors) is absorbed before
any of them.

Parsing is strict and bounded: the field degree is a supported one, the batch is at least 1,
every tensor has rank 1..MAX_DIMS, a leading axis equal to the batch and a unique name in its
group, and every size is checked on Python integers against the bytes left before anything is
allocated; any malformed byte string raises ProofFormatError naming the field.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

import numpy as np

from ..errors import ProofFormatError
from ..field.params import NONRESIDUE

MAGIC = b"TPPF"
FORMAT_VERSION = 1
DIGESTS_VERSION = 2
"""The format of a proof with digests (hashed tensors, verifier/hashing.py)."""
DIGEST_BYTES = 32
MAX_TENSORS = 1024
MAX_DIMS = 16


@dataclass(frozen=True, eq=False)
class Proof:
    """A proof that `outputs` are the model's outputs on `inputs` (both int64, batch first)."""

    k: int
    batch: int
    model_id: bytes
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    stream: bytes
    digests: dict[str, tuple[bytes, ...]] = field(default_factory=dict)
    """Per hashed input or output, the keccak256 of each sample's int64 big-endian bytes."""

    def to_bytes(self) -> bytes:
        version = DIGESTS_VERSION if self.digests else FORMAT_VERSION
        parts = [MAGIC, struct.pack(">HBI", version, self.k, self.batch), self.model_id]
        for group in (self.inputs, self.outputs):
            parts.append(struct.pack(">H", len(group)))
            for name, arr in group.items():
                parts.append(_tensor_bytes(name, arr))
        if self.digests:
            parts.append(struct.pack(">H", len(self.digests)))
            for name, ds in self.digests.items():
                raw = name.encode()
                parts.append(struct.pack(">H", len(raw)) + raw + b"".join(ds))
        parts.append(struct.pack(">Q", len(self.stream)))
        parts.append(self.stream)
        return b"".join(parts)

    @staticmethod
    def from_bytes(data: bytes) -> Proof:
        """Decode a proof; ProofFormatError (one line, naming the field) if malformed."""
        r = _Reader(bytes(data))
        if r.take(4, "magic") != MAGIC:
            raise ProofFormatError("not a tensorproof proof (bad magic bytes)")
        version, k, batch = r.unpack(">HBI", "header")
        if version not in (FORMAT_VERSION, DIGESTS_VERSION):
            raise ProofFormatError(f"proof format version {version} is not supported "
                                   f"(this tensorproof reads versions {FORMAT_VERSION} and "
                                   f"{DIGESTS_VERSION})")
        if k not in NONRESIDUE:
            raise ProofFormatError(f"proof: unsupported field degree {k} "
                                   f"(supported: {sorted(NONRESIDUE)})")
        if batch < 1:
            raise ProofFormatError("proof: batch size 0")
        model_id = r.take(32, "model id")
        groups = []
        for what in ("input", "output"):
            (n,) = r.unpack(">H", f"number of {what}s")
            if n > MAX_TENSORS or n * _MIN_TENSOR_BYTES > r.left:
                raise ProofFormatError(f"proof: implausible number of {what}s: {n}")
            group: dict[str, np.ndarray] = {}
            for _ in range(n):
                name, arr = _read_tensor(r, what, batch)
                if name in group:
                    raise ProofFormatError(f"proof: {what} {name!r} appears twice")
                group[name] = arr
            groups.append(group)
        digests = _read_digests(r, batch) if version == DIGESTS_VERSION else {}
        (n_stream,) = r.unpack(">Q", "stream length")
        stream = r.take(n_stream, "stream")
        if r.left:
            raise ProofFormatError(f"{r.left} trailing bytes after the proof")
        return Proof(k, batch, model_id, groups[0], groups[1], stream, digests)


def _read_digests(r: _Reader, batch: int) -> dict[str, tuple[bytes, ...]]:
    """The digests section: at least one hashed tensor (one encoding per proof), each named
    once, with ``batch`` digests."""
    (n,) = r.unpack(">H", "number of hashed tensors")
    if not 1 <= n <= MAX_TENSORS or n * (2 + DIGEST_BYTES * batch) > r.left:
        raise ProofFormatError(f"proof: implausible number of hashed tensors: {n}")
    out: dict[str, tuple[bytes, ...]] = {}
    for _ in range(n):
        (m,) = r.unpack(">H", "hashed tensor name length")
        try:
            name = r.take(m, "hashed tensor name").decode()
        except UnicodeDecodeError:
            raise ProofFormatError("proof: hashed tensor name is not valid UTF-8") from None
        if name in out:
            raise ProofFormatError(f"proof: hashed tensor {name!r} appears twice")
        raw = r.take(DIGEST_BYTES * batch, f"digests of {name!r}")
        out[name] = tuple(raw[i:i + DIGEST_BYTES] for i in range(0, len(raw), DIGEST_BYTES))
    return out


def _tensor_bytes(name: str, arr: np.ndarray) -> bytes:
    raw = name.encode()
    arr = np.asarray(arr, dtype=np.int64)
    head = struct.pack(">H", len(raw)) + raw + struct.pack(">B", arr.ndim)
    return head + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(">i8").tobytes()


_MIN_TENSOR_BYTES = 2 + 1 + 4
"""Smallest encoded tensor: empty name, rank 1, one dimension (of size 0)."""


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    @property
    def left(self) -> int:
        """Bytes not read yet."""
        return len(self.data) - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.left:
            raise ProofFormatError(f"proof truncated while reading {what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


def _read_tensor(r: _Reader, what: str, batch: int) -> tuple[str, np.ndarray]:
    """One tensor, its size checked (Python integers) against the bytes left before reading."""
    (n,) = r.unpack(">H", f"{what} name length")
    try:
        name = r.take(n, f"{what} name").decode()
    except UnicodeDecodeError:
        raise ProofFormatError(f"proof: {what} name is not valid UTF-8") from None
    (ndim,) = r.unpack(">B", f"rank of {what} {name!r}")
    if not 1 <= ndim <= MAX_DIMS:
        raise ProofFormatError(f"proof: {what} {name!r} has rank {ndim} (1 to {MAX_DIMS})")
    shape = r.unpack(f">{ndim}I", f"shape of {what} {name!r}")
    if min(shape) < 1:  # a graph tensor never has an empty axis (and numpy cannot reshape
        # an empty buffer to dims whose product overflows its index type)
        raise ProofFormatError(f"proof: {what} {name!r} has an empty axis: shape {shape}")
    if shape[0] != batch:
        raise ProofFormatError(f"proof: {what} {name!r} has {shape[0]} samples, the batch is "
                               f"{batch}")
    nbytes = 8 * math.prod(shape)
    if nbytes > r.left:
        raise ProofFormatError(f"proof: {what} {name!r} of shape {shape} needs {nbytes} bytes, "
                               f"{r.left} are left")
    raw = r.take(nbytes, f"values of {what} {name!r}")
    return name, np.frombuffer(raw, dtype=">i8").astype(np.int64).reshape(shape)
