"""Elementwise sums: Y = A + B, and Y = X + C for a model constant C broadcast over the batch.

A claim Y~(z) = v is linear in the inputs: the prover states A~(z) (resp. C~(z_sample)) and the
verifier derives B~(z) = v − A~(z) (resp. X~(z) = v − C~(z_s) · 1_batch~(z_b), the constant
being added on real batch rows only, so the padding stays zero). One K element per claim.
"""

from __future__ import annotations

from ..layout import Layout, prefix_indicator

REDUCES_CLAIMS = True


def split_batch(book, step, point):
    """(sample coordinates, batch coordinates) of a point on the step's output."""
    layout: Layout = book.plan.tensors[step.output].layout
    n_sample = layout.n_vars - layout.bits[0]
    return tuple(point[:n_sample]), tuple(point[n_sample:])


def verify(ctx, i: int, step) -> None:
    ext = ctx.ext
    for j, c in enumerate(ctx.pending.pop(step.output, [])):
        (part,) = ctx.recv(ctx.label(i, step, f"part{j}"))
        if step.op == "add":
            ctx.claim(step.inputs[0], c.point, part)
            ctx.claim(step.inputs[1], c.point, ext.sub(c.value, part))
        else:  # add_const
            z_s, z_b = split_batch(ctx, step, c.point)
            ind = prefix_indicator(ext, z_b, ctx.plan.batch)
            ctx.const_claim(step.consts[0], z_s, part)
            ctx.claim(step.inputs[0], c.point, ext.sub(c.value, ext.mul(part, ind)))


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py)."""
    return []
