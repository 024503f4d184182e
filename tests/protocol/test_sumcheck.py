"""Sumcheck completeness: honest proofs verify and the subclaim holds at the prover's tables.

Prover world and verifier world are separate blocks; the verifier only sees the proof bytes.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from tensorproof.errors import VerificationError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import eq_table, evaluate
from tensorproof.prover.sumcheck import final_value, prove_sumcheck, sum_of_products
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, evaluate_terms, verify_sumcheck

DOMAIN = b"tensorproof/test/sumcheck"


def make_tables(k, n, kinds, rng):
    """Tables of length 2^n: 'f' gives an F table, 'k' a K table."""
    return [vec_field(1 if c == "f" else k).random(1 << n, rng) for c in kinds]


def run(k, n, kinds, terms, degree, seed):
    """Prove then verify; return (prover point, finals, subclaim, tables)."""
    rng = np.random.default_rng(seed)
    ext, vf = ext_field(k), vec_field(k)
    tables = make_tables(k, n, kinds, rng)
    # Prover world
    claim = sum_of_products(vf, tables, terms)
    pt = ProverTranscript(DOMAIN)
    point, finals = prove_sumcheck(pt, vf, tables, terms, degree, "sc")
    proof = pt.proof_bytes()
    assert len(proof) == n * degree * k * 8  # s(0), s(2), .., s(d) per round
    # Verifier world
    vt = VerifierTranscript(DOMAIN, proof)
    sub = verify_sumcheck(vt, ext, claim, n, degree, "sc")
    vt.check_eof()
    assert sub.point == point
    check_subclaim(ext, sub, terms, finals, "sc")
    return point, finals, sub, tables


def naive_claim(ext, vf, tables, terms):
    """sum_x g(tables[x]) entry by entry with scalar arithmetic (independent of the prover)."""
    fv = vec_field(1)
    rows = [(fv if T.ndim == 1 else vf).to_scalars(T) for T in tables]
    lift = [[ext.from_base(v) if isinstance(v, int) else v for v in row] for row in rows]
    total = ext.zero()
    for x in range(len(tables[0])):
        total = ext.add(total, evaluate_terms(ext, terms, [row[x] for row in lift]))
    return total


CASES = [
    ("ff", [(1, [0, 1])], 2),  # product of two F tables
    ("kk", [(1, [0, 1])], 2),
    ("fk", [(1, [0, 1])], 2),  # mixed F/K
    ("fkf", [(1, [0, 1, 2])], 3),  # product of three
    ("kkk", [(1, [0, 1, 2])], 3),
    ("fkk", [(3, [0, 1]), ((5, 7, 11), [1, 2]), (2, [0, 1, 2]), (9, [2])], 3),  # sum of products
    ("f", [(1, [0])], 1),  # plain sum
    ("kf", [(1, [0, 1])], 4),  # degree above the degree of g
]


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kinds,terms,degree", CASES)
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_honest_proof_verifies(k, kinds, terms, degree, n):
    terms = [(c[:k] if isinstance(c, tuple) else c, s) for c, s in terms]
    point, finals, sub, tables = run(
        k, n, kinds, terms, degree, seed=zlib.crc32(f"{k}{kinds}{n}".encode())
    )
    vf = vec_field(k)
    assert len(point) == n
    for T, v in zip(tables, finals):
        assert evaluate(vf, T, point) == v  # final values are the tables' MLEs at the point
    assert final_value(vf, terms, finals) == sub.value


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n", range(0, 11))
def test_product_of_two_verifies_for_every_size(k, n):
    run(k, n, "fk", [(1, [0, 1])], 2, seed=n + 100 * k)


@pytest.mark.parametrize("k", [2, 3])
def test_sum_of_products_matches_naive_sum(k):
    rng = np.random.default_rng(k)
    ext, vf = ext_field(k), vec_field(k)
    tables = make_tables(k, 4, "fkk", rng)
    terms = [(3, [0, 1]), (ext.random(rng), [1, 2, 0]), (1, [2])]
    assert sum_of_products(vf, tables, terms) == naive_claim(ext, vf, tables, terms)


def test_two_sumchecks_as_subprotocols_on_one_transcript():
    """Two sumchecks and a caller's own messages share the caller's transcript."""
    rng = np.random.default_rng(4)
    ext, vf = ext_field(2), vec_field(2)
    a, b = make_tables(2, 6, "fk", rng), make_tables(2, 3, "kkk", rng)
    ta, tb = [(1, [0, 1])], [(2, [0, 1, 2])]
    # Prover world
    pt = ProverTranscript(DOMAIN)
    pa, fa = prove_sumcheck(pt, vf, a, ta, 2, "first")
    pt.send_k("first/finals", fa, 2)
    pb, fb = prove_sumcheck(pt, vf, b, tb, 3, "second")
    pt.send_k("second/finals", fb, 2)
    proof = pt.proof_bytes()
    # Verifier world
    vt = VerifierTranscript(DOMAIN, proof)
    sa = verify_sumcheck(vt, ext, sum_of_products(vf, a, ta), 6, 2, "first")
    check_subclaim(ext, sa, ta, vt.recv_k("first/finals", 2, 2), "first")
    sb = verify_sumcheck(vt, ext, sum_of_products(vf, b, tb), 3, 3, "second")
    check_subclaim(ext, sb, tb, vt.recv_k("second/finals", 3, 2), "second")
    vt.check_eof()
    assert (sa.point, sb.point) == (pa, pb)


def test_challenges_depend_on_the_transcript_so_far():
    """Fiat–Shamir binding: a different domain or prior absorb gives a different point."""
    rng = np.random.default_rng(8)
    vf = vec_field(2)
    tables = make_tables(2, 4, "kk", rng)
    points = []
    for domain, prefix in [(DOMAIN, b""), (DOMAIN + b"!", b""), (DOMAIN, b"statement")]:
        pt = ProverTranscript(domain)
        if prefix:
            pt.absorb_bytes("statement", prefix)
        points.append(prove_sumcheck(pt, vf, tables, [(1, [0, 1])], 2, "sc")[0])
    assert len({tuple(p) for p in points}) == 3


def test_final_values_of_wrong_tables_fail_the_subclaim():
    ext = ext_field(2)
    point, finals, sub, _ = run(2, 3, "kk", [(1, [0, 1])], 2, seed=5)
    bad = [ext.add(finals[0], ext.one()), finals[1]]
    with pytest.raises(VerificationError):
        check_subclaim(ext, sub, [(1, [0, 1])], bad, "sc")


@pytest.mark.parametrize(
    "tables,terms,degree",
    [
        ([np.zeros(3, np.uint64)], [(1, [0])], 1),  # length not a power of two
        ([np.zeros(4, np.uint64), np.zeros(8, np.uint64)], [(1, [0, 1])], 2),  # lengths differ
        ([np.zeros(4, np.uint64)], [(1, [1])], 1),  # unknown table
        ([np.zeros(4, np.uint64)] * 2, [(1, [0, 1])], 1),  # degree below g's
        ([np.zeros((4, 3), np.uint64)], [(1, [0])], 1),  # K3 table with K2
    ],
)
def test_prover_rejects_bad_inputs(tables, terms, degree):
    with pytest.raises(ValueError):
        prove_sumcheck(ProverTranscript(DOMAIN), vec_field(2), tables, terms, degree, "sc")


def test_prover_refuses_base_field_challenges():
    with pytest.raises(ValueError):
        prove_sumcheck(
            ProverTranscript(DOMAIN), vec_field(1), [np.zeros(4, np.uint64)], [(1, [0])], 1, "sc"
        )


EQ_CASES = [
    ("k", [(1, [0])], 2),  # sum_x eq(z, x) T(x): claim merging
    ("fk", [(1, [0, 1])], 3),
    ("fkk", [(2, [0, 1]), (3, [1, 2]), (1, [2])], 3),  # the shape of a fraction-GKR layer
    ("kk", [(1, [0, 1])], 5),  # degree above the degree of the summand
]


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kinds,terms,degree", EQ_CASES)
@pytest.mark.parametrize("n", [0, 1, 2, 6])
@pytest.mark.parametrize("boolean_z", [False, True])
def test_eq_factor_gives_the_same_proof_as_an_eq_table(k, kinds, terms, degree, n, boolean_z):
    """eq_point=z proves exactly what the eq table as one more factor proves, byte for byte."""
    rng = np.random.default_rng(zlib.crc32(f"eq{k}{kinds}{n}{boolean_z}".encode()))
    ext, vf = ext_field(k), vec_field(k)
    tables = make_tables(k, n, kinds, rng)
    z = [ext.from_base(int(b)) for b in rng.integers(0, 2, n)] if boolean_z else None
    z = z or [ext.random(rng) for _ in range(n)]
    # Prover world: with the eq factor, and with eq as an explicit last table
    claim = sum_of_products(vf, tables, terms, eq_point=z)
    pt = ProverTranscript(DOMAIN)
    point, finals = prove_sumcheck(pt, vf, tables, terms, degree, "sc", eq_point=z)
    e = len(tables)
    explicit = [(c, [*s, e]) for c, s in terms]
    pt2 = ProverTranscript(DOMAIN)
    point2, finals2 = prove_sumcheck(pt2, vf, [*tables, eq_table(vf, z)], explicit, degree, "sc")
    assert claim == sum_of_products(vf, [*tables, eq_table(vf, z)], explicit)
    assert pt.proof_bytes() == pt2.proof_bytes()
    assert (point, finals) == (point2, finals2[:-1])
    # Verifier world
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    sub = verify_sumcheck(vt, ext, claim, n, degree, "sc")
    vt.check_eof()
    check_subclaim(ext, sub, terms, finals, "sc", eq_point=z)
    for T, v in zip(tables, finals):
        assert evaluate(vf, T, point) == v


def test_eq_factor_subclaim_rejects_a_wrong_eq_point():
    rng = np.random.default_rng(12)
    ext, vf = ext_field(2), vec_field(2)
    tables = make_tables(2, 3, "k", rng)
    z = [ext.random(rng) for _ in range(3)]
    pt = ProverTranscript(DOMAIN)
    _, finals = prove_sumcheck(pt, vf, tables, [(1, [0])], 2, "sc", eq_point=z)
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    sub = verify_sumcheck(vt, ext, sum_of_products(vf, tables, [(1, [0])], z), 3, 2, "sc")
    with pytest.raises(VerificationError):
        check_subclaim(ext, sub, [(1, [0])], finals, "sc", eq_point=[ext.one(), *z[1:]])


def test_eq_factor_needs_one_more_degree_and_a_full_point():
    vf, ext = vec_field(2), ext_field(2)
    tables = [np.zeros((4, 2), np.uint64)] * 2
    with pytest.raises(ValueError):
        prove_sumcheck(
            ProverTranscript(DOMAIN), vf, tables, [(1, [0, 1])], 2, "sc", [ext.one()] * 2
        )
    with pytest.raises(ValueError):
        prove_sumcheck(ProverTranscript(DOMAIN), vf, tables, [(1, [0, 1])], 3, "sc", [ext.one()])
