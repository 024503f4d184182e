"""Numba kernels of ``ntt.py`` (its "numba" backend: the prover's large encodings).

Iterative Cooley-Tukey on bit-reversed rows, parallel over rows; stage j combines blocks of
length 2^j with the twiddles w_(2^j)^i stored at ``tw[2^(j-1) + i]`` (see ``ntt.py``). Imported
by ``ntt.py`` on the first numba-backend call only: importing this module imports numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..field.jit import kernel
from ..field.kernels import fadd, fmul, fsub


@kernel("void(uint64[::1], uint64)")
def fill_stage_twiddles(tw, w):
    """tw[h + i] = w_(2h)^i for every stage half-length h = 1, 2, .., n/2; w = w_n."""
    n = tw.shape[0]
    half = n >> 1
    if half == 0:
        return
    x = np.uint64(1)
    for i in range(half):  # the last stage: w_n^i
        tw[half + i] = x
        x = fmul(x, w)
    h = half >> 1
    while h >= 1:  # w_(2h)^i = w_(4h)^(2i)
        for i in range(h):
            tw[h + i] = tw[2 * h + 2 * i]
        h >>= 1


@njit(inline="always")
def _stages(row, tw, h_start):
    """Butterfly stages with half-length h_start, 2 h_start, .., n/2 on one bit-reversed row."""
    n = row.shape[0]
    h = h_start
    while h < n:
        for start in range(0, n, 2 * h):
            for i in range(h):
                u = row[start + i]
                v = fmul(row[start + h + i], tw[h + i])
                row[start + i] = fadd(u, v)
                row[start + h + i] = fsub(u, v)
        h <<= 1


@kernel("void(uint64[:, ::1], uint64[:, ::1], int64[::1], uint64[::1])", parallel=True)
def ntt_kernel(a, out, rev, tw):
    """out[r] = NTT of a[r] for every row (natural order in and out)."""
    rows, n = a.shape
    for r in prange(rows):
        row = out[r]
        for i in range(n):
            row[i] = a[r, rev[i]]
        _stages(row, tw, 1)


@kernel("void(uint64[:, ::1], uint64[:, ::1], int64[::1], uint64[::1], int64)", parallel=True)
def encode_kernel(a, out, rev_n, tw, blowup):
    """out[r] = NTT of a[r] zero-padded to n * blowup.

    After the bit-reversal of the padded row only positions q * blowup are non-zero (they hold
    a[r, rev_n(q)]), and the first log2(blowup) stages turn each block of blowup entries into
    copies of its first entry; so the kernel writes those copies and runs the remaining stages.
    """
    rows, n = a.shape
    for r in prange(rows):
        row = out[r]
        for q in range(n):
            x = a[r, rev_n[q]]
            for j in range(blowup):
                row[q * blowup + j] = x
        _stages(row, tw, blowup)


@kernel("void(uint64[::1], uint64[::1], int64[::1], uint64[::1], int64, int64)", parallel=True)
def encode_row_kernel(a, row, rev_n, tw, blowup, parts):
    """``encode_kernel`` of one row, parallel inside it: the copies, then ``parts`` (a power of
    two) contiguous blocks run the stages that stay inside a block, one block per thread, then
    each remaining stage runs its butterflies in parallel. For one or a few long rows (a WHIR
    table), where the row-parallel kernel keeps all but one or two threads idle."""
    n = a.shape[0]
    size = row.shape[0]
    for q in prange(n):
        x = a[rev_n[q]]
        for j in range(blowup):
            row[q * blowup + j] = x
    chunk = size // parts
    for p in prange(parts):
        _stages(row[p * chunk:(p + 1) * chunk], tw, blowup)
    h = max(chunk, blowup)
    while h < size:
        for b in prange(size >> 1):
            blk = b // h
            i = b - blk * h
            s = 2 * blk * h + i
            u = row[s]
            v = fmul(row[s + h], tw[h + i])
            row[s] = fadd(u, v)
            row[s + h] = fsub(u, v)
        h <<= 1


@kernel("void(uint64[:, ::1], uint64)", parallel=True)
def scale_kernel(a, s):
    rows, n = a.shape
    for r in prange(rows):
        for i in range(n):
            a[r, i] = fmul(a[r, i], s)
