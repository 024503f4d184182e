"""All lookups of a proof in one LogUp (Haböck, "Multivariate lookups based on logarithmic
derivatives", ePrint 2022/1530; GKR variant: Papini & Haböck, ePrint 2023/1284).

Every step that needs a lookup declares `LookupUse`s: witness columns (plan tensors of one
layout, 1 or 2 columns) whose rows, on the real entries, must lie in a public table. All tables
are concatenated into one combined table with a tag column (table j has tag j + 1), and every
use's rows carry its table's tag, so one identity covers everything:
    Σ_u Σ_{i real in u} 1/(γ − tag_u − β a_i − β² b_i)  =  Σ_j m_j/(γ − tag_j − β t_j − β² s_j),
with the multiplicities m committed (advice tensor ``mult:lookups``) before β, γ are drawn.
Each side is one fraction-sum GKR. The witness side runs over the uses packed in one vector
(packing.py: aligned slots, selector bits); at its leaf point ρ the verifier rebuilds the packed
numerator (real-entry indicators) and denominator from the prover's column values
a_u~(ρ_u), b_u~(ρ_u), which become claims on the column tensors. The table side's denominator
the verifier evaluates from the public table's columns at the table point: in closed form from
a column's piecewise-affine segments (table_forms.py, O(#segments · n)) when it has at most
INLINE_SEGMENTS of them, else (an arbitrary activation table: about one segment per 2–5 rows)
from the prover's value "lookup/table/columns", a claim on the column committed with the weights
(``table_column(c)``, a constant of the model group, bound to the public table by the weight
certificate, verifier/certificate.py). The verifier's work is thus never O(table rows). The
numerator becomes a claim on m.
Soundness error ≤ (rows + table rows)/|K| for the logarithmic-derivative identity with the
β-combined columns (ePrint 2022/1530, Lemma 5; 2/|K| more for β), plus the GKR terms of
fraction_gkr.soundness_error_bound.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field

import numpy as np

from ..errors import VerificationError
from ..field.vec import from_signed
from ..poly.mle import as_ext, eq_eval_index
from ..transcript import keccak256
from . import evaluations, table_forms
from .fraction_gkr import LAYER_DEGREE, verify_fraction_sum
from .layout import Layout, real_indicator
from .logup import combine_columns
from .names import Internal
from .packing import Packing

MULT = Internal("", "lookup multiplicities")
"""The advice tensor holding the multiplicities of the combined table."""
LABEL = "lookup"


@dataclass(frozen=True, eq=False)
class TableSpec:
    """A public lookup table: equal-length int64 columns (1 or 2), with a readable name.

    ``key`` is the Keccak-256 digest of the table's contents (column count, row count, every
    value), so tables are merged only when they are equal: two different tables can never share
    a key (a 64-bit key could be matched by a birthday search of ~2^32 crafted tables)."""

    name: str
    columns: tuple
    key: bytes = field(init=False)

    def __post_init__(self):
        cols = tuple(np.ascontiguousarray(c, dtype=np.int64) for c in self.columns)
        if not cols or len({len(c) for c in cols}) != 1 or cols[0].ndim != 1:
            raise ValueError(f"table {self.name}: columns must be 1-D and of one length")
        head = struct.pack(">BQ", len(cols), len(cols[0]))
        digest = keccak256(head, *(c.astype(">i8").tobytes() for c in cols))
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "key", digest)


@dataclass(frozen=True)
class LookupUse:
    """Rows of `columns` (plan tensors with one layout) must be rows of table `table`."""

    table: TableSpec
    columns: tuple[str, ...]


@functools.lru_cache(maxsize=64)
def range_table(bits: int) -> TableSpec:
    """[0, 2^bits) as a one-column table."""
    return TableSpec(f"range{bits}", (np.arange(1 << bits, dtype=np.int64),))


def tables_of(uses: list[LookupUse]) -> list[TableSpec]:
    """The distinct tables (equal contents), sorted by content digest (tags 1, 2, … in order)."""
    return [t for _, t in sorted({u.table.key: u.table for u in uses}.items())]


def combined_table(uses: list[LookupUse]) -> list[np.ndarray]:
    """(tag, first column, second column or zeros) of all tables, padded to a power of two by
    repeating row 0 (a repeated row adds no new member)."""
    cols: list[list[np.ndarray]] = [[], [], []]
    for tag, spec in enumerate(tables_of(uses), start=1):
        n = len(spec.columns[0])
        cols[0].append(np.full(n, tag, dtype=np.int64))
        cols[1].append(np.asarray(spec.columns[0], dtype=np.int64))
        second = spec.columns[1] if len(spec.columns) > 1 else np.zeros(n, dtype=np.int64)
        cols[2].append(np.asarray(second, dtype=np.int64))
    out = [np.concatenate(c) for c in cols]
    size = 1 << max(len(out[0]) - 1, 0).bit_length()
    return [np.concatenate([c, np.full(size - len(c), c[0], dtype=np.int64)]) for c in out]


def tag_of(uses: list[LookupUse]) -> dict[str, int]:
    return {t.key: tag for tag, t in enumerate(tables_of(uses), start=1)}


def use_packing(plan, uses: list[LookupUse]) -> Packing:
    """Slots of the uses in the packed witness vector (named by their index)."""
    return Packing.of({str(j): plan.tensors[u.columns[0]].layout for j, u in enumerate(uses)})


def lookup_challenges(transcript, k: int) -> tuple:
    """(beta, gamma): the LogUp's challenges, drawn after the multiplicities are committed."""
    return (tuple(transcript.challenge_k(f"{LABEL}/beta", k)),
            tuple(transcript.challenge_k(f"{LABEL}/gamma", k)))


def verify_lookups(ctx, uses: list[LookupUse]) -> None:
    """The one LogUp of the proof; column claims are routed through ctx (see module doc)."""
    if not uses:
        return
    ext, t = ctx.ext, ctx.t
    beta, gamma = lookup_challenges(t, ext.k)
    packing = use_packing(ctx.plan, uses)
    wit = verify_fraction_sum(t, ext, packing.n_vars, f"{LABEL}/witness")
    num, den_terms = ext.zero(), ext.zero()
    tags = tag_of(uses)
    for j, use in enumerate(uses):
        slot = packing.slot(str(j))
        sub, sel = wit.point[: slot.n_vars], selector_value(ext, wit.point, slot)
        vals = ctx.recv(f"{LABEL}/use{j}/columns", len(use.columns))
        layout: Layout = ctx.plan.tensors[use.columns[0]].layout
        num = ext.add(num, ext.mul(sel, real_indicator(ext, layout, tuple(sub))))
        row = [ext.from_base(tags[use.table.key]), *vals]
        den_terms = ext.add(den_terms, ext.mul(sel, _neg_gamma_free(ext, beta, row)))
        for name, v in zip(use.columns, vals):
            ctx.claim(name, sub, v)
    if not ext.eq(num, wit.num_value):
        raise VerificationError("lookup: witness numerators are not the real-entry indicators")
    if not ext.eq(ext.sub(gamma, den_terms), wit.den_value):
        raise VerificationError("lookup: column values do not give the witness denominators")
    tab = verify_fraction_sum(t, ext, _table_vars(uses), f"{LABEL}/table")
    if not ext.eq(combine_columns(ext, beta, gamma, table_columns_at(ctx, uses, tab.point)),
                  tab.den_value):
        raise VerificationError("lookup: table denominator mismatch")
    ctx.claim(MULT, tab.point, tab.num_value)
    if not ext.eq(ext.mul(wit.P, tab.Q), ext.mul(tab.P, wit.Q)):
        raise VerificationError("lookup: a looked-up row is not in its table")


def mask_rounds(plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify_lookups`` runs (zk_capacity.py): one per
    layer l of each fraction sum, of l variables."""
    uses = plan.lookup_uses
    if not uses:
        return []
    sums = (use_packing(plan, uses).n_vars, plan.tensors[MULT].layout.n_vars)  # = _table_vars
    return [(layer, LAYER_DEGREE) for n in sums for layer in range(n)]


def selector_value(ext, point, slot):
    """eq(selector coordinates of `point`, bits of the slot's block index)."""
    return eq_eval_index(ext, point[slot.n_vars :], slot.offset >> slot.n_vars)


def _neg_gamma_free(ext, beta, values):
    """Σ_c β^c values[c] (the denominator is γ minus this)."""
    return ext.sub(ext.zero(), combine_columns(ext, beta, ext.zero(), values))


def _table_vars(uses) -> int:
    return max(len(combined_table(uses)[0]) - 1, 0).bit_length()


INLINE_SEGMENTS = 16
"""A combined-table column of more affine segments than this is committed with the weights
(``committed_columns``); the verifier evaluates the others from their segments. Each segment
costs the verifier O(n) field operations (on chain, a few thousand gas), a committed column one
more claim in the model group's opening (about as much as 5–10 segments): range, clamp and tag
columns (1–3 segments) stay inline, activation tables (dozens to thousands) are committed."""


def table_column(c: int) -> Internal:
    """The model constant holding column ``c`` (0 tag, 1 first, 2 second) of the combined
    table, padding included, when it is committed (``committed_columns``)."""
    return Internal("", "lookup table column", c)


def column_segments(uses) -> tuple:
    """Each combined-table column (tag, first, second; padding included) as affine segments
    (table_forms.segments), or None for a column with a value too large for them (|v| ≥ 2^62).
    Depends only on the distinct tables: cached by their digests."""
    key = tuple(t.key for t in tables_of(uses))
    if key not in _SEGMENTS:
        found = []
        for col in combined_table(uses):
            try:
                found.append(table_forms.segments(col))
            except ValueError:
                found.append(None)
        if len(_SEGMENTS) >= _SEGMENTS_CACHED:
            _SEGMENTS.pop(next(iter(_SEGMENTS)))
        _SEGMENTS[key] = tuple(found)
    return _SEGMENTS[key]


def committed_columns(uses) -> tuple[int, ...]:
    """The combined-table columns committed with the weights: more than INLINE_SEGMENTS
    segments, or values that segments cannot hold. A function of the tables alone (so of the
    key's graph: the same for every batch size)."""
    if not uses:
        return ()
    return tuple(c for c, segs in enumerate(column_segments(uses))
                 if segs is None or len(segs) > INLINE_SEGMENTS)


def table_columns_at(ctx, uses, point) -> list:
    """The combined table's columns at ``point`` (the table GKR's leaf point): committed ones
    as the prover's values ("lookup/table/columns", claims on ``table_column(c)``), the others
    from their segments."""
    ext = ctx.ext
    committed = committed_columns(uses)
    sent = ctx.recv(f"{LABEL}/table/columns", len(committed)) if committed else []
    sums = table_forms.eq_prefix_sums(ext, [as_ext(ext, z) for z in point])
    out = []
    for c, segs in enumerate(column_segments(uses)):
        if c in committed:
            v = sent[committed.index(c)]
            ctx.const_claim(table_column(c), point, v)
        else:
            v = table_forms.segments_mle(ext, segs, sums)
        out.append(v)
    return out


def column_mle_dense(ext, column, point):
    """The MLE of one int64 column at `point` by an eq table (O(rows): the reference for the
    closed forms, and the weight certificate's check (T) on a committed column)."""
    return evaluations.inner_base(evaluations.eq_table(ext.k, point), from_signed(column))


def table_mle_dense(ext, uses, point) -> list:
    """MLEs of the combined table's columns at `point` (one eq table, one inner product each)."""
    eq = evaluations.eq_table(ext.k, point)
    return [evaluations.inner_base(eq, from_signed(c)) for c in combined_table(uses)]


_SEGMENTS: dict[tuple[bytes, ...], tuple | None] = {}
_SEGMENTS_CACHED = 64


def combined_segments(uses) -> tuple[tuple[table_forms.Segment, ...], ...] | None:
    """The combined table's columns (tag, first, second; padding included) as affine segments
    (table_forms.segments: the fewest, greedy from row 0), or None when a value is too large
    for them (|v| ≥ 2^62)."""
    found = column_segments(uses)
    return None if any(s is None for s in found) else found
