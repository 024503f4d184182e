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
    coordinates (K elements or ints): one vector pass per coordinate, not one scalar loop per
    point (a merge of hundreds of claims)."""
    kv, m = vec(k), len(points)
    if not m:
        return (0,) * k
    lift = mle.lift_scalar
    P = _k_array(kv, points)  # (m, n, k)
    R = np.array([lift(kv, x) for x in r], dtype=np.uint64)  # (n, k)
    acc = kv.from_scalars([lift(kv, c) for c in coeffs])
    one = kv.from_scalars([lift(kv, 1)] * m)
    for i in range(len(r)):
        p_i, r_i = np.ascontiguousarray(P[:, i]), np.repeat(R[i : i + 1], m, axis=0)
        pr = kv.mul(p_i, r_i)
        factor = kv.add(kv.sub(kv.sub(one, p_i), r_i), kv.add(pr, pr))  # 1 - p - r + 2 p r
        acc = kv.mul(acc, factor)
    return tuple(int(c) for c in npfield.fsum(acc, axis=0))


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
    return tuple(int(c) for c in npfield.fsum(npfield.fmul(weights, f[:, None]), axis=0))


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
