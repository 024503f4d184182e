"""Prover of verifier/layers/max_reduce.py: window maxima over the valid entries, d, and the one
sumcheck over the output's variables (degree U + 1)."""

from __future__ import annotations

import numpy as np

from ...errors import ProverError
from ...field.vec import FV
from ...poly.mle import as_ext, eq_eval_index, evaluate
from ...verifier.layers.lookup import needs_pad_check
from ...verifier.layers.max_reduce import (
    Shape,
    claim_finals,
    d_name,
    flags,
    opening_slots,
    relation_terms,
    valid_mask,
)
from ...verifier.layout import Layout
from ...verifier.zk_finals import scaled
from ..lookups import real_rows
from ..tables import fix_high, fix_low
from ..zk_finals import prove_randomized, randomizer_sum

_MIN = np.iinfo(np.int64).min


def _valid(step, plan) -> np.ndarray:
    """Boolean V over x's real per-sample shape (which window entries may win)."""
    sample = Layout(plan.tensors[step.inputs[0]].layout.shape[1:])
    mask = valid_mask(plan, step).reshape(sample.padded).astype(bool)
    return mask[tuple(slice(0, d) for d in sample.shape)]


def forward(step, plan, ints) -> np.ndarray:
    x = ints[step.inputs[0]]
    valid = _valid(step, plan)
    if not valid.any(axis=-1).all():
        raise ProverError(f"layer {step.name!r}: a pooling window lies entirely in the padding")
    return np.where(valid[None], x, _MIN).max(axis=-1)


def advice_values(step, plan, ints) -> dict[str, np.ndarray]:
    x, y = ints[step.inputs[0]], ints[step.output]
    d = (y[..., None] - x) * _valid(step, plan)[None]
    return {d_name(step): d}


def _tables(ctx, step, sh: Shape, rho_u) -> tuple[list, np.ndarray]:
    """[e_0, …, e_{U−1}, y, G, 1_P] over p, and V's full F table (batch rows real)."""
    batch = np.zeros(1 << sh.x.bits[0], dtype=np.uint64)
    batch[: sh.batch] = 1
    v = np.outer(batch, valid_mask(ctx.plan, step)).reshape(-1)
    one = real_rows(sh.y.shape, sh.y.padded)
    d2 = ctx.tables[d_name(step)].reshape(-1, 1 << sh.u_bits)
    v2 = v.reshape(-1, 1 << sh.u_bits)
    es = [FV.sub(FV.add(np.ascontiguousarray(d2[:, u]), one), np.ascontiguousarray(v2[:, u]))
          for u in range(sh.U)]
    g = fix_low(ctx.vf, v, rho_u)
    return [*es, ctx.tables[step.output], g, one], v


def prove(ctx, i: int, step) -> None:
    vf, plan = ctx.vf, ctx.plan
    sh = Shape(plan, step)
    pad = needs_pad_check(plan, step.output)
    rho = ctx.challenge_point(ctx.label(i, step, "point"), sh.x.n_vars)
    rho_u, rho_p = rho[: sh.u_bits], rho[sh.u_bits :]
    ext = ctx.ext
    opened = opening_slots(ctx, i, step)
    x_val, d_val = (ext.add(as_ext(ext, evaluate(vf, ctx.tables[name], rho)),
                            randomizer_sum(ctx, opened[j : j + 1]))
                    for j, name in enumerate((step.inputs[0], d_name(step))))
    ctx.send(ctx.label(i, step, "opening"), [x_val, d_val])
    lam = tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ctx.k))
    tables, _ = _tables(ctx, step, sh, rho_u)
    terms = relation_terms(sh, pad, lam, ext)
    point, finals, slots, z = prove_randomized(ctx, tables, terms, sh.degree,
                                               ctx.label(i, step, "sumcheck"), flags(ctx, sh),
                                               eq_point=rho_p,
                                               randomizer=scaled(ext, lam, opened))
    d_at = fix_high(vf, ctx.tables[d_name(step)], point)  # d~(u, ρ') over u
    d_us = [as_ext(ext, v) for v in (FV if d_at.ndim == 1 else vf).to_scalars(d_at)[: sh.U]]
    if slots:  # the randomized slices: d_u^ = d_u~ + Z psi_u (their e_u's finals)
        d_us = [ext.add(v, ext.mul(z, ctx.t.masks.value(s))) for v, s in zip(d_us, slots)]
    y_val = finals[sh.U]
    ctx.send(ctx.label(i, step, "finals"), [*d_us, y_val])
    rho_w = ctx.challenge_point(ctx.label(i, step, "window point"), sh.u_bits)
    d_w = evaluate(vf, d_at, rho_w)
    if slots:  # the verifier's combination of the randomized slices
        d_w = ext.zero()
        for u, v in enumerate(d_us):
            d_w = ext.add(d_w, ext.mul(eq_eval_index(ext, rho_w, u), v))
    claim_finals(ctx, step, sh, rho, rho_w, point, (x_val, d_val, d_w, y_val), opened, slots,
                 z)
