"""Exception tree of tensorproof.

Every failure a user can cause (a bad file, a rejected proof, an unsupported operator) raises a
subclass of :class:`TensorProofError` with a one-line, human-readable message. The CLI prints
that message and exits non-zero; it never shows a trace for these.
"""


class TensorProofError(Exception):
    """Base class of every error tensorproof raises on purpose."""


class FieldError(TensorProofError, ValueError):
    """A value is not a valid field element or does not fit the requested integer range."""


class ProofFormatError(TensorProofError):
    """Proof, key or commitment bytes are malformed: truncated, extended, or non-canonical."""


class VerificationError(TensorProofError):
    """A well-formed proof failed a check: the statement is not proven."""


class CompileError(TensorProofError):
    """A model cannot be compiled (bad file, missing input, bound violation, ...)."""


class UnsupportedOpError(CompileError):
    """An ONNX operator (or attribute) is not supported."""


class BoundError(CompileError):
    """A tensor's proven integer range would exceed what the field can represent safely."""


class ModelFileError(TensorProofError):
    """A compiled-model (.tpm) file is missing, truncated or of an unknown version."""


class ProverError(TensorProofError):
    """The prover cannot produce a proof (e.g. an activation leaves its calibrated range)."""


class KeyFileError(TensorProofError):
    """A proving-key (.tpk) file is missing, truncated, corrupted or of an unknown version."""


class PlanError(CompileError):
    """A graph cannot be lowered to a proof plan (a name defined twice, an undefined tensor)."""


class InputFileError(TensorProofError):
    """An input or sample file (.npy, .npz, .json) is unreadable, malformed or not numeric."""


class InputError(TensorProofError, ValueError):
    """Real or integer inputs do not fit the model: a wrong shape, batch 0, a missing input, or
    (strict mode) values outside the calibrated range."""


class InputRangeError(InputError):
    """strict mode: some input values lie outside the calibrated range and would be clamped."""


class InputMismatchError(VerificationError):
    """The proof's public inputs are not the quantization of the inputs the verifier was given."""


class ArgumentError(TensorProofError, TypeError):
    """An API function got an argument of the wrong type (e.g. verify(proof, vk), swapped)."""


class OutputPathError(TensorProofError, OSError):
    """An output file cannot be written: a missing or read-only folder, a folder, a full disk."""


class OutputConflictError(TensorProofError, ValueError):
    """An output would overwrite an input, another output of the same command, or (without
    --force) another model's artifacts or a file that is not tensorproof's."""


class TensorProofWarning(UserWarning):
    """Base class of the warnings tensorproof emits (the CLI prints each as one line)."""


class InputRangeWarning(TensorProofWarning):
    """Input values outside the calibrated range were clamped: the proof is of the clamped input."""


class CalibrationWarning(TensorProofWarning):
    """Calibration data too small or degenerate (constant, identical samples) to trust."""


class ConfigError(TensorProofError):
    """A proof configuration is unusable: an unknown commitment scheme, missing or unknown
    fields, an unsupported field degree, or parameters below the required security level."""


class SolidityError(TensorProofError):
    """The EVM tooling failed: Node.js or the npm Solidity compiler is missing, a contract does
    not compile, or an EVM call reverted where it should not have."""
