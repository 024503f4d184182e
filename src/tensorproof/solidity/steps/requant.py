"""requant (verifier/layers/requant.py): a zero-check of the relation's monomials.

Layout: x's layout (fields.shape) | u8 flags (1 pad, 2 λ drawn, 4 y stated after the limbs)
| u16 q (the tensor playing q) | u8 L | u16 limb tensors (r…, then g, h, u⁺, u⁻ in range mode)
| u8 channel offset | u8 channel length (M's point: those coordinates of the sumcheck's point)
| monomials (fields.monomials) over [x, M̂, 1, q, limbs…, (y)].
"""

from __future__ import annotations

from ...verifier.layers.lookup import needs_pad_check
from ...verifier.layers.requant import (
    bound_names,
    needs_lambda,
    q_name,
    r_names,
    range_mode,
    relation_monomials,
)
from .fields import monomials, shape, u8, u16


def encode(plan, step, ids) -> bytes:
    layout = plan.tensors[step.inputs[0]].layout
    pad = needs_pad_check(plan, step.output)
    flags = int(pad) | 2 * int(needs_lambda(plan, step)) | 4 * int(pad and not range_mode(step))
    limbs = r_names(step) + bound_names(step)
    axis = step.attrs["axis"]
    sl = layout.axis_slice(axis) if axis >= 0 else slice(0, 0)
    out = shape(layout.shape) + u8(flags) + u16(ids[q_name(step)]) + u8(len(limbs))
    out += b"".join(u16(ids[n]) for n in limbs)
    out += u8(sl.start) + u8(sl.stop - sl.start)
    return out + monomials(relation_monomials(step, pad))
