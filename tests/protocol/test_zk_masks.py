"""The proof's mask vector M (verifier/zk_masks.py, prover/zk_masks.py): round slots of one
committed table masking every sumcheck run on a transcript with ``masks``.

- the slot format: the exponents' subset sums are exactly 0..d; D M~(round point) equals the
  mask univariate the prover derives from the slot, for every degree up to the slot's; any
  slot gives degree <= d (so soundness needs no honesty from M);
- completeness through the unchanged entry points (``prove_sumcheck`` / ``verify_sumcheck``),
  F and K tables, with and without an eq factor, several sumchecks in a row;
- soundness: every message bumped is rejected (by the sumcheck or by M's claims checked
  against M), a false claim is rejected, a slot past the capacity or a degree above it is
  refused by both sides;
- zero knowledge by exact rank over F_p (the challenges fixed): the view is affine in the used
  slots' entries with full rank onto the coordinates the final equation leaves free, and the
  mutations caught: a zeroed M (no randomness: rank 0) and one slot served twice.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from protocol.test_zk_sumcheck import FixedChallenges, affine_map, bump, rank_mod_p
from protocol.zk_stream import Stream
from tensorproof.errors import ProofFormatError, ProverError, VerificationError
from tensorproof.field.encoding import k_bytes
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import as_ext, evaluate
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.prover.zk_masks import ProverMasks, sample_masks
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, verify_sumcheck
from tensorproof.verifier.zk_masks import (
    MaskCapacity,
    VerifierMasks,
    claim_value,
    exponents,
    point_sink,
    round_point,
    soundness_bits,
)

DOMAIN = b"tensorproof/test/zk-masks"
REJECTED = (VerificationError, ProofFormatError)


@pytest.mark.parametrize("d", range(1, 40))
def test_exponents_reach_every_degree_once_at_most_d(d):
    e = exponents(d)
    sums = {sum(s) for r in range(len(e) + 1) for s in itertools.combinations(e, r)}
    assert sums == set(range(d + 1)) and sum(e) == d
    assert len(e) == (d + 1).bit_length() - 1 + (d + 1 != 1 << ((d + 1).bit_length() - 1))


@pytest.mark.parametrize("k", [2, 3])
def test_round_point_evaluates_the_slot_univariate(k):
    ext, vf = ext_field(k), vec_field(k)
    cap = MaskCapacity(5, 9)
    masks = ProverMasks(ext, cap, sample_masks(k, cap), lambda *claim: None)
    rng = np.random.default_rng(k)
    for d, slot in itertools.product(range(1, 10), range(5)):
        r = ext.random(rng)
        coeffs = masks.coefficients(slot, d)
        assert len(coeffs) == d + 1 and not ext.is_zero(coeffs[d])
        g = ext.zero()
        for c in reversed(coeffs):
            g = ext.add(ext.mul(g, r), c)
        at = as_ext(ext, evaluate(vf, masks.table, round_point(ext, cap, slot, d, r)))
        assert ext.eq(at, claim_value(ext, g))
    for d in range(1, 10):  # the batched form (any slot order) row by row
        order = [3, 0, 4, 1, 2]
        assert masks.coefficients_of(order, d).tolist() == [
            [list(c) for c in masks.coefficients(j, d)] for j in order]


def instance(k, n, degree, eq, seed):
    """F/K tables of one sumcheck of sum [eq(z, x)] prod tables, and its claim."""
    rng = np.random.default_rng(seed)
    ext, vf = ext_field(k), vec_field(k)
    m = degree - eq
    tables = [vec_field(k if j % 2 else 1).random(1 << n, rng) for j in range(m)]
    terms = [(1, list(range(m)))]
    z = [ext.random(rng) for _ in range(n)] if eq else None
    return tables, terms, z, sum_of_products(vf, tables, terms, z)


def prove_runs(k, runs, cap, table=None, label="zk"):
    """Several masked sumchecks on one transcript: (proof, per run (point, finals), claims, M)."""
    ext, vf = ext_field(k), vec_field(k)
    table = sample_masks(k, cap) if table is None else table
    claims: list = []
    t = ProverTranscript(DOMAIN)
    t.masks = ProverMasks(ext, cap, table,
                          point_sink(ext, cap, lambda p, v: claims.append((p, v))))
    outs = [prove_sumcheck(t, vf, tables, terms, degree, f"{label}{j}", eq_point=z)
            for j, (tables, terms, z, _, degree) in enumerate(runs)]
    return t.proof_bytes(), outs, claims, table


def verify_runs(k, proof, runs, cap, finals, table, label="zk"):
    """The verifier's side, then M's claims checked against M (what its opening will prove)."""
    ext = ext_field(k)
    claims: list = []
    t = VerifierTranscript(DOMAIN, proof)
    t.masks = VerifierMasks(ext, cap, point_sink(ext, cap, lambda p, v: claims.append((p, v))))
    for j, ((tables, terms, z, claim, degree), f) in enumerate(zip(runs, finals)):
        n = len(tables[0]).bit_length() - 1
        sub = verify_sumcheck(t, ext, claim, n, degree, f"{label}{j}")
        check_subclaim(ext, sub, terms, f, f"{label}{j}", eq_point=z)
    t.check_eof()
    for p, v in claims:
        if not ext.eq(as_ext(ext, evaluate(vec_field(k), table, p)), v):
            raise VerificationError("a mask claim is false")
    return claims


def run_of(k, n, degree, eq, seed):
    tables, terms, z, claim = instance(k, n, degree, eq, seed)
    return tables, terms, z, claim, degree


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("eq", [False, True])
def test_masked_sumchecks_verify_through_the_plain_entry_points(k, eq):
    runs = [run_of(k, n, d, eq, 10 * n + d) for n, d in [(1, 2), (4, 3), (6, 2), (3, 5)]]
    cap = MaskCapacity(sum(len(r[0][0]).bit_length() - 1 for r in runs), 5)
    proof, outs, claims, table = prove_runs(k, runs, cap)
    assert verify_runs(k, proof, runs, cap, [f for _, f in outs], table) == claims


@pytest.fixture(scope="module", params=[2, 3])
def honest(request):
    k = request.param
    runs = [run_of(k, 3, 3, True, 1), run_of(k, 2, 2, False, 2)]
    cap = MaskCapacity(6, 3)
    proof, outs, _, table = prove_runs(k, runs, cap)
    return k, runs, cap, proof, [f for _, f in outs], table


def test_honest_fixture_verifies(honest):
    k, runs, cap, proof, finals, table = honest
    verify_runs(k, proof, runs, cap, finals, table)


def test_every_bumped_message_is_rejected(honest):
    k, runs, cap, proof, finals, table = honest
    accepted = []
    for at in range(0, len(proof), k_bytes(k) // k):  # every F element of every message
        try:
            verify_runs(k, bump(proof, at), runs, cap, finals, table)
        except REJECTED:
            continue
        accepted.append(at)
    assert not accepted


def test_false_claim_is_rejected(honest):
    k, runs, cap, proof, finals, table = honest
    ext = ext_field(k)
    tables, terms, z, claim, degree = runs[0]
    wrong = [(tables, terms, z, ext.add(claim, ext.one()), degree), runs[1]]
    with pytest.raises(REJECTED):
        verify_runs(k, proof, wrong, cap, finals, table)


def test_another_mask_table_is_rejected(honest):
    k, runs, cap, proof, finals, table = honest
    with pytest.raises(VerificationError, match="mask claim"):
        verify_runs(k, proof, runs, cap, finals, sample_masks(k, cap))


def test_capacity_overflow_and_degree_are_refused_by_both_sides():
    k = 2
    runs = [run_of(k, 3, 3, False, 5)]
    with pytest.raises(ProverError, match="capacity"):
        prove_runs(k, runs, MaskCapacity(2, 3))
    with pytest.raises(ProverError, match="degree 3"):
        prove_runs(k, runs, MaskCapacity(8, 2))
    proof, outs, _, table = prove_runs(k, runs, MaskCapacity(3, 3))
    finals = [f for _, f in outs]
    with pytest.raises(VerificationError, match="round slots"):
        verify_runs(k, proof, runs, MaskCapacity(2, 3), finals, table[: len(table) // 2])
    with pytest.raises(VerificationError, match="degree 3"):
        verify_runs(k, proof, runs, MaskCapacity(4, 2), finals, table)


def test_soundness_level():
    assert soundness_bits(2, 30, 3) > 120 and soundness_bits(3, 30, 20) > 180


# ---- zero knowledge by exact rank ---------------------------------------------------------------


def view_map(k, run, cap, draw):
    """The view (every K message of one masked sumcheck) as an affine map of M's F entries."""
    ext, vf = ext_field(k), vec_field(k)
    tables, terms, z, _, degree = run
    size = 1 << cap.n_vars(k)

    def one(x):
        t = FixedChallenges()
        t.masks = ProverMasks(ext, cap, draw(x, size), lambda *claim: None)
        prove_sumcheck(t, vf, tables, terms, degree, "zk", eq_point=z)
        return t.view()

    return affine_map(one, size)


def used_free_rank(k, run, cap, draw):
    offset, cols = view_map(k, run, cap, draw)
    free = [c[: len(c) - k] for c in cols]  # gamma_{n-1}: fixed by the final equation
    return rank_mod_p(free), len(free[0])


@pytest.mark.parametrize("k,n,degree,eq", [(2, 3, 2, False), (2, 2, 3, True), (3, 2, 4, False)])
def test_view_is_uniform_on_the_final_hyperplane(k, n, degree, eq):
    run = run_of(k, n, degree, eq, n + degree)
    cap = MaskCapacity(n, degree)
    rank, free = used_free_rank(k, run, cap, lambda x, size: Stream(x).f_vector(size))
    assert free == k * (1 + n * degree + n - 1)  # G, the rounds, gamma_0..gamma_{n-2}
    assert rank == free, "the view is not uniform on the verifier's hyperplane"


def test_a_zeroed_mask_vector_is_caught():
    k, n, degree = 2, 3, 2
    run = run_of(k, n, degree, False, 3)
    rank, free = used_free_rank(k, run, MaskCapacity(n, degree),
                                lambda x, size: np.zeros(size, dtype=np.uint64))
    assert rank == 0 < free


def test_one_slot_serving_every_round_is_caught():
    """A mask vector whose slots all repeat slot 0 (a reused mask) loses rank."""
    k, n, degree = 2, 3, 2
    run = run_of(k, n, degree, False, 4)
    cap = MaskCapacity(n, degree)
    slot = 1 << cap.slot_vars(k)
    rank, free = used_free_rank(k, run, cap,
                                lambda x, size: np.tile(Stream(x).f_vector(slot), size // slot))
    assert rank < free
