"""Claims passed between sub-protocols.

A claim is a statement the verifier has not checked yet; each protocol reduces the claims it
receives to claims on other tables, and the caller must discharge the ones it is handed.
Points are lists of K elements (tuples of k ints), variable x_0 first (docs/internals.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvalClaim:
    """T~(point) = value for some multilinear table T (which table is the holder's business)."""

    point: list[tuple[int, ...]]
    value: tuple[int, ...]


@dataclass(frozen=True)
class SumcheckSubclaim:
    """What a sumcheck leaves to its caller: g(f_1~(point), ..., f_m~(point)) = value.

    Soundness: the sumcheck proves nothing until the caller checks this, either directly or by
    reducing it to evaluation claims that are checked later (commitment openings, next layer).
    """

    point: list[tuple[int, ...]]
    value: tuple[int, ...]
