"""Univariate round polynomials given by their values at 0, 1, ..., d.

A sumcheck round message is s(0), ..., s(d) for a polynomial s of degree <= d; the verifier
needs s(r) at a random r in K. By Lagrange on the nodes 0..d,

    s(x) = sum_i s(i) L_i(x),   L_i(x) = w_i prod_{j != i} (x - j),
    w_i = 1 / prod_{j != i} (i - j) = (-1)^(d-i) / (i! (d-i)!),

so the monomial coefficients of s are c_m = sum_i V[m][i] s(i), with V[m][i] the coefficient of
x^m in L_i: an integer matrix (the inverse Vandermonde matrix of the nodes 0..d) precomputed in
F once per d. Then s(r) by Horner: (d+1)^2 base-field products and d products in K, no inversion
(Berrut & Trefethen, "Barycentric Lagrange Interpolation", SIAM Rev. 46(3), 2004, §3).

>>> from tensorproof.field.scalar import ext_field
>>> K2 = ext_field(2)
>>> interpolate_eval(K2, [1, 2, 5], K2.from_base(3))  # s(x) = x^2 + 1
(10, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from operator import mul

from ..field.params import P
from ..field.scalar import ExtField, f_inv
from .mle import Scalar, as_ext


@lru_cache(maxsize=64)
def lagrange_weights(d: int) -> tuple[int, ...]:
    """w_i = 1 / prod_{j != i, 0 <= j <= d} (i - j) in F, for i = 0..d."""
    if d < 0:
        raise ValueError("degree must be non-negative")
    weights = []
    for i in range(d + 1):
        denom = 1
        for j in range(d + 1):
            if j != i:
                denom = denom * (i - j) % P
        weights.append(f_inv(denom))
    return tuple(weights)


@lru_cache(maxsize=64)
def monomial_matrix(d: int) -> tuple[tuple[int, ...], ...]:
    """V[m][i] = coefficient of x^m in L_i(x), in F: c = V s maps values at 0..d to coefficients."""
    columns = []
    for i, w in enumerate(lagrange_weights(d)):
        poly = [1]  # prod_{j != i} (x - j), lowest coefficient first
        for j in range(d + 1):
            if j != i:
                poly = [(a - j * b) % P for a, b in zip([0, *poly], [*poly, 0])]  # * (x - j)
        columns.append([c * w % P for c in poly])
    return tuple(tuple(col[m] for col in columns) for m in range(d + 1))


def coefficients(ext: ExtField, evals: Sequence[Scalar]) -> list[tuple[int, ...]]:
    """Monomial coefficients c_0..c_d (in K) of the polynomial with s(i) = evals[i]."""
    if not evals:
        raise ValueError("a polynomial needs at least one evaluation")
    columns = list(zip(*(as_ext(ext, y) for y in evals)))  # coefficient c of every s(i)
    return [tuple(sum(map(mul, row, col)) % P for col in columns)
            for row in monomial_matrix(len(evals) - 1)]


def interpolate_eval(ext: ExtField, evals: Sequence[Scalar], r: Scalar) -> tuple[int, ...]:
    """s(r) for the degree-<=d polynomial s with s(i) = evals[i], i = 0..d (d = len(evals) - 1).

    evals and r may be K tuples or F ints (lifted); the result is in K.
    """
    coeffs = coefficients(ext, evals)
    acc = coeffs[-1]
    add = ext.add
    if isinstance(r, int):  # r in F: Horner with base-field products only
        for c in reversed(coeffs[:-1]):
            acc = add(ext.mul_base(acc, r % P), c)
        return acc
    r, mul_k = as_ext(ext, r), ext.mul
    for c in reversed(coeffs[:-1]):
        acc = add(mul_k(acc, r), c)
    return acc


@lru_cache(maxsize=64)
def extrapolation_weights(d: int) -> tuple[int, ...]:
    """u_0..u_{d-1} in F with q(d) = sum_i u_i q(i) for every q of degree < d (d >= 1):
    the Lagrange basis of the nodes 0..d-1 at the point d, u_i = prod_{j != i} (d - j)/(i - j)."""
    if d < 1:
        raise ValueError("extrapolation needs at least one node")
    weights = []
    for i in range(d):
        num, den = 1, 1
        for j in range(d):
            if j != i:
                num, den = num * (d - j) % P, den * (i - j) % P
        weights.append(num * f_inv(den) % P)
    return tuple(weights)
