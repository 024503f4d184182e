"""Prover of verifier/layers/add.py."""

from __future__ import annotations

import numpy as np

from ...poly.mle import as_ext, evaluate
from ...verifier.layers.add import claims_on_output, part_randomizers, split_batch
from ..zk_finals import randomizer_sum


def forward(step, plan, ints) -> np.ndarray:
    x = ints[step.inputs[0]]
    if step.op == "add":
        return x + ints[step.inputs[1]]
    return x + ints[step.consts[0]][None]


def prove(ctx, i: int, step) -> None:
    for j, c in enumerate(claims_on_output(ctx, i, step)):
        r_a, r_b = part_randomizers(ctx, i, j, step, c)
        if step.op == "add":
            part = evaluate(ctx.vf, ctx.tables[step.inputs[0]], c.point)
            if r_a:
                part = ctx.ext.add(as_ext(ctx.ext, part), randomizer_sum(ctx, r_a))
            ctx.send(ctx.label(i, step, f"part{j}"), [part])
            ctx.claim(step.inputs[0], c.point, part, r_a)
            ctx.claim(step.inputs[1], c.point, ctx.ext.sub(c.value, part), r_b)
        else:
            z_s, z_b = split_batch(ctx, step, c.point)
            part = evaluate(ctx.vf, ctx.tables[step.consts[0]], z_s)
            ctx.send(ctx.label(i, step, f"part{j}"), [part])
            ctx.const_claim(step.consts[0], z_s, part)
            x_val = evaluate(ctx.vf, ctx.tables[step.inputs[0]], c.point)
            if r_b:
                x_val = ctx.ext.add(as_ext(ctx.ext, x_val), randomizer_sum(ctx, r_b))
            ctx.claim(step.inputs[0], c.point, x_val, r_b)
