"""WHIR's batched opening (verifier/pcs/whir.py ``verify_batch``, prover ``open_batch``):
completeness for 2 and 3 tables of equal and different sizes, the embedding of a smaller
table's leaves, the batch soundness terms, and the fallback to one opening per table."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import evaluate
from tensorproof.poly.ntt import root_of_unity
from tensorproof.prover.pcs.whir import WhirPCS
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import absorb_commitment
from tensorproof.verifier.pcs.whir import BatchLayout
from tensorproof.verifier.pcs.whir_fold import fiber_view
from tensorproof.verifier.pcs.whir_params import (
    MAX_BATCH,
    WhirParams,
    batch_error_terms,
    batch_supported,
    error_terms,
    opening_size_estimate,
)

DOMAIN = b"tensorproof/test/whir-batch"
K3 = vec_field(3)
PARAMS = WhirParams(pow_bits=4)


def rand_k(rng, n):
    return [tuple(int(c) for c in rng.integers(0, P, 3, dtype=np.uint64)) for _ in range(n)]


def batch_world(sizes, seed=0, n_points=1, pcs=None):
    rng = np.random.default_rng(seed)
    pcs = pcs or WhirPCS(PARAMS)
    tables = [rng.integers(0, P, 1 << n, dtype=np.uint64) for n in sizes]
    committed = [pcs.commit(t) for t in tables]
    points = [[rand_k(rng, n) for _ in range(n_points)] for n in sizes]
    pt = ProverTranscript(DOMAIN)
    for c, _ in committed:
        absorb_commitment(pt, c)
    values = pcs.open_batch([d for _, d in committed], points, pt)
    return pcs, tables, [c for c, _ in committed], points, values, pt.proof_bytes()


def check(pcs, commitments, points, values, proof):
    vt = VerifierTranscript(DOMAIN, proof)
    for c in commitments:
        absorb_commitment(vt, c)
    pcs.verify_batch(commitments, points, values, vt)
    vt.check_eof()


@pytest.mark.parametrize("sizes", [
    (10, 10),         # equal
    (13, 10),         # weights bigger than advice
    (10, 14),         # advice bigger than weights
    (3, 11),          # a tiny table (below final_vars + 1: padded)
    (0, 2),           # both tiny
    (11, 11, 11),     # three equal
    (14, 4, 10),      # three different
])
def test_batched_openings_verify_and_give_the_mles(sizes):
    pcs, tables, commitments, points, values, proof = batch_world(sizes, n_points=2)
    for t, pts, vals in zip(tables, points, values):
        assert vals == [tuple(evaluate(K3, t, z)) for z in pts]
    check(pcs, commitments, points, values, proof)


def test_a_batch_is_smaller_than_separate_openings():
    sizes = (15, 13)
    pcs, _, commitments, points, values, proof = batch_world(sizes, seed=3)
    rng = np.random.default_rng(3)
    tables = [rng.integers(0, P, 1 << n, dtype=np.uint64) for n in sizes]
    pt = ProverTranscript(DOMAIN)
    for t, pts in zip(tables, points):
        c, d = pcs.commit(t)
        absorb_commitment(pt, c)
        pcs.open(d, pts, pt)
    assert len(proof) < len(pt.proof_bytes()) - 5_000
    assert len(proof) < opening_size_estimate(PARAMS, 15) + opening_size_estimate(PARAMS, 13)


@pytest.mark.parametrize("shift", [0, 1, 3, 4, 6])
def test_a_smaller_tables_leaf_holds_the_embedded_fiber(shift):
    """h's fiber value l at leaf j of L is f_g at (w^j zeta^l)^(2^Delta): the leaf map."""
    prm = WhirParams()
    m_g = prm.final_vars + 1
    lay = BatchLayout(prm, [m_g + shift, m_g])
    assert lay.shift == [0, shift]
    rng = np.random.default_rng(shift)
    log_n = m_g + shift + prm.log_inv_rate
    cw = rng.integers(0, P, 1 << (m_g + prm.log_inv_rate), dtype=np.uint64)  # f_g on L_g
    # f_g's value at a point x^(2^Delta) of L_g: position of x = w_N^e is e mod |L_g|
    n_leaves = 1 << (log_n - prm.folding)
    idx = np.unique(rng.integers(0, n_leaves, 40))
    leaves, slot, pos = lay.leaf_map(1, idx)
    fib = fiber_view(cw, prm.folding)[leaves]
    got = fib[slot[:, None], pos]
    w_n, w_g = root_of_unity(1 << log_n), root_of_unity(len(cw))
    where = {pow(w_g, e, P): e for e in range(len(cw))}
    for r, j in enumerate(idx):
        for l in range(1 << prm.folding):
            x = pow(w_n, int(j) + l * n_leaves, P)
            assert got[r, l] == cw[where[pow(x, 1 << shift, P)]]


def test_one_table_or_an_unsupported_batch_falls_back_to_single_openings():
    rng = np.random.default_rng(5)
    pcs = WhirPCS(PARAMS)
    t = rng.integers(0, P, 1 << 10, dtype=np.uint64)
    c, d = pcs.commit(t)
    z = [rand_k(rng, 10)]
    pt1, pt2 = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    v1 = pcs.open_batch([d], [z], pt1)
    v2 = pcs.open(d, z, pt2)
    assert v1 == [v2] and pt1.proof_bytes() == pt2.proof_bytes()
    vt = VerifierTranscript(DOMAIN, pt1.proof_bytes())
    pcs.verify_batch([c], [z], v1, vt)
    vt.check_eof()
    assert not batch_supported(PARAMS, [10] * (MAX_BATCH + 1))


def test_batch_terms_are_recomputed_and_meet_the_level():
    prm = WhirParams()
    for sizes in [(16, 16), (17, 13), (10, 20), (3, 5), (22, 8)]:
        terms = batch_error_terms(prm, sizes)
        names = [n for n, _, _ in terms]
        assert sum(n.startswith("batch OOD") for n in names) == len(sizes)
        assert "batch beta (curve MCA + cross-evaluations)" in names
        assert all(b >= prm.security and cite for _, b, cite in terms)
        assert batch_supported(prm, sizes)
    # the batch's own folds and queries are those of the largest table's schedule
    assert min(b for _, b, _ in error_terms(prm, 20)) >= prm.security
    # three or more tables (a curve of degree >= 2, whose bound is not checked): one by one
    assert MAX_BATCH == 2
    assert not batch_supported(prm, (16, 16, 16))
    for sizes in [(12,), (16, 16, 16)]:
        with pytest.raises(ValueError):
            batch_error_terms(prm, sizes)
