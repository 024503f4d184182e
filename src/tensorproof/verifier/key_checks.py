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

from ..errors import ProofFormatError, TensorProofError
from ..field.params import EXTENSION_DEGREES
from ..ir.validate import validate_graph
from .lowering import build_plan
from .packing import Packing
from .pcs.commitment import Commitment
from .pcs.params import TARGET_SECURITY_BITS, LigeroParams, security_bits

MAX_BLOWUP = 16
"""Largest inverse code rate a key may ask for (the verifier re-encodes rows of blowup·2^b
symbols: a huge blowup would make loading a key allocate without bound)."""
MAX_QUERIES = 4096
MAX_INPUT_BITS = 32
CONFIG_KEYS = {"ligero": {"k", "pcs", "blowup", "queries"}, "raw": {"k", "pcs"}}
"""The configuration fields each commitment scheme needs."""
IGNORED_KEYS = {"raw": {"blowup", "queries"}}
"""Fields a scheme may carry and does not read (still bound by the model id)."""


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
        if (tuple(q.shape) != spec.shape or q.lo < spec.lo or q.hi > spec.hi or q.lo > q.hi
                or not half or q.lo < -half or q.hi >= half):
            raise ProofFormatError(f"verifying key: input {q.name!r} quantization does not fit "
                                   "the graph's input (shape, range or bits)")
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
    plan = build_plan(g, 1)
    c = Commitment.from_bytes(vk.commitment)
    if c.n_vars != Packing.of(plan.consts).n_vars:
        raise ProofFormatError("verifying key: the commitment's size is not the model's")


def check_config(config: dict) -> None:
    """A supported field degree and scheme, exactly its fields, and ≥ TARGET_SECURITY_BITS."""
    scheme = config.get("pcs")
    if scheme not in CONFIG_KEYS:
        raise ProofFormatError(f"verifying key: unknown commitment scheme {scheme!r} "
                               f"(known: {sorted(CONFIG_KEYS)})")
    if not CONFIG_KEYS[scheme] <= set(config) <= CONFIG_KEYS[scheme] | IGNORED_KEYS.get(scheme,
                                                                                   set()):
        raise ProofFormatError(f"verifying key: configuration fields {sorted(config)}, "
                               f"expected {sorted(CONFIG_KEYS[scheme])}")
    k = config["k"]
    if not isinstance(k, int) or isinstance(k, bool) or k not in EXTENSION_DEGREES:
        raise ProofFormatError(f"verifying key: field degree {k!r} is not one of "
                               f"{EXTENSION_DEGREES}")
    if scheme == "ligero":
        try:
            params = LigeroParams(blowup=config["blowup"], n_queries=config["queries"], k=k)
        except ValueError as e:
            raise ProofFormatError(f"verifying key: {e}") from None
        if params.blowup > MAX_BLOWUP or params.n_queries > MAX_QUERIES:
            raise ProofFormatError(f"verifying key: commitment parameters (blowup "
                                   f"{params.blowup}, {params.n_queries} queries) exceed the "
                                   f"supported {MAX_BLOWUP} / {MAX_QUERIES}")
        bits = security_bits(params)
        if bits < TARGET_SECURITY_BITS:
            raise ProofFormatError(f"verifying key: commitment parameters give {bits:.1f} bits "
                                   f"of security, below the required {TARGET_SECURITY_BITS}")
