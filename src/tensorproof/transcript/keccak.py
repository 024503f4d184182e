"""Keccak-256 exactly as the EVM computes it (the ``KECCAK256`` opcode / Solidity ``keccak256``).

This is the original Keccak submission with pad10*1 and domain byte 0x01, rate 136 bytes,
*not* NIST SHA3-256 (FIPS 202 changed the padding byte to 0x06, so every digest differs).

>>> keccak256(b"").hex()
'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
>>> keccak256(b"a", b"bc") == keccak256(b"abc")
True
"""

from __future__ import annotations

import ctypes
import os
import threading
from importlib.machinery import EXTENSION_SUFFIXES

import numpy as np

HASH_BYTES = 32
"""Digest length of Keccak-256."""

RATE_BYTES = 136
"""Sponge rate of Keccak-256 (1600 - 2 * 256 bits): bytes absorbed per permutation."""

_PROBE_DIGEST = bytes.fromhex("bfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890")
"""Keccak-256 of bytes(range(200)) (two permutations: more than one rate)."""

_EMPTY_DIGEST = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
"""Keccak-256 of b"" (the EVM's empty-code hash)."""


def _keccak256_objects(*parts: bytes | bytearray | memoryview) -> bytes:
    """Keccak-256 of the concatenation of ``parts`` through pycryptodome's hash objects."""
    from Crypto.Hash import keccak as _keccak

    h = _keccak.new(digest_bits=256)
    for part in parts:
        h.update(part)
    return h.digest()


def _keccak_library() -> ctypes.CDLL | None:
    """pycryptodome's Keccak C library (``Crypto/Hash/_keccak*.so``), opened with ctypes, or
    None. Opened here rather than through ``Crypto.Hash.keccak``, whose loader imports
    subprocess, tempfile and shutil and runs the ``file`` command (platform.architecture):
    ~15 ms of every `tensorproof verify`, which hashes a few KiB."""
    import Crypto  # the package alone: a version number

    folder = os.path.join(os.path.dirname(os.path.abspath(Crypto.__file__)), "Hash")
    for suffix in EXTENSION_SUFFIXES:  # the names pycryptodome's own loader tries, in order
        path = os.path.join(folder, "_keccak" + suffix)
        if os.path.isfile(path):
            return ctypes.CDLL(path)
    return None


def _direct_keccak256():
    """Keccak-256 on pycryptodome's C sponge, one reused state per thread (reset, absorb,
    digest): ~2 µs a call where a hash object costs ~6 µs (allocation and wrappers), which
    made hashing ~40% of a verification (~6000 transcript records and Merkle nodes). The same
    C code, padding 0x01 and 24 rounds as ``keccak.new``. Returns (keccak256, hash_rows), or
    None (use the hash objects) if the library or its functions are missing, or if it fails a
    known-answer test."""
    try:
        lib = _keccak_library()
        if lib is None:
            return None
        init, destroy, reset, absorb, digest = (lib.keccak_init, lib.keccak_destroy,
                                                lib.keccak_reset, lib.keccak_absorb,
                                                lib.keccak_digest)
    except (ImportError, OSError, AttributeError, TypeError):
        return None
    # No argtypes: every argument goes as a ctypes object (faster per call than converting
    # Python ints, and no int is ever truncated to a C int), bytes as a pointer to their buffer.
    ptr, size = ctypes.c_void_p, ctypes.c_size_t
    out_len, padding = size(HASH_BYTES), ctypes.c_ubyte(1)  # padding 0x01: Keccak, not SHA-3
    local = threading.local()  # ctypes releases the GIL: a state per thread

    class State:
        """A C sponge (capacity 64 bytes, 24 rounds) and its digest buffer; freed with it."""

        def __init__(self) -> None:
            self.st = ptr()
            if init(ctypes.byref(self.st), size(64), ctypes.c_ubyte(24)):
                raise RuntimeError("keccak_init failed")
            self.out = ctypes.create_string_buffer(HASH_BYTES)

        def __del__(self) -> None:
            if self.st:
                destroy(self.st)

    def state() -> State:
        st = getattr(local, "state", None)
        if st is None:
            st = local.state = State()
        return st

    def keccak256(*parts: bytes | bytearray | memoryview) -> bytes:
        st = getattr(local, "state", None) or state()
        s = st.st
        reset(s)
        for part in parts:  # bytes go to C as they are; other buffers through numpy's pointer
            if type(part) is bytes:
                absorb(s, part, size(len(part)))
            else:
                view = np.frombuffer(part, dtype=np.uint8)
                absorb(s, ptr(view.ctypes.data), size(view.nbytes))
        digest(s, st.out, out_len, padding)
        return st.out.raw

    def hash_rows(rows: np.ndarray, out: np.ndarray) -> None:
        """keccak256 of each row of a C-contiguous (n, L) uint8 matrix into the rows of the
        C-contiguous (n, 32) uint8 ``out``, pointer to pointer: no bytes object per row."""
        s = state().st
        width = rows.shape[1]
        src, dst, n_bytes = rows.ctypes.data, out.ctypes.data, size(width)
        for i in range(rows.shape[0]):
            reset(s)
            absorb(s, ptr(src + i * width), n_bytes)
            digest(s, ptr(dst + i * HASH_BYTES), out_len, padding)

    try:
        probe = bytes(range(200))
        rows = np.frombuffer(probe, dtype=np.uint8).reshape(2, 100)
        out = np.empty((2, HASH_BYTES), dtype=np.uint8)
        hash_rows(rows, out)
        if keccak256(probe[:7], memoryview(probe)[7:150], bytearray(probe[150:])) \
                != _PROBE_DIGEST or keccak256(b"") != _EMPTY_DIGEST \
                or out.tobytes() != keccak256(probe[:100]) + keccak256(probe[100:]):
            return None
    except Exception:  # an unexpected library: the public API instead
        return None
    return keccak256, hash_rows


keccak256, _hash_rows = _direct_keccak256() or (_keccak256_objects, None)
"""keccak256(*parts) -> bytes: Keccak-256 of the concatenation of ``parts``, in one sponge (no
copy is made)."""


def keccak256_rows_py(rows: np.ndarray, prefix: int | None = None) -> np.ndarray:
    """Keccak-256 of ``prefix ‖ row`` for each row of a (n, L) uint8 matrix -> (n, 32) uint8.

    The pycryptodome twin of ``keccak_batch.keccak256_rows`` (same arguments, same digests): one
    sponge per row (~2 µs), no numba. The verifier hashes a few hundred Merkle nodes and opened
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
    if _hash_rows is not None:
        out = np.empty((n, HASH_BYTES), dtype=np.uint8)
        _hash_rows(rows, out)
        return out
    data = rows.tobytes()
    digests = b"".join([keccak256(data[i * width : (i + 1) * width]) for i in range(n)])
    return np.frombuffer(digests, dtype=np.uint8).reshape(n, HASH_BYTES).copy()
