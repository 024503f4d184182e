"""Exact linear algebra over F_p for small systems (plain Python ints): the rank, a solution,
a kernel vector. For simulators and zero-knowledge tests, never for the prover's bulk work."""

from __future__ import annotations

from collections.abc import Sequence

from .params import P


def _echelon(rows: Sequence[Sequence[int]], n_cols: int) -> tuple[list[list[int]], list[int]]:
    """The reduced row echelon form of ``rows`` (mod p) and its pivot columns."""
    m = [[int(x) % P for x in r] for r in rows]
    pivots: list[int] = []
    r = 0
    for col in range(n_cols):
        piv = next((i for i in range(r, len(m)) if m[i][col]), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        inv = pow(m[r][col], P - 2, P)
        m[r] = [v * inv % P for v in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col]:
                f = m[i][col]
                m[i] = [(a - f * b) % P for a, b in zip(m[i], m[r])]
        pivots.append(col)
        r += 1
    return m[:r], pivots


def rank_mod_p(rows: Sequence[Sequence[int]]) -> int:
    """The rank over F_p of a matrix given by its rows."""
    return len(_echelon(rows, len(rows[0]) if rows else 0)[1])


def solve_mod_p(a: Sequence[Sequence[int]], b: Sequence[int]) -> list[int]:
    """x with a x = b over F_p, a square and invertible; ValueError otherwise."""
    n = len(a)
    m, pivots = _echelon([list(row) + [b[i]] for i, row in enumerate(a)], n)
    if pivots != list(range(n)):
        raise ValueError("the system is singular")
    return [m[i][n] for i in range(n)]


def particular_solution(a: Sequence[Sequence[int]], b: Sequence[int], n: int) -> list[int]:
    """An x in F_p^n with a x = b (a of any shape): the free coordinates 0, the pivots solved
    for. ValueError if the system is inconsistent."""
    m, pivots = _echelon([list(row) + [b[i]] for i, row in enumerate(a)], n + 1)
    if n in pivots:  # b is not in the column space
        raise ValueError("the system is inconsistent")
    x = [0] * n
    for i, c in enumerate(pivots):
        x[c] = m[i][n]
    return x


def kernel_vector(rows: Sequence[Sequence[int]], n: int,
                  free_values: Sequence[int] | None = None) -> list[int]:
    """An x in F_p^n with rows x = 0: the free coordinates set to ``free_values`` (in order;
    default 1 for the first, 0 for the others), the pivots solved for. ValueError if the kernel
    is trivial."""
    m, pivots = _echelon(rows, n)
    free = [c for c in range(n) if c not in pivots]
    if not free:
        raise ValueError("the kernel is trivial")
    values = list(free_values) if free_values is not None else [1] + [0] * (len(free) - 1)
    x = [0] * n
    for c, v in zip(free, values):
        x[c] = int(v) % P
    for i, c in enumerate(pivots):
        x[c] = (-sum(m[i][f] * x[f] for f in free)) % P
    return x
