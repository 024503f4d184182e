"""linear (verifier/layers/linear.py).

Layout: u8 n_bits (output columns) | u8 k_bits (contraction) | rows layout (fields.shape: the
output's leading axes, for the bias's real-row indicator).
"""

from __future__ import annotations

from ...verifier.layers.common import linear_shape
from .fields import shape, u8


def encode(plan, step, ids) -> bytes:
    s = linear_shape(plan, step)
    return u8(s.n_bits) + u8(s.k_bits) + shape(s.rows.shape)
