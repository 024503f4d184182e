"""Calibration: statistics of the float model's tensors on sample inputs, and the scales they give.

Activation scales come from calibration (``minmax``: the largest |x| seen; ``percentile``: the
given percentile of |x|, which ignores rare outliers at the cost of clamping them). The integer
*ranges* never come from calibration: they are proven by interval arithmetic (ir.ranges).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError

METHODS = ("minmax", "percentile")
DEFAULT_PERCENTILE = 99.99


@dataclass(frozen=True)
class TensorStats:
    """What calibration saw of one float tensor: its range, the |x| a scale should cover
    (``absmax``) and the smallest nonzero |x| (for reciprocals)."""

    lo: float
    hi: float
    absmax: float
    absmin: float


def observe(values: np.ndarray, method: str = "minmax",
            percentile: float = DEFAULT_PERCENTILE) -> TensorStats:
    """Statistics of one tensor's calibration values (non-finite values are ignored)."""
    if method not in METHODS:
        raise CompileError(f"unknown calibration method {method!r} (use one of {METHODS})")
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return TensorStats(0.0, 0.0, 0.0, 0.0)
    a = np.abs(v)
    top = float(a.max())
    absmax = top
    if method == "percentile" and v.size > 1:
        absmax = float(np.percentile(a, percentile)) or top
    nz = a[a > 0]
    absmin = float(np.percentile(nz, 100.0 - percentile)) if nz.size else 0.0
    lo, hi = max(float(v.min()), -absmax), min(float(v.max()), absmax)
    return TensorStats(lo, hi, absmax, absmin)


def qmax(bits: int) -> int:
    """Largest value of a signed ``bits``-bit integer."""
    return (1 << (bits - 1)) - 1


def act_range(bits: int) -> tuple[int, int]:
    """Clamp range of a signed ``bits``-bit activation."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def act_scale(stats: TensorStats | None, bits: int) -> float:
    """Scale so that the calibrated |x| maps to the largest ``bits``-bit value."""
    if stats is None or not stats.absmax > 0:
        return 1.0 / qmax(bits)
    return stats.absmax / qmax(bits)
