"""The lookups' LogUp in a plan with randomized finals: two fraction-sum trees, the witness
side's and the table side's, whose roots reveal nothing of the witness (docs/internals.md,
"The integration plan", step 5); the spec, prover/zk_lookups.py mirrors it. lookups.py is
the plain version; this module keeps its table, tags, packing of the uses and challenges.

Leaves: the witness tree has 2^m, m the variables of the uses packed as in lookups.py plus
the two-entry slot BLIND_SLOT; the table tree 2^n, n those of the multiplicities MULT (the
plan reserves its last row, p = 2^n - 1, beyond the combined table's rows:
zk_capacity.add_zero_knowledge):
  witness tree: a use's real row (1, gamma - tag - beta a - beta^2 b), its padding rows
    (0, same); BLIND_SLOT's entry 0 (m_p + nu, delta), entry 1 (0, epsilon); elsewhere
    (0, gamma);
  table tree: row y (-m_y, gamma - tag_y - beta t_y - beta^2 s_y) (the combined table's
    columns, zero beyond its rows), but the reserved row p: (-m_p - nu, delta).
When m and n are close (|m - n| < SPLIT_GAP), or the combined tree below costs the prover
few extra leaves (SPLIT_EXTRA_LEAVES: its fewer layers and masked rounds then save both sides
more), or under whir-zk (``Plan.lookup_split``: the compact profile's proofs keep the fewer
masked rounds), the two sides are instead the halves of one combined tree of 2^(s + 1)
leaves, s = max(m, n), the smaller side padded with (0, gamma): the root must be (0, Q), and
its layer-0 children, stated in the clear, are exactly the two trees' roots. The same
statement and view; the combined tree costs fewer layers and masked rounds, two trees less
prover work when one side is large and much smaller than the other (lenet-5: a 2^19
witness, a 2^15 table).
nu, delta, epsilon are K elements (the advice tensor LOOKUP_BLIND holds each as k F planes,
``blind_point``), uniform from the OS; an honest m_p is 0. The two leaves (m_p + nu, delta)
and (-m_p - nu, delta) cancel whatever the committed values, so the sum is the witness side's
minus the table side's of lookups.py: the root must be (P, Q) = (0, Q).

Messages: challenges "lookup/beta", "lookup/gamma"; the fraction sums "lookup/zk-witness"
and "lookup/zk-table" (zk_fractions.py, every layer randomized, the root's children
included: ``randomize_from`` 0); the verifier checks n_w d_t + n_t d_w = 0 (the sum of the
two fractions, the combined root's P; combined: the fraction sum "lookup/combined", layers
below the root randomized, P = 0 checked, rho_w = rho_t = rho_low and the leaf values the
halves' blended at rho_top); at the witness tree's leaf point rho_w:
"lookup/use<j>/columns" (each use's column values at its slot's coordinates of rho_w); then
"lookup/blinds" (m_p, m~(rho_t), nu, delta, epsilon, rho_t the table tree's leaf point), each
value stated randomized by a value slot of its own (claims on the column tensors, MULT and
LOOKUP_BLIND); the committed table columns at rho_t (lookups.table_columns_at). Each tree's
leaf values n~, d~ are affine in the stated values with public coefficients (``Affine``):
the verifier computes them, and the differences to the fraction sums' randomized leaf values
are claims on M (sum c psi = stated - computed), checked by the hiding opening.

Soundness: lookups.py's argument, with n_w d_t + n_t d_w = 0 in place of P_w Q_t = P_t Q_w:
d_w, d_t != 0 make every leaf denominator nonzero (delta and epsilon included), the blind leaves
add (m_p + nu)/delta - (m_p + nu)/delta = 0 whatever the committed values (the same claims on
both sides), and the table tree's extra rows (from the combined table's rows up to 2^n)
are the row (tag 0, 0, 0) with denominator gamma, which a witness row (tag >= 1) matches
only if beta is a root of tag + beta a + beta^2 b: probability <= 2/|K| per row; the
identity's degree in gamma is at most 2^m + 2^n. The leaf reconstruction is exact and every
stated value is bound by its claim.
Zero knowledge: the roots are the two sides' projective sums
n_w = ((m_p + nu) D_W + N_W delta) epsilon g_w, d_w = D_W delta epsilon g_w,
and n_t = -(N_T delta + (m_p + nu) D_T) g_t, d_t = D_T delta g_t (N_W / D_W the witness side's
sum, D_W, D_T != 0 the products of the other denominators, g_w, g_t the padding's powers of
gamma). D_T and g_t are public, so d_t reveals delta; epsilon, uniform in K, makes d_w
uniform, and nu, uniform in K, then n_w; n_t is fixed by the root check. Below each root,
every layer's children are randomized (zk_fractions.py), the root's included: only the
roots themselves are stated in the clear. The blinds must be uniform
in K, not in F: with F-valued ones d_w / (D_W g_w) and n_w / d_w - N_W / D_W lie in F, and
the other coordinate of the witness sum is revealed (found by review). Below the root,
zk_fractions.py; the leaf values carry fresh value slots. (A zero nu, the "zero-filled
padding" mistake, would make n_w / d_w the witness's sum: tests/soundness/test_zk_lookups.py
checks both.)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PlanError, VerificationError
from ..field.params import P as FIELD_P
from ..poly.mle import as_ext, eq_eval_index, index_point
from .layout import Layout, real_indicator
from .logup import combine_columns
from .lookups import (
    LABEL,
    MULT,
    LookupUse,
    lookup_challenges,
    selector_value,
    table_columns_at,
    tables_of,
    tag_of,
)
from .names import Internal
from .packing import Packing
from .plan import TensorPlan
from .zk_fractions import verify_hiding_fraction_sum
from .zk_sumcheck import plane_point

LOOKUP_BLIND = Internal("", "lookup blinds")
"""The advice tensor of the blinds nu, delta, epsilon (K values: ``blind_point``)."""
NU, DELTA, EPSILON = 0, 1, 2
BLIND_INDEX_VARS = 2
"""LOOKUP_BLIND: four K slots (the last unused), each of 2^s F planes, s = ceil log2 k."""
BLIND_SLOT = "blind"
WITNESS_TREE = f"{LABEL}/zk-witness"
TABLE_TREE = f"{LABEL}/zk-table"
COMBINED = f"{LABEL}/combined"
SPLIT_GAP = 2
"""Two trees only when the sides' variables m, n differ by at least this (and the combined
tree would cost SPLIT_EXTRA_LEAVES more), else one combined tree of 2^(max(m, n) + 1) leaves
(module docstring): with m = n the combined tree does the same prover work and costs half
the masked rounds (M, hence the advice, grows with every round)."""

SPLIT_EXTRA_LEAVES = 1 << 17
"""Two trees only when the combined tree would have more than this many leaves beyond the two
trees' 2^m + 2^n. The combined tree has s + 1 layers where two trees have m + n, and about
s^2/2 masked rounds where two have (m^2 + n^2)/2: every layer and every masked round costs
both sides a fixed amount (measured on the fast profile: ~0.3 ms of prover and ~0.1 ms of
verifier time per round, and a layer's four value slots and its discharge on top), while a
leaf costs the prover ~0.2 us. So one tree is cheaper for both sides up to about 2^17 extra
leaves (benchmarks/lookup_shape.py; cnn_mnist, m = 16, n = 14, 49,152 extra leaves: one tree
proves 3 % and verifies 8 % faster, and variable_cnn's verification is 9 % faster) and
costs the prover more past it (lenet_5, m = 19, n = 15, 491,520 extra leaves: 21 % more
proving time with one tree; two trees)."""


def table_rows(uses: list[LookupUse]) -> int:
    """The combined table's rows (lookups.combined_table before its padding)."""
    return sum(len(t.columns[0]) for t in tables_of(uses))


def reserve_rows(plan, k: int) -> None:
    """A plan with randomized finals: MULT grows to 2^n rows, n = bits of the table's rows, so
    that its last row (``reserved_row``) lies beyond the table; LOOKUP_BLIND is added."""
    uses = plan.lookup_uses
    if not uses:
        return
    if LOOKUP_BLIND in plan.tensors:
        raise PlanError(f"tensor {LOOKUP_BLIND!r} is defined twice")
    size = 1 << table_rows(uses).bit_length()
    plan.tensors[MULT] = TensorPlan(MULT, Layout((size,)), "advice", 0, FIELD_P - 1)
    planes = 1 << (k - 1).bit_length()
    plan.tensors[LOOKUP_BLIND] = TensorPlan(LOOKUP_BLIND, Layout((planes << BLIND_INDEX_VARS,)),
                                            "advice", 0, FIELD_P - 1)


def blind_point(ext, index: int) -> list:
    """The point of LOOKUP_BLIND at which D B~ is blind ``index``'s K value (its planes at
    zk_sumcheck.plane_point: eq(w, c) = X^c / D, as M's slots)."""
    w, _ = plane_point(ext)
    return w + index_point(ext, index, BLIND_INDEX_VARS)


@dataclass(frozen=True)
class Shape:
    """The two trees' sizes: the witness packing (uses, then BLIND_SLOT; its variables m), the
    table's variables before (n_nat) and after (n) the reserved row."""

    packing: Packing
    n_nat: int
    n: int
    may_split: bool = True

    @property
    def m(self) -> int:
        return self.packing.n_vars

    @property
    def s(self) -> int:
        """The combined tree's side: each half 2^s leaves."""
        return max(self.m, self.n)

    @property
    def extra_leaves(self) -> int:
        """The combined tree's leaves beyond the two trees'."""
        return (2 << self.s) - (1 << self.m) - (1 << self.n)

    @property
    def split(self) -> bool:
        """Two trees (else one combined tree): the plan's ``lookup_split``, ``SPLIT_GAP`` and
        ``SPLIT_EXTRA_LEAVES``."""
        return (self.may_split and abs(self.m - self.n) >= SPLIT_GAP
                and self.extra_leaves > SPLIT_EXTRA_LEAVES)

    @property
    def reserved_row(self) -> int:
        return (1 << self.n) - 1


def shape(plan, uses: list[LookupUse]) -> Shape:
    layouts = {str(j): plan.tensors[u.columns[0]].layout for j, u in enumerate(uses)}
    packing = Packing.of({**layouts, BLIND_SLOT: Layout((2,))})
    n = plan.tensors[MULT].layout.n_vars
    n_nat = max(table_rows(uses) - 1, 0).bit_length()
    return Shape(packing, n_nat, n, plan.lookup_split)


def mask_rounds(plan) -> list[tuple[int, int]]:
    """lookups.mask_rounds for these trees: m + n layers, each discharging (one more round, a
    slot) and randomizing four tables (last degree 3 + 2, four slots; layer 0 over one padding
    variable); a slot per column and five for the blinds' values."""
    uses = plan.lookup_uses
    sh = shape(plan, uses)
    trees = [(sh.m, 0), (sh.n, 0)] if sh.split else [(sh.s + 1, 1)]
    out = [r for depth, first in trees for layer in range(first, depth)
           for r in [(max(layer, 1) + 1, 5), (1, 1)] + [(1, 1)] * 4]
    return out + [(1, 1)] * (sum(len(u.columns) for u in uses) + 5)


class Affine:
    """A value computed from stated randomized values v^ = v + psi: ``value``, and ``parts``
    ((-c, slot), ..) such that the true value is value + sum (-c) psi."""

    def __init__(self, ext, value) -> None:
        self.ext, self.value, self.parts = ext, as_ext(ext, value), []

    def const(self, c) -> None:
        self.value = self.ext.add(self.value, as_ext(self.ext, c))

    def add(self, c, stated, slot: int) -> None:
        ext = self.ext
        c = as_ext(ext, c)
        self.value = ext.add(self.value, ext.mul(c, as_ext(ext, stated)))
        self.parts.append((ext.neg(c), slot))

    def blend(self, other: Affine, top) -> Affine:
        """(1 - top) self + top other."""
        ext = self.ext
        top = as_ext(ext, top)
        lo = ext.sub(ext.one(), top)
        out = Affine(ext, ext.add(ext.mul(lo, self.value), ext.mul(top, other.value)))
        out.parts = ([(ext.mul(lo, c), s) for c, s in self.parts]
                     + [(ext.mul(top, c), s) for c, s in other.parts])
        return out


def first_row(uses) -> list[int]:
    """The combined table's row 0 (tag 1, the first table's first row): its padding rows."""
    t = tables_of(uses)[0]
    return [1, int(t.columns[0][0]), int(t.columns[1][0]) if len(t.columns) > 1 else 0]


def witness_leaf_values(ctx, uses, sh: Shape, low, beta, gamma, columns, blinds):
    """(n~(low), d~(low)) of the witness side's leaves (zero-padded past 2^m when low has more
    coordinates: the combined tree's half) as Affine values from the stated values:
    ``columns`` [(values, slots)] per use, ``blinds`` [(value, slot)] for (m_p, m, nu, delta,
    epsilon)."""
    ext = ctx.ext
    tags = tag_of(uses)
    num_w, den_w = Affine(ext, ext.zero()), Affine(ext, gamma)
    for j, (use, (vals, slots)) in enumerate(zip(uses, columns)):
        slot = sh.packing.slot(str(j))
        sel = selector_value(ext, low, slot)
        layout: Layout = ctx.plan.tensors[use.columns[0]].layout
        num_w.const(ext.mul(sel, real_indicator(ext, layout, tuple(low[: slot.n_vars]))))
        den_w.const(ext.neg(ext.mul(sel, ext.from_base(tags[use.table.key]))))
        power = ext.mul(sel, beta)
        for v, s in zip(vals, slots):
            den_w.add(ext.neg(power), v, s)
            power = ext.mul(power, beta)
    (m_p, s_mp), _, (nu, s_nu), (delta, s_delta), (eps, s_eps) = blinds
    b = sh.packing.slot(BLIND_SLOT)
    sel_b = selector_value(ext, low, b)
    e0 = ext.mul(sel_b, eq_eval_index(ext, low[:1], 0))
    e1 = ext.mul(sel_b, eq_eval_index(ext, low[:1], 1))
    num_w.add(e0, m_p, s_mp)
    num_w.add(e0, nu, s_nu)
    den_w.add(e0, delta, s_delta)
    den_w.add(e1, eps, s_eps)
    den_w.const(ext.neg(ext.mul(ext.add(e0, e1), gamma)))
    return num_w, den_w


def table_leaf_values(ctx, uses, sh: Shape, low, beta, gamma, blinds, table_cols):
    """(n~(low), d~(low)) of the table side's leaves (padded past 2^n as the witness side's)
    as Affine values: ``blinds`` as above, ``table_cols`` the combined table's columns at
    low[:n_nat] (lookups.table_columns_at)."""
    ext = ctx.ext
    _, (m, s_m), (nu, s_nu), (delta, s_delta), _ = blinds
    z_n = eq_eval_index(ext, low[sh.n :], 0)  # the zero-extension of MULT's MLE
    p = sh.reserved_row
    ep = ext.mul(eq_eval_index(ext, low[: sh.n], p), z_n)
    num_t = Affine(ext, ext.zero())
    num_t.add(ext.neg(z_n), m, s_m)
    num_t.add(ext.neg(ep), nu, s_nu)
    den_t = Affine(ext, gamma)
    cols = [as_ext(ext, v) for v in table_cols]
    weighted = ext.sub(gamma, combine_columns(ext, beta, gamma, cols))  # sum_c beta^c t_c~
    den_t.const(ext.neg(ext.mul(eq_eval_index(ext, low[sh.n_nat :], 0), weighted)))
    den_t.add(ep, delta, s_delta)
    at_p = first_row(uses) if p < 1 << sh.n_nat else [0, 0, 0]
    den_t.const(ext.neg(ext.mul(ep, combine_columns(ext, beta, gamma, [ext.from_base(v % FIELD_P)
                                                                 for v in at_p]))))
    return num_t, den_t


def reserved_point(ext, sh: Shape) -> list:
    """The reserved row p of MULT as a Boolean point."""
    return index_point(ext, sh.reserved_row, sh.n)


def blind_points(ext, sh: Shape, low) -> list[tuple[str, list, tuple]]:
    """Where (m_p, m, nu, delta, epsilon) are claimed, and the factor c of their values:
    MULT at p and at the table tree's leaf point (c = 1), LOOKUP_BLIND at ``blind_point``
    (c = D: the K value is D B~ there)."""
    _, d = plane_point(ext)
    return [(MULT, reserved_point(ext, sh), ext.one()), (MULT, list(low[: sh.n]), ext.one()),
            *((LOOKUP_BLIND, blind_point(ext, i), d) for i in (NU, DELTA, EPSILON))]


def claim_blind(book, name: str, at, factor, stated, slot: int) -> None:
    """The claim factor T~(at) + psi = stated, as T~(at) + psi/factor = stated/factor."""
    ext = book.ext
    inv = ext.inv(factor)
    book.claim(name, at, ext.mul(as_ext(ext, stated), inv), ((inv, slot),))


def one_slot(ext, slot: int) -> tuple:
    return ((ext.one(), slot),)


def root_check(ext, witness, table) -> None:
    """n_w d_t + n_t d_w = 0: the two sides' fractions cancel (VerificationError otherwise)."""
    if not ext.is_zero(ext.add(ext.mul(witness.P, table.Q), ext.mul(table.P, witness.Q))):
        raise VerificationError("lookup: a looked-up row is not in its table")


def verify_trees(ctx, sh: Shape) -> tuple:
    """The fraction sums (module docstring): (subclaims with their leaf points, in the order
    of ``leaf_claims``, the witness side's leaf point, the table side's)."""
    ext = ctx.ext
    if sh.split:
        res_w = verify_hiding_fraction_sum(ctx, sh.m, WITNESS_TREE, randomize_from=0)
        res_t = verify_hiding_fraction_sum(ctx, sh.n, TABLE_TREE, randomize_from=0)
        root_check(ext, res_w, res_t)
        return (res_w, res_t), res_w.point, res_t.point
    res = verify_hiding_fraction_sum(ctx, sh.s + 1, COMBINED)
    if not ext.is_zero(res.P):
        raise VerificationError("lookup: a looked-up row is not in its table")
    low = res.point[: sh.s]
    return (res,), low, low


def leaf_claims(ctx, uses, sh: Shape, results, low_w, low_t, beta, gamma, columns, blinds,
                table_cols) -> list:
    """[(subclaim, num Affine, den Affine)] per tree: each tree's leaf values as computed
    from the stated values (the combined tree's the two halves' blended at its top
    coordinate)."""
    w = witness_leaf_values(ctx, uses, sh, low_w, beta, gamma, columns, blinds)
    t = table_leaf_values(ctx, uses, sh, low_t, beta, gamma, blinds, table_cols)
    if sh.split:
        return [(results[0], *w), (results[1], *t)]
    top = results[0].point[sh.s]
    return [(results[0], w[0].blend(t[0], top), w[1].blend(t[1], top))]


def verify_hiding_lookups(ctx, uses: list[LookupUse]) -> None:
    """The blinded LogUp tree(s) (module docstring); VerificationError on a failed check."""
    if not uses:
        return
    ext, t = ctx.ext, ctx.t
    beta, gamma = lookup_challenges(t, ext.k)
    sh = shape(ctx.plan, uses)
    results, low_w, low_t = verify_trees(ctx, sh)
    columns = []
    for j, use in enumerate(uses):
        label = f"{LABEL}/use{j}/columns"
        slots = list(t.masks.take(len(use.columns), 1, label))
        vals = ctx.recv(label, len(use.columns))
        sub = low_w[: sh.packing.slot(str(j)).n_vars]
        for name, v, s in zip(use.columns, vals, slots):
            ctx.claim(name, sub, v, one_slot(ext, s))
        columns.append((vals, slots))
    label = f"{LABEL}/blinds"
    slots = list(t.masks.take(5, 1, label))
    vals = ctx.recv(label, 5)
    for (name, at, factor), v, s in zip(blind_points(ext, sh, low_t), vals, slots):
        claim_blind(ctx, name, at, factor, v, s)
    table_cols = table_columns_at(ctx, uses, low_t[: sh.n_nat])
    for res, num, den in leaf_claims(ctx, uses, sh, results, low_w, low_t, beta, gamma,
                                     columns, list(zip(vals, slots)), table_cols):
        for value, got, randomizer in ((num, res.num_value, res.num_randomizer),
                                       (den, res.den_value, res.den_randomizer)):
            ctx.mask_claims.append((ext.sub(as_ext(ext, got), value.value),
                                    (*randomizer, *value.parts)))
