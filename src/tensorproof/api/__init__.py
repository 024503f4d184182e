"""Public Python API of tensorproof: compile → setup → prove → verify.

>>> import tensorproof.api as tp                                   # doctest: +SKIP
>>> model = tp.compile("net.onnx", calibration)                    # doctest: +SKIP
>>> pk = tp.setup(model)             # commits to the weights: pk.vk is public  # doctest: +SKIP
>>> proof = tp.prove(pk, x)                                        # doctest: +SKIP
>>> outputs = tp.verify(pk.vk, proof)  # raises VerificationError if rejected  # doctest: +SKIP
>>> outputs.values, outputs.inputs, outputs.input_hash  # what is proven      # doctest: +SKIP
>>> tp.save_pk(pk, "net.tpk")  # later: pk = tp.load_pk("net.tpk"), no re-commit  # doctest: +SKIP
"""

from __future__ import annotations

from .core import (
    Proof,
    ProvingKey,
    QuantizedInputs,
    VerifiedOutputs,
    VerifyingKey,
    compile,  # noqa: A004 (the natural name of the step)
    input_hash,
    load_pk,
    load_proof,
    load_vk,
    prove,
    quantize_inputs,
    save_pk,
    save_proof,
    save_vk,
    setup,
    verify,
)

__all__ = ["Proof", "ProvingKey", "QuantizedInputs", "VerifiedOutputs", "VerifyingKey", "compile",
           "input_hash", "load_pk", "load_proof", "load_vk", "prove", "quantize_inputs",
           "save_pk", "save_proof", "save_vk", "setup", "verify"]
