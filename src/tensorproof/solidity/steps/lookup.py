"""lookup (verifier/layers/lookup.py): the zero-padding check of a committed output.

Layout: u8 check (0: nothing to prove) | (check:) the output's layout (fields.shape).
"""

from __future__ import annotations

from ...verifier.layers.lookup import needs_pad_check
from .fields import shape, u8


def encode(plan, step, ids) -> bytes:
    if not needs_pad_check(plan, step.output):
        return u8(0)
    return u8(1) + shape(plan.tensors[step.output].layout.shape)
