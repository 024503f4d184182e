"""The proof's mask vector M: every sumcheck of a zero-knowledge proof masked from one committed
table (docs/internals.md, "The integration plan", steps 1 and 3).

A transcript whose ``masks`` attribute is set (a ``VerifierMasks`` here, prover/zk_masks.py's
``ProverMasks`` on the other side) runs every sumcheck of at least one round through Libra's
masked sumcheck (verifier/zk_sumcheck.py is the protocol's spec and its zero-knowledge
argument); ``verify_sumcheck`` and ``prove_sumcheck`` dispatch to it, so no call site changes.
What differs from zk_sumcheck.py is where the mask lives: not one table per sumcheck but round
slots of one vector M, committed with the advice before any challenge of the proof.

Layout of M (2^m F entries, m = ``MaskCapacity.n_vars``; variables lowest first):
  s = ceil log2 k plane variables (a slot holds K values as k F planes; eq(w, c) = X^c / D at
  zk_sumcheck.plane_point), then b = ``power_vars(capacity.degree)`` power variables, then the
  slot index. Round i of a masked sumcheck of degree d takes the next unused slot j and its
  mask univariate is
      g_i(X) = D M~(w, X^e_1, .., X^e_b', 0, .., 0, bits(j)) = sum_{c, S} X^c m_j,c[S] X^<e, S>
  with e = ``exponents(d)`` (b' = len(e) entries, total d, whose subset sums are exactly
  0..d) and m_j,c the monomial coefficients of the multilinear extension of the slot's plane c
  restricted to its first 2^b' rows (the Moebius transform: a bijection); the zero power
  coordinates select those rows. So ANY slot defines a g_i of degree <= d (no structural zero
  for the prover to keep: soundness needs no honesty from M), and a uniform slot gives a
  uniform g_i of degree <= d (each coefficient of X^j sums a disjoint nonempty set of uniform
  m's), which is what the zero-knowledge argument needs (one uniform coefficient per value a
  round sends, plus the constant). Slots are used once, in transcript order, by both sides.

Messages of one masked sumcheck (label L; n >= 1 rounds of degree d):
  1. "L/mask sum": G = sum_{x in {0,1}^n} sum_i g_i(x_i) = 2^(n-1) sum_i (g_i(0) + g_i(1));
  2. challenge "L/rho": rho;
  3. the rounds of h = P + rho g from C + rho G, labels and compression as verifier/sumcheck.py;
  4. "L/mask values": gamma_i = g_i(r_i), i < n.
The subclaim is P(r) = C_n - rho sum_i gamma_i (the caller checks it as for the plain
sumcheck), and the n claims M~(point_i) = gamma_i / D go to ``claim`` (the context routes them
to M's commitment group).

Soundness: M is absorbed (its group's commitment) before any challenge of the proof, so g is
fixed before rho and every r_i. For a false C, C + rho G = sum h for at most one rho (1/|K|),
and the sumcheck of h, whose true round polynomials have degree <= d because every g_i does,
errs with probability <= n d / |K| (Thaler, "Proofs, Arguments and Zero-Knowledge", Prop. 4.1):
``soundness_bits``. A slot past the capacity, or a degree above it, is a VerificationError.
Zero knowledge: zk_sumcheck.py's argument with d_i = d; it needs M's claims opened without
revealing more of M: the advice's hiding opening (zk_opening.py) under Ligero; the plain merge
of its group under WHIR does not yet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ..errors import VerificationError
from ..field.params import P
from ..field.scalar import ExtField, ext_field
from ..poly.mle import Scalar, as_ext, index_point
from ..poly.univariate import interpolate_eval
from .claims import SumcheckSubclaim
from .names import Internal
from .sumcheck import challenge_label, round_label
from .zk_sumcheck import mask_challenge_label, mask_sum_label, mask_values_label, plane_point

MASKS = Internal("", "zero-knowledge masks")
"""The plan's name of M: an advice tensor (``plan.zk``: zk_capacity.ZkPlan)."""

OPENING_MASKS = Internal("", "zero-knowledge opening masks")
"""The hiding opening's own mask slots, then their blind's planes (zk_opening.py)."""

RANDOMIZER = Internal("", "zero-knowledge opening randomizer")
"""Uniform advice entries that randomize the advice opening's value (zk_opening.py)."""

RANDOMIZER_SIZE = 16

ClaimSink = Callable[[list, tuple], None]
"""Where a claim M~(point) = value goes (a claim on a mask table at a point)."""

RoundSink = Callable[[int, int, Scalar, tuple], None]
"""Where a round's mask claim goes: (slot, degree, r, gamma) for D M~(round_point(slot,
degree, r)) = gamma, i.e. M~ there is ``claim_value(gamma)`` (the context's
``claim_round``: kept in this form, the hiding opening weighs them in vectors and divides
their combination by D once, zk_opening.py)."""


@cache
def exponents(d: int) -> tuple[int, ...]:
    """(1, 2, .., 2^(m-1)[, d - 2^m + 1]) with 2^m - 1 <= d: subset sums exactly 0..d, total d."""
    if d < 1:
        raise ValueError(f"a round degree is >= 1, got {d}")
    m = (d + 1).bit_length() - 1
    rest = d - ((1 << m) - 1)
    return tuple(1 << j for j in range(m)) + ((rest,) if rest else ())


def power_vars(d: int) -> int:
    """Power variables of a slot for rounds of degree <= d."""
    return len(exponents(d))


@dataclass(frozen=True)
class MaskCapacity:
    """M's shape: ``rounds`` round slots, each for a degree up to ``degree``."""

    rounds: int
    degree: int

    def __post_init__(self) -> None:
        if self.rounds < 1 or self.degree < 1:
            raise ValueError(f"a mask vector has >= 1 round slot of degree >= 1 "
                             f"(got {self.rounds}, {self.degree})")

    def slot_vars(self, k: int) -> int:
        """Variables of one slot: planes, then powers."""
        return (k - 1).bit_length() + power_vars(self.degree)

    def index_vars(self) -> int:
        return (self.rounds - 1).bit_length()

    def n_vars(self, k: int) -> int:
        return self.slot_vars(k) + self.index_vars()


def round_point(ext: ExtField, capacity: MaskCapacity, slot: int, degree: int,
                r: Scalar) -> list[tuple[int, ...]]:
    """The point of M~ at which D M~ = g(r) for the slot's round of degree ``degree``."""
    w, _ = plane_point(ext)
    r = as_ext(ext, r)
    powers = [ext.pow(r, e) for e in exponents(degree)]
    unused = [ext.zero()] * (power_vars(capacity.degree) - len(powers))
    bits = index_point(ext, slot, capacity.index_vars())
    return w + powers + unused + bits


def point_sink(ext: ExtField, capacity: MaskCapacity, claim: ClaimSink) -> RoundSink:
    """A RoundSink that states each round's claim at its point (``round_point``)."""
    return lambda slot, d, r, gamma: claim(round_point(ext, capacity, slot, d, r),
                                           claim_value(ext, gamma))


def round_degrees(n_vars: int, degree: int, last_degree: int | None = None,
                  first: int | None = None) -> tuple[int, ...]:
    """Every round's degree: ``degree``, the last one ``last_degree`` when given; ``first``: a
    leading round of that degree (a discharge's w, zk_finals.py) before the n_vars rounds."""
    body = ((degree,) * (n_vars - 1) + (degree if last_degree is None else last_degree,)
            if n_vars else ())
    return ((first,) if first is not None else ()) + body


def value_point(ext: ExtField, capacity: MaskCapacity, slot: int) -> list[tuple[int, ...]]:
    """The point at which D M~ is a *value slot*'s K value: its g(0), the constant coefficient
    (uniform for a uniform slot; zk_finals.py takes one per randomized final)."""
    return round_point(ext, capacity, slot, 1, 0)


def claim_value(ext: ExtField, gamma: Scalar) -> tuple[int, ...]:
    """M~(round point) = gamma / D."""
    return ext.mul(as_ext(ext, gamma), _inverse_d(ext.k))


@cache
def _inverse_d(k: int) -> tuple[int, ...]:
    ext = ext_field(k)
    return ext.inv(plane_point(ext)[1])


def soundness_bits(k: int, n_vars: int, degree: int) -> float:
    """-log2 of (1 + n d) / |K|: one masked sumcheck (module docstring, Soundness)."""
    return k * math.log2(P) - math.log2(1 + n_vars * degree)


class Slots:
    """The allocation both sides run: the next n round slots, in transcript order."""

    def __init__(self, capacity: MaskCapacity) -> None:
        self.capacity, self.used = capacity, 0

    def take(self, n: int, degree: int, label: str) -> range:
        cap = self.capacity
        if degree > cap.degree:
            self._refuse(f"masked sumcheck {label!r} has degree {degree}, the mask vector's "
                         f"slots at most {cap.degree}")
        if self.used + n > cap.rounds:
            self._refuse(f"masked sumcheck {label!r} needs round slots {self.used}.."
                         f"{self.used + n - 1} of a mask vector of {cap.rounds}")
        out = range(self.used, self.used + n)
        self.used += n
        return out

    def _refuse(self, msg: str) -> None:
        raise VerificationError(msg)


class VerifierMasks(Slots):
    """The verifier's mask source: set as ``transcript.masks`` for the masked part of a proof."""

    def __init__(self, ext: ExtField, capacity: MaskCapacity, claim: RoundSink) -> None:
        super().__init__(capacity)
        self.ext, self._claim = ext, claim

    def verify(self, transcript, ext: ExtField, claim: Scalar, n_vars: int, degree: int,
               label: str, last_degree: int | None = None,
               first: int | None = None) -> SumcheckSubclaim:
        """Messages 1-4 of the module docstring; the subclaim P(r) = C_n - rho sum gamma.
        ``last_degree``: the last round's, when randomized tables raise it; ``first``: the
        degree of a leading extra round (a discharge's w; zk_finals.py), which makes the
        sumcheck n_vars + 1 rounds long."""
        degrees = round_degrees(n_vars, degree, last_degree, first)
        n_vars = len(degrees)
        slots = self.take(n_vars, max(degrees), label)
        k = ext.k
        (G,) = transcript.recv_k(mask_sum_label(label), 1, k)
        rho = tuple(transcript.challenge_k(mask_challenge_label(label), k))
        running = ext.add(as_ext(ext, claim), ext.mul(rho, G))
        point: list[tuple[int, ...]] = []
        for i in range(n_vars):
            sent = transcript.recv_k(round_label(label, i), degrees[i], k)
            r = tuple(transcript.challenge_k(challenge_label(label, i), k))
            point.append(r)
            running = interpolate_eval(ext, [sent[0], ext.sub(running, sent[0]), *sent[1:]], r)
        gammas = transcript.recv_k(mask_values_label(label), n_vars, k)
        total = ext.zero()
        for slot, d, r, g in zip(slots, degrees, point, gammas):
            self._claim(slot, d, r, g)
            total = ext.add(total, g)
        return SumcheckSubclaim(point, ext.sub(running, ext.mul(rho, total)))
