"""All lookups of a proof, one LogUp per table (Haböck, "Multivariate lookups based on
logarithmic derivatives", ePrint 2022/1530; GKR variant: Papini & Haböck, ePrint 2023/1284).

Every step that needs a lookup declares `LookupUse`s: witness columns (plan tensors of one
layout, 1 or 2 columns) that must lie, row by row on the real entries, in a public table.
For each table T (sorted by key) with uses u_1..u_s and committed multiplicities m (advice
tensor ``mult:<key>``), after β, γ are drawn (the advice commitment, which holds m, is already
absorbed):
    Σ_u Σ_{i real in u} 1/(γ − a_i − β b_i)  =  Σ_j m_j/(γ − t_j − β u_j),
each side a fraction-sum GKR; the verifier checks the leaf claims: witness numerators are the
real-entry indicator (closed form), witness denominators give claims on the columns, table
denominators are evaluated from the public table, table numerators become a claim on m.
Soundness error per table ≤ (rows + table size)/|K| for the logarithmic-derivative identity
(ePrint 2022/1530, Lemma 5) plus the GKR terms of fraction_gkr.soundness_error_bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import VerificationError
from ..field.vec import from_signed, vec_field
from ..poly.mle import eq_table
from .fraction_gkr import verify_fraction_sum
from .layout import Layout, real_indicator
from .logup import combine_columns


@dataclass(frozen=True)
class TableSpec:
    """A public lookup table: equal-length int64 columns, padded to a power of two by repeating
    row 0 (a repeated row adds no new member to the table)."""

    key: str
    columns: tuple

    @property
    def n_vars(self) -> int:
        return max(len(self.columns[0]) - 1, 0).bit_length()

    def padded_columns(self) -> list[np.ndarray]:
        size = 1 << self.n_vars
        return [np.concatenate([c, np.full(size - len(c), c[0], dtype=np.int64)])
                for c in self.columns]


@dataclass(frozen=True)
class LookupUse:
    """Rows of `columns` (plan tensors with one layout) must be rows of table `table`."""

    table: TableSpec
    columns: tuple[str, ...]


def range_table(bits: int) -> TableSpec:
    return TableSpec(f"range{bits}", (np.arange(1 << bits, dtype=np.int64),))


def mult_name(key: str) -> str:
    return f"mult:{key}"


def group_uses(uses: list[LookupUse]) -> dict[str, list[LookupUse]]:
    groups: dict[str, list[LookupUse]] = {}
    for u in uses:
        groups.setdefault(u.table.key, []).append(u)
    return dict(sorted(groups.items()))


def table_mle(ext, spec: TableSpec, point) -> list:
    """Each table column's MLE at `point` (vectorized: one eq table, one inner product each)."""
    vf = vec_field(ext.k)
    eq = eq_table(vf, point)
    return [tuple(vf.inner(eq, vf.from_base(from_signed(c)))) for c in spec.padded_columns()]


def verify_lookups(ctx, uses: list[LookupUse]) -> None:
    """Run every table's LogUp; route the resulting claims through ctx (see module doc)."""
    if not uses:
        return
    ext, t = ctx.ext, ctx.t
    beta = tuple(t.challenge_k("lookup/beta", ext.k))
    gamma = tuple(t.challenge_k("lookup/gamma", ext.k))
    for key, group in group_uses(uses).items():
        total = ext.zero()
        for j, use in enumerate(group):
            layout: Layout = ctx.plan.tensors[use.columns[0]].layout
            sub = verify_fraction_sum(t, ext, layout.n_vars, f"lookup/{key}/{j}")
            if not ext.eq(sub.num_value, real_indicator(ext, layout, tuple(sub.point))):
                raise VerificationError(f"lookup into {key}: witness numerators are not the "
                                        "real-entry indicator")
            vals = ctx.recv(f"lookup/{key}/{j}/columns", len(use.columns))
            if not ext.eq(combine_columns(ext, beta, gamma, vals), sub.den_value):
                raise VerificationError(f"lookup into {key}: column values do not give the "
                                        "witness denominator")
            for name, v in zip(use.columns, vals):
                ctx.claim(name, sub.point, v)
            total = ext.add(total, ext.mul(sub.P, ext.inv(sub.Q)))
        spec = group[0].table
        sub = verify_fraction_sum(t, ext, spec.n_vars, f"lookup/{key}/table")
        tvals = table_mle(ext, spec, sub.point)
        if not ext.eq(combine_columns(ext, beta, gamma, tvals), sub.den_value):
            raise VerificationError(f"lookup into {key}: table denominator mismatch")
        ctx.claim(mult_name(key), sub.point, sub.num_value)
        if not ext.eq(total, ext.mul(sub.P, ext.inv(sub.Q))):
            raise VerificationError(f"lookup into {key}: a looked-up row is not in the table")
