"""Rounded division y = ⌊(a·2^s + ⌊b/2⌋) / b⌋ (b ≥ 1 by its proven range): a relation step
(Softmax's normalization; PROTOCOLS.md, "Requantization", with a tensor divisor).

Decomposition. With n = a·2^s, ⌊(n + ⌊b/2⌋)/b⌋ = ⌊(2n + b)/(2b)⌋ (for odd b the two numerators
2n + b − 1 and 2n + b differ by one and the odd one is never a multiple of 2b), so the prover
supplies a remainder r with
    (R1)  a·2^(s+1) + b = 2·y·b + r,        0 ≤ r ≤ 2b − 1,
which needs no ⌊b/2⌋ and no parity advice. The bound is two range checks: r and the slack
    (R2)  d = 2b − 1 − r
are committed in limbs of `requant.LIMB_BITS` bits, each limb looked up in its range table
(r, d ∈ [0, 2^w) with w = bits(2·b_hi − 1)). y itself is range-checked too, unless public:
    (R3)  y − lo = Σ_j 2^(8j) v_j   (limbs v_j of y − lo, w_y = bits(hi − lo)),
or, when lo = 0 and w_y ≤ LIMB_BITS, a lookup of y itself in range<w_y>. Without it a committed y
could be the field fraction (a·2^(s+1) + b − r)/(2b) for a wrong r in range.
Field ⇒ integers: with every term bounded (|a| ≤ A, 1 ≤ b ≤ B, |y| ≤ Y from its range check,
0 ≤ r, d < 2^w), |a·2^(s+1)| + B + 2·Y·B + 2^w < 2^62 < p/2 is checked when the plan is built
(BoundError otherwise), so R1–R3 hold over the integers; then r ≥ 0 and d ≥ 0 give
0 ≤ r ≤ 2b − 1 and y is the exact quotient (hence also inside its declared range).
Advice: y (unless public), `y#r<j>`, `y#d<j>`, `y#v<j>` (y's layout). All relations, with y's zero
padding (lookup.py) under λ³, are one zero-check at a fresh ρ (degree 3: eq · y · b):
    Σ_x eq(ρ, x) [R1 + λ R2 + λ² R3 + λ³ (1 − 1)·y](x) = 0,
1 = real-entry indicator (closed form: a product of prefix indicators, layout.real_indicator; no
O(size) public evaluation). The relation is `relation_monomials` (c·λ^e · Π tables, read as data
by the EVM verifier), which `relation_terms` substitutes λ into. It ends in claims on a and b
(passed back) and on y, r_j, d_j, v_j (advice, or public y checked directly). Soundness error
≤ (3n + n + 3)/|K| (sumcheck, Thaler Prop. 4.1; ρ and λ by Schwartz–Zippel).
"""

from __future__ import annotations

from ...errors import BoundError, VerificationError
from ...field.params import P
from ...ir.graph import ACC_LIMIT
from ...poly.mle import eq_eval
from ..layout import real_indicator
from ..lookups import LookupUse, range_table
from ..names import Internal
from ..plan import TensorPlan
from ..sumcheck import evaluate_terms
from ..zk_finals import verify_hiding_sumcheck
from .lookup import needs_pad_check
from .requant import LIMB_BITS, limb_widths

REDUCES_CLAIMS = False

DEGREE = 3
"""eq · y · b."""


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py): with
    randomized finals (zk_finals.py) the last round gains one degree per randomized factor of
    a term, at most DEGREE - 1 (eq is the other factor), and each table a value slot."""
    names = table_names(plan, step)
    return ([(plan.tensors[step.output].layout.n_vars, 2 * DEGREE - 1)]
            + [(1, 1)] * len(names))


def table_names(plan, step) -> list:
    """The plan tensor of each of the sumcheck's tables (None: the real-entry indicator),
    for zk_finals.py."""
    return [*step.inputs[:2], step.output, None, *advice_names(plan, step)]


A, B, Y, ONE = 0, 1, 2, 3
"""Indices of a, b, y and the real-entry indicator among the sumcheck's tables."""


def r_width(plan, step) -> int:
    """w: r and d = 2b − 1 − r lie in [0, 2·b_hi − 1] ⊆ [0, 2^w)."""
    return (2 * plan.tensors[step.inputs[1]].hi - 1).bit_length()


def y_width(plan, step) -> int:
    y = plan.tensors[step.output]
    return (y.hi - y.lo).bit_length()


def y_mode(plan, step) -> str:
    """How y's range is checked: "public" (statement), "direct" (y in range<w_y>), "limbs"."""
    y = plan.tensors[step.output]
    if y.kind != "advice":
        return "public"
    return "direct" if y.lo == 0 and y_width(plan, step) <= LIMB_BITS else "limbs"


def r_names(plan, step) -> list[str]:
    return [Internal(step.output, "r", j) for j in range(len(limb_widths(r_width(plan, step))))]


def d_names(plan, step) -> list[str]:
    return [Internal(step.output, "d", j) for j in range(len(limb_widths(r_width(plan, step))))]


def v_names(plan, step) -> list[str]:
    if y_mode(plan, step) != "limbs":
        return []
    return [Internal(step.output, "v", j) for j in range(len(limb_widths(y_width(plan, step))))]


def y_bound(plan, step) -> int:
    """Largest |y| the range check (or the statement, for a public y) allows."""
    y = plan.tensors[step.output]
    mode = y_mode(plan, step)
    if mode == "public":
        return max(abs(y.lo), abs(y.hi))
    top = y.lo + (1 << y_width(plan, step)) - 1
    return max(abs(y.lo), abs(top))


def check_bounds(plan, step) -> None:
    """BoundError unless b ≥ 1 and R1 cannot wrap modulo p (see the module docstring)."""
    a, b = plan.tensors[step.inputs[0]], plan.tensors[step.inputs[1]]
    if b.lo < 1:
        raise BoundError(f"layer {step.name!r}: divisor range [{b.lo}, {b.hi}] is not positive")
    a_max = max(abs(a.lo), abs(a.hi))
    bound = (a_max << (step.attrs["shift"] + 1)) + b.hi + 2 * y_bound(plan, step) * b.hi
    bound += 1 << r_width(plan, step)
    if bound >= ACC_LIMIT:
        raise BoundError(f"layer {step.name!r}: |a·2^(s+1)| + 2·|y|·b + 2b could reach 2^62 "
                         f"(a in [{a.lo}, {a.hi}], b ≤ {b.hi}, shift {step.attrs['shift']})")


def advice(step, plan) -> list[TensorPlan]:
    """Limbs of r, d and y − lo, in y's layout. BoundError if the identity could wrap mod p."""
    check_bounds(plan, step)
    layout = plan.tensors[step.output].layout
    out = []
    widths = limb_widths(r_width(plan, step))
    for names in (r_names(plan, step), d_names(plan, step)):
        out += [TensorPlan(n, layout, "advice", 0, (1 << w) - 1) for n, w in zip(names, widths)]
    widths = limb_widths(y_width(plan, step))
    out += [TensorPlan(n, layout, "advice", 0, (1 << w) - 1)
            for n, w in zip(v_names(plan, step), widths)]
    return out


def lookups(step, plan) -> list[LookupUse]:
    widths = limb_widths(r_width(plan, step))
    uses = [LookupUse(range_table(w), (n,))
            for names in (r_names(plan, step), d_names(plan, step))
            for n, w in zip(names, widths)]
    uses += [LookupUse(range_table(w), (n,))
             for n, w in zip(v_names(plan, step), limb_widths(y_width(plan, step)))]
    if y_mode(plan, step) == "direct":
        uses.append(LookupUse(range_table(y_width(plan, step)), (step.output,)))
    return uses


class _Terms:
    """g as a sum of products of tables, coefficients (K) combined per index set."""

    def __init__(self, ext):
        self.ext, self.coeffs = ext, {}

    def add(self, c, weight, *indices: int) -> None:
        key = tuple(sorted(indices))
        term = self.ext.mul_base(weight, c % P)
        self.coeffs[key] = self.ext.add(self.coeffs.get(key, self.ext.zero()), term)

    def terms(self) -> list:
        return [(c, list(k)) for k, c in self.coeffs.items()]


def relation_monomials(plan, step) -> list[tuple[int, int, list[int]]]:
    """The relation R1 + λ R2 + λ² R3 + λ³ (1 − 1)·y as (c, e, S): coefficient c·λ^e (c an F
    int) times the product of the tables S (sorted), over [a, b, y, 1, r_0.., d_0.., v_0..].
    The EVM verifier reads this list as data; ``relation_terms`` substitutes λ."""
    nr, nv = len(r_names(plan, step)), len(v_names(plan, step))
    out: list[tuple[int, int, list[int]]] = []

    def add(c: int, e: int, *indices: int) -> None:
        out.append((c % P, e, sorted(indices)))

    add(pow(2, step.attrs["shift"] + 1, P), 0, A)  # R1
    add(1, 0, B)
    add(-2, 0, Y, B)
    add(2, 1, B)  # λ R2
    add(-1, 1, ONE)
    for j in range(nr):
        add(-(1 << (LIMB_BITS * j)), 0, 4 + j)
        add(-(1 << (LIMB_BITS * j)), 1, 4 + j)
        add(-(1 << (LIMB_BITS * j)), 1, 4 + nr + j)
    if y_mode(plan, step) == "limbs":  # λ² R3
        add(1, 2, Y)
        add(-plan.tensors[step.output].lo, 2, ONE)
        for j in range(nv):
            add(-(1 << (LIMB_BITS * j)), 2, 4 + 2 * nr + j)
    if needs_pad_check(plan, step.output):  # λ³ (1 − 1)·y
        add(1, 3, Y)
        add(-1, 3, ONE, Y)
    return out


def relation_terms(ext, plan, step, lam) -> list:
    """Terms over the tables [a, b, y, 1, r_0.., d_0.., v_0.., ] (shared with the prover):
    ``relation_monomials`` with λ substituted, coefficients combined per index set."""
    lam2 = ext.mul(lam, lam)
    powers = [ext.one(), lam, lam2, ext.mul(lam2, lam)]
    g = _Terms(ext)
    for c, e, s in relation_monomials(plan, step):
        g.add(c, powers[e], *s)
    return g.terms()


def advice_names(plan, step) -> list[str]:
    """The committed limb tensors, in the order of their final values."""
    return r_names(plan, step) + d_names(plan, step) + v_names(plan, step)


def verify(ctx, i: int, step) -> None:
    ext, plan = ctx.ext, ctx.plan
    layout = plan.tensors[step.output].layout
    rho = ctx.challenge_point(ctx.label(i, step, "point"), layout.n_vars)
    lam = tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ext.k))
    limbs = advice_names(plan, step)
    sub = verify_hiding_sumcheck(ctx, ext.zero(), layout.n_vars, DEGREE,
                                 ctx.label(i, step, "sumcheck"),
                                 relation_terms(ext, plan, step, lam), table_names(plan, step))
    finals = ctx.recv(ctx.label(i, step, "finals"), 3 + len(limbs))
    one = real_indicator(ext, layout, tuple(sub.point))
    values = [*finals[:3], one, *finals[3:]]
    expected = ext.mul(eq_eval(ext, rho, sub.point),
                       evaluate_terms(ext, relation_terms(ext, plan, step, lam), values))
    if not ext.eq(expected, sub.value):
        raise VerificationError(f"layer {step.name!r} (div_round): a·2^(s+1) + b ≠ 2·y·b + r, "
                                "d ≠ 2b − 1 − r, wrong y limbs or a nonzero entry in y's padding")
    for name, v in zip((*step.inputs[:2], step.output, *limbs), finals):
        ctx.claim(name, sub.point, v)
