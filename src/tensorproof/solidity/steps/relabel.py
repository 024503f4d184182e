"""alias, transpose, reduce_sum (verifier/layers/relabel.py): the input's point as a map of
the output's.

Layout: u8 n | n bytes, coordinate j of the input's point = the output point's coordinate
map[j], or ½ where map[j] = 0xFF | u64 factor (the value is multiplied by it: 2^-m for the m
summed variables of reduce_sum, else 1).
"""

from __future__ import annotations

from ...field.params import P
from ...verifier.layers.relabel import HALF
from .fields import f64, u8

HALF_MARK = 0xFF


def encode(plan, step, ids) -> bytes:
    x_layout = plan.tensors[step.inputs[0]].layout
    y_layout = plan.tensors[step.output].layout
    if y_layout.n_vars >= HALF_MARK:
        raise ValueError("a tensor of 255 or more variables")
    parts = y_layout.split(tuple(range(y_layout.n_vars)))
    factor = 1
    if step.op == "alias":
        point = tuple(range(y_layout.n_vars))
    elif step.op == "transpose":
        x_parts = [()] * len(step.attrs["perm"])
        for a, p in enumerate(step.attrs["perm"]):
            x_parts[p] = parts[a]
        point = x_layout.join(x_parts)
    else:
        axes, keep = step.attrs["axes"], step.attrs["keepdims"]
        x_parts, it = [], iter(parts)
        for a in range(len(x_layout.shape)):
            if a in axes:
                if keep:
                    next(it)
                x_parts.append((HALF_MARK,) * x_layout.bits[a])
                factor = factor * pow(HALF, x_layout.bits[a], P) % P
            else:
                x_parts.append(next(it))
        point = x_layout.join(x_parts)
    return u8(len(point)) + bytes(point) + f64(factor)
