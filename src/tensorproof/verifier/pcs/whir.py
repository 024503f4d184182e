"""Verifier of the WHIR multilinear commitment (Arnon, Chiesa, Fenzi, Yogev, ePrint 2024/1586):
the compact profile's PCS, challenges in K = F_p^3 (``whir_params.py``: parameters, schedule and
the soundness of every round under the proven Johnson bound).

Commitment: the table T (2^n F elements; zero-padded to 2^m, m = ``padded_vars``) is the
multilinear f^_0 = T~; its monomial coefficients give the univariate f_0 (``whir_fold.py``),
encoded on L_0 of size 2^(m + r) (rate 2^-r) and committed by the Keccak Merkle root over its
fibers (leaves of 2^kappa values), followed by the answers f_0(y) at s out-of-domain points y
drawn from the root (``commitment_ood_points``; ``Commitment.extra``, s K elements). In the
Johnson regime a root alone is close to a list of up to l_0 polynomials; the committed answers
pin one of them (WHIR's commit phase, ACFY Construction 5.1), so every opening of the root, in
any proof, is of the same polynomial except with probability C(l_0, 2) (2^m / (|K| - |L_0|))^s
per root the prover tries (``whir_params``: "initial OOD"; in a batched opening, "batch OOD,
every embedding"). A claimed point z of n coordinates
is padded with zeros.

Opening at z_1..z_J with values v_j, message by message (labels in quotes; every challenge is
drawn after everything it depends on is absorbed):
  0. both sides absorb the statement (params, n, k, points, values);
  1. "whir/combine" gamma; the claim is sigma = sum_b w(b) f^_0(b) with w = sum_l gamma^l
     eq(p_l, .) over the points p_l = z_j and the power points (y, y^2, ..) of the commitment's
     OOD points, sigma = sum_l gamma^l v_l over the claimed values and the committed answers;
  2. for each round i = 0..M-1 (schedule), with f_i on L_i (|L_i| = 2^(m_i + r_i)):
     a. kappa sumcheck rounds: P sends h(0), h(2) ("whir/sumcheck"; h(1) = sigma - h(0)),
        "whir/fold" alpha; sigma = h(alpha);
     b. not last: P sends the root of f_(i+1) = f^_i(alpha, .) on L_(i+1) (a subgroup of L_i)
        ("whir/root"),
        s OOD points and answers as in 1; last: P sends f_M's 2^(m_M) coefficients ("whir/final");
     c. proof of work of ``pow_bits`` ("whir/pow": an 8-byte nonce, ``pow_digest``);
     d. t_i leaf indices ("whir/queries", distinct, sorted); P sends their fibers of f_i
        ("whir/fibers": F for i = 0, K after) and one Merkle multi-opening ("whir/merkle");
        V folds each fiber with alpha (Fold(f_i, alpha)(y_j), y_j = w^j of L_i^(2^kappa));
     e. not last: "whir/combine" gamma; sigma += sum_l gamma^(l+1) u_l over the OOD answers
        and folded values u_l, and the weight gains gamma^(l+1) eq(power point, .);
        last: each folded value must equal f_M(y_j).
  3. Final: sigma = sum_b w_M(b) f^_M(b), where each weight term coef * eq(p, .) introduced in
     round i contributes coef * eq(p_head, alphas) * f^_M(p_tail).
Soundness: ``whir_params`` (round-by-round, Johnson regime). The caller must have absorbed the
commitment before ``verify`` and must end the proof with ``check_eof``.

Batched opening (``verify_batch``) of G tables T_g committed separately (m_g = padded_vars(n_g),
f_g on L_g of size 2^(m_g + r)): m = max m_g, Delta_g = m - m_g, and T_g is embedded as
T_g,ext(X_1..X_m) = T_g~(X_(Delta_g+1)..X_m), the univariate f_g(X^(2^Delta_g)) of degree < 2^m,
whose codeword on L (|L| = 2^(m + r)) at x is f_g's at x^(2^Delta_g) in L_g = L^(2^Delta_g): no
new commitment. A claim or committed OOD answer of T_g at p is one of T_g,ext at (0^Delta_g, p).
  B0. both sides absorb "whir/batch" = BATCH_TAG ‖ u8 G and each table's statement (n_g,
      points, values) in order (``absorb_batch_statement``);
  B1. the points of h, table by table: its claimed points then its commitment's OOD power
      points, each prefixed by Delta_g zeros (``BatchLayout.points``); P sends
      "whir/batch_evals": every table g (in order) at every point of the other tables (in
      order), T_g,ext's value there;
  B2. "whir/batch" beta; h = sum_g beta^g T_g,ext, claimed at every point with the beta sum of
      the tables' values there (own values: claimed values and committed answers);
  then steps 1-3 run on h with the schedule of the largest table, except that in round 0 each
  query j (a leaf of L's fiber tree, 2^(m + r - kappa) leaves) reads, for each table g in order,
  leaf j mod N'_g of g's tree (N'_g = 2^(m_g + r - kappa) leaves; distinct leaves, sorted: one
  "whir/fibers" message of F values and one "whir/merkle" multi-opening per table): h's fiber
  value l at j is sum_g beta^g of g's leaf value (j // N'_g + l 2^Delta_g) mod 2^kappa, since
  (w^j zeta^l)^(2^Delta_g) is position j + l 2^Delta_g N'_g of L_g. The prover never encodes h
  on L: it folds h's hypercube values (T_g's repeated 2^Delta_g times along the low bits) and
  coefficients (T_g's coefficient i at i << Delta_g). Tables whose batch terms (``whir_params``:
  "Batched opening") miss the level are opened one by one instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ...errors import ConfigError, ProofFormatError, VerificationError
from ...field.encoding import decode_f_array
from ...field.params import TWO_ADICITY, P
from ...field.scalar import ext_field
from ...field.vec import VecField
from ...poly.mle import power_rows
from ...poly.ntt import root_of_unity
from ...transcript import HASH_BYTES, keccak256
from ...transcript.base import Transcript
from .. import evaluations as ev
from ..merkle import LEAF_PREFIX, verify_multi_rows
from .commitment import (
    Commitment,
    absorb_statement,
    distinct_indices,
    normalize_points,
    normalize_values,
)
from .ligero import recv_multi_proof
from .whir_fold import (
    coeff_eval,
    eq_points,
    fiber_leaf_bytes,
    fold_fibers,
    power_points,
    round_value,
    sum_rows,
)
from .whir_params import (
    MAX_CLAIMS,
    WhirParams,
    WhirSchedule,
    batch_supported,
    padded_vars,
    schedule,
    security_bits,
)

SCHEME_TAG = b"whir-v1"
COMMIT_DOMAIN = b"tensorproof/whir-commitment"
POW_TAG = b"\x06"
NONCE_BYTES = 8


def pow_digest(state: bytes, label: str, nonce: bytes) -> bytes:
    """keccak256(state ‖ 0x06 ‖ u32(|label|) ‖ label ‖ u64 nonce): the proof-of-work hash of the
    transcript state before the nonce is sent (the nonce is then absorbed as a message)."""
    lab = label.encode("ascii")
    return keccak256(state, POW_TAG, len(lab).to_bytes(4, "big"), lab, nonce)


def pow_ok(digest: bytes, bits: int) -> bool:
    """Whether ``digest`` starts with ``bits`` zero bits."""
    return bits == 0 or int.from_bytes(digest, "big") >> (8 * len(digest) - bits) == 0


def check_pow(transcript: Any, label: str, bits: int) -> None:
    """Read the nonce of a ``bits``-bit proof of work and check it (nothing is sent for 0)."""
    if bits == 0:
        return
    state = transcript.state
    nonce = transcript.recv_bytes(label, NONCE_BYTES)
    if not pow_ok(pow_digest(state, label, nonce), bits):
        raise VerificationError(f"whir: proof of work {label} does not have {bits} zero bits")


def query_indices(transcript: Any, n_queries: int, n_leaves: int) -> np.ndarray:
    """t_i leaf indices uniform in [0, n_leaves) -> sorted distinct int64."""
    return distinct_indices(transcript, "whir/queries", n_queries, n_leaves)


def ood_points(transcript: Any, n: int, k: int) -> np.ndarray:
    """n out-of-domain points of K ("whir/ood") as an (n, k) array."""
    return np.array(transcript.challenges_k("whir/ood", n, k), dtype=np.uint64).reshape(n, k)


def commitment_ood_points(root: bytes, n_vars: int, params: WhirParams) -> np.ndarray:
    """The s OOD points of a commitment: "whir/ood" of a transcript over domain COMMIT_DOMAIN
    that absorbed "whir/root" = SCHEME_TAG ‖ params.to_bytes() ‖ u8 n_vars ‖ root."""
    t = Transcript(COMMIT_DOMAIN)
    t.absorb_bytes("whir/root", SCHEME_TAG + params.to_bytes() + bytes([n_vars]) + root)
    return ood_points(t, params.ood, params.k)


def committed_answers(commitment: Commitment, params: WhirParams) -> np.ndarray:
    """The commitment's answers at its OOD points, (s, k); ProofFormatError unless canonical."""
    try:
        return decode_f_array(commitment.extra, params.ood * params.k).reshape(-1, params.k)
    except ProofFormatError as e:
        raise ProofFormatError(f"whir commitment: {e}") from None


def leaf_positions_points(positions: np.ndarray, log_domain: int, folding: int) -> list[int]:
    """The points y_j = w^j of L^(2^folding) (w of order 2^(log_domain - folding)), as ints."""
    w = root_of_unity(1 << (log_domain - folding))
    return [pow(w, int(j), P) for j in positions]


def query_points(kv: VecField, positions: np.ndarray, log_domain: int, folding: int
                 ) -> np.ndarray:
    """The points y_j of ``leaf_positions_points`` as an (n, k) array of K."""
    return kv.from_base(np.array(leaf_positions_points(positions, log_domain, folding),
                                 dtype=np.uint64))


def pad_point(z: Sequence[tuple[int, ...]], m: int, k: int) -> list[tuple[int, ...]]:
    """A point of n coordinates padded with zeros to m (T is zero-padded to 2^m entries)."""
    return list(z) + [(0,) * k] * (m - len(z))


@dataclass
class Constraints:
    """The weight w = sum coef * eq(point, .) of the running claim, grouped by the round in
    which each term came in (its points have that round's m_i coordinates)."""

    kv: VecField
    groups: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    """(round, (T, k) coefficients, (T, m_round, k) points)."""

    def add(self, rnd: int, coefs: np.ndarray, points: np.ndarray) -> None:
        self.groups.append((rnd, coefs, points))

    def final_value(self, alphas: list[list[tuple[int, ...]]], coeffs: np.ndarray,
                    extra: np.ndarray) -> tuple[tuple, np.ndarray]:
        """(sum over terms of coef * eq(p_head, alphas since its round) * f^_M(p_tail), f^_M at
        the ``extra`` points (T, m_M, k)): every tail and the extra points in one
        ``coeff_eval`` (its fixed cost per call dominates at these sizes)."""
        kv = self.kv
        heads = [np.array([a for rs in alphas[rnd:] for a in rs], dtype=np.uint64).reshape(-1, kv.k)
                 for rnd, _, _ in self.groups]
        tails = [pts[:, len(head):] for head, (_, _, pts) in zip(heads, self.groups)]
        vals = coeff_eval(kv, coeffs, np.concatenate([*tails, extra]))
        total = np.zeros(kv.k, dtype=np.uint64)
        start = 0
        for head, (_, coefs, pts), tail in zip(heads, self.groups, tails):
            e = eq_points(kv, pts[:, : len(head)], head)
            part = vals[start : start + len(tail)]
            total = kv.add(total, _sum(kv, kv.mul(kv.mul(coefs, e), part)))
            start += len(tail)
        return tuple(int(c) for c in total), vals[start:]


def _sum(kv: VecField, a: np.ndarray) -> np.ndarray:
    """(T, k) -> (k,): the sum of the T elements."""
    return sum_rows(kv, a[None])[0]


def claim_weights(kv: VecField, gamma: tuple[int, ...], n_points: int, terms: Any = None
                  ) -> np.ndarray:
    """The initial combination's coefficient of each point, (P, k): gamma^l for the l-th
    point claim, or, with ``terms`` = (coefs (P, k), claim (P,)) (linear claims: a claim is a
    sum of coef T~(point) terms), gamma^claim times the term's coef."""
    if terms is None:
        return gamma_powers(kv, gamma, 0, n_points)
    coefs, claim = terms
    powers = gamma_powers(kv, gamma, 0, int(np.max(claim)) + 1)
    return kv.mul(powers[np.asarray(claim, dtype=np.int64)], np.asarray(coefs, dtype=np.uint64))


def gamma_powers(kv: VecField, gamma: tuple[int, ...], start: int, n: int) -> np.ndarray:
    """gamma^start, .., gamma^(start + n - 1) as an (n, k) array (``mle.power_rows``)."""
    return power_rows(ext_field(kv.k), tuple(gamma), start + n)[start:]


class WhirVerifier:
    """Checks openings of a ``Commitment`` made by the WHIR prover with the same params."""

    def __init__(self, params: WhirParams | None = None) -> None:
        self.params = params or WhirParams()
        self.k = self.params.k

    def verify(self, commitment: Commitment, points: Sequence[Sequence[Any]],
               values: Sequence[Any], transcript: Any) -> None:
        """Check T~(z_j) = values[j] for all j; VerificationError (ProofFormatError on malformed
        bytes). Soundness: ``commitment`` must already be absorbed by the caller."""
        prm, k = self.params, self.k
        kv = ev.vec(k)
        n = commitment.n_vars
        pts = normalize_points(points, n, k)
        vals = normalize_values(values, len(pts), k)
        absorb_statement(transcript, SCHEME_TAG + prm.to_bytes(), n, k, pts, vals)
        if len(pts) > MAX_CLAIMS:
            raise VerificationError(f"whir: {len(pts)} claimed points exceed {MAX_CLAIMS}")
        sch = whir_schedule(prm, n)
        m = sch.n_vars
        ood_y = commitment_ood_points(commitment.root, n, prm)
        ood_v = committed_answers(commitment, prm)
        claim_pts = np.array([pad_point(z, m, k) for z in pts], dtype=np.uint64).reshape(-1, m, k)
        all_pts = np.concatenate([claim_pts, power_points(kv, ood_y, m)])
        all_vals = np.concatenate([np.array(vals, dtype=np.uint64).reshape(-1, k), ood_v])
        root = commitment.root

        def open0(idx: np.ndarray, log_domain: int, rs: list[tuple[int, ...]]) -> np.ndarray:
            return self._open_fibers(kv, transcript, root, idx, log_domain, 0, rs)

        self._rounds(kv, transcript, sch, all_pts, all_vals, open0)

    def verify_batch(self, commitments: Sequence[Commitment],
                     points_per: Sequence[Sequence[Sequence[Any]]],
                     values_per: Sequence[Sequence[Any]], transcript: Any) -> None:
        """Check T_g~(z) = v for every table g, point z of ``points_per[g]`` and value of
        ``values_per[g]``: one batched opening ("Batched opening" above) when ``batch_supported``
        (2..MAX_BATCH tables whose batch terms meet the level), else one ``verify`` per table in
        order. Soundness: every commitment is absorbed by the caller first."""
        prm, k = self.params, self.k
        if len(commitments) != len(points_per) or len(points_per) != len(values_per):
            raise VerificationError("whir: one list of points and values per commitment")
        sizes = [c.n_vars for c in commitments]
        if not batch_supported(prm, sizes):
            for c, pts, vals in zip(commitments, points_per, values_per):
                self.verify(c, pts, vals, transcript)
            return
        kv = ev.vec(k)
        stmts = []
        for c, points, values in zip(commitments, points_per, values_per):
            pts = normalize_points(points, c.n_vars, k)
            stmts.append((pts, normalize_values(values, len(pts), k)))
        batch = BatchLayout(prm, sizes)
        absorb_batch_statement(transcript, prm, sizes, stmts)
        if batch.n_points(len(p) for p, _ in stmts) > MAX_CLAIMS:
            raise VerificationError(f"whir: more than {MAX_CLAIMS} points in a batch")
        answers = [committed_answers(c, prm) for c in commitments]
        oods = [commitment_ood_points(c.root, c.n_vars, prm) for c in commitments]
        all_pts, owner = batch.points(kv, [p for p, _ in stmts], oods)
        own = [np.concatenate([np.array(v, dtype=np.uint64).reshape(-1, k), a])
               for (_, v), a in zip(stmts, answers)]
        cross = transcript.recv_k_array("whir/batch_evals", batch.n_cross(owner), k)
        table = batch.value_table(kv, owner, own, cross)  # (G, P, k): T_g,ext at every point
        beta = transcript.challenge_k("whir/batch", k)
        betas = gamma_powers(kv, beta, 0, len(sizes))
        all_vals = _sum_groups(kv, betas, table)
        roots = [c.root for c in commitments]

        def open0(idx: np.ndarray, log_domain: int, rs: list[tuple[int, ...]]) -> np.ndarray:
            fibers = np.zeros((idx.size, 1 << prm.folding, k), dtype=np.uint64)
            for g, root in enumerate(roots):
                fibers = kv.add(fibers, self._embedded_fibers(kv, transcript, batch, g, root,
                                                              idx, betas[g]))
            return fold_fibers(kv, fibers, idx, log_domain, rs)

        self._rounds(kv, transcript, batch.schedule, all_pts, all_vals, open0)

    def _embedded_fibers(self, kv: VecField, transcript: Any, batch: BatchLayout, g: int,
                         root: bytes, idx: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Round 0 of a batched opening for table g: its leaves that the queries ``idx`` of h
        read (``BatchLayout.leaf_map``) with their Merkle opening against ``root``, as
        ``scale`` times T_g,ext's values on h's fibers, (q, 2^kappa, k)."""
        leaves, slot, pos = batch.leaf_map(g, idx)
        leaf_vals = self._read_leaves(transcript, root, leaves, batch.depth(g), 0)
        picked = kv.from_base(leaf_vals[slot[:, None], pos])  # (q, 2^kappa, k)
        return kv.mul(picked, np.broadcast_to(scale, picked.shape).copy())

    def _rounds(self, kv: VecField, transcript: Any, sch: WhirSchedule, all_pts: np.ndarray,
                all_vals: np.ndarray, open0: Any, terms: Any = None) -> None:
        """Steps 1-3 from the initial combination on, for f_0 with the claims ``all_pts`` ->
        ``all_vals``; ``open0(idx, log_domain, alphas)`` reads round 0's fibers and folds them.
        ``terms`` = (coefficients (P, k), claim of each point (P,)): claim l is then
        sum of coef f^_0(point) over its points = all_vals[l] (``claim_weights``)."""
        prm, k = self.params, self.k
        cons = Constraints(kv)
        gamma = transcript.challenge_k("whir/combine", k)
        coefs = claim_weights(kv, gamma, len(all_pts), terms)
        cons.add(0, coefs, all_pts)
        sigma = _sum(kv, kv.mul(gamma_powers(kv, gamma, 0, len(all_vals)), all_vals))
        root = b""
        alphas: list[list[tuple[int, ...]]] = []
        final = value = None
        for i, rnd in enumerate(sch.rounds):
            last, log_domain = i == len(sch.rounds) - 1, rnd.log_domain
            sigma, rs = self._sumcheck(kv, transcript, sigma)
            alphas.append(rs)
            m_next = rnd.n_vars - prm.folding
            if not last:
                next_root = transcript.recv_bytes("whir/root", HASH_BYTES)
                ood_y = ood_points(transcript, rnd.ood, k)
                ood_v = transcript.recv_k_array("whir/ood_answers", rnd.ood, k)
            else:
                final = transcript.recv_k_array("whir/final", 1 << m_next, k)
            check_pow(transcript, "whir/pow", rnd.pow_bits)
            idx = query_indices(transcript, rnd.queries, 1 << (log_domain - prm.folding))
            if i == 0:
                folded = open0(idx, log_domain, rs)
            else:
                folded = self._open_fibers(kv, transcript, root, idx, log_domain, i, rs)
            y_pts = power_points(kv, query_points(kv, idx, log_domain, prm.folding), m_next)
            if last:
                assert final is not None
                value, expect = cons.final_value(alphas, final, y_pts)
                bad = np.flatnonzero(np.any(expect != folded, axis=1))
                if bad.size:
                    raise VerificationError(f"whir: folded value at query {int(idx[bad[0]])} of "
                                            f"round {i} is not the final polynomial's")
                break
            gamma = transcript.challenge_k("whir/combine", k)
            new_pts = np.concatenate([power_points(kv, ood_y, m_next), y_pts])
            new_vals = np.concatenate([ood_v, folded])
            coefs = gamma_powers(kv, gamma, 1, len(new_pts))
            cons.add(i + 1, coefs, new_pts)
            sigma = kv.add(sigma, _sum(kv, kv.mul(coefs, new_vals)))
            root = next_root
        assert value is not None  # the last round sets it
        if value != tuple(int(c) for c in sigma):
            raise VerificationError("whir: the final sumcheck claim does not match the final "
                                    "polynomial")

    def _sumcheck(self, kv: VecField, transcript: Any,
                  sigma: np.ndarray) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """kappa rounds of the sumcheck of sum_b w(b) f(b) (degree 2): the new claim, alphas."""
        rs = []
        for _ in range(self.params.folding):
            h = transcript.recv_k_array("whir/sumcheck", 2, self.k)
            h1 = kv.sub(sigma, h[0])
            r = transcript.challenge_k("whir/fold", self.k)
            sigma = round_value(kv, h[0], h1, h[1], r)
            rs.append(r)
        return sigma, rs

    def _open_fibers(self, kv: VecField, transcript: Any, root: bytes, idx: np.ndarray,
                     log_domain: int, rnd: int, alphas: list[tuple[int, ...]]) -> np.ndarray:
        """Read the fibers at ``idx`` and their Merkle opening against ``root``; fold them."""
        fibers = self._read_leaves(transcript, root, idx, log_domain - self.params.folding, rnd)
        return fold_fibers(kv, fibers, idx, log_domain, alphas)

    def _read_leaves(self, transcript: Any, root: bytes, idx: np.ndarray, depth: int,
                     rnd: int) -> np.ndarray:
        """The leaves at ``idx`` (sorted, distinct) of a tree of 2^depth leaves: "whir/fibers"
        (F values in round 0, K after) and "whir/merkle", checked against ``root``."""
        prm, k = self.params, self.k
        width = 1 << prm.folding
        if rnd == 0:
            fibers = transcript.recv_f_array("whir/fibers", idx.size * width).reshape(-1, width)
        else:
            fibers = transcript.recv_k_array("whir/fibers", idx.size * width, k).reshape(
                -1, width, k)
        nodes = recv_multi_proof(transcript, "whir/merkle", depth, idx)
        leaf_hashes = ev.hash_rows(fiber_leaf_bytes(fibers), LEAF_PREFIX[0])
        verify_multi_rows(root, depth, idx, leaf_hashes, nodes)
        return fibers


def _sum_groups(kv: VecField, betas: np.ndarray, table: np.ndarray) -> np.ndarray:
    """sum_g betas[g] table[g] for (G, k) betas and a (G, P, k) table -> (P, k)."""
    out = np.zeros(table.shape[1:], dtype=np.uint64)
    for g in range(table.shape[0]):
        out = kv.add(out, kv.mul(table[g], np.broadcast_to(betas[g], table[g].shape).copy()))
    return out


BATCH_TAG = b"whir-batch-v1"


def absorb_batch_statement(transcript: Any, params: WhirParams, sizes: Sequence[int],
                           stmts: Sequence[tuple[Sequence[Any], Sequence[Any]]]) -> None:
    """Step B0: "whir/batch" = BATCH_TAG ‖ u8 G, then each table's statement (its n_g, points,
    values; ``absorb_statement`` with scheme BATCH_TAG ‖ params) in order."""
    transcript.absorb_bytes("whir/batch", BATCH_TAG + bytes([len(sizes)]))
    for n, (pts, vals) in zip(sizes, stmts):
        absorb_statement(transcript, BATCH_TAG + params.to_bytes(), n, params.k, pts, vals)


class BatchLayout:
    """Where the tables of a batched opening sit in h = sum_g beta^g T_g,ext: sizes, shifts
    Delta_g = m - m_g, the points of h and the leaves of each tree a round-0 query reads."""

    def __init__(self, params: WhirParams, sizes: Sequence[int]) -> None:
        self.params = params
        self.sizes = list(sizes)
        self.schedule = whir_schedule(params, max(sizes))
        self.m = self.schedule.n_vars
        self.m_g = [whir_schedule(params, n).n_vars for n in sizes]
        self.shift = [self.m - mg for mg in self.m_g]

    def n_points(self, claims: Any) -> int:
        return sum(claims) + len(self.sizes) * self.params.ood

    def depth(self, g: int) -> int:
        """log2 of table g's number of leaves."""
        return self.m_g[g] + self.params.log_inv_rate - self.params.folding

    def points(self, kv: VecField, claims: Sequence[Sequence[Any]], oods: Sequence[np.ndarray]
               ) -> tuple[np.ndarray, list[int]]:
        """The points of h, (P, m, k): for each table g in order its claimed points (padded to
        m_g) then its commitment's OOD power points (m_g), each prefixed with Delta_g zeros;
        and the table each point belongs to."""
        k, out, owner = kv.k, [], []
        for g, (pts, ys) in enumerate(zip(claims, oods)):
            mg, d = self.m_g[g], self.shift[g]
            own = np.concatenate([
                np.array([pad_point(z, mg, k) for z in pts], dtype=np.uint64).reshape(-1, mg, k),
                power_points(kv, ys, mg)])
            out.append(np.concatenate([np.zeros((len(own), d, k), dtype=np.uint64), own], axis=1))
            owner += [g] * len(own)
        return np.concatenate(out), owner

    def n_cross(self, owner: Sequence[int]) -> int:
        """Cross-evaluations: every table at every point of the others."""
        return (len(self.sizes) - 1) * len(owner)

    def cross_order(self, owner: Sequence[int]) -> list[tuple[int, int]]:
        """(table, point) of each cross-evaluation in message order: tables in order, then the
        points of the others in order."""
        return [(g, j) for g in range(len(self.sizes))
                for j, o in enumerate(owner) if o != g]

    def value_table(self, kv: VecField, owner: Sequence[int], own: Sequence[np.ndarray],
                    cross: np.ndarray) -> np.ndarray:
        """(G, P, k): T_g,ext at every point of h, from each table's own values (claimed values
        then committed answers) and the cross-evaluations."""
        out = np.zeros((len(self.sizes), len(owner), kv.k), dtype=np.uint64)
        seen = [0] * len(self.sizes)
        for j, o in enumerate(owner):
            out[o, j] = own[o][seen[o]]
            seen[o] += 1
        for (g, j), v in zip(self.cross_order(owner), cross):
            out[g, j] = v
        return out

    def leaf_map(self, g: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For round-0 queries ``idx`` (leaves of h's domain L, 2^(m + r - kappa) of them):
        the distinct leaves of table g to read (j mod N'_g, sorted), the slot of each query in
        them, and (q, 2^kappa) positions: h's fiber value l at leaf j takes T_g's leaf value
        (j // N'_g + l 2^Delta_g) mod 2^kappa (the point (x zeta^l)^(2^Delta_g) of L_g)."""
        width = 1 << self.params.folding
        n_g = 1 << self.depth(g)
        own = idx % n_g
        leaves = np.array(sorted(set(own.tolist())), dtype=np.int64)  # not np.unique: numpy.ma
        slot = np.searchsorted(leaves, own)
        lane = np.arange(width, dtype=np.int64) << self.shift[g]
        pos = ((idx // n_g)[:, None] + lane[None, :]) % width
        return leaves, slot.reshape(-1), pos


def whir_schedule(params: WhirParams, n_vars: int) -> WhirSchedule:
    """The schedule of a table of 2^n_vars entries; ProofFormatError if the parameters cannot
    reach their security level at that size (the configuration was checked at setup)."""
    try:
        sch = schedule(params, n_vars)
    except ValueError as e:
        raise ProofFormatError(f"{e}") from None
    if padded_vars(params, n_vars) + params.log_inv_rate > TWO_ADICITY:
        raise ProofFormatError(f"whir: a table of 2^{n_vars} entries at rate "
                               f"2^-{params.log_inv_rate} exceeds the NTT domain 2^{TWO_ADICITY}")
    return sch


# ---- the registry entry (verifier/pcs/registry.py) -------------------------------------------

_FIELDS = ("log_inv_rate", "folding", "final_vars", "ood", "pow_bits", "security", "rate_cap")


def whir_params(config: dict) -> WhirParams:
    """The parameters of a WHIR configuration (its fields and "k")."""
    return WhirParams(k=config["k"], **{f: config[f] for f in _FIELDS})


class WhirScheme:
    """WHIR in the registry: fields of ``WhirParams``, at least their ``security`` bits."""

    name = "whir"
    defaults = MappingProxyType({f: getattr(WhirParams(), f) for f in _FIELDS})
    ignored: frozenset[str] = frozenset()

    def commitment_extra(self, config: dict) -> int:
        """The answers at the commitment's OOD points: ood K elements of 8k bytes."""
        return 8 * int(config["ood"]) * int(config["k"])

    def check(self, config: dict) -> None:
        for f in _FIELDS:
            v = config[f]
            if not isinstance(v, int) or isinstance(v, bool):
                raise ConfigError(f"whir parameter {f} must be an integer, got {v!r}")
        try:
            params = whir_params(config)
        except (ValueError, TypeError) as e:
            raise ConfigError(f"{e}") from None
        if params.security < 100:
            raise ConfigError(f"whir security {params.security} bits is below the required 100")
        bits = security_bits(params)
        if bits < params.security:
            raise ConfigError(f"whir parameters give {bits:.1f} bits of security, below the "
                              f"declared {params.security}")

    def verifier(self, config: dict) -> WhirVerifier:
        return WhirVerifier(whir_params(config))


SCHEME = WhirScheme()
