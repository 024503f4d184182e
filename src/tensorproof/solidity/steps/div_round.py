"""div_round (verifier/layers/div_round.py): a zero-check of the relation's monomials.

Layout: y's layout (fields.shape: the real-entry indicator) | u8 L | u16 limb tensors (r…, d…,
v…: div_round.advice_names) | monomials (fields.monomials) over [a, b, y, 1, limbs…].
"""

from __future__ import annotations

from ...verifier.layers.div_round import advice_names, relation_monomials
from .fields import monomials, shape, u8, u16


def encode(plan, step, ids) -> bytes:
    limbs = advice_names(plan, step)
    out = shape(plan.tensors[step.output].layout.shape) + u8(len(limbs))
    out += b"".join(u16(ids[n]) for n in limbs)
    return out + monomials(relation_monomials(plan, step))
