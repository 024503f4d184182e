"""Keccak-256 exactly as the EVM computes it (the ``KECCAK256`` opcode / Solidity ``keccak256``).

This is the original Keccak submission with pad10*1 and domain byte 0x01, rate 136 bytes,
*not* NIST SHA3-256 (FIPS 202 changed the padding byte to 0x06, so every digest differs).

>>> keccak256(b"").hex()
'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
>>> keccak256(b"a", b"bc") == keccak256(b"abc")
True
"""

from __future__ import annotations

import threading

import numpy as np
from Crypto.Hash import keccak as _keccak

HASH_BYTES = 32
"""Digest length of Keccak-256."""

RATE_BYTES = 136
"""Sponge rate of Keccak-256 (1600 - 2 * 256 bits): bytes absorbed per permutation."""


def _keccak256_objects(*parts: bytes | bytearray | memoryview) -> bytes:
    """Keccak-256 of the concatenation of ``parts`` through pycryptodome's hash objects."""
    h = _keccak.new(digest_bits=256)
    for part in parts:
        h.update(part)
    return h.digest()


def _direct_keccak256():
    """Keccak-256 on pycryptodome's C sponge, one reused state per thread (reset, absorb,
    digest): ~2 µs a call where a hash object costs ~6 µs (allocation and wrappers), which
    made hashing ~40% of a verification (~6000 transcript records and Merkle nodes). The same
    C code, padding 0x01 and 24 rounds as ``keccak.new``; None (use the hash objects) if this
    pycryptodome does not expose those functions or gives another digest."""
    try:
        from Crypto.Hash.keccak import _raw_keccak_lib as lib
        from Crypto.Util._raw_api import (
            SmartPointer,
            VoidPointer,
            c_size_t,
            c_ubyte,
            c_uint8_ptr,
            create_string_buffer,
            get_raw_buffer,
        )

        init, reset, absorb, digest = (lib.keccak_init, lib.keccak_reset, lib.keccak_absorb,
                                       lib.keccak_digest)
    except (ImportError, AttributeError):
        return None
    local = threading.local()  # ctypes releases the GIL: a state per thread
    out_len, padding, capacity, rounds = c_size_t(HASH_BYTES), c_ubyte(1), c_size_t(64), c_ubyte(24)

    def state():
        st = getattr(local, "st", None)
        if st is None:
            vp = VoidPointer()
            if init(vp.address_of(), capacity, rounds):
                raise RuntimeError("keccak_init failed")
            st = local.st = (SmartPointer(vp.get(), lib.keccak_destroy), create_string_buffer(32))
        return st

    def keccak256(*parts: bytes | bytearray | memoryview) -> bytes:
        ptr, buf = state()
        s = ptr.get()
        reset(s)
        for part in parts:  # bytes go to C as they are; other buffers through a pointer
            absorb(s, part if type(part) is bytes else c_uint8_ptr(part), c_size_t(len(part)))
        digest(s, buf, out_len, padding)
        return get_raw_buffer(buf)

    try:
        probe = bytes(range(200))
        if keccak256(probe[:7], memoryview(probe)[7:]) != _keccak256_objects(probe):
            return None
    except Exception:  # an unexpected pycryptodome internals: the public API instead
        return None
    return keccak256


keccak256 = _direct_keccak256() or _keccak256_objects
"""keccak256(*parts) -> bytes: Keccak-256 of the concatenation of ``parts``, in one sponge (no
copy is made)."""



def keccak256_rows_py(rows: np.ndarray, prefix: int | None = None) -> np.ndarray:
    """Keccak-256 of ``prefix ‖ row`` for each row of a (n, L) uint8 matrix -> (n, 32) uint8.

    The pycryptodome twin of ``keccak_batch.keccak256_rows`` (same arguments, same digests): one
    call per row (~5 µs), no numba. The verifier hashes a few hundred Merkle nodes and opened
    columns per commitment with it; the prover's trees use the batched kernel.
    """
    if prefix is not None and not 0 <= prefix <= 255:
        raise ValueError(f"prefix must be one byte, got {prefix}")
    rows = np.ascontiguousarray(rows, dtype=np.uint8)
    if rows.ndim != 2:
        raise ValueError(f"rows must be a 2-D uint8 matrix, got shape {rows.shape}")
    if prefix is not None:  # each row with its prefix byte: one contiguous message per row
        rows = np.concatenate((np.full((rows.shape[0], 1), prefix, dtype=np.uint8), rows), axis=1)
    n, width = rows.shape
    data = rows.tobytes()
    digests = b"".join([keccak256(data[i * width : (i + 1) * width]) for i in range(n)])
    return np.frombuffer(digests, dtype=np.uint8).reshape(n, HASH_BYTES).copy()
