"""Inputs of a proof: the shape checks every entry point uses, quantization with a report of the
clamped values, and the hash that names the proven inputs.

Shapes: each input is either ``(batch, *shape)`` with batch >= 1, or exactly ``shape`` (one
sample). Nothing is ever reshaped: an NHWC array for an NCHW model, or a flat vector, is refused.

Clamping: a real value x of an input with scale s and integer range [lo, hi] is proven as
clamp(⌊x / s + 1/2⌋, lo, hi); a value whose rounded quotient leaves [lo, hi] is *clamped* (the
proof is then of the clamped input). :func:`quantize_inputs` counts them per input.

Input hash (:func:`input_hash`): keccak256 over the proven integer inputs, in the order of their
names (sorted by code point, which is also the order of their UTF-8 bytes), each as
``u32 len(name) ‖ name (UTF-8) ‖ u8 ndim ‖ u32 dim… ‖ int64 value…`` (big-endian, values in C
order, batch axis first): the bytes the proof's statement absorbs for each input. Shown as 64
lowercase hex digits.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from ..errors import ArgumentError, InputError, InputRangeError
from ..ir.model import InputQuant

if TYPE_CHECKING:  # numpy.typing for annotations only (~1 ms of every `tensorproof verify`)
    import numpy.typing as npt

    from ..ir.model import CompiledModel
    from ..prover.model import ProvingKey
    from ..verifier.keys import VerifyingKey

__all__ = ["AnyModel", "Inputs", "QuantizedInputs", "input_batches", "input_hash",
           "quantize_inputs"]

Inputs: TypeAlias = "npt.ArrayLike | Mapping[str, npt.ArrayLike]"
"""Inputs of a proof: one array (a single-input model) or a dict by input name, each
``(batch, *shape)`` with batch >= 1, or exactly ``shape`` for one sample."""

AnyModel: TypeAlias = "CompiledModel | ProvingKey | VerifyingKey"
"""Anything that knows the model's inputs: a compiled model, a proving or a verifying key."""


def _quants(model: object) -> tuple[InputQuant, ...]:
    """The input quantizations of a CompiledModel, ProvingKey or VerifyingKey."""
    inner = getattr(model, "model", model)
    quants = getattr(inner, "inputs", None)
    if not isinstance(quants, tuple) or not all(isinstance(q, InputQuant) for q in quants):
        raise ArgumentError(f"expected a compiled model, proving key or verifying key, got "
                            f"{type(model).__name__}")
    return quants


def _hint(q: InputQuant, shape: tuple[int, ...]) -> str:
    """Why an array of ``shape`` may not fit ``q`` (its layout, its batch axis), or ''."""
    dims = ", ".join(map(str, q.shape))
    if len(q.shape) == 3 and shape[1:] == (*q.shape[1:], q.shape[0]):
        return (f"; the model takes channels first (batch, {dims}): transpose NHWC data with "
                "x.transpose(0, 3, 1, 2)")
    tail = shape[len(shape) - len(q.shape):] if len(shape) >= len(q.shape) else None
    if tail == q.shape and len(shape) > len(q.shape) + 1:
        return "; it has more than one leading (batch) axis"
    if tail is not None and q.shape and sorted(tail) == sorted(q.shape):
        return "; its axes are in another order than the model's"
    squeezed = tuple(d for d in q.shape if d != 1)
    if len(shape) >= 1 and squeezed != q.shape and shape[1:] == squeezed:
        return (f"; it lacks the input's axes of length 1: for {shape[0]} samples use "
                f"x.reshape({shape[0]}, {dims})")
    if len(shape) < len(q.shape) and int(np.prod(shape)) == int(np.prod(q.shape)):
        return (f"; it holds one sample's {int(np.prod(q.shape))} values: if it is one sample, "
                f"reshape it to ({dims}) yourself")
    return ""


def _batch(q: InputQuant, x: npt.ArrayLike, integer: bool) -> np.ndarray:
    """``x`` as a (batch, *shape) array after the shape and value checks (never reshaped)."""
    try:
        a = np.asarray(x)
    except (ValueError, TypeError):
        raise InputError(f"input {q.name!r}: not a rectangular numeric array") from None
    if a.dtype.kind not in "biuf":
        raise InputError(f"input {q.name!r}: values of dtype {a.dtype} are not numbers")
    if a.shape == q.shape:
        a = a[None]
    elif a.shape[1:] != q.shape:
        raise InputError(f"input {q.name!r}: an array of shape {a.shape} is neither one sample "
                         f"{q.shape} nor a batch (batch, {', '.join(map(str, q.shape))})"
                         f"{_hint(q, a.shape)}")
    if a.shape[0] == 0:
        raise InputError(f"input {q.name!r}: batch of 0 samples (shape {a.shape})")
    if not integer:
        a = a.astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise InputError(f"input {q.name!r} holds NaN or infinite values")
        return a
    if a.dtype.kind == "f" and not np.all(np.isfinite(a) & (a == np.round(a))):
        raise InputError(f"input {q.name!r}: quantized inputs must be integers")
    a = a.astype(np.int64)
    if a.size and (a.min() < q.lo or a.max() > q.hi):
        raise InputError(f"input {q.name!r}: quantized values must lie in [{q.lo}, {q.hi}]")
    return a


def input_batches(model: AnyModel, inputs: Inputs, integer: bool = False
                  ) -> dict[str, np.ndarray]:
    """Checked inputs by name, each (batch, *shape), one common batch >= 1.

    ``inputs``: one array (a single-input model) or a dict by input name; real values, or
    int64 values inside each input's range when ``integer``. InputError on anything else."""
    quants = _quants(model)
    names = [q.name for q in quants]
    if not isinstance(inputs, Mapping):
        if len(quants) != 1:
            raise InputError(f"the model has {len(quants)} inputs {names}: pass a dict by "
                             "input name")
        inputs = {quants[0].name: inputs}
    missing = [n for n in names if n not in inputs]
    extra = sorted(str(n) for n in inputs if n not in names)
    if missing or extra:
        raise InputError(f"the model's inputs are {names}; missing {missing}, unknown {extra}")
    out = {q.name: _batch(q, inputs[q.name], integer) for q in quants}
    batches = {n: a.shape[0] for n, a in out.items()}
    if len(set(batches.values())) != 1:
        raise InputError(f"inputs have different batch sizes: {batches}")
    return out


@dataclass(frozen=True)
class QuantizedInputs:
    """Integer inputs (what a proof proves) and, per input, how many values were clamped."""

    ints: dict[str, np.ndarray]
    clamped: dict[str, int]
    """Values of each input outside its calibrated range, clamped to it."""
    ranges: dict[str, tuple[float, float]]
    """Each input's calibrated real range [lo × scale, hi × scale]."""
    integer: frozenset[str] = frozenset()
    """Inputs of an integer or boolean ONNX type (token ids, indices, flags): a value outside
    their compiled range is refused, never clamped (another id is not a rounding error)."""

    @property
    def batch(self) -> int:
        """The number of samples."""
        return int(next(iter(self.ints.values())).shape[0])

    def _outside(self) -> list[str]:
        out = []
        for name, n in self.clamped.items():
            if n:
                lo, hi = self.ranges[name]
                out.append(f"input {name!r}: {n} of {self.ints[name].size} values lie outside "
                           f"the calibrated range [{lo:.4g}, {hi:.4g}]")
        return out

    def clamp_messages(self) -> list[str]:
        """One line per input with clamped values (none when nothing was clamped)."""
        return [m + " and were clamped to it (the proof is of the clamped input)"
                for m in self._outside()]

    def check(self, strict: bool) -> None:
        """InputRangeError if any value of an integer input was clamped, or if ``strict`` and
        any value was."""
        ints = [n for n in self.integer if self.clamped.get(n)]
        if ints:
            n = ints[0]
            lo, hi = self.ranges[n]
            raise InputRangeError(
                f"integer input {n!r}: {self.clamped[n]} of {self.ints[n].size} values lie "
                f"outside the compiled range [{lo:.0f}, {hi:.0f}]; integer inputs are never "
                "clamped: recompile with calibration samples that cover such values")
        if strict and self._outside():
            raise InputRangeError("; ".join(self._outside()) + " (strict: refused, not clamped)")


def quantize_inputs(model: AnyModel, inputs: Inputs) -> QuantizedInputs:
    """Check and quantize real inputs as [`prove`][tensorproof.api.prove] does, counting the
    values clamped to each input's calibrated range.

    Args:
        model: A compiled model, proving key or verifying key.
        inputs: One array or a dict by input name (as for [`prove`][tensorproof.api.prove]).

    Returns:
        The integer inputs, the count of clamped values and the calibrated range per input.

    Raises:
        InputError: Wrong shape, batch 0, missing or unknown inputs, NaN or infinite values.
    """
    quants = _quants(model)
    xs = input_batches(model, inputs)
    ints, clamped, ranges = {}, {}, {}
    for q in quants:
        ints[q.name], clamped[q.name] = q.quantize_counting(xs[q.name])
        ranges[q.name] = (q.lo * q.scale, q.hi * q.scale)
    return QuantizedInputs(ints, clamped, ranges,
                           frozenset(q.name for q in quants if q.integer))


def input_hash(ints: Mapping[str, npt.ArrayLike]) -> str:
    """keccak256 (64 lowercase hex digits) of proven integer inputs by name.

    For each input, in the code-point order of the names:
    ``u32 len(name) ‖ name (UTF-8) ‖ u8 ndim ‖ u32 dim… ‖ int64 value…``, big-endian, values
    in C order, batch axis first: the bytes the proof's statement absorbs for each input.
    ``tensorproof verify`` prints this hash.
    """
    from ..transcript import keccak256

    parts = []
    for name in sorted(ints):
        arr = np.asarray(ints[name], dtype=np.int64)
        raw = name.encode("utf-8")
        parts.append(struct.pack(">I", len(raw)) + raw
                     + struct.pack(f">B{arr.ndim}I", arr.ndim, *arr.shape)
                     + arr.astype(">i8").tobytes())
    return keccak256(*parts).hex()


def sample_digests(ints: npt.ArrayLike) -> list[str]:
    """keccak256 (64 lowercase hex digits) of each sample of one integer tensor, batch first:
    its values as int64 big-endian in C order. These are the digests a proof states for a
    ``hashed`` input or output (what an oracle contract compares with its request); quantize
    real inputs first with [`quantize_inputs`][tensorproof.api.quantize_inputs]."""
    from ..transcript import keccak256
    from ..verifier.hashing import message_bytes

    arr = np.asarray(ints, dtype=np.int64)
    if arr.ndim < 1:
        raise InputError("sample_digests: give a batch-first array (batch, *shape)")
    return [keccak256(message_bytes(s)).hex() for s in arr]
