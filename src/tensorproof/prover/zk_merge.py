"""Prover of verifier/zk_merge.py (the spec): the blinded merge, the blind, and the simulator."""

from __future__ import annotations

import numpy as np

from ..errors import ProverError
from ..field.linalg import rank_mod_p, solve_mod_p
from ..field.sampling import OS_RANDOMNESS, Randomness
from ..field.scalar import ext_field
from ..field.vec import VecField
from ..poly.mle import as_ext, boolean_suffix, eq_table
from ..verifier.claims import EvalClaim
from ..verifier.merge import alpha_powers, combined_value
from ..verifier.zk_merge import (
    DEGREE,
    LinearClaim,
    RegionClaim,
    as_linear,
    blind_label,
    degenerate,
    gamma_label,
    lambda_label,
    min_vars,
    min_vars_k,
    region_vars,
    region_weights,
    value_label,
)
from .sumcheck import prove_sumcheck


def sample_blind(n_vars: int, rand: Randomness = OS_RANDOMNESS) -> np.ndarray:
    """omega: 2^n_vars fresh uniform F elements (never derived from the transcript)."""
    return rand.f_vector(1 << n_vars)


def blinded_table(table: np.ndarray, blind: np.ndarray) -> np.ndarray:
    """B = [T ‖ omega]: what the caller commits (before the merge)."""
    if table.shape != blind.shape:
        raise ProverError("the blind must have the table's length")
    return np.concatenate([table, blind])


def prove_blinded_merge(transcript, vf: VecField, table: np.ndarray, blind: np.ndarray,
                        claims, label: str) -> EvalClaim:
    """Messages 1-5 of verifier/zk_merge.py for the F tables T (``table``) and omega
    (``blind``) and ``claims`` (EvalClaims on the whole table or LinearClaims); returns the
    claim on B = [T ‖ omega] at (r, gamma)."""
    return _merge(transcript, vf, len(table).bit_length() - 1, claims, label,
                  lambda w, c: table, blind)


def simulate_blinded_merge(transcript, vf: VecField, n_vars: int, claims, label: str,
                           rand: Randomness = OS_RANDOMNESS) -> EvalClaim:
    """The same messages without the table: the honest prover, once lambda is drawn, on a table
    T' with <T', W> = c (the claims' combined value, public), and a fresh blind. T' is an F
    table nonzero on k entries whose weights span K, which solve the k F equations of
    <T', W> = c."""
    ext = ext_field(vf.k)
    return _merge(transcript, vf, n_vars, claims, label,
                  lambda w, c: _solve_first_entries(ext, w, c), sample_blind(n_vars, rand))


def prove_blinded_merge_k(transcript, vf: VecField, table: np.ndarray, blind: np.ndarray,
                          claims, label: str) -> RegionClaim:
    """The merge with a K-valued blind (``blind``: 2^n K elements, from :func:`sample_blind_k`;
    the caller commits :func:`regions_table`); returns verifier/zk_merge.RegionClaim."""
    ext = ext_field(vf.k)
    claim = _merge(transcript, vf, len(table).bit_length() - 1, claims, label,
                   lambda w, c: table, blind)
    gamma = claim.point[-1]
    return RegionClaim(tuple(claim.point[:-1]), region_weights(ext, gamma), claim.value)


def sample_blind_k(n_vars: int, k: int, rand: Randomness = OS_RANDOMNESS) -> np.ndarray:
    """omega: 2^n_vars fresh uniform K elements ((2^n_vars, k) uint64)."""
    return rand.k_vector(1 << n_vars, k)


def regions_table(table: np.ndarray, blind: np.ndarray) -> np.ndarray:
    """B = [T ‖ omega_0 ‖ .. ‖ omega_{k-1} ‖ 0 ..]: what the caller commits for a K blind."""
    k = blind.shape[1]
    regions = [table] + [blind[:, c] for c in range(k)]
    regions += [np.zeros_like(table)] * ((1 << region_vars(k)) - len(regions))
    return np.concatenate(regions).astype(np.uint64)


def _merge(t, vf: VecField, n_vars: int, claims: list[EvalClaim], label: str, table_of,
           blind: np.ndarray) -> EvalClaim:
    ext = ext_field(vf.k)
    k_blind = blind.ndim == 2
    least = min_vars_k(vf.k) if k_blind else min_vars(vf.k)
    if n_vars < least:
        raise ProverError(f"blinded merge: pad the table to 2^{least} entries")
    if len(blind) != 1 << n_vars:
        raise ProverError("the blind must have the table's length")
    claims = as_linear(claims)
    lam = t.challenge_k(lambda_label(label), vf.k)
    powers = alpha_powers(ext, tuple(lam), len(claims))
    w = linear_weights(vf, n_vars, claims, powers)
    table = table_of(w, combined_value(ext, powers, [cl.value for cl in claims]))
    sigma = vf.sum(vf.mul(w, blind)) if k_blind else vf.sum(vf.mul_base(w, blind))
    t.send_k(blind_label(label), [sigma], vf.k)
    gamma = tuple(t.challenge_k(gamma_label(label), vf.k))
    if degenerate(ext, gamma):
        raise ProverError(f"blinded merge '{label}': degenerate challenge gamma (probability "
                          "2/|K|): prove again")
    mixed = vf.add(vf.scale(vf.from_base(table), ext.sub(ext.one(), gamma)),
                   vf.scale(blind if k_blind else vf.from_base(blind), gamma))
    point, finals = prove_sumcheck(t, vf, [mixed, w], [(1, [0, 1])], DEGREE, label)
    t.send_k(value_label(label), [finals[0]], vf.k)
    return EvalClaim(list(point) + [gamma], tuple(finals[0]))


def linear_weights(vf: VecField, n_vars: int, claims: list[LinearClaim], powers: list
                   ) -> np.ndarray:
    """W = sum_j lambda^j w_j over 2^n_vars entries (each part on its slot)."""
    ext = ext_field(vf.k)
    w = vf.zeros(1 << n_vars)
    for a, c in zip(powers, claims):
        for p in c.parts:
            size, at = 1 << p.n_vars, p.offset
            if p.point is not None:  # zero off the slot its Boolean coordinates select
                m, sub = boolean_suffix(p.point)
                part, size, at = eq_table(vf, list(p.point[:m])), 1 << m, at + sub
            else:
                part = vf.zeros(size)
                part[: len(p.weights)] = vf.from_scalars([as_ext(ext, x) for x in p.weights])
            region = slice(at, at + size)
            w[region] = vf.add(w[region], vf.scale(part, a))
    return w


def _solve_first_entries(ext, w: np.ndarray, c) -> np.ndarray:
    """An F table T' with sum_x T'(x) w(x) = c, nonzero on k entries whose weights w(x) span K
    over F (the first such, found greedily; ProverError if W's entries span less than K)."""
    k = ext.k
    vals = np.asarray(w, dtype=object).reshape(len(w), k)
    chosen: list[int] = []
    for x in np.flatnonzero(np.any(vals != 0, axis=1)):
        trial = chosen + [int(x)]
        if rank_mod_p([[int(vals[y][i]) for y in trial] for i in range(k)]) == len(trial):
            chosen = trial
            if len(chosen) == k:
                break
    if len(chosen) < k:
        raise ProverError("simulator: the claims' weights do not span K")
    mat = [[int(vals[y][i]) for y in chosen] for i in range(k)]  # coefficient i of w(y)
    sol = solve_mod_p(mat, [int(v) for v in c])
    out = np.zeros(len(w), dtype=np.uint64)
    out[chosen] = np.array(sol, dtype=np.uint64)
    return out
