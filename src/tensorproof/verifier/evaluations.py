"""The evaluations seam: the verifier's vector work on public data, in numpy (never numba).

The verifier is a scalar spec (plain ints, ``field/scalar.py``) except where it evaluates public
objects that are vectors: eq tables and MLEs of public tensors and lookup tables, the wiring
predicates of gathers, the Ligero checks (eq tables of the opening points, the RS re-encoding of
the combined rows, the combinations of the opened columns, the Merkle hashes). Each of those
goes through this module, on the numpy backends of the field, NTT and row combinations and on
pycryptodome's Keccak: exact, and the same values as the prover's numba kernels (tests compare
them), without importing numba (~1 s in a fresh process for a verification of ~0.1 s).

A verifier written for another machine (Solidity) replaces these functions, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..field import npfield
from ..field.params import P as P_MOD
from ..field.scalar import ext_field
from ..field.vec import VecField, vec_field
from ..poly import mle, ntt
from ..transcript.keccak import keccak256_rows_py
from .pcs import combine

BACKEND = "numpy"
"""The vector backend of every evaluation here (``field.vec.BACKENDS``)."""


def vec(k: int) -> VecField:
    """The verifier's VecField of degree k (k = 1: F)."""
    return vec_field(k, BACKEND)


def eq_table(k: int, point: Sequence[Any], scale: Any = None) -> np.ndarray:
    """[scale *] eq(point, x) for x in {0,1}^n, in K of degree k (``poly.mle.eq_table``)."""
    return mle.eq_table(vec(k), point, scale)


def evaluate(k: int, table: np.ndarray, point: Sequence[Any]) -> Any:
    """T~(point) of an F table as an element of K of degree k (``poly.mle.evaluate``)."""
    return mle.evaluate(vec(k), table, point)


def eq_combination(k: int, coeffs: Sequence[Any], points: Sequence[Sequence[Any]],
                   r: Sequence[Any]) -> tuple[int, ...]:
    """sum_j coeffs[j] eq(points[j], r) in K of degree k, the points all of len(r)
    coordinates (K elements or ints): ``eq_split_sum`` with the whole points as heads (a
    merge of hundreds of claims in a few vector products, not one scalar loop per point)."""
    kv, m = vec(k), len(points)
    if not m:
        return (0,) * k
    coeffs_arr = np.array([_coeffs(k, c) for c in coeffs], dtype=np.uint64).reshape(-1, k)
    return eq_split_sum(k, coeffs_arr, _k_array(kv, points).reshape(m, len(r), k),
                        np.zeros(m, dtype=np.int64), r)


TAIL_CHUNK = 10
"""Varying Boolean coordinates per eq table in ``eq_split_sum`` (a table of at most 2^10
entries, one lookup)."""


def eq_split_sum(k: int, coeffs: np.ndarray, heads: np.ndarray, tails: np.ndarray,
                 r: Sequence[Any]) -> tuple[int, ...]:
    """sum_j coeffs[j] eq(heads[j], r[:L]) eq(bits(tails[j]), r[L:]) in K of degree k: coeffs
    (m, k) and heads (m, L, k) K arrays, tails (m,) ints below 2^(len(r) - L) whose bits
    (lowest first) are the points' remaining, Boolean coordinates. A hiding merge's weight at
    its final point (zk_opening.py), where most coordinates of the claims' points are the
    bits of a mask slot or of an embedding.

    Each term is one row of factors: its coefficient, eq(p, r_i) = (1 - r_i) + p (2 r_i - 1)
    for every head coordinate (one vector product for all), and one lookup per TAIL_CHUNK of
    the tail bits that vary between terms, in an eq table of those bits; the rows are
    multiplied pairwise (log2 of the row's width products), and the tail bits that all terms
    share give one scalar factor. A few vector calls whatever m and L, for numpy's fixed cost
    per call dominates at the verifier's sizes."""
    kv = vec(k)
    m, L = heads.shape[0], heads.shape[1]
    n = len(r)
    if not m:
        return (0,) * k
    if not 0 <= L <= n or coeffs.shape != (m, k) or heads.shape[2:] != (k,):
        raise ValueError(f"eq_split_sum: shapes {coeffs.shape}, {heads.shape} at a point of "
                         f"{n} coordinates")
    tails = np.asarray(tails, dtype=np.int64)
    if tails.shape != (m,) or (tails < 0).any() or (tails >> (n - L)).any():
        raise ValueError(f"eq_split_sum: tails must be {m} ints below 2^{n - L}")
    ext = ext_field(k)
    rs = [_coeffs(k, x) for x in r]
    if m * n <= SCALAR_TERMS:
        return _eq_split_sum_scalar(ext, coeffs, heads, tails, rs)
    columns = [np.ascontiguousarray(coeffs, dtype=np.uint64)[:, None]]
    if L:
        one = ext.one()
        slope = np.array([ext.sub(ext.add(z, z), one) for z in rs[:L]], dtype=np.uint64)
        low = np.array([ext.sub(one, z) for z in rs[:L]], dtype=np.uint64)
        columns.append(kv.add(kv.mul(np.ascontiguousarray(heads, dtype=np.uint64),
                                     np.broadcast_to(slope, heads.shape)),
                              np.broadcast_to(low, heads.shape)))
    varying = int(np.bitwise_or.reduce(tails ^ tails[0])).bit_length()
    tail_r = rs[L:]
    for c in range(0, varying, TAIL_CHUNK):
        width = min(TAIL_CHUNK, varying - c)
        table = eq_table(k, tail_r[c : c + width]).reshape(-1, k)
        columns.append(table[(tails >> c) & ((1 << width) - 1)][:, None])
    common = int(tails[0]) >> varying
    shared = mle.eq_eval(ext, tail_r[varying:],
                         [(common >> i) & 1 for i in range(len(tail_r) - varying)])
    coeffs = columns.pop(0)[:, 0]
    if columns:  # the factors' products, then their inner product with the coefficients
        rows = mle.row_products(kv, columns[0] if len(columns) == 1
                                else np.concatenate(columns, axis=1))
        total = inner(k, coeffs, rows)
    else:
        total = tuple(int(c) for c in npfield.fsum(coeffs, axis=0))
    return ext.mul(total, shared)


SCALAR_TERMS = 192
"""``eq_split_sum`` of at most this many coordinates in all (terms times coordinates) runs
on Python ints: about 1.3 us a coordinate, where the vector path's dozen numpy calls cost
about 0.3 ms whatever the size (a merge of two claims on a randomized tensor)."""


def _eq_split_sum_scalar(ext, coeffs: np.ndarray, heads: np.ndarray, tails: np.ndarray,
                         rs: list) -> tuple[int, ...]:
    """``eq_split_sum`` term by term with Python ints (``mle.EqAt``)."""
    eq, L, n = mle.EqAt(ext, rs), heads.shape[1], len(rs)
    total = ext.zero()
    for c, head, tail in zip(coeffs.tolist(), heads.tolist(), tails.tolist()):
        total = ext.add(total, eq.bits(tail, L, n, eq.point(head, tuple(c))))
    return total


def _coeffs(k: int, x: Any) -> tuple[int, ...]:
    """A scalar (int or K tuple) as its k canonical coefficients."""
    t = (int(x),) + (0,) * (k - 1) if isinstance(x, int | np.integer) else tuple(int(c) for c in x)
    if len(t) != k or not all(0 <= c < P_MOD for c in t):
        raise ValueError(f"not a canonical element of K of degree {k}: {x!r}")
    return t


def _k_array(kv: VecField, points: Sequence[Sequence[Any]]) -> np.ndarray:
    """The points as an (m, n, k) uint64 array: in one conversion when every coordinate is
    already a K tuple (the usual case), else coordinate by coordinate (ints lifted)."""
    try:
        arr = np.array(points, dtype=np.uint64)
    except (TypeError, ValueError, OverflowError):
        arr = None
    if arr is not None and arr.ndim == 3 and arr.shape[2] == kv.k:
        if (arr >= np.uint64(P_MOD)).any():
            raise ValueError("eq_combination: a coordinate is not a canonical field element")
        return arr
    lift = mle.lift_scalar
    return np.array([[lift(kv, x) for x in pt] for pt in points], dtype=np.uint64)


def inner_base(weights: np.ndarray, f: np.ndarray) -> tuple[int, ...]:
    """sum_i weights[i] f[i] for a K vector ``weights`` (n, k) and an F vector ``f`` (n,)."""
    step = npfield.MATMUL_MAX_INNER  # fmatmul's exact length: longer vectors in parts
    total = [0] * weights.shape[1]
    for s in range(0, f.shape[0], step):
        part = npfield.fmatmul(f[None, s : s + step], weights[s : s + step])[0].tolist()
        total = [(a + b) % P_MOD for a, b in zip(total, part)]
    return tuple(total)


def inner(k: int, a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    """sum_i a[i] b[i] for K vectors ``a``, ``b`` (n, k)."""
    out = vec(k).inner(a, b)
    return tuple(int(c) for c in out) if isinstance(out, tuple) else (int(out),)


def rs_encode_at(rows: np.ndarray, blowup: int, idx: np.ndarray) -> np.ndarray:
    """Each row's Reed-Solomon codeword at the positions ``idx`` (``poly.ntt.rs_encode_at``:
    the opened columns of a Ligero check)."""
    return ntt.rs_encode_at(rows, blowup, idx, backend=BACKEND)


def combine_rows(vectors: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """K combinations of the rows of an F matrix (``verifier.pcs.combine.combine_rows``)."""
    return combine.combine_rows(vectors, mat, backend=BACKEND)


def hash_rows(rows: np.ndarray, prefix: int | None) -> np.ndarray:
    """keccak256(prefix ‖ row) for each row of an (n, L) uint8 matrix -> (n, 32) uint8."""
    return keccak256_rows_py(rows, prefix)
