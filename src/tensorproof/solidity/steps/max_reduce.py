"""max_reduce (verifier/layers/max_reduce.py): the window maximum's sumcheck, with the validity
mask in closed form.

Layout: u16 d (the gap tensor) | y's layout (fields.shape, batch axis first) | u8 U | per window
position u < U: u16 n | n boxes, each a (u32 lo, u32 hi) per sample axis of y (axis 1 first):
the mask boxes (max_reduce.mask_boxes), whose union is {p : V(p, u) = 1}, so that the contract
evaluates V~(u, r) from prefix indicators | monomials (fields.monomials) over [e_0, …, e_{U−1},
y, G, 1_P].
"""

from __future__ import annotations

from ...errors import UnsupportedOpError
from ...verifier.layers.lookup import needs_pad_check
from ...verifier.layers.max_reduce import Shape, d_name, mask_boxes, relation_monomials
from .fields import monomials, shape, u8, u16, u32

MAX_DEGREE = 128
"""Sumcheck.sol's largest degree (Sumcheck.MAX_DEGREE): windows of at most 127 entries."""


def encode(plan, step, ids) -> bytes:
    sh = Shape(plan, step)
    if sh.degree > MAX_DEGREE:
        raise UnsupportedOpError(f"layer {step.name!r}: a max over {sh.U} entries (the EVM "
                                 f"verifier's sumcheck takes windows of at most {MAX_DEGREE - 1})")
    out = [u16(ids[d_name(step)]), shape(sh.y.shape), u8(sh.U)]
    for boxes in mask_boxes(plan, step):
        out.append(u16(len(boxes)))
        out += [u32(lo) + u32(hi) for box in boxes for lo, hi in box]
    out.append(monomials(relation_monomials(sh.U, needs_pad_check(plan, step.output))))
    return b"".join(out)
