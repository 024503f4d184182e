"""The Proof object and its versioned binary format (no pickle).

Layout (all integers big-endian):
    b"TPPF" | version u16 | field degree k u8 | batch u32 | model id (32 bytes)
    | n_inputs u16 | tensors… | n_outputs u16 | tensors… | stream length u64 | stream
    tensor = name length u16 | name (UTF-8) | ndim u8 | dims u32 each | values int64 each
The stream is the Fiat–Shamir transcript's prover messages (see transcript/); the statement
(model id, batch, public inputs and outputs) is absorbed before any of them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..errors import ProofFormatError

MAGIC = b"TPPF"
FORMAT_VERSION = 1
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

    def to_bytes(self) -> bytes:
        parts = [MAGIC, struct.pack(">HBI", FORMAT_VERSION, self.k, self.batch), self.model_id]
        for group in (self.inputs, self.outputs):
            parts.append(struct.pack(">H", len(group)))
            for name, arr in group.items():
                parts.append(_tensor_bytes(name, arr))
        parts.append(struct.pack(">Q", len(self.stream)))
        parts.append(self.stream)
        return b"".join(parts)

    @staticmethod
    def from_bytes(data: bytes) -> Proof:
        r = _Reader(data)
        if r.take(4, "magic") != MAGIC:
            raise ProofFormatError("not a tensorproof proof (bad magic bytes)")
        version, k, batch = r.unpack(">HBI", "header")
        if version != FORMAT_VERSION:
            raise ProofFormatError(f"proof format version {version} is not supported "
                                   f"(this tensorproof reads version {FORMAT_VERSION})")
        model_id = r.take(32, "model id")
        groups = []
        for what in ("inputs", "outputs"):
            (n,) = r.unpack(">H", what)
            if n > MAX_TENSORS:
                raise ProofFormatError(f"implausible number of {what}: {n}")
            groups.append(dict(_read_tensor(r) for _ in range(n)))
        (n_stream,) = r.unpack(">Q", "stream length")
        stream = r.take(n_stream, "stream")
        if r.pos != len(data):
            raise ProofFormatError(f"{len(data) - r.pos} trailing bytes after the proof")
        return Proof(k, batch, model_id, groups[0], groups[1], stream)


def _tensor_bytes(name: str, arr: np.ndarray) -> bytes:
    raw = name.encode()
    arr = np.asarray(arr, dtype=np.int64)
    head = struct.pack(">H", len(raw)) + raw + struct.pack(">B", arr.ndim)
    return head + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(">i8").tobytes()


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise ProofFormatError(f"proof truncated while reading {what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


def _read_tensor(r: _Reader) -> tuple[str, np.ndarray]:
    (n,) = r.unpack(">H", "tensor name length")
    try:
        name = r.take(n, "tensor name").decode()
    except UnicodeDecodeError as e:
        raise ProofFormatError("tensor name is not valid UTF-8") from e
    (ndim,) = r.unpack(">B", f"rank of {name!r}")
    if ndim > MAX_DIMS:
        raise ProofFormatError(f"tensor {name!r} has implausible rank {ndim}")
    shape = r.unpack(f">{ndim}I", f"shape of {name!r}")
    count = int(np.prod(shape, dtype=np.int64))
    raw = r.take(8 * count, f"values of {name!r}")
    return name, np.frombuffer(raw, dtype=">i8").astype(np.int64).reshape(shape)
