"""Sumcheck tamper suite: every corruption of the proof is rejected with a typed error.

The proof is the honest sumcheck of g = f0 f1 + c f0 f1 f2 + 5 f2 (degree 3, mixed F/K tables)
followed by the prover's final values f_i~(point); the verifier checks the sumcheck, the final
values against the last round (check_subclaim), the final values against the tables (standing
in for a commitment opening) and check_eof.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import decode_f, encode_f
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import evaluate
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, verify_sumcheck

DOMAIN = b"tensorproof/test/sumcheck-tamper"
K, N_VARS, DEGREE = 2, 4, 3
EXT, VF = ext_field(K), vec_field(K)
TERMS = [(1, [0, 1]), ((3, 4), [0, 1, 2]), (5, [2])]
ELEM = 8 * K  # bytes per K element
ROUND = (DEGREE + 1) * ELEM  # bytes per round message
REJECTED = (VerificationError, ProofFormatError)


@pytest.fixture(scope="module")
def honest():
    """(tables, claim, proof bytes) of one honest proof."""
    rng = np.random.default_rng(2024)
    tables = [
        vec_field(1).random(1 << N_VARS, rng),
        VF.random(1 << N_VARS, rng),
        VF.random(1 << N_VARS, rng),
    ]
    claim = sum_of_products(VF, tables, TERMS)
    pt = ProverTranscript(DOMAIN)
    _, finals = prove_sumcheck(pt, VF, tables, TERMS, DEGREE, "sc")
    pt.send_k("sc/finals", finals, K)
    proof = pt.proof_bytes()
    assert len(proof) == N_VARS * ROUND + len(tables) * ELEM
    return tables, claim, proof


def verify(tables, claim, proof):
    """The verifier of the module docstring; returns None or raises."""
    vt = VerifierTranscript(DOMAIN, proof)
    sub = verify_sumcheck(vt, EXT, claim, N_VARS, DEGREE, "sc")
    finals = vt.recv_k("sc/finals", len(tables), K)
    check_subclaim(EXT, sub, TERMS, finals, "sc")
    for i, (T, v) in enumerate(zip(tables, finals)):
        if evaluate(VF, T, sub.point) != v:  # stands in for opening a commitment to T
            raise VerificationError(f"final value of table {i} does not open correctly")
    vt.check_eof()


def add_one_at(proof, offset):
    """The proof with the F coefficient at byte offset incremented mod p (still canonical)."""
    x = (decode_f(proof[offset : offset + 8]) + 1) % P
    return proof[:offset] + encode_f(x) + proof[offset + 8 :]


def round_bytes(proof, i):
    return proof[i * ROUND : (i + 1) * ROUND]


def with_round(proof, i, message):
    return proof[: i * ROUND] + message + proof[(i + 1) * ROUND :]


def test_honest_proof_accepted(honest):
    verify(*honest)


@pytest.mark.parametrize("rnd", range(N_VARS))
def test_changed_round_message_rejected(honest, rnd):
    tables, claim, proof = honest
    for e in range(DEGREE + 1):  # every evaluation s(e) ...
        for c in range(K):  # ... and every base coefficient of it
            bad = add_one_at(proof, rnd * ROUND + e * ELEM + c * 8)
            with pytest.raises(REJECTED):
                verify(tables, claim, bad)


def test_rounds_swapped_rejected(honest):
    tables, claim, proof = honest
    for i in range(N_VARS - 1):
        a, b = round_bytes(proof, i), round_bytes(proof, i + 1)
        bad = with_round(with_round(proof, i, b), i + 1, a)
        with pytest.raises(REJECTED):
            verify(tables, claim, bad)


def test_round_replayed_rejected(honest):
    tables, claim, proof = honest
    for i in range(N_VARS - 1):
        bad = with_round(proof, i + 1, round_bytes(proof, i))
        with pytest.raises(REJECTED):
            verify(tables, claim, bad)


def test_wrong_claimed_sum_rejected(honest):
    tables, claim, proof = honest
    for delta in [EXT.one(), (0, 1), (P - 1, 0)]:
        with pytest.raises(VerificationError, match="round 0"):
            verify(tables, EXT.add(claim, delta), proof)


def test_wrong_claimed_sum_rejected_without_rounds():
    """n_vars = 0: the subclaim is the claim itself, so the final check catches it."""
    table = VF.random(1, np.random.default_rng(1))
    claim = EXT.add(VF.to_scalars(table)[0], EXT.one())
    sub = verify_sumcheck(VerifierTranscript(DOMAIN, b""), EXT, claim, 0, 1, "sc")
    with pytest.raises(VerificationError):
        check_subclaim(EXT, sub, [(1, [0])], VF.to_scalars(table), "sc")


def test_wrong_final_claim_rejected(honest):
    tables, claim, proof = honest
    start = N_VARS * ROUND
    for t in range(len(tables)):
        for c in range(K):
            with pytest.raises(VerificationError):
                verify(tables, claim, add_one_at(proof, start + t * ELEM + c * 8))


def test_final_values_consistent_with_last_round_but_not_tables_rejected(honest):
    """Final values that satisfy g(values) = subclaim but are not the tables' MLEs."""
    tables, claim, proof = honest
    vt = VerifierTranscript(DOMAIN, proof)
    sub = verify_sumcheck(vt, EXT, claim, N_VARS, DEGREE, "sc")
    f0, f1, f2 = vt.recv_k("sc/finals", 3, K)
    # swap the roles of f0 and f1: g is symmetric in them, so check_subclaim still passes
    swapped = b"".join(encode_f(c) for v in (f1, f0, f2) for c in v)
    check_subclaim(EXT, sub, TERMS, [f1, f0, f2], "sc")
    with pytest.raises(VerificationError, match="does not open"):
        verify(tables, claim, proof[: N_VARS * ROUND] + swapped)


@pytest.mark.parametrize("extra", [b"\x00", b"\x00" * 8, b"\x01" * ELEM])
def test_extra_trailing_bytes_rejected(honest, extra):
    tables, claim, proof = honest
    with pytest.raises(ProofFormatError):
        verify(tables, claim, proof + extra)


def test_truncated_proof_rejected(honest):
    tables, claim, proof = honest
    for length in range(len(proof)):
        with pytest.raises(REJECTED):
            verify(tables, claim, proof[:length])


def test_non_canonical_coefficient_rejected(honest):
    tables, claim, proof = honest
    x = decode_f(proof[:8])
    if x + P < 2**64:  # the same residue, encoded as x + p
        with pytest.raises(ProofFormatError):
            verify(tables, claim, (x + P).to_bytes(8, "big") + proof[8:])
    with pytest.raises(ProofFormatError):
        verify(tables, claim, b"\xff" * 8 + proof[8:])


def test_any_flipped_bit_rejected(honest):
    tables, claim, proof = honest
    rng = np.random.default_rng(7)
    for pos in rng.choice(len(proof) * 8, size=64, replace=False):
        bad = bytearray(proof)
        bad[pos // 8] ^= 1 << (pos % 8)
        with pytest.raises(REJECTED):
            verify(tables, claim, bytes(bad))
