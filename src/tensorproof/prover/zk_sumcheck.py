"""Zero-knowledge sumcheck, prover side (mirror of verifier/zk_sumcheck.py, which is the spec).

The masked rounds reuse the plain engine (``prove_sumcheck``, fused kernels included) without
touching it: the engine sends its round messages s_i^P through ``MaskedTranscript``, which adds
rho s_i^g(t) to each value before it reaches the real transcript and learns each r_i as it is
drawn. The mask's round polynomial costs O(d) per round: with A_i = sum_{j<i} g_j(r_j) and
B_i = sum_{j>i} (g_j(0) + g_j(1)),  s_i^g(t) = 2^(n-1-i) (A_i + g_i(t)) + 2^(n-2-i) B_i.

Randomized extensions f^ = f~ + Z Rb (Libra §4.2) change only the last round (Z = 0 while some
coordinate is Boolean), so the engine runs rounds 0..n-2 on the tables split at their last
variable (T[:h] is T~(x', 0), T[h:] is T~(x', 1); every term appears once per half, an eq
factor's last coordinate moves into the coefficients), which returns f~_j(r', 0), f~_j(r', 1);
``randomized_last_round`` then sends the last round of degree ``last_round_degree`` and the finals
f^_j(r) = f~_j(r) + Z(r) Rb_j(r_0).

All secrets (mask coefficients, randomizer coefficients, salts) come from a ``Randomness``
(the OS in production). The simulator at the end needs none of the witness.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from ..errors import ProverError
from ..field import npfield
from ..field.params import HALF, P
from ..field.sampling import OS_RANDOMNESS, Randomness
from ..field.scalar import ExtField, ext_field
from ..field.vec import VecField
from ..poly.mle import Scalar, as_ext, eq_eval, log2_exact
from ..poly.univariate import interpolate_eval
from ..transcript import ProverTranscript
from ..verifier.claims import EvalClaim
from ..verifier.sumcheck import Terms, challenge_label, evaluate_terms, round_label
from ..verifier.zk_sumcheck import (
    MASK_SALT_BYTES,
    MaskLayout,
    mask_challenge_label,
    mask_claims,
    mask_commitment_label,
    mask_digest,
    mask_sum_label,
    mask_values_label,
    round_degrees,
    vanishing,
)
from .sumcheck import prove_sumcheck
from .sumcheck_fused import RelayPlan

K = tuple[int, ...]


def _poly(ext: ExtField, coeffs: Sequence[K], x: Scalar) -> K:
    """sum_j coeffs[j] x^j (Horner; x an int or a K element)."""
    acc = ext.zero()
    for c in reversed(coeffs):
        acc = ext.add(ext.mul_base(acc, x % P) if isinstance(x, int)
                      else ext.mul(acc, as_ext(ext, x)), c)
    return acc


def _two_to(e: int) -> int:
    """2^e in F (e >= 0)."""
    return (1 << e) % P


# ---- the mask g = sum_i g_i(X_i) -----------------------------------------------------------------


@dataclass(frozen=True)
class Mask:
    """coeffs[i][j] = c_ij in K, g_i(X) = sum_{j <= d_i} c_ij X^j."""

    layout: MaskLayout
    coeffs: tuple[tuple[K, ...], ...]

    def __post_init__(self) -> None:
        shape = [len(row) for row in self.coeffs]
        if shape != [d + 1 for d in self.layout.degrees] or any(
                len(c) != self.layout.k or not all(0 <= x < P for x in c)
                for row in self.coeffs for c in row):
            raise ValueError(f"mask coefficients do not fit {self.layout}")

    def spend(self) -> None:
        """Mark the mask used; ProverError if it already served a sumcheck (one mask in two
        sumchecks reveals differences of witness functionals: tests/protocol, mutations)."""
        if self.__dict__.get("_spent"):
            raise ProverError("this mask already served a sumcheck: draw a fresh one")
        self.__dict__["_spent"] = True

    @classmethod
    def zero(cls, layout: MaskLayout) -> Mask:
        z = (0,) * layout.k
        return cls(layout, tuple((z,) * (d + 1) for d in layout.degrees))

    def g(self, ext: ExtField, i: int, x: Scalar) -> K:
        """g_i(x)."""
        return _poly(ext, self.coeffs[i], x)

    @cached_property
    def coeff_array(self) -> np.ndarray:
        """The coefficients as an (n, D + 1, k) array, D = max d_i (zero past d_i)."""
        L = self.layout
        out = np.zeros((L.n_vars, max(L.degrees) + 1, L.k), dtype=np.uint64)
        for i, row in enumerate(self.coeffs):
            out[i, : len(row)] = row
        return out

    @cached_property
    def ends(self) -> tuple[K, ...]:
        """g_i(0) + g_i(1) = 2 c_i0 + sum_{j>0} c_ij for every i."""
        return tuple(tuple((row[0][m] + sum(c[m] for c in row)) % P
                           for m in range(self.layout.k)) for row in self.coeffs)

    def total(self, ext: ExtField) -> K:
        """G = sum over the cube of g = 2^(n-1) sum_i (g_i(0) + g_i(1))."""
        scale = _two_to(self.layout.n_vars - 1)
        return tuple(scale * sum(e[m] for e in self.ends) % P for m in range(self.layout.k))

    def table(self) -> np.ndarray:
        """The F mask table M (verifier/zk_sumcheck.py, "Mask table"): index c + 2^s (x + 2^b i),
        T_i[x] = sum_{j subset of x} c_ij (a zeta transform over the b power bits)."""
        L = self.layout
        a, b, s = L.slot_vars, L.power_vars, L.plane_vars
        C = np.zeros((1 << a, 1 << b, 1 << s), dtype=np.uint64)
        for i, row in enumerate(self.coeffs):
            C[i, : len(row), : L.k] = np.array(row, dtype=np.uint64)
        for l in range(b):  # add the half without bit l into the half with it
            v = C.reshape(1 << a, 1 << (b - l - 1), 2, 1 << l, 1 << s)
            v[:, :, 1] = npfield.fadd(v[:, :, 1], v[:, :, 0])
        return C.reshape(-1)


def sample_mask(layout: MaskLayout, rand: Randomness = OS_RANDOMNESS) -> Mask:
    """A fresh mask: sum_i (d_i + 1) uniform K coefficients, read in order (i, j)."""
    flat = [tuple(int(c) for c in row) for row in rand.k_vector(layout.n_coefficients, layout.k)]
    coeffs, at = [], 0
    for d in layout.degrees:
        coeffs.append(tuple(flat[at : at + d + 1]))
        at += d + 1
    return Mask(layout, tuple(coeffs))


class MaskCommitter(Protocol):
    """The prover's side of ``verifier.zk_sumcheck.MaskBinding``: ``commit`` binds the mask
    before "L/rho" (sends or has absorbed its commitment); ``open`` takes the mask claims for
    the opening that discharges them."""

    def commit(self, transcript: Any, label: str, mask: Mask) -> None: ...

    def open(self, label: str, claims: Sequence[EvalClaim]) -> None: ...


@dataclass
class HashMaskCommitter:
    """TEST MODEL ONLY: sends Keccak(domain ‖ salt ‖ M) with a fresh 32-byte salt and keeps
    (salt, M) in ``openings`` so that tests can check the claims by revealing M (not
    zero-knowledge). The hiding PCS of the advice table replaces it."""

    rand: Randomness = OS_RANDOMNESS
    openings: dict[str, tuple[bytes, np.ndarray]] = field(default_factory=dict)
    claims: dict[str, tuple[EvalClaim, ...]] = field(default_factory=dict)

    def commit(self, transcript: Any, label: str, mask: Mask) -> None:
        salt, table = self.rand.bytes(MASK_SALT_BYTES), mask.table()
        transcript.send_bytes(mask_commitment_label(label), mask_digest(salt, table))
        self.openings[label] = (salt, table)

    def open(self, label: str, claims: Sequence[EvalClaim]) -> None:
        self.claims[label] = tuple(claims)


# ---- masking the engine's round messages ---------------------------------------------------------


class MaskedTranscript:
    """Relays the engine's round messages, each value s_i(t) + rho s_i^g(t), and its challenges;
    refuses anything else (the engine must speak only in rounds). Not a ``ProverTranscript``:
    the fused engine runs its rounds in its kernel through :meth:`kernel_plan` (the same bytes,
    ``tests/protocol/test_zk_kernel_relay.py``), the
    generic engine round by round through ``send_k`` and ``challenge_k``."""

    def __init__(self, inner, ext: ExtField, label: str, mask: Mask, rho: K) -> None:
        self._inner, self._ext, self._label, self._mask, self._rho = inner, ext, label, mask, rho
        self._round, self._prefix, self.gammas = 0, ext.zero(), []

    @cached_property
    def _suffix(self) -> list[K]:
        """B_i = sum_{j>i} (g_j(0) + g_j(1)) (the per-round path's; the kernel's are its own)."""
        ext, ends = self._ext, self._mask.ends
        out = [ext.zero()] * len(ends)
        for i in range(len(ends) - 2, -1, -1):
            out[i] = ext.add(out[i + 1], ends[i + 1])
        return out

    def _mask_part(self, i: int, t: int) -> K:
        ext, n = self._ext, self._mask.layout.n_vars
        head = ext.mul_base(ext.add(self._prefix, self._mask.g(ext, i, t)), _two_to(n - 1 - i))
        if i == n - 1:
            return head
        return ext.add(head, ext.mul_base(self._suffix[i], _two_to(n - 2 - i)))

    def kernel_plan(self, label: str, start: int, rounds: int, degree: int) -> RelayPlan | None:
        """The next ``rounds`` rounds (from round ``start``, of degree ``degree``) as the fused
        kernel's relay (``sumcheck_fused.RelayPlan``: the kernel computes s_i^g from the mask's
        coefficients). None where this relay would refuse them round by round (another label,
        round or degree: the per-round path then raises) or where its transcript may not be
        bypassed (a subclass of this relay or of ProverTranscript may watch the messages)."""
        L, i0 = self._mask.layout, self._round
        if (type(self) is not MaskedTranscript or type(self._inner) is not ProverTranscript
                or label != self._label or start != i0
                or i0 + rounds > L.n_vars or any(d != degree for d in L.degrees[i0:i0 + rounds])):
            return None
        labels = [f(self._label, i) for i in range(i0, i0 + rounds)
                  for f in (round_label, challenge_label)]
        return RelayPlan(self._inner, labels, 1, self._rho, self._mask.coeff_array, i0,
                         self._prefix, self._took)

    def _took(self, point: list, gammas: list) -> None:
        """The kernel ran ``len(point)`` rounds: their gammas join the relay's state."""
        for g in gammas:
            self.gammas.append(g)
            self._prefix = self._ext.add(self._prefix, g)
        self._round += len(point)

    def send_k(self, label: str, xs, k: int) -> None:
        i, ext = self._round, self._ext
        if i >= self._mask.layout.n_vars or label != round_label(self._label, i):
            raise ProverError(f"masked sumcheck '{self._label}': unexpected message {label!r}")
        rows = xs.tolist() if isinstance(xs, np.ndarray) else list(xs)
        d = self._mask.layout.degrees[i]
        if len(rows) != d:
            raise ProverError(f"masked sumcheck '{self._label}': round {i} sent {len(rows)} "
                              f"values, the layout says {d}")
        masked = [ext.add(as_ext(ext, tuple(int(c) for c in v)),
                          ext.mul(self._rho, self._mask_part(i, t)))
                  for v, t in zip(rows, [0, *range(2, d + 1)])]
        self._inner.send_k(label, masked, k)

    def challenge_k(self, label: str, k: int) -> K:
        i = self._round
        if label != challenge_label(self._label, i):
            raise ProverError(f"masked sumcheck '{self._label}': unexpected challenge {label!r}")
        r = tuple(self._inner.challenge_k(label, k))
        self.gammas.append(self._mask.g(self._ext, i, r))
        self._prefix = self._ext.add(self._prefix, self.gammas[-1])
        self._round += 1
        return r


class Shifted:
    """The engine's round j (label round{j}, challenge r{j}) as round j + 1 of the discharging
    sumcheck, each value s as s/2 + constant 2^(n-1-j) (constant = the randomizer's value at w*
    over 2^n: Z(z) psi / 2^n in zk_discharge.py, R(w*) / 2^n in zk_finals.py)."""

    def __init__(self, inner, ext: ExtField, label: str, n_vars: int, constant: K) -> None:
        self._inner, self._ext, self._label, self._n, self._c = inner, ext, label, n_vars, constant

    def _round_of(self, label: str, name) -> int:
        for j in range(self._n):
            if label == name(self._label, j):
                return j
        raise ProverError(f"discharging sumcheck '{self._label}': unexpected label {label!r}")

    def kernel_plan(self, label: str, start: int, rounds: int, degree: int) -> RelayPlan | None:
        """The inner relay's plan for rounds start + 1.. with this relay's map v -> v/2 +
        shift_j folded in: scale halved, and the shift inner.scale c 2^(n-1-j), j = start + q;
        None as the inner's, or when the inner plan has a shift already."""
        planner = getattr(self._inner, "kernel_plan", None)
        if (type(self) is not Shifted or label != self._label or start + rounds > self._n
                or planner is None):
            return None
        inner = planner(label, start + 1, rounds, degree)
        if inner is None or inner.shift is not None:
            return None
        return replace(inner, scale=inner.scale * HALF % P,
                       shift=self._ext.mul_base(self._c, inner.scale),
                       shift_exp=self._n - 1 - start)

    def send_k(self, label: str, xs, k: int) -> None:
        j = self._round_of(label, round_label)
        ext = self._ext
        shift = ext.mul_base(self._c, pow(2, self._n - 1 - j, P))
        rows = xs.tolist() if isinstance(xs, np.ndarray) else list(xs)
        out = [ext.add(ext.mul_base(as_ext(ext, tuple(int(c) for c in v)), HALF), shift)
               for v in rows]
        self._inner.send_k(round_label(self._label, j + 1), out, k)

    def challenge_k(self, label: str, k: int) -> K:
        j = self._round_of(label, challenge_label)
        return tuple(self._inner.challenge_k(challenge_label(self._label, j + 1), k))


# ---- randomized extensions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Randomizer:
    """R(u, w) = sum_l (alpha_l + w beta_l) u^l over K; the table's randomized extension is
    f^(x) = f~(x) + Z(x) Rb(x_0), Rb(u) = R(u, 0) + R(u, 1). One (alpha_l, beta_l) pair per
    stated point (verifier/zk_sumcheck.py, "Randomized extensions")."""

    alpha: tuple[K, ...]
    beta: tuple[K, ...]

    @property
    def degree(self) -> int:
        """deg Rb (in x_0)."""
        return len(self.alpha) - 1

    def rbar(self, ext: ExtField, u: Scalar) -> K:
        return _poly(ext, [ext.add(ext.add(a, a), b) for a, b in zip(self.alpha, self.beta)], u)

    def value(self, ext: ExtField, u: Scalar, w: Scalar) -> K:
        """R(u, w): what discharging a claim on f^ reveals (Libra's sum over w)."""
        w = as_ext(ext, w)
        return _poly(ext, [ext.add(a, ext.mul(w, b)) for a, b in zip(self.alpha, self.beta)], u)

    def extension(self, ext: ExtField, plain: Scalar, point: Sequence[Scalar]) -> K:
        """f^(point) from f~(point) = ``plain``."""
        return ext.add(as_ext(ext, plain),
                       ext.mul(vanishing(ext, point), self.rbar(ext, point[0])))


def sample_randomizer(stated_points: int, k: int, rand: Randomness = OS_RANDOMNESS) -> Randomizer:
    """Fresh R for a table stated at ``stated_points`` points: alpha then beta, each uniform."""
    if stated_points < 1:
        raise ValueError("a randomizer covers at least one stated point")
    flat = [tuple(int(c) for c in row) for row in rand.k_vector(2 * stated_points, k)]
    return Randomizer(tuple(flat[:stated_points]), tuple(flat[stated_points:]))


def split_last_variable(ext: ExtField, tables, terms: Terms, eq_point):
    """(tables, terms, eq point) of the same sum as a sum over the first n - 1 variables: the
    halves of each table, each term once per half (an eq factor's last coordinate in the
    coefficients). ``prove_sumcheck`` on them sends rounds 0..n-2 exactly as on the originals
    and returns f~_j(r', 0) (first m finals) and f~_j(r', 1) (last m) for
    :func:`randomized_last_round`."""
    m, h = len(tables), len(tables[0]) // 2
    halves = [T[:h] for T in tables] + [T[h:] for T in tables]
    if eq_point is None:
        lo_c = hi_c = [as_ext(ext, c) for c, _ in terms]
    else:
        z = as_ext(ext, eq_point[-1])
        lo_c = [ext.mul(as_ext(ext, c), ext.sub(ext.one(), z)) for c, _ in terms]
        hi_c = [ext.mul(as_ext(ext, c), z) for c, _ in terms]
    split = ([(c, list(s)) for c, (_, s) in zip(lo_c, terms)]
             + [(c, [j + m for j in s]) for c, (_, s) in zip(hi_c, terms)])
    return halves, split, None if eq_point is None else list(eq_point[:-1])


def randomized_last_round(t, ext: ExtField, label: str, point: list, lo: list, hi: list,
                          terms: Terms, randomizers, eq_point, degree: int) -> list:
    """Send round n-1 of the sum over f^ (degree ``last_round_degree``: f^_j(r', t) =
    f~_j(r', t) + Z(r') t (1 - t) Rb_j(r_0) for randomizers[j], f~_j(r', t) for None), draw
    r_{n-1} (appended to ``point``) and return the finals f^_j(r). ``point`` = r' and lo/hi
    come from ``prove_sumcheck`` on :func:`split_last_variable`'s output (any engine works)."""
    n = len(point) + 1
    z_prefix = vanishing(ext, point)
    alpha = ext.one() if eq_point is None else eq_eval(ext, eq_point[:-1], point)

    def values_at(x: Scalar) -> list:
        x = as_ext(ext, x)
        bump = ext.mul(z_prefix, ext.mul(x, ext.sub(ext.one(), x)))  # Z(r', x)
        u = point[0] if n > 1 else x
        out = []
        for a, b, R in zip(lo, hi, randomizers):
            v = ext.add(a, ext.mul(x, ext.sub(b, a)))
            out.append(v if R is None else ext.add(v, ext.mul(bump, R.rbar(ext, u))))
        return out

    evals = []
    for x in range(degree + 1):
        e = ext.mul(alpha, evaluate_terms(ext, terms, values_at(x)))
        if eq_point is not None:
            e = ext.mul(e, eq_eval(ext, [eq_point[-1]], [x]))
        evals.append(e)
    t.send_k(round_label(label, n - 1), [evals[0], *evals[2:]], ext.k)
    r = tuple(t.challenge_k(challenge_label(label, n - 1), ext.k))
    point.append(r)
    return values_at(r)


# ---- the prover and the simulator ---------------------------------------------------------------


@dataclass(frozen=True)
class ZkSumcheckProof:
    """The prover's (or the simulator's) side of one masked sumcheck: the point, the finals
    (f^_j(point) for randomized tables; the caller states or checks them), rho, gamma and the
    mask claims."""

    point: list[K]
    finals: list[K]
    rho: K
    gammas: tuple[K, ...]
    claims: tuple[EvalClaim, ...]


def _finish(t, ext: ExtField, label: str, mask_layout: MaskLayout, committer: MaskCommitter,
            point, finals, rho, gammas) -> ZkSumcheckProof:
    t.send_k(mask_values_label(label), list(gammas), ext.k)
    claims = tuple(mask_claims(ext, mask_layout, point, gammas))
    committer.open(label, claims)
    return ZkSumcheckProof(list(point), list(finals), rho, tuple(gammas), claims)


def prove_zk_sumcheck(transcript, vf: VecField, tables: Sequence[np.ndarray], terms: Terms,
                      degree: int, label: str, mask: Mask, committer: MaskCommitter, *,
                      eq_point: Sequence | None = None,
                      randomizers: Sequence[Randomizer | None] | None = None,
                      fused: bool = True) -> ZkSumcheckProof:
    """Prove sum_x [eq(z, x)] g(tables(x)) (as ``prove_sumcheck``) with the mask ``mask``
    (drawn by ``sample_mask`` for ``MaskLayout(n, round_degrees(..), k)``, fresh for this
    sumcheck) and, where ``randomizers[j]`` is given, table j replaced by its randomized
    extension. Sends messages 0-4 of verifier/zk_sumcheck.py; the caller states the finals."""
    ext = ext_field(vf.k)
    n = log2_exact(len(tables[0]))
    if n < 1:
        raise ValueError("a masked sumcheck needs at least one variable")
    randomizers = list(randomizers) if randomizers is not None else [None] * len(tables)
    if len(randomizers) != len(tables):
        raise ValueError(f"{len(randomizers)} randomizers for {len(tables)} tables")
    r_degrees = [None if R is None else R.degree for R in randomizers]
    expected = MaskLayout(n, round_degrees(n, degree, terms, r_degrees), vf.k)
    if mask.layout != expected:
        raise ValueError(f"mask layout {mask.layout} does not match this sumcheck ({expected})")
    mask.spend()
    committer.commit(transcript, label, mask)                           # 0. mask bound
    transcript.send_k(mask_sum_label(label), [mask.total(ext)], vf.k)   # 1. G
    rho = tuple(transcript.challenge_k(mask_challenge_label(label), vf.k))  # 2. rho
    t = MaskedTranscript(transcript, ext, label, mask, rho)            # 3. masked rounds
    point, finals = run_rounds(t, vf, tables, terms, degree, label, eq_point, randomizers,
                               mask.layout.degrees[-1], fused)
    return _finish(transcript, ext, label, mask.layout, committer, point, finals, rho,
                   t.gammas)                                            # 4. gamma


def run_rounds(t, vf: VecField, tables, terms: Terms, degree: int, label: str, eq_point,
               randomizers, last_degree: int, fused: bool = True) -> tuple[list, list]:
    """The plain engine's rounds on ``t`` (a relaying transcript), the last one through
    :func:`randomized_last_round` when some table is randomized: (point, finals)."""
    if not any(R is not None for R in randomizers):
        return prove_sumcheck(t, vf, tables, terms, degree, label, eq_point, fused)
    ext = ext_field(vf.k)
    halves, split, split_eq = split_last_variable(ext, tables, terms, eq_point)
    point, ends = prove_sumcheck(t, vf, halves, split, degree, label, split_eq, fused)
    m = len(tables)
    finals = randomized_last_round(t, ext, label, point, ends[:m], ends[m:], terms,
                                   randomizers, eq_point, last_degree)
    return point, finals


def simulate_zk_sumcheck(transcript, ext: ExtField, claim: Scalar, layout: MaskLayout,
                         label: str, terms: Terms, committer: MaskCommitter, *,
                         randomized: Sequence[bool],
                         public_finals: Callable[[list], dict[int, Scalar]] | None = None,
                         eq_point: Sequence | None = None,
                         given_finals: Sequence[Scalar] | None = None,
                         rand: Randomness = OS_RANDOMNESS) -> ZkSumcheckProof:
    """A transcript of the masked sumcheck of ``claim`` from public data alone (verifier module
    docstring, Zero knowledge): G and every sent round value uniform; the finals uniform for
    randomized tables (or ``given_finals``, to condition on them) and ``public_finals(point)``
    for the others; gamma_0..gamma_{n-2} uniform and gamma_{n-1} fixed by the verifier's final
    equation. Reads ``rand`` in that order. The mask commitment is to the zero mask (hiding);
    the mask claims it states are false, as a simulator's must be."""
    k = ext.k
    rho, running, point = simulated_rounds(transcript, ext, claim, layout, label, committer, rand)
    if given_finals is not None:
        finals = [as_ext(ext, v) for v in given_finals]
    else:
        public = public_finals(point) if public_finals is not None else {}
        finals = [rand.k_scalar(k) if flag else as_ext(ext, public[j])
                  for j, flag in enumerate(randomized)]
    target = evaluate_terms(ext, terms, finals)
    if eq_point is not None:
        target = ext.mul(eq_eval(ext, eq_point, point), target)
    gammas = simulated_gammas(ext, running, target, rho, layout.n_vars, rand)
    return _finish(transcript, ext, label, layout, committer, point, finals, rho, gammas)


def simulated_rounds(transcript, ext: ExtField, claim: Scalar, layout: MaskLayout, label: str,
                     committer: MaskCommitter, rand: Randomness) -> tuple[K, K, list[K]]:
    """A simulator's messages 0-3 (the zero mask committed, G and every sent round value
    uniform from ``rand``, in that order): (rho, the running claim after the last round,
    the point)."""
    k = ext.k
    committer.commit(transcript, label, Mask.zero(layout))
    G = rand.k_scalar(k)
    transcript.send_k(mask_sum_label(label), [G], k)
    rho = tuple(transcript.challenge_k(mask_challenge_label(label), k))
    if ext.is_zero(rho):
        raise ProverError("rho = 0: the simulation fails (probability 1/|K|)")
    running = ext.add(as_ext(ext, claim), ext.mul(rho, G))
    point: list[K] = []
    for i, d in enumerate(layout.degrees):
        sent = [tuple(int(c) for c in row) for row in rand.k_vector(d, k)]
        transcript.send_k(round_label(label, i), sent, k)
        r = tuple(transcript.challenge_k(challenge_label(label, i), k))
        point.append(r)
        running = interpolate_eval(ext, [sent[0], ext.sub(running, sent[0]), *sent[1:]], r)
    return rho, running, point


def simulated_gammas(ext: ExtField, running: K, target: K, rho: K, n: int,
                     rand: Randomness) -> list[K]:
    """gamma_0..gamma_{n-2} uniform, gamma_{n-1} fixed by running - rho sum gamma = target."""
    gammas = [rand.k_scalar(ext.k) for _ in range(n - 1)]
    rest = ext.mul(ext.sub(running, target), ext.inv(rho))
    for g in gammas:
        rest = ext.sub(rest, g)
    return [*gammas, rest]
