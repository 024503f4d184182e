"""Prover of verifier/lookups.py: multiplicities (before the commitment) and the LogUp runs."""

from __future__ import annotations

import numpy as np

from ..field.vec import from_signed, to_signed
from ..poly.mle import evaluate
from ..verifier.lookups import LookupUse, group_uses, mult_name
from .fraction_gkr import prove_fraction_sum
from .logup import compute_multiplicities, lookup_denominators


def real_rows(shape: tuple[int, ...], padded: tuple[int, ...]) -> np.ndarray:
    """Indicator (F vector) of the real entries of a padded layout."""
    mask = np.zeros(padded, dtype=np.uint64)
    mask[tuple(slice(0, d) for d in shape)] = 1
    return mask.reshape(-1)


def multiplicities(plan, tables: dict[str, np.ndarray], uses: list[LookupUse]) -> dict:
    """mult:<key> → int64 counts over the padded table, summed over the table's uses."""
    out = {}
    for key, group in group_uses(uses).items():
        tcols = group[0].table.padded_columns()
        total = np.zeros(len(tcols[0]), dtype=np.int64)
        for use in group:
            layout = plan.tensors[use.columns[0]].layout
            sel = real_rows(layout.shape, layout.padded)
            cols = [to_signed(tables[c]) for c in use.columns]
            total += compute_multiplicities(cols, tcols, sel).astype(np.int64)
        out[mult_name(key)] = total
    return out


def prove_lookups(ctx, uses: list[LookupUse]) -> None:
    if not uses:
        return
    vf, ext, t = ctx.vf, ctx.ext, ctx.t
    beta = tuple(t.challenge_k("lookup/beta", ext.k))
    gamma = tuple(t.challenge_k("lookup/gamma", ext.k))
    for key, group in group_uses(uses).items():
        for j, use in enumerate(group):
            layout = ctx.plan.tensors[use.columns[0]].layout
            sel = real_rows(layout.shape, layout.padded)
            cols = [ctx.tables[c] for c in use.columns]
            den = lookup_denominators(vf, cols, beta, gamma)
            res = prove_fraction_sum(t, vf, sel, den, f"lookup/{key}/{j}")
            vals = [evaluate(vf, ctx.tables[c], res.point) for c in use.columns]
            ctx.send(f"lookup/{key}/{j}/columns", vals)
            for name, v in zip(use.columns, vals):
                ctx.claim(name, res.point, v)
        tcols = [from_signed(c) for c in group[0].table.padded_columns()]
        den = lookup_denominators(vf, tcols, beta, gamma)
        mult = ctx.tables[mult_name(key)]
        res = prove_fraction_sum(t, vf, mult, den, f"lookup/{key}/table")
        ctx.claim(mult_name(key), res.point, res.num_eval)
