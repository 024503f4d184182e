"""The prover's mask vector M (mirror of verifier/zk_masks.py, which is the spec).

M is drawn uniform from the OS before the proof's first commitment and committed with the
advice; ``ProverMasks`` set as ``transcript.masks`` then masks every sumcheck of at least one
round: the round slots give Libra masks (zk_sumcheck.Mask), and the plain engine runs on
zk_sumcheck's relaying transcript, which adds rho times the mask's part to every round value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

from ..errors import ProverError
from ..field.kernels import fadd, fmul, fsub, kernel
from ..field.params import HALF, P
from ..field.sampling import OS_RANDOMNESS, Randomness
from ..field.scalar import ExtField, ext_field
from ..field.vec import VecField
from ..poly.mle import log2_exact
from ..verifier.sumcheck import Terms, challenge_label, round_label
from ..verifier.zk_masks import (
    MaskCapacity,
    RoundSink,
    Slots,
    exponents,
    round_degrees,
)
from ..verifier.zk_sumcheck import (
    MaskLayout,
    mask_challenge_label,
    mask_sum_label,
    mask_values_label,
)
from .sumcheck import prove_sumcheck
from .zk_sumcheck import Mask, MaskedTranscript, Shifted

K = tuple[int, ...]


def sample_masks(k: int, capacity: MaskCapacity, rand: Randomness = OS_RANDOMNESS) -> np.ndarray:
    """A fresh M: 2^m uniform F entries."""
    return rand.f_vector(1 << capacity.n_vars(k))


@cache
def _plane_basis(k: int) -> np.ndarray:
    """X^c in K for every plane c < 2^s (c >= k reduces modulo K's polynomial): row c holds its
    k coordinates."""
    ext = ext_field(k)
    x = (0, 1) + (0,) * (k - 2)
    return np.array([ext.pow(x, c) for c in range(1 << (k - 1).bit_length())], dtype=np.uint64)


@cache
def _monomial_of(d: int) -> np.ndarray:
    """<e, y> for every y < 2^b' (e = exponents(d)): the power of X that entry y carries."""
    e = exponents(d)
    y = np.arange(1 << len(e), dtype=np.int64)
    return np.asarray(sum(((y >> j) & 1) * ej for j, ej in enumerate(e)), dtype=np.int64)


@kernel("void(uint64[::1], int64[::1], int64, int64, int64, int64[::1], uint64[:, ::1], "
        "uint64[:, :, ::1])")
def _slot_coefficients(table, slots, b, s, used, mono, basis, out):  # pragma: no cover - numba
    """out[i] = the g coefficients of slot slots[i] (rows of 2^s planes, 2^b rows a slot): the
    Moebius transform of its first 2^used rows gives the multilinear monomials' coefficients
    m_S (m_S = sum_{x subset of S} (-1)^|S - x| T[x]), and monomial S of plane c adds X^c m_S
    to the coefficient of X^mono[S]."""
    rows, planes = 1 << used, 1 << s
    size = (1 << b) * planes
    m = np.empty(rows * planes, dtype=np.uint64)
    for i in range(slots.shape[0]):
        base = slots[i] * size
        for t in range(rows * planes):
            m[t] = table[base + t]
        for bit in range(used):
            for y in range(rows):
                if (y >> bit) & 1:
                    lo, hi = (y ^ (1 << bit)) * planes, y * planes
                    for c in range(planes):
                        m[hi + c] = fsub(m[hi + c], m[lo + c])
        out[i, :, :] = 0
        for y in range(rows):
            j = mono[y]
            for c in range(planes):
                v = m[y * planes + c]
                for q in range(out.shape[2]):
                    out[i, j, q] = fadd(out[i, j, q], fmul(v, basis[c, q]))


class ProverMasks(Slots):
    """The prover's mask source over the table M (``sample_masks``)."""

    def __init__(self, ext: ExtField, capacity: MaskCapacity, table: np.ndarray,
                 claim: RoundSink) -> None:
        super().__init__(capacity)
        if len(table) != 1 << capacity.n_vars(ext.k):
            raise ValueError(f"mask vector of {len(table)} entries, the capacity needs "
                             f"2^{capacity.n_vars(ext.k)}")
        self.ext, self.table, self._claim = ext, table, claim

    def _refuse(self, msg: str) -> None:
        raise ProverError(f"{msg} (the plan's mask capacity is too small: a bug)")

    def coefficients(self, slot: int, d: int) -> tuple[K, ...]:
        """g's coefficients (of X^0..X^d, in K) from slot ``slot`` (verifier/zk_masks.py)."""
        return tuple(tuple(int(c) for c in row) for row in self.coefficients_of([slot], d)[0])

    def coefficients_of(self, slots: Sequence[int], d: int) -> np.ndarray:
        """(len(slots), d + 1, k): each slot's g coefficients (verifier/zk_masks.py), in one
        kernel call (``_slot_coefficients``)."""
        k = self.ext.k
        s = (k - 1).bit_length()
        out = np.empty((len(slots), d + 1, k), dtype=np.uint64)
        _slot_coefficients(self.table, np.asarray(slots, dtype=np.int64),
                           self.capacity.slot_vars(k) - s, s, len(exponents(d)),
                           _monomial_of(d), _plane_basis(k), out)
        return out

    def values_of(self, slots: Sequence[int]) -> list[K]:
        """Value slots' K values (verifier/zk_masks.value_point): their g(0)s."""
        return [tuple(int(c) for c in row) for row in self.coefficients_of(slots, 1)[:, 0]]

    def prove(self, transcript, vf: VecField, tables: Sequence[np.ndarray], terms: Terms,
              degree: int, label: str, eq_point=None, fused: bool = True):
        """verifier/zk_masks.py's messages 1-4 around the plain engine: (point, finals)."""
        n = log2_exact(len(tables[0]))
        return self.run(transcript, vf, n, degree, label,
                        lambda relay: prove_sumcheck(relay, vf, tables, terms, degree, label,
                                                     eq_point, fused))

    def value(self, slot: int) -> K:
        """A value slot's K value (verifier/zk_masks.value_point)."""
        return self.values_of([slot])[0]

    def _round_coefficients(self, slots: Sequence[int], degrees: Sequence[int]
                            ) -> tuple[tuple[K, ...], ...]:
        """Each round's g coefficients (slot j of degree d), the rounds of one degree at once."""
        out: list = [None] * len(degrees)
        for d in set(degrees):
            at = [i for i, di in enumerate(degrees) if di == d]
            rows = self.coefficients_of([slots[i] for i in at], d).tolist()
            for i, row in zip(at, rows):
                out[i] = tuple(tuple(c) for c in row)
        return tuple(out)

    def run(self, transcript, vf: VecField, n: int, degree: int, label: str,
            rounds: Callable[[MaskedTranscript], tuple[list, list]],
            last_degree: int | None = None, discharge: Discharge | None = None):
        """Messages 1-4 around ``rounds(relay)``, which sends the n rounds (of degree
        ``degree``, the last ``last_degree`` when given) on the relaying transcript (any
        engine) and returns (point, finals). With ``discharge`` the sumcheck first sends the w
        round (verifier/zk_finals.py) and relays the engine's rounds shifted; the point
        returned then starts with w*."""
        ext, k = self.ext, vf.k
        degrees = round_degrees(n, degree, last_degree, None if discharge is None else 1)
        slots = self.take(len(degrees), max(degrees), label)
        mask = Mask(MaskLayout(len(degrees), degrees, k), self._round_coefficients(slots, degrees))
        transcript.send_k(mask_sum_label(label), [mask.total(ext)], k)
        rho = tuple(transcript.challenge_k(mask_challenge_label(label), k))
        relay = MaskedTranscript(transcript, ext, label, mask, rho)
        if discharge is None:
            point, finals = rounds(relay)
        else:
            w = discharge.first_round(relay, ext, label)
            inner, finals = rounds(discharge.shifted(relay, ext, label, n, w))
            point = [w, *inner]
        transcript.send_k(mask_values_label(label), relay.gammas, k)
        for j, d, r, g in zip(slots, degrees, point, relay.gammas):
            self._claim(j, d, r, g)
        return point, finals


class Discharge:
    """The w round of a discharge (verifier/zk_finals.py): ``plain`` = sum_x P(x) and the
    affine R(w) = ``r0`` + w ``slope``."""

    def __init__(self, plain: K, r0: K, slope: K) -> None:
        self.plain, self.r0, self.slope = plain, r0, slope

    def at(self, ext: ExtField, w) -> K:
        return ext.add(self.r0, ext.mul(self.slope, w))

    def first_round(self, relay: MaskedTranscript, ext: ExtField, label: str) -> K:
        """Round 0: s_0(0) = sum_x P(x) / 2 + R(0) (degree 1: one value); the challenge w*."""
        relay.send_k(round_label(label, 0), [ext.add(ext.mul_base(self.plain, HALF), self.r0)],
                     ext.k)
        return tuple(relay.challenge_k(challenge_label(label, 0), ext.k))

    def shifted(self, relay, ext: ExtField, label: str, n: int, w: K):
        """The engine's rounds as rounds 1..n: s/2 + R(w*) 2^(-1-j)."""
        return Shifted(relay, ext, label, n, ext.mul_base(self.at(ext, w), pow(HALF, n, P)))
