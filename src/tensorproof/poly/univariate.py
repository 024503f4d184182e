"""Univariate round polynomials given by their values at 0, 1, ..., d.

A sumcheck round message is s(0), ..., s(d) for a polynomial s of degree <= d; the verifier
needs s(r) at a random r in K. Lagrange's form on the nodes 0..d:

    s(r) = sum_i s(i) * w_i * prod_{j != i} (r - j),   w_i = 1 / prod_{j != i} (i - j)
         = (-1)^(d-i) / (i! (d-i)!),

with the integer weights w_i precomputed in F once per d, and prod_{j != i}(r - j) built from
prefix and suffix products: O(d) multiplications in K and no inversion, correct also when r is
one of the nodes (Berrut & Trefethen, "Barycentric Lagrange Interpolation", SIAM Rev. 2004, §3).

>>> from tensorproof.field.scalar import ext_field
>>> K2 = ext_field(2)
>>> interpolate_eval(K2, [1, 2, 5], K2.from_base(3))  # s(x) = x^2 + 1
(10, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ..field.params import P
from ..field.scalar import ExtField, f_inv, f_mul
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
                denom = f_mul(denom, (i - j) % P)
        weights.append(f_inv(denom))
    return tuple(weights)


def interpolate_eval(ext: ExtField, evals: Sequence[Scalar], r: Scalar) -> tuple[int, ...]:
    """s(r) for the degree-<=d polynomial s with s(i) = evals[i], i = 0..d (d = len(evals) - 1).

    evals and r may be K tuples or F ints (lifted); the result is in K.
    """
    if not evals:
        raise ValueError("a polynomial needs at least one evaluation")
    d = len(evals) - 1
    r = as_ext(ext, r)
    diffs = [ext.sub(r, ext.from_base(j)) for j in range(d + 1)]
    prefix = [ext.one()]  # prefix[i] = prod_{j < i} (r - j)
    for x in diffs[:-1]:
        prefix.append(ext.mul(prefix[-1], x))
    acc, suffix = ext.zero(), ext.one()  # suffix = prod_{j > i} (r - j)
    for i in range(d, -1, -1):
        basis = ext.mul_base(ext.mul(prefix[i], suffix), lagrange_weights(d)[i])
        acc = ext.add(acc, ext.mul(basis, as_ext(ext, evals[i])))
        suffix = ext.mul(suffix, diffs[i])
    return acc
