"""The attributes of each proof step as the EVM verifier reads them (``circuit.py``, steps).

One module per family of ops, mirroring ``verifier/layers``; each defines
``encode(plan, step, ids) -> bytes`` (``ids``: tensor name -> u16 id) with the byte layout its
Solidity library (``contracts/Step*.sol``) decodes, documented in the module.
"""

from __future__ import annotations

import importlib

from ...errors import UnsupportedOpError

_MODULES = {
    "linear": "linear",
    "alias": "relabel",
    "transpose": "relabel",
    "reduce_sum": "relabel",
    "add": "add",
    "add_const": "add",
    "gather": "gather",
    "mul": "mul",
    "mul_const": "mul",
    "requant": "requant",
    "lookup": "lookup",
    "max_reduce": "max_reduce",
    "matmul": "matmul",
    "div_round": "div_round",
}


def encode_step(plan, step, ids) -> bytes:
    """The attribute bytes of ``step`` (UnsupportedOpError where the EVM verifier lacks it)."""
    try:
        mod = importlib.import_module(f"{__name__}.{_MODULES[step.op]}")
    except (KeyError, ModuleNotFoundError):
        raise UnsupportedOpError(f"the EVM verifier does not support proof step {step.op!r} "
                                 f"(layer {step.name!r}) yet") from None
    return mod.encode(plan, step, ids)
