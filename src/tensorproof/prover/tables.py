"""Partial evaluations of multilinear tables (prover side), all O(table size).

`fix_low(vf, T, z)` fixes the lowest len(z) variables (the last axes of a tensor) to z;
`fix_high(vf, T, z)` fixes the highest len(z) variables (the leading axes), z in the order of
those variables (lowest of them first), returning a table over the remaining ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..field.vec import FV, VecField
from ..poly.mle import fold, fold_halves, promote


def fix_low(vf: VecField, T: np.ndarray, z: Sequence) -> np.ndarray:
    for r in z:
        T = fold(vf, T, r)
    return T


def fix_high(vf: VecField, T: np.ndarray, z: Sequence) -> np.ndarray:
    """T~(x, z) as a table over x: fold the top variable first (halves of the table)."""
    for r in reversed(list(z)):
        vfr = promote(vf, [r])
        half = len(T) // 2
        lo, hi = np.ascontiguousarray(T[:half]), np.ascontiguousarray(T[half:])
        diff = FV.sub(hi, lo) if lo.ndim == 1 else vfr.sub(hi, lo)
        T = fold_halves(vfr, lo, diff, r)
    return T
