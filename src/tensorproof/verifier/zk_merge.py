"""Blinded merge: several evaluation claims on a hidden table become one opening that reveals
nothing new (the spec; prover/zk_merge.py mirrors it). After Binius64's zero-knowledge BaseFold
(binius-zk/binius64, crates/iop/src/basefold/channel.rs: each zero-knowledge oracle committed
next to a uniform mask of its length, blinded by one challenge before the batched sumcheck).

Why not merge.py: its round messages and final value T~(rho) are further linear functionals of
T; for a table of masks (zk_sumcheck.py: "the mask has no spare degree of freedom") or of a
private witness they are exactly what must stay hidden.

Statement: linear claims <T, w_j> = v_j, j < m, on a table T of 2^n F entries committed (by the
caller, before this protocol) as B = [T ‖ omega], a table of 2^(n+1) F entries, omega fresh
uniform in F^(2^n) per proof, never opened elsewhere; B(x, y) = T(x) for y = 0, omega(x) for
y = 1 (y the top variable). Each w_j lives on an aligned slot of T (``LinearClaim``: offset a
multiple of 2^s, 2^s entries): eq(z_j, .) there (an evaluation claim T_slot~(z_j) = v_j; a
plain EvalClaim is the whole table's) or an explicit small K vector (a randomizer's value: a
linear form in its coefficients). Every claim value v_j is already revealed (the caller's
business).

Messages (label L):
 1. challenge "L/lambda" (lambda in K); W = sum_j lambda^j w_j, c = sum_j lambda^j v_j;
 2. "L/blind": sigma = <omega, W> (one K element);
 3. challenge "L/gamma" (gamma in K; 0 or 1 is refused: gamma = 0 would reveal T's
    functionals, gamma = 1 would drop T; probability 2/|K|, a completeness error);
 4. sumcheck L (n rounds, degree 2, verifier/sumcheck.py) of
    sum_x B'(x) W(x) = (1 - gamma) c + gamma sigma,  B' = (1 - gamma) T + gamma omega,
    to the point r;
 5. "L/value": e = B'~(r) = B~(r, gamma); check e W~(r) = the sumcheck's final value.
Output: the claim B~(r, gamma) = e, which the caller MUST open with a hiding commitment.

Soundness: if some v_j is false, c != <T, W> except with probability (m - 1)/|K| (lambda);
then (1 - gamma)(c - <T, W>) + gamma (sigma - <omega, W>), a nonzero polynomial of degree 1 in
gamma (its value at 0 is c - <T, W>), vanishes for at most one gamma: 1/|K|, with omega bound by
the commitment and sigma sent before gamma. The sumcheck errs with probability <= 2n/|K|
(Thaler, "Proofs, Arguments and Zero-Knowledge", Prop. 4.1); the opening binds e to B.
``soundness_error_log2`` adds them up.

KNOWN LEAK (an attacker review, 2026-12-05): omega here is F-valued, and the argument below
holds only for claims whose combined weight W is generic over the whole table (several claims
at random K points; the masked sumcheck's mask claims; the composition of
tests/protocol/test_zk_composition.py). For structured claims it does not: a single claim at a
Boolean or F-rational point, claims with F weights, a claim confined to a small slot (alone or
beside a whole-table claim) leave fewer F coordinates of omega acting on the view than it
reveals of (1 - gamma) T + gamma omega, and a fixed linear combination of the view then
separates two witnesses with the same claims (for T[0] = v, s_0(0), s_0(2) and gamma give T[1]).
The fix is a K-valued omega (k F planes): B'~(r) = (1 - gamma) T~(r) + gamma sum_c X^c
omega_c~(r) is then a linear form over k + 1 regions of the committed vector with K row
weights, which Ligero opens directly (any row-weight vector) but not as one point evaluation
(no point of the region selector gives those weights). ``verify_blinded_merge_k`` (prover:
``prove_blinded_merge_k``, ``sample_blind_k``, ``regions_table``) is that variant: the same
messages, ending in a ``RegionClaim`` that the caller opens as a linear form; it needs only
2^n >= 2n + 1 (``min_vars_k``), and test_zk_merge.py shows it hiding the structured claims
that the F-valued blind leaks (which stays recorded as a strict xfail). The F-valued blind
costs one region instead of k and is zero-knowledge for generic claims only.

Zero knowledge (honest verifier; the opening's own simulator aside): fix T, the claims and the
challenges. The view u = (sigma, the 2n sent round values, e), 2n + 2 K elements, is affine in
omega, and every u satisfies two K relations whose coefficients are public (c, the
challenges): the verifier's final equation, and the last round's factorization: W is public and
s_{n-1}(t) = B'~(r', t) W~(r', t) with both factors affine in t, so s_{n-1}(0) and s_{n-1}(2)
give B'~(r', 0), B'~(r', 1) and hence e. The subspace H they cut out has dimension 2 n k over F;
when the map omega -> u has F-rank 2 n k, u is uniform on H whatever T is, and the simulator
runs the honest prover on any table T' with <T', W> = c (``simulate_blinded_merge``). That rank
needs 2^n >= 2 n k coordinates of omega (``min_vars``: the caller pads a smaller table) and the
genericity of the functionals, which tests/protocol/test_zk_merge.py checks by exact linear
algebra for both field degrees and several sizes with two or more claims at random K points
(rank 2 n k; a single K-point claim gives (n + 1) k, its rounds all factorize, not a leak),
for two witnesses of the same claims (their views' offsets differ by a vector in the map's
range: the same law) and for the simulator. The probability that the challenges make the map
lose rank is not yet bounded in zk_failure_log2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import VerificationError
from ..field.scalar import ExtField
from ..poly.mle import as_ext, eq_eval, eq_eval_index
from . import evaluations as ev
from .claims import EvalClaim
from .merge import alpha_powers, combined_value
from .pcs.ligero_zk import RowForm
from .sumcheck import verify_sumcheck

DEGREE = 2


def lambda_label(label: str) -> str:
    return f"{label}/lambda"


def blind_label(label: str) -> str:
    return f"{label}/blind"


def gamma_label(label: str) -> str:
    return f"{label}/gamma"


def value_label(label: str) -> str:
    return f"{label}/value"


def min_vars(k: int) -> int:
    """The least n for which the blind of a table of 2^n entries hides a merge over K of degree
    k: 2^n >= 2 n k, as many F coordinates as the view has free ones (module docstring)."""
    n = 1
    while (1 << n) < 2 * n * k:
        n += 1
    return n


def degenerate(ext: ExtField, gamma) -> bool:
    return ext.eq(gamma, ext.zero()) or ext.eq(gamma, ext.one())


@dataclass(frozen=True)
class Part:
    """A linear form on an aligned slot of T: eq(point, .) (``point`` given) or the explicit K
    vector ``weights`` (at most 2^n_vars entries, zero after), on T[offset : offset + 2^n_vars]
    (offset a multiple of 2^n_vars)."""

    offset: int
    n_vars: int
    point: tuple | None = None
    weights: tuple | None = None

    def __post_init__(self) -> None:
        if (self.point is None) == (self.weights is None):
            raise ValueError("a claim part has a point or weights, not both")
        if self.offset % (1 << self.n_vars):
            raise ValueError("a claim part's slot must be aligned to its size")
        if self.point is not None and len(self.point) != self.n_vars:
            raise ValueError("the point must have the slot's variables")
        if self.weights is not None and len(self.weights) > 1 << self.n_vars:
            raise ValueError("more weights than the slot has entries")

    def weight_eval(self, ext: ExtField, r) -> tuple:
        """The part's weight MLE at r (all of T's variables): its slot's form on r's low
        coordinates times the selector eq(r's high coordinates, offset / 2^n_vars)."""
        low, high = list(r[: self.n_vars]), list(r[self.n_vars:])
        sel = eq_eval_index(ext, high, self.offset >> self.n_vars)
        if self.point is not None:
            return ext.mul(sel, eq_eval(ext, self.point, low))
        part = ext.zero()
        for i, w in enumerate(self.weights):
            part = ext.add(part, ext.mul(as_ext(ext, w), eq_eval_index(ext, low, i)))
        return ext.mul(sel, part)


@dataclass(frozen=True)
class LinearClaim:
    """sum over ``parts`` of <T, part> = value."""

    parts: tuple[Part, ...]
    value: tuple

    @staticmethod
    def of(claim: EvalClaim) -> LinearClaim:
        """A whole-table evaluation claim."""
        return LinearClaim((Part(0, len(claim.point), point=tuple(claim.point)),),
                           tuple(claim.value))

    def weight_eval(self, ext: ExtField, r) -> tuple:
        acc = ext.zero()
        for p in self.parts:
            acc = ext.add(acc, p.weight_eval(ext, r))
        return acc


def as_linear(claims) -> list[LinearClaim]:
    return [c if isinstance(c, LinearClaim) else LinearClaim.of(c) for c in claims]


def weight_eval(ext: ExtField, powers: list, claims, point) -> tuple:
    """W~(point) = sum_j lambda^j w_j~(point) (whole-table evaluation claims: one vector pass,
    evaluations.eq_combination)."""
    if all(isinstance(c, EvalClaim) for c in claims):
        return ev.eq_combination(ext.k, powers, [c.point for c in claims], point)
    acc = ext.zero()
    for a, c in zip(powers, as_linear(claims)):
        acc = ext.add(acc, ext.mul(a, c.weight_eval(ext, point)))
    return acc


def verify_blinded_merge(transcript, ext: ExtField, n_vars: int, claims, label: str
                         ) -> EvalClaim:
    """Messages 1-5 (module docstring) for ``claims`` (EvalClaims on the whole table or
    LinearClaims); returns the claim on B = [T ‖ omega] (n_vars + 1 variables, gamma last)
    that the caller opens. VerificationError on a failed check."""
    point, gamma, e = _verify_messages(transcript, ext, n_vars, claims, label, min_vars(ext.k))
    return EvalClaim(list(point) + [gamma], e)


def _verify_messages(transcript, ext: ExtField, n_vars: int, claims, label: str, least: int):
    """Messages 1-5; (r, gamma, e)."""
    given, claims = list(claims), as_linear(claims)
    if not claims:
        raise ValueError("a blinded merge needs at least one claim")
    if any(p.offset + (1 << p.n_vars) > 1 << n_vars for c in claims for p in c.parts):
        raise ValueError("a claim's slot lies outside the table")
    if n_vars < least:
        raise ValueError(f"this blinded merge over K of degree {ext.k} needs a table of at least "
                         f"2^{least} entries, not 2^{n_vars}")
    t = transcript
    lam = tuple(t.challenge_k(lambda_label(label), ext.k))
    powers = alpha_powers(ext, lam, len(claims))
    c = combined_value(ext, powers, [cl.value for cl in claims])
    (sigma,) = t.recv_k(blind_label(label), 1, ext.k)
    gamma = tuple(t.challenge_k(gamma_label(label), ext.k))
    if degenerate(ext, gamma):
        raise VerificationError(f"blinded merge '{label}': degenerate challenge gamma")
    claim = ext.add(ext.mul(ext.sub(ext.one(), gamma), c), ext.mul(gamma, as_ext(ext, sigma)))
    sub = verify_sumcheck(t, ext, claim, n_vars, DEGREE, label)
    (e,) = t.recv_k(value_label(label), 1, ext.k)
    if not ext.eq(ext.mul(as_ext(ext, e), weight_eval(ext, powers, given, sub.point)),
                  sub.value):
        raise VerificationError(f"blinded merge '{label}': final value does not match")
    return list(sub.point), gamma, tuple(e)


@dataclass(frozen=True)
class RegionClaim:
    """What a merge with a K-valued blind leaves: sum_q weights[q] B_q~(point) = value, B_q the
    q-th region of 2^n entries of B = [T ‖ omega_0 ‖ .. ‖ omega_{k-1} ‖ 0 ..] (k + 1 regions
    padded to a power of two): weights (1 - gamma, gamma, gamma X, .., gamma X^(k-1), 0 ..).
    A linear form with K row weights: Ligero opens it directly; the caller MUST open it."""

    point: tuple
    weights: tuple
    value: tuple


def region_vars(k: int) -> int:
    """Selector variables of B's regions: T and the k planes of omega."""
    return k.bit_length()


def region_weights(ext: ExtField, gamma) -> tuple:
    k = ext.k
    basis = [tuple(1 if i == c else 0 for i in range(k)) for c in range(k)]
    out = [ext.sub(ext.one(), gamma)] + [ext.mul(gamma, b) for b in basis]
    return tuple(out + [ext.zero()] * ((1 << region_vars(k)) - len(out)))


def verify_blinded_merge_k(transcript, ext: ExtField, n_vars: int, claims, label: str
                           ) -> RegionClaim:
    """The blinded merge with a K-valued blind omega (k F planes; ``min_vars_k``): the same
    messages as :func:`verify_blinded_merge`, ending in the linear form of
    :class:`RegionClaim` instead of one point of [T ‖ omega]."""
    sub = _verify_messages(transcript, ext, n_vars, claims, label, min_vars_k(ext.k))
    point, gamma, e = sub
    return RegionClaim(tuple(point), region_weights(ext, gamma), e)


def region_form(ext: ExtField, claim: RegionClaim, n_region: int, b: int):
    """The RegionClaim as a Ligero row form (verifier/pcs/ligero_zk.RowForm) of B committed
    with rows of 2^b entries: row q 2^(n - b) + h weighs weights[q] eq(r_high, h), the column
    point is r's low b coordinates. ValueError unless rows fit in a region (b <= n)."""
    if b > n_region:
        raise ValueError(f"rows of 2^{b} entries straddle regions of 2^{n_region}: commit B "
                         "with shorter rows")
    high = ev.eq_table(ext.k, list(claim.point[b:]))
    rows = np.concatenate([ev.vec(ext.k).scale(high, w) for w in claim.weights])
    return RowForm(rows, tuple(claim.point[:b]))


def min_vars_k(k: int) -> int:
    """With a K-valued blind (k 2^n F coordinates) 2^n >= 2n + 1 is enough (view: at most
    k (2n + 1) free F coordinates, module docstring)."""
    n = 1
    while (1 << n) < 2 * n + 1:
        n += 1
    return n


def soundness_error_log2(n_vars: int, n_claims: int, k: int) -> float:
    """log2 of (m - 1)/|K| + 1/|K| + 2n/|K| (module docstring), the opening aside."""
    from ..field.params import P

    return math.log2(n_claims + 2 * n_vars) - k * math.log2(P)
