"""Prover of verifier/merge.py: several claims on one table become one (degree-2 sumcheck)."""

from __future__ import annotations

import numpy as np

from ..field.scalar import ext_field
from ..field.vec import VecField
from ..poly.mle import boolean_suffix, eq_table, lift_scalar
from ..verifier.claims import EvalClaim
from ..verifier.merge import alpha_powers
from .sumcheck import prove_sumcheck

BATCH_VARS = 6
"""Claims whose eq table has at most 2^BATCH_VARS entries (a mask slot, a packed scalar) are
built together, one vector operation per variable for all of them: the zero-knowledge merges
hold a thousand such claims, each a few numba calls when built alone."""


def weight_table(vf: VecField, n_vars: int, claims: list[EvalClaim], powers: list,
                 regions: list[tuple[int, int]] | None = None) -> np.ndarray:
    """w(x) = Σ_i α^i eq(z_i, x) over 2^n_vars entries.

    With `regions`, claim i concerns only the sub-table [offset_i, offset_i + 2^len(z_i)) and its
    point is extended by the offset's selector bits, so eq is built on the region alone.
    """
    w = vf.zeros(1 << n_vars)
    small: dict[int, list] = {}  # m -> [(offset, point, alpha^i)]: built by _add_eq_tables
    for i, (a, c) in enumerate(zip(powers, claims)):
        offset, size = regions[i] if regions else (0, 1 << n_vars)
        local = c.point[: size.bit_length() - 1]
        m, sub = boolean_suffix(local)  # Boolean coordinates select a slot of the region
        offset, size = offset + sub, 1 << m
        if vf.k > 1 and m <= BATCH_VARS:
            small.setdefault(m, []).append((offset, local[:m], a))
            continue
        part = eq_table(vf, local[:m], a)
        w[offset : offset + size] = vf.add(w[offset : offset + size], part)
    for m, group in small.items():
        _add_eq_tables(vf, w, m, group)
    return w


def _add_eq_tables(vf: VecField, w: np.ndarray, m: int, group: list) -> None:
    """w[o : o + 2^m] += a eq(z, .) for every (o, z, a) of ``group`` (K points of m coordinates),
    all claims at once (``add_eq_blocks``)."""
    k = vf.k
    scales = vf.from_scalars([lift_scalar(vf, a) for _, _, a in group]).reshape(len(group), k)
    zs = (vf.from_scalars([lift_scalar(vf, z) for _, point, _ in group for z in point])
          if m else np.zeros(0, dtype=np.uint64))
    add_eq_blocks(vf, w, np.array([o for o, _, _ in group], dtype=np.int64),
                  zs.reshape(len(group), m, k), scales)


def add_eq_blocks(vf: VecField, w: np.ndarray, offsets: np.ndarray, points: np.ndarray,
                  scales: np.ndarray) -> None:
    """w[o_j : o_j + 2^m] += a_j eq(z_j, .) for every j (``offsets`` (g,), K ``points``
    (g, m, k) and ``scales`` (g, k)), all at once: the tables double per coordinate as in
    ``eq_table``; blocks that overlap are added in successive passes."""
    g, m, k = points.shape
    tables = np.ascontiguousarray(scales, dtype=np.uint64).reshape(g, 1, k)
    zs = np.ascontiguousarray(points, dtype=np.uint64).reshape(g, m, 1, k)
    one = vf.from_scalars([(1,) + (0,) * (k - 1)])
    for j in range(m):  # z_j: the new most significant bit
        tables = np.concatenate([vf.mul(tables, vf.sub(one, zs[:, j])),
                                 vf.mul(tables, zs[:, j])], axis=1)
    idx = (np.asarray(offsets, dtype=np.int64)[:, None]
           + np.arange(1 << m, dtype=np.int64)).reshape(-1)
    values = tables.reshape(-1, k)
    while idx.size:  # each pass adds every position at most once
        _, first = np.unique(idx, return_index=True)
        w[idx[first]] = vf.add(w[idx[first]], values[first])
        keep = np.ones(idx.size, dtype=bool)
        keep[first] = False
        idx, values = idx[keep], values[keep]


def prove_merge(transcript, vf: VecField, table: np.ndarray, claims: list[EvalClaim],
                label: str, regions=None, fresh: bool = False) -> EvalClaim:
    """Mirror of verify_merge; `table` is the F or K table the claims are about."""
    if len(claims) == 1 and not fresh:
        return claims[0]
    ext = ext_field(vf.k)
    n_vars = len(table).bit_length() - 1
    alpha = transcript.challenge_k(f"{label}/alpha", vf.k)
    powers = alpha_powers(ext, alpha, len(claims))
    w = weight_table(vf, n_vars, claims, powers, regions)
    point, finals = prove_sumcheck(transcript, vf, [table, w], [(1, [0, 1])], 2, label)
    transcript.send_k(f"{label}/value", [finals[0]], vf.k)
    return EvalClaim(list(point), finals[0])
