"""Numba kernels for Goldilocks arithmetic on uint64 arrays (the hot loops behind ``vec.py``).

Every kernel assumes canonical inputs (< p) and writes canonical outputs (into a caller-supplied
``out`` where it returns an array). Reduction of a 128-bit x = hi 2^64 + lo, hi = hh 2^32 + hl,
uses 2^64 = 2^32 - 1 and 2^96 = -1 (mod p):  x = lo - hh + hl (2^32 - 1)  (mod p).
The 64x64 -> 128-bit product is built from four 32x32 -> 64-bit limb products.
Extension products (k = 2, 3) are schoolbook with X^k = W; sums of products inside them are
accumulated in 192 bits and reduced once per coefficient. Sums and inner products over vectors
keep a 128-bit running sum of reduced terms (one reduction per coefficient at the end).
K vectors are passed flat (row i = entries k i .. k i + k - 1) so LLVM vectorizes across rows.
Top-level kernels have explicit signatures and ``cache=True`` but compile on first call; the
scalar helpers (``fmul``, ``k2_prod``, ...) are intrinsics from ``intrinsics.py``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .alloc import tune_allocator
from .intrinsics import (  # noqa: F401  (re-exported: the scalar helpers of numba code)
    acc_add,
    fadd,
    fmul,
    fpow,
    fsub,
    k2_prod,
    k3_prod,
    k_prod,
    mul128,
    reduce128,
    reduce192,
)
from .jit import kernel  # noqa: F401  (the kernels' decorator, re-exported)
from .params import NONRESIDUE, P

tune_allocator()  # vector work starts here: keep large temporaries off mmap (see alloc.py)

_P = np.uint64(P)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_PM2 = np.uint64(P - 2)
_HALF = np.uint64((P - 1) // 2)
_HALF_I = np.int64((P - 1) // 2)
_W2 = np.uint64(NONRESIDUE[2])
_W3 = np.uint64(NONRESIDUE[3])

_F1 = "void(uint64[::1], uint64[::1])"
_F2 = "void(uint64[::1], uint64[::1], uint64[::1])"


# ---- scalar helpers: mul128 .. fpow above, numba intrinsics (``intrinsics.py``) -------------
# Callable from numba code only. The array helpers below stay inline="always": numba's inlining
# with a literal k is what unrolls and vectorizes their loops, and they are small.


# ---- base field, elementwise on flat arrays ------------------------------------------------


@kernel(_F2)
def f_add(a, b, out):
    for i in range(a.shape[0]):
        out[i] = fadd(a[i], b[i])


@kernel(_F2)
def f_sub(a, b, out):
    for i in range(a.shape[0]):
        out[i] = fsub(a[i], b[i])


@kernel(_F1)
def f_neg(a, out):
    for i in range(a.shape[0]):
        out[i] = fsub(_ZERO, a[i])


@kernel(_F2)
def f_mul(a, b, out):
    for i in range(a.shape[0]):
        out[i] = fmul(a[i], b[i])


@kernel(_F1)
def f_square(a, out):
    for i in range(a.shape[0]):
        out[i] = fmul(a[i], a[i])


@kernel(_F2)
def f_scale(a, s, out):
    """out = a * s[0]."""
    s0 = s[0]
    for i in range(a.shape[0]):
        out[i] = fmul(a[i], s0)


@kernel("void(uint64[::1], uint8[::1], uint64[::1])")
def f_pow_bits(a, bits, out):
    """out = a^e with e given by its bits, most-significant first."""
    for i in range(a.shape[0]):
        x = a[i]
        r = _ONE
        for bit in bits:
            r = fmul(r, r)
            if bit:
                r = fmul(r, x)
        out[i] = r


_LANES = 16
"""Independent Montgomery chains of ``f_inv_batch`` (element i is in lane i mod 16), so that
every recurrence has dependence distance 16 and vectorizes."""
_BLOCK = 1024
"""Block length of the inner-product and batch-inversion kernels: scratch stays in L1."""


@kernel("int64(uint64[::1], uint64[::1])")
def f_inv_batch(a, out):
    """out = 1/a by Montgomery's trick on 16 interleaved lanes: 3 products per element and one
    exponentiation. Returns -1, or the index of the first zero (``out`` is then garbage)."""
    n = a.shape[0]
    if n == 0:
        return -1
    for i in range(min(_LANES, n)):  # out[i] = product of a[j], j < i in i's lane
        out[i] = _ONE
    for i in range(n - _LANES):
        out[i + _LANES] = fmul(out[i], a[i])
    tot = np.ones(_LANES, dtype=np.uint64)
    for i in range(max(n - _LANES, 0), n):
        tot[i % _LANES] = fmul(out[i], a[i])
    for t in range(_LANES):
        if tot[t] == _ZERO:  # a zero element: report the first one
            for i in range(n):
                if a[i] == _ZERO:
                    return i
    pre = np.empty(_LANES, dtype=np.uint64)  # invert the lane totals (Montgomery, one pow)
    acc = _ONE
    for t in range(_LANES):
        pre[t] = acc
        acc = fmul(acc, tot[t])
    acc = fpow(acc, _PM2)
    inv = np.empty(_LANES, dtype=np.uint64)
    for t in range(_LANES - 1, -1, -1):
        inv[t] = fmul(acc, pre[t])
        acc = fmul(acc, tot[t])
    # backward, blockwise: r_j = 1/(lane product through j) = r_(j+16) a_(j+16); out_j *= r_j
    buf = np.empty(_BLOCK + _LANES, dtype=np.uint64)
    e = max(n - _LANES, 0)
    for j in range(e, n):
        buf[j - e] = inv[j % _LANES]
        out[j] = fmul(out[j], buf[j - e])
    while e > 0:
        s = max(e - _BLOCK, 0)
        m = e - s
        inv[:] = buf[:_LANES]  # carry r_e .. r_(e+15) to the top of the buffer
        buf[m : m + _LANES] = inv
        x = a[s : e + _LANES]
        for j in range(m - 1, -1, -1):
            buf[j] = fmul(buf[j + _LANES], x[j + _LANES])
        y = out[s:e]
        for j in range(m):
            y[j] = fmul(y[j], buf[j])
        e = s
    return -1


# ---- generic over the row width k (flat arrays of n k-coefficient rows) --------------------
# Each kernel dispatches to an inlined loop with a literal k = 1, 2, 3 so that LLVM unrolls the
# row and vectorizes across rows; other k run the same loop with a runtime k.


@kernel("uint64[::1](uint64[:, ::1])")
def sum_rows(a):
    """Sum of the n rows of an (n, k) array, one pass per column, reduced once per column."""
    n, k = a.shape
    out = np.zeros(k, dtype=np.uint64)
    for j in range(k):
        hi = _ZERO
        lo = _ZERO
        for i in range(n):
            x = a[i, j]
            lo += x
            hi += np.uint64(lo < x)
        out[j] = reduce128(hi, lo)
    return out


@njit(inline="always")
def _mul_base_rows(a, f, out, k):
    for i in range(f.shape[0]):
        fi = f[i]
        for j in range(k):
            out[i * k + j] = fmul(a[i * k + j], fi)


@kernel(_F2)
def mul_base(a, f, out):
    """out[i] = a[i] * f[i]: each k-coefficient row of ``a`` times one F element of ``f``."""
    k = a.shape[0] // f.shape[0] if f.shape[0] else 1
    if k == 2:
        _mul_base_rows(a, f, out, 2)
    elif k == 3:
        _mul_base_rows(a, f, out, 3)
    else:
        _mul_base_rows(a, f, out, k)


@njit(inline="always")
def _map_cols(a, c, out, k, mul):
    for i in range(a.shape[0] // k):
        for j in range(k):
            out[i * k + j] = fmul(a[i * k + j], c[j]) if mul else fadd(a[i * k + j], c[j])


@kernel("void(uint64[::1], uint64[::1], uint64[::1], boolean)")
def map_cols(a, c, out, mul):
    """out[i, j] = a[i, j] * c[j] if ``mul`` else a[i, j] + c[j], with k = len(c) columns.

    Adds one K element to every row, or scales coefficient j by c[j] (the Frobenius map).
    """
    k = c.shape[0]
    if k == 1:
        _map_cols(a, c, out, 1, mul)
    elif k == 2:
        _map_cols(a, c, out, 2, mul)
    elif k == 3:
        _map_cols(a, c, out, 3, mul)
    else:
        _map_cols(a, c, out, k, mul)


# ---- extension products, specialised for k = 2 and k = 3 (flat arrays of rows) -------------


@kernel(_F2)
def k2_mul(a, b, out):
    for i in range(a.shape[0] // 2):
        out[2 * i], out[2 * i + 1] = k2_prod(a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])


@kernel(_F1)
def k2_square(a, out):
    """(a0 + a1 X)^2 = a0^2 + W a1^2 + 2 a0 a1 X."""
    for i in range(a.shape[0] // 2):
        a0 = a[2 * i]
        a1 = a[2 * i + 1]
        t = fmul(a0, a1)
        out[2 * i] = fadd(fmul(a0, a0), fmul(_W2, fmul(a1, a1)))
        out[2 * i + 1] = fadd(t, t)


@kernel(_F2)
def k2_scale(a, s, out):
    """out[i] = a[i] * s for one K element s."""
    s0 = s[0]
    s1 = s[1]
    for i in range(a.shape[0] // 2):
        out[2 * i], out[2 * i + 1] = k2_prod(a[2 * i], a[2 * i + 1], s0, s1)


@kernel(_F2)
def k3_mul(a, b, out):
    for i in range(a.shape[0] // 3):
        j = 3 * i
        out[j], out[j + 1], out[j + 2] = k3_prod(a[j], a[j + 1], a[j + 2], b[j], b[j + 1], b[j + 2])


@kernel(_F1)
def k3_square(a, out):
    """(a0 + a1 X + a2 X^2)^2 = a0^2 + 2W a1 a2 + (2 a0 a1 + W a2^2) X + (2 a0 a2 + a1^2) X^2."""
    for i in range(a.shape[0] // 3):
        a0 = a[3 * i]
        a1 = a[3 * i + 1]
        a2 = a[3 * i + 2]
        t = fmul(a1, a2)
        out[3 * i] = fadd(fmul(a0, a0), fmul(_W3, fadd(t, t)))
        t = fmul(a0, a1)
        out[3 * i + 1] = fadd(fadd(t, t), fmul(_W3, fmul(a2, a2)))
        t = fmul(a0, a2)
        out[3 * i + 2] = fadd(fadd(t, t), fmul(a1, a1))


@kernel(_F2)
def k3_scale(a, s, out):
    """out[i] = a[i] * s for one K element s."""
    s0 = s[0]
    s1 = s[1]
    s2 = s[2]
    for i in range(a.shape[0] // 3):
        j = 3 * i
        out[j], out[j + 1], out[j + 2] = k3_prod(a[j], a[j + 1], a[j + 2], s0, s1, s2)


# ---- inner products: blockwise, products into an L1-sized buffer (vectorized), lazy sums -----

@njit(inline="always")
def _lazy_sum_block(buf, m, k, acc):
    """acc[2j] + 2^64 acc[2j+1] += sum of column j of the first m rows of buf (no reduction)."""
    for j in range(k):
        lo = acc[2 * j]
        hi = acc[2 * j + 1]
        for i in range(m):
            x = buf[i * k + j]
            lo += x
            hi += np.uint64(lo < x)
        acc[2 * j] = lo
        acc[2 * j + 1] = hi


@njit(inline="always")
def _reduce_acc(acc, k):
    out = np.empty(k, dtype=np.uint64)
    for j in range(k):
        out[j] = reduce128(acc[2 * j + 1], acc[2 * j])
    return out


@kernel("uint64[::1](uint64[::1], uint64[::1])")
def f_inner(a, b):
    """[sum_i a_i b_i] over F, one pass over the inputs."""
    buf = np.empty(_BLOCK, dtype=np.uint64)
    acc = np.zeros(2, dtype=np.uint64)
    for s in range(0, a.shape[0], _BLOCK):
        m = min(_BLOCK, a.shape[0] - s)
        x = a[s : s + m]
        y = b[s : s + m]
        for i in range(m):
            buf[i] = fmul(x[i], y[i])
        _lazy_sum_block(buf, m, 1, acc)
    return _reduce_acc(acc, 1)


@kernel("uint64[::1](uint64[::1], uint64[::1])")
def k2_inner(a, b):
    """sum_i a_i b_i in K2 (coefficients), one pass over the inputs."""
    buf = np.empty(2 * _BLOCK, dtype=np.uint64)
    acc = np.zeros(4, dtype=np.uint64)
    for s in range(0, a.shape[0] // 2, _BLOCK):
        m = min(_BLOCK, a.shape[0] // 2 - s)
        x = a[2 * s : 2 * (s + m)]
        y = b[2 * s : 2 * (s + m)]
        for i in range(m):
            buf[2 * i], buf[2 * i + 1] = k2_prod(x[2 * i], x[2 * i + 1], y[2 * i], y[2 * i + 1])
        _lazy_sum_block(buf, m, 2, acc)
    return _reduce_acc(acc, 2)


@kernel("uint64[::1](uint64[::1], uint64[::1])")
def k3_inner(a, b):
    """sum_i a_i b_i in K3 (coefficients), one pass over the inputs."""
    buf = np.empty(3 * _BLOCK, dtype=np.uint64)
    acc = np.zeros(6, dtype=np.uint64)
    for s in range(0, a.shape[0] // 3, _BLOCK):
        m = min(_BLOCK, a.shape[0] // 3 - s)
        x = a[3 * s : 3 * (s + m)]
        y = b[3 * s : 3 * (s + m)]
        for i in range(m):
            j = 3 * i
            c = k3_prod(x[j], x[j + 1], x[j + 2], y[j], y[j + 1], y[j + 2])
            buf[j], buf[j + 1], buf[j + 2] = c
        _lazy_sum_block(buf, m, 3, acc)
    return _reduce_acc(acc, 3)


# ---- integer conversions -------------------------------------------------------------------


@kernel("UniTuple(int64, 2)(uint64[::1], uint64, int64[::1])")
def to_signed(a, bound, out):
    """Centered value of each a_i (> (p-1)/2 means negative), checked against |v| <= bound.

    Returns (0, -1) on success, (1, i) if a_i >= p, (2, i) if |v_i| > bound.
    """
    for i in range(a.shape[0]):
        v = a[i]
        if v >= _P:
            return 1, i
        if v <= _HALF:
            if v > bound:
                return 2, i
            out[i] = np.int64(v)
        else:
            m = _P - v
            if m > bound:
                return 2, i
            out[i] = -np.int64(m)
    return 0, -1
