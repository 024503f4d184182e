"""The functions behind tensorproof.api (see its docstring)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import (
    ArgumentError,
    InputMismatchError,
    InputRangeWarning,
    OutputPathError,
    ProofFormatError,
    TensorProofError,
)
from ..ir.model import CompiledModel
from ..ir.modelfile import atomic_write
from ..prover.model import ProvingKey
from ..prover.model import setup as _setup
from ..prover.prove import prove as _prove
from ..verifier.keys import VerifyingKey
from ..verifier.pcs_config import default_config
from ..verifier.proof import Proof
from ..verifier.verify import verify as _verify
from .inputs import QuantizedInputs, input_batches, input_hash, quantize_inputs


def compile(model, calibration, bits: int = 8, **options) -> CompiledModel:  # noqa: A001
    """Quantize an ONNX model (path, bytes or ModelProto) to an exact integer graph.

    ``calibration``: sample inputs, batch first (at least one sample; CompileError if none).
    Emits a CalibrationWarning when there are fewer than 10 samples or an input's samples are
    constant or identical."""
    from ..frontend import compile_onnx

    return compile_onnx(model, calibration, bits=bits, **options)


def setup(model: CompiledModel, k: int = 2, pcs: str = "ligero") -> ProvingKey:
    """Commit to the model's quantized weights; `pk.vk` is the public verifying key.

    ``k``: degree of the challenge field (2 or 3); ``pcs``: commitment scheme ("ligero", or
    "raw" for tests). ConfigError (one line) for an unknown or unsupported one."""
    _need(model, CompiledModel, "setup(model)", "a CompiledModel (api.compile)")
    return _setup(model, default_config(k, pcs))


def prove(model: ProvingKey | CompiledModel, inputs, quantized: bool = False,
          progress: Callable[[str], None] | None = None, strict: bool = False) -> Proof:
    """Prove the model's inference on a batch of ``inputs``; the proof carries the (integer)
    inputs and outputs.

    ``inputs``: one array (single-input model) or a dict by input name, each (batch, *shape)
    or, for one sample, exactly the input's shape; real values, or integers in the input's
    range when ``quantized``. Nothing is reshaped: InputError on any other shape or batch 0.
    Real values outside the calibrated range are clamped with an InputRangeWarning naming how
    many per input (:func:`quantize_inputs` returns the counts); ``strict=True`` raises
    InputRangeError instead."""
    _need(model, ProvingKey | CompiledModel, "prove(pk, inputs)",
          "a ProvingKey (api.setup or api.load_pk)")
    if quantized:
        ints = input_batches(model, inputs, integer=True)
    else:
        q = quantize_inputs(model, inputs)
        q.check(strict)
        for msg in q.clamp_messages():
            warnings.warn(InputRangeWarning(msg), stacklevel=2)
        ints = q.ints
    pk = setup(model) if isinstance(model, CompiledModel) else model  # inputs checked first
    return _prove(pk, ints, progress)


@dataclass(frozen=True)
class VerifiedOutputs:
    """What a verified proof proves: its outputs (integers, and dequantized by ONNX name) and
    the integer inputs they belong to, with their hash (:func:`input_hash`)."""

    ints: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    inputs: dict[str, np.ndarray]
    input_hash: str


def verify(vk: VerifyingKey, proof: Proof, inputs=None) -> VerifiedOutputs:
    """Verify ``proof`` against ``vk``; return what it proves, or raise VerificationError /
    ProofFormatError. With ``inputs`` (real values, as for :func:`prove`), also check that the
    proof's inputs are their quantization (InputMismatchError if not)."""
    if isinstance(vk, Proof) and isinstance(proof, VerifyingKey):
        raise ArgumentError("verify(vk, proof): the arguments are swapped (the verifying key "
                            "comes first)")
    if isinstance(vk, ProvingKey):
        raise ArgumentError("verify(vk, proof): give the verifying key pk.vk, not the proving "
                            "key")
    _need(vk, VerifyingKey, "verify(vk, proof)", "a VerifyingKey (api.load_vk or pk.vk)")
    _need(proof, Proof, "verify(vk, proof)", "a Proof (api.prove or api.load_proof)")
    ints = _verify(vk, proof)
    if inputs is not None:
        _check_inputs(vk, proof, inputs)
    values = {q.onnx_name: q.dequantize(ints[q.name]) for q in vk.outputs}
    proven = {n: np.array(a) for n, a in proof.inputs.items()}
    return VerifiedOutputs(ints, values, proven, input_hash(proven))


def _check_inputs(vk: VerifyingKey, proof: Proof, inputs) -> None:
    expected = quantize_inputs(vk, inputs).ints
    for name, want in expected.items():
        got = proof.inputs[name]
        if got.shape != want.shape:
            raise InputMismatchError(f"the proof is of input {name!r} of shape {got.shape}, "
                                     f"the given one has shape {want.shape}")
        diff = np.flatnonzero(got != want)
        if diff.size:
            at = np.unravel_index(int(diff[0]), got.shape)
            raise InputMismatchError(
                f"the proven input {name!r} is not the quantization of the given one: "
                f"{diff.size} of {got.size} values differ (first at index {tuple(map(int, at))}"
                f": proven {int(got[at])}, given {int(want[at])})")


def _need(value, cls, call: str, what: str) -> None:
    if not isinstance(value, cls):
        raise ArgumentError(f"{call}: expected {what}, got {type(value).__name__}")


def _read(path: str | os.PathLike, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise TensorProofError(f"cannot read {what} {str(path)!r}: {e.strerror}") from e


def _write(path, data: bytes, what: str) -> None:
    try:
        atomic_write(path, data)
    except OSError as e:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: "
                              f"{e.strerror or type(e).__name__}") from None


def save_proof(proof: Proof, path) -> None:
    """Write ``proof`` to ``path`` atomically; OutputPathError if it cannot be written."""
    _need(proof, Proof, "save_proof(proof, path)", "a Proof")
    _write(path, proof.to_bytes(), "proof")


def load_proof(path) -> Proof:
    try:
        return Proof.from_bytes(_read(path, "proof file"))
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from e


def save_vk(vk: VerifyingKey, path) -> None:
    """Write the verifying key to ``path`` atomically; OutputPathError if it cannot be."""
    _need(vk, VerifyingKey, "save_vk(vk, path)", "a VerifyingKey")
    _write(path, vk.to_bytes(), "verifying key")


def save_pk(pk: ProvingKey, path) -> None:
    """Write the proving key (model, vk and the weight commitment's prover data) to a .tpk
    file, so that later proofs skip re-committing to the weights."""
    from ..prover.keyfile import pk_bytes

    _need(pk, ProvingKey, "save_pk(pk, path)", "a ProvingKey")
    _write(path, pk_bytes(pk), "proving key")


def load_pk(path) -> ProvingKey:
    """Read and check a .tpk file written by :func:`save_pk`; KeyFileError if malformed."""
    from ..errors import KeyFileError
    from ..prover.keyfile import parse_pk

    try:
        return parse_pk(_read(path, "proving key"))
    except KeyFileError as e:
        raise KeyFileError(f"{path}: {e}") from None


def load_vk(path) -> VerifyingKey:
    try:
        return VerifyingKey.from_bytes(_read(path, "verifying key"))
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from e


__all__ = ["Proof", "ProvingKey", "QuantizedInputs", "VerifiedOutputs", "VerifyingKey", "compile",
           "input_hash", "quantize_inputs", "setup", "prove", "verify"]
