"""Quantization arithmetic: weights per output channel, constants, and requant multipliers.

Requantization follows gemmlowp/TFLite: a real multiplier m = s_in / s_out is replaced by an
integer ``mult`` and a right ``shift`` with m ≈ mult / 2^shift, and y = (x·mult + 2^(shift−1)) >>
shift (floor shift, hence round half up). Choice of shift: the largest |mult| gets
MULT_BITS = 20 significant bits, so its relative rounding error is below 2^-20 and a channel
whose multiplier is 100 times smaller (per-channel multipliers share one shift) still keeps 13
bits — all far under the 2^-7 step of an int8 activation — while x·mult stays small (an int8
layer's accumulator is ~2^20, so x·mult ~2^40). If |x|max·|mult| + 2^shift would
reach 2^62 (the graph's accumulator limit) for some mult of the multipliers' declared range
(ir.ranges.fit_const_range: the bound the verifier checks), the shift is lowered one bit at a
time; when even shift = 1 overflows, the layer is refused (BoundError).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import BoundError
from ..ir.graph import ACC_LIMIT
from ..ir.ranges import fit_const_range

MULT_BITS = 20
"""Significant bits of the largest requant multiplier (see module docstring)."""

MAX_SHIFT = 61
"""Largest shift: 2^shift must stay below the 2^62 accumulator limit."""


def round_half_up(x: np.ndarray | float) -> np.ndarray:
    """⌊x + 1/2⌋, the rounding every quantization step of tensorproof uses."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5)


def to_int(x: np.ndarray, what: str, layer: str) -> np.ndarray:
    """Round real values to int64, refusing (BoundError) values at or beyond 2^62 or non-finite."""
    r = round_half_up(x)
    if r.size and (not np.all(np.isfinite(r)) or np.abs(r).max() >= ACC_LIMIT):
        raise BoundError(f"layer {layer!r}: {what} would need integers of 2^62 or more (or is not "
                         "finite); its values are out of proportion with the layer's scales")
    return r.astype(np.int64)


def quantize_per_channel(w: np.ndarray, axis: int, bits: int, layer: str
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel quantization along ``axis``: (int weights, scales per channel).

    A channel of zeros gets scale 1 (its integers are 0 whatever the scale).
    """
    qm = (1 << (bits - 1)) - 1
    others = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.abs(w).max(axis=others) if others else np.abs(w)
    scales = np.where(amax > 0, amax / qm, 1.0)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(to_int(w / scales.reshape(shape), "weights", layer), -qm, qm)
    return q, scales


def quantize_tensor(c: np.ndarray, bits: int, layer: str) -> tuple[np.ndarray, float]:
    """Symmetric per-tensor quantization of a constant: (ints, scale)."""
    qm = (1 << (bits - 1)) - 1
    amax = float(np.abs(c).max()) if c.size else 0.0
    scale = amax / qm if amax > 0 else 1.0
    return np.clip(to_int(c / scale, "constant", layer), -qm, qm), scale


def quantize_multiplier(m: np.ndarray, x_absmax: int, layer: str) -> tuple[np.ndarray, int]:
    """Integer multipliers and a shared shift with mult / 2^shift ≈ m (m may be negative).

    Guarantees x_absmax · |mult| + 2^shift < 2^62 for every mult of the multipliers' declared
    range, or raises BoundError naming ``layer``.
    """
    m = np.atleast_1d(np.asarray(m, dtype=np.float64))
    top = float(np.abs(m).max())
    if not math.isfinite(top):
        raise BoundError(f"layer {layer!r}: requantization multiplier is not finite")
    shift = 1 if top == 0 else MULT_BITS - math.frexp(top)[1]  # top·2^shift ∈ [2^19, 2^20)
    shift = min(max(shift, 1), MAX_SHIFT)

    def fits(s: int) -> bool:
        big = top * 2.0**s + 0.5
        if big >= ACC_LIMIT:
            return False
        lo, w = fit_const_range(round_half_up(m * 2.0**s).astype(np.int64))
        declared = max(abs(lo), abs(lo + (1 << w) - 1))
        return x_absmax * declared + (1 << s) < ACC_LIMIT

    while shift > 1 and not fits(shift):
        shift -= 1
    if not fits(shift):
        raise BoundError(f"layer {layer!r}: requantization of values up to {x_absmax} by "
                         f"{top:.3g} would exceed 2^62; the layer's range is too wide")
    return round_half_up(m * 2.0**shift).astype(np.int64), shift
