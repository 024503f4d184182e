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
per root the prover tries (``whir_params``: "initial OOD"). A claimed point z of n coordinates
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
from ...field.vec import VecField, vec_field
from ...poly.ntt import root_of_unity
from ...transcript import HASH_BYTES, keccak256
from ...transcript.base import Transcript
from ...transcript.keccak_batch import keccak256_rows
from ..merkle import LEAF_PREFIX, verify_multi_rows
from .commitment import Commitment, absorb_statement, normalize_points, normalize_values
from .ligero import multi_proof_len
from .whir_fold import (
    eq_points,
    fiber_leaf_bytes,
    fold_fibers,
    inner_rows,
    monomials,
    power_points,
    round_value,
    sum_rows,
)
from .whir_params import (
    MAX_CLAIMS,
    WhirParams,
    WhirSchedule,
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
    return np.unique(np.array(transcript.challenge_indices("whir/queries", n_queries, n_leaves),
                              dtype=np.int64))


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

    def final_value(self, alphas: list[list[tuple[int, ...]]], coeffs: np.ndarray) -> tuple:
        """sum over terms of coef * eq(p_head, alphas since its round) * f^_M(p_tail)."""
        kv = self.kv
        total = np.zeros(kv.k, dtype=np.uint64)
        for rnd, coefs, pts in self.groups:
            head = np.array([a for rs in alphas[rnd:] for a in rs], dtype=np.uint64)
            e = eq_points(kv, pts[:, : len(head)], head.reshape(-1, kv.k))
            tail = pts[:, len(head):]
            vals = inner_rows(kv, monomials(kv, tail), coeffs)  # f^_M(p_tail)
            total = kv.add(total, _sum(kv, kv.mul(kv.mul(coefs, e), vals)))
        return tuple(int(c) for c in total)


def _sum(kv: VecField, a: np.ndarray) -> np.ndarray:
    """(T, k) -> (k,): the sum of the T elements."""
    return sum_rows(kv, a[None])[0]


def gamma_powers(kv: VecField, gamma: tuple[int, ...], start: int, n: int) -> np.ndarray:
    """gamma^start, .., gamma^(start + n - 1) as an (n, k) array."""
    g = np.array(gamma, dtype=np.uint64)
    cur = kv.pow(g, start) if start else kv.ones(()).reshape(kv.k)
    out = np.empty((n, kv.k), dtype=np.uint64)
    for i in range(n):
        out[i] = cur
        cur = kv.mul(cur, g)
    return out


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
        kv = vec_field(k)
        n = commitment.n_vars
        pts = normalize_points(points, n, k)
        vals = normalize_values(values, len(pts), k)
        absorb_statement(transcript, SCHEME_TAG + prm.to_bytes(), n, k, pts, vals)
        if len(pts) > MAX_CLAIMS:
            raise VerificationError(f"whir: {len(pts)} claimed points exceed {MAX_CLAIMS}")
        sch = whir_schedule(prm, n)
        m = sch.n_vars
        cons = Constraints(kv)
        ood_y = commitment_ood_points(commitment.root, n, prm)
        ood_v = committed_answers(commitment, prm)
        gamma = transcript.challenge_k("whir/combine", k)
        claim_pts = np.array([pad_point(z, m, k) for z in pts], dtype=np.uint64).reshape(-1, m, k)
        all_pts = np.concatenate([claim_pts, power_points(kv, ood_y, m)])
        all_vals = np.concatenate([np.array(vals, dtype=np.uint64).reshape(-1, k), ood_v])
        coefs = gamma_powers(kv, gamma, 0, len(all_pts))
        cons.add(0, coefs, all_pts)
        sigma = _sum(kv, kv.mul(coefs, all_vals))
        root = commitment.root
        alphas: list[list[tuple[int, ...]]] = []
        final = None
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
            folded = self._open_fibers(kv, transcript, root, idx, log_domain, i, rs)
            y_pts = power_points(kv, query_points(kv, idx, log_domain, prm.folding), m_next)
            if last:
                assert final is not None
                expect = inner_rows(kv, monomials(kv, y_pts), final)
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
        assert final is not None
        if cons.final_value(alphas, final) != tuple(int(c) for c in sigma):
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
        prm, k = self.params, self.k
        width = 1 << prm.folding
        if rnd == 0:
            fibers = transcript.recv_f_array("whir/fibers", idx.size * width).reshape(-1, width)
        else:
            fibers = transcript.recv_k_array("whir/fibers", idx.size * width, k).reshape(
                -1, width, k)
        depth = log_domain - prm.folding
        n_nodes = multi_proof_len(depth, idx)
        raw = transcript.recv_bytes("whir/merkle", HASH_BYTES * n_nodes)
        nodes = np.frombuffer(raw, dtype=np.uint8).reshape(n_nodes, HASH_BYTES)
        leaf_hashes = keccak256_rows(fiber_leaf_bytes(fibers), LEAF_PREFIX[0])
        verify_multi_rows(root, depth, idx, leaf_hashes, nodes)
        return fold_fibers(kv, fibers, idx, log_domain, alphas)


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
