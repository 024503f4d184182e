"""Modular scatter-add of field rows: out[dst[j]] += src[src_idx[j]] for every wire j.

The prover of a gather step (prover/layers/gather.py) builds the wiring weight
a(q) = Σ_{j: in_pos_j = q} eq(z, out_pos_j) this way: a gather from the eq table followed by a
scatter-add in the field. ``np.add.at`` on uint64 would wrap modulo 2^64, not p, hence this
numba kernel (one pass over the wires, canonical outputs).
"""

from __future__ import annotations

import numpy as np

from ..field.jit import kernel
from ..field.kernels import fadd


@kernel("void(uint64[:, ::1], int64[::1], int64[::1], uint64[:, ::1])")
def _gather_scatter_add(src, src_idx, dst_idx, out):
    k = src.shape[1]
    for j in range(src_idx.shape[0]):
        s = src_idx[j]
        d = dst_idx[j]
        for c in range(k):
            out[d, c] = fadd(out[d, c], src[s, c])


def gather_scatter_add(src: np.ndarray, src_idx: np.ndarray, dst_idx: np.ndarray,
                       n_out: int) -> np.ndarray:
    """Table of n_out field elements with out[dst_idx[j]] = Σ src[src_idx[j]] (mod p).

    `src` is an F vector (n,) or a K vector (n, k); the result has the same kind. Indices are
    bounds-checked here (the kernel does not check them).
    """
    src_idx = np.ascontiguousarray(src_idx, dtype=np.int64)
    dst_idx = np.ascontiguousarray(dst_idx, dtype=np.int64)
    if src_idx.shape != dst_idx.shape or src_idx.ndim != 1:
        raise ValueError("source and destination index arrays must be 1-D of the same length")
    if src_idx.size and (src_idx.min() < 0 or src_idx.max() >= len(src)
                         or dst_idx.min() < 0 or dst_idx.max() >= n_out):
        raise ValueError("scatter index out of range")
    rows = np.ascontiguousarray(src.reshape(len(src), -1), dtype=np.uint64)
    out = np.zeros((n_out, rows.shape[1]), dtype=np.uint64)
    _gather_scatter_add(rows, src_idx, dst_idx, out)
    return out.reshape((n_out,) + src.shape[1:])
