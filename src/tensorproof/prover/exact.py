"""Exact integer products for the witness: float64 BLAS when a bound proves it exact.

float64 represents every integer of magnitude < 2^53 exactly, and each partial sum of a dot
product of x (|x| <= x_bound) with a weight column w is at most x_bound * Σ|w|; when that is
below 2^53 for every column, BLAS in float64 returns the exact integer result. Otherwise the
product runs in int64 (exact while |result| < 2^63, which compile guarantees up to 2^62).
"""

from __future__ import annotations

import numpy as np

FLOAT64_EXACT = 2**53


def exact_matmul(x: np.ndarray, w: np.ndarray, x_bound: int) -> np.ndarray:
    """x @ w for int64 matrices, exactly."""
    col_abs = np.abs(w).sum(axis=0).max(initial=0)
    if int(x_bound) * int(col_abs) < FLOAT64_EXACT:
        return np.rint(x.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)
    return x.astype(np.int64) @ w.astype(np.int64)
