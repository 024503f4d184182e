"""Sumcheck prover for sums of products of multilinear tables (mirror of verifier/sumcheck.py).

Proves sum_{x in {0,1}^n} g(f_1(x), ..., f_m(x)) with g = sum_t c_t prod_{i in S_t} f_i. Round i
works on the tables folded at r_0..r_{i-1}: with lo = T[0::2], hi = T[1::2], the table of
T~(t, x_rest) is lo + t (hi - lo), so s_i(t) = sum_t c_t sum_x prod_{i in S_t} (lo_i + t diff_i)
for t = 0..d, built incrementally (t -> t + 1 adds diff once), O(|T| d |g|) field operations per
round, all vectorized. s_i(1) = C_i - s_i(0) except in round 0. After r_i is drawn every table is
folded: lo + r_i diff (Thaler, "Proofs, Arguments and Zero-Knowledge", §4.1, linear-time prover).

F tables (shape (n,)) stay in F in round 0 (products in F, then mul_base or lift of the sum) and
become K tables at the first fold, which costs k base multiplications per entry.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..field.scalar import ext_field
from ..field.vec import VecField, vec_field
from ..poly.mle import Scalar, as_ext, fold_halves, is_base_table, log2_exact
from ..poly.univariate import interpolate_eval
from ..verifier.sumcheck import Terms, challenge_label, evaluate_terms, max_term_degree, round_label

__all__ = ["prove_sumcheck", "sum_of_products"]


def _check_inputs(vf: VecField, tables: Sequence[np.ndarray], terms: Terms, degree: int) -> int:
    """Validate the call; return n_vars."""
    if vf.k < 2:
        raise ValueError("sumcheck challenges must come from an extension field (k >= 2)")
    if not tables:
        raise ValueError("sumcheck needs at least one table")
    n = len(tables[0])
    for T in tables:
        if len(T) != n or not (T.ndim == 1 or T.shape[1:] == (vf.k,)):
            raise ValueError(f"tables must all have length {n} and be F or K{vf.k} tables")
    for _, indices in terms:
        if not indices or not all(0 <= i < len(tables) for i in indices):
            raise ValueError(f"term {list(indices)} must name tables 0..{len(tables) - 1}")
    if degree < max(1, max_term_degree(terms)):
        raise ValueError(f"degree {degree} is below the degree {max_term_degree(terms)} of g")
    return log2_exact(n)


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


def _g_sum(vf: VecField, values: list[np.ndarray], terms: Terms, coeffs: list) -> tuple:
    """sum_t c_t sum_x prod_{i in S_t} values[i][x], in K."""
    ext = ext_field(vf.k)
    acc = ext.zero()
    for coeff, (_, indices) in zip(coeffs, terms):
        acc = ext.add(acc, ext.mul(coeff, _product_sum(vf, [values[i] for i in indices])))
    return acc


def _sub(vf: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return vec_field(1).sub(a, b) if a.ndim == 1 else vf.sub(a, b)


def _add(vf: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return vec_field(1).add(a, b) if a.ndim == 1 else vf.add(a, b)


def _round(vf, tables, terms, coeffs, degree, running):
    """Round polynomial evaluations s(0..degree) and the (lo, diff) halves of every table."""
    ext = ext_field(vf.k)
    lo = [np.ascontiguousarray(T[0::2]) for T in tables]
    hi = [np.ascontiguousarray(T[1::2]) for T in tables]
    diff = [_sub(vf, h, low) for h, low in zip(hi, lo)]
    s0 = _g_sum(vf, lo, terms, coeffs)
    s1 = _g_sum(vf, hi, terms, coeffs) if running is None else ext.sub(running, s0)
    evals, cur = [s0, s1], hi
    for _ in range(2, degree + 1):
        cur = [_add(vf, c, d) for c, d in zip(cur, diff)]
        evals.append(_g_sum(vf, cur, terms, coeffs))
    return evals, lo, diff


def prove_sumcheck(
    transcript, vf: VecField, tables: Sequence[np.ndarray], terms: Terms, degree: int, label: str
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Prove sum_x g(tables(x)) on ``transcript``; return (point, [f_i~(point) for each table]).

    tables: F tables (uint64, shape (2^n,)) and/or K tables (shape (2^n, k)), all of length 2^n
    (n = 0 allowed: no rounds). terms: [(c_t, [table indices])]. degree >= max |S_t|. Sends one
    message of degree + 1 K elements per round; the point is x_0 first. The caller sends or
    otherwise binds the final values as its protocol requires.
    """
    n_vars = _check_inputs(vf, tables, terms, degree)
    ext = ext_field(vf.k)
    coeffs = [as_ext(ext, c) for c, _ in terms]
    tables = list(tables)
    point: list[tuple[int, ...]] = []
    running = None  # the claim C_i; round 0 computes s(1) itself
    for i in range(n_vars):
        evals, lo, diff = _round(vf, tables, terms, coeffs, degree, running)
        transcript.send_k(round_label(label, i), evals, vf.k)
        r = tuple(transcript.challenge_k(challenge_label(label, i), vf.k))
        point.append(r)
        running = interpolate_eval(ext, evals, r)
        tables = [fold_halves(vf, low, d, r) for low, d in zip(lo, diff)]
    finals = [_single_value(vf, T) for T in tables]
    return point, finals


def _single_value(vf: VecField, T: np.ndarray) -> tuple[int, ...]:
    """The one entry of a fully folded table, as a K scalar."""
    field = vec_field(1) if is_base_table(vf, T) else vf
    return as_ext(ext_field(vf.k), field.to_scalars(T)[0])


def sum_of_products(vf: VecField, tables: Sequence[np.ndarray], terms: Terms) -> tuple:
    """The claim sum_x g(tables(x)) in K (what the caller states before :func:`prove_sumcheck`)."""
    ext = ext_field(vf.k)
    return _g_sum(vf, list(tables), terms, [as_ext(ext, c) for c, _ in terms])


def final_value(vf: VecField, terms: Terms, finals: Sequence[Scalar]) -> tuple:
    """g(final values): equals the verifier's subclaim value for an honest proof."""
    return evaluate_terms(ext_field(vf.k), terms, finals)
