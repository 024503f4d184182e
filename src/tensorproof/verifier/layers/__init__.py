"""One module per proof step; each maps the claims on its output to claims on its inputs.

A step module defines ``REDUCES_CLAIMS`` (True when claims on the output are reduced by the
step; False for relation steps whose output the prover supplies), ``verify(ctx, i, step)``,
and optionally ``advice(step, plan) -> list[TensorPlan]`` (extra committed tensors) and
``lookups(step, plan) -> list[LookupUse]``.
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


def step_module(op: str):
    """The verifier module of proof step `op`."""
    try:
        return importlib.import_module(f"{__name__}.{_MODULES[op]}")
    except (KeyError, ModuleNotFoundError) as e:
        raise UnsupportedOpError(f"proof step {op!r} is not implemented") from e


def extra_advice(step, plan) -> list:
    fn = getattr(step_module(step.op), "advice", None)
    return fn(step, plan) if fn else []


def step_lookups(step, plan) -> list:
    fn = getattr(step_module(step.op), "lookups", None)
    return fn(step, plan) if fn else []
