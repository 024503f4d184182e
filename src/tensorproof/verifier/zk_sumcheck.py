"""Zero-knowledge sumcheck: Libra's masked sumcheck, with randomized extensions of the stated
tables (Xie, Zhang, Zhang, Papamanthou, Song, "Libra", CRYPTO 2019, ePrint 2019/317, §4: the
masked sumcheck and the zero-knowledge GKR; after Chiesa, Forbes, Spooner, "A Zero Knowledge
Sumcheck and its Applications", ePrint 2017/305). The theorem numbers of those papers are not
quoted here: they were not checked against the originals.

Statement: sum_{x in {0,1}^n} P(x) = C, P(x) = [eq(z, x)] sum_t c_t prod_{j in S_t} f_j(x), every
private f_j replaced by its randomized extension f^_j = f~_j + Z(x) Rb_j(x_0) with
Z(x) = prod_i x_i (1 - x_i) (f^_j = f~_j on the cube, so the sum is unchanged). Public: C, n >= 1,
the round degrees d_0..d_{n-1} (``MaskLayout``), k, the terms, which f_j are randomized.

Messages, in transcript order (label L; rounds as verifier/sumcheck.py, same labels):
 0. ``binding.bind``: the mask g(X) = sum_i g_i(X_i), g_i(X) = sum_{j <= d_i} c_ij X^j, every
    c_ij fresh from the OS in K, is bound before any challenge below. Test model: a salted
    Keccak digest "L/mask commitment" (``HashMaskBinding``). Integrated: a slot of the per-proof
    advice table, committed and absorbed at the start of the proof.
 1. "L/mask sum": G = sum_{x in {0,1}^n} g(x) = 2^(n-1) sum_i (g_i(0) + g_i(1)) (one K element).
 2. challenge "L/rho": rho in K.
 3. rounds i < n on h = P + rho g from the claim C_0 = C + rho G: "L/round{i}": s_i(0),
    s_i(2..d_i) (s_i(1) = C_i - s_i(0)); challenge "L/r{i}" = r_i; C_{i+1} = s_i(r_i).
 4. "L/mask values": gamma_i = g_i(r_i), i < n (n K elements).
Output: the subclaim P(r) = C_n - rho sum_i gamma_i, which the caller checks as for the plain
sumcheck (``check_subclaim``; finals of randomized tables are f^_j(r)), and n claims on the mask
table M (``mask_claims``), given to ``binding.defer``: M~(w, r_i, r_i^2, .., r_i^(2^(b-1)), i) =
gamma_i / D.

Mask table (g_i(r_i) as ONE multilinear evaluation): g_i of degree < 2^b is the multilinear
polynomial with monomial coefficients c_ij in the power variables y_l = X^(2^l), so its
hypercube table is T_i[x] = sum_{j subset of x} c_ij and T_i~(r, r^2, r^4, ..) = g_i(r). The
K table T_i is stored as its k coefficient planes (F tables: the PCS commits F) under s = ceil
log2 k low selector variables; at w_l = X^(2^l)/(1 + X^(2^l)), eq(w, c) = X^c / D with
D = prod_l (1 + X^(2^l)) != 0, so D M~(w, y, i) = sum_c X^c T_i^(c)~(y) = T_i~(y). Variable
slots i are the high bits (as packing.py). The sum g(r) = sum_i g_i(r_i) is NOT one evaluation
of a small table (r -> (r_i^j) spans dimension n, an evaluation of a 2^m table reaches only
points of a variety of dimension m), hence n claims; the per-variable constants c_i0 pay for
them (zero knowledge, below). The mask has no spare degree of freedom: its claims must be
opened at exactly these n points, never merged into one point or otherwise revealed further
(one more revealed value separates two witnesses: review probe), unless the mask first gains
as many extra coefficients as values revealed.

Soundness (C false): for the committed g and the sent G, C + rho G = sum h holds for at most one
rho (1/|K|); the sumcheck on h then errs with probability <= sum_i max(d_i, 2^b - 1)/|K| (Thaler,
"Proofs, Arguments and Zero-Knowledge", Prop. 4.1), since a committed table defines g_i of
degree <= 2^b - 1 whatever its structural zeros, and P's true round polynomials have degree <= d_i
(for i < n - 1 every term sums over x_{n-1} in {0,1}, where Z = 0). The rest is deferred: gamma_i
to the mask opening (binding), f^_j(r) to the caller, who must have bound R_j (committed with
the mask) before the first challenge of any sumcheck stating f^_j, and discharges f^_j(r) as
f~_j(r) + Z(r) Rb_j(r_0) with Rb_j's part proven from that commitment (a prover free to pick
R_j after r could state any value). ``soundness_bits`` recomputes the bound.

Zero knowledge (honest-verifier; with Fiat-Shamir the simulator derives the challenges from its
own messages as the prover does, and only the deferred openings need the PCS's simulator). Fix
the witness, the challenges (rho != 0) and the randomizers. The view u = (G, every s_i(0),
s_i(2..d_i), gamma) is affine in the mask coefficients c; the linear part is injective: if it
maps c to 0, then rho 2^(n-1-i) (g_i(t) - g_i(0)) = 0 for t = 1..d_i forces g_i = c_i0, then G =
2^n sum c_i0 = 0 and gamma_i = c_i0 = 0. So its image has dimension sum_i (d_i + 1) = dim u - 1,
and it lies in the hyperplane H = {u : C_n(u) - rho sum gamma = [eq(z, r)] F(finals)} (the
verifier's final equation): u is uniform on H, whose free coordinates (all but gamma_{n-1}) are
i.i.d. uniform in K; H depends only on public data and the finals. A finals vector phi =
(f~_j(r) + Z(r) Rb_j(r_0)) is independent of the mask and uniform when Z(r) != 0 (below). The
simulator (prover/zk_sumcheck.py) samples phi, then u uniformly on H: the same law.

Randomized extensions (Libra §4.2): R_j(u, w) = sum_{l<m} (a_l + w b_l) u^l, Rb_j(u) = R_j(u, 0)
+ R_j(u, 1), for a table stated at m points z^(1..m). Each point reveals f^_j(z) and, when the
claim is discharged next (Libra's sum over w inside the next sumcheck), R_j(z_0, w) at a fresh
w: 2m values, 2m coefficients. The map (a, b) -> values is invertible iff Z(z^(t)) != 0, the z_0^(t)
are distinct and w^(t) != 1/2 ([[2ZU, ZU], [U, WU]], U Vandermonde: determinant ~ prod(2w - 1));
fewer coefficients leave a witness functional in the clear. Z vanishes unless every coordinate
is off the cube, so in a sumcheck over f^ only the last round changes: its degree rises by
``randomized_extra_degree`` per randomized factor of a term (``last_round_degree``).
``zk_failure_log2`` bounds the probability that any of these conditions fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import numpy as np

from ..field.encoding import encode_f_array
from ..field.params import EXTENSION_DEGREES, P
from ..field.scalar import ExtField, ext_field
from ..poly.mle import Scalar, as_ext, index_point
from ..poly.univariate import interpolate_eval
from ..transcript import HASH_BYTES, keccak256
from .claims import EvalClaim, SumcheckSubclaim
from .sumcheck import Terms, challenge_label, round_label

TARGET_BITS = 100
"""Soundness target of one masked sumcheck (the PCS target, verifier/pcs/params.py)."""

MASK_SALT_BYTES = 32
"""Salt of the test model's digest: hiding in the ROM up to a 2^-256 guess."""

MASK_DIGEST_DOMAIN = b"tensorproof/zk-sumcheck/mask/v1"


def mask_commitment_label(label: str) -> str:
    return f"{label}/mask commitment"


def mask_sum_label(label: str) -> str:
    return f"{label}/mask sum"


def mask_challenge_label(label: str) -> str:
    return f"{label}/rho"


def mask_values_label(label: str) -> str:
    return f"{label}/mask values"


@dataclass(frozen=True)
class MaskLayout:
    """Shape of one sumcheck's mask: n rounds of degrees d_i over K of degree k; the mask table
    has variables (planes: s, powers: b, variable slot: a), lowest first (module docstring)."""

    n_vars: int
    degrees: tuple[int, ...]
    k: int

    def __post_init__(self) -> None:
        if self.n_vars < 1 or len(self.degrees) != self.n_vars:
            raise ValueError(f"a masked sumcheck needs n >= 1 rounds and one degree per round "
                             f"(got n = {self.n_vars}, {len(self.degrees)} degrees)")
        if min(self.degrees) < 1:
            raise ValueError(f"round degrees must be >= 1, got {self.degrees}")
        if self.k not in EXTENSION_DEGREES:
            raise ValueError(f"unsupported extension degree {self.k}")

    @property
    def power_vars(self) -> int:
        """b: 2^b >= max d_i + 1 monomials per variable."""
        return max(self.degrees).bit_length()

    @property
    def plane_vars(self) -> int:
        """s: 2^s >= k coefficient planes."""
        return (self.k - 1).bit_length()

    @property
    def slot_vars(self) -> int:
        """a: 2^a >= n variable slots."""
        return (self.n_vars - 1).bit_length()

    @property
    def table_vars(self) -> int:
        return self.plane_vars + self.power_vars + self.slot_vars

    @property
    def n_coefficients(self) -> int:
        """K coefficients of the mask: sum_i (d_i + 1)."""
        return sum(d + 1 for d in self.degrees)


def plane_point(ext: ExtField) -> tuple[list[tuple[int, ...]], tuple[int, ...]]:
    """(w, D): w_l = X^(2^l) / (1 + X^(2^l)), D = prod_l (1 + X^(2^l)), so eq(w, c) = X^c / D."""
    w, D = _plane_point(ext.k)
    return list(w), D


@cache
def _plane_point(k: int) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    ext = ext_field(k)
    x = (0, 1) + (0,) * (k - 2)
    w, D = [], ext.one()
    for l in range((k - 1).bit_length()):
        xl = ext.pow(x, 1 << l)
        one_plus = ext.add(ext.one(), xl)
        w.append(ext.mul(xl, ext.inv(one_plus)))
        D = ext.mul(D, one_plus)
    return tuple(w), tuple(D)


@cache
def _inverse_d(k: int) -> tuple[int, ...]:
    return ext_field(k).inv(_plane_point(k)[1])


def power_point(ext: ExtField, r: Scalar, b: int) -> list[tuple[int, ...]]:
    """(r, r^2, r^4, .., r^(2^(b-1))): the power variables at which T_i~ equals g_i(r)."""
    out, y = [], as_ext(ext, r)
    for _ in range(b):
        out.append(y)
        y = ext.mul(y, y)
    return out


def claim_point(ext: ExtField, layout: MaskLayout, i: int, r: Scalar) -> list[tuple[int, ...]]:
    """The point of M~ at which D M~ = g_i(r): (w, power point of r, bits of slot i)."""
    w, _ = plane_point(ext)
    bits = index_point(ext, i, layout.slot_vars)
    return w + power_point(ext, r, layout.power_vars) + bits


def mask_claims(ext: ExtField, layout: MaskLayout, point: Sequence[Scalar],
                gammas: Sequence[Scalar]) -> list[EvalClaim]:
    """The n evaluation claims on the mask table: M~(claim_point(i, r_i)) = gamma_i / D."""
    d_inv = _inverse_d(ext.k)
    return [EvalClaim(claim_point(ext, layout, i, r), ext.mul(as_ext(ext, g), d_inv))
            for i, (r, g) in enumerate(zip(point, gammas))]


def mask_digest(salt: bytes, table: np.ndarray) -> bytes:
    """The test model's commitment: Keccak-256(domain ‖ salt ‖ encoded mask table)."""
    return keccak256(MASK_DIGEST_DOMAIN, bytes(salt), encode_f_array(table))


class MaskBinding(Protocol):
    """The verifier's side of the mask commitment (prover/zk_sumcheck.py ``MaskCommitter``).

    Soundness: ``bind`` must make the mask binding before "L/rho" is drawn (read and absorb a
    commitment, or check that the group holding the mask was absorbed); ``defer`` receives the
    mask claims, which someone must discharge (an opening) before the proof is accepted."""

    def bind(self, transcript: Any, label: str, layout: MaskLayout) -> None: ...

    def defer(self, label: str, layout: MaskLayout, claims: Sequence[EvalClaim]) -> None: ...


@dataclass
class HashMaskBinding:
    """TEST MODEL ONLY. Reads a 32-byte salted Keccak digest of the mask table (binding, and
    hiding in the ROM) and keeps the claims in ``pending``: it has no opening. The tests check
    them by revealing the whole mask, which is not zero-knowledge; the hiding PCS replaces it."""

    pending: dict[str, tuple[bytes, MaskLayout, tuple[EvalClaim, ...]]] = field(
        default_factory=dict)
    _digests: dict[str, bytes] = field(default_factory=dict)

    def bind(self, transcript: Any, label: str, layout: MaskLayout) -> None:
        self._digests[label] = transcript.recv_bytes(mask_commitment_label(label), HASH_BYTES)

    def defer(self, label: str, layout: MaskLayout, claims: Sequence[EvalClaim]) -> None:
        self.pending[label] = (self._digests[label], layout, tuple(claims))


@dataclass(frozen=True)
class ZkSumcheckSubclaim:
    """What a masked sumcheck leaves: P(point) = value (the caller's check), the mask claims
    (already handed to the binding) and rho, gamma (for the record).

    Soundness: the caller must check ``subclaim`` exactly as for the plain sumcheck, with the
    finals of randomized tables being f^_j(point), and discharge those as claims on f^_j."""

    point: list[tuple[int, ...]]
    value: tuple[int, ...]
    rho: tuple[int, ...]
    gammas: tuple[tuple[int, ...], ...]
    mask_claims: tuple[EvalClaim, ...]

    @property
    def subclaim(self) -> SumcheckSubclaim:
        return SumcheckSubclaim(self.point, self.value)


def verify_zk_sumcheck(transcript, ext: ExtField, claim: Scalar, layout: MaskLayout,
                       label: str, binding: MaskBinding) -> ZkSumcheckSubclaim:
    """Run the masked sumcheck of ``claim`` (module docstring, messages 0-4); return the
    subclaim. ProofFormatError (transcript) on truncated or non-canonical messages."""
    if layout.k != ext.k:
        raise ValueError(f"mask layout of degree {layout.k} used with K of degree {ext.k}")
    k = ext.k
    binding.bind(transcript, label, layout)
    (G,) = transcript.recv_k(mask_sum_label(label), 1, k)
    rho = tuple(transcript.challenge_k(mask_challenge_label(label), k))
    running = ext.add(as_ext(ext, claim), ext.mul(rho, G))
    point: list[tuple[int, ...]] = []
    for i, d in enumerate(layout.degrees):
        sent = transcript.recv_k(round_label(label, i), d, k)
        evals = [sent[0], ext.sub(running, sent[0]), *sent[1:]]
        r = tuple(transcript.challenge_k(challenge_label(label, i), k))
        point.append(r)
        running = interpolate_eval(ext, evals, r)
    gammas = tuple(transcript.recv_k(mask_values_label(label), layout.n_vars, k))
    claims = tuple(mask_claims(ext, layout, point, gammas))
    binding.defer(label, layout, claims)
    total = ext.zero()
    for g in gammas:
        total = ext.add(total, g)
    value = ext.sub(running, ext.mul(rho, total))
    return ZkSumcheckSubclaim(point, value, rho, gammas, claims)


# ---- randomized extensions: the public side ----------------------------------------------------


def vanishing(ext: ExtField, point: Sequence[Scalar]) -> tuple[int, ...]:
    """Z(point) = prod_i x_i (1 - x_i): zero on the cube, so f^ = f~ + Z Rb agrees with f~ there."""
    acc = ext.one()
    for x in point:
        x = as_ext(ext, x)
        acc = ext.mul(acc, ext.mul(x, ext.sub(ext.one(), x)))
    return acc


def randomized_extra_degree(n_vars: int, r_degree: int) -> int:
    """Degree added to the last round by one randomized factor: deg_t Z(r, t) Rb = 2 + deg_t Rb,
    minus the 1 of f~; Rb depends on x_0 only, which is the last variable only when n = 1."""
    return 1 + (r_degree if n_vars == 1 else 0)


def last_round_degree(degree: int, terms: Terms, randomized: Sequence[int | None],
                      n_vars: int) -> int:
    """The last round's degree: ``degree`` plus, for the worst term, the extra degree of its
    randomized factors. randomized[j]: the degree of Rb_j, or None for a public table."""
    extra = 0
    for _, indices in terms:
        extra = max(extra, sum(randomized_extra_degree(n_vars, randomized[j])
                               for j in indices if randomized[j] is not None))
    return degree + extra


def round_degrees(n_vars: int, degree: int, terms: Terms,
                  randomized: Sequence[int | None] | None = None) -> tuple[int, ...]:
    """(d_0, .., d_{n-1}): ``degree`` in every round but the last, which also pays for the
    randomized factors (none given: every table public, no change)."""
    last = degree if randomized is None else last_round_degree(degree, terms, randomized, n_vars)
    return (degree,) * (n_vars - 1) + (last,)


# ---- security levels ---------------------------------------------------------------------------


def soundness_bits(layout: MaskLayout) -> float:
    """-log2 of (1 + sum_i max(d_i, 2^b - 1)) / |K| (module docstring, Soundness)."""
    top = (1 << layout.power_vars) - 1
    errors = 1 + sum(max(d, top) for d in layout.degrees)
    return layout.k * math.log2(P) - math.log2(errors)


def zk_failure_log2(layout: MaskLayout, stated_points: int = 0) -> float:
    """log2 of a bound on the probability that the simulation is not exact: rho = 0 (1/|K|);
    for each of ``stated_points`` randomized evaluations Z(z) = 0 (<= 2n/|K|) or w = 1/2
    (1/|K|); two stated points of one table with equal first coordinates (<= m^2/2 / |K|)."""
    m = stated_points
    events = 1 + m * (2 * layout.n_vars + 1) + m * m / 2
    return math.log2(events) - layout.k * math.log2(P)
