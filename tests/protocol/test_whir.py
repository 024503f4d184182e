"""WHIR (verifier/pcs/whir.py, prover/pcs/whir.py): folding, coefficients, openings, codec."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import KeyFileError
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import evaluate
from tensorproof.poly.ntt import rs_encode_ext
from tensorproof.prover.pcs.whir import SCHEME as PROVER_SCHEME
from tensorproof.prover.pcs.whir import WhirPCS, moebius
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import absorb_commitment
from tensorproof.verifier.pcs.whir import (
    SCHEME,
    Constraints,
    WhirVerifier,
    leaf_positions_points,
)
from tensorproof.verifier.pcs.whir_fold import (
    BASE_EVAL_MAX_VARS,
    coeff_eval,
    fiber_view,
    fold_fibers,
    power_points,
    round_value,
)
from tensorproof.verifier.pcs.whir_params import WhirParams, schedule

DOMAIN = b"tensorproof/test/whir"
K3 = vec_field(3)


def rand_k(rng, n):
    return [tuple(int(c) for c in rng.integers(0, P, 3, dtype=np.uint64)) for _ in range(n)]


def open_and_verify(pcs, table, points, verifier=None):
    commitment, data = pcs.commit(table)
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    values = pcs.open(data, points, pt)
    proof = pt.proof_bytes()
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, commitment)
    (verifier or pcs).verify(commitment, points, values, vt)
    vt.check_eof()
    return values, proof


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_moebius_and_coeff_eval_give_the_mle(backend):
    """coeff_eval of the Moebius coefficients (F, or lifted to K) is the MLE at each point,
    and at a power point (y, y^2, y^4, ..) the univariate polynomial at y (Horner in ints)."""
    kv = vec_field(3, backend)
    rng = np.random.default_rng(1)
    table = rng.integers(0, P, 1 << 6, dtype=np.uint64)
    zs = np.array([rand_k(rng, 6) for _ in range(5)], dtype=np.uint64)
    c = moebius(table)
    want = np.array([evaluate(K3, table, [tuple(x) for x in z]) for z in zs], dtype=np.uint64)
    assert np.array_equal(coeff_eval(kv, c, zs), want)
    assert np.array_equal(coeff_eval(kv, kv.from_base(c), zs), want)
    y = rand_k(rng, 1)
    ext = ext_field(3)
    horner = (0, 0, 0)
    for ci in reversed(c.tolist()):
        horner = ext.add(ext.mul(horner, y[0]), (ci, 0, 0))
    ys = np.array(y, dtype=np.uint64)
    assert tuple(coeff_eval(kv, c, power_points(kv, ys, 6))[0].tolist()) == horner
    # points in F (query points) take F products: alone and mixed with K points, in any order
    fs = rng.integers(0, P, 4, dtype=np.uint64)
    f_pts = power_points(kv, kv.from_base(fs), 6)
    assert not f_pts[..., 1:].any()
    want_f = []
    for f in fs.tolist():
        acc = 0
        for ci in reversed(c.tolist()):
            acc = (acc * f + ci) % P
        want_f.append([acc, 0, 0])
    assert coeff_eval(kv, c, f_pts).tolist() == want_f
    mixed = np.concatenate([f_pts[:2], zs[:2], f_pts[2:]])
    assert coeff_eval(kv, c, mixed).tolist() == want_f[:2] + want[:2].tolist() + want_f[2:]
    with pytest.raises(ValueError, match="coefficients"):
        coeff_eval(kv, c[:32], zs)


@pytest.mark.parametrize("m", [0, 1, 7, 12, BASE_EVAL_MAX_VARS + 1])
def test_coeff_eval_in_f_is_horner_at_every_size(m):
    """F points (the base path: monomial tables and a matrix product mod p, up to
    BASE_EVAL_MAX_VARS variables; folded above) with the largest coefficients and points,
    alone and interleaved with K points, against Horner in ints and the MLE."""
    rng = np.random.default_rng(m)
    n_pts = 3 if m > 12 else 9
    c = rng.integers(0, P, (1 << m, 3), dtype=np.uint64)
    c[-1] = P - 1
    fs = rng.integers(0, P, n_pts, dtype=np.uint64)
    fs[0], fs[1] = P - 1, 0
    want = []
    for f in fs.tolist():
        acc = [0, 0, 0]
        for ci in reversed(c.tolist()):
            acc = [(a * f + x) % P for a, x in zip(acc, ci)]
        want.append(acc)
    f_pts = power_points(K3, K3.from_base(fs), m)
    assert coeff_eval(K3, c, f_pts).tolist() == want
    zs = np.array(rand_k(rng, 2), dtype=np.uint64)
    z_pts = power_points(K3, zs, m)
    mixed = np.concatenate([f_pts[:1], z_pts, f_pts[1:]])
    got = coeff_eval(K3, c, mixed).tolist()
    assert got[:1] + got[3:] == want
    if m <= 7:  # the K points: the MLE of the table whose Moebius transform is c
        ext = ext_field(3)
        for z, v in zip(zs.tolist(), got[1:3]):
            horner = (0, 0, 0)
            for ci in reversed(c.tolist()):
                horner = ext.add(ext.mul(horner, tuple(z)), tuple(ci))
            assert tuple(v) == horner


def test_the_final_value_sums_every_groups_terms():
    """Constraints.final_value against its definition: sum over groups g (round rnd_g) of
    coef eq(head, alphas[rnd_g:]) f^_M(tail), with f^_M at the extra points as well."""
    ext, rng = ext_field(3), np.random.default_rng(11)
    kappa, m_final = 2, 3
    alphas = [rand_k(rng, kappa) for _ in range(3)]
    coeffs = K3.random(1 << m_final, rng)
    cons = Constraints(K3)
    want = ext.zero()

    def f_m(q):  # f^_M(q) = sum_i c_i prod_(t in i) q_t
        total = ext.zero()
        for i, ci in enumerate(coeffs.tolist()):
            term = tuple(ci)
            for t in range(m_final):
                if i >> t & 1:
                    term = ext.mul(term, q[t])
            total = ext.add(total, term)
        return total

    for rnd, n_pts in ((0, 4), (1, 5), (2, 3)):
        head_len = kappa * (3 - rnd)
        pts = [rand_k(rng, head_len) + rand_k(rng, m_final) for _ in range(n_pts)]
        y = rng.integers(0, P, n_pts, dtype=np.uint64).tolist()  # F query points in some tails
        pts = [p[:head_len] + ([(pow(y[j], 1 << t, P), 0, 0) for t in range(m_final)]
                               if j % 2 else p[head_len:]) for j, p in enumerate(pts)]
        coefs = rand_k(rng, n_pts)
        cons.add(rnd, np.array(coefs, dtype=np.uint64), np.array(pts, dtype=np.uint64))
        head = [a for rs in alphas[rnd:] for a in rs]
        for c, p in zip(coefs, pts):
            e = ext.one()
            for u, v in zip(p[:head_len], head):
                one = ext.one()
                e = ext.mul(e, ext.add(ext.mul(u, v), ext.mul(ext.sub(one, u), ext.sub(one, v))))
            want = ext.add(want, ext.mul(ext.mul(c, e), f_m(p[head_len:])))
    extra = np.array([rand_k(rng, m_final) for _ in range(2)], dtype=np.uint64)
    value, at_extra = cons.final_value(alphas, coeffs, extra)
    assert value == want
    assert [tuple(v) for v in at_extra.tolist()] == [f_m([tuple(c) for c in q])
                                                     for q in extra.tolist()]


@pytest.mark.parametrize("folding", [1, 2, 4])
def test_folding_a_fiber_evaluates_the_folded_polynomial(folding):
    """Fold(f, alpha)(y_j) from the fiber equals f^(alpha, .) at y_j (the coefficient fold)."""
    rng = np.random.default_rng(folding)
    m, log_domain = 7, 9
    coeffs = K3.random(1 << m, rng)
    codeword = rs_encode_ext(coeffs, 1 << (log_domain - m))
    alphas = rand_k(rng, folding)
    folded = coeffs
    for a in alphas:  # c'[j] = c[2j] + a c[2j+1]
        folded = K3.add(folded[0::2].copy(), K3.scale(folded[1::2].copy(), a))
    idx = np.array([0, 3, 17, (1 << (log_domain - folding)) - 1])
    got = fold_fibers(K3, fiber_view(codeword, folding)[idx], idx, log_domain, alphas)
    ys = K3.from_base(np.array(leaf_positions_points(idx, log_domain, folding), dtype=np.uint64))
    want = coeff_eval(K3, folded, power_points(K3, ys, m - folding))
    assert np.array_equal(got, want)


def test_round_value_interpolates_through_0_1_2():
    rng = np.random.default_rng(3)
    a, b, c = (np.array(x, dtype=np.uint64) for x in rand_k(rng, 3))  # h(X) = a + bX + cX^2
    def h(x):
        x = np.array(x, dtype=np.uint64)
        return K3.add(a, K3.mul(x, K3.add(b, K3.mul(x, c))))
    r = rand_k(rng, 1)[0]
    assert np.array_equal(round_value(K3, h((0, 0, 0)), h((1, 0, 0)), h((2, 0, 0)), r), h(r))


@pytest.mark.parametrize("n_vars,n_points", [(1, 1), (4, 2), (9, 1), (12, 3)])
def test_openings_verify_and_give_the_mle_values(n_vars, n_points):
    rng = np.random.default_rng(n_vars)
    table = rng.integers(0, P, 1 << n_vars, dtype=np.uint64)
    points = [rand_k(rng, n_vars) for _ in range(n_points)]
    values, _ = open_and_verify(WhirPCS(), table, points)
    assert values == [tuple(evaluate(K3, table, z)) for z in points]


def test_proof_of_work_is_found_and_checked():
    params = WhirParams(pow_bits=8)
    rng = np.random.default_rng(5)
    table = rng.integers(0, P, 1 << 10, dtype=np.uint64)
    open_and_verify(WhirPCS(params), table, [rand_k(rng, 10)])


def test_schedule_uses_every_round():
    sch = schedule(WhirParams(), 20)
    assert sch.rounds[0].n_vars == 20
    assert all(a.n_vars - b.n_vars == WhirParams().folding
               for a, b in zip(sch.rounds, sch.rounds[1:]))


def test_the_codec_round_trips_and_rejects_another_tree():
    config = {"k": 3, "pcs": "whir", **SCHEME.defaults}
    pcs = PROVER_SCHEME.prover(config)
    rng = np.random.default_rng(7)
    table = rng.integers(0, P, 1 << 9, dtype=np.uint64)
    commitment, data = pcs.commit(table)
    arrays = PROVER_SCHEME.codec.encode(data)
    again = PROVER_SCHEME.codec.decode(commitment, table, arrays, config)
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    z = rand_k(rng, 9)
    values = pcs.open(again, [z], pt)
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    absorb_commitment(vt, commitment)
    WhirVerifier(pcs.params).verify(commitment, [z], values, vt)
    bad = dict(arrays)
    bad["tree0"] = bad["tree0"].copy()
    bad["tree0"][0, 0] ^= 1
    with pytest.raises(KeyFileError):
        PROVER_SCHEME.codec.decode(commitment, table, bad, config)
    short = dict(arrays)
    short["codeword"] = short["codeword"][:-1]
    with pytest.raises(KeyFileError):
        PROVER_SCHEME.codec.decode(commitment, table, short, config)
