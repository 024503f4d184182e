"""Steps that need no proof: each claim on the output is a claim on the input at a renamed point.

- alias: same padded layout (a reshape that keeps every padded position);
- transpose: permuting axes permutes groups of variables (each axis padded on its own);
- reduce_sum: Σ_u X(…, u, …) = 2^m · X~(…, ½, …, ½, …) for the m variables of the summed axes
  (padding is zero), so the claim moves to the point with ½ there and the value divided by 2^m.
Prover and verifier run the same function (no message is exchanged). A randomized claim
(EvalClaim.randomizer) moves with its randomizer, scaled like the value.
"""

from __future__ import annotations

from ...field.params import HALF, P
from ...poly.mle import as_ext

REDUCES_CLAIMS = True



def relabel_claims(book, i: int, step) -> None:
    """Move every pending claim on step.output to step.inputs[0] (shared by both sides)."""
    claims = book.pending.pop(step.output, [])
    x_layout = book.plan.tensors[step.inputs[0]].layout
    y_layout = book.plan.tensors[step.output].layout
    ext = book.ext
    for c in claims:
        parts = y_layout.split(tuple(c.point))
        value, randomizer = c.value, c.randomizer
        if step.op == "alias":
            point = tuple(c.point)
        elif step.op == "transpose":
            perm = step.attrs["perm"]
            x_parts = [None] * len(perm)
            for a, p in enumerate(perm):
                x_parts[p] = parts[a]
            point = x_layout.join(x_parts)
        else:  # reduce_sum
            point, value, scale = _unsum(ext, step, x_layout, parts, value)
            randomizer = tuple((ext.mul(scale, as_ext(ext, c_)), s) for c_, s in randomizer)
        book.claim(step.inputs[0], point, value, randomizer)


def _unsum(ext, step, x_layout, y_parts, value):
    axes, keep = step.attrs["axes"], step.attrs["keepdims"]
    half = ext.from_base(HALF)
    scale = ext.one()
    x_parts, it = [], iter(y_parts)
    for a in range(len(x_layout.shape)):
        if a in axes:
            if keep:
                next(it)
            bits = x_layout.bits[a]
            x_parts.append((half,) * bits)
            scale = ext.mul(scale, ext.from_base(pow(HALF, bits, P)))
        else:
            x_parts.append(next(it))
    return x_layout.join(x_parts), ext.mul(as_ext(ext, value), scale), scale


verify = relabel_claims


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py)."""
    return []
