"""Claims passed between sub-protocols.

A claim is a statement the verifier has not checked yet; each protocol reduces the claims it
receives to claims on other tables, and the caller must discharge the ones it is handed.
Points are lists of K elements (tuples of k ints), variable x_0 first (docs/internals.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvalClaim:
    """T~(point) = value for some multilinear table T (which table is the holder's business).

    In a zero-knowledge plan a claim may be on a *randomized* value: with ``randomizer`` =
    ((c_1, s_1), ..) it says T~(point) + sum_i c_i psi_i = value, psi_i the K value of value
    slot s_i of the mask vector M (verifier/zk_masks.value_point; verifier/zk_finals.py).
    Whoever reduces such a claim must discharge the psi part without revealing it."""

    point: list[tuple[int, ...]]
    value: tuple[int, ...]
    randomizer: tuple = ()


@dataclass(frozen=True)
class SumcheckSubclaim:
    """What a sumcheck leaves to its caller: g(f_1~(point), ..., f_m~(point)) = value.

    Soundness: the sumcheck proves nothing until the caller checks this, either directly or by
    reducing it to evaluation claims that are checked later (commitment openings, next layer).
    """

    point: list[tuple[int, ...]]
    value: tuple[int, ...]
