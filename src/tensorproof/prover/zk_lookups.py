"""Prover of verifier/zk_lookups.py (the spec): the two LogUp trees with blind leaves."""

from __future__ import annotations

import numpy as np

from ..errors import ProverError
from ..field.sampling import OS_RANDOMNESS
from ..field.vec import from_signed
from ..poly.mle import as_ext, evaluate
from ..verifier.lookups import (
    LABEL,
    MULT,
    LookupUse,
    combined_table,
    committed_columns,
    lookup_challenges,
    table_column,
)
from ..verifier.zk_lookups import (
    BLIND_SLOT,
    COMBINED,
    DELTA,
    EPSILON,
    LOOKUP_BLIND,
    NU,
    TABLE_TREE,
    WITNESS_TREE,
    blind_point,
    blind_points,
    claim_blind,
    leaf_claims,
    one_slot,
    shape,
)
from ..verifier.zk_sumcheck import plane_point
from .logup import lookup_denominators
from .lookups import witness_columns
from .zk_finals import randomizer_sum
from .zk_fractions import prove_hiding_fraction_sum


def _write(out: np.ndarray, vec: np.ndarray, fill) -> None:
    """``vec`` (K entries, or F lifted) then ``fill`` to the end of ``out`` (an (n, k) view)."""
    if vec.ndim == 1:
        out[: len(vec), 0] = vec
        out[: len(vec), 1:] = 0
    else:
        out[: len(vec)] = vec
    out[len(vec):] = np.asarray(fill, dtype=np.uint64)


def leaves(ctx, uses: list[LookupUse], sh, beta, gamma, tcols: list[np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray, int]:
    """The leaves' numerators and denominators, K vectors (verifier/zk_lookups.py): the
    witness side's 2^m then the table side's 2^n (each padded to 2^s for the combined tree),
    written into one pair of arrays (a fresh process pays for every page it first touches),
    and the witness side's length; ``tcols``: the combined table's F columns."""
    vf, ext = ctx.vf, ctx.ext
    tag, first, second, selector = witness_columns(ctx.plan, ctx.tables, uses, sh.packing)
    mult = ctx.tables[MULT]
    nu, delta, eps = (blind_value(ctx, i) for i in (NU, DELTA, EPSILON))
    tied = ext.add(ext.from_base(int(mult[sh.reserved_row])), nu)  # m_p + nu
    rows, witness = (1 << sh.n, 1 << sh.m) if sh.split else (1 << sh.s, 1 << sh.s)
    g = np.asarray(as_ext(ext, gamma), dtype=np.uint64)
    num = np.empty((witness + rows, ext.k), dtype=np.uint64)
    den = np.empty_like(num)
    num_w, den_w, num_t, den_t = num[:witness], den[:witness], num[witness:], den[witness:]
    _write(num_w, selector, 0)
    _write(den_w, lookup_denominators(vf, [tag, first, second], beta, gamma), g)
    _write(num_t, vf.neg(vf.from_base(mult)), 0)
    _write(den_t, lookup_denominators(vf, tcols, beta, gamma), g)
    o = sh.packing.slot(BLIND_SLOT).offset
    num_w[o] = tied
    den_w[o] = delta
    den_w[o + 1] = eps
    den_t[sh.reserved_row] = delta
    num_t[sh.reserved_row] = ext.neg(tied)
    return num, den, witness


def blind_value(ctx, index: int) -> tuple:
    """The K value D B~(blind_point) of LOOKUP_BLIND's blind ``index``."""
    ext = ctx.ext
    at = blind_point(ext, index)
    value = as_ext(ext, evaluate(ctx.vf, ctx.tables[LOOKUP_BLIND], at))
    return ext.mul(plane_point(ext)[1], value)


def prove_hiding_lookups(ctx, uses: list[LookupUse]) -> None:
    """Mirror of verify_hiding_lookups."""
    if not uses:
        return
    vf, ext, t = ctx.vf, ctx.ext, ctx.t
    beta, gamma = lookup_challenges(t, ext.k)
    sh = shape(ctx.plan, uses)
    tcols = [from_signed(c) for c in combined_table(uses)]  # F columns, built once
    num, den, w = leaves(ctx, uses, sh, beta, gamma, tcols)
    if sh.split:
        results = (prove_hiding_fraction_sum(ctx, num[:w], den[:w], WITNESS_TREE,
                                             randomize_from=0),
                   prove_hiding_fraction_sum(ctx, num[w:], den[w:], TABLE_TREE,
                                             randomize_from=0))
        low, low_t = results[0].point, results[1].point
    else:  # P = 0 for an honest witness
        results = (prove_hiding_fraction_sum(ctx, num, den, COMBINED),)
        low = low_t = results[0].point[: sh.s]
    columns = []
    for j, use in enumerate(uses):
        label = f"{LABEL}/use{j}/columns"
        slots = list(t.masks.take(len(use.columns), 1, label))
        sub = low[: sh.packing.slot(str(j)).n_vars]
        vals = [ext.add(as_ext(ext, evaluate(vf, ctx.tables[c], sub)), t.masks.value(s))
                for c, s in zip(use.columns, slots)]
        ctx.send(label, vals)
        for name, v, s in zip(use.columns, vals, slots):
            ctx.claim(name, sub, v, one_slot(ext, s))
        columns.append((vals, slots))
    label = f"{LABEL}/blinds"
    slots = list(t.masks.take(5, 1, label))
    points = blind_points(ext, sh, low_t)
    vals = [ext.add(ext.mul(factor, as_ext(ext, evaluate(vf, ctx.tables[name], at))),
                    t.masks.value(s)) for (name, at, factor), s in zip(points, slots)]
    ctx.send(label, vals)
    for (name, at, factor), v, s in zip(points, vals, slots):
        claim_blind(ctx, name, at, factor, v, s)
    tpoint = low_t[: sh.n_nat]
    table_cols = [evaluate(vf, c, tpoint) for c in tcols]
    committed = committed_columns(uses)
    if committed:  # lookups.table_columns_at: their values, claims on them
        ctx.send(f"{LABEL}/table/columns", [table_cols[c] for c in committed])
        for c in committed:
            ctx.const_claim(table_column(c), tpoint, table_cols[c])
    for res, num_v, den_v in leaf_claims(ctx, uses, sh, results, low, low_t, beta, gamma,
                                         columns, list(zip(vals, slots)), table_cols):
        for value, got, randomizer in ((num_v, res.num_value, res.num_randomizer),
                                       (den_v, res.den_value, res.den_randomizer)):
            parts = (*randomizer, *value.parts)
            diff = ext.sub(as_ext(ext, got), value.value)
            if not ext.eq(diff, randomizer_sum(ctx, parts)):
                raise ProverError("lookup: the LogUp leaf values do not match")
            ctx.mask_claims.append((diff, parts))


def sample_lookup_blinds(plan, tables: dict) -> None:
    """The combined LogUp tree's blinds (verifier/zk_lookups.py), fresh from the OS: the planes
    of nu, delta, epsilon, uniform in K (F planes uniform), drawn again in the negligible case
    that a block of planes is all zero (delta or epsilon would be 0)."""
    if LOOKUP_BLIND not in plan.tensors:
        return
    size = plan.tensors[LOOKUP_BLIND].layout.size
    blind = OS_RANDOMNESS.f_vector(size)
    while not all(b.any() for b in blind.reshape(4, -1)[:3]):
        blind = OS_RANDOMNESS.f_vector(size)
    tables[LOOKUP_BLIND] = blind
