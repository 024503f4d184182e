"""The field parameters are what params.py claims: p, 2^64 mod p, irreducible X^k - W, generator."""

from __future__ import annotations

import pytest

from tensorproof.field import (
    EPSILON,
    EXTENSION_DEGREES,
    MULTIPLICATIVE_GENERATOR,
    NONRESIDUE,
    TWO_ADICITY,
    P,
)

# p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537 (the Fermat primes F0..F4 times 2^32)
ODD_PRIME_FACTORS = (3, 5, 17, 257, 65537)


def _is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (bases: the first 13 primes)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    if n in bases:
        return True
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def test_p_is_the_goldilocks_prime():
    assert P == 2**64 - 2**32 + 1
    assert _is_prime(P)
    assert EPSILON == 2**64 % P


def test_factorization_of_p_minus_1():
    assert all(_is_prime(q) for q in ODD_PRIME_FACTORS)
    product = 2**TWO_ADICITY
    for q in ODD_PRIME_FACTORS:
        product *= q
    assert product == P - 1
    assert (P - 1) % 2**TWO_ADICITY == 0 and ((P - 1) >> TWO_ADICITY) % 2 == 1


def test_multiplicative_generator_generates_f_p_star():
    g = MULTIPLICATIVE_GENERATOR
    for q in (2,) + ODD_PRIME_FACTORS:  # g has order p - 1 iff g^((p-1)/q) != 1 for all q | p-1
        assert pow(g, (P - 1) // q, P) != 1, q


@pytest.mark.parametrize("k", EXTENSION_DEGREES)
def test_binomial_is_irreducible(k):
    """X^k - W (k prime, k | p - 1) is irreducible iff W is not a k-th power: W^((p-1)/k) != 1."""
    w = NONRESIDUE[k]
    assert (P - 1) % k == 0
    assert pow(w, (P - 1) // k, P) != 1


@pytest.mark.parametrize("k", EXTENSION_DEGREES)
def test_nonresidue_is_the_least_one(k):
    """params.py documents W as the least non-k-th-power; every smaller w >= 2 is a k-th power."""
    w = NONRESIDUE[k]
    assert all(pow(v, (P - 1) // k, P) == 1 for v in range(2, w))
