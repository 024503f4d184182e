"""Named tamper suite of the PCS: every corrupted opening, value, point or commitment is rejected.

Byte-level tampering locates each message of the Ligero opening by replaying the verifier's
transcript up to the query step. Forging provers (``forged_open``) send self-consistent but
false messages with fresh Fiat-Shamir challenges, so each exercises one specific check.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, TensorProofError, VerificationError
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.ntt import rs_encode
from tensorproof.prover.merkle import MerkleTree
from tensorproof.prover.pcs import LigeroPCS, RawPCS
from tensorproof.prover.pcs.columns import column_leaf_bytes
from tensorproof.transcript import HASH_BYTES, ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import Commitment, LigeroParams, absorb_commitment, matrix_shape
from tensorproof.verifier.pcs.combine import combine_rows
from tensorproof.verifier.pcs.commitment import absorb_statement, normalize_points
from tensorproof.verifier.pcs.ligero import SCHEME_TAG, distinct_queries, statement_points

DOMAIN = b"tensorproof/test/pcs-tamper"
N_VARS = 10
REJECTED = (VerificationError, ProofFormatError)


def random_points(rng, n, m, k):
    return [[tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64)) for _ in range(n)]
            for _ in range(m)]


def honest(pcs, seed=0, n=N_VARS, m=2):
    """Prover world: (table, commitment, points, values, proof)."""
    rng = np.random.default_rng(seed)
    table = rng.integers(0, P, size=1 << n, dtype=np.uint64)
    points = random_points(rng, n, m, pcs.k)
    commitment, data = pcs.commit(table)
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    values = pcs.open(data, points, pt)
    return table, commitment, points, values, pt.proof_bytes()


def check(pcs, commitment, points, values, proof):
    """Verifier world, ending with check_eof."""
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, commitment)
    pcs.verify(commitment, points, values, vt)
    vt.check_eof()


def layout(pcs, commitment, points, values, proof):
    """Byte offsets of the messages: {'u0', 'u_evals', 'columns', 'merkle'} -> (start, end)."""
    k, prm = pcs.k, pcs.params
    a, b = matrix_shape(commitment.n_vars, prm)
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, commitment)
    pts = normalize_points(points, commitment.n_vars, k)
    absorb_statement(vt, SCHEME_TAG + prm.to_bytes(), commitment.n_vars, k, pts, values)
    vt.challenges_k("ligero/combine", 1 << a, k)
    row = 8 * k << b
    vt.recv_bytes("ligero/u0", row)
    vt.recv_bytes("ligero/u_evals", len(points) * row)
    idx = distinct_queries(vt, prm.n_queries, prm.blowup << b)
    ends = np.cumsum([0, row, len(points) * row, idx.size * 8 << a])
    spans = dict(zip(["u0", "u_evals", "columns"], zip(ends[:-1], ends[1:])))
    spans["merkle"] = (int(ends[-1]), len(proof))
    return spans


def add_one_at(proof, offset):
    """Replace the F element at ``offset`` by itself + 1 (mod p): still canonical."""
    x = int.from_bytes(proof[offset : offset + 8], "big")
    return proof[:offset] + ((x + 1) % P).to_bytes(8, "big") + proof[offset + 8 :]


@pytest.fixture(params=[2, 3], ids=["k2", "k3"])
def ligero(request):
    pcs = LigeroPCS(LigeroParams(k=request.param))
    return (pcs, *honest(pcs))


# ---- Ligero: corrupted statement -------------------------------------------------------------


def test_honest_opening_accepted(ligero):
    pcs, _, commitment, points, values, proof = ligero
    check(pcs, commitment, points, values, proof)


def test_wrong_value_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    bad = [values[0], ext_field(pcs.k).add(values[1], ext_field(pcs.k).one())]
    with pytest.raises(VerificationError):
        check(pcs, commitment, points, bad, proof)


def test_swapped_values_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    with pytest.raises(VerificationError):
        check(pcs, commitment, points, values[::-1], proof)


def test_different_point_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    moved = [points[0], [points[1][0], *points[1][1:-1], (1,) * pcs.k]]
    with pytest.raises(VerificationError):
        check(pcs, commitment, moved, values, proof)


def test_different_commitment_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    other = honest(pcs, seed=99)[1]
    assert other.n_vars == commitment.n_vars
    with pytest.raises(REJECTED):  # new challenges: wrong root, or another number of columns
        check(pcs, other, points, values, proof)


def test_commitment_to_other_size_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    with pytest.raises(TensorProofError):
        check(pcs, Commitment(commitment.root, N_VARS + 1), points, values, proof)


def test_malformed_statement_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    with pytest.raises(VerificationError):
        check(pcs, commitment, points, values[:1], proof)  # one value for two points
    with pytest.raises(VerificationError):
        check(pcs, commitment, [points[0][:-1], points[1]], values, proof)  # short point
    with pytest.raises(VerificationError):
        check(pcs, commitment, points, [values[0], (P,) * pcs.k], proof)  # non-canonical


# ---- Ligero: corrupted proof bytes ------------------------------------------------------------


@pytest.mark.parametrize("message", ["u0", "u_evals"])
def test_changed_combined_row_rejected(ligero, message):
    pcs, _, commitment, points, values, proof = ligero
    start, end = layout(pcs, commitment, points, values, proof)[message]
    for offset in (start, (start + end) // 2 // 8 * 8, end - 8):
        with pytest.raises(REJECTED):  # new queries: bad columns, or another number of them
            check(pcs, commitment, points, values, add_one_at(proof, offset))


def test_changed_column_entry_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    start, end = layout(pcs, commitment, points, values, proof)["columns"]
    for offset in (start, end - 8):
        with pytest.raises(VerificationError, match="Merkle"):
            check(pcs, commitment, points, values, add_one_at(proof, offset))


def test_wrong_merkle_path_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    start, end = layout(pcs, commitment, points, values, proof)["merkle"]
    assert end > start and (end - start) % HASH_BYTES == 0
    for pos in (start, end - 1):
        bad = proof[:pos] + bytes([proof[pos] ^ 1]) + proof[pos + 1 :]
        with pytest.raises(VerificationError, match="Merkle"):
            check(pcs, commitment, points, values, bad)


def test_truncated_opening_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    for cut in (1, HASH_BYTES, len(proof) // 2):
        with pytest.raises(ProofFormatError, match="truncated"):
            check(pcs, commitment, points, values, proof[:-cut])


def test_trailing_bytes_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    with pytest.raises(ProofFormatError, match="trailing"):
        check(pcs, commitment, points, values, proof + b"\x00")


def test_noncanonical_field_element_rejected(ligero):
    pcs, _, commitment, points, values, proof = ligero
    start = layout(pcs, commitment, points, values, proof)["u0"][0]
    bad = proof[:start] + P.to_bytes(8, "big") + proof[start + 8 :]
    with pytest.raises(ProofFormatError, match="non-canonical"):
        check(pcs, commitment, points, values, bad)


def test_normalize_points_refuses_what_its_fast_path_cannot_take():
    """normalize_points' flat check takes only canonical K tuples; everything else goes to the
    element-by-element path, which lifts ints and refuses bools, floats, p and wrong shapes."""
    good = [[(1, 2, 3), (P - 1, 0, 0)], [(0, 0, 0), (5, 6, 7)]]
    assert normalize_points(good, 2, 3) == [tuple(z) for z in good]
    assert normalize_points([[4, (1, 2, 3)]], 2, 3) == [((4, 0, 0), (1, 2, 3))]  # F lifted
    for bad in ([[(P, 0, 0), (1, 2, 3)]], [[(True, 0, 0), (1, 2, 3)]], [[(1.0, 0, 0), (1, 2, 3)]],
                [[(1, 2), (1, 2, 3)]], [[(1, 2, 3)]], [[(-1, 0, 0), (1, 2, 3)]]):
        with pytest.raises(VerificationError):
            normalize_points(bad, 2, 3)


# ---- Ligero: forging provers (fresh Fiat-Shamir challenges, one check left to catch them) -----


def forged_open(pcs, matrix, encoded, tree, commitment, points, transcript, forge):
    """LigeroPCS.open with ``forge(u0, us, values, eq_cols) -> (u0, us, values)`` applied to the
    prover's messages before they are sent; the queries are then drawn honestly from them."""
    k, prm = pcs.k, pcs.params
    a, b = matrix_shape(commitment.n_vars, prm)
    pts = normalize_points(points, commitment.n_vars, k)
    eq_rows, eq_cols = statement_points(pts, b, k)
    us = combine_rows(eq_rows, matrix)
    values = [tuple(vec_field(k).inner(us[j], eq_cols[j])) for j in range(len(pts))]
    u0 = None
    values_sent = forge(None, us, values, eq_cols)[2]
    absorb_statement(transcript, SCHEME_TAG + prm.to_bytes(), commitment.n_vars, k, pts,
                     values_sent)
    r = np.array(transcript.challenges_k("ligero/combine", 1 << a, k), dtype=np.uint64)
    u0, us, _ = forge(combine_rows(r[None], matrix)[0], us, values, eq_cols)
    transcript.send_k("ligero/u0", u0, k)
    transcript.send_k("ligero/u_evals", us.reshape(-1, k), k)
    idx = distinct_queries(transcript, prm.n_queries, encoded.shape[1])
    transcript.send_f("ligero/columns", np.ascontiguousarray(encoded[:, idx].T).ravel())
    transcript.send_bytes("ligero/merkle", b"".join(tree.open_multi(idx)))
    return values_sent


def run_forged(pcs, forge, corrupt_encoding=None, seed=5):
    rng = np.random.default_rng(seed)
    a, b = matrix_shape(N_VARS, pcs.params)
    matrix = rng.integers(0, P, size=(1 << a, 1 << b), dtype=np.uint64)
    encoded = rs_encode(matrix, pcs.params.blowup)
    if corrupt_encoding is not None:
        corrupt_encoding(encoded, rng)
    tree = MerkleTree(column_leaf_bytes(encoded))
    commitment = Commitment(tree.root, N_VARS)
    points = random_points(rng, N_VARS, 2, pcs.k)
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    values = forged_open(pcs, matrix, encoded, tree, commitment, points, pt, forge)
    check(pcs, commitment, points, values, pt.proof_bytes())


def no_forgery(u0, us, values, eq_cols):
    return u0, us, values


def test_forging_harness_is_honest_without_forgery(ligero):
    run_forged(ligero[0], no_forgery)


def test_forged_evaluation_row_rejected(ligero):
    """A false value with u_1 altered so that <u_1, eq(z_c)> matches it: only the column
    consistency check Enc(u_1)[c] = sum_i eq(z_r)_i M^[i, c] can catch it."""
    pcs = ligero[0]
    ext, kv = ext_field(pcs.k), vec_field(pcs.k)

    def forge(u0, us, values, eq_cols):
        us = us.copy()
        coeff = tuple(int(c) for c in eq_cols[1][0])
        us[1, 0] = kv.from_scalars([ext.add(tuple(int(c) for c in us[1, 0]),
                                            ext.inv(coeff))])[0]
        return u0, us, [values[0], ext.add(values[1], ext.one())]

    with pytest.raises(VerificationError, match="inconsistent with evaluation row 1"):
        run_forged(pcs, forge)


def test_forged_proximity_row_rejected(ligero):
    """u_0 differs from r^T M (the proximity test's combination) in one coordinate."""
    pcs = ligero[0]

    def forge(u0, us, values, eq_cols):
        if u0 is not None:
            u0 = u0.copy()
            u0[-1, 0] = (int(u0[-1, 0]) + 1) % P
        return u0, us, values

    with pytest.raises(VerificationError, match="proximity row"):
        run_forged(pcs, forge)


def test_non_codeword_commitment_rejected(ligero):
    """A committed row far from every codeword (random symbols) fails the proximity test."""

    def corrupt(encoded, rng):
        encoded[1] = rng.integers(0, P, size=encoded.shape[1], dtype=np.uint64)

    with pytest.raises(VerificationError, match="inconsistent"):
        run_forged(ligero[0], no_forgery, corrupt_encoding=corrupt)


# ---- RawPCS ------------------------------------------------------------------------------------


@pytest.fixture(params=[2, 3], ids=["k2", "k3"])
def raw(request):
    pcs = RawPCS(request.param)
    return (pcs, *honest(pcs, n=6))


def test_raw_honest_opening_accepted(raw):
    pcs, _, commitment, points, values, proof = raw
    check(pcs, commitment, points, values, proof)


def test_raw_wrong_value_rejected(raw):
    pcs, _, commitment, points, values, proof = raw
    bad = [ext_field(pcs.k).add(values[0], ext_field(pcs.k).one()), values[1]]
    with pytest.raises(VerificationError, match="value 0"):
        check(pcs, commitment, points, bad, proof)


def test_raw_changed_table_entry_rejected(raw):
    pcs, _, commitment, points, values, proof = raw
    with pytest.raises(VerificationError, match="does not match the commitment"):
        check(pcs, commitment, points, values, add_one_at(proof, 8 * 5))


def test_raw_different_point_rejected(raw):
    pcs, _, commitment, points, values, proof = raw
    with pytest.raises(VerificationError):
        check(pcs, commitment, points[::-1], values, proof)


def test_raw_different_commitment_rejected(raw):
    pcs, _, commitment, points, values, proof = raw
    other = honest(pcs, seed=99, n=6)[1]
    with pytest.raises(VerificationError, match="does not match the commitment"):
        check(pcs, other, points, values, proof)


def test_raw_truncated_opening_rejected(raw):
    pcs, _, commitment, points, values, proof = raw
    with pytest.raises(ProofFormatError, match="truncated"):
        check(pcs, commitment, points, values, proof[:-1])


def test_raw_trailing_bytes_rejected(raw):
    pcs, _, commitment, points, values, proof = raw
    with pytest.raises(ProofFormatError, match="trailing"):
        check(pcs, commitment, points, values, proof + b"\x00")
