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

Zero knowledge (a context of a plan with randomized finals, ``ctx.hiding``: zero-knowledge
keys; zk_finals.py). Every sumcheck is masked (zk_masks.py) and every value
sent is randomized by a fresh value slot of M with a nonzero coefficient, each randomized claim
discharged by the sumcheck that consumes it (zk_finals.verify_randomized):
  1. "L/output" states v0^ = Y~(z) + psi_0; the top layer's claim is V±~(z) - 2 psi_0 = 1 - 2 v0^;
  2. the gate sumcheck randomizes every A_k (finals a_k^ = A_k~(rho) + Z(rho) psi_k) and
     discharges the layer's claim; the wire sumcheck's claim sum lambda_k a_k^ carries
     sum lambda_k Z(rho) psi_k, which it discharges, and randomizes V_in: u^ = V_in~ + Z psi_u,
     the next layer's randomized claim;
  3. the absorb sumcheck discharges the bottom claim and randomizes S and B (s^, t^); the
     claims (1 - t^)/2 - Pad~(p) on M and (1 - s^)/2 on the shifted chain carry -Z/2 psi_t and
     -Z/2 psi_s;
  4-8. chain (Y randomized: y1^), flat (F: f1^), bits (F: m^, its claim mu f1^ discharged) and
     merge (Y: y^, the three claims' randomizers combined) likewise; the returned claims are
     randomized claims on F and Y (EvalClaim.randomizer), for the hiding opening.
The gate, absorb and bits checks are polynomial identities in the randomized finals, which
are the sums' randomized extensions' values (equal on the cube): they hold as before. Each
randomized final has its own slot; each discharge reveals psi* masked by a fresh beta
(zk_finals.py's argument, per message). Soundness is zk_finals.py's: M is bound before z.
Without such a context the sumchecks go through :func:`_sumcheck` (masked by the transcript's
masks in any zero-knowledge plan) and the values are stated plain (not hidden).
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
from .layers.common import discharged
from .sumcheck import evaluate_terms, verify_sumcheck
from .zk_finals import last_degree, padded_degree, scaled, value_slot, verify_randomized

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


class _Hiding:
    """The randomized sumchecks of a hiding context (module docstring), or plain ones."""

    def __init__(self, transcript, ext: ExtField, ctx) -> None:
        self.t, self.ext = transcript, ext
        self.ctx = ctx if ctx is not None and ctx.hiding else None

    def sumcheck(self, claim, n: int, degree: int, label: str, terms, flags,
                 randomizer: tuple = ()) -> tuple[SumcheckSubclaim, list, K | None]:
        """(subclaim, the flagged tables' value slots, their coefficient Z at the point)."""
        if self.ctx is None:
            return _sumcheck(self.t, self.ext, claim, n, degree, label), [], None
        return verify_randomized(self.ctx, claim, n, degree, label, terms, flags, randomizer)

    def value_slot(self, label: str) -> tuple:
        """A fresh value slot for a stated evaluation T~(z) + psi: ((1, slot),) or ()."""
        return () if self.ctx is None else value_slot(self.t.masks, self.ext, label)

    def randomizer(self, coeff, slots: list, j: int = 0) -> tuple:
        """((coeff, slots[j]),): the j-th randomized final with coefficient ``coeff``."""
        return ((coeff, slots[j]),) if self.ctx is not None else ()


def _check(ext: ExtField, expected: K, sub: SumcheckSubclaim, what: str) -> None:
    if not ext.eq(expected, as_ext(ext, sub.value)):
        raise VerificationError(f"keccak GKR: {what} does not match its sumcheck")


def _from_sign(ext: ExtField, s: K) -> K:
    """(1 - s) / 2: the bit MLE from the sign MLE."""
    return ext.mul_base(ext.sub(ext.one(), s), HALF)


PAIR_TERMS = [(1, [0, 1])]
"""A(x) B(x): the wire, absorb, chain, flat and merge sumchecks' product of two tables."""


def top_claim(ext: ExtField, v0: Scalar) -> K:
    """The top layer's claim V_top±~(z) = 1 - 2 v0 from the stated output value v0."""
    v0 = as_ext(ext, v0)
    return ext.sub(ext.one(), ext.add(v0, v0))


def wire_claim(ext: ExtField, lam, a) -> K:
    """sum_j lambda_j a_j: the claim of a layer's wire sumcheck from its stated inputs a."""
    claim = ext.zero()
    for lk, ak in zip(lam, a):
        claim = ext.add(claim, ext.mul(as_ext(ext, lk), as_ext(ext, ak)))
    return claim


def bits_terms(mu) -> list:
    """Message 7's terms over (eq(z', .), eq(p, .), F, [j < 8 n])."""
    return [(1, [0, 2, 2]), (P - 1, [0, 3, 2]), (mu, [1, 2])]


def _verify_layer(h: _Hiding, layer: Layer, z: list, v: K, randomizer: tuple, label: str
                  ) -> tuple[list, K, tuple]:
    """Messages 2a-2d for one layer: V_out±~(z) (+ randomizer) = v -> V_in±~(rho', rho_c)
    (+ the returned randomizer) = u."""
    t, ext = h.t, h.ext
    n, m = len(z), layer.arity
    sub, slots, zr = h.sumcheck(v, n, layer.degree + 1, label_of(label, "gate"), layer.terms,
                                [True] * m, randomizer)
    a = t.recv_k(label_of(label, "inputs"), m, ext.k)
    _check(ext, ext.mul(eq_eval(ext, z, sub.point), evaluate_terms(ext, layer.terms, a)), sub,
           f"{layer.name} gate values")
    lam = t.challenges_k(label_of(label, "lambda"), m, ext.k)
    wire_randomizer = tuple(p for j, lk in enumerate(lam)
                            for p in scaled(ext, lk, h.randomizer(zr, slots, j)))
    rho_g, rho_c = sub.point[:WIDTH_VARS], sub.point[WIDTH_VARS:]
    wire, slots, zw = h.sumcheck(wire_claim(ext, lam, a), WIDTH_VARS, 2,
                                 label_of(label, "wire"), PAIR_TERMS, [False, True],
                                 wire_randomizer)
    (u,) = t.recv_k(label_of(label, "value"), 1, ext.k)
    _check(ext, ext.mul(wiring_eval(ext, layer, lam, rho_g, wire.point), u), wire,
           f"{layer.name} wiring value")
    return list(wire.point) + list(rho_c), u, h.randomizer(zw, slots)


def verify_keccak(transcript, ext: ExtField, n_bytes: int, digest: bytes, label: str,
                  rounds: int = ROUNDS, ctx=None) -> KeccakClaims:
    """Run messages 0-8 (module docstring) on the caller's transcript; return the two claims
    (randomized ones with a hiding ``ctx``: module docstring, Zero knowledge).

    VerificationError on a failed check, ProofFormatError (transcript) on truncated or
    non-canonical bytes. Soundness: the caller must discharge the returned claims.
    """
    if not isinstance(digest, bytes | bytearray) or len(digest) != DIGEST_BYTES:
        raise ValueError("the digest must be 32 bytes")
    blocks, b = sponge_shape(n_bytes)
    n, k, t = WIDTH_VARS + b, ext.k, transcript
    h = _Hiding(t, ext, ctx)
    half = ext.from_base(HALF)
    t.absorb_bytes(label_of(label, "statement"), statement_bytes(n_bytes, digest, rounds))
    z = t.challenges_k(label_of(label, "z"), n, k)                                   # 1
    r0 = h.value_slot(label_of(label, "output", "slot"))
    (v0,) = t.recv_k(label_of(label, "output"), 1, k)
    point, v = list(z), top_claim(ext, v0)
    randomizer = scaled(ext, P - 2, r0)
    for i, layer in enumerate(reversed(permutation_layers(rounds))):                 # 2
        point, v, randomizer = _verify_layer(h, layer, point, v, randomizer,
                                             label_of(label, f"layer{i}"))
    sub, slots, za = h.sumcheck(v, n, 3, label_of(label, "absorb"), PAIR_TERMS,      # 3
                                [True, True], randomizer)
    s, tb = t.recv_k(label_of(label, "absorb", "finals"), 2, k)
    _check(ext, ext.mul(eq_eval(ext, point, sub.point), ext.mul(s, tb)), sub, "absorb layer")
    p = list(sub.point)
    neg_half_z = ext.neg(ext.mul(half, za)) if za is not None else None
    pad = ext.zero()
    for idx in pad_positions(n_bytes):
        pad = ext.add(pad, eq_eval_index(ext, p, idx))
    m_claim = ext.sub(_from_sign(ext, tb), pad)
    m_randomizer = h.randomizer(neg_half_z, slots, 1)
    chain, slots, zc = h.sumcheck(_from_sign(ext, s), b, 2, label_of(label, "chain"),  # 4
                                  PAIR_TERMS, [False, True], h.randomizer(neg_half_z, slots, 0))
    (y1,) = t.recv_k(label_of(label, "chain", "value"), 1, k)
    _check(ext, ext.mul(next_eval(ext, chain.point, p[WIDTH_VARS:]), y1), chain, "chain shift")
    w = t.challenges_k(label_of(label, "digest"), DIGEST_VARS, k)                      # 5
    y_claims = [(list(z), v0, r0), (p[:WIDTH_VARS] + list(chain.point), y1,
                                    h.randomizer(zc, slots)),
                (digest_point(ext, w, n_bytes), digest_eval(ext, bytes(digest), w), ())]
    flat, slots, zf = h.sumcheck(m_claim, n, 2, label_of(label, "flat"), PAIR_TERMS,   # 6
                                 [False, True], m_randomizer)
    (f1,) = t.recv_k(label_of(label, "flat", "value"), 1, k)
    phi = block_to_flat_eval(ext, p[:WIDTH_VARS], p[WIDTH_VARS:], flat.point)
    _check(ext, ext.mul(phi, f1), flat, "block-to-flat layout")
    bits = _verify_bits(h, n_bytes, list(flat.point), f1, h.randomizer(zf, slots), label)  # 7
    mus = t.challenges_k(label_of(label, "merge", "mu"), 3, k)                          # 8
    claim = ext.zero()
    merged: tuple = ()
    for mu, (_, val, rnd) in zip(mus, y_claims):
        claim = ext.add(claim, ext.mul(mu, val))
        merged += scaled(ext, mu, rnd)
    sub, slots, zm = h.sumcheck(claim, n, 2, label_of(label, "merge"), PAIR_TERMS,
                                [False, True], merged)
    (y,) = t.recv_k(label_of(label, "merge", "value"), 1, k)
    weight = ext.zero()
    for mu, (pt, _, _) in zip(mus, y_claims):
        weight = ext.add(weight, ext.mul(mu, eq_eval(ext, pt, sub.point)))
    _check(ext, ext.mul(weight, y), sub, "chain merge")
    return KeccakClaims(bits, EvalClaim(list(sub.point), y, h.randomizer(zm, slots)))


def _verify_bits(h: _Hiding, n_bytes: int, p: list, f_claim: K, randomizer: tuple,
                 label: str) -> EvalClaim:
    """Message 7: F boolean and zero from bit 8 n_bytes on, merged with the claim F~(p)
    (+ randomizer) = f_claim."""
    t, ext = h.t, h.ext
    n, k = len(p), ext.k
    zb = t.challenges_k(label_of(label, "bits", "z"), n, k)
    mu = t.challenge_k(label_of(label, "bits", "mu"), k)
    sub, slots, zr = h.sumcheck(ext.mul(mu, f_claim), n, 3, label_of(label, "bits"),
                                bits_terms(mu), [False, False, True, False],
                                scaled(ext, mu, randomizer))
    (m,) = t.recv_k(label_of(label, "bits", "value"), 1, k)
    r = sub.point
    zero_check = ext.mul(m, ext.sub(m, less_than_eval(ext, r, 8 * n_bytes)))
    expected = ext.add(ext.mul(eq_eval(ext, zb, r), zero_check),
                       ext.mul(mu, ext.mul(eq_eval(ext, p, r), m)))
    _check(ext, expected, sub, "message bits")
    return EvalClaim(list(r), m, h.randomizer(zr, slots))


def mask_rounds(n_bytes: int, rounds: int = ROUNDS, hiding: bool = False
                ) -> list[tuple[int, int]]:
    """(variables, degree) of every sumcheck ``verify_keccak`` runs (zk_capacity.py); with
    ``hiding`` (randomized finals) the raised last rounds, the discharges and the value slots
    (a value slot counts (1, 1))."""
    _, b = sponge_shape(n_bytes)
    n = WIDTH_VARS + b
    if not hiding:
        out = []
        for layer in permutation_layers(rounds):
            out += [(n, layer.degree + 1), (WIDTH_VARS, 2)]
        return out + [(n, 3), (b, 2), (n, 2), (n, 3), (n, 2)]  # absorb, chain, flat, bits, merge

    def randomized(n_vars, degree, terms, flags):
        d = (padded_degree(terms, flags) if n_vars == 0
             else last_degree(degree, terms, flags, n_vars))
        return discharged(n_vars, max(degree, d)) + [(1, 1)] * sum(flags)

    pair = [False, True]
    out = [(1, 1)]  # v0's slot
    for layer in permutation_layers(rounds):
        out += randomized(n, layer.degree + 1, layer.terms, [True] * layer.arity)
        out += randomized(WIDTH_VARS, 2, PAIR_TERMS, pair)
    out += randomized(n, 3, PAIR_TERMS, [True, True])  # absorb
    out += randomized(b, 2, PAIR_TERMS, pair)  # chain
    out += randomized(n, 2, PAIR_TERMS, pair)  # flat
    out += randomized(n, 3, bits_terms(1), [False, False, True, False])  # bits
    return out + randomized(n, 2, PAIR_TERMS, pair)  # merge


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
