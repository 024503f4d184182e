"""Prover of verifier/layers/requant.py: exact int64 witness, one degree-3 zero-check."""

from __future__ import annotations

import numpy as np

from ...errors import ProverError
from ...ir.graph import ACC_LIMIT
from ...verifier.layers.lookup import needs_pad_check
from ...verifier.layers.requant import (
    DEGREE,
    LIMB_BITS,
    bound_names,
    channel_point,
    excess_bits,
    needs_lambda,
    q_name,
    r_names,
    range_mode,
    relation_terms,
    table_names,
    table_span,
)
from ..lookups import real_rows
from ..zk_finals import prove_hiding_sumcheck


def _mult(step, x: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """The multiplier broadcast against x (batch axis first)."""
    axis = step.attrs["axis"]
    if axis < 0:
        return mult.reshape(-1)[:1].reshape((1,) * x.ndim)
    return mult.reshape((-1,) + (1,) * (x.ndim - 1 - axis))


def _product(step, plan, ints) -> np.ndarray:
    """x·M + 2^(s−1), exactly (int64); ProverError when it could reach 2^62."""
    x, mult = ints[step.inputs[0]], np.asarray(ints[step.consts[0]], dtype=np.int64)
    t, shift = plan.tensors[step.inputs[0]], step.attrs["shift"]
    bound = max(abs(t.lo), abs(t.hi)) * int(np.abs(mult).max(initial=0)) + (1 << shift)
    if bound >= ACC_LIMIT:
        raise ProverError(f"layer {step.name!r}: |x·mult| + 2^shift may reach 2^62 "
                          "(the graph's bounds are violated: recompile)")
    return x * _mult(step, x, mult) + (1 << (shift - 1))


def forward(step, plan, ints) -> np.ndarray:
    q = _product(step, plan, ints) >> step.attrs["shift"]  # arithmetic shift = floor
    return np.clip(q, step.attrs["lo"], step.attrs["hi"])


def advice_values(step, plan, ints) -> dict[str, np.ndarray]:
    """q (unclamped quotient) and the remainder's limbs; ProverError if q leaves the table."""
    shift = step.attrs["shift"]
    acc = _product(step, plan, ints)
    q = acc >> shift
    lo, hi = step.attrs["lo"], step.attrs["hi"]
    if range_mode(step):
        t_lo, t_hi = lo - (1 << excess_bits(step)) + 1, hi + (1 << excess_bits(step)) - 1
    else:
        t_lo, t_hi = table_span(step)
    if q.size and (q.min() < t_lo or q.max() > t_hi):
        raise ProverError(f"layer {step.name!r}: activation out of the calibrated range, "
                          f"recalibrate (requant quotient in [{int(q.min())}, {int(q.max())}], "
                          f"allowed [{t_lo}, {t_hi}])")
    r = acc - (q << shift)
    out = {} if range_mode(step) else {q_name(step): q}
    out.update(_limbs(r_names(step), r))
    if range_mode(step):
        y = np.clip(q, lo, hi)
        names = bound_names(step)
        for tag, v in (("g", y - lo), ("h", hi - y), ("p", np.maximum(q - hi, 0)),
                       ("n", np.maximum(lo - q, 0))):
            out.update(_limbs([n for n in names if n.role == tag], v))
    return out


def _limbs(names: list, v: np.ndarray) -> dict:
    """v ≥ 0 split into LIMB_BITS-bit limbs, least significant first."""
    return {n: (v >> (LIMB_BITS * j)) & ((1 << LIMB_BITS) - 1) for j, n in enumerate(names)}


def expanded_mult(ctx, step) -> np.ndarray:
    """M̂: M's padded table broadcast over x's padded layout (an F vector)."""
    layout = ctx.plan.tensors[step.inputs[0]].layout
    m = ctx.tables[step.consts[0]]
    axis = step.attrs["axis"]
    if axis < 0:
        return np.full(layout.size, m[0], dtype=np.uint64)
    shape = [1] * len(layout.padded)
    shape[axis] = layout.padded[axis]
    return np.ascontiguousarray(np.broadcast_to(m.reshape(shape), layout.padded)).reshape(-1)


def prove(ctx, i: int, step) -> None:
    plan = ctx.plan
    layout = plan.tensors[step.inputs[0]].layout
    pad = needs_pad_check(plan, step.output)
    rho = ctx.challenge_point(ctx.label(i, step, "point"), layout.n_vars)
    lam = (tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ctx.k))
           if needs_lambda(plan, step) else None)
    limbs = r_names(step) + bound_names(step)
    extra_y = pad and not range_mode(step)
    tables = [ctx.tables[step.inputs[0]], expanded_mult(ctx, step),
              real_rows(layout.shape, layout.padded), ctx.tables[q_name(step)]]
    tables += [ctx.tables[n] for n in limbs]
    if extra_y:
        tables.append(ctx.tables[step.output])
    terms = relation_terms(step, pad, lam, ctx.ext)
    point, finals = prove_hiding_sumcheck(ctx, tables, terms, DEGREE,
                                          ctx.label(i, step, "sumcheck"),
                                          table_names(step, extra_y), eq_point=rho)
    sent = [finals[0], finals[1], *finals[3:]]  # the verifier computes 1~ itself
    ctx.send(ctx.label(i, step, "finals"), sent)
    ctx.claim(step.inputs[0], point, finals[0])
    ctx.const_claim(step.consts[0], channel_point(plan, step, point), finals[1])
    ctx.claim(q_name(step), point, finals[3])
    for name, v in zip(limbs, finals[4:]):
        ctx.claim(name, point, v)
    if extra_y:
        ctx.claim(step.output, point, finals[4 + len(limbs)])
