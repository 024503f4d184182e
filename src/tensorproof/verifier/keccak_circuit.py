"""The public Keccak-f[1600] round circuit of the Keccak GKR (verifier/keccak_gkr.py): its wiring
tables and the closed-form MLEs the verifier evaluates itself.

Encoding: inside the circuit a bit b is the sign s = 1 - 2b in {1, -1} of F, so XOR is a product
(s(a xor b) = s(a) s(b)) and the 1-padding of a table is the bit 0. One permutation instance is
WIDTH = 2^11 wires: wire g = 64 (x + 5 y) + z holds bit z of lane (x, y) (so g is also the bit's
position in the state's bytes, little-endian lanes as Keccak defines them), wires 1600 + 64 x + z
hold the column parities C[x][z] in the theta layer, and every other wire is 1 (the bit 0); ONE
is such a wire. A layer computes, for every gate g and instance c,

    V_out(c, g) = F(A_1(c, g), .., A_m(c, g)),   A_k(c, g) = sign_k(g) V_in(c, in_k(g)),

with one polynomial F for every gate of the layer (unused inputs read ONE, F(1, .., 1) = 1):
  theta_sums    (m = 5): F = A_1 A_2 A_3 A_4 A_5: copies of the state and C[x] = prod_y A[x][y];
  theta_rho_pi  (m = 3): F = A_1 A_2 A_3 = A[x][y] C[x-1] rot(C[x+1], 1), placed by rho and pi;
  chi_iota      (m = 3): F = A_1 (1 - A_2 + A_3 + A_2 A_3) / 2, the sign of b xor (not c and d),
                         A_1 negated on the bits of the round constant (iota).
Each round is these three layers (Bertoni, Daemen, Peeters, Van Assche, "The Keccak reference",
v3.0, §1.2; rho offsets and round constants are recomputed here from their LFSR definitions).

Wiring MLE (Libra's sparse-wiring evaluation, Xie et al., CRYPTO 2019, §3, for one instance):
    W_lambda~(r_g, r_h) = sum_k lambda_k sum_g eq(r_g, g) sign_k(g) eq(r_h, in_k(g)),
O(m WIDTH) work, independent of the number of instances (:func:`wiring_eval`, numpy behind the
evaluations seam; :func:`wiring_eval_reference`, plain ints, is the scalar spec).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..field.params import HALF, P
from ..field.scalar import ExtField
from ..field.vec import vec_field
from ..poly.mle import Scalar, as_ext, eq_eval_index, eq_table, evaluate_scalar
from .sumcheck import Terms

WIDTH_VARS = 11
WIDTH = 1 << WIDTH_VARS
"""Wires per instance (1600 state bits, 320 column parities, padding)."""
STATE_BITS = 1600
LANE_BITS = 64
RATE_BYTES = 136
RATE_BITS = 8 * RATE_BYTES
"""Keccak-256: rate 1088 bits, capacity 512 (FIPS 202 §5.2 parameters, original padding)."""
DIGEST_BITS = 256
DIGEST_VARS = 8
ONE = WIDTH - 1
"""A wire that is 1 (the bit 0) in every layer."""
ROUNDS = 24
"""1/2 in F."""


def _rc_bit(t: int) -> int:
    """rc(t) of the Keccak reference §1.2: the output of the LFSR x^8 + x^6 + x^5 + x^4 + 1."""
    r = 1
    for _ in range(t % 255):
        r <<= 1
        if r & 0x100:
            r ^= 0x171
    return r & 1


ROUND_CONSTANTS = tuple(
    sum(_rc_bit(j + 7 * i) << ((1 << j) - 1) for j in range(7)) for i in range(ROUNDS)
)
"""RC[i] of iota (RC[0] = 1, RC[23] = 0x8000000080008008)."""


def _rho_offsets() -> tuple[tuple[int, ...], ...]:
    """r[x][y]: r[0][0] = 0; from (x, y) = (1, 0), r = (t + 1)(t + 2)/2 mod 64, (x, y) <- (y,
    2x + 3y) for t = 0..23 (the Keccak reference §1.2)."""
    r = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        r[x][y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return tuple(tuple(row) for row in r)


RHO = _rho_offsets()


def lane_wire(x, y, z):
    """Wire of bit z of lane (x, y) (x, y mod 5, z mod 64; numpy arrays or ints)."""
    return LANE_BITS * (x % 5 + 5 * (y % 5)) + z % LANE_BITS


def parity_wire(x, z):
    """Wire of the column parity C[x][z] in the theta_sums layer's output."""
    return STATE_BITS + LANE_BITS * (x % 5) + z % LANE_BITS


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer: gate g reads wire inputs[k][g] of the layer below, negated where signs[k][g]."""

    name: str
    inputs: np.ndarray  # (m, WIDTH) int64
    signs: np.ndarray  # (m, WIDTH) bool
    terms: Terms

    @property
    def arity(self) -> int:
        return len(self.inputs)

    @property
    def degree(self) -> int:
        """Degree of F (the gate sumcheck's is one more: the eq factor)."""
        return max(len(s) for _, s in self.terms)


def _blank(m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((m, WIDTH), ONE, dtype=np.int64), np.zeros((m, WIDTH), dtype=bool)


_X, _Y, _Z = (a.reshape(-1) for a in np.meshgrid(np.arange(5), np.arange(5), np.arange(64),
                                                 indexing="ij"))
"""Every (x, y, z) of the state, flattened."""


@functools.cache
def theta_sums() -> Layer:
    inputs, signs = _blank(5)
    g = lane_wire(_X, _Y, _Z)
    inputs[0, g] = g  # the state, copied (times ONE four times)
    x, z = np.meshgrid(np.arange(5), np.arange(64), indexing="ij")
    for k in range(5):
        inputs[k, parity_wire(x, z)] = lane_wire(x, k, z)  # C[x][z] = prod_y A[x][y][z]
    return Layer("theta_sums", inputs, signs, [(1, [0, 1, 2, 3, 4])])


@functools.cache
def theta_rho_pi() -> Layer:
    inputs, signs = _blank(3)
    rho = np.array(RHO, dtype=np.int64)[_X, _Y]
    out = lane_wire(_Y, 2 * _X + 3 * _Y, _Z)  # pi: B[y][2x + 3y] = rot(A'[x][y], r[x][y])
    src = (_Z - rho) % 64  # rho: bit z of the rotated lane is bit z - r of the lane
    inputs[0, out] = lane_wire(_X, _Y, src)
    inputs[1, out] = parity_wire(_X - 1, src)  # theta: D[x][z] = C[x-1][z] xor C[x+1][z-1]
    inputs[2, out] = parity_wire(_X + 1, src - 1)
    return Layer("theta_rho_pi", inputs, signs, [(1, [0, 1, 2])])


CHI_TERMS: Terms = [(HALF, [0]), (P - HALF, [0, 1]), (HALF, [0, 2]), (HALF, [0, 1, 2])]
"""F = A_1 (1 - A_2 + A_3 + A_2 A_3) / 2."""


@functools.cache
def chi_iota(round_index: int) -> Layer:
    inputs, signs = _blank(3)
    g = lane_wire(_X, _Y, _Z)
    inputs[0, g] = g  # chi: b xor (not c and d), c, d the next two lanes of the row
    inputs[1, g] = lane_wire(_X + 1, _Y, _Z)
    inputs[2, g] = lane_wire(_X + 2, _Y, _Z)
    rc = ROUND_CONSTANTS[round_index]
    signs[0, np.arange(64)] = [(rc >> z) & 1 == 1 for z in range(64)]  # iota on lane (0, 0)
    return Layer(f"chi_iota{round_index}", inputs, signs, CHI_TERMS)


def permutation_layers(rounds: int = ROUNDS) -> list[Layer]:
    """The layers of Keccak-p[1600, rounds] (the last ``rounds`` rounds of Keccak-f), from the
    input up: theta_sums, theta_rho_pi, chi_iota(i) for each round i. Keccak-256 uses 24."""
    if not 1 <= rounds <= ROUNDS:
        raise ValueError(f"rounds must be in 1..{ROUNDS}, got {rounds}")
    out: list[Layer] = []
    for i in range(ROUNDS - rounds, ROUNDS):
        out += [theta_sums(), theta_rho_pi(), chi_iota(i)]
    return out


# ---- wiring MLEs ----------------------------------------------------------------------------


def wiring_eval(ext: ExtField, layer: Layer, lambdas: Sequence[Scalar], r_g: Sequence[Scalar],
                r_h: Sequence[Scalar]) -> tuple[int, ...]:
    """W_lambda~(r_g, r_h) (module docstring) with numpy vectors: O(m WIDTH)."""
    vf = vec_field(ext.k, "numpy")
    eg = eq_table(vf, [as_ext(ext, c) for c in r_g])
    eh = eq_table(vf, [as_ext(ext, c) for c in r_h])
    acc = ext.zero()
    for k in range(layer.arity):
        signed = np.where(layer.signs[k][:, None], vf.neg(eg), eg)
        acc = ext.add(acc, ext.mul(as_ext(ext, lambdas[k]), vf.inner(signed, eh[layer.inputs[k]])))
    return acc


def wiring_eval_reference(ext: ExtField, layer: Layer, lambdas: Sequence[Scalar],
                          r_g: Sequence[Scalar], r_h: Sequence[Scalar]) -> tuple[int, ...]:
    """The same value in plain Python ints (the scalar spec; tests compare the two)."""
    eg = [eq_eval_index(ext, r_g, g) for g in range(WIDTH)]
    eh = [eq_eval_index(ext, r_h, h) for h in range(WIDTH)]
    acc = ext.zero()
    for k in range(layer.arity):
        lam = as_ext(ext, lambdas[k])
        for g in range(WIDTH):
            term = ext.mul(lam, ext.mul(eg[g], eh[int(layer.inputs[k, g])]))
            acc = ext.sub(acc, term) if layer.signs[k, g] else ext.add(acc, term)
    return acc


def less_than_eval(ext: ExtField, x: Sequence[Scalar], t: int) -> tuple[int, ...]:
    """MLE of [x < t] over x in {0,1}^n (x_0 least significant), 0 <= t <= 2^n: the sum over
    the bits i with t_i = 1 of (1 - x_i) prod_{j > i} eq(x_j, t_j). O(n)."""
    n = len(x)
    if not 0 <= t <= 1 << n:
        raise ValueError(f"threshold {t} out of range for {n} bits")
    if t == 1 << n:
        return ext.one()
    acc, suffix = ext.zero(), ext.one()
    for i in range(n - 1, -1, -1):
        xi = as_ext(ext, x[i])
        if (t >> i) & 1:
            acc = ext.add(acc, ext.mul(suffix, ext.sub(ext.one(), xi)))
            suffix = ext.mul(suffix, xi)
        else:
            suffix = ext.mul(suffix, ext.sub(ext.one(), xi))
    return acc


def next_eval(ext: ExtField, a: Sequence[Scalar], b: Sequence[Scalar]) -> tuple[int, ...]:
    """MLE of [b = a + 1] over a, b in {0,1}^n: sum_i prod_{j<i} a_j (1 - b_j) (1 - a_i) b_i
    prod_{j>i} eq(a_j, b_j) (the carry stops at bit i). O(n)."""
    n = len(a)
    a = [as_ext(ext, v) for v in a]
    b = [as_ext(ext, v) for v in b]
    one = ext.one()
    suffix = [one] * (n + 1)
    for j in range(n - 1, -1, -1):
        suffix[j] = ext.mul(suffix[j + 1], eq_eval_pair(ext, a[j], b[j]))
    acc, prefix = ext.zero(), one
    for i in range(n):
        stop = ext.mul(ext.sub(one, a[i]), b[i])
        acc = ext.add(acc, ext.mul(prefix, ext.mul(stop, suffix[i + 1])))
        prefix = ext.mul(prefix, ext.mul(a[i], ext.sub(one, b[i])))
    return acc


def eq_eval_pair(ext: ExtField, x: tuple, y: tuple) -> tuple[int, ...]:
    """eq(x, y) = x y + (1 - x)(1 - y) for one coordinate."""
    one = ext.one()
    return ext.add(ext.mul(x, y), ext.mul(ext.sub(one, x), ext.sub(one, y)))


def digest_bits(digest: bytes) -> list[int]:
    """The 256 bits of a digest, bit i of byte j at 8 j + i (the state's bit order)."""
    return [(digest[j] >> i) & 1 for j in range(len(digest)) for i in range(8)]


def digest_eval(ext: ExtField, digest: bytes, w: Sequence[Scalar]) -> tuple[int, ...]:
    """MLE of the digest's 256 bits at w (8 coordinates)."""
    return evaluate_scalar(ext, digest_bits(digest), w)


def block_to_flat_eval(ext: ExtField, r_g: Sequence[Scalar], r_c: Sequence[Scalar],
                       s: Sequence[Scalar]) -> tuple[int, ...]:
    """MLE of the block layout's index map at (r_g, r_c, s): the sum over instances c < 2^b and
    wires g < 1088 of eq(r_g, g) eq(r_c, c) eq(s, 1088 c + g) (s: b + 11 coordinates), i.e. the
    weight of flat bit j = 1088 c + g in a claim on the block-layout table.

    O(b) by a digit automaton over the bits k of j = g + 2^6 c + 2^10 c, least significant first
    (as the MLE of an addition relation): the state is the carry (< 3), the c bits chosen at the
    last 4 positions (c_i enters at positions i + 6 and i + 10) and whether the low bits of g
    compare below those of 1088; each transition multiplies the eq factors of the bits it fixes.
    """
    b = len(r_c)
    if len(r_g) != WIDTH_VARS or len(s) != WIDTH_VARS + b:
        raise ValueError("block_to_flat_eval needs 11 wire, b instance and b + 11 flat coords")
    one = ext.one()

    def factor(r, bit):
        r = as_ext(ext, r)
        return r if bit else ext.sub(one, r)

    states = {(0, (-1,) * 4, False): one}  # (carry, last four new c bits, g_low < 1088_low)
    for k in range(WIDTH_VARS + b):
        nxt: dict = {}
        g_bits = (0, 1) if k < WIDTH_VARS else (0,)
        c_bits = (0, 1) if 0 <= k - 6 < b else (-1,)
        t_k = (RATE_BITS >> k) & 1
        for (carry, hist, lt), weight in states.items():
            old = hist[0] if 0 <= k - 10 < b else 0
            for gk in g_bits:
                wg = ext.mul(weight, factor(r_g[k], gk)) if k < WIDTH_VARS else weight
                lt2 = (gk < t_k) or (lt and gk == t_k) if k < WIDTH_VARS else lt
                for cn in c_bits:
                    w = ext.mul(wg, factor(r_c[k - 6], cn)) if cn >= 0 else wg
                    total = gk + max(cn, 0) + old + carry
                    w = ext.mul(w, factor(s[k], total & 1))
                    key = (total >> 1, hist[1:] + (cn,), lt2)
                    nxt[key] = ext.add(nxt[key], w) if key in nxt else w
        states = nxt
    acc = ext.zero()
    for (carry, _, lt), weight in states.items():
        if carry == 0 and lt:
            acc = ext.add(acc, weight)
    return acc
