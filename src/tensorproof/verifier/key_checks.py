"""A verifying key's own consistency, checked whenever a key is loaded (keys.check_key).

A key is data that anyone can write. Before it names a model, it must describe one that the
protocol can prove soundly:
- the graph is well formed and wrap-free for ANY weights inside their declared ranges
  (ir.validate with ``values=False``; the certificate proves the committed weights are inside);
- every op can be lowered to a plan, with no name defined twice;
- the input and output quantization describe the graph's own inputs and outputs;
- the configuration names a supported field degree and scheme, with parameters at or above the
  required security level (recomputed here, never trusted), and the commitment is to a vector
  of exactly the size the plan's constants need.
"""

from __future__ import annotations

from ..errors import ConfigError, ProofFormatError, TensorProofError
from ..ir.validate import validate_graph
from . import pcs_config
from .lowering import build_plan
from .pcs.commitment import Commitment
from .plan import MODEL
from .zk_weights import model_params

MAX_INPUT_BITS = 32


def check_structure(vk) -> None:
    """ProofFormatError (one line) unless the key is consistent (see the module docstring)."""
    try:
        _check(vk)
    except ProofFormatError:
        raise
    except TensorProofError as e:
        raise ProofFormatError(f"verifying key describes an invalid model: {e}") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            ZeroDivisionError, RecursionError) as e:
        raise ProofFormatError(f"verifying key describes an invalid model ({type(e).__name__}: "
                               f"{str(e)[:120]})") from None


def _check(vk) -> None:
    check_config(vk.config)
    g = vk.graph
    validate_graph(g, values=False)
    names = [q.name for q in vk.inputs]
    if names != list(g.inputs):
        raise ProofFormatError(f"verifying key: input quantization names {names}, the graph's "
                               f"inputs are {list(g.inputs)}")
    for q in vk.inputs:
        spec = g.tensors[q.name]
        half = 1 << (q.bits - 1) if 1 <= q.bits <= MAX_INPUT_BITS else 0
        if (tuple(q.shape) != spec.shape or (q.lo, q.hi) != (spec.lo, spec.hi) or q.lo > q.hi
                or not half or q.lo < -half or q.hi >= half):
            raise ProofFormatError(f"verifying key: input {q.name!r} quantization does not fit "
                                   "the graph's input (shape, range or bits): the range a "
                                   "consumer quantizes to must be the one the proof enforces")
    for q in (*vk.inputs, *vk.outputs):
        if not (0 < q.scale < float("inf")):
            raise ProofFormatError(f"verifying key: tensor {q.name!r} has scale {q.scale}, "
                                   "which is not positive and finite")
    onnx_names = [q.onnx_name for q in vk.outputs]
    if len(set(onnx_names)) != len(onnx_names):
        raise ProofFormatError("verifying key: two outputs report under one ONNX name")
    if [q.name for q in vk.outputs] != list(g.outputs):
        raise ProofFormatError("verifying key: output quantization does not name the graph's "
                               "outputs in order")
    for q in vk.outputs:
        if tuple(q.shape) != g.tensors[q.name].shape:
            raise ProofFormatError(f"verifying key: output {q.name!r} has the wrong shape")
    plan = build_plan(g, 1, vk.config if model_params(vk.config) is not None else None)
    c = Commitment.from_bytes(vk.commitment, pcs_config.commitment_extra(vk.config))
    if c.n_vars != plan.commitments[MODEL].packing.n_vars:
        raise ProofFormatError("verifying key: the commitment's size is not the model's")


def check_config(config: dict) -> None:
    """A registered scheme, exactly its fields, a supported field degree and parameters at the
    required security level (pcs_config.check_config, the scheme registry's checks)."""
    try:
        pcs_config.check_config(config)
    except ConfigError as e:
        raise ProofFormatError(f"verifying key: {e}") from None
