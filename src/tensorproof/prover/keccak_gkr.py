"""Prover of the Keccak-256 GKR (mirror of :mod:`tensorproof.verifier.keccak_gkr`).

The witness: the message-bit table M and the chain table Y (2^(11+b) bits each), and the value
of every circuit layer for all instances at once, as signs (int8, shape (2^b, 2^11)): the chain
is computed first by a plain lane-wise Keccak-p (one permutation after another), then every
layer for all instances in one gather per input (no loop over instances or bits). Each layer's
proof is one sumcheck over all 2^(11+b) wires with the eq factor (prover/sumcheck.py, linear
time), then Libra's wiring reduction (Xie et al., CRYPTO 2019, §3): the table
W(h) = sum_k lambda_k sum_g eq(rho_g, g) sign_k(g) [in_k(g) = h] by one scatter-add over the
wires of ONE instance, V_in folded at rho_c (O(2^(11+b))), and an 11-variable sumcheck.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ProverError
from ..field import npfield
from ..field.params import P
from ..field.scalar import ext_field
from ..field.vec import VecField
from ..poly.mle import eq_table, evaluate, fold_low
from ..verifier.claims import EvalClaim
from ..verifier.keccak_circuit import (
    CHI_TERMS,
    DIGEST_VARS,
    HALF,
    RATE_BITS,
    RHO,
    ROUND_CONSTANTS,
    ROUNDS,
    STATE_BITS,
    WIDTH,
    WIDTH_VARS,
    Layer,
    permutation_layers,
)
from ..verifier.keccak_gkr import (
    DIGEST_BYTES,
    PAIR_TERMS,
    KeccakClaims,
    bits_terms,
    digest_point,
    label_of,
    pad_positions,
    sponge_shape,
    statement_bytes,
    top_claim,
    wire_claim,
)
from ..verifier.zk_finals import scaled, value_slot
from .sumcheck import prove_sumcheck
from .tables import fix_high
from .zk_finals import prove_randomized, with_randomizer

__all__ = ["SpongeWitness", "keccak_p", "block_layout", "message_mask_table", "message_tables",
           "sponge_witness", "witness_from_tables", "prove_keccak", "wiring_table"]

_MASK64 = (1 << 64) - 1


def keccak_p(lanes: list[int], rounds: int = ROUNDS) -> list[int]:
    """Keccak-p[1600, rounds] on 25 lanes (lane x + 5 y), the last ``rounds`` rounds of
    Keccak-f (the Keccak reference §1.2), in plain ints: the witness's chain, and a reference
    independent of the circuit tables."""
    a = list(lanes)
    for i in range(ROUNDS - rounds, ROUNDS):
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rot(c[(x + 1) % 5], 1) for x in range(5)]
        a = [a[j] ^ d[j % 5] for j in range(25)]
        bb = [0] * 25
        for x in range(5):
            for y in range(5):
                bb[y + 5 * ((2 * x + 3 * y) % 5)] = _rot(a[x + 5 * y], RHO[x][y])
        a = [bb[j] ^ (~bb[(j % 5 + 1) % 5 + 5 * (j // 5)] & bb[(j % 5 + 2) % 5 + 5 * (j // 5)])
             for j in range(25)]
        a[0] ^= ROUND_CONSTANTS[i]
    return [v & _MASK64 for v in a]


def _rot(v: int, r: int) -> int:
    return ((v << r) | (v >> (64 - r))) & _MASK64 if r else v


def _lanes_to_bits(lanes: list[int]) -> np.ndarray:
    return np.unpackbits(np.array(lanes, dtype="<u8").view(np.uint8), bitorder="little")


def _bits_to_lanes(bits: np.ndarray) -> list[int]:
    return np.packbits(bits[:STATE_BITS], bitorder="little").view("<u8").tolist()


@dataclass(frozen=True, eq=False)
class SpongeWitness:
    """F (flat, (2^(11+b),)) and Y ((2^b, WIDTH)) as 0/1 tables, the sign tables of the absorb
    layer's two inputs (S: Y shifted by one instance, B: Pad xor M), every layer's input and
    output as signs (values[0] = X, values[l + 1] = layer l's output; Y's signs at the top), the
    digest."""

    n_bytes: int
    rounds: int
    message_bits: np.ndarray
    chain_bits: np.ndarray
    shifted: np.ndarray
    block: np.ndarray
    values: list
    digest: bytes

    @property
    def b(self) -> int:
        return sponge_shape(self.n_bytes)[1]


def _signs(bits: np.ndarray) -> np.ndarray:
    return (1 - 2 * bits.astype(np.int8)).astype(np.int8)


def _apply(layer: Layer, V: np.ndarray) -> np.ndarray:
    """One layer for every instance: A_k = sign_k V[:, in_k], then F (exact small ints)."""
    A = [V[:, layer.inputs[k]] * np.where(layer.signs[k], -1, 1).astype(np.int8)
         for k in range(layer.arity)]
    if layer.terms is CHI_TERMS:
        return (A[0] * (1 - A[1] + A[2] + A[1] * A[2]) // 2).astype(np.int8)
    out = A[0]
    for a in A[1:]:
        out = out * a
    return out


def message_tables(message: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(F, Pad xor M): the flat message bits (uint8, (2^(11+b),): bit i of byte j at 8 j + i)
    and the absorbed blocks (uint8, (2^b, WIDTH): bit i of byte j at instance j // 136, wire
    8 (j mod 136) + i, the pad10*1 bits at ``pad_positions``)."""
    message = bytes(message)
    n = len(message)
    _, b = sponge_shape(n)
    F = np.zeros(WIDTH << b, dtype=np.uint8)
    F[: 8 * n] = np.unpackbits(np.frombuffer(message, dtype=np.uint8), bitorder="little")
    blk = block_layout(F, b)
    for idx in pad_positions(n):
        blk.reshape(-1)[idx] ^= 1
    return F, blk


def block_layout(F: np.ndarray, b: int) -> np.ndarray:
    """M: M[c, g] = F[1088 c + g] for g < 1088, 0 for g >= 1088 (F's dtype)."""
    M = np.zeros((1 << b, WIDTH), dtype=F.dtype)
    M[:, :RATE_BITS] = F[: RATE_BITS << b].reshape(1 << b, RATE_BITS)
    return M


def sponge_witness(message: bytes, rounds: int = ROUNDS) -> SpongeWitness:
    """Absorb pad10*1(message) block by block; build every table the proof needs."""
    F, blk = message_tables(message)
    return witness_from_tables(len(message), rounds, F, blk)


def witness_from_tables(n_bytes: int, rounds: int, F: np.ndarray, blk: np.ndarray
                        ) -> SpongeWitness:
    """The witness for the absorbed blocks ``blk`` (0/1, (2^b, WIDTH)) and the flat message
    table F the proof states (0/1 for an honest prover; any F table (uint64) in soundness
    tests)."""
    blocks, b = sponge_shape(n_bytes)
    if F.shape != (WIDTH << b,) or blk.shape != (1 << b, WIDTH):
        raise ValueError(f"tables must have shapes {(WIDTH << b,)} and {(1 << b, WIDTH)}")
    Y = np.zeros((1 << b, WIDTH), dtype=np.uint8)
    state = [0] * 25
    for c in range(1 << b):  # the chain: one permutation per instance (padding ones too)
        state = keccak_p([s ^ v for s, v in zip(state, _bits_to_lanes(blk[c]))], rounds)
        Y[c, :STATE_BITS] = _lanes_to_bits(state)
    shifted = np.zeros_like(Y)
    shifted[1:] = Y[:-1]
    values = [_signs(shifted) * _signs(blk)]
    for layer in permutation_layers(rounds):
        values.append(_apply(layer, values[-1]))
    if not np.array_equal(values[-1], _signs(Y)):
        raise ProverError("keccak witness: the circuit disagrees with the lane-wise Keccak-p")
    digest = np.packbits(Y[blocks - 1, : 8 * DIGEST_BYTES], bitorder="little").tobytes()
    return SpongeWitness(n_bytes, rounds, F, Y, _signs(shifted), _signs(blk), values, digest)


# ---- the proof ------------------------------------------------------------------------------


def _sumcheck(t, vf: VecField, tables, terms, degree: int, label: str, eq_point=None):
    """Every plain sumcheck of this protocol goes through here (masked by the transcript's
    masks in any zero-knowledge plan)."""
    return prove_sumcheck(t, vf, tables, terms, degree, label, eq_point=eq_point)


class _Hiding:
    """Mirror of verifier.keccak_gkr._Hiding: randomized sumchecks with a hiding context."""

    def __init__(self, transcript, vf: VecField, ctx) -> None:
        self.t, self.vf, self.ext = transcript, vf, ext_field(vf.k)
        self.ctx = ctx if ctx is not None and ctx.hiding else None

    def sumcheck(self, tables, terms, degree: int, label: str, flags, eq_point=None,
                 randomizer: tuple = (), claim=None):
        """(point, finals (the flagged tables' randomized), their slots, Z at the point);
        ``claim``: the claimed sum when known (``prove_randomized``)."""
        if self.ctx is None:
            point, finals = _sumcheck(self.t, self.vf, tables, terms, degree, label, eq_point)
            return point, finals, [], None
        return prove_randomized(self.ctx, tables, terms, degree, label, flags, eq_point,
                                True, randomizer, claim)

    def value_slot(self, label: str) -> tuple:
        return () if self.ctx is None else value_slot(self.t.masks, self.ext, label)

    def randomizer(self, coeff, slots: list, j: int = 0) -> tuple:
        return ((coeff, slots[j]),) if self.ctx is not None else ()




def _field(signs: np.ndarray) -> np.ndarray:
    """A sign table, a 0/1 table or an F table (uint64) as a flat F table."""
    flat = signs.reshape(-1)
    if flat.dtype == np.uint64:  # already F
        return flat
    return np.where(flat < 0, np.uint64(P - 1), flat.astype(np.uint64))


def _scatter_add(vals: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:
    """out[h] = sum of vals[j] over idx[j] = h, in K (vals (n, k)): 16-bit limbs summed by
    bincount in float64, exact since n 2^16 < 2^53, then recombined mod p."""
    out = np.zeros((size, vals.shape[1]), dtype=np.uint64)
    for limb in range(4):
        part = (vals >> np.uint64(16 * limb)) & np.uint64(0xFFFF)
        sums = np.stack([np.bincount(idx, weights=part[:, j].astype(np.float64), minlength=size)
                         for j in range(vals.shape[1])], axis=1).astype(np.uint64)
        out = npfield.fadd(out, npfield.fmul(sums, np.uint64(pow(2, 16 * limb, P))))
    return out


def wiring_table(vf: VecField, layer: Layer, lambdas, r_g) -> np.ndarray:
    """W_lambda(r_g, h) over h < WIDTH (a K table)."""
    eg = eq_table(vf, list(r_g))
    parts = []
    for k in range(layer.arity):
        signed = np.where(layer.signs[k][:, None], vf.neg(eg), eg)
        parts.append(vf.scale(signed, lambdas[k]))
    return _scatter_add(np.concatenate(parts), layer.inputs.reshape(-1), WIDTH)


def _prove_layer(h: _Hiding, layer: Layer, V_in: np.ndarray, z: list, randomizer: tuple,
                 label: str, claim):
    """Messages 2a-2d for the claim V_out^(z) = ``claim`` (the value the verifier holds, its
    randomizer included): returns the new point (rho', rho_c), its claim's randomizer and its
    value."""
    t, vf, ext = h.t, h.vf, h.ext
    k, m = vf.k, layer.arity
    A = [_field(V_in[:, layer.inputs[j]] * np.where(layer.signs[j], -1, 1).astype(np.int8))
         for j in range(m)]
    rho, a, slots, zr = h.sumcheck(A, layer.terms, layer.degree + 1, label_of(label, "gate"),
                                   [True] * m, z, randomizer, claim)
    t.send_k(label_of(label, "inputs"), a, k)
    lam = t.challenges_k(label_of(label, "lambda"), m, k)
    wire_randomizer = tuple(p for j, lk in enumerate(lam)
                            for p in scaled(ext, lk, h.randomizer(zr, slots, j)))
    rho_g, rho_c = rho[:WIDTH_VARS], rho[WIDTH_VARS:]
    U = fix_high(vf, _field(V_in), rho_c)
    W = wiring_table(vf, layer, lam, rho_g)
    rho2, finals, slots, zw = h.sumcheck([W, U], PAIR_TERMS, 2, label_of(label, "wire"),
                                         [False, True], None, wire_randomizer,
                                         wire_claim(ext, lam, a))
    t.send_k(label_of(label, "value"), [finals[1]], k)
    return list(rho2) + list(rho_c), h.randomizer(zw, slots), finals[1]


def prove_keccak(transcript, vf: VecField, wit: SpongeWitness, label: str,
                 ctx=None) -> KeccakClaims:
    """Messages 0-8 of verifier/keccak_gkr.py on the caller's transcript (M and Y must have been
    committed and absorbed by the caller); returns the claims the verifier is left with
    (randomized ones with a hiding ``ctx``)."""
    t, k, b = transcript, vf.k, wit.b
    n = WIDTH_VARS + b
    h = _Hiding(t, vf, ctx)
    ext = h.ext
    half = ext.from_base(HALF)
    t.absorb_bytes(label_of(label, "statement"),
                   statement_bytes(wit.n_bytes, wit.digest, wit.rounds))
    Ff, Yf = _field(wit.message_bits), _field(wit.chain_bits)
    z = t.challenges_k(label_of(label, "z"), n, k)                                     # 1
    r0 = h.value_slot(label_of(label, "output", "slot"))
    v0 = with_randomizer(ctx, evaluate(vf, Yf, list(z)), r0)
    t.send_k(label_of(label, "output"), [v0], k)
    point, randomizer = list(z), scaled(ext, P - 2, r0)
    claim = top_claim(ext, v0)
    layers = permutation_layers(wit.rounds)
    for i, layer in enumerate(reversed(layers)):                                        # 2
        V_in = wit.values[len(layers) - 1 - i]
        point, randomizer, claim = _prove_layer(h, layer, V_in, point, randomizer,
                                                label_of(label, f"layer{i}"), claim)
    p, (s, tb), slots, za = h.sumcheck([_field(wit.shifted), _field(wit.block)], PAIR_TERMS, 3,
                                       label_of(label, "absorb"), [True, True], point,
                                       randomizer, claim)                              # 3
    t.send_k(label_of(label, "absorb", "finals"), [s, tb], k)
    neg_half_z = ext.neg(ext.mul(half, za)) if za is not None else None
    m_randomizer = h.randomizer(neg_half_z, slots, 1)
    p_g, p_c = p[:WIDTH_VARS], p[WIDTH_VARS:]
    nxt = np.zeros((1 << b, k), dtype=np.uint64)                                       # 4
    nxt[:-1] = eq_table(vf, list(p_c))[1:]  # next(p_c, c') = eq(p_c, c' + 1)
    q, (_, y1), slots, zc = h.sumcheck([nxt, fold_low(vf, Yf, p_g)], PAIR_TERMS, 2,
                                       label_of(label, "chain"), [False, True], None,
                                       h.randomizer(neg_half_z, slots, 0))
    t.send_k(label_of(label, "chain", "value"), [y1], k)
    w = t.challenges_k(label_of(label, "digest"), DIGEST_VARS, k)                        # 5
    y_claims = [(list(z), r0), (list(p_g) + list(q), h.randomizer(zc, slots)),
                (digest_point(ext, w, wit.n_bytes), ())]
    phi = _flat_weights(vf, p_g, p_c)                                                 # 6
    s1, (_, f1), slots, zf = h.sumcheck([phi, Ff], PAIR_TERMS, 2, label_of(label, "flat"),
                                        [False, True], None, m_randomizer)
    t.send_k(label_of(label, "flat", "value"), [f1], k)
    bits = _prove_bits(h, wit.n_bytes, Ff, s1, h.randomizer(zf, slots), label)       # 7
    mus = t.challenges_k(label_of(label, "merge", "mu"), 3, k)                            # 8
    E = eq_table(vf, y_claims[0][0], mus[0])
    for mu, (pt, _) in zip(mus[1:], y_claims[1:]):
        E = vf.add(E, eq_table(vf, pt, mu))
    merged = tuple(p for mu, (_, rnd) in zip(mus, y_claims) for p in scaled(ext, mu, rnd))
    r, (_, y), slots, zm = h.sumcheck([E, Yf], PAIR_TERMS, 2, label_of(label, "merge"),
                                      [False, True], None, merged)
    t.send_k(label_of(label, "merge", "value"), [y], k)
    return KeccakClaims(bits, EvalClaim(list(r), y, h.randomizer(zm, slots)))


def _flat_weights(vf: VecField, p_g, p_c) -> np.ndarray:
    """Phi(j) = eq(p_g, j mod 1088) eq(p_c, j div 1088) for j < 1088 2^b, 0 after (a K table of
    2^(11+b) entries): M~(p) = sum_j Phi(j) F(j)."""
    eg, ec = eq_table(vf, list(p_g))[:RATE_BITS], eq_table(vf, list(p_c))
    phi = np.zeros((WIDTH * len(ec), vf.k), dtype=np.uint64)
    phi[: RATE_BITS * len(ec)] = vf.mul(np.tile(eg, (len(ec), 1)),
                                        np.repeat(ec, RATE_BITS, axis=0))
    return phi


def message_mask_table(n_bytes: int) -> np.ndarray:
    """[j < 8 n_bytes] over the flat table (uint8, (2^(11+b),))."""
    _, b = sponge_shape(n_bytes)
    msk = np.zeros(WIDTH << b, dtype=np.uint8)
    msk[: 8 * n_bytes] = 1
    return msk


def _prove_bits(h: _Hiding, n_bytes: int, Ff: np.ndarray, p: list, randomizer: tuple,
                label: str) -> EvalClaim:
    """Message 7: sum_j eq(z', j) F (F - [j < 8n]) + mu eq(p, j) F = mu F~(p) (+ mu times
    the claim's randomizer)."""
    t, vf = h.t, h.vf
    n, k = len(p), vf.k
    zb = t.challenges_k(label_of(label, "bits", "z"), n, k)
    mu = t.challenge_k(label_of(label, "bits", "mu"), k)
    tables = [eq_table(vf, zb), eq_table(vf, p), Ff, _field(message_mask_table(n_bytes))]
    r, finals, slots, zr = h.sumcheck(tables, bits_terms(mu), 3, label_of(label, "bits"),
                                      [False, False, True, False], None,
                                      scaled(h.ext, mu, randomizer))
    t.send_k(label_of(label, "bits", "value"), [finals[2]], k)
    return EvalClaim(list(r), finals[2], h.randomizer(zr, slots))
