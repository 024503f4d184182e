"""Radix-2 number-theoretic transform over F_p on uint64 arrays, batched over rows.

For n = 2^s (s <= TWO_ADICITY) let w_n = g^((p - 1)/n) with g = MULTIPLICATIVE_GENERATOR, a
primitive n-th root of unity (g generates F_p^*, so g^((p-1)/n) has order exactly n). Then

    ntt(c)[x]  = sum_m c[m] w_n^(m x)            (x = 0..n-1: c's polynomial on <w_n>)
    intt(v)[m] = n^-1 sum_x v[x] w_n^(-m x)      (its inverse: interpolation)

both in natural order. ``rs_encode`` reads each row as the coefficients of a polynomial of degree
< n and evaluates it on the subgroup of order n * blowup: the Reed-Solomon code RS[F, <w_N>, n],
an [N, n, N - n + 1] MDS code (non-systematic). It is F-linear, so a K row is encoded one
coefficient at a time (``rs_encode_ext``).

Iterative Cooley-Tukey (decimation in time): bit-reversal permutation, then s butterfly stages;
stage j combines blocks of length 2^j with twiddles w_(2^j)^i stored contiguously at
``tw[2^(j-1) + i]``. Kernels are numba, parallel over rows.

>>> import numpy as np
>>> v = ntt(np.array([[1, 2, 0, 0]], dtype=np.uint64))
>>> intt(v).tolist()
[[1, 2, 0, 0]]
>>> ntt(np.array([[5, 0]], dtype=np.uint64)).tolist()  # a constant polynomial is constant
[[5, 5]]
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit, prange

from ..field.jit import kernel
from ..field.kernels import fadd, fmul, fsub
from ..field.params import MULTIPLICATIVE_GENERATOR, TWO_ADICITY, P

__all__ = ["root_of_unity", "ntt", "intt", "rs_encode", "rs_encode_ext"]


def root_of_unity(n: int) -> int:
    """A primitive n-th root of unity w_n = g^((p-1)/n) for n = 2^s, s <= TWO_ADICITY."""
    s = _log2(n)
    if s > TWO_ADICITY:
        raise ValueError(f"F_p has no subgroup of order 2^{s} (two-adicity {TWO_ADICITY})")
    return pow(MULTIPLICATIVE_GENERATOR, (P - 1) >> s, P)


def _log2(n: int) -> int:
    if n < 1 or n & (n - 1):
        raise ValueError(f"NTT length {n} is not a power of two")
    return n.bit_length() - 1


@kernel("void(uint64[::1], uint64)")
def _fill_stage_twiddles(tw, w):
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


@cache
def _twiddles(n: int, inverse: bool) -> np.ndarray:
    """Stage twiddle table of length n for w_n (or w_n^-1); cached per size (never modify)."""
    w = root_of_unity(n)
    tw = np.zeros(max(n, 1), dtype=np.uint64)
    _fill_stage_twiddles(tw, np.uint64(pow(w, P - 2, P) if inverse else w))
    return tw


@cache
def _bit_reverse(n: int) -> np.ndarray:
    """The permutation i -> reverse of i's log2(n) bits; cached per size (never modify)."""
    s = _log2(n)
    idx = np.arange(n, dtype=np.int64)
    rev = np.zeros(n, dtype=np.int64)
    for j in range(s):  # a loop over bits, not elements
        rev |= ((idx >> j) & 1) << (s - 1 - j)
    return rev


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
def _ntt_kernel(a, out, rev, tw):
    """out[r] = NTT of a[r] for every row (natural order in and out)."""
    rows, n = a.shape
    for r in prange(rows):
        row = out[r]
        for i in range(n):
            row[i] = a[r, rev[i]]
        _stages(row, tw, 1)


@kernel("void(uint64[:, ::1], uint64[:, ::1], int64[::1], uint64[::1], int64)", parallel=True)
def _encode_kernel(a, out, rev_n, tw, blowup):
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


@kernel("void(uint64[:, ::1], uint64)", parallel=True)
def _scale_kernel(a, s):
    rows, n = a.shape
    for r in prange(rows):
        for i in range(n):
            a[r, i] = fmul(a[r, i], s)


def _as_rows(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """``a`` as a C-contiguous (rows, n) uint64 array, and whether it was 1-D."""
    if not isinstance(a, np.ndarray) or a.dtype != np.uint64 or a.ndim not in (1, 2):
        raise ValueError("NTT input must be a uint64 array of shape (n,) or (rows, n)")
    flat = a.ndim == 1
    return np.ascontiguousarray(a[None, :] if flat else a), flat


def ntt(a: np.ndarray) -> np.ndarray:
    """Forward NTT of each row of ``a`` (shape (n,) or (rows, n), n a power of two, canonical)."""
    rows, flat = _as_rows(a)
    n = rows.shape[1]
    out = np.empty_like(rows)
    _ntt_kernel(rows, out, _bit_reverse(n), _twiddles(n, False))
    return out[0] if flat else out


def intt(a: np.ndarray) -> np.ndarray:
    """Inverse NTT of each row: ``intt(ntt(c)) == c``."""
    rows, flat = _as_rows(a)
    n = rows.shape[1]
    out = np.empty_like(rows)
    _ntt_kernel(rows, out, _bit_reverse(n), _twiddles(n, True))
    _scale_kernel(out, np.uint64(pow(n, P - 2, P)))
    return out[0] if flat else out


def rs_encode(a: np.ndarray, blowup: int) -> np.ndarray:
    """Reed-Solomon encode each row: coefficients (rows, n) -> evaluations (rows, n * blowup)
    on the subgroup of order n * blowup (rate 1/blowup, blowup a power of two)."""
    rows, flat = _as_rows(a)
    _log2(blowup)
    n = rows.shape[1]
    out = np.empty((rows.shape[0], n * blowup), dtype=np.uint64)
    _encode_kernel(rows, out, _bit_reverse(n), _twiddles(n * blowup, False), blowup)
    return out[0] if flat else out


def rs_encode_ext(u: np.ndarray, blowup: int) -> np.ndarray:
    """Encode one K vector u of shape (n, k): the (n * blowup, k) codeword, coefficientwise."""
    if u.ndim != 2:
        raise ValueError(f"rs_encode_ext expects an (n, k) K vector, got shape {u.shape}")
    return rs_encode(np.ascontiguousarray(u.T), blowup).T.copy()
