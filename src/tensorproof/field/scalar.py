"""Pure-integer reference arithmetic of F_p and K = F_p[X]/(X^k - W): the verifier's arithmetic.

An F element is a Python ``int`` in [0, p); a K element is a ``tuple`` of k such ints, the
coefficient of X^0 first. Every function assumes canonical inputs and returns canonical outputs.
The numpy/numba twins in :mod:`tensorproof.field.vec` are tested against this module.

Inversion in K uses the norm map (Lidl & Niederreiter, Finite Fields, Thm. 2.25 ff.): with
phi the Frobenius a -> a^p, N(a) = a * phi(a) * ... * phi^(k-1)(a) lies in F_p and is 0 only for
a = 0, so a^-1 = phi(a)...phi^(k-1)(a) / N(a). For a binomial extension phi(X) = g X with
g = W^((p-1)/k), hence phi^j(sum a_i X^i) = sum a_i g^(ij) X^i: no exponentiation in K.

>>> K2.mul((0, 1), (0, 1))  # X * X = W = 7 in F_p[X]/(X^2 - 7)
(7, 0)
>>> K3.mul(K3.inv((3, 1, 4)), (3, 1, 4)) == K3.one
True
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from ..errors import FieldError
from .params import NONRESIDUE, P

__all__ = [
    "f_add",
    "f_sub",
    "f_neg",
    "f_mul",
    "f_square",
    "f_inv",
    "f_pow",
    "f_random",
    "ExtField",
    "ext_field",
    "K2",
    "K3",
]


def f_add(a: int, b: int) -> int:
    """a + b in F_p."""
    s = a + b
    return s - P if s >= P else s


def f_sub(a: int, b: int) -> int:
    """a - b in F_p."""
    d = a - b
    return d + P if d < 0 else d


def f_neg(a: int) -> int:
    """-a in F_p."""
    return P - a if a else 0


def f_mul(a: int, b: int) -> int:
    """a * b in F_p."""
    return a * b % P


def f_square(a: int) -> int:
    """a^2 in F_p."""
    return a * a % P


def f_inv(a: int) -> int:
    """a^-1 in F_p; raises FieldError for a = 0 (Fermat: a^(p-2))."""
    if a % P == 0:
        raise FieldError("cannot invert zero in F_p")
    return pow(a, P - 2, P)


def f_pow(a: int, e: int) -> int:
    """a^e in F_p for any integer e (a negative e inverts first; 0^0 = 1)."""
    if e < 0:
        return pow(f_inv(a), -e, P)
    return pow(a, e, P)


def f_random(rng: random.Random | Any) -> int:
    """A uniform F element from a ``random.Random`` or a ``numpy.random.Generator``."""
    if isinstance(rng, random.Random):
        return rng.randrange(P)
    return int(rng.integers(0, P, dtype="uint64"))


class _Element(tuple):
    """A constant K element (``zero``/``one``) that is a plain tuple and also callable.

    The contract lists ``zero`` and ``one`` among the methods; being callable tuples, both
    ``ext.zero`` and ``ext.zero()`` give the same element.
    """

    __slots__ = ()

    def __call__(self) -> tuple[int, ...]:
        return tuple(self)


class ExtField:
    """The binomial extension K = F_p[X]/(X^k - W), W = ``NONRESIDUE[k]``, on tuples of ints.

    One implementation for every supported k; use the cached instances ``ext_field(k)``.
    """

    def __init__(self, k: int) -> None:
        if k not in NONRESIDUE:
            raise FieldError(f"unsupported extension degree {k} (supported: {sorted(NONRESIDUE)})")
        self.k = k
        self.w = NONRESIDUE[k]
        self.zero = _Element((0,) * k)
        self.one = _Element((1,) + (0,) * (k - 1))
        g = pow(self.w, (P - 1) // k, P)  # phi(X) = X^p = g X, g a primitive k-th root of 1
        self._frob = [[pow(g, i * j % k, P) for i in range(k)] for j in range(k)]
        if k in _SPECIALISED:  # the same maps, unrolled (the verifier's hot path)
            self.add, self.sub, self.mul = _SPECIALISED[k]

    def __repr__(self) -> str:
        return f"ExtField(k={self.k}, W={self.w})"

    def from_base(self, x: int) -> tuple[int, ...]:
        """Embed the F element x as x + 0 X + ..."""
        return (x,) + (0,) * (self.k - 1)

    def add(self, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        """a + b (coefficient-wise)."""
        return tuple(f_add(x, y) for x, y in zip(a, b))

    def sub(self, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        """a - b (coefficient-wise)."""
        return tuple(f_sub(x, y) for x, y in zip(a, b))

    def neg(self, a: tuple[int, ...]) -> tuple[int, ...]:
        """-a (coefficient-wise)."""
        return tuple(f_neg(x) for x in a)

    def mul(self, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        """a * b: schoolbook product, then X^(k+m) = W X^m."""
        k = self.k
        d = [0] * (2 * k - 1)
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                d[i + j] += x * y
        for m in range(k - 1):
            d[m] += self.w * d[m + k]
        return tuple(c % P for c in d[:k])

    def square(self, a: tuple[int, ...]) -> tuple[int, ...]:
        """a^2."""
        return self.mul(a, a)

    def mul_base(self, a: tuple[int, ...], x: int) -> tuple[int, ...]:
        """a * x for an F element x."""
        return tuple(c * x % P for c in a)

    def frobenius(self, a: tuple[int, ...], j: int = 1) -> tuple[int, ...]:
        """phi^j(a) = a^(p^j): coefficient i scaled by g^(ij)."""
        consts = self._frob[j % self.k]
        return tuple(c * g % P for c, g in zip(a, consts))

    def inv(self, a: tuple[int, ...]) -> tuple[int, ...]:
        """a^-1 via the norm (module docstring); raises FieldError for a = 0."""
        if self.is_zero(a):
            raise FieldError(f"cannot invert zero in the degree-{self.k} extension")
        conj = self.frobenius(a, 1)
        for j in range(2, self.k):
            conj = self.mul(conj, self.frobenius(a, j))
        norm = self.mul(a, conj)[0]  # N(a) lies in F_p: the other coefficients are 0
        return self.mul_base(conj, f_inv(norm))

    def pow(self, a: tuple[int, ...], e: int) -> tuple[int, ...]:
        """a^e for any integer e (a negative e inverts first; a^0 = 1), square-and-multiply."""
        if e < 0:
            a, e = self.inv(a), -e
        result = tuple(self.one)
        for bit in bin(e)[2:]:
            result = self.mul(result, result)
            if bit == "1":
                result = self.mul(result, a)
        return result

    def eq(self, a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        """a == b (both canonical)."""
        return tuple(a) == tuple(b)

    def is_zero(self, a: tuple[int, ...]) -> bool:
        """a == 0."""
        return not any(a)

    def random(self, rng: random.Random | Any) -> tuple[int, ...]:
        """A uniform K element from a ``random.Random`` or a ``numpy.random.Generator``."""
        if isinstance(rng, random.Random):
            return tuple(rng.randrange(P) for _ in range(self.k))
        return tuple(int(c) for c in rng.integers(0, P, size=self.k, dtype="uint64"))


# ---- the products and sums of K2 and K3 unrolled (same results as the generic methods) ---------

_W2, _W3 = NONRESIDUE[2], NONRESIDUE[3]


def _add2(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    x, y = a[0] + b[0], a[1] + b[1]
    return (x - P if x >= P else x, y - P if y >= P else y)


def _sub2(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    x, y = a[0] - b[0], a[1] - b[1]
    return (x + P if x < 0 else x, y + P if y < 0 else y)


def _mul2(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    a0, a1 = a
    b0, b1 = b
    return ((a0 * b0 + _W2 * a1 * b1) % P, (a0 * b1 + a1 * b0) % P)


def _add3(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    x, y, z = a[0] + b[0], a[1] + b[1], a[2] + b[2]
    return (x - P if x >= P else x, y - P if y >= P else y, z - P if z >= P else z)


def _sub3(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    x, y, z = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return (x + P if x < 0 else x, y + P if y < 0 else y, z + P if z < 0 else z)


def _mul3(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    a0, a1, a2 = a
    b0, b1, b2 = b
    return ((a0 * b0 + _W3 * (a1 * b2 + a2 * b1)) % P,
            (a0 * b1 + a1 * b0 + _W3 * a2 * b2) % P,
            (a0 * b2 + a1 * b1 + a2 * b0) % P)


_SPECIALISED = {2: (_add2, _sub2, _mul2), 3: (_add3, _sub3, _mul3)}


@cache
def ext_field(k: int) -> ExtField:
    """The cached ExtField of degree k."""
    return ExtField(k)


K2 = ext_field(2)
K3 = ext_field(3)
