"""Parameters of the Goldilocks field F_p and of its binomial extensions K = F_p[X]/(X^k - W).

p = 2^64 - 2^32 + 1. Extensions (one implementation, generic in k):
  k = 2: W = 7, the least quadratic non-residue mod p, so X^2 - 7 is irreducible (~128-bit field).
  k = 3: W = 2, the least non-cube mod p (3 | p - 1), so X^3 - 2 is irreducible (~192-bit field).
A binomial X^k - W with k prime is irreducible over F_p iff W is not a k-th power, i.e.
W^((p-1)/k) != 1 (Lidl & Niederreiter, Finite Fields, Thm. 3.75); tests recheck this.
"""

P: int = 2**64 - 2**32 + 1
"""The Goldilocks prime."""

EPSILON: int = 2**32 - 1
"""2^64 mod p: the folding constant of Goldilocks reduction."""

NONRESIDUE: dict[int, int] = {2: 7, 3: 2}
"""W for each supported extension degree k."""

EXTENSION_DEGREES: tuple[int, ...] = (2, 3)

TWO_ADICITY: int = 32
"""p - 1 = 2^32 * (2^32 - 1): F_p has multiplicative subgroups of every order 2^j, j <= 32."""

HALF: int = (P + 1) // 2
"""1/2 in F_p."""

MULTIPLICATIVE_GENERATOR: int = 7
"""A generator of F_p^* (used to derive roots of unity for the NTT)."""
