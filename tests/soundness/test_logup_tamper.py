"""Named tamper suite of the fraction-sum GKR and the LogUp lookup: each test corrupts one thing
(a proof element, the multiplicities, a witness row, the proof's length) and shows rejection with
VerificationError or ProofFormatError — by the verifier, or by the caller's subclaim check where
that is where the protocol catches it (a prover lying about the committed data). Every case runs
over the K of each proof profile (conftest.py).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import F_BYTES, k_bytes
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import from_signed, vec_field
from tensorproof.poly.mle import evaluate, lift_scalar
from tensorproof.prover.logup import compute_multiplicities, prove_lookup
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.logup import verify_lookup

DOMAIN = b"tensorproof/test/logup-tamper"
M, N = 5, 4  # 32 witness rows (27 real) into a 16-row table, two columns


# ---- proof layout (docs of verifier/fraction_gkr.py and verifier/logup.py) ---------------------


def gkr_elements(m: int) -> int:
    """K elements of a fraction-sum proof over 2^m leaves: the root (2), then per layer l its l
    sumcheck rounds (3 each: s(0), s(2), s(3); s(1) is implied) and 4 children."""
    return layer_start(m)


def layer_start(layer: int) -> int:
    """Element offset of a layer's first sumcheck message inside one fraction-sum proof."""
    return 2 + 3 * layer * (layer - 1) // 2 + 4 * layer


def child_offset(layer: int, which: str) -> int:
    return layer_start(layer) + 3 * layer + ["n0", "n1", "d0", "d1"].index(which)


TABLE_GKR = gkr_elements(M) + 2  # the table side starts after the witness GKR and 2 columns


# ---- honest world ------------------------------------------------------------------------------


def statement():
    """A two-column ReLU lookup with selector padding; returns (cols, selector, table)."""
    t = np.arange(1 << N, dtype=np.int64) - (1 << (N - 1))
    table = [from_signed(t), from_signed(np.maximum(t, 0))]
    idx = np.random.default_rng(2024).integers(0, 1 << N, 1 << M)
    cols = [c[idx] for c in table]
    selector = np.zeros(1 << M, dtype=np.uint64)
    selector[:27] = 1
    return cols, selector, table


def absorb(transcript, arrays):
    transcript.absorb_bytes(
        "commitment", hashlib.sha256(b"".join(a.tobytes() for a in arrays)).digest()
    )


def make_proof(k, cols, selector, table, mult=None):
    """The proof bytes of prove_lookup over K = F_p^k on exactly this data (mult: committed
    multiplicities)."""
    if mult is None:
        mult = compute_multiplicities(cols, table, selector)
    pt = ProverTranscript(DOMAIN)
    absorb(pt, [*cols, selector, mult])
    prove_lookup(pt, vec_field(k), cols, selector, table, "lk", multiplicities=mult)
    return pt.proof_bytes(), mult


def verify(k, proof, committed, has_selector=True):
    vt = VerifierTranscript(DOMAIN, proof)
    absorb(vt, committed)
    sub = verify_lookup(vt, ext_field(k), M, N, 2, "lk", has_selector=has_selector)
    vt.check_eof()
    return sub


def discharge(k, sub, cols, selector, mult, table):
    """The caller's part: check every claim against the committed/public tables."""
    vf = vec_field(k)

    def check(T, point, value, what):
        if tuple(lift_scalar(vf, evaluate(vf, T, point))) != value:
            raise VerificationError(f"lookup claim on {what} does not match its commitment")

    for c, v in zip(cols, sub.column_values):
        check(c, sub.witness_point, v, "a witness column")
    check(selector, sub.witness_point, sub.selector_value, "the selector")
    check(mult, sub.table_point, sub.multiplicity_value, "the multiplicities")
    for t, v in zip(table, sub.table_values):
        check(t, sub.table_point, v, "a table column")


@pytest.fixture(scope="module")
def honest(k):
    cols, selector, table = statement()
    proof, mult = make_proof(k, cols, selector, table)
    committed = [*cols, selector, mult]
    discharge(k, verify(k, proof, committed), cols, selector, mult, table)  # it passes
    return proof, committed


def tamper(k: int, proof: bytes, element: int, coeff: int = 0) -> bytes:
    """Add 1 to one coefficient of the K element at ``element`` (stays canonical)."""
    pos = element * k_bytes(k) + F_BYTES * coeff
    value = (int.from_bytes(proof[pos : pos + F_BYTES], "big") + 1) % P
    return proof[:pos] + value.to_bytes(F_BYTES, "big") + proof[pos + F_BYTES :]


def assert_rejected(k, proof, committed, match=None):
    with pytest.raises((VerificationError, ProofFormatError), match=match):
        verify(k, proof, committed)


# ---- the suite ---------------------------------------------------------------------------------


def test_changed_root_numerator_P_rejected(honest, k):
    proof, committed = honest
    assert_rejected(k, tamper(k, proof, 0), committed)


def test_changed_root_denominator_Q_rejected(honest, k):
    proof, committed = honest
    assert_rejected(k, tamper(k, proof, 1, coeff=1), committed)


def test_zero_root_denominator_rejected(honest, k, elem):
    proof, committed = honest
    zeroed = proof[:elem] + bytes(elem) + proof[2 * elem :]
    assert_rejected(k, zeroed, committed, match="root denominator Q is zero")


def test_changed_table_side_root_rejected(honest, k):
    proof, committed = honest
    assert_rejected(k, tamper(k, proof, TABLE_GKR + 0), committed)


@pytest.mark.parametrize("layer,round_,point", [(1, 0, 0), (3, 1, 2), (M - 1, M - 2, 3)])
def test_changed_layer_sumcheck_message_rejected(honest, layer, round_, point, k):
    proof, committed = honest
    assert_rejected(k, tamper(k, proof, layer_start(layer) + 4 * round_ + point), committed)


@pytest.mark.parametrize("which", ["n0", "n1", "d0", "d1"])
@pytest.mark.parametrize("layer", [0, 2, M - 1])
def test_changed_child_value_rejected(honest, layer, which, k):
    proof, committed = honest
    assert_rejected(k, tamper(k, proof, child_offset(layer, which)), committed,
                    match="child values")


@pytest.mark.parametrize("which", ["n0", "d1"])
def test_changed_table_side_child_value_rejected(honest, which, k):
    proof, committed = honest
    assert_rejected(k, tamper(k, proof, TABLE_GKR + child_offset(N - 1, which)), committed)


@pytest.mark.parametrize("side,offset", [("witness", gkr_elements(M)), ("table", -1)])
def test_changed_column_value_rejected(honest, side, offset, k, elem):
    proof, committed = honest
    index = offset if offset >= 0 else len(proof) // elem + offset
    assert_rejected(k, tamper(k, proof, index), committed, match=f"{side} column values")


def test_wrong_multiplicity_rejected(k):
    """Moving one count to another table row keeps sum(m) but breaks the fraction sums."""
    cols, selector, table = statement()
    mult = compute_multiplicities(cols, table, selector)
    j = int(np.argmax(mult))
    wrong = mult.copy()
    wrong[j] -= 1
    wrong[(j + 1) % len(wrong)] += 1
    proof, _ = make_proof(k, cols, selector, table, mult=wrong)
    assert_rejected(k, proof, [*cols, selector, wrong], match="fraction sums differ")


def out_of_table_witness():
    """The statement with real row 4 replaced by (100, 100), which is not in the table."""
    cols, selector, table = statement()
    bad = [c.copy() for c in cols]
    bad[0][4] = bad[1][4] = 100
    return cols, bad, selector, table


def test_out_of_table_row_with_forged_multiplicities_rejected(k):
    """Malicious prover: counts the bad row as the in-table row it replaced, proves honestly."""
    cols, bad, selector, table = out_of_table_witness()
    forged = compute_multiplicities(cols, table, selector)  # consistent-looking: sum = 27
    proof, _ = make_proof(k, bad, selector, table, mult=forged)
    assert_rejected(k, proof, [*bad, selector, forged], match="fraction sums differ")


def test_out_of_table_row_hidden_by_lying_about_columns_caught_by_subclaim(k):
    """Malicious prover: commits to the bad witness but runs the lookup on in-table data.

    Every check inside verify_lookup passes; the caller's check of the column claims against the
    committed (bad) columns rejects.
    """
    cols, bad, selector, table = out_of_table_witness()
    proof, mult = make_proof(k, cols, selector, table)  # proof about data that was not committed
    sub = verify(k, proof, [*cols, selector, mult])
    with pytest.raises(VerificationError, match="witness column"):
        discharge(k, sub, bad, selector, mult, table)


def test_wrong_selector_claim_caught_by_subclaim(honest, k):
    """A selector counting a padding row: the selector claim does not match the commitment."""
    proof, committed = honest
    cols, selector, table = statement()
    sub = verify(k, proof, committed)
    lying = selector.copy()
    lying[30] = 1
    with pytest.raises(VerificationError, match="selector"):
        discharge(k, sub, cols, lying, committed[3], table)


def test_selector_proof_verified_as_unselected_rejected(honest, k):
    proof, committed = honest
    with pytest.raises(VerificationError, match="not 1"):
        verify(k, proof, committed, has_selector=False)


def test_other_commitment_rejected(honest, k):
    """Fiat-Shamir binding: the same proof under another commitment draws other challenges."""
    proof, committed = honest
    other = [a.copy() for a in committed]
    other[3][0] ^= np.uint64(1)
    assert_rejected(k, proof, other)


@pytest.mark.parametrize("elements, extra_bytes", [(0, 1), (1, 0), (7, 3)])
def test_truncated_proof_rejected(honest, k, elem, elements, extra_bytes):
    proof, committed = honest
    with pytest.raises(ProofFormatError, match="truncated"):
        verify(k, proof[: -(elements * elem + extra_bytes)], committed)


@pytest.mark.parametrize("elements, extra_bytes", [(0, 1), (1, 0)])
def test_trailing_bytes_rejected(honest, k, elem, elements, extra_bytes):
    proof, committed = honest
    with pytest.raises(ProofFormatError):
        verify(k, proof + bytes(elements * elem + extra_bytes), committed)


def test_non_canonical_element_rejected(honest, k, elem):
    proof, committed = honest
    pos = child_offset(2, "d0") * elem
    with pytest.raises(ProofFormatError):
        verify(k, proof[:pos] + b"\xff" * F_BYTES + proof[pos + F_BYTES :], committed)
