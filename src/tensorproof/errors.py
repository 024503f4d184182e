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
