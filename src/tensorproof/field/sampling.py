"""Fresh secret randomness as field elements: the prover's masks, randomizers and salts.

Zero knowledge rests on values the verifier cannot predict, so they come from the operating
system's CSPRNG (``os.urandom``), never from the Fiat-Shamir transcript (which the verifier
recomputes) and never from a seeded PRNG.

F elements by rejection sampling: 8 bytes -> a little-endian uint64 u; u is kept iff u < p.
Each of the p accepted values has probability 2^-64 per word, so an accepted value is exactly
uniform on [0, p) (no modulo bias); a word is rejected with probability (2^64 - p) / 2^64 =
(2^32 - 1) / 2^64 < 2^-32, so a draw of n elements reads n words plus a small margin, in one
vectorized pass. K elements are k independent F coefficients.

``Randomness`` is the one seam: production code receives an instance (``OS_RANDOMNESS`` by
default, which reads the OS); tests subclass it and override ``read`` to inject chosen bytes (a
deterministic or a deliberately broken source) and check that the zero-knowledge tests catch it.

>>> x = OS_RANDOMNESS.f_vector(4)
>>> x.dtype, x.shape, bool((x < P).all())
(dtype('uint64'), (4,), True)
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import FieldError
from .params import P

__all__ = ["OS_RANDOMNESS", "Randomness", "REJECTION_BOUND_LOG2", "words_to_field"]

WORD_BYTES = 8
REJECTION_BOUND_LOG2 = -32
"""log2 of an upper bound on the rejection probability of one word: (2^32 - 1)/2^64 < 2^-32."""

_MARGIN = 2
"""Extra words read per draw (a rejection is so rare that a second read is almost never made)."""

_MAX_READS = 8
"""Reads per draw before a source that returns only values >= p is declared broken."""


def words_to_field(data: bytes) -> np.ndarray:
    """The little-endian uint64 words of ``data`` that are < p, in order (the rejection step)."""
    if len(data) % WORD_BYTES:
        raise FieldError(f"randomness must be whole 8-byte words, got {len(data)} bytes")
    words = np.frombuffer(data, dtype="<u8").astype(np.uint64)
    return words[words < np.uint64(P)]


class Randomness:
    """A source of secret random bytes, and uniform F / K elements drawn from it.

    This class reads the OS CSPRNG. Subclasses (tests only) override :meth:`read`.
    """

    def read(self, n: int) -> bytes:
        """n fresh random bytes from the operating system."""
        return os.urandom(n)

    def bytes(self, n: int) -> bytes:
        """n secret bytes (a commitment salt); ValueError unless n >= 0."""
        if n < 0:
            raise ValueError(f"cannot draw {n} bytes")
        data = self.read(n)
        if len(data) != n:
            raise FieldError(f"randomness source returned {len(data)} bytes, {n} requested")
        return data

    def f_vector(self, n: int) -> np.ndarray:
        """n uniform F elements (uint64, shape (n,)), by rejection of words >= p."""
        if n < 0:
            raise ValueError(f"cannot draw {n} field elements")
        parts, have = [], 0
        for _ in range(_MAX_READS):
            if have >= n:
                break
            kept = words_to_field(self.bytes(WORD_BYTES * (n - have + _MARGIN)))
            parts.append(kept[: n - have])
            have += len(parts[-1])
        if have < n:
            raise FieldError("randomness source keeps returning words >= p: it is broken")
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)

    def k_vector(self, n: int, k: int) -> np.ndarray:
        """n uniform elements of the degree-k extension (uint64, shape (n, k))."""
        if k < 1:
            raise ValueError(f"extension degree must be >= 1, got {k}")
        return self.f_vector(n * k).reshape(n, k)

    def f_scalar(self) -> int:
        """One uniform F element."""
        return int(self.f_vector(1)[0])

    def k_scalar(self, k: int) -> tuple[int, ...]:
        """One uniform K element as a k-tuple."""
        return tuple(int(c) for c in self.f_vector(k))


OS_RANDOMNESS = Randomness()
"""The production source: every prover default."""
