"""Prover of ``ligero-zk``, the hiding tensor-code PCS (mirrors ``verifier.pcs.ligero_zk``).

commit: the table as R <= 2^a data rows (the rows past R are zero: ``used``), each extended
by l fresh random coefficients, plus the B (1 + P) k fresh random mask rows; every row
RS-encoded by NTT into N symbols; leaf c = fresh 32-byte salt ‖ column c. Randomness comes
from a ``Randomness`` source (the OS CSPRNG by default; tests inject others), never from the
transcript.
open:   the messages of the verifier's spec in the same order, with the next unused mask block
(``LigeroZkProverData.opened`` counts them: a further opening would not be zero-knowledge
and is refused). ``simulate_opening`` writes the same messages from the statement alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import FieldError, KeyFileError, ProverError
from ...field.sampling import OS_RANDOMNESS, Randomness
from ...field.vec import check_canonical, vec_field
from ...poly.ntt import rs_encode
from ...transcript import HASH_BYTES
from ...verifier.pcs.combine import combine_rows
from ...verifier.pcs.commitment import (
    Commitment,
    absorb_statement,
    distinct_indices,
    normalize_points,
    normalize_values,
)
from ...verifier.pcs.ligero import multi_proof_len, statement_points
from ...verifier.pcs.ligero_zk import (
    BLOCK,
    COLUMNS,
    COMBINE,
    GAMMA,
    MERKLE,
    QUERIES,
    SALT_BYTES,
    SALTS,
    U0,
    U_EVALS,
    LigeroZkParams,
    LigeroZkVerifier,
    RowForm,
    Y,
    ZkLayout,
    absorb_forms,
    check_forms,
    check_point_count,
    combination_coefficients,
    encode_at,
    ligero_zk_params,
    statement_tag,
    zk_layout,
)
from ..merkle import MerkleTree
from .columns import column_leaf_bytes
from .ligero import check_table


@dataclass(frozen=True, eq=False)
class LigeroZkProverData:
    """What the prover keeps: the coefficient rows (R', C'), their encoding (R', N), the salts
    (N, 32), the tree, and ``opened`` (a (1,) uint64 counter of the mask blocks used)."""

    commitment: Commitment
    layout: ZkLayout
    coefficients: np.ndarray
    encoded: np.ndarray
    salts: np.ndarray
    tree: MerkleTree
    opened: np.ndarray


def mask_vectors(coefficients: np.ndarray, lay: ZkLayout, block: int, m: int) -> np.ndarray:
    """The K-rows Qh_{block, 0..m} as (1 + m, C', k) K vectors (coefficient s = F row s)."""
    return np.stack([coefficients[lay.mask_row(block, j)].T for j in range(m + 1)])  # a copy


def _k(x: int | tuple[int, ...]) -> tuple[int, ...]:
    """A K element (k >= 2: VecField returns k-tuples) as a tuple of ints."""
    return tuple(int(c) for c in x) if isinstance(x, tuple) else (int(x),)


def _challenges(transcript: Any, lay: ZkLayout, m: int) -> tuple[np.ndarray, np.ndarray]:
    """gamma (m, k) and r ‖ r' (2^a + m, k), drawn after every y_j (step 3)."""
    k = lay.k
    gammas = np.array(transcript.challenges_k(GAMMA, m, k), dtype=np.uint64)
    rr = np.array(transcript.challenges_k(COMBINE, lay.data_rows + m, k), dtype=np.uint64)
    return gammas, rr


class LigeroZkPCS(LigeroZkVerifier):
    """commit / open / verify of ligero-zk with the given params and randomness source."""

    def __init__(self, params: LigeroZkParams | None = None,
                 randomness: Randomness = OS_RANDOMNESS) -> None:
        super().__init__(params)
        self.randomness = randomness

    # the three draws of fresh randomness (tests override them to break zero knowledge)
    def _pads(self, rows: int, ell: int) -> np.ndarray:
        return self.randomness.f_vector(rows * ell).reshape(rows, ell)

    def _masks(self, rows: int, msg_len: int) -> np.ndarray:
        return self.randomness.f_vector(rows * msg_len).reshape(rows, msg_len)

    def _salts(self, n_cols: int) -> np.ndarray:
        raw = self.randomness.bytes(n_cols * SALT_BYTES)
        return np.frombuffer(raw, dtype=np.uint8).reshape(n_cols, SALT_BYTES).copy()

    def commit(self, table: np.ndarray, used: int | None = None
               ) -> tuple[Commitment, LigeroZkProverData]:
        """Commit to an F table of length 2^n (the caller then absorbs/sends the commitment);
        ``used``: only its first ``used`` entries may be nonzero (the verifier's ``used``): the
        rows that hold them are committed, the rest must be zero (ProverError otherwise)."""
        n = check_table(table)
        try:
            lay = zk_layout(n, self.params, used)
        except ValueError as e:
            raise ProverError(f"{e}") from None
        table = np.asarray(table)
        kept = lay.data_rows * lay.cols
        if kept < table.size and np.any(table[kept:]):
            raise ProverError(f"ligero-zk: the table has nonzero entries past its {lay.data_rows}"
                              " committed rows")
        coef = np.empty((lay.rows, lay.msg_len), dtype=np.uint64)
        coef[: lay.data_rows, : lay.cols] = table[:kept].reshape(lay.data_rows, lay.cols)
        coef[: lay.data_rows, lay.cols :] = self._pads(lay.data_rows, lay.ell)
        coef[lay.data_rows :] = self._masks(lay.mask_rows, lay.msg_len)
        return self._commit_rows(n, lay, coef)

    def _commit_rows(self, n: int, lay: ZkLayout,
                     coef: np.ndarray) -> tuple[Commitment, LigeroZkProverData]:
        padded = np.zeros((lay.rows, lay.coeff_len), dtype=np.uint64)
        padded[:, : lay.msg_len] = coef
        encoded = rs_encode(padded, lay.n_cols // lay.coeff_len)
        salts = self._salts(lay.n_cols)
        tree = MerkleTree(np.concatenate([salts, column_leaf_bytes(encoded)], axis=1))
        commitment = Commitment(root=tree.root, n_vars=n)
        opened = np.zeros(1, dtype=np.uint64)
        return commitment, LigeroZkProverData(commitment, lay, coef, encoded, salts, tree, opened)

    def open(self, data: LigeroZkProverData, points: Sequence[Sequence[Any]],
             transcript: Any) -> list[tuple[int, ...]]:
        """Write the opening at ``points`` into ``transcript``; return the values T~(z_j).
        ProverError once every mask block is used. Soundness: the caller must have absorbed
        ``data.commitment`` before this call."""
        prm, k, lay = self.params, self.k, data.layout
        n = data.commitment.n_vars
        pts = normalize_points(points, n, k)
        check_point_count(len(pts), prm)
        eq_rows, eq_cols = statement_points(pts, lay.b, k)
        return self._open_rows(data, eq_rows, eq_cols, transcript,
                               lambda values: absorb_statement(transcript, statement_tag(prm), n,
                                                               k, pts, values))

    def open_forms(self, data: LigeroZkProverData, forms: Sequence[RowForm],
                   transcript: Any, block: int | None = None) -> list[tuple[int, ...]]:
        """The opening of row forms (verifier ``verify_forms``); returns their values.
        ``block``: the mask block the caller's forms name, reserved by the caller (unused by
        any other opening: prover/keyfile.reserve_block counts them); default: the next
        unused one."""
        prm, k, lay = self.params, self.k, data.layout
        n = data.commitment.n_vars
        check_point_count(len(forms), prm)
        eq_rows, eq_cols = check_forms(forms, lay, k)
        return self._open_rows(data, eq_rows, eq_cols, transcript,
                               lambda values: absorb_forms(transcript, statement_tag(prm), n, k,
                                                           eq_rows, forms, values), block)

    def _open_rows(self, data: LigeroZkProverData, eq_rows: np.ndarray, eq_cols: list,
                   transcript: Any, absorb, reserved: int | None = None
                   ) -> list[tuple[int, ...]]:
        prm, k, lay = self.params, self.k, data.layout
        m = len(eq_cols)
        block = int(data.opened[0]) if reserved is None else reserved
        if block >= prm.openings:
            raise ProverError(f"ligero-zk: this commitment's {prm.openings} zero-knowledge "
                              "opening(s) are used; another would reveal the table")
        coef = data.coefficients
        eq_rows = np.ascontiguousarray(eq_rows[:, : lay.data_rows])  # rows past R are zero
        rows_j = combine_rows(eq_rows, coef[: lay.data_rows])  # E_j^T F: (m, C', k)
        kv = vec_field(k)
        values = [_k(kv.inner(rows_j[j, : lay.cols], eq_cols[j])) for j in range(m)]
        absorb(values)
        transcript.send_bytes(BLOCK, block.to_bytes(2, "big"))
        data.opened[0] = max(int(data.opened[0]), block + 1)  # spent, whatever happens next
        masks = mask_vectors(coef, lay, block, m)
        ys = np.array([kv.inner(masks[j + 1, : lay.cols], eq_cols[j]) for j in range(m)],
                      dtype=np.uint64).reshape(m, k)
        transcript.send_k(Y, ys, k)
        gammas, rr = _challenges(transcript, lay, m)
        u0 = kv.add(combine_rows(rr[None, : lay.data_rows], coef[: lay.data_rows])[0], masks[0])
        us = np.empty((m, lay.msg_len, k), dtype=np.uint64)
        for j in range(m):
            u0 = kv.add(u0, kv.scale(masks[j + 1], tuple(int(c) for c in rr[lay.data_rows + j])))
            us[j] = kv.add(kv.scale(rows_j[j], tuple(int(c) for c in gammas[j])), masks[j + 1])
        transcript.send_k(U0, u0, k)
        transcript.send_k(U_EVALS, us.reshape(-1, k), k)
        idx = distinct_indices(transcript, QUERIES, lay.n_queries, lay.n_cols)
        transcript.send_f(COLUMNS, np.ascontiguousarray(data.encoded[:, idx].T).ravel())
        transcript.send_bytes(SALTS, data.salts[idx].tobytes())
        transcript.send_bytes(MERKLE, data.tree.open_multi_bytes(idx))
        return values


def simulate_opening(params: LigeroZkParams, n_vars: int, points: Sequence[Sequence[Any]],
                     values: Sequence[Any], transcript: Any,
                     randomness: Randomness = OS_RANDOMNESS, block: int = 0,
                     used: int | None = None) -> None:
    """Write an opening of a table of 2^n_vars entries at ``points`` with ``values`` without
    the table: the zero-knowledge simulator of the verifier's docstring. Its field elements
    have the real law (uniform y, u's uniform on the value hyperplanes, data-row entries uniform,
    mask-row entries solved from the column checks); salts are fresh and the Merkle nodes random
    bytes, so it passes every check but the Merkle one (a random oracle would be programmed)."""
    k = params.k
    lay = zk_layout(n_vars, params, used)
    pts = normalize_points(points, n_vars, k)
    m = check_point_count(len(pts), params)
    vals = normalize_values(values, m, k)
    kv = vec_field(k, "numpy")
    eq_rows, eq_cols = statement_points(pts, lay.b, k)
    absorb_statement(transcript, statement_tag(params), n_vars, k, pts, vals)
    transcript.send_bytes(BLOCK, block.to_bytes(2, "big"))
    ys = randomness.k_vector(m, k)
    transcript.send_k(Y, ys, k)
    gammas, rr = _challenges(transcript, lay, m)
    u0 = randomness.k_vector(lay.msg_len, k)
    us = randomness.k_vector(m * lay.msg_len, k).reshape(m, lay.msg_len, k)
    for j in range(m):  # put u_j on its hyperplane <u_j[:C], e_j> = gamma_j v_j + y_j
        target = kv.add(kv.mul(gammas[j], np.array(vals[j], dtype=np.uint64)), ys[j])
        pivot = int(np.flatnonzero(np.any(eq_cols[j] != 0, axis=1))[0])
        e = eq_cols[j].copy()
        e[pivot] = 0
        rest = np.array(kv.inner(us[j, : lay.cols], e), dtype=np.uint64)
        us[j, pivot] = kv.mul(kv.sub(target, rest), kv.inv_batch(eq_cols[j][pivot][None])[0])
    transcript.send_k(U0, u0, k)
    transcript.send_k(U_EVALS, us.reshape(-1, k), k)
    idx = distinct_indices(transcript, QUERIES, lay.n_queries, lay.n_cols)
    cols = randomness.f_vector(idx.size * lay.rows).reshape(idx.size, lay.rows)
    coeffs = combination_coefficients(lay, block, eq_rows[:, : lay.data_rows],
                                      rr[: lay.data_rows], rr[lay.data_rows :], gammas)
    enc = encode_at(np.concatenate([u0[None], us]), lay, idx)  # (1 + m, q, k)
    for j in [*range(1, m + 1), 0]:  # Qh_{g,j} (j >= 1) first: u_0's check involves them
        rows = lay.mask_row(block, j)
        cols[:, rows] = 0
        partial = combine_rows(coeffs[j : j + 1], np.ascontiguousarray(cols.T), "numpy")[0]
        cols[:, rows] = kv.sub(enc[j], partial)  # coefficient X^s on row s: solved exactly
    transcript.send_f(COLUMNS, np.ascontiguousarray(cols).ravel())
    transcript.send_bytes(SALTS, randomness.bytes(idx.size * SALT_BYTES))
    transcript.send_bytes(MERKLE, randomness.bytes(HASH_BYTES * multi_proof_len(lay.log_n, idx)))


# ---- the registry entry (prover/pcs/registry.py) and its .tpk codec --------------------------


class LigeroZkCodec:
    """Arrays ``pads`` (2^a, l) and ``masks`` (mask rows, C') uint64 (the committed randomness:
    with the table they rebuild the coefficient rows; a commitment of all 2^a rows, the only
    kind stored (the model's: it has no ``used``)), ``encoded`` (R', N), ``salts`` (N, 32)
    uint8, ``opened`` (1,) uint64 and ``tree0..treeD``. Decoding checks shapes, canonical
    values, the tree and its root; the encoding and salts are trusted as in ``LigeroCodec``
    (the prover's own data: a wrong value only makes the verifier reject)."""

    def encode(self, data: LigeroZkProverData) -> dict[str, np.ndarray]:
        lay, coef = data.layout, data.coefficients
        return {"pads": coef[: lay.data_rows, lay.cols :], "masks": coef[lay.data_rows :],
                "encoded": data.encoded, "salts": data.salts, "opened": data.opened,
                **{f"tree{i}": level for i, level in enumerate(data.tree.levels)}}

    def decode(self, commitment: Commitment, table: np.ndarray,
               arrays: Mapping[str, np.ndarray], config: dict) -> LigeroZkProverData:
        prm = ligero_zk_params(config)
        lay = zk_layout(commitment.n_vars, prm)
        shapes = {"pads": ((lay.data_rows, lay.ell), np.uint64),
                  "masks": ((lay.mask_rows, lay.msg_len), np.uint64),
                  "encoded": ((lay.rows, lay.n_cols), np.uint64),
                  "salts": ((lay.n_cols, SALT_BYTES), np.uint8), "opened": ((1,), np.uint64)}
        got: dict[str, np.ndarray] = {}
        for name, (shape, dtype) in shapes.items():
            a = arrays.get(name)
            if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != dtype:
                raise KeyFileError("the proving key's commitment data has the wrong shape (a "
                                   "key made by an older tensorproof? run setup again)")
            got[name] = a
        try:
            check_canonical(got["pads"])
            check_canonical(got["masks"])
        except FieldError:
            raise KeyFileError("the proving key's commitment randomness is not canonical") \
                from None
        if int(got["opened"][0]) > prm.openings:
            raise KeyFileError("the proving key's opening count exceeds its budget")
        levels = [arrays.get(f"tree{i}") for i in range(lay.log_n + 1)]
        tree = MerkleTree.checked(levels, lay.n_cols, commitment.root)
        coef = np.empty((lay.rows, lay.msg_len), dtype=np.uint64)
        coef[: lay.data_rows, : lay.cols] = table.reshape(lay.data_rows, lay.cols)
        coef[: lay.data_rows, lay.cols :] = got["pads"]
        coef[lay.data_rows :] = got["masks"]
        return LigeroZkProverData(commitment, lay, coef, got["encoded"], got["salts"], tree,
                                  got["opened"].copy())


class LigeroZkScheme:
    """ligero-zk in the registry: the prover of a configuration and the .tpk codec."""

    codec = LigeroZkCodec()

    def prover(self, config: dict) -> LigeroZkPCS:
        return LigeroZkPCS(ligero_zk_params(config))


SCHEME = LigeroZkScheme()
