"""Window maximum y[p] = max_{u valid} x[p, u] (max pooling after the window gather): a relation
step (PROTOCOLS.md, "Conv (and pooling) by wiring").

x (B, C, OH, OW, U) holds the windows; an entry is *valid* when the gather copied it from the
image (V(p, u) = 1) and 0 when it fell on the image's zero padding, which must never win.
Advice: y (unless public) and d = V·(y ⊗ 1_U) − x, committed; d's real entries are range-checked
in [0, 2^w), w = bit length of x's range (LogUp). Two relations, at fresh points:
 (1) d = V·(y ⊗ 1_U) − x on the whole hypercube: at a random ρ = (ρ_u, ρ_p) the prover states
     x~(ρ), d~(ρ), and  d~(ρ) + x~(ρ) = Σ_p eq(ρ_p, p) y(p) G(p),  G(p) = V~(ρ_u, p);
 (2) Π_{u<U} e_u(p) = 0 for every p, e_u = d_u + 1_P − V_u (d_u, V_u: the slices at window
     position u; 1_P: real entries of y): zero-check Σ_p eq(ρ_p, p) Π_u e_u(p) = 0.
Both, with y's zero padding (lookup.py) under λ², are one sumcheck over p of degree U + 1:
    Σ_p eq(ρ_p, p) [Π_u e_u + λ y G + λ² (1 − 1_P) y](p) = λ (d~(ρ) + x~(ρ)).
Why it is the max: by (1) d is 0 off the valid entries, so for a real p, e_u = d_u = y − x_u
on valid u and 1 elsewhere; the range check gives y ≥ x_u for every valid u, and (2) gives
y = x_u for one of them. Values are small integers (|d| < 2^16, x in its range), so these
field equalities are integer ones. The final claims: x at ρ (passed back), d at ρ and at
(ρ''_u, ρ') (one claim for the U values d~(u, ρ'), padding u being 0), y at ρ'. The verifier
evaluates V~ from the gather's wiring in O(|V per sample|) and 1_P in closed form.
Soundness error ≤ (n_p (U + 2) + n_p + n_u + 2)/|K| (sumcheck, Thaler Prop. 4.1; the zero-checks
and the λ combination, Schwartz–Zippel).
"""

from __future__ import annotations

import numpy as np

from ...errors import BoundError, VerificationError
from ...poly.mle import eq_eval
from .. import evaluations
from ..layout import Layout, prefix_indicator, real_indicator
from ..lookups import LookupUse, range_table
from ..names import Internal
from ..plan import TensorPlan
from ..sumcheck import evaluate_terms, verify_sumcheck
from .lookup import needs_pad_check, pad_terms

REDUCES_CLAIMS = False

MAX_DIFF_BITS = 16
"""d is range-checked in one table of at most 2^16 rows."""


def d_name(step) -> str:
    return Internal(step.output, "d")


def diff_bits(step, plan) -> int:
    """w: d = y − x_u lies in [0, hi − lo] for x's range [lo, hi]; BoundError above 16 bits."""
    x = plan.tensors[step.inputs[0]]
    w = max((x.hi - x.lo).bit_length(), 1)
    if w > MAX_DIFF_BITS:
        raise BoundError(f"layer {step.name!r}: max pooling over a range of {w} bits "
                         f"(at most {MAX_DIFF_BITS}): requantize its input first")
    return w


def check_axis(step, plan) -> None:
    rank = len(plan.tensors[step.inputs[0]].layout.shape)
    if step.attrs["axis"] % rank != rank - 1:
        raise BoundError(f"layer {step.name!r}: max_reduce runs over the last axis only")


def advice(step, plan) -> list[TensorPlan]:
    check_axis(step, plan)
    layout = plan.tensors[step.inputs[0]].layout
    return [TensorPlan(d_name(step), layout, "advice", 0, (1 << diff_bits(step, plan)) - 1)]


def lookups(step, plan) -> list[LookupUse]:
    return [LookupUse(range_table(diff_bits(step, plan)), (d_name(step),))]


def valid_mask(plan, step) -> np.ndarray:
    """V per sample: uint64 0/1 over x's padded per-sample layout. The entries a gather step
    copies when it produced x (its single wiring's out_pos), else every real entry."""
    sample = Layout(plan.tensors[step.inputs[0]].layout.shape[1:])
    for s in plan.steps:
        if s.output == step.inputs[0] and s.op == "gather" and len(s.attrs["wirings"]) == 1:
            mask = np.zeros(sample.size, dtype=np.uint64)
            mask[np.asarray(s.attrs["wirings"][0][0], dtype=np.int64)] = 1
            return mask
    mask = np.zeros(sample.padded, dtype=np.uint64)
    mask[tuple(slice(0, d) for d in sample.shape)] = 1
    return mask.reshape(-1)


class Shape:
    """Variable counts of the step: x's point is (ρ_u | ρ_p), ρ_p = (ρ_s | ρ_b) on y."""

    def __init__(self, plan, step):
        x = plan.tensors[step.inputs[0]].layout
        self.x, self.y = x, plan.tensors[step.output].layout
        self.U, self.u_bits = x.shape[-1], x.bits[-1]
        self.p_bits = x.n_vars - self.u_bits
        self.s_bits = self.p_bits - x.bits[0]  # per-sample coordinates of p
        self.batch = x.shape[0]
        self.degree = max(self.U, 2) + 1


def mask_slices(ext, sh: Shape, mask: np.ndarray, point_p) -> list:
    """V~(u, point_p) for every u < 2^u_bits (V = [b < B] · mask)."""
    vf = evaluations.vec(ext.k)
    eq = evaluations.eq_table(ext.k, list(point_p[: sh.s_bits]))
    cols = mask.reshape(-1, 1 << sh.u_bits).astype(bool)
    scale = prefix_indicator(ext, tuple(point_p[sh.s_bits :]), sh.batch)
    return [ext.mul(scale, tuple(int(c) for c in vf.sum(eq[cols[:, u]])))
            if cols[:, u].any() else ext.zero() for u in range(cols.shape[1])]


def relation_terms(sh: Shape, pad: bool, lam, lam2) -> list:
    """Terms over the tables [e_0, …, e_{U−1}, y, G, 1_P] (shared with the prover);
    lam2 = λ² weighs y's zero-padding check."""
    U = sh.U
    terms = [(1, list(range(U))), (lam, [U, U + 1])]
    if pad:
        terms += pad_terms(U + 2, U, lam2)
    return terms


def verify(ctx, i: int, step) -> None:
    ext, plan = ctx.ext, ctx.plan
    sh = Shape(plan, step)
    pad = needs_pad_check(plan, step.output)
    rho = ctx.challenge_point(ctx.label(i, step, "point"), sh.x.n_vars)
    rho_u, rho_p = rho[: sh.u_bits], rho[sh.u_bits :]
    x_val, d_val = ctx.recv(ctx.label(i, step, "opening"), 2)
    lam = tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ext.k))
    sub = verify_sumcheck(ctx.t, ext, ext.mul(lam, ext.add(x_val, d_val)), sh.p_bits, sh.degree,
                          ctx.label(i, step, "sumcheck"))
    *d_us, y_val = ctx.recv(ctx.label(i, step, "finals"), sh.U + 1)
    one = real_indicator(ext, sh.y, tuple(sub.point))
    v = mask_slices(ext, sh, valid_mask(plan, step), sub.point)
    g = ext.zero()
    for u, v_u in enumerate(v):
        g = ext.add(g, ext.mul(eq_eval(ext, rho_u, _bits(ext, u, sh.u_bits)), v_u))
    e = [ext.sub(ext.add(d_u, one), v[u]) for u, d_u in enumerate(d_us)]
    values = [*e, y_val, g, one]
    expected = ext.mul(eq_eval(ext, rho_p, sub.point),
                       evaluate_terms(ext, relation_terms(sh, pad, lam, ext.square(lam)), values))
    if not ext.eq(expected, sub.value):
        raise VerificationError(f"layer {step.name!r} (max_reduce): y is not the window maximum "
                                "(or d ≠ y − x, or a nonzero entry in y's padding)")
    rho_w = ctx.challenge_point(ctx.label(i, step, "window point"), sh.u_bits)
    d_w = ext.zero()
    for u, d_u in enumerate(d_us):
        d_w = ext.add(d_w, ext.mul(eq_eval(ext, rho_w, _bits(ext, u, sh.u_bits)), d_u))
    ctx.claim(step.inputs[0], rho, x_val)
    ctx.claim(d_name(step), rho, d_val)
    ctx.claim(d_name(step), list(rho_w) + list(sub.point), d_w)
    ctx.claim(step.output, sub.point, y_val)


def _bits(ext, u: int, n: int) -> list:
    """The point (bits of u, least significant first) as K elements."""
    return [ext.one() if (u >> j) & 1 else ext.zero() for j in range(n)]
