"""A compiled model: the integer graph plus how real inputs enter it and real outputs leave it.

Inputs are quantized outside the proof, q = clamp(⌊x / scale + 1/2⌋, lo, hi); the proof starts
from the integer input. Outputs are dequantized as y ≈ q × scale. ``info`` keeps what the
compiler learned about the float model (source, calibration, accuracy) for reports only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import CompileError
from .graph import IntGraph


@dataclass(frozen=True)
class InputQuant:
    """How a real input becomes the graph's integer input tensor ``name``."""

    name: str
    shape: tuple[int, ...]
    scale: float
    bits: int
    lo: int
    hi: int
    integer: bool = False
    """An input of an integer or boolean ONNX type (token ids, indices, flags): never clamped
    when proving (api/inputs.py), since another id is not a rounding error."""

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Real (B, *shape) array → int64, rounding half up and clamping to [lo, hi]."""
        return self.quantize_counting(x)[0]

    def quantize_counting(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """:meth:`quantize` and how many values it clamped (outside the calibrated range)."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape[1:] != self.shape:
            raise CompileError(f"input {self.name!r}: expected per-sample shape {self.shape}, "
                               f"got {x.shape[1:]}")
        if not np.all(np.isfinite(x)):
            raise CompileError(f"input {self.name!r} holds NaN or infinite values")
        q = np.floor(np.clip(x / self.scale, self.lo - 1, self.hi + 1) + 0.5)
        outside = int(np.count_nonzero((q < self.lo) | (q > self.hi)))
        return np.clip(q, self.lo, self.hi).astype(np.int64), outside


@dataclass(frozen=True)
class OutputQuant:
    """How the graph's integer output tensor ``name`` (ONNX output ``onnx_name``) is read."""

    name: str
    onnx_name: str
    shape: tuple[int, ...]
    scale: float

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        """Integer output → real values (float64)."""
        return np.asarray(q, dtype=np.float64) * self.scale


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Integer graph, input quantization, output dequantization and float-reference info."""

    graph: IntGraph
    inputs: tuple[InputQuant, ...]
    outputs: tuple[OutputQuant, ...]
    info: dict = field(default_factory=dict)

    def quantize_inputs(self, xs: dict[str, np.ndarray] | np.ndarray) -> dict[str, np.ndarray]:
        """Real inputs (a dict by name, or one array for a single-input model) → int64 dict."""
        if not isinstance(xs, dict):
            if len(self.inputs) != 1:
                raise CompileError(f"the model has {len(self.inputs)} inputs; pass a dict")
            xs = {self.inputs[0].name: xs}
        missing = [q.name for q in self.inputs if q.name not in xs]
        if missing:
            raise CompileError(f"missing values for inputs {missing}")
        return {q.name: q.quantize(xs[q.name]) for q in self.inputs}

    def dequantize_outputs(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Integer tensors (e.g. the executor's result) → real outputs keyed by ONNX name."""
        return {o.onnx_name: o.dequantize(values[o.name]) for o in self.outputs}
