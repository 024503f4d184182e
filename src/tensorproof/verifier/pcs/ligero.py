"""Verifier of the Ligero/Brakedown tensor-code multilinear PCS (the spec of the opening).

Commitment: the table T (2^n F elements) as a 2^a x 2^b matrix M, M[row, col] = T[row 2^b + col]
(``matrix_shape``), each row RS-encoded to N = blowup 2^b symbols (``poly.ntt.rs_encode``), and
the Merkle root (Keccak, ``verifier.merkle``) over the N columns, leaf c = the 2^a entries of
column c as 8-byte big-endian F elements. With the low-order coordinates z_c = z_0..z_{b-1}
and the high-order z_r = z_b..z_{n-1}:  T~(z) = <eq(z_r, .)^T M, eq(z_c, .)>.

Opening at z_1..z_m (Ligero, CCS 2017; Brakedown, CRYPTO 2023, Sec. 4), message by message:
  0. both sides absorb the statement (params, n, k, points, values);
  1. r <- K^(2^a) from the transcript;
  2. P sends u_0 = r^T M and u_j = eq(z_r,j, .)^T M (2^b elements of K each);
     V checks value_j = <u_j, eq(z_c,j, .)>;
  3. t column indices <- transcript (after every u is absorbed); P sends the distinct columns
     (sorted) and one Merkle multi-opening; V checks the opening against the root and, at
     every opened column c, Enc(u)[c] = sum_i coeff_i M^[i, c] for u_0 and every u_j.
Soundness: the bound and the parameters are in ``params.py``. The caller must have absorbed the
commitment before ``verify``, and must end the proof with ``check_eof``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ...errors import ConfigError, VerificationError
from ...transcript import HASH_BYTES
from .. import evaluations as ev
from ..merkle import LEAF_PREFIX, verify_multi_rows
from .commitment import (
    Commitment,
    Point,
    absorb_statement,
    distinct_indices,
    normalize_points,
    normalize_values,
)
from .params import (
    DEFAULT_BLOWUP,
    DEFAULT_N_QUERIES,
    TARGET_SECURITY_BITS,
    LigeroParams,
    matrix_shape,
    security_bits,
)

SCHEME_TAG = b"ligero-v1"


def column_leaves(columns: np.ndarray) -> np.ndarray:
    """Leaf bytes of columns given as a (q, 2^a) uint64 array -> (q, 8 * 2^a) uint8 (big-endian)."""
    be = np.ascontiguousarray(columns, dtype=">u8")
    return be.view(np.uint8).reshape(columns.shape[0], -1)


def multi_proof_len(depth: int, indices: np.ndarray) -> int:
    """Number of nodes in the canonical multi-opening of sorted distinct ``indices``
    (``verifier.merkle``: at each level, one node per known position whose sibling is unknown)."""
    known, total = indices, 0
    for _ in range(depth):
        paired = int(np.count_nonzero(known[1:] == (known[:-1] ^ 1)))  # sibling pairs 2j, 2j+1
        total += len(known) - 2 * paired
        parent = known >> 1
        known = parent[np.concatenate(([True], parent[1:] != parent[:-1]))]
    return total


def recv_rows(transcript: Any, label: str, n: int, width: int) -> np.ndarray:
    """``n`` rows of ``width`` bytes under ``label`` (salts, Merkle nodes) -> (n, width) uint8."""
    return np.frombuffer(transcript.recv_bytes(label, n * width),
                         dtype=np.uint8).reshape(n, width)


def recv_multi_proof(transcript: Any, label: str, depth: int, indices: np.ndarray) -> np.ndarray:
    """The canonical multi-opening of sorted distinct ``indices`` over ``depth`` levels
    (``multi_proof_len`` nodes) -> (m, 32) uint8."""
    return recv_rows(transcript, label, multi_proof_len(depth, indices), HASH_BYTES)


def distinct_queries(transcript: Any, n_queries: int, n_cols: int) -> np.ndarray:
    """Draw the t column indices (uniform in [0, N), with repetition) -> sorted distinct int64."""
    return distinct_indices(transcript, "ligero/queries", n_queries, n_cols)


def statement_points(
    points: Sequence[Point], b: int, k: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The row-combination vectors eq(z_r, .) as an (m, 2^a, k) array, and the eq(z_c, .) tables."""
    rows = np.stack([ev.eq_table(k, list(z[b:])) for z in points])
    cols = [ev.eq_table(k, list(z[:b])) for z in points]
    return rows, cols


class LigeroVerifier:
    """Checks openings of a ``Commitment`` made by the Ligero prover with the same params."""

    def __init__(self, params: LigeroParams | None = None) -> None:
        self.params = params or LigeroParams()
        self.k = self.params.k

    def verify(
        self,
        commitment: Commitment,
        points: Sequence[Sequence[Any]],
        values: Sequence[Any],
        transcript: Any,
    ) -> None:
        """Check T~(z_j) = values[j] for all j; raises VerificationError (ProofFormatError on
        malformed bytes). Soundness: ``commitment`` must already be absorbed by the caller."""
        prm, k = self.params, self.k
        n = commitment.n_vars
        a, b = matrix_shape(n, prm)
        pts = normalize_points(points, n, k)
        vals = normalize_values(values, len(pts), k)
        absorb_statement(transcript, SCHEME_TAG + prm.to_bytes(), n, k, pts, vals)
        r = np.array(transcript.challenges_k("ligero/combine", 1 << a, k), dtype=np.uint64)
        u0 = transcript.recv_k_array("ligero/u0", 1 << b, k)
        us = transcript.recv_k_array("ligero/u_evals", len(pts) << b, k).reshape(len(pts), -1, k)
        eq_rows, eq_cols = statement_points(pts, b, k)
        kv = ev.vec(k)
        for j in range(len(pts)):
            if kv.inner(us[j], eq_cols[j]) != vals[j]:
                raise VerificationError(f"ligero: value {j} does not match the combined row")
        n_cols = prm.blowup << b
        idx = distinct_queries(transcript, prm.n_queries, n_cols)
        cols = transcript.recv_f_array("ligero/columns", idx.size << a).reshape(idx.size, 1 << a)
        depth = n_cols.bit_length() - 1
        nodes = recv_multi_proof(transcript, "ligero/merkle", depth, idx)
        leaf_hashes = ev.hash_rows(column_leaves(cols), LEAF_PREFIX[0])
        verify_multi_rows(commitment.root, depth, idx, leaf_hashes, nodes)  # idx sorted, distinct
        self._check_columns(np.concatenate([r[None], eq_rows]), np.concatenate([u0[None], us]),
                            cols, idx)

    def _check_columns(
        self, coeffs: np.ndarray, rows: np.ndarray, cols: np.ndarray, idx: np.ndarray
    ) -> None:
        """Enc(rows[s])[c] == sum_i coeffs[s, i] cols[c, i] for every s and opened column c."""
        s, width, k = rows.shape
        flat = np.ascontiguousarray(rows.transpose(0, 2, 1).reshape(s * k, width))
        encoded = ev.rs_encode_at(flat, self.params.blowup, idx)  # (s k, q)
        expected = encoded.reshape(s, k, -1).transpose(0, 2, 1)  # (s, q, k)
        got = ev.combine_rows(coeffs, np.ascontiguousarray(cols.T))  # (s, q, k)
        bad = np.argwhere(np.any(expected != got, axis=2))
        if bad.size:
            which, col = int(bad[0, 0]), int(idx[bad[0, 1]])
            what = "the proximity row u_0" if which == 0 else f"evaluation row {which - 1}"
            raise VerificationError(f"ligero: column {col} is inconsistent with {what}")


# ---- the registry entry (verifier/pcs/registry.py) -------------------------------------------

MAX_BLOWUP = 16
"""Largest inverse code rate a configuration may ask for (the verifier re-encodes rows of
blowup·2^b symbols: a huge blowup would make loading a key allocate without bound)."""
MAX_QUERIES = 4096


def ligero_params(config: dict) -> LigeroParams:
    """The parameters of a Ligero configuration (fields "blowup", "queries", "k")."""
    return LigeroParams(blowup=int(config["blowup"]), n_queries=int(config["queries"]),
                        k=int(config["k"]))


class LigeroScheme:
    """Ligero in the registry: fields "blowup" and "queries", ≥ TARGET_SECURITY_BITS."""

    name = "ligero"
    defaults = MappingProxyType({"blowup": DEFAULT_BLOWUP, "queries": DEFAULT_N_QUERIES})
    ignored: frozenset[str] = frozenset()

    def check(self, config: dict) -> None:
        try:
            params = LigeroParams(blowup=config["blowup"], n_queries=config["queries"],
                                  k=config["k"])
        except ValueError as e:
            raise ConfigError(f"{e}") from None
        if params.blowup > MAX_BLOWUP or params.n_queries > MAX_QUERIES:
            raise ConfigError(f"commitment parameters (blowup {params.blowup}, "
                              f"{params.n_queries} queries) exceed the supported "
                              f"{MAX_BLOWUP} / {MAX_QUERIES}")
        bits = security_bits(params)
        if bits < TARGET_SECURITY_BITS:
            raise ConfigError(f"commitment parameters give {bits:.1f} bits of security, below "
                              f"the required {TARGET_SECURITY_BITS}")

    def commitment_extra(self, config: dict) -> int:
        return 0

    def verifier(self, config: dict) -> LigeroVerifier:
        return LigeroVerifier(ligero_params(config))


SCHEME = LigeroScheme()
