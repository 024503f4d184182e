"""The one byte encoding of field elements (EVM-friendly, mirrored by the Solidity verifier).

- An F element is 8 bytes, big-endian, canonical (value < p). Decoding rejects non-canonical bytes.
- A K element (degree k) is its k coefficients c_0 + c_1 X + ... in that order, 8 bytes each.
- A vector is the concatenation of its elements; its length is carried by the context, never here.

>>> encode_f(1).hex()
'0000000000000001'
>>> decode_k(encode_k((1, 2)), 2)
(1, 2)
"""

from __future__ import annotations

import numpy as np

from ..errors import ProofFormatError
from .params import P

F_BYTES = 8
"""Bytes per base-field element."""


def k_bytes(k: int) -> int:
    """Bytes per element of the degree-k extension."""
    return F_BYTES * k


def encode_f(x: int) -> bytes:
    """Encode one canonical F element."""
    if not 0 <= x < P:
        raise ProofFormatError(f"field element {x} is not canonical (must be in [0, p))")
    return int(x).to_bytes(F_BYTES, "big")


def decode_f(data: bytes) -> int:
    """Decode one F element; raises ProofFormatError on a wrong length or a value >= p."""
    if len(data) != F_BYTES:
        raise ProofFormatError(f"field element needs {F_BYTES} bytes, got {len(data)}")
    x = int.from_bytes(data, "big")
    if x >= P:
        raise ProofFormatError("non-canonical field element (value >= p)")
    return x


def encode_k(x: tuple[int, ...]) -> bytes:
    """Encode one K element given as a tuple of k coefficients."""
    return b"".join(encode_f(c) for c in x)


def decode_k(data: bytes, k: int) -> tuple[int, ...]:
    """Decode one K element of degree k."""
    if len(data) != F_BYTES * k:
        raise ProofFormatError(f"extension element needs {F_BYTES * k} bytes, got {len(data)}")
    return tuple(decode_f(data[i * F_BYTES : (i + 1) * F_BYTES]) for i in range(k))


def encode_f_array(a: np.ndarray) -> bytes:
    """Encode a uint64 array of canonical F elements (any shape, C order)."""
    a = np.ascontiguousarray(a, dtype=np.uint64)
    if a.size and int(a.max()) >= P:
        raise ProofFormatError("array holds a non-canonical field element (value >= p)")
    return a.astype(">u8").tobytes()


def decode_f_array(data: bytes, n: int) -> np.ndarray:
    """Decode n F elements into a uint64 array; rejects a wrong length or values >= p."""
    if len(data) != F_BYTES * n:
        raise ProofFormatError(
            f"expected {n} field elements ({F_BYTES * n} bytes), got {len(data)}"
        )
    a = np.frombuffer(data, dtype=">u8").astype(np.uint64)
    if a.size and int(a.max()) >= P:
        raise ProofFormatError("non-canonical field element (value >= p)")
    return a


def encode_k_array(a: np.ndarray) -> bytes:
    """Encode an (n, k) uint64 array of K elements (row = one element, coefficients in order)."""
    return encode_f_array(a)


def decode_k_array(data: bytes, n: int, k: int) -> np.ndarray:
    """Decode n K elements of degree k into an (n, k) uint64 array."""
    return decode_f_array(data, n * k).reshape(n, k)
