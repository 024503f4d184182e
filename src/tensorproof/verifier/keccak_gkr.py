"""Keccak-256 inside the proof: a data-parallel GKR (Goldwasser, Kalai, Rothblum, "Delegating
computation", STOC 2008; Thaler, "Time-optimal interactive proofs for circuit evaluation",
CRYPTO 2013, for the data-parallel form) that the sponge of Keccak-256 over a message of n_bytes
bytes, with the public digest, was computed correctly. The verifier, which is the spec.

Statement: n_bytes, the 32-byte digest, the number of rounds (24: Keccak-f[1600]; fewer only in
tests). Witness: two tables of 2^(11+b) bits, committed by the caller BEFORE this protocol runs
(their commitments absorbed: every challenge below depends on them), blocks = n_bytes // 136 + 1,
b = ceil log2 blocks:
  F (the message bits, flat): F(8 j + i) = bit i of message byte j, 0 from 8 n_bytes on;
  Y (the chain): Y(g + 2^11 c) = bit g of the state after permutation c (wire g < 2^11 of
    instance c < 2^b, keccak_circuit.py's layout), zero-padded.
The block layout of the message, M(g + 2^11 c) = F(1088 c + g) for g < 1088 (0 for g >= 1088),
is never committed: step 6 reduces claims on it to claims on F.
The circuit of instance c: its input X(c) = Y(c-1) xor Pad(c) xor M(c) (Y(-1) = 0; Pad holds the
two pad10*1 bits of the last block: 0x01 at byte n_bytes mod 136, 0x80 at byte 135), then the
3 * rounds layers of keccak_circuit.py, whose output must be Y(c) (instances past the last block
absorb zeros: they only extend the chain). The digest is the first 256 bits of Y(blocks-1).
Bits live as signs s = 1 - 2 b inside the circuit (so T±~ = 1 - 2 T~).

Messages (label L; K elements unless said; every sumcheck as verifier/sumcheck.py, label given):
 0. absorb "L/statement": u64 n_bytes || u32 rounds || digest.
 1. challenge "L/z" (11 + b); "L/output": v0 = Y~(z). Claim: V_top±~(z) = 1 - 2 v0.
 2. per layer, top (last chi_iota) down, from the claim V_out±~(z) = v, z = (z_g, z_c):
    a. sumcheck "L/layer{l}/gate" (11 + b rounds, degree deg F + 1) of
       v = sum_x eq(z, x) F(A_1(x), .., A_m(x))  -> point rho = (rho_g, rho_c);
    b. "L/layer{l}/inputs": a_k = A_k~(rho), k < m; check eq(z, rho) F(a) = final value;
    c. challenge "L/layer{l}/lambda" (m); sumcheck "L/layer{l}/wire" (11 rounds, degree 2) of
       sum_k lambda_k a_k = sum_h W_lambda(rho_g, h) V_in±~(h, rho_c)  -> point rho';
    d. "L/layer{l}/value": u = V_in±~(rho', rho_c); check W_lambda~(rho_g, rho') u = final value
       (keccak_circuit.wiring_eval, O(m 2^11)). New claim: V_in±~(rho', rho_c) = u.
 3. absorb layer: sumcheck "L/absorb" (11 + b, degree 3) of u = sum_x eq(z, x) S(x) B(x),
    S = (Y shifted by one instance)±, B = (Pad xor M)±; "L/absorb/finals": s, t; check
    eq(z, p) s t. Since Pad and M have disjoint supports, M~(p) = (1 - t)/2 - Pad~(p).
 4. sumcheck "L/chain" (b rounds, degree 2) of (1 - s)/2 = sum_c' next(p_c, c') Y~(p_g, c')
    -> q; "L/chain/value": y1 = Y~(p_g, q); check next~(q, p_c) y1 (keccak_circuit.next_eval).
 5. challenge "L/digest" (8): w; the claim Y~(w, 0, 0, 0, blocks - 1) = digest~(w).
 6. sumcheck "L/flat" (11 + b, degree 2) of M~(p) = sum_j Phi(j) F(j), Phi(j) the weight of
    flat bit j = 1088 c + g in M~(p) -> s1; "L/flat/value": f1 = F~(s1); check Phi~(s1) f1
    (keccak_circuit.block_to_flat_eval, O(b): a digit automaton for j = g + 64 c + 1024 c).
 7. challenge "L/bits/z" (11 + b), "L/bits/mu" (1); sumcheck "L/bits" (11 + b, degree 3) of
    mu f1 = sum_j eq(z', j) F(j) (F(j) - [j < 8 n_bytes]) + mu eq(s1, j) F(j);
    "L/bits/value": f = F~(r_F); check the final value ([j < 8 n] by less_than_eval).
 8. challenge "L/merge/mu" (3); sumcheck "L/merge" (11 + b, degree 2) of the combination of the
    three claims on Y (1, 4, 5); "L/merge/value": y = Y~(r_Y); check the final value.
Output (:class:`KeccakClaims`): F~(r_F) = f and Y~(r_Y) = y, which the caller MUST discharge
against the commitments of F and Y.

Soundness: if both claims hold, (F, Y) satisfy the statement except with probability
``soundness_error_log2``: for the Y committed before z, Y~(z) differs from the MLE of the circuit's
output on the committed inputs unless they agree (Schwartz-Zippel, (11+b)/|K|); each sumcheck
errs with probability <= rounds * degree/|K| (Thaler, "Proofs, Arguments and Zero-Knowledge",
Prop. 4.1); each random linear combination (lambda, mu, merge) 1/|K|; the zero-check of 7,
(11+b)/|K|. Then F is boolean and zero from bit 8 n_bytes on (7), hence so is M off the message,
and by induction on c: X(0) = Pad(0) xor M(0) is boolean, every gate maps signs to signs,
Y(c) = Keccak-f(X(c)) is boolean and so is X(c+1): Y(blocks - 1) is the sponge's state after
absorbing pad10*1(message), and 5 checks its first 256 bits (the digest). A non-boolean bit, a
wrong padding (a 1 past the message) or a different message fail 7 or the digest check.

Zero knowledge: none here (this session). Everything sent is a deterministic function of the
message: v0, every a_k, u, s, t, y1, f1, f, y are MLE evaluations of a layer or of F, Y at public
points (random linear combinations of their bits: f = F~(r_F) of the message bits themselves),
and each round polynomial is a polynomial in the bits; from O(11 + b) such values per layer an
observer can test a guessed message, and a low-entropy message (a small input tensor) is
recoverable. Masking every sumcheck (each goes through :func:`_sumcheck`; prover/zk_sumcheck.py
masks at the round-message level) and stating the claims on randomized extensions of every layer
(Libra, §4) hide them; until then a hashed input is NOT hidden by this sub-proof.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import VerificationError
from ..field.params import P
from ..field.scalar import ExtField
from ..poly.mle import Scalar, as_ext, eq_eval, eq_eval_index
from .claims import EvalClaim, SumcheckSubclaim
from .keccak_circuit import (
    DIGEST_VARS,
    HALF,
    RATE_BITS,
    RATE_BYTES,
    ROUNDS,
    WIDTH,
    WIDTH_VARS,
    Layer,
    block_to_flat_eval,
    digest_eval,
    less_than_eval,
    next_eval,
    permutation_layers,
    wiring_eval,
)
from .sumcheck import evaluate_terms, verify_sumcheck

__all__ = ["KeccakClaims", "sponge_shape", "verify_keccak", "soundness_error_log2",
           "statement_bytes", "pad_positions"]

K = tuple[int, ...]
DIGEST_BYTES = 32


@dataclass(frozen=True)
class KeccakClaims:
    """What :func:`verify_keccak` leaves: F~(bits.point) = bits.value on the message-bit table
    and Y~(chain.point) = chain.value on the chain table. Soundness: the caller MUST check both
    against the tables' commitments (bound before the protocol started)."""

    bits: EvalClaim
    chain: EvalClaim


def sponge_shape(n_bytes: int) -> tuple[int, int]:
    """(blocks, b): permutations of the sponge, and b with 2^b >= blocks instances."""
    if not isinstance(n_bytes, int) or n_bytes < 0:
        raise ValueError(f"message length must be a non-negative int, got {n_bytes!r}")
    blocks = n_bytes // RATE_BYTES + 1
    return blocks, (blocks - 1).bit_length()


def pad_positions(n_bytes: int) -> tuple[int, int]:
    """Table indices of the two pad10*1 bits (0x01 at byte n mod 136, 0x80 at byte 135 of the
    last block; the same byte 0x81 when n mod 136 = 135)."""
    blocks, _ = sponge_shape(n_bytes)
    base = WIDTH * (blocks - 1)
    return base + 8 * (n_bytes % RATE_BYTES), base + RATE_BITS - 1


def statement_bytes(n_bytes: int, digest: bytes, rounds: int) -> bytes:
    return n_bytes.to_bytes(8, "big") + rounds.to_bytes(4, "big") + bytes(digest)


def label_of(label: str, *parts) -> str:
    """Transcript label of one message, challenge or sumcheck (shared with the prover)."""
    return "/".join([label, *map(str, parts)])


def digest_point(ext: ExtField, w, n_bytes: int) -> list:
    """(w, 0, 0, 0, bits of blocks - 1): the digest's 256 bits in the chain table."""
    blocks, b = sponge_shape(n_bytes)
    pad = [0] * (WIDTH_VARS - DIGEST_VARS)
    return [as_ext(ext, c) for c in [*w, *pad, *(((blocks - 1) >> i) & 1 for i in range(b))]]


def _sumcheck(transcript, ext: ExtField, claim: Scalar, n_vars: int, degree: int,
              label: str) -> SumcheckSubclaim:
    """Every sumcheck of this protocol goes through here (the seam where masking goes)."""
    return verify_sumcheck(transcript, ext, claim, n_vars, degree, label)


def _check(ext: ExtField, expected: K, sub: SumcheckSubclaim, what: str) -> None:
    if not ext.eq(expected, as_ext(ext, sub.value)):
        raise VerificationError(f"keccak GKR: {what} does not match its sumcheck")


def _from_sign(ext: ExtField, s: K) -> K:
    """(1 - s) / 2: the bit MLE from the sign MLE."""
    return ext.mul_base(ext.sub(ext.one(), s), HALF)


def _verify_layer(t, ext: ExtField, layer: Layer, z: list, v: K, label: str) -> tuple[list, K]:
    """Messages 2a-2d for one layer: V_out±~(z) = v -> V_in±~(rho', rho_c) = u."""
    n = len(z)
    sub = _sumcheck(t, ext, v, n, layer.degree + 1, label_of(label, "gate"))
    a = t.recv_k(label_of(label, "inputs"), layer.arity, ext.k)
    _check(ext, ext.mul(eq_eval(ext, z, sub.point), evaluate_terms(ext, layer.terms, a)), sub,
           f"{layer.name} gate values")
    lam = t.challenges_k(label_of(label, "lambda"), layer.arity, ext.k)
    claim = ext.zero()
    for lk, ak in zip(lam, a):
        claim = ext.add(claim, ext.mul(lk, ak))
    rho_g, rho_c = sub.point[:WIDTH_VARS], sub.point[WIDTH_VARS:]
    wire = _sumcheck(t, ext, claim, WIDTH_VARS, 2, label_of(label, "wire"))
    (u,) = t.recv_k(label_of(label, "value"), 1, ext.k)
    _check(ext, ext.mul(wiring_eval(ext, layer, lam, rho_g, wire.point), u), wire,
           f"{layer.name} wiring value")
    return list(wire.point) + list(rho_c), u


def verify_keccak(transcript, ext: ExtField, n_bytes: int, digest: bytes, label: str,
                  rounds: int = ROUNDS) -> KeccakClaims:
    """Run messages 0-8 (module docstring) on the caller's transcript; return the two claims.

    VerificationError on a failed check, ProofFormatError (transcript) on truncated or
    non-canonical bytes. Soundness: the caller must discharge the returned claims.
    """
    if not isinstance(digest, bytes | bytearray) or len(digest) != DIGEST_BYTES:
        raise ValueError("the digest must be 32 bytes")
    blocks, b = sponge_shape(n_bytes)
    n, k, t = WIDTH_VARS + b, ext.k, transcript
    t.absorb_bytes(label_of(label, "statement"), statement_bytes(n_bytes, digest, rounds))
    z = t.challenges_k(label_of(label, "z"), n, k)                                   # 1
    (v0,) = t.recv_k(label_of(label, "output"), 1, k)
    point, v = list(z), ext.sub(ext.one(), ext.add(v0, v0))
    for i, layer in enumerate(reversed(permutation_layers(rounds))):                 # 2
        point, v = _verify_layer(t, ext, layer, point, v, label_of(label, f"layer{i}"))
    sub = _sumcheck(t, ext, v, n, 3, label_of(label, "absorb"))                       # 3
    s, tb = t.recv_k(label_of(label, "absorb", "finals"), 2, k)
    _check(ext, ext.mul(eq_eval(ext, point, sub.point), ext.mul(s, tb)), sub, "absorb layer")
    p = list(sub.point)
    pad = ext.zero()
    for idx in pad_positions(n_bytes):
        pad = ext.add(pad, eq_eval_index(ext, p, idx))
    m_claim = ext.sub(_from_sign(ext, tb), pad)
    chain = _sumcheck(t, ext, _from_sign(ext, s), b, 2, label_of(label, "chain"))      # 4
    (y1,) = t.recv_k(label_of(label, "chain", "value"), 1, k)
    _check(ext, ext.mul(next_eval(ext, chain.point, p[WIDTH_VARS:]), y1), chain, "chain shift")
    w = t.challenges_k(label_of(label, "digest"), DIGEST_VARS, k)                      # 5
    y_claims = [(list(z), v0), (p[:WIDTH_VARS] + list(chain.point), y1),
                (digest_point(ext, w, n_bytes), digest_eval(ext, bytes(digest), w))]
    flat = _sumcheck(t, ext, m_claim, n, 2, label_of(label, "flat"))                  # 6
    (f1,) = t.recv_k(label_of(label, "flat", "value"), 1, k)
    phi = block_to_flat_eval(ext, p[:WIDTH_VARS], p[WIDTH_VARS:], flat.point)
    _check(ext, ext.mul(phi, f1), flat, "block-to-flat layout")
    bits = _verify_bits(t, ext, n_bytes, list(flat.point), f1, label)                 # 7
    mus = t.challenges_k(label_of(label, "merge", "mu"), 3, k)                          # 8
    claim = ext.zero()
    for mu, (_, val) in zip(mus, y_claims):
        claim = ext.add(claim, ext.mul(mu, val))
    sub = _sumcheck(t, ext, claim, n, 2, label_of(label, "merge"))
    (y,) = t.recv_k(label_of(label, "merge", "value"), 1, k)
    weight = ext.zero()
    for mu, (pt, _) in zip(mus, y_claims):
        weight = ext.add(weight, ext.mul(mu, eq_eval(ext, pt, sub.point)))
    _check(ext, ext.mul(weight, y), sub, "chain merge")
    return KeccakClaims(bits, EvalClaim(list(sub.point), y))


def _verify_bits(t, ext: ExtField, n_bytes: int, p: list, f_claim: K, label: str) -> EvalClaim:
    """Message 7: F boolean and zero from bit 8 n_bytes on, merged with the claim F~(p)."""
    n, k = len(p), ext.k
    zb = t.challenges_k(label_of(label, "bits", "z"), n, k)
    mu = t.challenge_k(label_of(label, "bits", "mu"), k)
    sub = _sumcheck(t, ext, ext.mul(mu, f_claim), n, 3, label_of(label, "bits"))
    (m,) = t.recv_k(label_of(label, "bits", "value"), 1, k)
    r = sub.point
    zero_check = ext.mul(m, ext.sub(m, less_than_eval(ext, r, 8 * n_bytes)))
    expected = ext.add(ext.mul(eq_eval(ext, zb, r), zero_check),
                       ext.mul(mu, ext.mul(eq_eval(ext, p, r), m)))
    _check(ext, expected, sub, "message bits")
    return EvalClaim(list(r), m)


def mask_rounds(n_bytes: int, rounds: int = ROUNDS) -> list[tuple[int, int]]:
    """(variables, degree) of every sumcheck ``verify_keccak`` runs (zk_capacity.py)."""
    _, b = sponge_shape(n_bytes)
    n = WIDTH_VARS + b
    out = []
    for layer in permutation_layers(rounds):
        out += [(n, layer.degree + 1), (WIDTH_VARS, 2)]
    return out + [(n, 3), (b, 2), (n, 2), (n, 3), (n, 2)]  # absorb, chain, flat, bits, merge


def soundness_error_log2(n_bytes: int, k: int, rounds: int = ROUNDS) -> float:
    """log2 of the bound of the module docstring (sum of the terms / |K|, |K| = p^k)."""
    _, b = sponge_shape(n_bytes)
    n = WIDTH_VARS + b
    total = n  # the output claim at z
    for layer in permutation_layers(rounds):
        total += n * (layer.degree + 1) + 1 + 2 * WIDTH_VARS
    total += 3 * n + 2 * b + 2 * n  # absorb, chain, flat
    total += n + 1 + 3 * n  # zero-check, mu, bits sumcheck
    total += 1 + 2 * n  # merge
    return math.log2(total) - k * math.log2(P)
