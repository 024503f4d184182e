"""Linear combinations of the rows of an F matrix with K coefficients: u = sum_i c_i M[i, :].

Since K = F[X]/(X^k - W) is an F-vector space with basis 1, X, .., X^(k-1), a K combination of
F rows is k independent F combinations, one per coefficient of the c_i: no extension product is
needed. The kernel reads the matrix once for all coefficient vectors, accumulates each output
lazily in 192 bits (``field.kernels.acc_add``) and reduces once per entry. Used by the Ligero
prover (combining 2^a rows of 2^b entries) and verifier (combining t opened columns). Serial: the
``parallel=True`` build of this loop ran 5x slower even on one thread (1.5 ms vs 8 ms CPU for
q = 2 over 2^20 entries), and threads only add overhead at these sizes on 2 cores.
"""

from __future__ import annotations

import numpy as np

from ...field.jit import kernel
from ...field.kernels import acc_add, reduce192

_BLOCK = 256
"""Columns per block (its accumulators stay in L1/L2)."""


@kernel("void(uint64[:, ::1], uint64[:, ::1], uint64[:, ::1])")
def _combine_kernel(coeffs, mat, out):
    """out[s, c] = sum_i coeffs[s, i] * mat[i, c] mod p."""
    q, rows = coeffs.shape
    cols = mat.shape[1]
    n_blocks = (cols + _BLOCK - 1) // _BLOCK
    for blk in range(n_blocks):
        lo_c = blk * _BLOCK
        width = min(_BLOCK, cols - lo_c)
        h2 = np.zeros((q, width), dtype=np.uint64)
        h1 = np.zeros((q, width), dtype=np.uint64)
        h0 = np.zeros((q, width), dtype=np.uint64)
        for i in range(rows):
            for s in range(q):
                coef = coeffs[s, i]
                for c in range(width):
                    h2[s, c], h1[s, c], h0[s, c] = acc_add(
                        h2[s, c], h1[s, c], h0[s, c], coef, mat[i, lo_c + c]
                    )
        for s in range(q):
            for c in range(width):
                out[s, lo_c + c] = reduce192(h2[s, c], h1[s, c], h0[s, c])


def combine_rows(vectors: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """K combinations of the rows of an F matrix.

    ``vectors``: (s, R, k) uint64, s coefficient vectors of R elements of K;
    ``mat``: (R, C) uint64 F matrix.
    Returns (s, C, k): entry [j, c] = sum_i vectors[j, i] mat[i, c].
    """
    s, rows, k = vectors.shape
    if mat.ndim != 2 or mat.shape[0] != rows:
        raise ValueError(f"cannot combine {rows} coefficients with a matrix of shape {mat.shape}")
    coeffs = np.ascontiguousarray(vectors.transpose(0, 2, 1).reshape(s * k, rows))
    out = np.empty((s * k, mat.shape[1]), dtype=np.uint64)
    _combine_kernel(coeffs, np.ascontiguousarray(mat), out)
    return np.ascontiguousarray(out.reshape(s, k, -1).transpose(0, 2, 1))
