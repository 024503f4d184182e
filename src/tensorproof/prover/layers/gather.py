"""Prover of verifier/layers/gather.py: O(|X| + #wires) work per claim.

The wiring weight a_s(q) = Σ_{j: in_pos_j = q} eq(z_s, out_pos_j) is one eq table and one
modular scatter-add (prover/scatter.py); the source is folded on its batch variables first.
"""

from __future__ import annotations

import numpy as np

from ...poly.mle import eq_table
from ...verifier.layers.add import split_batch
from ...verifier.layout import Layout
from ..scatter import gather_scatter_add
from ..sumcheck import prove_sumcheck, sum_of_products
from ..tables import fix_high

_PRODUCT = [(1, [0, 1])]


def _real(layout: Layout) -> tuple:
    return tuple(slice(0, d) for d in layout.shape)


def forward(step, plan, ints) -> np.ndarray:
    """out[b, out_pos] += src[b, in_pos] on padded per-sample positions, summed over sources."""
    y_sample = Layout(plan.tensors[step.output].layout.shape[1:])
    rows = plan.tensors[step.output].layout.shape[0]
    out = np.zeros((rows, y_sample.size), dtype=np.int64)
    for src, (out_pos, in_pos) in zip(step.inputs, step.attrs["wirings"]):
        x_sample = Layout(plan.tensors[src].layout.shape[1:])
        flat = np.zeros((rows, *x_sample.padded), dtype=np.int64)
        flat[(slice(None), *_real(x_sample))] = ints[src]
        out[:, out_pos] += flat.reshape(rows, -1)[:, in_pos]
    out = out.reshape(rows, *y_sample.padded)[(slice(None), *_real(y_sample))]
    return np.ascontiguousarray(out)


def prove(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    vf = ctx.vf
    z_s, z_b = split_batch(ctx, step, claim.point)
    e = eq_table(vf, list(z_s))
    sources = []
    for src, (out_pos, in_pos) in zip(step.inputs, step.attrs["wirings"]):
        x = fix_high(vf, ctx.tables[src], z_b)  # X_s~(q, z_b) over q
        sources.append((x, gather_scatter_add(e, out_pos, in_pos, len(x))))
    if len(sources) > 1:
        parts = [sum_of_products(vf, [x, a], _PRODUCT) for x, a in sources]
        ctx.send(ctx.label(i, step, "parts"), parts)
    for s, (src, (x, a)) in enumerate(zip(step.inputs, sources)):
        label = ctx.label(i, step, f"source{s}")
        point, finals = prove_sumcheck(ctx.t, vf, [x, a], _PRODUCT, 2, label)
        ctx.send(f"{label}/value", [finals[0]])
        ctx.claim(src, list(point) + list(z_b), finals[0])
