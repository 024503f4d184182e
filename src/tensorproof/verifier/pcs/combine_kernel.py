"""The numba kernel of ``combine.py`` (its "numba" backend: the Ligero prover's row
combinations over the whole committed matrix). Importing this module imports numba.

Serial: the ``parallel=True`` build of this loop ran 5x slower even on one thread (1.5 ms vs
8 ms CPU for q = 2 over 2^20 entries), and threads only add overhead at these sizes on 2 cores.
"""

from __future__ import annotations

import numpy as np

from ...field.jit import kernel
from ...field.kernels import acc_add, reduce192

_BLOCK = 256
"""Columns per block (its accumulators stay in L1/L2)."""


@kernel("void(uint64[:, ::1], uint64[:, ::1], uint64[:, ::1])")
def combine_kernel(coeffs, mat, out):
    """out[s, c] = sum_i coeffs[s, i] * mat[i, c] mod p (192-bit accumulators, one reduction)."""
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
