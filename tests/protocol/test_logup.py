"""LogUp-GKR completeness: honest lookups verify and every returned claim is the MLE of the actual
column, selector, multiplicities or table column at the returned point; multiplicities are
counted correctly; a row outside the table makes the prover raise.

Prover world and verifier world are separate blocks; the verifier only sees the proof bytes.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter

import numpy as np
import pytest

from tensorproof.errors import ProverError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import from_signed, vec_field
from tensorproof.poly.mle import evaluate, lift_scalar
from tensorproof.prover.logup import compute_multiplicities, prove_lookup
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.logup import verify_lookup

DOMAIN = b"tensorproof/test/logup"


def relu_table(n: int) -> list[np.ndarray]:
    """Table {(t, relu(t))} for t in [-2^(n-1), 2^(n-1)): t closed form t_min + j."""
    t = np.arange(1 << n, dtype=np.int64) - (1 << (n - 1))
    return [from_signed(t), from_signed(np.maximum(t, 0))]


def witness(table: list[np.ndarray], m: int, n_real: int, rng):
    """2^m rows drawn from the table, the last 2^m - n_real padded with junk (selector 0)."""
    idx = rng.integers(0, len(table[0]), 1 << m)
    cols = [c[idx] for c in table]
    selector = np.zeros(1 << m, dtype=np.uint64)
    selector[:n_real] = 1
    for c in cols:  # padding rows need not be in the table
        c[n_real:] = 123456789
    return cols, selector


def absorb_commitment(transcript, arrays):
    """Stand-in for the caller's commitment: absorb a hash of everything committed."""
    digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays)).digest()
    transcript.absorb_bytes("commitment", digest)


def run_lookup(k, cols, selector, table, label="lk"):
    """Prove then verify; return (LookupResult, LookupSubclaim, multiplicities)."""
    vf, ext = vec_field(k), ext_field(k)
    m, n = len(cols[0]).bit_length() - 1, len(table[0]).bit_length() - 1
    # Prover world: commit (columns, selector, multiplicities), then prove.
    mult = compute_multiplicities(cols, table, selector)
    committed = [*cols, mult] + ([selector] if selector is not None else [])
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, committed)
    res = prove_lookup(pt, vf, cols, selector, table, label, multiplicities=mult)
    # Verifier world
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    absorb_commitment(vt, committed)
    sub = verify_lookup(vt, ext, m, n, len(cols), label, has_selector=selector is not None)
    vt.check_eof()
    return res, sub, mult


def mle(vf, table, point):
    return tuple(lift_scalar(vf, evaluate(vf, table, point)))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n_columns", [1, 2])
@pytest.mark.parametrize("m,n,n_real", [(4, 3, 13), (3, 5, 8), (0, 2, 1), (1, 0, 2), (6, 6, 40)])
def test_honest_lookup_verifies_and_claims_are_column_mles(k, n_columns, m, n, n_real):
    rng = np.random.default_rng(zlib.crc32(f"{k}{n_columns}{m}{n}".encode()))
    table = relu_table(n)[:n_columns] if n else [from_signed(np.array([7]))] * n_columns
    cols, selector = witness(table, m, n_real, rng)
    res, sub, mult = run_lookup(k, cols, selector, table)
    vf = vec_field(k)
    for c, v in zip(cols, sub.column_values):
        assert v == mle(vf, c, sub.witness_point)
    assert sub.selector_value == mle(vf, selector, sub.witness_point)
    assert sub.multiplicity_value == mle(vf, mult, sub.table_point)
    for t, v in zip(table, sub.table_values):
        assert v == mle(vf, t, sub.table_point)
    assert (res.witness_point, res.table_point) == (sub.witness_point, sub.table_point)
    assert res.column_evals == sub.column_values and res.table_evals == sub.table_values
    assert (res.selector_eval, res.multiplicity_eval) == (
        sub.selector_value,
        sub.multiplicity_value,
    )


def test_lookup_without_selector_verifies():
    rng = np.random.default_rng(11)
    table = relu_table(4)
    cols, _ = witness(table, 5, 32, rng)
    _, sub, _ = run_lookup(2, cols, None, table)
    assert sub.selector_value is None


def naive_multiplicities(cols, table, selector):
    """Count rows with a Counter over Python tuples (first occurrence of a repeated table row)."""
    rows = Counter(
        tuple(int(c[i]) for c in cols)
        for i in range(len(cols[0]))
        if selector is None or selector[i]
    )
    out, seen = np.zeros(len(table[0]), dtype=np.uint64), set()
    for j in range(len(table[0])):
        key = tuple(int(t[j]) for t in table)
        if key not in seen:
            out[j], seen = rows.get(key, 0), seen | {key}
    return out


MULTIPLICITY_CASES = [
    "one_column",  # t_min + j: index by subtraction
    "two_columns",
    "one_column_shuffled",  # unique first column: binary search
    "two_columns_shuffled",
    "repeated_first_column",  # joint dense keys
]


@pytest.mark.parametrize("case", MULTIPLICITY_CASES)
def test_multiplicities_match_naive_count(case):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    table = relu_table(4)
    if case.endswith("shuffled"):
        perm = rng.permutation(16)
        table = [t[perm] for t in table]
    if case.startswith("one_column"):
        table = table[:1]
    if case == "repeated_first_column":  # t not unique: the dense-key path; one row repeated
        table = [from_signed(np.arange(16) % 4), from_signed(np.arange(16) // 4)]
        table[0][15], table[1][15] = table[0][0], table[1][0]
    cols, selector = witness(table, 6, 50, rng)
    mult = compute_multiplicities(cols, table, selector)
    assert np.array_equal(mult, naive_multiplicities(cols, table, selector))
    assert int(mult.sum()) == 50


def test_honest_lookup_with_repeated_table_rows_verifies():
    table = [from_signed(np.arange(8) % 3), from_signed(np.arange(8) % 2)]
    cols, selector = witness(table, 4, 16, np.random.default_rng(2))
    run_lookup(2, cols, selector, table)


@pytest.mark.parametrize("shuffled", [False, True])
@pytest.mark.parametrize("n_columns", [1, 2])
def test_row_not_in_table_makes_prover_raise(n_columns, shuffled):
    table = relu_table(4)[:n_columns]
    if shuffled:
        perm = np.random.default_rng(1).permutation(16)
        table = [t[perm] for t in table]
    cols, selector = witness(table, 5, 30, np.random.default_rng(7))
    cols[0][3] = from_signed(np.array([100]))[0]  # outside [-8, 8)
    cols[0][9] = from_signed(np.array([-100]))[0]
    with pytest.raises(ProverError, match=r"2 of 30 rows are not in the table \(e.g. row 3"):
        prove_lookup(ProverTranscript(DOMAIN), vec_field(2), cols, selector, table, "lk")


def test_pair_with_wrong_second_column_makes_prover_raise():
    table = relu_table(4)
    cols, selector = witness(table, 4, 16, np.random.default_rng(8))
    cols[1][2] = np.uint64((int(cols[1][2]) + 1) % 2**32)  # (t, relu(t) + 1) is not a row
    with pytest.raises(ProverError, match="1 of 16 rows"):
        compute_multiplicities(cols, table, selector)


def test_non_boolean_selector_makes_prover_raise():
    table = relu_table(3)
    cols, selector = witness(table, 3, 8, np.random.default_rng(9))
    selector[0] = 2
    with pytest.raises(ProverError, match="selector"):
        compute_multiplicities(cols, table, selector)


def test_signed_integer_columns_match_field_columns():
    """int64 columns (centered lift) give the same multiplicities and proof as F vectors."""
    t = np.arange(16, dtype=np.int64) - 8
    table_int = [t, np.maximum(t, 0)]
    idx = np.random.default_rng(12).integers(0, 16, 32)
    cols_int = [c[idx] for c in table_int]
    selector = np.ones(32, dtype=np.int64)
    mult = compute_multiplicities(cols_int, table_int, selector)
    as_f = [from_signed(c) for c in cols_int]
    assert np.array_equal(mult, compute_multiplicities(as_f, relu_table(4), None))
    proofs = []
    for cols, table in [(cols_int, table_int), (as_f, relu_table(4))]:
        pt = ProverTranscript(DOMAIN)
        prove_lookup(pt, vec_field(2), cols, selector, table, "lk", multiplicities=mult)
        proofs.append(pt.proof_bytes())
    assert proofs[0] == proofs[1]


def test_missing_negative_value_is_reported_as_signed():
    table = [np.arange(8, dtype=np.int64) - 4]
    cols = [np.full(8, -3, dtype=np.int64)]
    cols[0][5] = -50
    with pytest.raises(ProverError, match=r"1 of 8 rows .*row 5 = -50\)"):
        compute_multiplicities(cols, table)
