"""The prover's transcript: every message is absorbed and appended to the proof bytes.

The proof is exactly the concatenation of the encoded messages, in the order sent; lengths are
not written (the protocol fixes them), so the verifier's reads must mirror the sends.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..field.encoding import encode_f, encode_f_array, encode_k, encode_k_array
from .base import TAG_MESSAGE, Transcript, degree


class ProverTranscript(Transcript):
    """Fiat-Shamir transcript that writes the proof: ``send_*`` absorbs and records a message."""

    def __init__(self, domain: bytes) -> None:
        super().__init__(domain)
        self._chunks: list[bytes] = []

    def send_bytes(self, label: str, data: bytes) -> None:
        """Send raw bytes (a commitment root, an opened column, ...)."""
        data = bytes(data)
        self._absorb(TAG_MESSAGE, label, data)
        self._chunks.append(data)

    def send_f(self, label: str, xs: np.ndarray | Sequence[int]) -> None:
        """Send F elements: a 1-D uint64 vector or a list of ints, each canonical (< p)."""
        if isinstance(xs, np.ndarray):
            if xs.ndim != 1 or xs.dtype != np.uint64:
                raise ValueError(f"send_f expects a 1-D uint64 F vector, got {xs.dtype} {xs.shape}")
            data = encode_f_array(xs)
        else:
            data = b"".join(encode_f(int(x)) for x in xs)
        self.send_bytes(label, data)

    def send_k(
        self, label: str, xs: np.ndarray | Sequence[tuple[int, ...]], k: int
    ) -> None:
        """Send K elements of degree k: an (n, k) uint64 array or a list of k-tuples."""
        k = degree(k)
        if isinstance(xs, np.ndarray):
            if xs.ndim != 2 or xs.shape[1] != k or xs.dtype != np.uint64:
                raise ValueError(f"send_k expects an (n, {k}) uint64 array, got {xs.dtype} "
                                 f"{xs.shape}")
            data = encode_k_array(xs)
        else:
            for x in xs:
                if len(x) != k:
                    raise ValueError(f"send_k expects {k} coefficients per element, got {len(x)}")
            data = b"".join(encode_k(tuple(int(c) for c in x)) for x in xs)
        self.send_bytes(label, data)

    def append_external(self, state: bytes, sent: bytes) -> None:
        """Take over the records a numba mirror of this sponge chained (``sponge_kernels``):
        the new state and the concatenated bytes of the messages it sent (prover fast path)."""
        if len(state) != len(self._state):
            raise ValueError("external sponge state must be 32 bytes")
        self._state = bytes(state)
        self._chunks.append(bytes(sent))

    def proof_bytes(self) -> bytes:
        """The proof so far: every message sent, concatenated in order."""
        if len(self._chunks) > 1:
            self._chunks = [b"".join(self._chunks)]
        return self._chunks[0] if self._chunks else b""
