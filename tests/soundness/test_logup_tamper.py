"""Named tamper suite of the fraction-sum GKR and the LogUp lookup: each test corrupts one thing
(a proof element, the multiplicities, a witness row, the proof's length) and shows rejection with
VerificationError or ProofFormatError — by the verifier, or by the caller's subclaim check where
that is where the protocol catches it (a prover lying about the committed data).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import from_signed, vec_field
from tensorproof.poly.mle import evaluate, lift_scalar
from tensorproof.prover.logup import compute_multiplicities, prove_lookup
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.logup import verify_lookup

DOMAIN = b"tensorproof/test/logup-tamper"
K = 2
M, N = 5, 4  # 32 witness rows (27 real) into a 16-row table, two columns
ELEM = 8 * K  # bytes per K element


# ---- proof layout (docs of verifier/fraction_gkr.py and verifier/logup.py) ---------------------


def gkr_elements(m: int) -> int:
    return 2 * m * m + 2 * m + 2


def layer_start(layer: int) -> int:
    """Element offset of a layer's first sumcheck message inside one fraction-sum proof."""
    return 2 + 2 * layer * layer + 2 * layer


def child_offset(layer: int, which: str) -> int:
    return layer_start(layer) + 4 * layer + ["n0", "n1", "d0", "d1"].index(which)


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


def make_proof(cols, selector, table, mult=None):
    """The proof bytes of prove_lookup on exactly this data (mult: committed multiplicities)."""
    if mult is None:
        mult = compute_multiplicities(cols, table, selector)
    pt = ProverTranscript(DOMAIN)
    absorb(pt, [*cols, selector, mult])
    prove_lookup(pt, vec_field(K), cols, selector, table, "lk", multiplicities=mult)
    return pt.proof_bytes(), mult


def verify(proof, committed, has_selector=True):
    vt = VerifierTranscript(DOMAIN, proof)
    absorb(vt, committed)
    sub = verify_lookup(vt, ext_field(K), M, N, 2, "lk", has_selector=has_selector)
    vt.check_eof()
    return sub


def discharge(sub, cols, selector, mult, table):
    """The caller's part: check every claim against the committed/public tables."""
    vf = vec_field(K)

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
def honest():
    cols, selector, table = statement()
    proof, mult = make_proof(cols, selector, table)
    committed = [*cols, selector, mult]
    discharge(verify(proof, committed), cols, selector, mult, table)  # the honest proof passes
    return proof, committed


def tamper(proof: bytes, element: int, coeff: int = 0) -> bytes:
    """Add 1 to one coefficient of the K element at ``element`` (stays canonical)."""
    pos = element * ELEM + 8 * coeff
    value = (int.from_bytes(proof[pos : pos + 8], "big") + 1) % P
    return proof[:pos] + value.to_bytes(8, "big") + proof[pos + 8 :]


def assert_rejected(proof, committed, match=None):
    with pytest.raises((VerificationError, ProofFormatError), match=match):
        verify(proof, committed)


# ---- the suite ---------------------------------------------------------------------------------


def test_changed_root_numerator_P_rejected(honest):
    proof, committed = honest
    assert_rejected(tamper(proof, 0), committed)


def test_changed_root_denominator_Q_rejected(honest):
    proof, committed = honest
    assert_rejected(tamper(proof, 1, coeff=1), committed)


def test_zero_root_denominator_rejected(honest):
    proof, committed = honest
    zeroed = proof[:ELEM] + bytes(ELEM) + proof[2 * ELEM :]
    assert_rejected(zeroed, committed, match="root denominator Q is zero")


def test_changed_table_side_root_rejected(honest):
    proof, committed = honest
    assert_rejected(tamper(proof, TABLE_GKR + 0), committed)


@pytest.mark.parametrize("layer,round_,point", [(1, 0, 0), (3, 1, 2), (M - 1, M - 2, 3)])
def test_changed_layer_sumcheck_message_rejected(honest, layer, round_, point):
    proof, committed = honest
    assert_rejected(tamper(proof, layer_start(layer) + 4 * round_ + point), committed)


@pytest.mark.parametrize("which", ["n0", "n1", "d0", "d1"])
@pytest.mark.parametrize("layer", [0, 2, M - 1])
def test_changed_child_value_rejected(honest, layer, which):
    proof, committed = honest
    assert_rejected(tamper(proof, child_offset(layer, which)), committed, match="child values")


@pytest.mark.parametrize("which", ["n0", "d1"])
def test_changed_table_side_child_value_rejected(honest, which):
    proof, committed = honest
    assert_rejected(tamper(proof, TABLE_GKR + child_offset(N - 1, which)), committed)


@pytest.mark.parametrize("side,offset", [("witness", gkr_elements(M)), ("table", -1)])
def test_changed_column_value_rejected(honest, side, offset):
    proof, committed = honest
    index = offset if offset >= 0 else len(proof) // ELEM + offset
    assert_rejected(tamper(proof, index), committed, match=f"{side} column values")


def test_wrong_multiplicity_rejected():
    """Moving one count to another table row keeps sum(m) but breaks the fraction sums."""
    cols, selector, table = statement()
    mult = compute_multiplicities(cols, table, selector)
    j = int(np.argmax(mult))
    wrong = mult.copy()
    wrong[j] -= 1
    wrong[(j + 1) % len(wrong)] += 1
    proof, _ = make_proof(cols, selector, table, mult=wrong)
    assert_rejected(proof, [*cols, selector, wrong], match="fraction sums differ")


def out_of_table_witness():
    """The statement with real row 4 replaced by (100, 100), which is not in the table."""
    cols, selector, table = statement()
    bad = [c.copy() for c in cols]
    bad[0][4] = bad[1][4] = 100
    return cols, bad, selector, table


def test_out_of_table_row_with_forged_multiplicities_rejected():
    """Malicious prover: counts the bad row as the in-table row it replaced, proves honestly."""
    cols, bad, selector, table = out_of_table_witness()
    forged = compute_multiplicities(cols, table, selector)  # consistent-looking: sum = 27
    proof, _ = make_proof(bad, selector, table, mult=forged)
    assert_rejected(proof, [*bad, selector, forged], match="fraction sums differ")


def test_out_of_table_row_hidden_by_lying_about_columns_caught_by_subclaim():
    """Malicious prover: commits to the bad witness but runs the lookup on in-table data.

    Every check inside verify_lookup passes; the caller's check of the column claims against the
    committed (bad) columns rejects.
    """
    cols, bad, selector, table = out_of_table_witness()
    proof, mult = make_proof(cols, selector, table)  # proof about data that was not committed
    sub = verify(proof, [*cols, selector, mult])
    with pytest.raises(VerificationError, match="witness column"):
        discharge(sub, bad, selector, mult, table)


def test_wrong_selector_claim_caught_by_subclaim(honest):
    """A selector counting a padding row: the selector claim does not match the commitment."""
    proof, committed = honest
    cols, selector, table = statement()
    sub = verify(proof, committed)
    lying = selector.copy()
    lying[30] = 1
    with pytest.raises(VerificationError, match="selector"):
        discharge(sub, cols, lying, committed[3], table)


def test_selector_proof_verified_as_unselected_rejected(honest):
    proof, committed = honest
    with pytest.raises(VerificationError, match="not 1"):
        verify(proof, committed, has_selector=False)


def test_other_commitment_rejected(honest):
    """Fiat-Shamir binding: the same proof under another commitment draws other challenges."""
    proof, committed = honest
    other = [a.copy() for a in committed]
    other[3][0] ^= np.uint64(1)
    assert_rejected(proof, other)


@pytest.mark.parametrize("cut", [1, ELEM, 7 * ELEM + 3])
def test_truncated_proof_rejected(honest, cut):
    proof, committed = honest
    with pytest.raises(ProofFormatError, match="truncated"):
        verify(proof[:-cut], committed)


@pytest.mark.parametrize("extra", [b"\x00", bytes(ELEM)])
def test_trailing_bytes_rejected(honest, extra):
    proof, committed = honest
    with pytest.raises(ProofFormatError):
        verify(proof + extra, committed)


def test_non_canonical_element_rejected(honest):
    proof, committed = honest
    pos = child_offset(2, "d0") * ELEM
    with pytest.raises(ProofFormatError):
        verify(proof[:pos] + b"\xff" * 8 + proof[pos + 8 :], committed)
