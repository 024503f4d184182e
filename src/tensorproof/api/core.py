"""The functions behind tensorproof.api (see its docstring)."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from ..errors import (
    ArgumentError,
    ConfigError,
    InputError,
    InputMismatchError,
    InputRangeWarning,
    ModelFileError,
    OutputPathError,
    ProofFormatError,
    TensorProofError,
)
from ..ir.model import CompiledModel
from ..ir.modelfile import atomic_write
from ..ir.visibility import hashed_names, private_names, with_visibility
from ..verifier.keys import VerifyingKey
from ..verifier.pcs_config import DEFAULT_PROFILE, DEFAULT_PROOF_BUDGET, profile_config
from ..verifier.proof import Proof
from ..verifier.verify import verify as _verify
from ..verifier.zk_capacity import zero_knowledge_config
from .inputs import (
    Inputs,
    QuantizedInputs,
    input_batches,
    input_hash,
    quantize_inputs,
    sample_digests,
)

if TYPE_CHECKING:
    import onnx

    from ..frontend.report import AccuracyReport
    from ..prover.model import ProvingKey


def __getattr__(name: str) -> Any:
    """``ProvingKey``, imported with the prover on first use: verifying never imports the
    prover (nor, through it, numba)."""
    if name == "ProvingKey":
        from ..prover.model import ProvingKey

        return ProvingKey
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

PathLike: TypeAlias = "str | os.PathLike[str]"
"""A file path: a ``str`` or a ``pathlib.Path``."""

ModelSource: TypeAlias = "str | os.PathLike[str] | bytes | onnx.ModelProto"
"""An ONNX model: a path to a ``.onnx`` file, its bytes, or a loaded ``onnx.ModelProto``."""

Visibility: TypeAlias = "str | dict[str, str] | None"
"""Who sees a model's inputs (or outputs), chosen at compile time and bound into the model id:
``"public"`` (in the proof's statement; the default), ``"private"`` (out of the statement:
committed in the proof and proven in range) or ``"hashed"`` (committed, and the statement
carries the keccak256 of each sample's int64 big-endian values, proven in the proof: see
[`sample_digests`][tensorproof.api.sample_digests]) for all of them, a dict by name, or text
``"name=private,other=hashed"``. Private and hashed tensors are hidden only under a
zero-knowledge key ([`setup`][tensorproof.api.setup]'s ``zero_knowledge``); otherwise the
proof's messages reveal linear functionals of them."""

Samples: TypeAlias = ("np.ndarray | list[np.ndarray] | tuple[np.ndarray, ...] "
                      "| dict[str, np.ndarray] | str | os.PathLike[str]")
"""Sample inputs, batch first: one array ``(n, *shape)`` (a single-input model), a list with
one such array per input, a dict by input name, or the path of a ``.npy``, ``.npz`` or
``.json`` file (EZKL's ``input.json`` included)."""


def compile(model: ModelSource, calibration: Samples, bits: int = 8, *,  # noqa: A001
            weight_bits: int = 8, method: str = "minmax", percentile: float = 99.99,
            lookup_bits: int = 0, input_visibility: Visibility = None,
            output_visibility: Visibility = None) -> CompiledModel:
    """Quantize an ONNX model to the exact integer graph that tensorproof proves.

    Compilation is deterministic: the same model, calibration samples and options give the
    same integer graph, hence the same model id after [`setup`][tensorproof.api.setup].

    Args:
        model: The ONNX model: a path, its bytes or an ``onnx.ModelProto``. A PyTorch module
            is exported first with ``tensorproof.frontend.export_torch``.
        calibration: Representative sample inputs, batch first, from which the activation
            scales are fitted (see [`Samples`][tensorproof.api.core.Samples]). At least one
            sample; fewer than 10, or an input whose samples are constant or all identical,
            draw a ``CalibrationWarning``.
        bits: Activation width in bits, 2 to 16 (default 8). Wider activations follow the
            float model more closely (measure it with
            [`compile_with_report`][tensorproof.api.compile_with_report]).
        weight_bits: Width of the weights and constants in bits, 2 to 16 (symmetric, one
            scale per output channel).
        method: How activation ranges are calibrated: ``"minmax"`` (the largest |value| seen
            on the samples; nothing seen is clamped) or ``"percentile"`` (the ``percentile``
            of |value|; rare outliers are clamped, the rest gets a finer scale).
        percentile: The percentile of |value| for ``method="percentile"``, in (50, 100].
        lookup_bits: Width, 2 to 16, to which an accumulator is requantized before a
            nonlinear table (sigmoid, tanh, exp, ...). 0 (the default) means
            ``min(16, bits + 4)``.
        input_visibility: Who sees the inputs (see
            [`Visibility`][tensorproof.api.core.Visibility]); default: all public.
        output_visibility: Who sees the outputs, the same way; default: all public.

    Returns:
        The compiled model; ``model.info`` records the source, the options and the ONNX ops.

    Raises:
        CompileError: One line with the reason: an unreadable model, no calibration sample,
            an option out of range, an unsupported operator (``UnsupportedOpError``) or a
            layer whose integers could overflow the field (``BoundError``).
    """
    from ..frontend import compile_onnx

    cm = compile_onnx(model, calibration, bits=bits, weight_bits=weight_bits, method=method,
                      percentile=percentile, lookup_bits=lookup_bits)
    return with_visibility(cm, input_visibility, output_visibility)


def compile_with_report(model: ModelSource, calibration: Samples,
                        eval_data: Samples | None = None, bits: int = 8, *,
                        weight_bits: int = 8, method: str = "minmax",
                        percentile: float = 99.99, lookup_bits: int = 0,
                        input_visibility: Visibility = None,
                        output_visibility: Visibility = None
                        ) -> tuple[CompiledModel, AccuracyReport]:
    """[`compile`][tensorproof.api.compile], then measure the accuracy the quantization kept.

    The compiled model is run (exactly, on integers) and compared with the float model
    (onnxruntime when it is installed, else tensorproof's own float64 evaluation) on
    ``eval_data``: per output, top-1 agreement, max and mean absolute error.

    Args:
        model: The ONNX model, as for [`compile`][tensorproof.api.compile].
        calibration: Calibration samples, as for [`compile`][tensorproof.api.compile].
        eval_data: Held-out samples to measure on. Without them the report is measured on
            the calibration samples themselves, an optimistic figure; the report's ``data``
            field says which (``"held-out"`` or ``"calibration"``).
        bits: As for [`compile`][tensorproof.api.compile].
        weight_bits: As for [`compile`][tensorproof.api.compile].
        method: As for [`compile`][tensorproof.api.compile].
        percentile: As for [`compile`][tensorproof.api.compile].
        lookup_bits: As for [`compile`][tensorproof.api.compile].
        input_visibility: As for [`compile`][tensorproof.api.compile].
        output_visibility: As for [`compile`][tensorproof.api.compile].

    Returns:
        ``(model, report)``: the compiled model (its ``info["accuracy"]`` holds the report's
        summary, also saved in ``.tpm`` files) and the
        [`AccuracyReport`][tensorproof.frontend.report.AccuracyReport].

    Raises:
        CompileError: As for [`compile`][tensorproof.api.compile].
    """
    from ..frontend import compile_with_report as _compile_with_report

    result: tuple[CompiledModel, AccuracyReport] = _compile_with_report(
        model, calibration, eval_data, bits=bits, weight_bits=weight_bits, method=method,
        percentile=percentile, lookup_bits=lookup_bits)
    return with_visibility(result[0], input_visibility, output_visibility), result[1]


def setup(model: CompiledModel, profile: str = DEFAULT_PROFILE, *, k: int | None = None,
          pcs: str | None = None, zero_knowledge: bool = False, weights: str = "public",
          proof_budget: int = DEFAULT_PROOF_BUDGET) -> ProvingKey:
    """Commit to the model's quantized weights and certify their ranges.

    Args:
        model: A compiled model ([`compile`][tensorproof.api.compile] or
            [`load_model`][tensorproof.api.load_model]).
        profile: ``"fast"`` (Ligero commitments, challenges in F_p^2: the fastest prover,
            proofs of a few hundred KB) or ``"compact"`` (WHIR commitments, challenges in
            F_p^3: proofs of tens of KB, for on-chain verification). The profile is part of
            the verifying key and of the model id.
        k: Override the profile's challenge field degree, 2 (about 128 bits) or 3.
        pcs: Override the profile's commitment scheme: ``"ligero"``, ``"whir"``, or ``"raw"``
            (sends the whole table; for tests only).
        zero_knowledge: Make every proof under the key zero-knowledge: it reveals nothing about
            the private and hashed inputs and outputs (nor the activations) beyond the public
            statement (a hashed tensor's digest is in it). Needs a private or hashed input;
            both profiles (ligero-zk or whir-zk hiding commitments). The weights stay
            behind the model id, not hidden (see ``weights``). Part of the model id. The
            costs are in docs/guide/guarantees.md.
        weights: ``"public"`` (the default: the weights stay behind the model id, a plain
            commitment that confirms a guessed weight set) or ``"private"``: a hiding model
            id, and zero-knowledge proofs (implied) that reveal nothing about the weights.
            Needs the ``"fast"`` profile. Part of the model id.
        proof_budget: With private weights, how many proofs the key may make (1 to 63; each
            one uses one of the hiding commitment's zero-knowledge openings, and proofs past
            the budget are refused: compile again for a new key). Larger budgets make the key
            and every proof larger (docs/guide/guarantees.md).

    Returns:
        The proving key; ``pk.vk`` is the public verifying key, and ``pk.vk.model_id`` the
        32-byte id that names the model.

    Raises:
        ConfigError: An unknown profile, or an unknown or unsupported ``k`` or ``pcs``, or
            ``zero_knowledge`` where it cannot hide yet (one line that says why).
        ArgumentError: ``model`` is not a ``CompiledModel``.
    """
    from ..prover.model import setup as _setup

    _need(model, CompiledModel, "setup(model)", "a CompiledModel (api.compile)")
    config = profile_config(profile, k, pcs)
    if weights not in ("public", "private"):
        raise ConfigError(f"weights must be 'public' or 'private', got {weights!r}")
    private = weights == "private"
    if zero_knowledge or private:
        config = zero_knowledge_config(config, model.graph.visibility, model.graph.inputs,
                                       "weights='private'" if private and not zero_knowledge
                                       else "zero knowledge",
                                       proof_budget if private else None)
    return _setup(model, config)


def prove(model: ProvingKey | CompiledModel, inputs: Inputs, quantized: bool = False,
          progress: Callable[[str], None] | None = None, strict: bool = False) -> Proof:
    """Prove the model's inference on a batch of inputs, in one proof.

    Real values are quantized first: a value x of an input with scale s becomes
    ``clamp(floor(x / s + 1/2), lo, hi)``; values outside the range calibrated for the input
    are clamped, with an ``InputRangeWarning`` giving the count per input
    ([`quantize_inputs`][tensorproof.api.quantize_inputs] returns the counts).

    Args:
        model: The proving key ([`setup`][tensorproof.api.setup] or
            [`load_pk`][tensorproof.api.load_pk]); a ``CompiledModel`` is committed to first
            (slower: keep the key).
        inputs: One array (a single-input model) or a dict by input name; each
            ``(batch, *shape)`` with batch >= 1, or exactly ``shape`` for one sample. Nothing
            is reshaped.
        quantized: The inputs are already integers inside each input's range (no
            quantization, no clamping).
        progress: Called with a short message before each proving phase.
        strict: Refuse inputs with values outside the calibrated range
            (``InputRangeError``) instead of clamping them.

    Returns:
        The proof; it carries the integer inputs and outputs it proves.

    Raises:
        InputError: Wrong shape, batch 0, missing or unknown input names, NaN or infinite
            values.
        InputRangeError: ``strict`` and some values lie outside the calibrated range.
        ProverError: An activation left its calibrated range (recalibrate with samples that
            cover such inputs), or, with private weights, the key's proof budget is used up.

    With private weights each proof spends one of the key's budget of zero-knowledge
    openings: a key loaded from (or saved to) a ``.tpk`` records it there, atomically and
    under a lock, before proving; copies of one ``.tpk`` file do not share the count, so
    prove from one file only.
    """
    from ..prover.model import ProvingKey
    from ..prover.prove import prove as _prove

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
    """What a verified proof proves: its outputs and the inputs they belong to."""

    ints: dict[str, np.ndarray]
    """The proven integer outputs by graph name, each ``(batch, *shape)``."""
    values: dict[str, np.ndarray]
    """The outputs dequantized (integer × the output's scale), by ONNX output name."""
    inputs: dict[str, np.ndarray]
    """The proven integer inputs by name, each ``(batch, *shape)``."""
    input_hash: str
    """keccak256 of the proven public inputs, 64 hex digits
    ([`input_hash`][tensorproof.api.input_hash])."""
    private: tuple[str, ...] = ()
    """The graph inputs and outputs kept out of the statement (committed in the proof: private
    or hashed), in name order: they are in neither ``ints`` nor ``inputs``."""
    digests: dict[str, list[str]] = field(default_factory=dict)
    """Per hashed input or output, the proven keccak256 (64 hex digits) of each sample's
    int64 big-endian values ([`sample_digests`][tensorproof.api.sample_digests])."""


def verify(vk: VerifyingKey, proof: Proof, inputs: Inputs | None = None) -> VerifiedOutputs:
    """Verify a proof against a verifying key and return what it proves.

    Args:
        vk: The verifying key ([`load_vk`][tensorproof.api.load_vk] or ``pk.vk``). Check
            that ``vk.model_id`` is the model you mean.
        proof: The proof ([`prove`][tensorproof.api.prove] or
            [`load_proof`][tensorproof.api.load_proof]).
        inputs: Optionally, real inputs (as for [`prove`][tensorproof.api.prove]): also check
            that the proof's public inputs are exactly their quantization, and a hashed
            input's digests those of its quantization (``InputError`` if some input is
            private: the proof carries neither it nor its hash).

    Returns:
        The proven outputs (integers and dequantized), inputs and input hash.

    Raises:
        VerificationError: The proof is rejected (another model, tampered bytes, a false
            statement).
        InputMismatchError: ``inputs`` given, and the proof is of other inputs (a
            ``VerificationError``).
        ProofFormatError: The proof is malformed.
        ArgumentError: Arguments swapped or of the wrong type (a ``TypeError``).
    """
    if isinstance(vk, Proof) and isinstance(proof, VerifyingKey):
        raise ArgumentError("verify(vk, proof): the arguments are swapped (the verifying key "
                            "comes first)")
    if _is_proving_key(vk):
        raise ArgumentError("verify(vk, proof): give the verifying key pk.vk, not the proving "
                            "key")
    _need(vk, VerifyingKey, "verify(vk, proof)", "a VerifyingKey (api.load_vk or pk.vk)")
    _need(proof, Proof, "verify(vk, proof)", "a Proof (api.prove or api.load_proof)")
    ints = _verify(vk, proof)
    private = tuple(sorted(private_names(vk.graph)))
    if inputs is not None:
        _check_inputs(vk, proof, inputs)
    values = {q.onnx_name: q.dequantize(ints[q.name]) for q in vk.outputs if q.name in ints}
    proven = {n: np.array(a) for n, a in proof.inputs.items()}
    digests = {n: [d.hex() for d in ds] for n, ds in sorted(proof.digests.items())}
    return VerifiedOutputs(ints, values, proven, input_hash(proven), private, digests)


def _is_proving_key(x: object) -> bool:
    """isinstance(x, ProvingKey), without importing the prover: no ProvingKey exists unless
    its module is loaded."""
    model = sys.modules.get("tensorproof.prover.model")
    return model is not None and isinstance(x, model.ProvingKey)


def _check_inputs(vk: VerifyingKey, proof: Proof, inputs: Inputs) -> None:
    hidden = sorted((private_names(vk.graph) - hashed_names(vk.graph)) & set(vk.graph.inputs))
    if hidden:
        raise InputError(f"verify(..., inputs=): input {hidden[0]!r} is private: the proof "
                         "carries neither it nor its hash, so there is nothing to compare")
    q = quantize_inputs(vk, inputs)
    for name in sorted(q.integer):
        if q.clamped.get(name):
            raise InputMismatchError(f"the given integer input {name!r} holds values outside "
                                     "the model's range: no proof of this model is of them")
    expected = q.ints
    for name in sorted(hashed_names(vk.graph) & set(expected)):  # compared by their digests
        want_digests = [bytes.fromhex(d) for d in sample_digests(expected.pop(name))]
        for b, (got_d, want_d) in enumerate(zip(proof.digests[name], want_digests)):
            if got_d != want_d:
                raise InputMismatchError(
                    f"the proven hashed input {name!r} is not the quantization of the given "
                    f"one: sample {b} hashes to {want_d.hex()}, the proof states {got_d.hex()}")
        if len(proof.digests[name]) != len(want_digests):
            raise InputMismatchError(f"the proof is of {len(proof.digests[name])} samples of "
                                     f"input {name!r}, {len(want_digests)} are given")
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


def _need(value: object, cls: Any, call: str, what: str) -> None:
    if not isinstance(value, cls):
        raise ArgumentError(f"{call}: expected {what}, got {type(value).__name__}")


def _read(path: PathLike, what: str) -> bytes:
    from pathlib import Path  # not at import: pathlib is ~10 ms of a fresh `tensorproof verify`

    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise TensorProofError(f"cannot read {what} {str(path)!r}: {e.strerror}") from e


def _write(path: PathLike, data: bytes, what: str) -> None:
    try:
        atomic_write(path, data)
    except OSError as e:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: "
                              f"{e.strerror or type(e).__name__}") from None


def save_model(model: CompiledModel, path: PathLike) -> None:
    """Write a compiled model to a ``.tpm`` file, atomically.

    Raises:
        OutputPathError: The file cannot be written (missing or read-only folder, a folder,
            a full disk).
    """
    from ..ir.modelfile import model_bytes

    _need(model, CompiledModel, "save_model(model, path)", "a CompiledModel (api.compile)")
    _write(path, model_bytes(model), "compiled model")


def load_model(path: PathLike) -> CompiledModel:
    """Read and check a ``.tpm`` file written by [`save_model`][tensorproof.api.save_model]
    (or ``tensorproof compile``).

    Raises:
        ModelFileError: The file is missing, unreadable, malformed or of an unknown version.
    """
    from pathlib import Path

    from ..ir.modelfile import parse_model

    try:
        blob = Path(path).read_bytes()
    except OSError as e:
        raise ModelFileError(f"cannot read model file {str(path)!r}: {e.strerror}") from None
    try:
        return parse_model(blob)
    except ModelFileError as e:
        raise ModelFileError(f"{path}: {e}") from None


def save_proof(proof: Proof, path: PathLike) -> None:
    """Write a proof to a ``.tpp`` file, atomically.

    Raises:
        OutputPathError: The file cannot be written.
    """
    _need(proof, Proof, "save_proof(proof, path)", "a Proof")
    _write(path, proof.to_bytes(), "proof")


def load_proof(path: PathLike) -> Proof:
    """Read a ``.tpp`` file written by [`save_proof`][tensorproof.api.save_proof]; the proof
    is checked only by [`verify`][tensorproof.api.verify].

    Raises:
        ProofFormatError: The bytes are not a well-formed proof.
        TensorProofError: The file cannot be read.
    """
    try:
        return Proof.from_bytes(_read(path, "proof file"))
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from e


def save_vk(vk: VerifyingKey, path: PathLike) -> None:
    """Write the verifying key to a ``.vk`` file, atomically.

    Raises:
        OutputPathError: The file cannot be written.
    """
    _need(vk, VerifyingKey, "save_vk(vk, path)", "a VerifyingKey")
    _write(path, vk.to_bytes(), "verifying key")


def save_pk(pk: ProvingKey, path: PathLike) -> None:
    """Write the proving key to a ``.tpk`` file, atomically.

    The file holds the compiled model, its verifying key and the weight commitment's prover
    data, so that later proofs skip re-committing to the weights.

    Raises:
        OutputPathError: The file cannot be written.
    """
    from ..prover.keyfile import write_pk
    from ..prover.model import ProvingKey

    _need(pk, ProvingKey, "save_pk(pk, path)", "a ProvingKey")
    write_pk(pk, path, lambda p, data: _write(p, data, "proving key"))
    pk.source = os.fspath(path)  # private weights: later proofs record their block there


def load_pk(path: PathLike) -> ProvingKey:
    """Read and check a ``.tpk`` file written by [`save_pk`][tensorproof.api.save_pk].

    Raises:
        KeyFileError: The file is truncated, corrupted or of an unknown version.
        TensorProofError: The file cannot be read.
    """
    from ..errors import KeyFileError
    from ..prover.keyfile import parse_pk

    try:
        pk = parse_pk(_read(path, "proving key"))
    except KeyFileError as e:
        raise KeyFileError(f"{path}: {e}") from None
    pk.source = os.fspath(path)  # private weights: each proof records its block there
    return pk


def load_vk(path: PathLike) -> VerifyingKey:
    """Read and check a ``.vk`` file: its checksum, every field, the graph's structure, the
    configuration's security level and the weight range certificate.

    Raises:
        ProofFormatError: The key is malformed or fails a check.
        VerificationError: Its weight range certificate does not verify.
    """
    try:
        return VerifyingKey.from_bytes(_read(path, "verifying key"))
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from e


__all__ = ["ModelSource", "PathLike", "Proof", "ProvingKey", "QuantizedInputs", "Samples",
           "VerifiedOutputs", "VerifyingKey", "compile", "compile_with_report", "input_hash",
           "load_model", "load_pk", "load_proof", "load_vk", "prove", "quantize_inputs",
           "save_model", "save_pk", "save_proof", "save_vk", "setup", "verify"]
