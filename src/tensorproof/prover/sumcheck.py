"""Sumcheck prover for sums of products of multilinear tables (mirror of verifier/sumcheck.py).

Proves sum_{x in {0,1}^n} g(f_1(x), ..., f_m(x)) with g = sum_t c_t prod_{i in S_t} f_i. Round i
works on the tables folded at r_0..r_{i-1}: with lo = T[0::2], hi = T[1::2], the table of
T~(t, x_rest) is lo + t (hi - lo), so s_i(t) = sum_t c_t sum_x prod_{i in S_t} (lo_i + t diff_i)
for t = 0..d, built incrementally (t -> t + 1 adds diff once), O(|T| d |g|) field operations per
round, all vectorized. s_i(1) = C_i - s_i(0) except in round 0. After r_i is drawn every table is
folded: lo + r_i diff (Thaler, "Proofs, Arguments and Zero-Knowledge", §4.1, linear-time prover).

F tables (shape (n,)) stay in F in round 0 (products in F, then mul_base or lift of the sum) and
become K tables at the first fold, which costs k base multiplications per entry. An optional
eq(z, x) factor is handled without a table (see ``_EqFactor``); the proof bytes do not change.

Two implementations with one output: the fused path (``sumcheck_kernels``: one numba call per
round, used for degree <= MAX_DEGREE) and the generic vectorized path above it (the reference,
kept for higher degrees and for ``*_matches_generic`` tests; ``prove_sumcheck(..., fused=False)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..field.scalar import ext_field
from ..field.vec import VecField, vec_field
from ..poly.mle import (
    Scalar,
    as_ext,
    eq_eval,
    eq_table,
    fold_halves,
    is_base_table,
    log2_exact,
    split_rows,
)
from ..poly.univariate import interpolate_eval
from ..verifier.sumcheck import Terms, challenge_label, evaluate_terms, max_term_degree, round_label
from .fused_policy import fused_ready
from .sumcheck_fused import FUSED_MAX_ENTRIES, FusedRounds, FusedState
from .sumcheck_kernels import MAX_DEGREE
from .sumcheck_tails import Tails

__all__ = ["final_value", "prove_sumcheck", "sum_of_products"]


def _check_inputs(vf: VecField, tables, terms: Terms, degree: int, eq_point) -> int:
    """Validate the call; return n_vars."""
    if vf.k < 2:
        raise ValueError(
            "sumcheck challenges live in K: pass vec_field(k), k = 2 or 3 (F tables are accepted)"
        )
    if not tables:
        raise ValueError("sumcheck needs at least one table")
    n = len(tables[0])
    for T in tables:
        if len(T) != n or not (T.ndim == 1 or T.shape[1:] == (vf.k,)):
            raise ValueError(f"tables must all have length {n} and be F or K{vf.k} tables")
    for _, indices in terms:
        if not indices or not all(0 <= i < len(tables) for i in indices):
            raise ValueError(f"term {list(indices)} must name tables 0..{len(tables) - 1}")
    g_degree = max_term_degree(terms) + (eq_point is not None)
    if degree < max(1, g_degree):
        raise ValueError(f"degree {degree} is below the degree {g_degree} of the summand")
    n_vars = log2_exact(n)
    if eq_point is not None and len(eq_point) != n_vars:
        raise ValueError(f"eq_point has {len(eq_point)} coordinates, the tables {n_vars} variables")
    return n_vars


def _product_sum(vf: VecField, factors: list[np.ndarray]) -> Scalar:
    """sum_x prod_j factors[j][x] as a K scalar (F factors multiplied in F, then mul_base)."""
    fv = vec_field(1)
    base = [a for a in factors if a.ndim == 1]
    ext = [a for a in factors if a.ndim == 2]
    if not ext:  # all in F: an F scalar, lifted
        return as_ext(ext_field(vf.k), _prod_then_sum(fv, base))
    if base:
        fprod = base[0]
        for a in base[1:]:
            fprod = fv.mul(fprod, a)
        ext = [vf.mul_base(ext[0], fprod), *ext[1:]]
    return _prod_then_sum(vf, ext)


def _prod_then_sum(vf: VecField, factors: list[np.ndarray]) -> Scalar:
    """sum_x prod_j factors[j][x] for factors of one field (the last product via inner)."""
    if len(factors) == 1:
        return vf.sum(factors[0])
    prod = factors[0]
    for a in factors[1:-1]:
        prod = vf.mul(prod, a)
    return vf.inner(prod, factors[-1])


def _g_sum(vf: VecField, values: list[np.ndarray], terms: Terms, coeffs: list, weight=None):
    """sum_t c_t sum_x weight[x] prod_{i in S_t} values[i][x] in K (weight: optional K vector)."""
    ext = ext_field(vf.k)
    acc = ext.zero()
    extra = [] if weight is None else [weight]
    for coeff, (_, indices) in zip(coeffs, terms):
        total = _product_sum(vf, extra + [values[i] for i in indices])
        acc = ext.add(acc, ext.mul(coeff, total))
    return acc


def _sub(vf: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return vec_field(1).sub(a, b) if a.ndim == 1 else vf.sub(a, b)


def _add(vf: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return vec_field(1).add(a, b) if a.ndim == 1 else vf.add(a, b)


def _halves(vf: VecField, tables: list[np.ndarray]):
    """(lo, hi, diff) lists: T[0::2], T[1::2] and their difference, per table."""
    lo, hi = zip(*(split_rows(T) for T in tables)) if tables else ((), ())
    return list(lo), list(hi), [_sub(vf, h, low) for h, low in zip(hi, lo)]


def _line_sums(vf, lo, hi, diff, terms, coeffs, n_points, parts, s1=None,
               weight=None) -> list:
    """[sum_x weight g(lo + t diff)] for t = 0..n_points-1 (t = 1 given as s1 when known).
    ``parts`` (``Tails.line_parts``): [(term indices, length, tail)], each part's terms summed
    over the first ``length`` entries of its tables and of the weight, plus its tail."""
    ext = ext_field(vf.k)

    def total(values) -> Scalar:
        acc = ext.zero()
        for idx, length, tail in parts:
            w = None if weight is None else weight[:length]
            acc = ext.add(acc, _g_sum(vf, values, [terms[i] for i in idx],
                                      [coeffs[i] for i in idx], w))
            if tail is not None:
                acc = ext.add(acc, tail)
        return acc

    out = [total(lo)]
    out.append(total(hi) if s1 is None else s1(out[0]))
    cur = hi
    for _ in range(2, n_points):
        cur = [_add(vf, c, d) for c, d in zip(cur, diff)]
        out.append(total(cur))
    return out


class _EqFactor:
    """The factor eq(z, x) handled apart (Gruen, "Some improvements for the PIOP for ZeroCheck",
    ePrint 2024/108, §3.2): s_i(t) = alpha_i eq(z_i, t) q_i(t), alpha_i = prod_{j<i} eq(z_j, r_j),
    q_i(t) = sum_{x'} eq(z_{>i}, x') g(f(r_<i, t, x')), so q_i has degree deg g and the eq table
    is never folded: E_{i+1}[y] = E_i[2y] + E_i[2y+1] (eq's sum over its lowest variable)."""

    def __init__(self, vf: VecField, z: Sequence, build: bool = True):
        self.ext = ext_field(vf.k)
        self.z = [as_ext(self.ext, c) for c in z]
        self.alpha = self.ext.one()
        self.E = eq_table(vf, self.z[1:]) if build else None  # eq(z_{>0}, x') on half the cube

    @classmethod
    def deferred(cls, vf: VecField, z: Sequence) -> _EqFactor:
        """The factor before round 0, without its weight table (built by the fused rounds)."""
        return cls(vf, z, build=False)

    def round(self, vf, tables, terms, coeffs, degree, running, i, parts):
        """(evaluations s_i(0..degree), lo, diff); ``parts``: ``Tails.line_parts`` at this
        round, weighed by E."""
        ext, z, alpha = self.ext, self.z[i], self.alpha
        lo, hi, diff = _halves(vf, tables)
        s1 = None
        if running is not None and not (ext.is_zero(z) or ext.is_zero(alpha)):
            # running = alpha (1 - z) q(0) + alpha z q(1)  =>  q(1), one inversion in K
            def s1(q0):
                rest = ext.sub(running, ext.mul(ext.mul(alpha, ext.sub(ext.one(), z)), q0))
                return ext.mul(rest, ext.inv(ext.mul(alpha, z)))

        q = _line_sums(vf, lo, hi, diff, terms, coeffs, degree, parts, s1, self.E)
        a0 = ext.mul(alpha, ext.sub(ext.one(), z))  # alpha eq(z, t) = a0 + t a1
        a1 = ext.mul(alpha, ext.sub(ext.add(z, z), ext.one()))
        evals = []
        for t in range(degree + 1):
            qt = q[t] if t < len(q) else interpolate_eval(ext, q, t)
            evals.append(ext.mul(ext.add(a0, ext.mul_base(a1, t)), qt))
        return evals, lo, diff

    def bind(self, vf: VecField, i: int, r: tuple) -> None:
        """After r_i: alpha *= eq(z_i, r_i), E loses its lowest variable."""
        self.alpha = self.ext.mul(self.alpha, eq_eval(self.ext, [self.z[i]], [r]))
        if len(self.E) > 1:
            self.E = vf.add(self.E[0::2], self.E[1::2])


def _plain_round(vf, tables, terms, coeffs, degree, running, parts):
    """(evaluations s_i(0..degree), lo, diff) of a round without an eq factor (``parts``:
    ``Tails.line_parts`` at this round, unweighed)."""
    ext = ext_field(vf.k)
    lo, hi, diff = _halves(vf, tables)
    s1 = None if running is None else (lambda s0: ext.sub(running, s0))
    return _line_sums(vf, lo, hi, diff, terms, coeffs, degree + 1, parts, s1), lo, diff


def prove_sumcheck(
    transcript,
    vf: VecField,
    tables: Sequence[np.ndarray],
    terms: Terms,
    degree: int,
    label: str,
    eq_point: Sequence | None = None,
    fused: bool = True,
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Prove sum_x g(tables(x)) on ``transcript``; return (point, [f_i~(point) for each table]).

    tables: F tables (uint64, shape (2^n,)) and/or K tables (shape (2^n, k)), all of length 2^n
    (n = 0 allowed: no rounds). terms: [(c_t, [table indices])]. degree >= max |S_t|. Sends one
    message of ``degree`` K elements per round (s(0), s(2), .., s(degree): the verifier derives
    s(1) from the running claim); the point is x_0 first. The caller sends or
    otherwise binds the final values as its protocol requires.

    eq_point z (optional): prove sum_x eq(z, x) g(tables(x)) instead, as if eq_table(vf, z) were
    one more factor of every term (degree >= max |S_t| + 1; same proof bytes, ~2x less work);
    the verifier's subclaim is then eq(z, point) g(finals) (``check_subclaim(..., eq_point=z)``).
    fused=False forces the generic path (same bytes; for tests and comparisons); with fused=True
    the kernel runs once ``fused_policy.fused_ready()`` says so, and tables above
    FUSED_MAX_ENTRIES entries skip their constant tails (``sumcheck_tails``) on either path.
    """
    n_vars = _check_inputs(vf, tables, terms, degree, eq_point)
    masks = getattr(transcript, "masks", None)
    if masks is not None and n_vars:  # a zero-knowledge proof: Libra's mask (zk_masks.py)
        return masks.prove(transcript, vf, tables, terms, degree, label, eq_point, fused)
    fused = fused and degree <= MAX_DEGREE
    # the kernel's rounds when it is ready (fused_policy); else this path's, the same bytes
    kernel = fused and n_vars > 0 and fused_ready()
    ext = ext_field(vf.k)
    coeffs = [as_ext(ext, c) for c, _ in terms]
    if kernel and len(tables[0]) <= FUSED_MAX_ENTRIES and eq_point is not None:
        eq = _EqFactor.deferred(vf, eq_point)  # the fused rounds build their own eq weights
    else:
        eq = _EqFactor(vf, eq_point) if eq_point is not None and n_vars else None
    # large tables: their constant tails summed in closed form (sumcheck_tails; same bytes)
    tails = Tails(ext, tables, terms, fused and n_vars and len(tables[0]) > FUSED_MAX_ENTRIES)
    tables = tails.trimmed(tables)
    point: list[tuple[int, ...]] = []
    running = None  # the claim C_i; round 0 computes s(1) itself
    for i in range(n_vars):
        size = 1 << (n_vars - i)  # the tables' nominal length (they hold prefixes)
        if kernel and size <= FUSED_MAX_ENTRIES:  # small tables: one call per round
            state = FusedState(i, running) if eq is None else FusedState(i, running, eq.alpha,
                                                                           eq.E)
            rest, finals = FusedRounds(vf, [tails.padded(j, T, size)
                                            for j, T in enumerate(tables)], terms, coeffs,
                                       degree, None if eq is None else eq.z,
                                       state).prove(transcript, label)
            return point + rest, finals
        parts = tails.line_parts(vf, size, None if eq is None else eq.E)
        if eq is None:
            evals, lo, diff = _plain_round(vf, tables, terms, coeffs, degree, running, parts)
        else:
            evals, lo, diff = eq.round(vf, tables, terms, coeffs, degree, running, i, parts)
        transcript.send_k(round_label(label, i), [evals[0], *evals[2:]], vf.k)  # s(1) implied
        r = tuple(transcript.challenge_k(challenge_label(label, i), vf.k))
        point.append(r)
        running = interpolate_eval(ext, evals, r)
        tails.fold(size)
        tables = [tails.padded(j, fold_halves(vf, low, d, r), tails.live(j))
                  for j, (low, d) in enumerate(zip(lo, diff))]
        if eq is not None:
            eq.bind(vf, i, r)
    return point, [_single_value(vf, T) for T in tables]


def _single_value(vf: VecField, T: np.ndarray) -> tuple[int, ...]:
    """The one entry of a fully folded table, as a K scalar."""
    field = vec_field(1) if is_base_table(vf, T) else vf
    return as_ext(ext_field(vf.k), field.to_scalars(T)[0])


def sum_of_products(
    vf: VecField, tables: Sequence[np.ndarray], terms: Terms, eq_point: Sequence | None = None
) -> tuple:
    """The claim sum_x [eq(eq_point, x)] g(tables(x)) in K, as :func:`prove_sumcheck` proves it."""
    ext = ext_field(vf.k)
    weight = None if eq_point is None else eq_table(vf, eq_point)
    return _g_sum(vf, list(tables), terms, [as_ext(ext, c) for c, _ in terms], weight)


def final_value(vf: VecField, terms: Terms, finals: Sequence[Scalar]) -> tuple:
    """g(final values): equals the verifier's subclaim value for an honest proof (no eq_point)."""
    return evaluate_terms(ext_field(vf.k), terms, finals)
