"""PCS completeness: honest openings verify, at many sizes, points and both challenge degrees.

Each run is two blocks: the prover world commits and opens; the verifier world sees only the
commitment, the points, the claimed values and the proof bytes.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.poly.mle import evaluate_scalar
from tensorproof.prover.pcs import LigeroPCS, RawPCS
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import (
    COMMITMENT_BYTES,
    Commitment,
    LigeroParams,
    LigeroVerifier,
    RawVerifier,
    absorb_commitment,
    matrix_shape,
)

DOMAIN = b"tensorproof/test/pcs"


def random_table(rng, n):
    return rng.integers(0, P, size=1 << n, dtype=np.uint64)


def random_points(rng, n, m, k):
    return [[tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64)) for _ in range(n)]
            for _ in range(m)]


def prove(pcs, table, points):
    """Prover world: commit, absorb the commitment, open. -> (commitment, values, proof)."""
    commitment, data = pcs.commit(table)
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    values = pcs.open(data, points, pt)
    return commitment, values, pt.proof_bytes(), pt.state


def verify(verifier, commitment, points, values, proof):
    """Verifier world: returns the final transcript state after check_eof."""
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, commitment)
    verifier.verify(commitment, points, values, vt)
    vt.check_eof()
    return vt.state


def schemes(k):
    return [(RawPCS(k), RawVerifier(k)), (LigeroPCS(LigeroParams(k=k)),
                                          LigeroVerifier(LigeroParams(k=k)))]


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("m", [1, 3])
def test_honest_openings_verify_small_sizes(k, m):
    """2^0 .. 2^12, values equal the MLE evaluated independently (plain ints, small sizes)."""
    rng = np.random.default_rng(100 * k + m)
    ext = ext_field(k)
    for n in range(13):
        table = random_table(rng, n)
        points = random_points(rng, n, m, k)
        for pcs, verifier in schemes(k):
            commitment, values, proof, p_state = prove(pcs, table, points)
            if n <= 8:
                assert values == [evaluate_scalar(ext, table.tolist(), z) for z in points]
            assert verify(verifier, commitment, points, values, proof) == p_state


@pytest.mark.parametrize("k", [2, 3])
def test_honest_openings_verify_medium_sizes(k):
    """2^13 .. 2^16 (Ligero only: RawPCS proofs would be the whole table)."""
    rng = np.random.default_rng(30 + k)
    params = LigeroParams(k=k)
    for n in range(13, 17):
        table = random_table(rng, n)
        points = random_points(rng, n, 2, k)
        commitment, values, proof, p_state = prove(LigeroPCS(params), table, points)
        assert verify(LigeroVerifier(params), commitment, points, values, proof) == p_state


def test_honest_opening_verifies_at_2_pow_20():
    rng = np.random.default_rng(20)
    table = random_table(rng, 20)
    points = random_points(rng, 20, 2, 2)
    pcs = LigeroPCS()
    commitment, values, proof, _ = prove(pcs, table, points)
    verify(LigeroVerifier(), commitment, points, values, proof)
    a, b = matrix_shape(20, LigeroParams())
    assert len(proof) < 700_000 and (a, b) == (7, 13)


def test_values_agree_between_schemes():
    """Ligero's values (from combined rows) equal RawPCS's (folding the table)."""
    rng = np.random.default_rng(5)
    table = random_table(rng, 14)
    points = random_points(rng, 14, 2, 2)
    assert prove(LigeroPCS(), table, points)[1] == prove(RawPCS(), table, points)[1]


@pytest.mark.parametrize("pcs_class", [LigeroPCS, RawPCS])
def test_base_field_point_coordinates_accepted(pcs_class):
    """Coordinates may be F ints (lifted to K); the proof equals the one with lifted tuples."""
    rng = np.random.default_rng(6)
    table = random_table(rng, 6)
    ints = [[int(c) for c in rng.integers(0, P, 6, dtype=np.uint64)]]
    tuples = [[(c, 0) for c in ints[0]]]
    c, v1, proof1, _ = prove(pcs_class(), table, ints)
    _, v2, proof2, _ = prove(pcs_class(), table, tuples)
    assert (v1, proof1) == (v2, proof2)
    assert v1[0] == tuple(evaluate_scalar(ext_field(2), table.tolist(), ints[0]))


def test_opening_is_deterministic():
    rng = np.random.default_rng(7)
    table = random_table(rng, 10)
    points = random_points(rng, 10, 2, 2)
    assert prove(LigeroPCS(), table, points)[2] == prove(LigeroPCS(), table, points)[2]


def test_boolean_point_opens_table_entry():
    """At a hypercube point the MLE is the table entry (index bits, x_0 least significant)."""
    rng = np.random.default_rng(8)
    table = random_table(rng, 9)
    index = 0b101100111
    point = [[((index >> j) & 1, 0) for j in range(9)]]
    assert prove(LigeroPCS(), table, point)[1] == [(int(table[index]), 0)]


def test_commitment_bytes_round_trip():
    c = Commitment(root=bytes(range(32)), n_vars=17)
    data = c.to_bytes()
    assert len(data) == COMMITMENT_BYTES and Commitment.from_bytes(data) == c


@pytest.mark.parametrize(
    "data",
    [
        b"",
        bytes([1, 5]) + bytes(31),  # truncated
        bytes([1, 5]) + bytes(33),  # extended
        bytes([2, 5]) + bytes(32),  # unknown version
        bytes([1, 33]) + bytes(32),  # n_vars too large
    ],
)
def test_bad_commitment_bytes_rejected(data):
    with pytest.raises(ProofFormatError):
        Commitment.from_bytes(data)


def test_bad_tables_rejected_at_commit():
    with pytest.raises(ValueError):
        LigeroPCS().commit(np.zeros(12, dtype=np.uint64))
    with pytest.raises(ValueError):
        LigeroPCS().commit(np.full(8, P, dtype=np.uint64))
