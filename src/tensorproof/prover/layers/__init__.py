"""Prover twins of verifier/layers: ``forward(step, plan, ints)`` computes the step's output
(int64), optional ``advice_values(step, plan, ints)`` the extra committed tensors, and
``prove(ctx, i, step)`` mirrors the verifier message by message."""

from __future__ import annotations

import importlib

from ...verifier.layers import _MODULES


def step_module(op: str):
    return importlib.import_module(f"{__name__}.{_MODULES[op]}")
