"""Prover of verifier/lookups.py: multiplicities (before the commitment) and the one LogUp."""

from __future__ import annotations

import numpy as np

from ..errors import ProverError
from ..field.vec import from_signed, to_signed
from ..poly.mle import evaluate
from ..verifier.lookups import (
    LABEL,
    MULT,
    LookupUse,
    combined_table,
    committed_columns,
    lookup_challenges,
    table_column,
    tables_of,
    tag_of,
    use_packing,
)
from ..verifier.packing import Packing
from .fraction_gkr import prove_fraction_sum
from .logup import compute_multiplicities, lookup_denominators
from .vectors import pack


def real_rows(shape: tuple[int, ...], padded: tuple[int, ...]) -> np.ndarray:
    """Indicator (F vector) of the real entries of a padded layout."""
    mask = np.zeros(padded, dtype=np.uint64)
    mask[tuple(slice(0, d) for d in shape)] = 1
    return mask.reshape(-1)


def witness_columns(plan, tables: dict, uses: list[LookupUse],
                    packing: Packing | None = None) -> list[np.ndarray]:
    """Packed witness columns (tag, first, second) as F vectors, and the packed selector;
    ``packing``: the uses' slots (default lookups.use_packing), its other slots zero."""
    packing = packing or use_packing(plan, uses)
    tags = tag_of(uses)
    parts: list[dict] = [{}, {}, {}, {}]
    for s in packing.slots:
        for p in parts:
            p[s.name] = np.zeros(s.size, dtype=np.uint64)
    for j, use in enumerate(uses):
        layout = plan.tensors[use.columns[0]].layout
        size = layout.size
        parts[0][str(j)] = from_signed(np.full(size, tags[use.table.key], dtype=np.int64))
        parts[1][str(j)] = tables[use.columns[0]]
        parts[2][str(j)] = (tables[use.columns[1]] if len(use.columns) > 1
                            else np.zeros(size, dtype=np.uint64))
        parts[3][str(j)] = real_rows(layout.shape, layout.padded)
    return [pack(packing, p) for p in parts]


def multiplicities(plan, tables: dict[str, np.ndarray], uses: list[LookupUse]) -> dict:
    """{mult:lookups: int64 counts over the combined table} of the real witness rows.

    Every table whose first column is an integer range t_0, t_0 + 1, … (all the tables the
    steps build) is indexed by subtraction, O(rows); any other goes through a sort.
    """
    if not uses:
        return {}
    specs = tables_of(uses)
    offsets = np.cumsum([0] + [len(t.columns[0]) for t in specs])
    counts = np.zeros(plan.tensors[MULT].layout.size, dtype=np.int64)  # a reserved row: zero
    for use in uses:
        j = [t.key for t in specs].index(use.table.key)
        spec = specs[j]
        layout = plan.tensors[use.columns[0]].layout
        real = real_rows(layout.shape, layout.padded).astype(bool)
        cols = [to_signed(tables[c])[real] for c in use.columns]
        idx = _row_index(spec, cols, use)
        counts[offsets[j] : offsets[j + 1]] += np.bincount(idx, minlength=len(spec.columns[0]))
    return {MULT: counts}


def _row_index(spec, cols: list[np.ndarray], use: LookupUse) -> np.ndarray:
    """Row of `spec` holding each witness row; ProverError if one is missing."""
    first = np.asarray(spec.columns[0], dtype=np.int64)
    n = len(first)
    if np.array_equal(first, first[0] + np.arange(n, dtype=np.int64)):
        idx = cols[0] - first[0]
        ok = (idx >= 0) & (idx < n)
        idx = np.where(ok, idx, 0)
        for c, t in zip(cols[1:], spec.columns[1:]):
            ok &= np.asarray(t, dtype=np.int64)[idx] == c
        if not ok.all():
            bad = int(np.flatnonzero(~ok)[0])
            raise ProverError(f"lookup into {spec.name}: {int((~ok).sum())} rows of "
                              f"{list(use.columns)} are not in the table (e.g. "
                              f"{tuple(int(c[bad]) for c in cols)})")
        return idx
    m = compute_multiplicities(cols, [np.asarray(t) for t in spec.columns])
    return np.repeat(np.arange(n), m.astype(np.int64))


def prove_lookups(ctx, uses: list[LookupUse]) -> None:
    if not uses:
        return
    vf, ext, t = ctx.vf, ctx.ext, ctx.t
    beta, gamma = lookup_challenges(t, ext.k)
    tag, first, second, selector = witness_columns(ctx.plan, ctx.tables, uses)
    den = lookup_denominators(vf, [tag, first, second], beta, gamma)
    res = prove_fraction_sum(t, vf, selector, den, f"{LABEL}/witness")
    packing = use_packing(ctx.plan, uses)
    for j, use in enumerate(uses):
        sub = res.point[: packing.slot(str(j)).n_vars]
        vals = [evaluate(vf, ctx.tables[c], sub) for c in use.columns]
        ctx.send(f"{LABEL}/use{j}/columns", vals)
        for name, v in zip(use.columns, vals):
            ctx.claim(name, sub, v)
    tcols = [from_signed(c) for c in combined_table(uses)]
    den = lookup_denominators(vf, tcols, beta, gamma)
    res = prove_fraction_sum(t, vf, ctx.tables[MULT], den, f"{LABEL}/table")
    committed = committed_columns(uses)
    if committed:  # the columns committed with the weights: their values, claims on them
        vals = [evaluate(vf, tcols[c], res.point) for c in committed]
        ctx.send(f"{LABEL}/table/columns", vals)
        for c, v in zip(committed, vals):
            ctx.const_claim(table_column(c), res.point, v)
    ctx.claim(MULT, res.point, res.num_eval)
