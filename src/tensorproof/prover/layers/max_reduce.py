"""Prover of verifier/layers/max_reduce.py: window maxima over the valid entries, d, and the one
sumcheck over the output's variables (degree U + 1)."""

from __future__ import annotations

import numpy as np

from ...errors import ProverError
from ...field.vec import FV
from ...poly.mle import as_ext, evaluate
from ...verifier.layers.lookup import needs_pad_check
from ...verifier.layers.max_reduce import Shape, d_name, relation_terms, valid_mask
from ...verifier.layout import Layout
from ..lookups import real_rows
from ..sumcheck import prove_sumcheck
from ..tables import fix_high, fix_low

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
    x_val = evaluate(vf, ctx.tables[step.inputs[0]], rho)
    d_val = evaluate(vf, ctx.tables[d_name(step)], rho)
    ctx.send(ctx.label(i, step, "opening"), [x_val, d_val])
    lam = tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ctx.k))
    tables, _ = _tables(ctx, step, sh, rho_u)
    terms = relation_terms(sh, pad, lam, ctx.ext)
    point, finals = prove_sumcheck(ctx.t, vf, tables, terms, sh.degree,
                                   ctx.label(i, step, "sumcheck"), eq_point=rho_p)
    d_at = fix_high(vf, ctx.tables[d_name(step)], point)  # d~(u, ρ') over u
    d_us = [as_ext(ctx.ext, v) for v in (FV if d_at.ndim == 1 else vf).to_scalars(d_at)[: sh.U]]
    y_val = finals[sh.U]
    ctx.send(ctx.label(i, step, "finals"), [*d_us, y_val])
    rho_w = ctx.challenge_point(ctx.label(i, step, "window point"), sh.u_bits)
    d_w = evaluate(vf, d_at, rho_w)
    ctx.claim(step.inputs[0], rho, x_val)
    ctx.claim(d_name(step), rho, d_val)
    ctx.claim(d_name(step), list(rho_w) + list(point), d_w)
    ctx.claim(step.output, point, y_val)
