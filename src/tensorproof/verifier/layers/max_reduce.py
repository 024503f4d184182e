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
(ρ''_u, ρ') (one claim for the U values d~(u, ρ'), padding u being 0), y at ρ'.
Closed forms (no O(size) field work, so the EVM verifier does the same from the circuit data):
1_P is a product of prefix indicators (layout.real_indicator), and V~(u, ·) comes from the
*mask boxes* (`mask_boxes`: for each window position u < U, disjoint boxes Π_a [lo_a, hi_a) over
y's per-sample axes whose union is {p : V(p, u) = 1}; plan data, derived with numpy from the
gather's wiring): V~(u, ρ') = [b < B]~(ρ'_b) · Σ_box Π_a (P_a(hi_a) − P_a(lo_a)), P_a the prefix
indicator of axis a at its coordinates of ρ', O(#boxes · n) field operations (pooling and
reduce_max give one box per u). The relation is `relation_monomials` (c·λ^e · Π tables), which
`relation_terms` substitutes λ into; the EVM verifier reads the monomials as data.
Soundness error ≤ (n_p (U + 2) + n_p + n_u + 2)/|K| (sumcheck, Thaler Prop. 4.1; the zero-checks
and the λ combination, Schwartz–Zippel).
"""

from __future__ import annotations

import numpy as np

from ...errors import BoundError, PlanError, VerificationError
from ...field.params import P
from ...poly.mle import eq_eval, eq_eval_index
from ..layout import Layout, prefix_indicator, real_indicator
from ..lookups import LookupUse, range_table
from ..names import Internal
from ..plan import TensorPlan
from ..sumcheck import evaluate_terms
from ..zk_finals import scaled, verify_randomized
from .common import discharged
from .lookup import needs_pad_check

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


def _boxes(m: np.ndarray) -> list[tuple[tuple[int, int], ...]]:
    """Disjoint boxes (one [lo, hi) per axis) whose union is the set of True entries of `m`:
    maximal runs of equal slices along axis 0, each split recursively."""
    if m.ndim == 0:
        return [()] if bool(m) else []
    if not m.any():
        return []
    flat = m.reshape(m.shape[0], -1)
    cuts = (np.flatnonzero((flat[1:] != flat[:-1]).any(axis=1)) + 1).tolist()
    out = []
    for lo, hi in zip([0, *cuts], [*cuts, m.shape[0]]):
        out += [((lo, hi), *sub) for sub in _boxes(m[lo])]
    return out


def mask_boxes(plan, step) -> list[list[tuple[tuple[int, int], ...]]]:
    """For each window position u < U, disjoint boxes Π_a [lo_a, hi_a) over y's per-sample axes
    (x's sample axes but the last, padded) whose union is {p : V(p, u) = 1} (the module
    docstring). PlanError if V marks a padded window position (a gather writes real entries)."""
    sample = Layout(plan.tensors[step.inputs[0]].layout.shape[1:])
    mask = valid_mask(plan, step).reshape(sample.padded).astype(bool)
    U = sample.shape[-1]
    if mask[..., U:].any():
        raise PlanError(f"layer {step.name!r}: the validity mask marks a padded window entry")
    return [_boxes(mask[..., u]) for u in range(U)]


def mask_slices(ext, sh: Shape, boxes, point_p) -> list:
    """V~(u, point_p) for every u < 2^u_bits (V = [b < B] · mask) from the mask boxes: O(#boxes
    · n) field operations (padded u: 0)."""
    axes = Layout(sh.y.shape[1:]).split(tuple(point_p[: sh.s_bits]))
    scale = prefix_indicator(ext, tuple(point_p[sh.s_bits :]), sh.batch)
    out = []
    for u in range(1 << sh.u_bits):
        acc = ext.zero()
        for box in boxes[u] if u < len(boxes) else ():
            prod = ext.one()
            for z, (lo, hi) in zip(axes, box):
                prod = ext.mul(prod, ext.sub(prefix_indicator(ext, z, hi),
                                             prefix_indicator(ext, z, lo)))
            acc = ext.add(acc, prod)
        out.append(ext.mul(scale, acc))
    return out


def relation_monomials(U: int, pad: bool) -> list[tuple[int, int, list[int]]]:
    """The relation's terms as (c, e, S): coefficient c·λ^e (c an F int) times the product of
    the tables S, over [e_0, …, e_{U−1}, y, G, 1_P]: Π_u e_u + λ y G (+ λ² (1 − 1_P) y when y's
    padding is checked). The EVM verifier reads this list as data."""
    terms = [(1, 0, list(range(U))), (1, 1, [U, U + 1])]
    if pad:
        terms += [(1, 2, [U]), (P - 1, 2, [U + 2, U])]
    return terms


def relation_terms(sh: Shape, pad: bool, lam, ext) -> list:
    """``relation_monomials`` with λ substituted (shared with the prover): F ints for e = 0, K
    elements otherwise."""
    out = []
    for c, e, s in relation_monomials(sh.U, pad):
        out.append((c, s) if e == 0 else (ext.mul(ext.pow(lam, e), ext.from_base(c)), s))
    return out


def verify(ctx, i: int, step) -> None:
    ext, plan = ctx.ext, ctx.plan
    sh = Shape(plan, step)
    pad = needs_pad_check(plan, step.output)
    rho = ctx.challenge_point(ctx.label(i, step, "point"), sh.x.n_vars)
    rho_u, rho_p = rho[: sh.u_bits], rho[sh.u_bits :]
    opened = opening_slots(ctx, i, step)
    x_val, d_val = ctx.recv(ctx.label(i, step, "opening"), 2)
    lam = tuple(ctx.t.challenge_k(ctx.label(i, step, "lambda"), ext.k))
    sub, slots, z = verify_randomized(ctx, ext.mul(lam, ext.add(x_val, d_val)), sh.p_bits,
                                      sh.degree, ctx.label(i, step, "sumcheck"),
                                      relation_terms(sh, pad, lam, ext), flags(ctx, sh),
                                      scaled(ext, lam, opened))
    *d_us, y_val = ctx.recv(ctx.label(i, step, "finals"), sh.U + 1)
    one = real_indicator(ext, sh.y, tuple(sub.point))
    v = mask_slices(ext, sh, mask_boxes(plan, step), sub.point)
    g = ext.zero()
    for u, v_u in enumerate(v):
        g = ext.add(g, ext.mul(eq_eval_index(ext, rho_u, u), v_u))
    e = [ext.sub(ext.add(d_u, one), v[u]) for u, d_u in enumerate(d_us)]
    values = [*e, y_val, g, one]
    expected = ext.mul(eq_eval(ext, rho_p, sub.point),
                       evaluate_terms(ext, relation_terms(sh, pad, lam, ext), values))
    if not ext.eq(expected, sub.value):
        raise VerificationError(f"layer {step.name!r} (max_reduce): y is not the window maximum "
                                "(or d ≠ y − x, or a nonzero entry in y's padding)")
    rho_w = ctx.challenge_point(ctx.label(i, step, "window point"), sh.u_bits)
    d_w = ext.zero()
    for u, d_u in enumerate(d_us):
        d_w = ext.add(d_w, ext.mul(eq_eval_index(ext, rho_w, u), d_u))
    claim_finals(ctx, step, sh, rho, rho_w, sub.point, (x_val, d_val, d_w, y_val), opened,
                 slots, z)


def opening_slots(book, i: int, step) -> tuple:
    """In a plan with randomized finals, x~(rho) and d~(rho) are stated randomized by a value
    slot each ((1, slot) randomizers: the sumcheck's claim lambda (x^ + d^) carries both and
    discharges them, zk_finals.py); none otherwise."""
    if not book.hiding:
        return ()
    one = book.ext.one()
    return tuple((one, s) for s in book.t.masks.take(2, 1, book.label(i, step, "opening")))


def flags(book, sh: Shape) -> list[bool]:
    """The randomized tables of the sumcheck: e_0 .. e_{U-1} (d's slices) and y, in a plan with
    randomized finals; G and 1_P are public."""
    return [book.hiding] * (sh.U + 1) + [False, False]


def claim_finals(book, step, sh: Shape, rho, rho_w, point, values, opened, slots, z) -> None:
    """The claims on x, d and y (shared by both sides): with randomized finals, x and d at rho
    carry their opening slots, d at (rho_w, point) the slices' slots weighted by
    eq(rho_w, u) Z(point), y its slot times Z(point) (the stated e_u^ = e_u~ + Z psi_u give
    d_u^ = d_u~ + Z psi_u)."""
    ext = book.ext
    x_val, d_val, d_w, y_val = values
    r_x, r_d = ((opened[0],), (opened[1],)) if opened else ((), ())
    r_w: tuple = ()
    r_y: tuple = ()
    if slots:
        r_w = tuple((ext.mul(eq_eval_index(ext, rho_w, u), z), s)
                    for u, s in enumerate(slots[: sh.U]))
        r_y = ((z, slots[sh.U]),)
    book.claim(step.inputs[0], rho, x_val, r_x)
    book.claim(d_name(step), rho, d_val, r_d)
    book.claim(d_name(step), list(rho_w) + list(point), d_w, r_w)
    book.claim(step.output, point, y_val, r_y)


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py): with
    randomized finals the sumcheck discharges the opening's two slots and randomizes U + 1
    tables (the last degree + U: the product of the U slices), a slot each."""
    sh = Shape(plan, step)
    return discharged(sh.p_bits, sh.degree + sh.U) + [(1, 1)] * (sh.U + 3)
