"""The pure-int reference of the evaluations seam (evaluations.py): the same functions, the same
arguments and results, computed one Python int at a time from their definitions.

The verifier is a scalar spec (``field/scalar.py``) except behind the seam, where numpy computes
eq tables, MLEs of public vectors, Reed-Solomon encodings, row combinations and Merkle hashes.
This module states what those vectors are, with no numpy arithmetic, no NTT and no kernel: a
reader (or the Solidity verifier's author) checks the seam against it, and ``reference()``
runs whole verifications on it (tests/unit/test_evaluations_ref.py: the same verdicts and
outputs as the numpy seam). Slow by design (O(n) Python operations per table, O(n·N) per
encoding): for tests and audits, never for verification in production.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..field.params import P
from ..field.scalar import ExtField, ext_field
from ..poly.mle import as_ext
from ..poly.ntt import root_of_unity
from ..transcript.keccak import keccak256
from . import evaluations


def _coords(ext: ExtField, point: Sequence[Any]) -> list[tuple[int, ...]]:
    return [as_ext(ext, z) for z in point]


def _eq_list(ext: ExtField, point: Sequence[Any], scale: Any = None) -> list[tuple[int, ...]]:
    """eq(point, x) for x = 0 .. 2^n − 1, bit j of x the coordinate z_j, times `scale`."""
    zs = _coords(ext, point)
    one = ext.one()
    out = []
    for x in range(1 << len(zs)):
        acc = as_ext(ext, scale) if scale is not None else one
        for j, z in enumerate(zs):
            acc = ext.mul(acc, z if (x >> j) & 1 else ext.sub(one, z))
        out.append(acc)
    return out


def _as_array(values: list[tuple[int, ...]], k: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64).reshape(len(values), k)


def eq_table(k: int, point: Sequence[Any], scale: Any = None) -> np.ndarray:
    """evaluations.eq_table: [scale *] eq(point, x) for x in {0,1}^n, shape (2^n, k)."""
    return _as_array(_eq_list(ext_field(k), point, scale), k)


def evaluate(k: int, table: np.ndarray, point: Sequence[Any]) -> tuple[int, ...]:
    """evaluations.evaluate: Σ_x T[x]·eq(point, x) for an F table T of 2^n entries."""
    ext = ext_field(k)
    values = [int(v) for v in np.asarray(table).reshape(-1).tolist()]
    if len(values) != 1 << len(point):
        raise ValueError(f"table of length {len(values)} evaluated at a point of "
                         f"{len(point)} coords")
    acc = ext.zero()
    for v, e in zip(values, _eq_list(ext, point)):
        acc = ext.add(acc, ext.mul(e, ext.from_base(v)))
    return acc


def inner_base(weights: np.ndarray, f: np.ndarray) -> tuple[int, ...]:
    """evaluations.inner_base: Σ_i weights[i]·f[i], weights in K (n, k), f in F (n,)."""
    w = np.asarray(weights).tolist()
    ext = ext_field(len(w[0]) if w else 1)
    acc = ext.zero()
    for wi, fi in zip(w, np.asarray(f).reshape(-1).tolist()):
        acc = ext.add(acc, ext.mul(tuple(int(c) for c in wi), ext.from_base(int(fi))))
    return acc


def eq_split_sum(k: int, coeffs: np.ndarray, heads: np.ndarray, tails: np.ndarray,
                 r: Sequence[Any]) -> tuple[int, ...]:
    """evaluations.eq_split_sum: Σ_j coeffs[j]·eq(heads[j] ‖ bits(tails[j]), r), the bits of
    tails[j] (lowest first) the last len(r) − L coordinates of point j."""
    ext = ext_field(k)
    rs = _coords(ext, r)
    heads_l = np.asarray(heads).tolist()
    acc = ext.zero()
    for c, head, tail in zip(np.asarray(coeffs).tolist(), heads_l, np.asarray(tails).tolist()):
        point = [tuple(int(v) for v in z) for z in head]
        point += [ext.one() if (int(tail) >> j) & 1 else ext.zero()
                  for j in range(len(rs) - len(point))]
        term = tuple(int(v) for v in c)
        for z, x in zip(point, rs):  # eq(z, x) = z x + (1 − z)(1 − x)
            one_z, one_x = ext.sub(ext.one(), z), ext.sub(ext.one(), x)
            term = ext.mul(term, ext.add(ext.mul(z, x), ext.mul(one_z, one_x)))
        acc = ext.add(acc, term)
    return acc


def rs_encode_at(rows: np.ndarray, blowup: int, idx: np.ndarray) -> np.ndarray:
    """evaluations.rs_encode_at: each row's polynomial Σ_i a_i X^i at ω^j for j in ``idx``, ω a
    primitive (n·blowup)-th root of unity (``poly.ntt.root_of_unity``): the codeword's
    positions idx in natural order."""
    arr = np.asarray(rows)
    flat = arr.ndim == 1
    data = [arr.tolist()] if flat else arr.tolist()
    n = len(data[0]) if data else 0
    w = root_of_unity(n * blowup)
    out = []
    for row in data:
        coeffs = [int(c) for c in row]
        evals = []
        for j in np.asarray(idx).tolist():
            x, acc = pow(w, int(j), P), 0
            for c in reversed(coeffs):  # Horner
                acc = (acc * x + c) % P
            evals.append(acc)
        out.append(evals)
    res = np.array(out, dtype=np.uint64).reshape(len(out), len(np.asarray(idx)))
    return res[0] if flat else res


def combine_rows(vectors: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """evaluations.combine_rows: [j, c] = Σ_i vectors[j, i]·mat[i, c] in K."""
    vs = np.asarray(vectors).tolist()
    m = np.asarray(mat).tolist()
    s, k = len(vs), (len(vs[0][0]) if vs and vs[0] else 1)
    cols = len(m[0]) if m else 0
    ext = ext_field(k)
    out = []
    for j in range(s):
        row = []
        for c in range(cols):
            acc = ext.zero()
            for i, coef in enumerate(vs[j]):
                term = ext.mul(tuple(int(x) for x in coef), ext.from_base(int(m[i][c])))
                acc = ext.add(acc, term)
            row.append(acc)
        out.append(row)
    return np.array(out, dtype=np.uint64).reshape(s, cols, k)


def hash_rows(rows: np.ndarray, prefix: int | None) -> np.ndarray:
    """evaluations.hash_rows: keccak256(prefix ‖ row) per row, (n, 32) uint8."""
    head = b"" if prefix is None else bytes([prefix])
    digests = [keccak256(head + bytes(np.asarray(r, dtype=np.uint8).tolist()))
               for r in np.asarray(rows)]
    return np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), 32).copy()


SEAM = ("eq_table", "evaluate", "inner_base", "eq_split_sum", "rs_encode_at", "combine_rows",
        "hash_rows")
"""The functions of evaluations.py that this module restates (``vec`` is its VecField, not an
evaluation)."""


@contextlib.contextmanager
def reference() -> Iterator[None]:
    """Within the block, evaluations.py's functions are this module's (tests and audits)."""
    saved = {name: getattr(evaluations, name) for name in SEAM}
    try:
        for name in SEAM:
            setattr(evaluations, name, globals()[name])
        yield
    finally:
        for name, fn in saved.items():
            setattr(evaluations, name, fn)
