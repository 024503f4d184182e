"""Keccak-256 exactly as the EVM computes it (the ``KECCAK256`` opcode / Solidity ``keccak256``).

This is the original Keccak submission with pad10*1 and domain byte 0x01, rate 136 bytes,
*not* NIST SHA3-256 (FIPS 202 changed the padding byte to 0x06, so every digest differs).

>>> keccak256(b"").hex()
'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
>>> keccak256(b"a", b"bc") == keccak256(b"abc")
True
"""

from __future__ import annotations

from Crypto.Hash import keccak as _keccak

HASH_BYTES = 32
"""Digest length of Keccak-256."""

RATE_BYTES = 136
"""Sponge rate of Keccak-256 (1600 - 2 * 256 bits): bytes absorbed per permutation."""


def keccak256(*parts: bytes | bytearray | memoryview) -> bytes:
    """Keccak-256 of the concatenation of ``parts``, hashed in one sponge (no copy is made)."""
    h = _keccak.new(digest_bits=256)
    for part in parts:
        h.update(part)
    return h.digest()
