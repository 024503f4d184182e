"""Discharging a claim on a randomized extension (verifier/zk_discharge.py,
prover/zk_discharge.py): Libra's sum over w.

The instance: a table f stated at z as f^(z) = v (f^ = f~ + Z Rb, R of one point), and the step
that computes f proving f~(z) = sum_x eq(z, x) f(x) (the identity layer; its own finals plain or
randomized by a second R2).
- completeness: the subclaim is P(rho) = eq(z, rho) f(rho) (or f^ with R2) and psi = R(z_0, w*);
- soundness: a wrong stated value, any changed message, a psi other than R's are rejected;
- zero knowledge by exact linear algebra (tests/protocol/test_zk_sumcheck.py's method): the view
  (v, G, the rounds, the mask values, psi) is affine in (the mask, R); the map has full rank
  onto the coordinates the final equation leaves free, for two witnesses with the same finals,
  and the simulator's view spans the same space; a zeroed R leaves f~(z) in the clear.
"""

from __future__ import annotations

import numpy as np
import pytest

from protocol.test_zk_sumcheck import (
    FixedChallenges,
    affine_map,
    rank_mod_p,
    reveal_check,
)
from protocol.zk_stream import Stream
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import k_bytes
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import as_ext, eq_eval, evaluate
from tensorproof.poly.univariate import interpolate_eval
from tensorproof.prover.zk_discharge import prove_discharge, simulate_discharge
from tensorproof.prover.zk_sumcheck import (
    HashMaskCommitter,
    Randomizer,
    sample_mask,
    sample_randomizer,
)
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import challenge_label
from tensorproof.verifier.zk_discharge import constant_weight, layout, verify_discharge
from tensorproof.verifier.zk_sumcheck import HashMaskBinding, mask_challenge_label, vanishing

LABEL = "d"
DOMAIN = b"test/zk-discharge"
TERMS = [(1, [0])]
DEGREE = 2  # eq(z, x) f(x)


def instance(k: int, n: int, seed: int, randomize_next: bool):
    rng = np.random.default_rng(seed)
    ext = ext_field(k)
    f = vec_field(1).random(1 << n, rng)
    z = [ext.random(rng) for _ in range(n)]
    R = sample_randomizer(1, k)
    Rs = [sample_randomizer(1, k)] if randomize_next else None
    return f, z, R, Rs


def stated_value(ext, f, z, R) -> tuple:
    return R.extension(ext, as_ext(ext, evaluate(vec_field(ext.k), f, z)), z)


def mask_layout(k, n, Rs):
    return layout(n, DEGREE, TERMS, [R.degree for R in Rs] if Rs else None, k)


def run(k, n, f, z, R, Rs, mask=None, transcript=None):
    lay = mask_layout(k, n, Rs)
    t = transcript or ProverTranscript(DOMAIN)
    committer = HashMaskCommitter()
    proof, psi = prove_discharge(t, vec_field(k), [f], TERMS, DEGREE, LABEL,
                                 mask or sample_mask(lay), committer, z, R, eq_point=z,
                                 randomizers=Rs)
    return t, proof, psi, committer, lay


def check(k, data, v, z, lay, committer, finals, R=None):
    """The verifier and the caller's checks (the test model reveals the mask)."""
    ext = ext_field(k)
    vt = VerifierTranscript(DOMAIN, data)
    binding = HashMaskBinding()
    deferred = []
    sub = verify_discharge(vt, ext, v, z, lay, LABEL, binding,
                           lambda label, at, psi: deferred.append((label, at, psi)))
    vt.check_eof()
    assert deferred == [(LABEL, sub.randomizer_point, sub.randomizer_value)]
    if not ext.eq(sub.value, ext.mul(eq_eval(ext, z, sub.point), finals[0])):
        raise VerificationError("subclaim")
    reveal_check(ext, binding, committer, LABEL)
    for _, at, psi in deferred:  # the test model opens R by revealing it
        if R is not None and R.value(ext, *at) != psi:
            raise VerificationError("psi is not R's value")
    return sub


@pytest.mark.parametrize("k,n,randomize_next", [(2, 1, False), (2, 3, True), (3, 4, False),
                                                (3, 2, True), (2, 6, True)])
def test_honest_discharge_verifies(k, n, randomize_next):
    ext = ext_field(k)
    f, z, R, Rs = instance(k, n, 10 * n + k, randomize_next)
    v = stated_value(ext, f, z, R)
    t, proof, psi, committer, lay = run(k, n, f, z, R, Rs)
    sub = check(k, t.proof_bytes(), v, z, lay, committer, proof.finals, R)
    assert sub.point == proof.point[1:] and sub.randomizer_value == psi
    plain = as_ext(ext, evaluate(vec_field(k), f, sub.point))
    want = Rs[0].extension(ext, plain, sub.point) if Rs else plain
    assert tuple(proof.finals[0]) == want


@pytest.mark.parametrize("k", [2, 3])
def test_a_wrong_stated_value_is_rejected(k):
    ext = ext_field(k)
    f, z, R, Rs = instance(k, 3, 5, True)
    v = ext.add(stated_value(ext, f, z, R), ext.one())
    t, proof, _, committer, lay = run(k, 3, f, z, R, Rs)
    with pytest.raises(VerificationError):
        check(k, t.proof_bytes(), v, z, lay, committer, proof.finals, R)


@pytest.mark.parametrize("k", [2, 3])
def test_every_changed_message_and_a_false_psi_are_rejected(k):
    ext = ext_field(k)
    n = 3
    f, z, R, Rs = instance(k, n, 7, True)
    v = stated_value(ext, f, z, R)
    t, proof, _, committer, lay = run(k, n, f, z, R, Rs)
    data = t.proof_bytes()
    elem = k_bytes(k)
    digest = 32  # the test model's mask commitment opens the stream
    for pos in range(digest, len(data), elem):
        bad = bytearray(data)
        bad[pos + elem - 1] ^= 1
        with pytest.raises((VerificationError, ProofFormatError)):
            check(k, bytes(bad), v, z, lay, committer, proof.finals, R)
    other = Randomizer(tuple(ext.add(a, ext.one()) for a in R.alpha), R.beta)
    with pytest.raises(VerificationError, match="psi"):
        check(k, data, v, z, lay, committer, proof.finals, other)


# ---- zero knowledge ---------------------------------------------------------------------------


def view_map(k, n, f, z, Rs, lay):
    """The view (v first) as an affine function of (mask coordinates, R's 2k coordinates)."""
    n_mask = k * lay.n_coefficients
    ext = ext_field(k)

    def go(x):
        t = FixedChallenges()
        R = sample_randomizer(1, k, Stream(x[n_mask:]))
        v = stated_value(ext, f, z, R)
        t.send_k("stated", [v], k)
        prove_discharge(t, vec_field(k), [f], TERMS, DEGREE, LABEL,
                        sample_mask(lay, Stream(x[:n_mask])), HashMaskCommitter(), z, R,
                        eq_point=z, randomizers=Rs)
        return t.view()

    return affine_map(go, n_mask + 2 * k)


def free(cols, k, n_rounds):
    """All coordinates but the last mask value gamma_n (fixed by the final equation), which
    sits just before psi."""
    cut = len(cols[0]) - 2 * k
    return [c[:cut] + c[cut + k:] for c in cols]


def residual(k, n, z, lay, view, finals) -> tuple:
    """The verifier's final equation, recomputed from a view with the fixed challenges."""
    ext, t = ext_field(k), FixedChallenges()
    vals = [tuple(view[i:i + k]) for i in range(0, len(view), k)]
    v, G = vals[0], vals[1]
    rho = t.challenge_k(mask_challenge_label(LABEL), k)
    running, at, point = ext.add(v, ext.mul(rho, G)), 2, []
    for i, d in enumerate(lay.degrees):
        sent = vals[at:at + d]
        at += d
        r = t.challenge_k(challenge_label(LABEL, i), k)
        point.append(r)
        running = interpolate_eval(ext, [sent[0], ext.sub(running, sent[0]), *sent[1:]], r)
    gammas, psi = vals[at:at + lay.n_vars], vals[at + lay.n_vars]
    for g in gammas:
        running = ext.sub(running, ext.mul(rho, g))
    target = ext.mul(eq_eval(ext, z, point[1:]), finals[0])
    target = ext.add(ext.mul_base(target, pow(2, P - 2, P)),
                     ext.mul(constant_weight(ext, z, n), psi))
    return ext.sub(running, target)


@pytest.mark.parametrize("k,n", [(2, 1), (2, 3), (3, 2)])
def test_view_is_uniform_on_the_final_hyperplane(k, n):
    f, z, _, Rs = instance(k, n, 40 + n, True)
    lay = mask_layout(k, n, Rs)
    off, cols = view_map(k, n, f, z, Rs, lay)
    target = k * (lay.n_coefficients + 2)
    fr = free(cols, k, lay.n_vars)
    assert len(fr[0]) == target  # square: v, G, rounds, n of the n+1 mask values, psi
    assert rank_mod_p(fr) == target, "view not uniform"
    finals = [Rs[0].extension(ext_field(k), as_ext(ext_field(k), evaluate(
        vec_field(k), f, [FixedChallenges().challenge_k(challenge_label(LABEL, i), k)
                          for i in range(1, n + 1)])),
        [FixedChallenges().challenge_k(challenge_label(LABEL, i), k) for i in range(1, n + 1)])]
    assert ext_field(k).is_zero(residual(k, n, z, lay, off, finals))


def test_a_zeroed_randomizer_reveals_the_plain_value():
    """The mutation: with R = 0 the stated value is f~(z) itself (two witnesses that differ
    there are told apart), while with a random R the first view coordinate is uniform."""
    k, n = 2, 3
    ext = ext_field(k)
    f, z, R, _ = instance(k, n, 3, False)
    zero = Randomizer((ext.zero(),), (ext.zero(),))
    assert stated_value(ext, f, z, zero) == as_ext(ext, evaluate(vec_field(k), f, z))
    assert stated_value(ext, f, z, R) != stated_value(ext, f, z, zero)


@pytest.mark.parametrize("k", [2, 3])
def test_two_witnesses_with_the_same_finals_reveal_the_same_law(k):
    n = 3
    rng = np.random.default_rng(k)
    ext = ext_field(k)
    f1, z, _, Rs1 = instance(k, n, 60, True)
    f2 = vec_field(1).random(1 << n, rng)
    rho = [FixedChallenges().challenge_k(challenge_label(LABEL, i), k) for i in range(1, n + 1)]
    # R2 for the second witness so that both give the same finals f^(rho)
    gap = ext.sub(as_ext(ext, evaluate(vec_field(k), f1, rho)),
                  as_ext(ext, evaluate(vec_field(k), f2, rho)))
    shift = ext.mul(gap, ext.inv(ext.mul_base(vanishing(ext, rho), 2)))
    Rs2 = [Randomizer((ext.add(Rs1[0].alpha[0], shift),), Rs1[0].beta)]
    lay = mask_layout(k, n, Rs1)
    o1, c1 = view_map(k, n, f1, z, Rs1, lay)
    o2, c2 = view_map(k, n, f2, z, Rs2, lay)
    assert rank_mod_p(free(c1, k, lay.n_vars)) == k * (lay.n_coefficients + 2)
    assert c1 == c2  # the linear part does not depend on the witness
    diff = [(a - b) % P for a, b in zip(o1, o2)]
    assert rank_mod_p(c1 + [diff]) == rank_mod_p(c1)  # offsets differ inside the range


@pytest.mark.parametrize("k,n", [(2, 2), (3, 3)])
def test_simulator_spans_the_real_views(k, n):
    ext = ext_field(k)
    f, z, _, Rs = instance(k, n, 80 + n, True)
    lay = mask_layout(k, n, Rs)
    r_off, r_cols = view_map(k, n, f, z, Rs, lay)
    rho = [FixedChallenges().challenge_k(challenge_label(LABEL, i), k) for i in range(1, n + 1)]
    finals = [Rs[0].extension(ext, as_ext(ext, evaluate(vec_field(k), f, rho)), rho)]
    n_sim = k * (lay.n_coefficients + 2)  # v, G, rounds, psi, n mask values (read in order)

    def go(x):
        t = FixedChallenges()
        v = tuple(int(c) for c in x[:k])
        t.send_k("stated", [v], k)
        simulate_discharge(t, ext, v, z, lay, LABEL, TERMS, HashMaskCommitter(),
                           given_finals=finals, eq_point=z, rand=Stream(x[k:]))
        return t.view()

    s_off, s_cols = affine_map(go, n_sim)
    assert ext.is_zero(residual(k, n, z, lay, s_off, finals))
    sim, real = free(s_cols, k, lay.n_vars), free(r_cols, k, lay.n_vars)
    assert rank_mod_p(sim) == rank_mod_p(sim + real) == n_sim


def test_rank_test_catches_a_fixed_randomizer_and_a_zero_mask(monkeypatch):
    """The mutations the rank test exists for: R not fresh (the same in every run) leaves 2k
    coordinates of the view determined by the witness; a zero mask leaves almost all of them."""
    from tensorproof.prover.zk_sumcheck import Mask

    k, n = 2, 3
    f, z, _, Rs = instance(k, n, 43, True)
    lay = mask_layout(k, n, Rs)
    full = k * (lay.n_coefficients + 2)
    fixed = sample_randomizer(1, k)
    monkeypatch.setitem(globals(), "sample_randomizer", lambda m, kk, rand=None: fixed)
    assert rank_mod_p(free(view_map(k, n, f, z, Rs, lay)[1], k, lay.n_vars)) == full - 2 * k
    monkeypatch.undo()
    monkeypatch.setitem(globals(), "sample_mask", lambda layout_, rand=None: Mask.zero(layout_))
    assert rank_mod_p(free(view_map(k, n, f, z, Rs, lay)[1], k, lay.n_vars)) < full // 2


def test_a_caller_given_weight_and_affine_randomizer_discharge():
    """The generalized constant (a fraction-GKR level's: Z over every coordinate but the
    first, an affine r(w) of the caller's randomizers): the stated value is
    f~(z) + weight (r(0) + r(1)), and only r(w*) is revealed."""
    k, n = 2, 3
    ext = ext_field(k)
    f, z, _, Rs = instance(k, n, 91, True)
    weight = vanishing(ext, z[1:])  # Z(y): the split coordinate z_0 left out
    a, b = ext.random(np.random.default_rng(1)), ext.random(np.random.default_rng(2))

    def r_of(w):
        return ext.add(a, ext.mul(as_ext(ext, w), b))

    v = ext.add(as_ext(ext, evaluate(vec_field(k), f, z)),
                ext.mul(weight, ext.add(r_of(0), r_of(1))))
    lay = mask_layout(k, n, Rs)
    for stated, ok in ((v, True), (ext.add(v, ext.one()), False)):
        t = ProverTranscript(DOMAIN)
        committer = HashMaskCommitter()
        proof, psi = prove_discharge(t, vec_field(k), [f], TERMS, DEGREE, LABEL,
                                     sample_mask(lay), committer, z, r_of, eq_point=z,
                                     randomizers=Rs, weight=weight)
        vt = VerifierTranscript(DOMAIN, t.proof_bytes())
        deferred: list = []
        sub = verify_discharge(vt, ext, stated, z, lay, LABEL, HashMaskBinding(),
                               lambda label, at, p, out=deferred: out.append((at, p)),
                               weight=weight)
        assert deferred[0][1] == psi == r_of(deferred[0][0][1])
        good = ext.eq(sub.value, ext.mul(eq_eval(ext, z, sub.point), proof.finals[0]))
        assert good == ok
