"""Quantized values during compilation, and the quantization configuration.

A :class:`QVal` is an integer tensor of the graph together with the scale that maps it back to
reals: real ≈ int × scale, where scale is one number or, after a per-channel layer, a vector
along one per-sample axis. ``act`` marks a requantized activation (per-tensor scale, narrow
``bits``-bit range); other values are accumulators that a later requant narrows. ``ref`` names the
float tensor whose calibration statistics describe the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ..ir.graph import TensorSpec
from .calibrate import DEFAULT_PERCENTILE, METHODS

MAX_TABLE = 1 << 16
"""Largest lookup table (entries). Wider inputs are requantized to ``lookup_bits`` first."""


@dataclass(frozen=True)
class QuantConfig:
    """Bit widths and calibration of a compilation.

    bits: activations (2..16). weight_bits: weights and constants (2..16). lookup_bits: inputs of
    nonlinear tables when they come from an accumulator (default min(16, bits + 4), finer than the
    activations because a table costs the same whatever it holds). add_extra_bits: extra precision
    of the common scale when two values of different scales are added. exp_bits: fixed-point bits
    of exp in softmax.
    """

    bits: int = 8
    weight_bits: int = 8
    lookup_bits: int = 0
    method: str = "minmax"
    percentile: float = DEFAULT_PERCENTILE
    add_extra_bits: int = 4
    exp_bits: int = 0

    def __post_init__(self) -> None:
        for key in ("bits", "weight_bits"):
            v = getattr(self, key)
            if not isinstance(v, int) or not 2 <= v <= 16:
                raise CompileError(f"{key} must be an integer between 2 and 16, got {v!r}")
        if self.method not in METHODS:
            raise CompileError(f"calibration must be one of {METHODS}, got {self.method!r}")
        if not 50.0 < self.percentile <= 100.0:
            raise CompileError(f"percentile must be in (50, 100], got {self.percentile}")
        if self.lookup_bits == 0:
            object.__setattr__(self, "lookup_bits", min(16, self.bits + 4))
        if self.exp_bits == 0:
            object.__setattr__(self, "exp_bits", self.bits + 8)
        if not 2 <= self.lookup_bits <= 16:
            raise CompileError(f"lookup_bits must be between 2 and 16, got {self.lookup_bits}")


@dataclass(frozen=True, eq=False)
class QVal:
    """An integer tensor and its real scale (see module docstring)."""

    spec: TensorSpec
    scale: float | np.ndarray
    axis: int | None = None
    act: bool = False
    ref: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.spec.shape

    @property
    def lo(self) -> int:
        return self.spec.lo

    @property
    def hi(self) -> int:
        return self.spec.hi

    @property
    def per_tensor(self) -> bool:
        return self.axis is None

    def scale_array(self) -> np.ndarray:
        """The scale as an array broadcastable to the per-sample shape."""
        if self.axis is None:
            return np.asarray(float(self.scale))
        shape = [1] * len(self.shape)
        shape[self.axis] = -1
        return np.asarray(self.scale, dtype=np.float64).reshape(shape)

    def nominal_scale(self) -> float:
        """One positive number for the spec (the largest channel scale)."""
        s = float(np.max(self.scale))
        return s if s > 0 else 1.0
