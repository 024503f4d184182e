"""The verifier's transcript: every message is read from the proof bytes and absorbed.

Reads mirror the prover's sends one for one, so both sides chain the same Keccak states and draw
the same challenges. Malformed proofs raise ProofFormatError (truncation, trailing bytes,
non-canonical field elements), never another exception.
"""

from __future__ import annotations

import numpy as np

from ..errors import ProofFormatError
from ..field.encoding import F_BYTES, decode_f_array
from .base import TAG_MESSAGE, Transcript, count, degree


class VerifierTranscript(Transcript):
    """Fiat-Shamir transcript that reads the proof: ``recv_*`` consumes and absorbs a message."""

    def __init__(self, domain: bytes, proof: bytes) -> None:
        super().__init__(domain)
        self._proof = memoryview(bytes(proof))
        self._pos = 0

    @property
    def remaining(self) -> int:
        """Bytes of the proof not read yet."""
        return len(self._proof) - self._pos

    def recv_bytes(self, label: str, n: int) -> bytes:
        """Read n raw bytes; ProofFormatError if the proof ends first."""
        n = count(n, "bytes")
        if n > self.remaining:
            raise ProofFormatError(f"proof truncated while reading {label}")
        chunk = self._proof[self._pos : self._pos + n]
        self._absorb(TAG_MESSAGE, label, chunk)
        self._pos += n
        return chunk.tobytes()

    def recv_f_array(self, label: str, n: int) -> np.ndarray:
        """Read n F elements as a uint64 vector; rejects non-canonical values."""
        n = count(n, "field elements")
        data = self.recv_bytes(label, n * F_BYTES)
        try:
            return decode_f_array(data, n)
        except ProofFormatError as exc:
            raise ProofFormatError(f"{exc} while reading {label}") from None

    def recv_f(self, label: str, n: int) -> list[int]:
        """Read n F elements as a list of ints."""
        return self.recv_f_array(label, n).tolist()

    def recv_k_array(self, label: str, n: int, k: int) -> np.ndarray:
        """Read n K elements of degree k as an (n, k) uint64 array."""
        n, k = count(n, "extension elements"), degree(k)
        return self.recv_f_array(label, n * k).reshape(n, k)

    def recv_k(self, label: str, n: int, k: int) -> list[tuple[int, ...]]:
        """Read n K elements of degree k as a list of k-tuples of ints."""
        return [tuple(row) for row in self.recv_k_array(label, n, k).tolist()]

    def check_eof(self) -> None:
        """Reject trailing bytes: a valid proof followed by garbage is not a valid proof."""
        if self.remaining:
            raise ProofFormatError(f"{self.remaining} trailing bytes after the proof")
