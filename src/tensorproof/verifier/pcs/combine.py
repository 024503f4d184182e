"""Linear combinations of the rows of an F matrix with K coefficients: u = sum_i c_i M[i, :].

Since K = F[X]/(X^k - W) is an F-vector space with basis 1, X, .., X^(k-1), a K combination of
F rows is k independent F combinations, one per coefficient of the c_i: no extension product is
needed. Two backends give the same results: "numba" (``combine_kernel``: one pass over the
matrix for all coefficient vectors, 192-bit lazy accumulation; the Ligero prover combining 2^a
rows of 2^b entries) and "numpy" (products and sums by blocks of rows; the verifier combining
the t opened columns, without importing numba).
"""

from __future__ import annotations

import numpy as np

from ...field import npfield

BACKENDS = ("numba", "numpy")

_NP_BLOCK_ENTRIES = 1 << 20
"""The numpy backend's products are taken over blocks of rows of about this many entries."""


def combine_rows(vectors: np.ndarray, mat: np.ndarray, backend: str = "numba") -> np.ndarray:
    """K combinations of the rows of an F matrix.

    ``vectors``: (s, R, k) uint64, s coefficient vectors of R elements of K;
    ``mat``: (R, C) uint64 F matrix.
    Returns (s, C, k): entry [j, c] = sum_i vectors[j, i] mat[i, c].
    """
    s, rows, k = vectors.shape
    if mat.ndim != 2 or mat.shape[0] != rows:
        raise ValueError(f"cannot combine {rows} coefficients with a matrix of shape {mat.shape}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    coeffs = np.ascontiguousarray(vectors.transpose(0, 2, 1).reshape(s * k, rows))
    mat = np.ascontiguousarray(mat)
    if backend == "numpy":
        out = _combine_np(coeffs, mat)
    else:
        from .combine_kernel import combine_kernel

        out = np.empty((s * k, mat.shape[1]), dtype=np.uint64)
        combine_kernel(coeffs, mat, out)
    return np.ascontiguousarray(out.reshape(s, k, -1).transpose(0, 2, 1))


def _combine_np(coeffs: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """out[s, c] = sum_i coeffs[s, i] mat[i, c] mod p, with numpy (blocks of rows)."""
    q, rows = coeffs.shape
    out = np.zeros((q, mat.shape[1]), dtype=np.uint64)
    step = max(1, _NP_BLOCK_ENTRIES // max(1, q * mat.shape[1]))
    for lo in range(0, rows, step):  # a loop over blocks of rows, not over elements
        prods = npfield.fmul(coeffs[:, lo : lo + step, None], mat[None, lo : lo + step, :])
        out = npfield.fadd(out, npfield.fsum(prods, axis=1))
    return out
