"""PCS commitments (versioned bytes) and the opening statement both sides absorb.

A commitment names a multilinear table T of 2^n_vars F elements by a 32-byte Keccak digest (the
Merkle root of Ligero's encoded columns, or the hash of the whole table for RawPCS).

Bytes (version 1, 34 bytes + the scheme's extra bytes): u8 version ‖ u8 n_vars ‖ root (32
bytes) ‖ extra. ``extra`` is data the scheme binds to the root at commit time, of a length the
configuration fixes (``commitment_extra`` of the scheme: 0 for Ligero and RawPCS; WHIR's answers
at its out-of-domain points, which make the root name one polynomial).

An opening proves T~(z_j) = v_j for points z_1..z_m in K^n_vars. Before drawing any challenge,
both sides absorb the statement (scheme tag, n_vars, k, the points and the values), so every
challenge depends on what it tests.  Soundness: the caller must already have absorbed the
commitment (``absorb_commitment`` or its own message) before calling open/verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import ProofFormatError, VerificationError
from ...field.encoding import encode_k
from ...field.params import EXTENSION_DEGREES, P
from ...transcript import HASH_BYTES

COMMITMENT_VERSION = 1
"""Version byte of ``Commitment.to_bytes``."""

MAX_N_VARS = 32
"""Largest table a commitment may name (2^32 entries): also the NTT domain limit of F_p."""

COMMITMENT_BYTES = 2 + HASH_BYTES

Point = tuple[tuple[int, ...], ...]
"""A normalized point: n_vars K elements, each a k-tuple of canonical ints."""


@dataclass(frozen=True)
class Commitment:
    """A commitment to a table of 2^n_vars F elements."""

    root: bytes
    n_vars: int
    extra: bytes = b""

    def __post_init__(self) -> None:
        if not isinstance(self.root, bytes) or len(self.root) != HASH_BYTES:
            raise ProofFormatError(f"commitment root must be {HASH_BYTES} bytes")
        if not isinstance(self.extra, bytes):
            raise ProofFormatError("commitment extra data must be bytes")
        if isinstance(self.n_vars, bool) or not isinstance(self.n_vars, int | np.integer):
            raise ProofFormatError(f"commitment n_vars must be an integer, got {self.n_vars!r}")
        if not 0 <= self.n_vars <= MAX_N_VARS:
            raise ProofFormatError(f"commitment n_vars {self.n_vars} outside [0, {MAX_N_VARS}]")

    def to_bytes(self) -> bytes:
        """u8 version ‖ u8 n_vars ‖ root ‖ extra."""
        return bytes([COMMITMENT_VERSION, int(self.n_vars)]) + self.root + self.extra

    @classmethod
    def from_bytes(cls, data: bytes, extra: int = 0) -> Commitment:
        """Parse ``to_bytes`` output with ``extra`` bytes of scheme data; ProofFormatError on a
        wrong length, version or n_vars."""
        size = COMMITMENT_BYTES + extra
        if not isinstance(data, bytes | bytearray) or len(data) != size:
            got = len(data) if isinstance(data, bytes | bytearray) else type(data).__name__
            raise ProofFormatError(f"commitment must be {size} bytes, got {got}")
        if data[0] != COMMITMENT_VERSION:
            raise ProofFormatError(f"unknown commitment version {data[0]}")
        return cls(root=bytes(data[2:COMMITMENT_BYTES]), n_vars=data[1],
                   extra=bytes(data[COMMITMENT_BYTES:]))


def distinct_indices(transcript: Any, label: str, n: int, bound: int) -> np.ndarray:
    """Draw n query positions uniform in [0, bound) (with repetition) -> sorted distinct int64.
    (A Python set, not np.unique: that imports numpy.ma, ~15 ms of a fresh verifier process.)"""
    return np.array(sorted(set(transcript.challenge_indices(label, n, bound))), dtype=np.int64)


def absorb_commitment(
    transcript: Any, commitment: Commitment, label: str = "pcs/commitment"
) -> None:
    """Absorb a commitment both sides know (e.g. a model's) as public data."""
    transcript.absorb_bytes(label, commitment.to_bytes())


def _k_element(x: Any, k: int, what: str) -> tuple[int, ...]:
    """An int (F element, lifted) or a k-tuple of canonical ints -> k-tuple (else
    VerificationError)."""
    if isinstance(x, int | np.integer) and not isinstance(x, bool):
        coeffs: tuple = (int(x),) + (0,) * (k - 1)
    elif isinstance(x, tuple | list | np.ndarray) and len(x) == k:
        coeffs = tuple(x)
    else:
        raise VerificationError(f"{what} is not an element of K (degree {k}): {x!r}")
    ok = all(isinstance(c, int | np.integer) and not isinstance(c, bool) for c in coeffs)
    if not ok or not all(0 <= int(c) < P for c in coeffs):
        raise VerificationError(f"{what} has a non-canonical coefficient: {x!r}")
    return tuple(int(c) for c in coeffs)


def check_k(k: int) -> int:
    """Validate a challenge-field degree."""
    if k not in EXTENSION_DEGREES:
        raise ValueError(f"unsupported extension degree {k} (supported: {EXTENSION_DEGREES})")
    return k


def normalize_points(points: Sequence[Sequence[Any]], n_vars: int, k: int) -> list[Point]:
    """Points as tuples of k-tuples; VerificationError unless there is at least one point and
    each has n_vars coordinates."""
    if isinstance(points, np.ndarray):
        points = list(points)
    if not isinstance(points, Sequence) or len(points) == 0:
        raise VerificationError("an opening needs at least one point")
    if _canonical_k_points(points, n_vars, k):
        return [tuple(z) for z in points]
    out = []
    for j, z in enumerate(points):
        if not isinstance(z, Sequence | np.ndarray) or len(z) != n_vars:
            raise VerificationError(f"point {j} must have {n_vars} coordinates")
        out.append(tuple(_k_element(x, k, f"point {j} coordinate {i}") for i, x in enumerate(z)))
    return out


def _canonical_k_points(points: Sequence, n_vars: int, k: int) -> bool:
    """Whether every point is a sequence of n_vars k-tuples of canonical Python ints (the
    verifier's own points: then nothing needs converting, checked in a few flat passes
    rather than element by element)."""
    if not all(isinstance(z, tuple | list) and len(z) == n_vars for z in points):
        return False
    coords = [x for z in points for x in z]
    return (all(type(x) is tuple and len(x) == k for x in coords)
            and all(type(c) is int and 0 <= c < P for x in coords for c in x))


def normalize_values(values: Sequence[Any], m: int, k: int) -> list[tuple[int, ...]]:
    """Values as k-tuples; VerificationError unless there is exactly one per point."""
    if not isinstance(values, Sequence) or len(values) != m:
        raise VerificationError(f"expected {m} claimed values, one per point")
    return [_k_element(v, k, f"value {j}") for j, v in enumerate(values)]


def absorb_statement(
    transcript: Any,
    scheme: bytes,
    n_vars: int,
    k: int,
    points: Sequence[Point],
    values: Sequence[tuple[int, ...]],
) -> None:
    """Absorb what an opening claims: u8 |scheme| ‖ scheme ‖ u8 n_vars ‖ u8 k ‖ u32 m ‖ points ‖
    values (``scheme`` also carries the scheme's parameters)."""
    head = bytes([len(scheme)]) + scheme + bytes([n_vars, k]) + len(points).to_bytes(4, "big")
    coords = b"".join(encode_k(x) for z in points for x in z)
    transcript.absorb_bytes("pcs/statement", head + coords + b"".join(encode_k(v) for v in values))
