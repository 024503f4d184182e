"""Prover of the LogUp-GKR lookup (mirror of :mod:`tensorproof.verifier.logup`).

Multiplicities: the caller computes them (:func:`compute_multiplicities`), commits to them with
the witness columns, absorbs the commitment, and only then calls :func:`prove_lookup` (which
draws beta, gamma first). Passing ``multiplicities=None`` recomputes them here — only correct if
the caller committed to that same vector beforehand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ProverError
from ..field.params import P
from ..field.scalar import ext_field
from ..field.vec import VecField, from_signed
from ..poly.mle import base_times_scalar, evaluate, lift_scalar
from ..verifier.logup import lookup_labels
from .fraction_gkr import prove_fraction_sum

__all__ = ["LookupResult", "prove_lookup", "compute_multiplicities", "lookup_denominators"]

K = tuple[int, ...]


@dataclass(frozen=True)
class LookupResult:
    """The prover's view of the claims the verifier returns (see ``LookupSubclaim``).

    multiplicities: the F vector m used (length 2^n); the evaluation claims the caller opens.
    """

    multiplicities: np.ndarray
    witness_point: list[K]
    column_evals: tuple[K, ...]
    selector_eval: K
    table_point: list[K]
    multiplicity_eval: K
    table_evals: tuple[K, ...]
    beta: K
    gamma: K


def _as_field_columns(columns: Sequence[np.ndarray], what: str) -> list[np.ndarray]:
    """Columns as F vectors of one power-of-two length: uint64 F vectors are kept, signed
    integer arrays are mapped by the centered lift (x < 0 -> p + x)."""
    if not columns:
        raise ValueError(f"{what}: at least one column is needed")
    n = len(columns[0])
    out = []
    for c in columns:
        if not isinstance(c, np.ndarray) or c.ndim != 1 or len(c) != n or c.dtype.kind not in "iu":
            raise ValueError(f"{what}: columns must be 1-D integer arrays of one length")
        out.append(c if c.dtype == np.uint64 else from_signed(c))
    if n < 1 or n & (n - 1):
        raise ValueError(f"{what}: length {n} is not a power of two")
    return out


def _selector_vector(selector: np.ndarray | None, n: int) -> np.ndarray | None:
    """The selector as an F vector; ProverError unless every entry is 0 or 1."""
    if selector is None:
        return None
    if not isinstance(selector, np.ndarray) or selector.shape != (n,):
        raise ValueError(f"selector must be an array of shape ({n},)")
    if np.any((selector != 0) & (selector != 1)):
        raise ProverError("lookup selector must be 0 (padding) or 1 (real row)")
    return np.ascontiguousarray(selector, dtype=np.uint64)


def _dense_keys(columns, table_columns) -> tuple[np.ndarray, np.ndarray]:
    """One int64 key per row, equal iff the rows are equal (joint dense ranks, mixed radix)."""
    n_w = len(columns[0])
    key = None
    for col, tcol in zip(columns, table_columns):
        uniq, rank = np.unique(np.concatenate([col, tcol]), return_inverse=True)
        rank = rank.astype(np.int64)
        key = rank if key is None else key * len(uniq) + rank
        key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # keep keys < 2^31
    return key[:n_w], key[n_w:]


def _offsets(values: np.ndarray, start: np.uint64) -> np.ndarray:
    """(values - start) mod p for F vectors, without uint64 overflow."""
    return np.where(values >= start, values - start, values + (np.uint64(P) - start))


def _match_rows(columns, table_columns) -> tuple[np.ndarray, np.ndarray]:
    """(idx, found): for each witness row, a table row index and whether the rows are equal.

    Fast path when the first table column is the range t_min + j (index by subtraction); else
    binary search on the first column when it is unique, else on joint dense keys.
    """
    first = table_columns[0]
    n_table = len(first)
    if np.array_equal(_offsets(first, first[0]), np.arange(n_table, dtype=np.uint64)):
        pos = _offsets(columns[0], first[0])
        found = pos < np.uint64(n_table)
        idx = np.where(found, pos, 0).astype(np.int64)
    else:
        order = np.argsort(first, kind="stable")
        if len(columns) == 1 or np.all(first[order][1:] != first[order][:-1]):
            wkey, tkey = columns[0], first  # the first column identifies a table row
        else:
            wkey, tkey = _dense_keys(columns, table_columns)
            order = np.argsort(tkey, kind="stable")
        sorted_keys = tkey[order]
        pos = np.minimum(np.searchsorted(sorted_keys, wkey), n_table - 1)
        idx, found = order[pos], sorted_keys[pos] == wkey
    for col, tcol in zip(columns[1:], table_columns[1:]):
        found &= col == tcol[idx]
    return idx, found


def compute_multiplicities(
    columns: Sequence[np.ndarray],
    table_columns: Sequence[np.ndarray],
    selector: np.ndarray | None = None,
) -> np.ndarray:
    """m_j = number of real witness rows equal to table row j (F vector of the table's length).

    Columns: uint64 F vectors or signed integer arrays (centered lift), table alike; selector:
    0/1 vector or None. A table row repeated several times gets every count on its first
    occurrence.
    Raises ProverError naming how many real rows are not in the table and one example.
    """
    columns = _as_field_columns(columns, "lookup columns")
    table_columns = _as_field_columns(table_columns, "table columns")
    n, n_table = len(columns[0]), len(table_columns[0])
    if len(columns) != len(table_columns):
        raise ValueError(f"{len(columns)} witness columns but {len(table_columns)} table columns")
    selector = _selector_vector(selector, n)
    rows = None if selector is None else np.flatnonzero(selector)
    if rows is not None:
        columns = [c[rows] for c in columns]
    idx, found = _match_rows(columns, table_columns)
    if not np.all(found):
        _raise_missing(columns, found, rows)
    counts = np.bincount(idx, minlength=n_table)
    return counts.astype(np.uint64)


def _raise_missing(columns, found: np.ndarray, rows: np.ndarray | None) -> None:
    """ProverError naming the number of rows missing from the table and the first of them."""
    bad = np.flatnonzero(~found)
    i = int(bad[0])
    index = int(rows[i]) if rows is not None else i
    values = tuple(_centered(int(c[i])) for c in columns)
    raise ProverError(
        f"lookup: {len(bad)} of {len(found)} rows are not in the table "
        f"(e.g. row {index} = {values[0] if len(values) == 1 else values})"
    )


def _centered(x: int) -> int:
    """An F element as the integer it stands for (values above p/2 are negative)."""
    return x - P if x > P // 2 else x


def lookup_denominators(vf: VecField, columns, beta: K, gamma: K) -> np.ndarray:
    """The K vector gamma - sum_c beta^c columns[c] (one entry per row)."""
    ext = ext_field(vf.k)
    acc = vf.from_base(columns[0])
    power = beta
    for col in columns[1:]:
        acc = vf.add(acc, base_times_scalar(vf, col, power))
        power = ext.mul(power, beta)
    return vf.add_scalar(vf.neg(acc), gamma)


def prove_lookup(
    transcript,
    vf: VecField,
    columns: Sequence[np.ndarray],
    selector: np.ndarray | None,
    table_columns: Sequence[np.ndarray],
    label: str,
    multiplicities: np.ndarray | None = None,
) -> LookupResult:
    """Prove every real row of ``columns`` is a row of ``table_columns`` (LogUp-GKR).

    columns: 1 or 2 F vectors (uint64; or int64 arrays, centered lift) of length 2^m; selector:
    0/1 vector (1 real, 0 padding) or None (all real); table_columns: likewise, length 2^n;
    multiplicities: the committed m, a uint64 F vector (None: computed here).
    Soundness: commitments to the columns, the selector and m precede this call.
    """
    if multiplicities is None:
        multiplicities = compute_multiplicities(columns, table_columns, selector)
    columns = _as_field_columns(columns, "lookup columns")
    table_columns = _as_field_columns(table_columns, "table columns")
    n_table = len(table_columns[0])
    selector = _selector_vector(selector, len(columns[0]))
    if multiplicities.shape != (n_table,) or multiplicities.dtype != np.uint64:
        raise ValueError(f"multiplicities must be a uint64 F vector of length {n_table}")
    labels = lookup_labels(label)
    beta = tuple(transcript.challenge_k(labels["beta"], vf.k))
    gamma = tuple(transcript.challenge_k(labels["gamma"], vf.k))
    den_w = lookup_denominators(vf, columns, beta, gamma)
    wit = prove_fraction_sum(transcript, vf, selector, den_w, labels["witness"])
    col_evals = _send_evals(transcript, vf, columns, wit.point, labels["witness_columns"])
    den_t = lookup_denominators(vf, table_columns, beta, gamma)
    tab = prove_fraction_sum(transcript, vf, multiplicities, den_t, labels["table"])
    tab_evals = _send_evals(transcript, vf, table_columns, tab.point, labels["table_columns"])
    return LookupResult(
        multiplicities,
        wit.point,
        col_evals,
        wit.num_eval,
        tab.point,
        tab.num_eval,
        tab_evals,
        beta,
        gamma,
    )


def _send_evals(transcript, vf: VecField, columns, point, label: str) -> tuple[K, ...]:
    """Evaluate each column's MLE at point and send the values."""
    evals = tuple(
        tuple(int(c) for c in lift_scalar(vf, evaluate(vf, col, point))) for col in columns
    )
    transcript.send_k(label, list(evals), vf.k)
    return evals
