"""Prover of verifier/lookups.py: multiplicities (before the commitment) and the one LogUp."""

from __future__ import annotations

import numpy as np

from ..field.vec import from_signed, to_signed
from ..poly.mle import evaluate
from ..verifier.lookups import LABEL, MULT, LookupUse, combined_table, tag_of, use_packing
from .fraction_gkr import prove_fraction_sum
from .logup import compute_multiplicities, lookup_denominators
from .vectors import pack


def real_rows(shape: tuple[int, ...], padded: tuple[int, ...]) -> np.ndarray:
    """Indicator (F vector) of the real entries of a padded layout."""
    mask = np.zeros(padded, dtype=np.uint64)
    mask[tuple(slice(0, d) for d in shape)] = 1
    return mask.reshape(-1)


def witness_columns(plan, tables: dict, uses: list[LookupUse]) -> list[np.ndarray]:
    """Packed witness columns (tag, first, second) as F vectors, and the packed selector."""
    packing = use_packing(plan, uses)
    tags = tag_of(uses)
    parts: list[dict] = [{}, {}, {}, {}]
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
    """{mult:lookups: int64 counts over the combined table} of the real witness rows."""
    if not uses:
        return {}
    tag, first, second, selector = witness_columns(plan, tables, uses)
    cols = [to_signed(tag), to_signed(first), to_signed(second)]
    counts = compute_multiplicities(cols, combined_table(uses), selector)
    return {MULT: counts.astype(np.int64)}


def prove_lookups(ctx, uses: list[LookupUse]) -> None:
    if not uses:
        return
    vf, ext, t = ctx.vf, ctx.ext, ctx.t
    beta = tuple(t.challenge_k(f"{LABEL}/beta", ext.k))
    gamma = tuple(t.challenge_k(f"{LABEL}/gamma", ext.k))
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
    ctx.claim(MULT, res.point, res.num_eval)
