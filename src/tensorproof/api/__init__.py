"""Public Python API of tensorproof: compile → setup → prove → verify.

```python
import tensorproof.api as tp
model = tp.compile("net.onnx", calibration)   # or compile_with_report(..., eval_data=...)
pk = tp.setup(model)                          # commits to the weights: pk.vk is public
proof = tp.prove(pk, x)                       # x: (batch, *input shape), real values
outputs = tp.verify(pk.vk, proof)             # raises VerificationError if rejected
outputs.values, outputs.inputs, outputs.input_hash   # what is proven
outputs.digests                               # per hashed tensor, keccak256 of each sample
tp.save_pk(pk, "net.tpk")                     # later: pk = tp.load_pk("net.tpk"), no re-commit
```

Every error is a [`TensorProofError`][tensorproof.errors.TensorProofError] subclass with a
one-line message; warnings are [`TensorProofWarning`][tensorproof.errors.TensorProofWarning]
subclasses (``InputRangeWarning``, ``CalibrationWarning``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core import (
    ModelSource,
    PathLike,
    Proof,
    QuantizedInputs,
    Samples,
    VerifiedOutputs,
    VerifyingKey,
    compile,  # noqa: A004 (the natural name of the step)
    compile_with_report,
    input_hash,
    load_model,
    load_pk,
    load_proof,
    load_vk,
    prove,
    quantize_inputs,
    save_model,
    save_pk,
    save_proof,
    save_vk,
    setup,
    verify,
)
from .inputs import AnyModel, Inputs, sample_digests

if TYPE_CHECKING:
    from ..prover.model import ProvingKey


def __getattr__(name: str) -> Any:
    """``ProvingKey`` is imported with the prover on first use (``core.__getattr__``), so that
    ``import tensorproof.api`` and verifying never import the prover (nor numba)."""
    if name == "ProvingKey":
        from . import core

        return core.ProvingKey
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["AnyModel", "Inputs", "ModelSource", "PathLike", "Proof", "ProvingKey",
           "QuantizedInputs", "Samples", "VerifiedOutputs", "VerifyingKey", "compile",
           "compile_with_report", "input_hash", "load_model", "load_pk", "load_proof", "load_vk",
           "prove", "quantize_inputs", "sample_digests", "save_model", "save_pk", "save_proof",
           "save_vk", "setup", "verify"]
