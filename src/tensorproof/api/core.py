"""The functions behind tensorproof.api (see its docstring)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ProofFormatError, TensorProofError
from ..ir.model import CompiledModel
from ..ir.modelfile import atomic_write
from ..prover.model import ProvingKey
from ..prover.model import setup as _setup
from ..prover.prove import prove as _prove
from ..verifier.keys import VerifyingKey
from ..verifier.pcs_config import default_config
from ..verifier.proof import Proof
from ..verifier.verify import verify as _verify


def compile(model, calibration, bits: int = 8, **options) -> CompiledModel:  # noqa: A001
    """Quantize an ONNX model (path, bytes or ModelProto) to an exact integer graph."""
    from ..frontend import compile_onnx

    return compile_onnx(model, calibration, bits=bits, **options)


def setup(model: CompiledModel, k: int = 2, pcs: str = "ligero") -> ProvingKey:
    """Commit to the model's quantized weights; `pk.vk` is the public verifying key."""
    config = default_config(k)
    config["pcs"] = pcs
    return _setup(model, config)


def prove(model: ProvingKey | CompiledModel, inputs, quantized: bool = False,
          progress: Callable[[str], None] | None = None) -> Proof:
    """Prove the model's inference on a batch of `inputs` (real values, batch first, or int
    arrays when `quantized`); the proof carries the (integer) outputs."""
    pk = model if isinstance(model, ProvingKey) else setup(model)
    if quantized:
        ints = inputs if isinstance(inputs, dict) else {pk.model.inputs[0].name: inputs}
        ints = {n: np.asarray(v, dtype=np.int64) for n, v in ints.items()}
    else:
        ints = pk.model.quantize_inputs(inputs)
    return _prove(pk, ints, progress)


@dataclass(frozen=True)
class VerifiedOutputs:
    """Outputs of a verified proof: integers (what is proven) and their dequantized values."""

    ints: dict[str, np.ndarray]
    values: dict[str, np.ndarray]


def verify(vk: VerifyingKey, proof: Proof) -> VerifiedOutputs:
    """Verify `proof`; return its outputs, or raise VerificationError / ProofFormatError."""
    ints = _verify(vk, proof)
    values = {q.onnx_name: q.dequantize(ints[q.name]) for q in vk.outputs}
    return VerifiedOutputs(ints, values)


def _read(path: str | os.PathLike, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise TensorProofError(f"cannot read {what} {str(path)!r}: {e.strerror}") from e


def save_proof(proof: Proof, path) -> None:
    atomic_write(path, proof.to_bytes())


def load_proof(path) -> Proof:
    try:
        return Proof.from_bytes(_read(path, "proof file"))
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from e


def save_vk(vk: VerifyingKey, path) -> None:
    atomic_write(path, vk.to_bytes())


def save_pk(pk: ProvingKey, path) -> None:
    """Write the proving key (model, vk and the weight commitment's prover data) to a .tpk
    file, so that later proofs skip re-committing to the weights."""
    from ..prover.keyfile import pk_bytes

    atomic_write(path, pk_bytes(pk))


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


__all__ = ["Proof", "ProvingKey", "VerifyingKey", "compile", "setup", "prove", "verify"]
