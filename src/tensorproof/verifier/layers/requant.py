"""Requantization y = clamp((x·M + 2^(s−1)) >> s, lo, hi): a relation step (PROTOCOLS.md,
"Requantization").

Advice (committed): q = (x·M + 2^(s−1)) >> s (unclamped), the remainder r = x·M + 2^(s−1) − 2^s q
in 8-bit limbs r = Σ_i 2^(8 i) r_i (the last limb s mod 8 bits wide when that is nonzero), and
y itself (unless it is a public output). Lookups: (q, y) in the clamp table
{(t, clamp(t, lo, hi)) : t ∈ [lo − W, hi + W]} (proves y and q's range), each r_i in the range
table of its width (proves 0 ≤ r < 2^s). The arithmetic, linear per element but with the
multiplier broadcast per channel, is one zero-check at a fresh ρ (degree 3):
    Σ_x eq(ρ, x) [x·M̂ + 2^(s−1)·1 − 2^s q − Σ_i 2^(8 i) r_i + λ (1 − 1)·y](x) = 0,
M̂ = M expanded over the layout (M̂~(z) = M~(z_channel): it depends on the channel axis only),
1 = real-entry indicator (closed form); the λ term proves y's padding zero (see lookup.py).
It ends in claims on x (passed back), M (model commitment), q, r_i, y (advice).
Wide clamp ranges (a clamp table would exceed RANGE_MODE_ROWS rows): no table and no q advice.
With u⁺ = max(q − hi, 0) and u⁻ = max(lo − q, 0), so q = y + u⁺ − u⁻, the prover commits 8-bit
limbs of g = y − lo, h = hi − y, u⁺ and u⁻ (all range-checked, u± below 2^EXCESS bits) and the
zero-check gains, with powers of λ, the linear identities for g and h and the products
u⁺·(hi − y) = 0 and u⁻·(y − lo) = 0 (all factors are small non-negative integers, so the
products vanish over the integers): y = hi when q > hi, y = lo when q < lo, else y = q, i.e.
y = clamp(q).
Field ⇒ integers: |x·M| + 2^s < 2^62 (compile, ir.ACC_LIMIT) and |2^s q + r| < 2^62 (checked in
`advice`), so the identity mod p holds over the integers; for any committed M, at most one q in
the table satisfies it (the interval 2^s·[t_lo, t_hi + 1) is shorter than p): y is determined.
"""

from __future__ import annotations

import numpy as np

from ...errors import BoundError, VerificationError
from ...field.params import P
from ...ir.graph import ACC_LIMIT
from ...poly.mle import eq_eval
from ..layout import real_indicator
from ..lookups import LookupUse, TableSpec, range_table
from ..names import Internal
from ..plan import TensorPlan
from ..sumcheck import evaluate_terms
from ..zk_finals import verify_hiding_sumcheck
from .lookup import needs_pad_check

REDUCES_CLAIMS = False

LIMB_BITS = 8
"""Remainder limbs are range-checked in tables of at most 2^8 rows: one shared range8 table for
every full limb of every layer. (16-bit limbs halve the witness rows but their 2^16-row tables
dominate the proof of a small batch: 0.75 s vs 0.21 s for an MLP 784-128-10.)"""
CLAMP_EXTRA_BITS = 3
"""The clamp table has 2^(bits of [lo, hi] + 3) rows: q may overshoot the clamp range by
W ≈ 3.5·(hi − lo) on either side (8× the calibrated range in all) before the prover stops with
"activation out of the calibrated range, recalibrate"."""
CLAMP_MAX_VARS = 18
"""Cap on the clamp table's size (2^18 rows) unless [lo, hi] alone needs more."""
RANGE_MODE_ROWS = 1 << 12
"""Clamp tables larger than this are replaced by the two-sided limb range check of y."""
DEGREE = 3
"""eq · x · M̂ (and eq · (1 − 1) · y)."""


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py): with
    randomized finals (zk_finals.py) the last round gains one degree per randomized factor of
    a term, at most DEGREE - 1 (eq is the other factor), and each table a value slot."""
    names = table_names(step, True)
    return ([(plan.tensors[step.inputs[0]].layout.n_vars, 2 * DEGREE - 1)]
            + [(1, 1)] * len(names))


def table_names(step, extra_y: bool) -> list:
    """The plan tensor of each of the sumcheck's tables (the multiplier's expansion is
    randomized as the multiplier when the weights are private, zk_finals.hidden; None: the
    real-entry indicator), for zk_finals.py."""
    return ([step.inputs[0], step.consts[0], None, q_name(step), *r_names(step),
             *bound_names(step)]
            + ([step.output] if extra_y else []))


def limb_widths(shift: int) -> list[int]:
    """Bit widths of the remainder's limbs, least significant first (sum = shift)."""
    full, rest = divmod(shift, LIMB_BITS)
    return [LIMB_BITS] * full + ([rest] if rest else [])


def clamp_range(lo: int, hi: int) -> tuple[int, int]:
    """[t_lo, t_hi] of the clamp table for clamp bounds [lo, hi] (a power-of-two row count)."""
    bits = (hi - lo).bit_length()
    n_vars = max(min(bits + CLAMP_EXTRA_BITS, CLAMP_MAX_VARS), bits)
    w = ((1 << n_vars) - (hi - lo + 1)) // 2
    return lo - w, lo - w + (1 << n_vars) - 1


def table_span(step) -> tuple[int, int]:
    """[t_lo, t_hi] of the step's clamp table: from the guaranteed quotient range (attrs q_lo,
    q_hi, annotated at setup from the weights) when known, else the CLAMP_EXTRA_BITS window."""
    lo, hi = step.attrs["lo"], step.attrs["hi"]
    if "q_lo" not in step.attrs:
        return clamp_range(lo, hi)
    a, b = min(lo, step.attrs["q_lo"]), max(hi, step.attrs["q_hi"])
    return a, a + (1 << (b - a).bit_length()) - 1


def clamp_table(lo: int, hi: int, span: tuple[int, int] | None = None) -> TableSpec:
    t_lo, t_hi = span or clamp_range(lo, hi)
    t = np.arange(t_lo, t_hi + 1, dtype=np.int64)
    return TableSpec(f"clamp[{lo},{hi}]@{t_lo}..{t_hi}", (t, np.clip(t, lo, hi)))


def range_mode(step) -> bool:
    """True when y = q is range-checked by limbs instead of looked up in a clamp table."""
    t_lo, t_hi = table_span(step)
    return t_hi - t_lo + 1 > RANGE_MODE_ROWS


def q_name(step) -> str:
    """The tensor playing q in the relation: the q advice, or y itself in range mode."""
    return step.output if range_mode(step) else Internal(step.output, "q")


def r_names(step) -> list[str]:
    return [Internal(step.output, "r", j) for j in range(len(limb_widths(step.attrs["shift"])))]


def bound_names(step) -> list[str]:
    """Range mode: limbs of y − lo (g_j), hi − y (h_j), u⁺ (p_j), u⁻ (n_j); none otherwise."""
    if not range_mode(step):
        return []
    out = step.output
    k, e = len(_span_widths(step)), len(_excess_widths(step))
    return ([Internal(out, "g", j) for j in range(k)] + [Internal(out, "h", j) for j in range(k)]
            + [Internal(out, "p", j) for j in range(e)] + [Internal(out, "n", j) for j in range(e)])


def bound_widths(step) -> list[int]:
    """Bit widths of bound_names' limbs, in the same order."""
    if not range_mode(step):
        return []
    return 2 * _span_widths(step) + 2 * _excess_widths(step)


def _span_widths(step) -> list[int]:
    return limb_widths(max((step.attrs["hi"] - step.attrs["lo"]).bit_length(), 1))


def excess_bits(step) -> int:
    """u± < 2^excess_bits: the guaranteed overshoot of q beyond [lo, hi] when the quotient range
    is known, else the overshoot a CLAMP_EXTRA_BITS table would allow."""
    lo, hi = step.attrs["lo"], step.attrs["hi"]
    if "q_lo" in step.attrs:
        return max(max(lo - step.attrs["q_lo"], step.attrs["q_hi"] - hi, 1).bit_length(), 1)
    return max((hi - lo).bit_length(), 1) + CLAMP_EXTRA_BITS - 1


def _excess_widths(step) -> list[int]:
    return limb_widths(excess_bits(step))


def advice(step, plan) -> list[TensorPlan]:
    """q and the remainder limbs, in y's layout. BoundError if the identity could wrap mod p."""
    shift, lo, hi = step.attrs["shift"], step.attrs["lo"], step.attrs["hi"]
    if shift < 1:
        raise BoundError(f"layer {step.name!r}: requant shift must be at least 1, got {shift}")
    if range_mode(step):
        t_lo, t_hi = lo - (1 << excess_bits(step)), hi + (1 << excess_bits(step))
    else:
        t_lo, t_hi = table_span(step)
    # x·M + 2^(s−1) − 2^s·q − r ≡ 0 (mod p) implies = 0 over the integers when its absolute
    # value stays below p: |x·M + 2^(s−1)| < ACC_LIMIT (compile) and |2^s q + r| ≤ 2^s·max(|t_lo|,
    # |t_hi| + 1); r is range-checked below 2^s.
    if (max(abs(t_lo), abs(t_hi) + 1) << shift) + ACC_LIMIT >= P:
        raise BoundError(f"layer {step.name!r}: 2^{shift} · q could wrap around p for q in "
                         f"[{t_lo}, {t_hi}]: reduce the shift")
    layout = plan.tensors[step.output].layout
    out = [] if range_mode(step) else [TensorPlan(q_name(step), layout, "advice", t_lo, t_hi)]
    widths = limb_widths(shift) + bound_widths(step)
    for name, w in zip(r_names(step) + bound_names(step), widths):
        out.append(TensorPlan(name, layout, "advice", 0, (1 << w) - 1))
    return out


def lookups(step, plan) -> list[LookupUse]:
    uses = []
    if not range_mode(step):
        clamp = clamp_table(step.attrs["lo"], step.attrs["hi"], table_span(step))
        uses.append(LookupUse(clamp, (q_name(step), step.output)))
    widths = limb_widths(step.attrs["shift"]) + bound_widths(step)
    for name, w in zip(r_names(step) + bound_names(step), widths):
        uses.append(LookupUse(range_table(w), (name,)))
    return uses


def needs_lambda(plan, step) -> bool:
    """λ combines the zero-padding term and, in range mode, the two range relations."""
    return range_mode(step) or needs_pad_check(plan, step.output)


def relation_monomials(step, pad: bool) -> list[tuple[int, int, list[int]]]:
    """The relation's terms as (c, e, S): coefficient c·λ^e (c an F int) times the product of
    the tables S, over [x, M̂, 1, q, r_0, …, r_{L−1}, g…, h…, u⁺…, u⁻…, (y if pad and not range
    mode)]; q is y itself in range mode. The EVM verifier reads this list as data."""
    shift = step.attrs["shift"]
    n = len(limb_widths(shift))
    terms = [(1, 0, [0, 1]), (1 << (shift - 1), 0, [2]), (P - pow(2, shift, P), 0, [3])]
    terms += [(P - (1 << (LIMB_BITS * j)), 0, [4 + j]) for j in range(n)]
    nxt = 4 + n
    if range_mode(step):
        k, e = len(_span_widths(step)), len(_excess_widths(step))
        lo, hi, two_s = step.attrs["lo"], step.attrs["hi"], 1 << shift
        pos, neg = nxt + 2 * k, nxt + 2 * k + e
        for j in range(e):  # q = y + u⁺ − u⁻ in the main identity
            terms += [(-(two_s << (LIMB_BITS * j)), 0, [pos + j]),
                      (two_s << (LIMB_BITS * j), 0, [neg + j])]
        terms += [(1, 2, [3]), (-lo, 2, [2])]  # λ²(y − lo − Σ g_j 2^8j)
        terms += [(-(1 << (LIMB_BITS * j)), 2, [nxt + j]) for j in range(k)]
        terms += [(hi, 3, [2]), (-1, 3, [3])]  # λ³(hi − y − Σ h_j 2^8j)
        terms += [(-(1 << (LIMB_BITS * j)), 3, [nxt + k + j]) for j in range(k)]
        for j in range(e):
            w = 1 << (LIMB_BITS * j)
            terms += [(w * hi, 4, [pos + j, 2]), (-w, 4, [pos + j, 3])]  # u⁺(hi − y)
            terms += [(w, 5, [neg + j, 3]), (-w * lo, 5, [neg + j, 2])]  # u⁻(y − lo)
        if pad:
            terms += [(1, 1, [3]), (-1, 1, [2, 3])]  # λ (1 − 1) y
    elif pad:
        terms += [(1, 1, [nxt]), (-1, 1, [2, nxt])]
    return [(c % P, e, s) for c, e, s in terms]


def relation_terms(step, pad: bool, lam, ext) -> list:
    """``relation_monomials`` with λ substituted: F ints for e = 0, K elements otherwise."""
    out = []
    for c, e, s in relation_monomials(step, pad):
        if e == 0:
            out.append((c, s))
        else:
            out.append((ext.mul(ext.pow(lam, e), ext.from_base(c)), s))
    return out


def channel_point(plan, step, point) -> list:
    """Coordinates of `point` (on x's layout) that M's table depends on: the channel axis's."""
    axis = step.attrs["axis"]
    if axis < 0:
        return []
    return list(point[plan.tensors[step.inputs[0]].layout.axis_slice(axis)])


def verify(ctx, i: int, step) -> None:
    ext, plan = ctx.ext, ctx.plan
    layout = plan.tensors[step.inputs[0]].layout
    pad = needs_pad_check(plan, step.output)
    rho = ctx.challenge_point(ctx.label(i, step, "point"), layout.n_vars)
    lam = (tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ext.k))
           if needs_lambda(plan, step) else None)
    limbs = r_names(step) + bound_names(step)
    extra_y = pad and not range_mode(step)
    sub = verify_hiding_sumcheck(ctx, ext.zero(), layout.n_vars, DEGREE,
                                 ctx.label(i, step, "sumcheck"),
                                 relation_terms(step, pad, lam, ext),
                                 table_names(step, extra_y))
    finals = ctx.recv(ctx.label(i, step, "finals"), 3 + len(limbs) + extra_y)
    x_val, m_val, q_val, *rest = finals
    one = real_indicator(ext, layout, tuple(sub.point))
    values = [x_val, m_val, one, q_val, *rest]
    expected = ext.mul(eq_eval(ext, rho, sub.point),
                       evaluate_terms(ext, relation_terms(step, pad, lam, ext), values))
    if not ext.eq(expected, sub.value):
        raise VerificationError(f"layer {step.name!r} (requant): x·M + 2^(s−1) ≠ 2^s·q + r "
                                "(or a nonzero entry in y's padding)")
    ctx.claim(step.inputs[0], sub.point, x_val)
    ctx.const_claim(step.consts[0], channel_point(plan, step, sub.point), m_val)
    ctx.claim(q_name(step), sub.point, q_val)
    for name, v in zip(limbs, rest):
        ctx.claim(name, sub.point, v)
    if extra_y:
        ctx.claim(step.output, sub.point, rest[len(limbs)])
