"""Batched Keccak-256 of many equal-length byte strings (numba), for Merkle trees.

``keccak256_rows(rows, prefix)`` returns, for every row r of a (n, L) uint8 matrix,
keccak256(prefix ‖ r) — bit-for-bit the EVM's Keccak-256 (see ``keccak.py``) — with a numba
kernel that releases the GIL, run on row blocks by a thread pool (one block per numba thread).
It exists because one pycryptodome call costs ~5 µs of Python overhead, which dominates the
2^16 inner nodes of a Merkle tree; it is tested against pycryptodome on lengths around every
block boundary (``*_matches_reference``). One compiled signature, no ``parallel=True``: a cold
compile stays at a few seconds.

``keccak256_small`` (one buffer) and ``keccak256_squeeze`` (a transcript draw: m outputs and the
next state) are single-call kernels for the transcript's short records (``Transcript.use_kernels``;
off by default since the sumcheck and GKR rounds hash inside their own kernels).

Keccak-f[1600] follows the Keccak reference (Bertoni, Daemen, Peeters, Van Assche, "The Keccak
reference", v3.0, 2011, §1.2): lanes A[x + 5y] are little-endian 64-bit words; a round keeps
the 25 lanes in a tuple so they stay in registers (2x faster than array-indexed lanes).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import get_num_threads, njit, types

from ..field.jit import helper, kernel
from .keccak import HASH_BYTES, RATE_BYTES

_ROUNDS = 24
_PARALLEL_MIN_BYTES = 1 << 20
"""Below this much input, one thread hashes everything (thread start-up would dominate)."""


def _round_constants() -> np.ndarray:
    """Iota's round constants from the LFSR x^8 + x^6 + x^5 + x^4 + 1 (reference §1.2, iota)."""
    lfsr = 1
    bits = []
    for _ in range(7 * _ROUNDS):
        bits.append(lfsr & 1)
        lfsr <<= 1
        if lfsr & 0x100:
            lfsr ^= 0x171
    rc = np.zeros(_ROUNDS, dtype=np.uint64)
    for i in range(_ROUNDS):
        rc[i] = sum(bits[7 * i + j] << ((1 << j) - 1) for j in range(7))
    return rc


_RC = _round_constants()


@njit(inline="always")
def _rotl(v, r):
    """Rotate a 64-bit lane left by the constant r (r = 0 allowed)."""
    return (v << np.uint64(r)) | (v >> np.uint64((64 - r) & 63))


@njit(inline="always")
def _chi_row(b0, b1, b2, b3, b4):
    """chi on one row of five lanes."""
    return (b0 ^ (~b1 & b2), b1 ^ (~b2 & b3), b2 ^ (~b3 & b4), b3 ^ (~b4 & b0), b4 ^ (~b0 & b1))


@njit(inline="always")
def _round(s, rc):
    """One round (theta, rho, pi, chi, iota) on the 25 lanes held in a tuple (kept in registers).

    Row y of the result is chi of the lanes that pi moves there: B[y, 2x+3y] = rot(A[x, y], r[x, y])
    with the rotation offsets r[x, y] of the reference's table (pinned by ``*_matches_reference``).
    """
    c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20]
    c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21]
    c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22]
    c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23]
    c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24]
    d0 = c4 ^ _rotl(c1, 1)
    d1 = c0 ^ _rotl(c2, 1)
    d2 = c1 ^ _rotl(c3, 1)
    d3 = c2 ^ _rotl(c4, 1)
    d4 = c3 ^ _rotl(c0, 1)
    r0 = _chi_row(_rotl(s[0] ^ d0, 0), _rotl(s[6] ^ d1, 44), _rotl(s[12] ^ d2, 43),
                  _rotl(s[18] ^ d3, 21), _rotl(s[24] ^ d4, 14))
    r1 = _chi_row(_rotl(s[3] ^ d3, 28), _rotl(s[9] ^ d4, 20), _rotl(s[10] ^ d0, 3),
                  _rotl(s[16] ^ d1, 45), _rotl(s[22] ^ d2, 61))
    r2 = _chi_row(_rotl(s[1] ^ d1, 1), _rotl(s[7] ^ d2, 6), _rotl(s[13] ^ d3, 25),
                  _rotl(s[19] ^ d4, 8), _rotl(s[20] ^ d0, 18))
    r3 = _chi_row(_rotl(s[4] ^ d4, 27), _rotl(s[5] ^ d0, 36), _rotl(s[11] ^ d1, 10),
                  _rotl(s[17] ^ d2, 15), _rotl(s[23] ^ d3, 56))
    r4 = _chi_row(_rotl(s[2] ^ d2, 62), _rotl(s[8] ^ d3, 55), _rotl(s[14] ^ d4, 39),
                  _rotl(s[15] ^ d0, 41), _rotl(s[21] ^ d1, 2))
    return (r0[0] ^ rc, r0[1], r0[2], r0[3], r0[4]) + r1 + r2 + r3 + r4


@njit(cache=True, nogil=True)
def _keccak_f1600(a):
    """Apply Keccak-f[1600] in place to the 25 lanes a[x + 5y].

    Called, not inlined: numba then types and optimizes the 24 rounds once per process (and
    caches them), where an inlined copy at each of the ~8 call sites made the first run compile
    the permutation over and over (~45 s of the keccak and sponge kernels' cold compile). A call
    costs a few ns beside the permutation's ~0.3 µs."""
    s = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12],
         a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24])
    for rnd in range(_ROUNDS):
        s = _round(s, _RC[rnd])
    for i in range(25):
        a[i] = s[i]


# Read-only input (writable arrays convert to it), so one compiled signature serves both.
_ROWS_IN = types.Array(types.uint8, 2, "C", readonly=True)
_ROWS_OUT = types.Array(types.uint8, 2, "C")


@kernel(types.void(_ROWS_IN, types.int64, _ROWS_OUT), nogil=True)
def _keccak_rows_kernel(rows, prefix, out):
    """out[i] = keccak256(prefix ‖ rows[i]); prefix < 0 means no prefix byte.

    Every row has one length, so the padded message's layout is the same for all: a scratch
    buffer holds the prefix and the padding once, each row's bytes are copied in, and the
    blocks are absorbed a whole little-endian word at a time (15 % faster than absorbing byte
    by byte into the state, the permutation being the rest)."""
    n, length = rows.shape
    start = 1 if prefix >= 0 else 0
    total = start + length
    blocks = total // RATE_BYTES + 1  # pad10*1 always adds at least one byte
    buf = np.zeros(blocks * RATE_BYTES, dtype=np.uint8)
    if start:
        buf[0] = np.uint8(prefix)
    # pad10*1 after the last byte, with Keccak's domain byte 0x01 (SHA-3 would use 0x06)
    buf[total] ^= np.uint8(0x01)
    buf[blocks * RATE_BYTES - 1] ^= np.uint8(0x80)
    a = np.zeros(25, dtype=np.uint64)
    for i in range(n):
        for j in range(length):
            buf[start + j] = rows[i, j]
        for w in range(25):
            a[w] = 0
        for b in range(blocks):
            for w in range(RATE_BYTES // 8):
                p = b * RATE_BYTES + 8 * w
                v = np.uint64(0)
                for t in range(8):
                    v |= np.uint64(buf[p + t]) << np.uint64(8 * t)
                a[w] ^= v
            _keccak_f1600(a)
        for j in range(HASH_BYTES):
            out[i, j] = np.uint8((a[j >> 3] >> np.uint64(8 * (j & 7))) & np.uint64(0xFF))


@njit(cache=True, nogil=True)
def _keccak_into(buf, n, out, o):
    """out[o:o+32] = keccak256(buf[0:n]), absorbing whole 8-byte little-endian words (called,
    not inlined, like ``_keccak_f1600``: compiled once for its ~4 call sites)."""
    a = np.zeros(25, dtype=np.uint64)
    pos = 0
    while n - pos >= RATE_BYTES:  # full blocks
        for w in range(RATE_BYTES // 8):
            v = np.uint64(0)
            for b in range(8):
                v |= np.uint64(buf[pos + 8 * w + b]) << np.uint64(8 * b)
            a[w] ^= v
        _keccak_f1600(a)
        pos += RATE_BYTES
    off = 0
    while pos < n:  # the tail, then pad10*1 with Keccak's domain byte 0x01
        a[off >> 3] ^= np.uint64(buf[pos]) << np.uint64(8 * (off & 7))
        off += 1
        pos += 1
    a[off >> 3] ^= np.uint64(0x01) << np.uint64(8 * (off & 7))
    a[(RATE_BYTES - 1) >> 3] ^= np.uint64(0x80) << np.uint64(8 * ((RATE_BYTES - 1) & 7))
    _keccak_f1600(a)
    for j in range(HASH_BYTES):
        out[o + j] = np.uint8((a[j >> 3] >> np.uint64(8 * (j & 7))) & np.uint64(0xFF))


_BYTES_IN = types.Array(types.uint8, 1, "C", readonly=True)
_BYTES_OUT = types.Array(types.uint8, 1, "C")


@kernel(types.void(_BYTES_IN, _BYTES_OUT), nogil=True)
def _keccak_one_kernel(buf, out):
    """out[0:32] = keccak256(buf)."""
    _keccak_into(buf, buf.shape[0], out, 0)


@kernel(types.void(_BYTES_IN, types.int64, _BYTES_IN, _BYTES_OUT), nogil=True)
def _squeeze_kernel(head, m, advance, out):
    """out[32 i : 32 i + 32] = keccak256(head ‖ u32(i)) for i < m, out[32 m:] = keccak256(advance).

    The transcript's m challenge outputs and its next state in one call (``base.py``).
    """
    n = head.shape[0]
    buf = np.empty(n + 4, dtype=np.uint8)
    buf[:n] = head
    for i in range(m):
        for b in range(4):
            buf[n + b] = np.uint8((i >> (8 * (3 - b))) & 0xFF)
        _keccak_into(buf, n + 4, out, HASH_BYTES * i)
    _keccak_into(advance, advance.shape[0], out, HASH_BYTES * m)


_PLANES_IN = types.Array(types.uint64, 2, "C", readonly=True)


@helper
def _absorb_words(a, off, planes, groups, j):
    """Absorb BE(planes[c, g n + j]) for g < groups, c < k (n = planes.shape[1] / groups) into
    the sponge state ``a`` at byte offset ``off`` (permuting at each full block); the new
    offset. The words are read where they lie, a lane at a time (split over two lanes when
    unaligned), never copied to bytes."""
    k, width = planes.shape
    n = width // groups
    lanes = RATE_BYTES // 8
    for g in range(groups):
        for c in range(k):
            w = planes[c, g * n + j]
            v = np.uint64(0)  # the big-endian bytes of w as a little-endian lane
            for b in range(8):
                v |= ((w >> np.uint64(8 * b)) & np.uint64(0xFF)) << np.uint64(56 - 8 * b)
            lane, shift = off >> 3, off & 7
            if shift == 0:
                a[lane] ^= v
            else:
                a[lane] ^= v << np.uint64(8 * shift)
            off += 8
            if off >= RATE_BYTES:
                _keccak_f1600(a)
                off -= RATE_BYTES
                if shift:
                    a[0] ^= v >> np.uint64(64 - 8 * shift)
            elif shift and lane + 1 < lanes:
                a[lane + 1] ^= v >> np.uint64(64 - 8 * shift)
    return off


@kernel(types.void(_PLANES_IN, types.int64, _ROWS_IN, types.int64, types.int64, _ROWS_OUT,
                   _PLANES_IN, types.int64), nogil=True)
def _keccak_gathered_kernel(planes, groups, salts, prefix, start, out, tail, tail_groups):
    """out[i] = keccak256(prefix ‖ salts[i] ‖ BE(planes[c, g n + j]) for g < groups, c < k
    ‖ the same of ``tail`` with ``tail_groups``), j = start + i (``_absorb_words``)."""
    for i in range(out.shape[0]):
        j = start + i
        a = np.zeros(25, dtype=np.uint64)
        off = 0
        if prefix >= 0:
            a[0] = np.uint64(prefix)
            off = 1
        for b in range(salts.shape[1]):
            a[off >> 3] ^= np.uint64(salts[i, b]) << np.uint64(8 * (off & 7))
            off += 1
            if off == RATE_BYTES:
                _keccak_f1600(a)
                off = 0
        off = _absorb_words(a, off, planes, groups, j)
        if tail.shape[0]:
            off = _absorb_words(a, off, tail, tail_groups, j)
        a[off >> 3] ^= np.uint64(0x01) << np.uint64(8 * (off & 7))
        a[(RATE_BYTES - 1) >> 3] ^= np.uint64(0x80) << np.uint64(8 * ((RATE_BYTES - 1) & 7))
        _keccak_f1600(a)
        for b in range(HASH_BYTES):
            out[i, b] = np.uint8((a[b >> 3] >> np.uint64(8 * (b & 7))) & np.uint64(0xFF))


def _planes_of(planes: np.ndarray, groups: int, what: str) -> tuple[np.ndarray, int]:
    planes = np.ascontiguousarray(planes, dtype=np.uint64)
    if planes.ndim != 2 or groups < 1 or planes.shape[1] % groups:
        raise ValueError(f"{what} must be (k, groups n) uint64, got {planes.shape} for "
                         f"{groups} groups")
    return planes, planes.shape[1] // groups


def keccak256_gathered(planes: np.ndarray, groups: int, salts: np.ndarray | None = None,
                       prefix: int | None = None, tail: np.ndarray | None = None,
                       tail_groups: int = 1) -> np.ndarray:
    """Keccak-256 of prefix ‖ salts[j] ‖ the 8-byte big-endian words planes[c, g n + j]
    (g < groups outer, c < k inner; n = planes.shape[1] / groups) ‖ the same words of
    ``tail`` (tail_groups groups of n; whir-zk's joint leaves: G's values after f^'s fiber)
    for every j < n -> (n, 32) uint8: ``keccak256_rows`` of those rows without building them.
    A WHIR Merkle tree's leaf j is the fiber {j + g n} of a codeword given as k planes
    (verifier/pcs/whir_fold.py)."""
    planes, n = _planes_of(planes, groups, "planes")
    if tail is None:
        tail, tail_groups = np.empty((0, n), dtype=np.uint64), 1
    tail, n_tail = _planes_of(tail, tail_groups, "tail")
    if n_tail != n and tail.shape[0]:
        raise ValueError(f"tail has {n_tail} leaves, planes {n}")
    salts = np.empty((n, 0), dtype=np.uint8) if salts is None else np.ascontiguousarray(salts)
    if salts.dtype != np.uint8 or salts.shape[:1] != (n,) or salts.ndim != 2:
        raise ValueError(f"salts must be an ({n}, S) uint8 matrix, got {salts.shape}")
    if prefix is not None and not 0 <= prefix <= 255:
        raise ValueError(f"prefix must be one byte, got {prefix}")
    pre = -1 if prefix is None else int(prefix)
    out = np.empty((n, HASH_BYTES), dtype=np.uint8)
    n_threads = (min(get_num_threads(), n) if planes.nbytes + tail.nbytes >= _PARALLEL_MIN_BYTES
                 else 1)
    if n_threads <= 1:
        _keccak_gathered_kernel(planes, groups, salts, pre, 0, out, tail, tail_groups)
        return out
    kern = _keccak_gathered_kernel.dispatcher()
    cuts = np.linspace(0, n, n_threads + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(n_threads) as pool:
        jobs = [pool.submit(kern, planes, groups, salts[a:b], pre, a, out[a:b], tail,
                            tail_groups)
                for a, b in zip(cuts[:-1], cuts[1:])]
        for job in jobs:
            job.result()
    return out


def keccak256_small(data: bytes) -> bytes:
    """keccak256(data) by the numba kernel: ~1 µs of call overhead where pycryptodome's object
    costs ~5-10 µs; for the transcript's many short records (use ``keccak256`` for megabytes)."""
    out = np.empty(HASH_BYTES, dtype=np.uint8)
    _keccak_one_kernel(np.frombuffer(data, dtype=np.uint8), out)
    return out.tobytes()


def keccak256_squeeze(head: bytes, m: int, advance: bytes) -> bytes:
    """keccak256(head ‖ u32(i)) for i = 0..m-1, then keccak256(advance), concatenated (32 (m+1)
    bytes): the outputs and the next state of one transcript draw."""
    out = np.empty(HASH_BYTES * (m + 1), dtype=np.uint8)
    _squeeze_kernel(np.frombuffer(head, dtype=np.uint8), m, np.frombuffer(advance, dtype=np.uint8),
                    out)
    return out.tobytes()


def keccak256_rows(rows: np.ndarray, prefix: int | None = None) -> np.ndarray:
    """Keccak-256 of ``prefix ‖ row`` for each row of a (n, L) uint8 matrix -> (n, 32) uint8.

    ``prefix`` is one optional byte (0..255) prepended to every row (Merkle domain separation).
    """
    if prefix is not None and not 0 <= prefix <= 255:
        raise ValueError(f"prefix must be one byte, got {prefix}")
    rows = np.ascontiguousarray(rows, dtype=np.uint8)
    if rows.ndim != 2:
        raise ValueError(f"rows must be a 2-D uint8 matrix, got shape {rows.shape}")
    n = rows.shape[0]
    out = np.empty((n, HASH_BYTES), dtype=np.uint8)
    pre = -1 if prefix is None else int(prefix)
    n_threads = min(get_num_threads(), n) if rows.size >= _PARALLEL_MIN_BYTES else 1
    if n_threads <= 1:
        _keccak_rows_kernel(rows, pre, out)
        return out
    kern = _keccak_rows_kernel.dispatcher()  # built once, before the threads start
    cuts = np.linspace(0, n, n_threads + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(n_threads) as pool:  # the kernel releases the GIL
        jobs = [pool.submit(kern, rows[a:b], pre, out[a:b])
                for a, b in zip(cuts[:-1], cuts[1:])]
        for job in jobs:
            job.result()
    return out
