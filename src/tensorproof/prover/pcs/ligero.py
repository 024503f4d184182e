"""Prover of the Ligero/Brakedown tensor-code multilinear PCS (mirrors ``verifier.pcs.ligero``).

commit: reshape the table to 2^a x 2^b (``matrix_shape``), RS-encode every row by NTT (rate
1/blowup), hash each of the N columns as one Merkle leaf (one batched Keccak per level).
open:   the messages of ``verifier.pcs.ligero`` in the same order: statement, r, u_0 and the u_j
(row combinations by one pass of a numba kernel over the matrix per group), the t queried
columns and one Merkle multi-opening. Costs O(2^n) field operations per opening plus an
O(2^n log 2^n) NTT at commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import KeyFileError
from ...field.vec import check_canonical, vec_field
from ...poly.mle import log2_exact
from ...poly.ntt import rs_encode
from ...verifier.pcs.combine import combine_rows
from ...verifier.pcs.commitment import (
    MAX_N_VARS,
    Commitment,
    absorb_statement,
    normalize_points,
)
from ...verifier.pcs.ligero import (
    SCHEME_TAG,
    LigeroVerifier,
    distinct_queries,
    ligero_params,
    statement_points,
)
from ...verifier.pcs.params import LigeroParams, matrix_shape
from ..merkle import MerkleTree
from .columns import column_leaf_bytes


@dataclass(frozen=True, eq=False)
class LigeroProverData:
    """What the prover keeps after committing: the matrix, its row encodings and the tree."""

    commitment: Commitment
    matrix: np.ndarray
    encoded: np.ndarray
    tree: MerkleTree


def check_table(table: np.ndarray) -> int:
    """Validate a committed table (1-D canonical uint64, length 2^n, n <= MAX_N_VARS) -> n."""
    if not isinstance(table, np.ndarray) or table.ndim != 1:
        raise ValueError("a committed table must be a 1-D uint64 F vector")
    check_canonical(table)
    n = log2_exact(len(table))
    if n > MAX_N_VARS:
        raise ValueError(f"table of 2^{n} entries exceeds 2^{MAX_N_VARS}")
    return n


class LigeroPCS(LigeroVerifier):
    """commit / open / verify of the tensor-code PCS with the given ``LigeroParams``."""

    def __init__(self, params: LigeroParams | None = None) -> None:
        super().__init__(params)

    def commit(self, table: np.ndarray) -> tuple[Commitment, LigeroProverData]:
        """Commit to an F table of length 2^n (the caller then absorbs/sends the commitment)."""
        n = check_table(table)
        a, b = matrix_shape(n, self.params)
        matrix = np.ascontiguousarray(table).reshape(1 << a, 1 << b)
        encoded = rs_encode(matrix, self.params.blowup)
        tree = MerkleTree(column_leaf_bytes(encoded))
        commitment = Commitment(root=tree.root, n_vars=n)
        return commitment, LigeroProverData(commitment, matrix, encoded, tree)

    def open(
        self, data: LigeroProverData, points: Sequence[Sequence[Any]], transcript: Any
    ) -> list[tuple[int, ...]]:
        """Write the opening at ``points`` into ``transcript``; return the values T~(z_j).

        Soundness: the caller must have absorbed ``data.commitment`` before this call.
        """
        prm, k = self.params, self.k
        n = data.commitment.n_vars
        a, b = matrix_shape(n, prm)
        pts = normalize_points(points, n, k)
        eq_rows, eq_cols = statement_points(pts, b, k)
        us = combine_rows(eq_rows, data.matrix)  # (m, 2^b, k)
        kv = vec_field(k)
        values = [tuple(kv.inner(us[j], eq_cols[j])) for j in range(len(pts))]
        absorb_statement(transcript, SCHEME_TAG + prm.to_bytes(), n, k, pts, values)
        r = np.array(transcript.challenges_k("ligero/combine", 1 << a, k), dtype=np.uint64)
        u0 = combine_rows(r[None], data.matrix)[0]
        transcript.send_k("ligero/u0", u0, k)
        transcript.send_k("ligero/u_evals", us.reshape(-1, k), k)
        idx = distinct_queries(transcript, prm.n_queries, data.encoded.shape[1])
        transcript.send_f("ligero/columns", np.ascontiguousarray(data.encoded[:, idx].T).ravel())
        transcript.send_bytes("ligero/merkle", data.tree.open_multi_bytes(idx))
        return values


# ---- the registry entry (prover/pcs/registry.py) and its .tpk codec --------------------------


class LigeroCodec:
    """Arrays ``encoded`` (the RS encoding, (2^a, blowup·2^b) uint64) and ``tree0..treeD`` (the
    Merkle levels, leaf hashes first, root last; (n, 32) uint8). Decoding checks the shapes,
    that every inner level hashes to the next and that the root is the commitment's; the
    encoding and the leaf hashes are trusted (the prover's own data: a wrong value only makes
    the verifier reject)."""

    def encode(self, data: LigeroProverData) -> dict[str, np.ndarray]:
        return {"encoded": data.encoded,
                **{f"tree{i}": level for i, level in enumerate(data.tree.levels)}}

    def decode(self, commitment: Commitment, table: np.ndarray,
               arrays: Mapping[str, np.ndarray], config: dict) -> LigeroProverData:
        prm = ligero_params(config)
        a, b = matrix_shape(commitment.n_vars, prm)
        encoded = arrays.get("encoded")
        if (encoded is None or encoded.shape != (1 << a, (1 << b) * prm.blowup)
                or encoded.dtype != np.uint64):
            raise KeyFileError("the proving key's commitment data has the wrong shape")
        levels = [arrays.get(f"tree{i}") for i in range(len(arrays) - 1)]
        tree = MerkleTree.checked(levels, encoded.shape[1], commitment.root)
        return LigeroProverData(commitment, table.reshape(1 << a, 1 << b), encoded, tree)


class LigeroScheme:
    """Ligero in the registry: the prover of a configuration and the .tpk codec."""

    codec = LigeroCodec()

    def prover(self, config: dict) -> LigeroPCS:
        return LigeroPCS(ligero_params(config))


SCHEME = LigeroScheme()
