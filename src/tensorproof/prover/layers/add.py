"""Prover of verifier/layers/add.py."""

from __future__ import annotations

import numpy as np

from ...poly.mle import evaluate
from ...verifier.layers.add import claims_on_output, const_point, part_randomizers
from ..zk_finals import with_randomizer


def forward(step, plan, ints) -> np.ndarray:
    x = ints[step.inputs[0]]
    if step.op == "add":
        return x + ints[step.inputs[1]]
    return x + ints[step.consts[0]][None]


def prove(ctx, i: int, step) -> None:
    for j, c in enumerate(claims_on_output(ctx, i, step)):
        if step.op == "add":
            r_a, r_b = part_randomizers(ctx, i, j, step, c)
            part = with_randomizer(ctx, evaluate(ctx.vf, ctx.tables[step.inputs[0]], c.point), r_a)
            ctx.send(ctx.label(i, step, f"part{j}"), [part])
            ctx.claim(step.inputs[0], c.point, part, r_a)
            ctx.claim(step.inputs[1], c.point, ctx.ext.sub(c.value, part), r_b)
        else:
            z_s, ind = const_point(ctx, step, c.point)
            r_a, r_b = part_randomizers(ctx, i, j, step, c, ind)
            part = with_randomizer(ctx, evaluate(ctx.vf, ctx.tables[step.consts[0]], z_s), r_a)
            ctx.send(ctx.label(i, step, f"part{j}"), [part])
            ctx.const_claim(step.consts[0], z_s, part, r_a)
            x_val = with_randomizer(ctx, evaluate(ctx.vf, ctx.tables[step.inputs[0]], c.point),
                                    r_b)
            ctx.claim(step.inputs[0], c.point, x_val, r_b)
