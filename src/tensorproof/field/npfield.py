"""Goldilocks arithmetic in plain numpy: the twin of the numba ``kernels`` (no numba import).

The verifier's vector work (eq tables, inner products, RS re-encoding of a few rows, row
combinations: ``verifier/evaluations.py``) is small, so a fresh process is better served by
numpy than by importing numba and loading cached kernels (~1 s). Every function here has the
name, arguments and results of the ``field/kernels.py`` kernel it mirrors (results written into
``out``), so that ``VecField(k, backend="numpy")`` swaps one module for the other; tests compare
the two, and both with the pure-int reference ``field/scalar.py``.

Exactness: the 64x64 -> 128-bit product is built from four 32x32 -> 64-bit limb products
(``mul128``), reduced with 2^64 = 2^32 - 1 and 2^96 = -1 (mod p) exactly as in ``kernels``
(``reduce128``); sums are taken on the 32-bit halves of canonical values (no uint64 overflow
below 2^32 terms) and reduced once, with Python ints. All outputs are canonical (< p).
Inputs must be canonical uint64 arrays (unchecked, as for the kernels); every array
operation here wraps modulo 2^64 by design.

>>> a = np.array([P - 1, 2**32], dtype=np.uint64)
>>> fmul(a, a).tolist()  # (-1)^2 = 1 and 2^64 = 2^32 - 1 (mod p)
[1, 4294967295]
"""

from __future__ import annotations

import numpy as np

from .params import EPSILON, NONRESIDUE, P
from .scalar import ext_field

_P = np.uint64(P)
_EPS = np.uint64(EPSILON)
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO32 = np.uint64(1 << 32)
_HALF = (P - 1) // 2
_MAX_SUM_TERMS = 1 << 32
"""Sums split each value into 32-bit halves and add them in uint64: exact below 2^32 terms."""


# ---- elementwise F arithmetic on arrays of any (broadcastable) shape -------------------------


def mul128(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) with a * b = hi 2^64 + lo, from 32-bit limbs (each limb product < 2^64)."""
    a0, a1 = a & _M32, a >> _S32
    b0, b1 = b & _M32, b >> _S32
    ll, lh, hl = a0 * b0, a0 * b1, a1 * b0
    mid = (ll >> _S32) + (lh & _M32) + (hl & _M32)  # < 3 * 2^32
    lo = (ll & _M32) | (mid << _S32)  # the shift drops mid's top bits: they go to hi
    hi = a1 * b1 + (lh >> _S32) + (hl >> _S32) + (mid >> _S32)
    return hi, lo


def reduce128(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """(hi 2^64 + lo) mod p, canonical: lo - hh + hl (2^32 - 1) for hi = hh 2^32 + hl.
    ``hi`` and ``lo`` are arrays of at least one dimension."""
    hh = hi >> _S32
    t0 = lo - hh
    np.subtract(t0, _EPS, out=t0, where=lo < hh)  # borrowed 2^64 = EPS (mod p): take it back
    t1 = (hi & _M32) * _EPS
    s = t0 + t1
    np.add(s, _EPS, out=s, where=s < t1)  # carried out 2^64 = EPS (mod p): add it back
    np.subtract(s, _P, out=s, where=s >= _P)
    return s


def fmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b mod p (a 0-d array for two scalars)."""
    a, b = np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)
    if a.ndim == 0 and b.ndim == 0:  # numpy scalar arithmetic would warn on wrapping
        return np.asarray(int(a) * int(b) % P, dtype=np.uint64)
    return reduce128(*mul128(a, b))


def fadd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b mod p: subtract p on a 64-bit carry or when the sum reaches p."""
    s = np.asarray(np.add(a, b, dtype=np.uint64))
    np.subtract(s, _P, out=s, where=(s < a) | (s >= _P))
    return s


def fsub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a - b mod p."""
    d = np.asarray(np.subtract(a, b, dtype=np.uint64))
    np.add(d, _P, out=d, where=np.less(a, b))
    return d


def fsum(a: np.ndarray, axis: int | None = None) -> np.ndarray | int:
    """Sum of canonical values mod p: over ``axis`` (an array), or of everything (an int)."""
    a = np.asarray(a, dtype=np.uint64)
    n = a.size if axis is None else a.shape[axis]
    if n >= _MAX_SUM_TERMS:
        raise ValueError(f"fsum of {n} terms: split the sum below 2^32 terms")
    lo = np.asarray((a & _M32).sum(axis=axis, dtype=np.uint64))  # each < n 2^32 < 2^64
    hi = np.asarray((a >> _S32).sum(axis=axis, dtype=np.uint64))
    if axis is None:
        return (int(lo) + (int(hi) << 32)) % P
    np.subtract(lo, _P, out=lo, where=lo >= _P)  # any uint64 is < 2p: one subtraction
    np.subtract(hi, _P, out=hi, where=hi >= _P)
    return fadd(lo, fmul(hi, _TWO32))


MATMUL_LIMB_BITS = 16
"""``fmatmul``'s limb width: a limb product is < 2^32, so a sum of up to 2^21 of them is an
integer below 2^53, which a float64 holds exactly whatever the order of the additions."""

MATMUL_MAX_INNER = 1 << (53 - 2 * MATMUL_LIMB_BITS)
"""The longest inner dimension ``fmatmul`` takes (2^21)."""

_LIMBS = 64 // MATMUL_LIMB_BITS
_LIMB_MASK = np.uint64((1 << MATMUL_LIMB_BITS) - 1)
_LIMB_WEIGHTS = np.array([pow(2, MATMUL_LIMB_BITS * s, P) for s in range(2 * _LIMBS - 1)],
                         dtype=np.uint64)
"""2^(16 s) mod p: the weight of the limb products whose limb indices sum to s."""


def _limb_planes(a: np.ndarray) -> np.ndarray:
    """(..,) uint64 -> (4, ..) float64: its 16-bit limbs, least significant first."""
    shifts = np.arange(0, 64, MATMUL_LIMB_BITS, dtype=np.uint64).reshape((-1,) + (1,) * a.ndim)
    return ((a[None] >> shifts) & _LIMB_MASK).astype(np.float64)


def fmatmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b mod p for canonical (r, n) and (n, c) uint64 arrays, n <= MATMUL_MAX_INNER.

    One float64 matrix product (BLAS) of the 16-bit limb planes, (4r, n) @ (n, 4c): each entry
    sums n limb products below 2^32, an integer below 2^53, so it is exact in any summation
    order, with or without FMA (a standard GEMM: OpenBLAS, MKL, BLIS and Accelerate use no
    Strassen-like scheme, which could round). The 16 limb pairs are then added by the sum s
    of their limb indices (seven planes, each below 2^55 < p) and weighed by 2^(16 s) mod p
    in one product and one sum. A handful of numpy calls for
    what a fold or an elementwise product and sum would take n times the memory for."""
    a, b = np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"fmatmul: shapes {a.shape} and {b.shape} do not multiply")
    (r, n), c = a.shape, b.shape[1]
    if n > MATMUL_MAX_INNER:
        raise ValueError(f"fmatmul: inner dimension {n} exceeds {MATMUL_MAX_INNER}")
    pa = _limb_planes(a).reshape(_LIMBS * r, n)
    pb = _limb_planes(b).transpose(1, 0, 2).reshape(n, _LIMBS * c)
    prod = (pa @ pb).reshape(_LIMBS, r, _LIMBS, c).astype(np.uint64)
    planes = np.zeros((2 * _LIMBS - 1, r, c), dtype=np.uint64)
    for i in range(_LIMBS):
        planes[i : i + _LIMBS] += prod[i].transpose(1, 0, 2)
    if r * c <= MATMUL_SCALAR_OUT:  # a few entries: the weighing in Python ints
        cols = planes.reshape(2 * _LIMBS - 1, r * c).T.tolist()
        return np.array([sum(v << (MATMUL_LIMB_BITS * s) for s, v in enumerate(col)) % P
                         for col in cols], dtype=np.uint64).reshape(r, c)
    return np.asarray(fsum(fmul(planes, _LIMB_WEIGHTS[:, None, None]), axis=0), dtype=np.uint64)


MATMUL_SCALAR_OUT = 32
"""``fmatmul`` weighs products of at most this many entries with Python ints (numpy's
product and sum of the seven planes cost ~40 us whatever their size)."""


def fpow_bits(a: np.ndarray, bits) -> np.ndarray:
    """a^e elementwise, e given by its bits, most-significant first (square and multiply)."""
    r = np.ones_like(a)
    for bit in bits:
        r = fmul(r, r)
        if bit:
            r = fmul(r, a)
    return r


# ---- K = F[X]/(X^k - W) products on (..., k) arrays ------------------------------------------


K_BLOCK = 512
"""Rows per block of ``k_prod``: its ~20 temporaries of k^2 rows each stay in the cache (a
product of 4,000 K3 rows is 2-3x as fast in blocks as whole; 1,024-row blocks are already
twice as slow a row as 512-row ones)."""


def k_prod(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """Elementwise product of (..., k) arrays of K elements (k = 1: of F arrays), broadcast.

    c_m = sum_i a_i B_(i,m), B_(i,m) = b_(m-i) or W b_(m-i+k) (X^k = W): the k^2 coefficient
    products are taken as 32-bit limb products and summed limb by limb before one reduction
    per coefficient (``_k_block``), in blocks of ``K_BLOCK`` rows: a few dozen numpy calls
    per block, whatever k."""
    if k == 1:
        return fmul(a, b)
    if k not in NONRESIDUE:
        raise ValueError(f"unsupported extension degree {k}")
    if np.shape(a)[-1:] != (k,) or np.shape(b)[-1:] != (k,):
        raise ValueError(f"k_prod: the last axis holds the {k} coefficients, got shapes "
                         f"{np.shape(a)} and {np.shape(b)}")
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    a2 = np.broadcast_to(np.asarray(a, dtype=np.uint64), shape).reshape(-1, k)
    b2 = np.broadcast_to(np.asarray(b, dtype=np.uint64), shape).reshape(-1, k)
    if a2.shape[0] <= K_SCALAR_ROWS:
        mul = ext_field(k).mul
        return np.array([mul(x, y) for x, y in zip(a2.tolist(), b2.tolist())],
                        dtype=np.uint64).reshape(shape)
    out = np.empty(a2.shape, dtype=np.uint64)
    for s in range(0, a2.shape[0], K_BLOCK):
        out[s : s + K_BLOCK] = _k_block(a2[s : s + K_BLOCK], b2[s : s + K_BLOCK], k).T
    return out.reshape(shape)


K_SCALAR_ROWS = 16
"""``k_prod`` of at most this many rows runs on Python ints (``scalar.ext_field(k).mul``,
~1-2 us a product, where the limb path's few dozen numpy calls cost ~45 us whatever the
size)."""


def _k_block(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """The products of the rows of (m, k) arrays, as (k, m) coefficient planes.

    With a_i = a0 + a1 2^32 and B = b0 + b1 2^32 (32-bit limbs), a_i B = D0 + D1 2^32 +
    D2 2^64 + D3 2^96 with D0 = ll_lo, D1 = ll_hi + lh_lo + hl_lo, D2 = lh_hi + hl_hi + hh_lo,
    D3 = hh_hi (ll = a0 b0, ..., each < 2^64); summed over i, E_j < 3 k 2^32 (no overflow
    for k <= 3). With 2^64 = 2^32 - 1 and 2^96 = -1 (mod p):
        c = E0 + (E1 + E2) 2^32 - (E2 + E3)  (mod p),
    the first part a 128-bit value (``reduce128``), the second below p (``fsub``)."""
    w = np.uint64(NONRESIDUE[k])
    at, bt = a.T, b.T  # (k, m) views
    wb = fadd(bt[1:], bt[1:]) if int(w) == 2 else fmul(bt[1:], w)
    ext = np.concatenate((wb, bt))  # (2k - 1, m): W b_1 .. W b_(k-1), b_0 .. b_(k-1)
    coeff = ext[_SHIFTS[k]]  # (k, k, m): coeff[i, m] multiplies a_i in c_m
    a0, a1 = (at & _M32)[:, None], (at >> _S32)[:, None]
    b0, b1 = coeff & _M32, coeff >> _S32
    ll, lh, hl, hh = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    d1 = ll >> _S32
    d1 += lh & _M32
    d1 += hl & _M32
    d2 = lh >> _S32
    d2 += hl >> _S32
    d2 += hh & _M32
    e0, e1, e2 = (ll & _M32).sum(axis=0), d1.sum(axis=0), d2.sum(axis=0)
    e3 = (hh >> _S32).sum(axis=0)
    mid = e1 + e2  # < 6 k 2^32
    t = (mid & _M32) << _S32
    lo = t + e0
    hi = (mid >> _S32) + (lo < t)  # the carry of lo
    return fsub(reduce128(hi, lo), e2 + e3)


_SHIFTS = {k: (k - 1) - np.arange(k)[:, None] + np.arange(k)[None, :] for k in NONRESIDUE}
"""Row of ``_k_block``'s (2k - 1)-row table that multiplies a_i in c_m, at [i, m]."""


# ---- the kernels' interface (flat uint64 arrays, results into ``out``) ------------------------
# Same names and arguments as field/kernels.py: VecField calls either module.


def f_add(a, b, out):
    out[:] = fadd(a, b)


def f_sub(a, b, out):
    out[:] = fsub(a, b)


def f_neg(a, out):
    out[:] = fsub(np.zeros_like(a), a)


def f_mul(a, b, out):
    out[:] = fmul(a, b)


def f_square(a, out):
    out[:] = fmul(a, a)


def f_scale(a, s, out):
    """out = a * s[0]."""
    out[:] = fmul(a, s[0])


def f_pow_bits(a, bits, out):
    """out = a^e with e given by its bits, most-significant first."""
    out[:] = fpow_bits(a, bits)


_P_MINUS_2_BITS = [int(c) for c in bin(P - 2)[2:]]


def f_inv_batch(a, out) -> int:
    """out = 1/a = a^(p-2) elementwise. Returns -1, or the index of the first zero."""
    zeros = np.flatnonzero(a == 0)
    if zeros.size:
        return int(zeros[0])
    out[:] = fpow_bits(a, _P_MINUS_2_BITS)
    return -1


def sum_rows(a) -> np.ndarray:
    """Sum of the n rows of an (n, k) array (one value per column)."""
    return np.asarray(fsum(a, axis=0), dtype=np.uint64).reshape(a.shape[1])


def mul_base(a, f, out):
    """out[i] = a[i] * f[i]: each k-coefficient row of ``a`` times one F element of ``f``."""
    k = a.shape[0] // f.shape[0] if f.shape[0] else 1
    out[:] = fmul(a.reshape(-1, k), f[:, None]).reshape(-1)


def map_cols(a, c, out, mul):
    """out[i, j] = a[i, j] * c[j] if ``mul`` else a[i, j] + c[j], with k = len(c) columns."""
    rows = a.reshape(-1, c.shape[0])
    out[:] = (fmul(rows, c[None, :]) if mul else fadd(rows, c[None, :])).reshape(-1)


def _rows_op(a, b, out, k):
    out[:] = k_prod(a.reshape(-1, k), b.reshape(-1, k), k).reshape(-1)


def k2_mul(a, b, out):
    _rows_op(a, b, out, 2)


def k3_mul(a, b, out):
    _rows_op(a, b, out, 3)


def k2_square(a, out):
    _rows_op(a, a, out, 2)


def k3_square(a, out):
    _rows_op(a, a, out, 3)


def k2_scale(a, s, out):
    """out[i] = a[i] * s for one K element s."""
    _rows_op(a, np.broadcast_to(s, (a.shape[0] // 2, 2)), out, 2)


def k3_scale(a, s, out):
    """out[i] = a[i] * s for one K element s."""
    _rows_op(a, np.broadcast_to(s, (a.shape[0] // 3, 3)), out, 3)


def _inner(a, b, k) -> np.ndarray:
    """sum_i a_i b_i for flat arrays of K rows: the k^2 coefficient sums sum_i a_(i,s) b_(i,t)
    in one ``fmatmul`` (from INNER_MATMUL_ROWS rows), X^(s+t) reduced by X^k = W."""
    a2, b2 = a.reshape(-1, k), b.reshape(-1, k)
    if not INNER_MATMUL_ROWS <= a2.shape[0] <= MATMUL_MAX_INNER:
        return sum_rows(k_prod(a2, b2, k).reshape(-1, k))
    sums = fmatmul(a2.T, b2).tolist()  # (k, k)
    w = NONRESIDUE.get(k, 0)
    out = [0] * k
    for s in range(k):
        for t in range(k):
            if s + t < k:
                out[s + t] += sums[s][t]
            else:
                out[s + t - k] += w * sums[s][t]
    return np.array([c % P for c in out], dtype=np.uint64)


INNER_MATMUL_ROWS = 16
"""From this many rows an inner product is one ``fmatmul`` (~30-80 us) rather than ``k_prod``
and a sum (~80-250 us at a few hundred rows)."""


def f_inner(a, b) -> np.ndarray:
    """[sum_i a_i b_i] over F."""
    return _inner(a, b, 1)


def k2_inner(a, b) -> np.ndarray:
    """sum_i a_i b_i in K2 (coefficients)."""
    return _inner(a, b, 2)


def k3_inner(a, b) -> np.ndarray:
    """sum_i a_i b_i in K3 (coefficients)."""
    return _inner(a, b, 3)


def to_signed(a, bound, out) -> tuple[int, int]:
    """Centered value of each a_i, checked against |v| <= bound: (0, -1) on success, (1, i) if
    a_i >= p, (2, i) if |v_i| > bound (the first offending index of either kind)."""
    big = a >= _P
    neg = a > np.uint64(_HALF)
    mag = np.where(neg, _P - np.where(big, _P, a), a)
    over = ~big & (mag > np.uint64(bound))
    bad = np.flatnonzero(big | over)
    if bad.size:
        i = int(bad[0])
        return (1 if big[i] else 2), i
    out[:] = np.where(neg, -(mag.astype(np.int64)), mag.astype(np.int64))
    return 0, -1
