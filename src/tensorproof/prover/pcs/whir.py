"""Prover of the WHIR multilinear commitment (mirrors ``verifier.pcs.whir``, which specifies the
messages).

commit: zero-pad the table to 2^m, its monomial coefficients by the Moebius transform (m passes
of subtractions), the univariate codeword on L_0 by one NTT (``rs_encode``), and the Merkle tree
over its fibers. open: the weighted sumcheck of sum_b w(b) f(b) with the weight w kept as a table
(a sum of eq tables), folding the evaluations, the coefficients and the weight with each alpha;
a codeword and tree per round, the OOD answers, proof-of-work grinding (a numba Keccak search)
and the fiber openings. Costs O(2^m 2^r) for the commitment and O(2^m) per opening.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import KeyFileError
from ...field.encoding import encode_k_array
from ...field.vec import VecField, vec_field
from ...poly.mle import boolean_suffix, eq_table, evaluate, split_rows
from ...poly.ntt import rs_encode, rs_encode_ext
from ...transcript.keccak_batch import keccak256_gathered
from ...verifier.merkle import LEAF_PREFIX
from ...verifier.pcs.commitment import Commitment, absorb_statement, normalize_points
from ...verifier.pcs.whir import (
    SCHEME_TAG,
    BatchLayout,
    WhirVerifier,
    absorb_batch_statement,
    claim_weights,
    commitment_ood_points,
    gamma_powers,
    ood_points,
    pad_point,
    query_indices,
    query_points,
    whir_params,
    whir_schedule,
)
from ...verifier.pcs.whir_fold import (
    codeword_planes,
    coeff_eval,
    fiber_view,
    power_points,
)
from ...verifier.pcs.whir_params import WhirParams, WhirSchedule, batch_supported, padded_vars
from ..merkle import MerkleTree
from .ligero import check_table
from .whir_pow import grind


@dataclass(frozen=True, eq=False)
class WhirProverData:
    """What the prover keeps after committing: the padded table, its codeword and the tree."""

    commitment: Commitment
    table: np.ndarray
    codeword: np.ndarray
    tree: MerkleTree


def moebius(table: np.ndarray) -> np.ndarray:
    """Monomial coefficients of the multilinear extension of an F table (hypercube values):
    for each variable t, c[.. 1 ..] -= c[.. 0 ..] (m vectorized passes)."""
    fv = vec_field(1)
    c = np.array(table, dtype=np.uint64)
    half = 1
    while half < len(c):
        blocks = c.reshape(-1, 2, half)
        blocks[:, 1, :] = fv.sub(np.ascontiguousarray(blocks[:, 1, :]),
                                 np.ascontiguousarray(blocks[:, 0, :]))
        half *= 2
    return c


def tree_of(codeword: np.ndarray, folding: int, salts: np.ndarray | None = None,
            tail: np.ndarray | None = None, tail_folding: int = 0) -> MerkleTree:
    """The Merkle tree over a codeword's fibers (leaf j: ``salts[j]`` ‖ fiber j when salted,
    whir_zk.py, then ``tail``'s fiber j of 2^tail_folding values: whir-zk's joint leaves),
    each leaf hashed where its values lie in the codewords' planes."""
    hashes = keccak256_gathered(codeword_planes(codeword), 1 << folding, salts, LEAF_PREFIX[0],
                                None if tail is None else codeword_planes(tail),
                                1 << tail_folding)
    return MerkleTree.over_hashes(hashes)


def zero_prefix(point: np.ndarray, m: int) -> int:
    """How many of a point's first m coordinates ((n, k) uint64) lead with 0: eq(point, .)
    is zero off the multiples of 2^d there (an embedded table's points: whir_zk.py's f^ and
    G in a larger run)."""
    nonzero = np.flatnonzero(point[:m].any(axis=1))
    return int(nonzero[0]) if nonzero.size else m


def _weight(kv: VecField, coefs: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """sum_l coefs[l] eq(pts[l], .) as a table over pts' hypercube. A point whose last
    coordinates are Boolean (zero padding, a packed slot's bits, y = 0 of whir-zk) adds its
    eq table over the others into the block those bits select (``boolean_suffix``), and one
    whose first d are 0 into that block's multiples of 2^d (``zero_prefix``)."""
    total = kv.zeros(1 << pts.shape[1])
    for c, p in zip(kv.to_scalars(coefs), pts):
        z = kv.to_scalars(p)
        m, offset = boolean_suffix(z)
        d = zero_prefix(p, m)
        block = total[offset : offset + (1 << m) : 1 << d]
        block[...] = kv.add(np.ascontiguousarray(block), eq_table(kv, z[d:m], scale=c))
    return total


def add_embedded(kv: VecField, evals: np.ndarray, coeffs: np.ndarray, table: np.ndarray,
                 table_k: np.ndarray, shift: int, scale: Any,
                 table_coeffs: np.ndarray | None = None) -> np.ndarray:
    """h += scale T_ext for an F table T (``table_k``: its values lifted to K; its F
    coefficients ``table_coeffs`` when the caller keeps them, else computed) embedded with
    ``shift`` = Delta (T_ext(X) = T(X^(2^Delta)): each hypercube value repeated 2^Delta
    times, its coefficients at the multiples of 2^Delta): ``coeffs`` updated in place, the
    new ``evals`` returned."""
    rep = 1 << shift
    t_coeffs = moebius(table) if table_coeffs is None else table_coeffs
    coeffs[::rep] = kv.add(np.ascontiguousarray(coeffs[::rep]),
                           kv.scale(kv.from_base(t_coeffs), scale))
    lifted = table_k if rep == 1 else np.repeat(table_k, rep, axis=0)
    return kv.add(evals, kv.scale(lifted, scale))


def _send_leaves(transcript: Any, codeword: np.ndarray, tree: MerkleTree, idx: np.ndarray,
                 folding: int) -> None:
    """The fibers of ``codeword`` at leaves ``idx`` ("whir/fibers": F values for an F codeword,
    K after) and their Merkle multi-opening ("whir/merkle")."""
    fibers = fiber_view(codeword, folding)[idx]
    if codeword.ndim == 1:
        transcript.send_f("whir/fibers", fibers.reshape(-1))
    else:
        transcript.send_k("whir/fibers", fibers.reshape(-1, codeword.shape[1]), codeword.shape[1])
    transcript.send_bytes("whir/merkle", tree.open_multi_bytes(idx))


def _mle(kv: VecField, evals: np.ndarray, point: Sequence[Any]) -> tuple[int, ...]:
    """The multilinear extension of the (2^len(point), k) table ``evals`` at ``point`` (its
    Boolean last coordinates select a block first: ``_weight``)."""
    arr = np.asarray(point, dtype=np.uint64).reshape(len(point), kv.k)
    z = kv.to_scalars(arr)
    m, offset = boolean_suffix(z)
    d = zero_prefix(arr, m)  # leading zeros: the block's multiples of 2^d
    return tuple(evaluate(kv, np.ascontiguousarray(evals[offset : offset + (1 << m) : 1 << d]),
                          z[d:m]))


def _evaluate_univariate(kv: VecField, coeffs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """f(y) = sum_i c_i y^i for each y of an (n, k) array -> (n, k)."""
    m = coeffs.shape[0].bit_length() - 1
    return coeff_eval(kv, coeffs, power_points(kv, ys, m))


class WhirPCS(WhirVerifier):
    """commit / open / verify of WHIR with the given ``WhirParams``."""

    def __init__(self, params: WhirParams | None = None) -> None:
        super().__init__(params)

    def commit(self, table: np.ndarray) -> tuple[Commitment, WhirProverData]:
        """Commit to an F table of length 2^n (the caller then absorbs/sends the commitment)."""
        n = check_table(table)
        prm = self.params
        whir_schedule(prm, n)  # the size is supported at this level
        m = padded_vars(prm, n)
        padded = np.zeros(1 << m, dtype=np.uint64)
        padded[: len(table)] = table
        coeffs = moebius(padded)
        codeword = rs_encode(coeffs, 1 << prm.log_inv_rate)
        tree = tree_of(codeword, prm.folding)
        kv = vec_field(self.k)
        ys = commitment_ood_points(tree.root, n, prm)
        answers = _evaluate_univariate(kv, kv.from_base(coeffs), ys)
        commitment = Commitment(root=tree.root, n_vars=n, extra=encode_k_array(answers))
        return commitment, WhirProverData(commitment, padded, codeword, tree)

    def open(self, data: WhirProverData, points: Sequence[Sequence[Any]],
             transcript: Any) -> list[tuple[int, ...]]:
        """Write the opening at ``points`` into ``transcript``; return the values T~(z_j).

        Soundness: the caller must have absorbed ``data.commitment`` before this call.
        """
        prm, k = self.params, self.k
        kv = vec_field(k)
        n = data.commitment.n_vars
        pts = normalize_points(points, n, k)
        sch = whir_schedule(prm, n)
        m = sch.n_vars
        claim_pts = np.array([pad_point(z, m, k) for z in pts], dtype=np.uint64).reshape(-1, m, k)
        evals = kv.from_base(data.table)
        values = [_mle(kv, evals, p) for p in claim_pts]
        absorb_statement(transcript, SCHEME_TAG + prm.to_bytes(), n, k, pts, values)
        coeffs = kv.from_base(moebius(data.table))
        ood_y = commitment_ood_points(data.commitment.root, n, prm)
        all_pts = np.concatenate([claim_pts, power_points(kv, ood_y, m)])

        def send0(idx: np.ndarray) -> None:
            _send_leaves(transcript, data.codeword, data.tree, idx, prm.folding)

        self._prove_rounds(kv, transcript, sch, all_pts, evals, coeffs, send0)
        return values

    def open_batch(self, datas: Sequence[WhirProverData],
                   points_per: Sequence[Sequence[Sequence[Any]]],
                   transcript: Any) -> list[list[tuple[int, ...]]]:
        """The batched opening of ``verifier.pcs.whir`` (``verify_batch``); the values of every
        table at its points. Soundness: the caller has absorbed every commitment first."""
        prm, k = self.params, self.k
        sizes = [d.commitment.n_vars for d in datas]
        if len(points_per) != len(datas):
            raise ValueError("whir: one list of points per table")
        if not batch_supported(prm, sizes):
            return [self.open(d, pts, transcript) for d, pts in zip(datas, points_per)]
        kv = vec_field(k)
        batch = BatchLayout(prm, sizes)
        evals_g = [kv.from_base(d.table) for d in datas]
        stmts = []
        for d, ev, points in zip(datas, evals_g, points_per):
            pts = normalize_points(points, d.commitment.n_vars, k)
            mg = padded_vars(prm, d.commitment.n_vars)
            stmts.append((pts, [_mle(kv, ev, pad_point(z, mg, k)) for z in pts]))
        absorb_batch_statement(transcript, prm, sizes, stmts)
        oods = [commitment_ood_points(d.commitment.root, d.commitment.n_vars, prm) for d in datas]
        all_pts, owner = batch.points(kv, [p for p, _ in stmts], oods)
        cross = [_mle(kv, evals_g[g], all_pts[j, batch.shift[g]:])
                 for g, j in batch.cross_order(owner)]
        transcript.send_k("whir/batch_evals", cross, k)
        beta = transcript.challenge_k("whir/batch", k)
        betas = kv.to_scalars(gamma_powers(kv, beta, 0, len(datas)))
        m = batch.m
        evals = kv.zeros(1 << m)
        coeffs = kv.zeros(1 << m)
        for g, (d, ev) in enumerate(zip(datas, evals_g)):
            evals = add_embedded(kv, evals, coeffs, d.table, ev, batch.shift[g], betas[g])

        def send0(idx: np.ndarray) -> None:
            for g, d in enumerate(datas):
                leaves, _, _ = batch.leaf_map(g, idx)
                _send_leaves(transcript, d.codeword, d.tree, leaves, prm.folding)

        self._prove_rounds(kv, transcript, batch.schedule, all_pts, evals, coeffs, send0)
        return [v for _, v in stmts]

    def _prove_rounds(self, kv: VecField, transcript: Any, sch: WhirSchedule,
                      all_pts: np.ndarray, evals: np.ndarray, coeffs: np.ndarray,
                      send0: Any, terms: Any = None) -> None:
        """Steps 1-3 (from the initial combination) for f_0 with hypercube values ``evals`` and
        coefficients ``coeffs``, claimed at ``all_pts`` (linear claims with ``terms``, as the
        verifier's ``_rounds``); ``send0(idx)`` sends round 0's fibers."""
        prm, k = self.params, self.k
        gamma = transcript.challenge_k("whir/combine", k)
        weight = _weight(kv, claim_weights(kv, gamma, len(all_pts), terms), all_pts)
        codeword: np.ndarray | None = None
        tree: MerkleTree | None = None
        for i, rnd in enumerate(sch.rounds):
            last, log_domain = i == len(sch.rounds) - 1, rnd.log_domain
            for _ in range(prm.folding):
                weight, evals, coeffs = self._sumcheck_round(kv, transcript, weight, evals, coeffs)
            m_next = rnd.n_vars - prm.folding
            if not last:
                next_cw = rs_encode_ext(coeffs, 1 << (sch.rounds[i + 1].log_domain - m_next))
                next_tree = tree_of(next_cw, prm.folding)
                transcript.send_bytes("whir/root", next_tree.root)
                ood_y = ood_points(transcript, rnd.ood, k)
                transcript.send_k("whir/ood_answers", _evaluate_univariate(kv, coeffs, ood_y), k)
            else:
                transcript.send_k("whir/final", coeffs, k)
            grind(transcript, "whir/pow", rnd.pow_bits)
            idx = query_indices(transcript, rnd.queries, 1 << (log_domain - prm.folding))
            if i == 0:
                send0(idx)
            else:
                assert codeword is not None and tree is not None
                _send_leaves(transcript, codeword, tree, idx, prm.folding)
            if last:
                break
            gamma = transcript.challenge_k("whir/combine", k)
            ys = query_points(kv, idx, log_domain, prm.folding)
            new_pts = np.concatenate([power_points(kv, ood_y, m_next),
                                      power_points(kv, ys, m_next)])
            weight = kv.add(weight, _weight(kv, gamma_powers(kv, gamma, 1, len(new_pts)), new_pts))
            codeword, tree = next_cw, next_tree

    def _sumcheck_round(self, kv: VecField, transcript: Any, w: np.ndarray, f: np.ndarray,
                        c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One round of sum_b w(b) f(b): send h(0), h(2); fold w, f and the coefficients c."""
        w_lo, w_hi = split_rows(w)
        f_lo, f_hi = split_rows(f)
        w_d, f_d = kv.sub(w_hi, w_lo), kv.sub(f_hi, f_lo)
        h0 = kv.inner(w_lo, f_lo)
        h2 = kv.inner(kv.add(w_hi, w_d), kv.add(f_hi, f_d))  # w(2) = w_hi + (w_hi - w_lo)
        transcript.send_k("whir/sumcheck", [h0, h2], self.k)
        r = transcript.challenge_k("whir/fold", self.k)
        c_lo, c_hi = split_rows(c)
        c_next = kv.add(c_lo, kv.scale(c_hi, r))
        return kv.add(w_lo, kv.scale(w_d, r)), kv.add(f_lo, kv.scale(f_d, r)), c_next


# ---- the registry entry (prover/pcs/registry.py) and its .tpk codec --------------------------


class WhirCodec:
    """Arrays ``codeword`` (f_0 on L_0, uint64) and ``tree0..treeD`` (the Merkle levels, leaf
    hashes first; (n, 32) uint8). Decoding checks the shapes, that every level hashes to the
    next and that the root is the commitment's (the codeword itself is the prover's own data:
    a wrong value only makes the verifier reject)."""

    def encode(self, data: WhirProverData) -> dict[str, np.ndarray]:
        return {"codeword": data.codeword,
                **{f"tree{i}": level for i, level in enumerate(data.tree.levels)}}

    def decode(self, commitment: Commitment, table: np.ndarray,
               arrays: Mapping[str, np.ndarray], config: dict) -> WhirProverData:
        prm = whir_params(config)
        m = padded_vars(prm, commitment.n_vars)
        codeword = arrays.get("codeword")
        if (codeword is None or codeword.shape != (1 << (m + prm.log_inv_rate),)
                or codeword.dtype != np.uint64):
            raise KeyFileError("the proving key's commitment data has the wrong shape")
        levels = [arrays.get(f"tree{i}") for i in range(len(arrays) - 1)]
        tree = MerkleTree.checked(levels, 1 << (m + prm.log_inv_rate - prm.folding),
                                  commitment.root)
        padded = np.zeros(1 << m, dtype=np.uint64)
        padded[: len(table)] = table
        return WhirProverData(commitment, padded, codeword, tree)


class WhirScheme:
    """WHIR in the registry: the prover of a configuration and the .tpk codec."""

    codec = WhirCodec()

    def prover(self, config: dict) -> WhirPCS:
        return WhirPCS(whir_params(config))


SCHEME = WhirScheme()
