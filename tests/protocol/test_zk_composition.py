"""The zero-knowledge building blocks composed into one miniature proof, as the integration plan
of docs/internals.md lays them out: does the whole view hide the witness?

Statement: y = A x for a public matrix A (2^p x 2^m) and public y, x private. Proof:
  z <- challenge; the masked sumcheck (zk_sumcheck.py) of y~(z) = sum_j A~(z, j) x(j), x
  randomized by R_x (finals: A~(z, rho) public, x^(rho) sent); then one committed vector
  T = [x | the sumcheck's mask table | R_x's coefficients] (aligned slots) takes every claim:
  the n mask claims, and x^(rho) = x~(rho) + Z(rho) Rb_x(rho_0) as one linear claim over the x
  slot and the R_x slot; the blinded merge (zk_merge.py) reduces them to one claim on
  [T | omega], which the (hiding) commitment opens; here the test opens it by evaluating B.

Checks:
- completeness and soundness of the composition (a false y, a changed x final, each message);
- zero knowledge by exact linear algebra: with the challenges fixed, the whole view (G, rounds,
  mask values, x^(rho), sigma, merge rounds, e) is affine in the prover's randomness (mask, R_x,
  omega) with full rank onto the coordinates the verifier's public relations leave free (the
  sumcheck's final equation, the merge's final equation and last-round factorization);
- two private inputs with the same public output give views with the same law;
- the mutations: a zeroed blind or a fixed randomizer lose rank.
Not covered here (the integration's business): commitment and absorption order (nothing is
committed: InVector binds nothing, B is evaluated directly), and the opening's own leakage (at
the smallest sizes omega has no spare entropy, so the PCS opening must be zero-knowledge by
itself). An attacker review found no leak in this composition (offset tests for several shapes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from protocol.test_zk_sumcheck import FixedChallenges, affine_map, rank_mod_p
from protocol.zk_stream import Stream
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.linalg import solve_mod_p
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import as_ext, eq_table, evaluate
from tensorproof.prover.zk_merge import prove_blinded_merge
from tensorproof.prover.zk_sumcheck import (
    Randomizer,
    prove_zk_sumcheck,
    sample_mask,
    sample_randomizer,
)
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.zk_merge import LinearClaim, Part, min_vars, verify_blinded_merge
from tensorproof.verifier.zk_sumcheck import (
    MaskLayout,
    round_degrees,
    vanishing,
    verify_zk_sumcheck,
)

DOMAIN = b"test/zk-composition"
TERMS = [(1, [0, 1])]
LIN, OPEN = "toy/linear", "toy/open"


@dataclass
class InVector:
    """The zk_sumcheck committer/binding when the mask lives in the committed vector T: nothing
    is sent; the mask claims are kept for the blinded merge."""

    claims: list = field(default_factory=list)

    def commit(self, transcript, label, mask) -> None:
        pass

    def open(self, label, claims) -> None:
        self.claims = list(claims)

    def bind(self, transcript, label, layout) -> None:
        pass

    def defer(self, label, layout, claims) -> None:
        self.claims = list(claims)


@dataclass(frozen=True)
class Shape:
    k: int
    p: int
    m: int

    @property
    def layout(self) -> MaskLayout:
        return MaskLayout(self.m, round_degrees(self.m, 2, TERMS, [None, 0]), self.k)

    @property
    def slots(self) -> tuple[int, int, int, int]:
        """(mask slot offset, R slot offset, R slot vars, T's variables): x first at 0."""
        tv = self.layout.table_vars
        rv = (2 * self.k - 1).bit_length()
        size = 1 << self.m
        mask_off = -(-size // (1 << tv)) * (1 << tv)
        r_off = -(-(mask_off + (1 << tv)) // (1 << rv)) * (1 << rv)
        n = max((r_off + (1 << rv) - 1).bit_length(), min_vars(self.k))
        return mask_off, r_off, rv, n


def challenges(t, label, n, k):
    return [tuple(t.challenge_k(f"{label}/{i}", k)) for i in range(n)]


def _fold(vf, A, z):
    """A~(z, j) for every column j (a K table)."""
    e = eq_table(vf, z)
    out = vf.zeros(A.shape[1])
    for i in range(A.shape[0]):
        out = vf.add(out, vf.mul_base(e[i:i + 1].repeat(A.shape[1], axis=0), A[i]))
    return out


def x_claim(ext, s: Shape, rho, x_hat) -> LinearClaim:
    """x^(rho) = x~(rho) + Z(rho) (2 alpha + beta) over the x slot and R_x's coefficient planes
    (alpha's k planes, then beta's)."""
    _, r_off, rv, _ = s.slots
    zr = vanishing(ext, rho)
    basis = [tuple(1 if i == c else 0 for i in range(s.k)) for c in range(s.k)]
    weights = tuple([ext.mul(ext.add(zr, zr), b) for b in basis] + [ext.mul(zr, b)
                                                                    for b in basis])
    return LinearClaim((Part(0, s.m, point=tuple(rho)), Part(r_off, rv, weights=weights)),
                       tuple(x_hat))


def mask_parts(s: Shape, claims) -> list[LinearClaim]:
    mask_off = s.slots[0]
    tv = s.layout.table_vars
    return [LinearClaim((Part(mask_off, tv, point=tuple(c.point)),), tuple(c.value))
            for c in claims]


def packed(s: Shape, x, mask, R) -> np.ndarray:
    mask_off, r_off, _, n = s.slots
    T = np.zeros(1 << n, dtype=np.uint64)
    T[: len(x)] = x
    table = mask.table()
    T[mask_off: mask_off + len(table)] = table
    coeffs = [c for v in (*R.alpha, *R.beta) for c in v]
    T[r_off: r_off + len(coeffs)] = np.array(coeffs, dtype=np.uint64)
    return T


def prove_toy(t, s: Shape, A, x, mask, R, blind):
    vf, ext = vec_field(s.k), ext_field(s.k)
    z = challenges(t, "toy/z", s.p, s.k)
    Az = _fold(vf, A, z)
    box = InVector()
    proof = prove_zk_sumcheck(t, vf, [Az, x], TERMS, 2, LIN, mask, box, randomizers=[None, R])
    x_hat = proof.finals[1]
    t.send_k("toy/x final", [x_hat], s.k)
    claims = mask_parts(s, box.claims) + [x_claim(ext, s, proof.point, x_hat)]
    return prove_blinded_merge(t, vf, packed(s, x, mask, R), blind, claims, OPEN)


def verify_toy(data, s: Shape, A, y, B) -> None:
    """The verifier, then the test's opening of B (a hiding PCS opens it in the real proof)."""
    vf, ext = vec_field(s.k), ext_field(s.k)
    t = VerifierTranscript(DOMAIN, data)
    z = challenges(t, "toy/z", s.p, s.k)
    v = as_ext(ext, evaluate(vf, y, z))
    box = InVector()
    sub = verify_zk_sumcheck(t, ext, v, s.layout, LIN, box)
    (x_hat,) = t.recv_k("toy/x final", 1, s.k)
    a = as_ext(ext, evaluate(vf, _fold(vf, A, z), sub.point))
    if not ext.eq(sub.value, ext.mul(a, x_hat)):
        raise VerificationError("linear layer")
    claims = mask_parts(s, box.claims) + [x_claim(ext, s, sub.point, x_hat)]
    out = verify_blinded_merge(t, ext, s.slots[3], claims, OPEN)
    t.check_eof()
    if as_ext(ext, evaluate(vf, B, out.point)) != tuple(out.value):
        raise VerificationError("opening")


def instance(k, p, m, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 50, (1 << p, 1 << m)).astype(np.uint64)
    x = rng.integers(0, 50, 1 << m).astype(np.uint64)
    return A, x, (A.astype(object) @ x.astype(object) % P).astype(np.uint64)


def honest(s: Shape, A, x):
    mask = sample_mask(s.layout)
    R = sample_randomizer(1, s.k)
    blind = vec_field(1).random(1 << s.slots[3], np.random.default_rng(99))
    t = ProverTranscript(DOMAIN)
    prove_toy(t, s, A, x, mask, R, blind)
    B = np.concatenate([packed(s, x, mask, R), blind])
    return t.proof_bytes(), B


@pytest.mark.parametrize("k,p,m", [(2, 1, 3), (3, 2, 3), (2, 2, 4)])
def test_composition_verifies_and_rejects_lies(k, p, m):
    s = Shape(k, p, m)
    A, x, y = instance(k, p, m, 3 * m + k)
    data, B = honest(s, A, x)
    verify_toy(data, s, A, y, B)
    bad_y = y.copy()
    bad_y[0] = (int(bad_y[0]) + 1) % P
    with pytest.raises(VerificationError):
        verify_toy(data, s, A, bad_y, B)
    elem = 8 * k
    for pos in range(0, len(data), elem):
        bad = bytearray(data)
        bad[pos + elem - 1] ^= 1
        with pytest.raises((VerificationError, ProofFormatError)):
            verify_toy(bytes(bad), s, A, y, B)


# ---- zero knowledge of the whole view ---------------------------------------------------------


def view_map(s: Shape, A, x, fix_R=None, zero_blind=False):
    """(offset, columns) of the view as an affine function of (mask, R_x, omega)."""
    n_mask = s.k * s.layout.n_coefficients
    n_blind = 1 << s.slots[3]

    def go(u):
        t = FixedChallenges()
        mask = sample_mask(s.layout, Stream(u[:n_mask]))
        R = fix_R or sample_randomizer(1, s.k, Stream(u[n_mask:n_mask + 2 * s.k]))
        blind = np.array(u[n_mask + 2 * s.k:], dtype=np.uint64)
        if zero_blind:
            blind = np.zeros(n_blind, dtype=np.uint64)
        prove_toy(t, s, A, x, mask, R, blind)
        return t.view()

    return affine_map(go, n_mask + 2 * s.k + n_blind)


def free(s: Shape, cols):
    """Drop the coordinates the public relations fix: the last mask value (the sumcheck's final
    equation), the merge's last round s(2) and its e (its final equation and factorization)."""
    k, m = s.k, s.m
    n_rounds = sum(s.layout.degrees)
    gamma_last = k * (1 + n_rounds + m - 1)  # after G, the rounds, gamma_0..gamma_{m-2}
    drop = set(range(gamma_last, gamma_last + k))
    total = len(cols[0])
    drop |= set(range(total - 2 * k, total))  # merge s_{n-1}(2), e
    return [[c[i] for i in range(total) if i not in drop] for c in cols]


@pytest.mark.parametrize("k,p,m", [(2, 1, 3), (3, 1, 3)])
def test_whole_view_is_uniform_on_its_public_relations(k, p, m):
    s = Shape(k, p, m)
    A, x, _ = instance(k, p, m, 5)
    _, cols = view_map(s, A, x)
    f = free(s, cols)
    assert rank_mod_p(f) == len(f[0]), f"view rank {rank_mod_p(f)} of {len(f[0])}"


@pytest.mark.parametrize("k", [2, 3])
def test_two_private_inputs_with_one_output_have_the_same_law(k):
    s = Shape(k, 1, 3)
    A, x1, y = instance(k, 1, 3, 8)
    # x2 = x1 + a kernel vector of A (A is 2 x 8: its kernel has dimension 6)
    rng = np.random.default_rng(9)
    free_part = rng.integers(0, 1 << 62, 6).astype(object)
    a = A.astype(object)
    sol = _kernel_vector(a, free_part)
    x2 = ((x1.astype(object) + sol) % P).astype(np.uint64)
    assert not np.array_equal(x1, x2)
    assert np.array_equal((a @ x2.astype(object)) % P, y.astype(object))
    o1, c1 = view_map(s, A, x1)
    o2, c2 = view_map(s, A, x2)
    assert rank_mod_p(free(s, c1)) == len(free(s, c1)[0]) and c1 == c2
    diff = [(a - b) % P for a, b in zip(o1, o2)]
    assert rank_mod_p(c1 + [diff]) == rank_mod_p(c1)  # the same law: offsets in the range
    for x in (x1, x2):  # and both views satisfy the public relations: the verifier accepts
        data, B = honest(s, A, x)
        verify_toy(data, s, A, y, B)


def _kernel_vector(a, tail):
    """A vector v with a v = 0 mod p whose last entries are ``tail`` (a: 2 x 8 over F_p)."""
    rows, cols = a.shape
    head = [[int(a[i, j]) % P for j in range(rows)] for i in range(rows)]
    rhs = [(-sum(int(a[i, rows + j]) * int(tail[j]) for j in range(cols - rows))) % P
           for i in range(rows)]
    return np.array(solve_mod_p(head, rhs) + [int(v) for v in tail], dtype=object)


def test_rank_test_catches_a_zeroed_blind_and_a_fixed_randomizer():
    s = Shape(2, 1, 3)
    A, x, _ = instance(2, 1, 3, 5)
    full = len(free(s, view_map(s, A, x)[1])[0])
    _, cols = view_map(s, A, x, zero_blind=True)
    assert rank_mod_p(free(s, cols)) < full
    fixed = Randomizer(((1, 2),), ((3, 4),))
    _, cols = view_map(s, A, x, fix_R=fixed)
    assert rank_mod_p(free(s, cols)) < full
