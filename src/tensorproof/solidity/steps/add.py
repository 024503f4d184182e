"""add, add_const (verifier/layers/add.py).

Layout: add: empty. add_const: u8 n_sample (the output's per-sample variables; the batch's are
above them) | u32 batch (real rows: the constant is added on them only).
"""

from __future__ import annotations

from .fields import u8, u32


def encode(plan, step, ids) -> bytes:
    if step.op == "add":
        return b""
    layout = plan.tensors[step.output].layout
    return u8(layout.n_vars - layout.bits[0]) + u32(plan.batch)
