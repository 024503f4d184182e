"""Sumcheck tamper suite: every corruption of the proof is rejected with a typed error.

The proof is the honest sumcheck of g = f0 f1 + c f0 f1 f2 + 5 f2 (degree 3, mixed F/K tables)
followed by the prover's final values f_i~(point); the verifier checks the sumcheck, the final
values against the last round (check_subclaim), the final values against the tables (standing
in for a commitment opening) and check_eof. Every case runs over the K of each proof profile
(conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import F_BYTES, decode_f, encode_f, k_bytes
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import evaluate
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, verify_sumcheck

DOMAIN = b"tensorproof/test/sumcheck-tamper"
N_VARS, DEGREE = 4, 3
REJECTED = (VerificationError, ProofFormatError)


def terms(k: int) -> list:
    """g = f0 f1 + c f0 f1 f2 + 5 f2 with c = 3 + 4X in K = F_p^k."""
    c = (3, 4, *ext_field(k).zero[2:])
    return [(1, [0, 1]), (c, [0, 1, 2]), (5, [2])]


def round_len(k: int) -> int:
    """Bytes per round message: the DEGREE evaluations s(0), s(2), …, s(DEGREE) in K (the
    verifier derives s(1) from the running claim)."""
    return DEGREE * k_bytes(k)


@pytest.fixture(scope="module")
def honest(k):
    """(tables, claim, proof bytes) of one honest proof over K = F_p^k."""
    vf = vec_field(k)
    rng = np.random.default_rng(2024)
    tables = [
        vec_field(1).random(1 << N_VARS, rng),
        vf.random(1 << N_VARS, rng),
        vf.random(1 << N_VARS, rng),
    ]
    claim = sum_of_products(vf, tables, terms(k))
    pt = ProverTranscript(DOMAIN)
    _, finals = prove_sumcheck(pt, vf, tables, terms(k), DEGREE, "sc")
    pt.send_k("sc/finals", finals, k)
    proof = pt.proof_bytes()
    assert len(proof) == N_VARS * round_len(k) + len(tables) * k_bytes(k)
    return tables, claim, proof


def verify(tables, claim, proof):
    """The verifier of the module docstring (over the claim's K); returns None or raises."""
    k = len(claim)
    ext, vf = ext_field(k), vec_field(k)
    vt = VerifierTranscript(DOMAIN, proof)
    sub = verify_sumcheck(vt, ext, claim, N_VARS, DEGREE, "sc")
    finals = vt.recv_k("sc/finals", len(tables), k)
    check_subclaim(ext, sub, terms(k), finals, "sc")
    for i, (T, v) in enumerate(zip(tables, finals)):
        if evaluate(vf, T, sub.point) != v:  # stands in for opening a commitment to T
            raise VerificationError(f"final value of table {i} does not open correctly")
    vt.check_eof()


def add_one_at(proof, offset):
    """The proof with the F coefficient at byte offset incremented mod p (still canonical)."""
    x = (decode_f(proof[offset : offset + F_BYTES]) + 1) % P
    return proof[:offset] + encode_f(x) + proof[offset + F_BYTES :]


def round_bytes(proof, i, k):
    return proof[i * round_len(k) : (i + 1) * round_len(k)]


def with_round(proof, i, message, k):
    return proof[: i * round_len(k)] + message + proof[(i + 1) * round_len(k) :]


def test_honest_proof_accepted(honest):
    verify(*honest)


@pytest.mark.parametrize("rnd", range(N_VARS))
def test_changed_round_message_rejected(honest, rnd, k, elem):
    tables, claim, proof = honest
    for e in range(DEGREE):  # every evaluation sent (s(0), s(2), ..) ...
        for c in range(k):  # ... and every base coefficient of it
            bad = add_one_at(proof, rnd * round_len(k) + e * elem + c * F_BYTES)
            with pytest.raises(REJECTED):
                verify(tables, claim, bad)


def test_rounds_swapped_rejected(honest, k):
    tables, claim, proof = honest
    for i in range(N_VARS - 1):
        a, b = round_bytes(proof, i, k), round_bytes(proof, i + 1, k)
        bad = with_round(with_round(proof, i, b, k), i + 1, a, k)
        with pytest.raises(REJECTED):
            verify(tables, claim, bad)


def test_round_replayed_rejected(honest, k):
    tables, claim, proof = honest
    for i in range(N_VARS - 1):
        bad = with_round(proof, i + 1, round_bytes(proof, i, k), k)
        with pytest.raises(REJECTED):
            verify(tables, claim, bad)


def test_wrong_claimed_sum_rejected(honest, k):
    tables, claim, proof = honest
    ext = ext_field(k)
    x = (0, 1, *ext.zero[2:])  # the generator X of K
    for delta in [ext.one(), x, ext.from_base(P - 1)]:
        with pytest.raises(VerificationError):  # s(1) follows the claim: the final check fails
            verify(tables, ext.add(claim, delta), proof)


def test_wrong_claimed_sum_rejected_without_rounds(k):
    """n_vars = 0: the subclaim is the claim itself, so the final check catches it."""
    ext, vf = ext_field(k), vec_field(k)
    table = vf.random(1, np.random.default_rng(1))
    claim = ext.add(vf.to_scalars(table)[0], ext.one())
    sub = verify_sumcheck(VerifierTranscript(DOMAIN, b""), ext, claim, 0, 1, "sc")
    with pytest.raises(VerificationError):
        check_subclaim(ext, sub, [(1, [0])], vf.to_scalars(table), "sc")


def test_wrong_final_claim_rejected(honest, k, elem):
    tables, claim, proof = honest
    start = N_VARS * round_len(k)
    for t in range(len(tables)):
        for c in range(k):
            with pytest.raises(VerificationError):
                verify(tables, claim, add_one_at(proof, start + t * elem + c * F_BYTES))


def test_final_values_consistent_with_last_round_but_not_tables_rejected(honest, k):
    """Final values that satisfy g(values) = subclaim but are not the tables' MLEs."""
    tables, claim, proof = honest
    ext = ext_field(k)
    vt = VerifierTranscript(DOMAIN, proof)
    sub = verify_sumcheck(vt, ext, claim, N_VARS, DEGREE, "sc")
    f0, f1, f2 = vt.recv_k("sc/finals", 3, k)
    # swap the roles of f0 and f1: g is symmetric in them, so check_subclaim still passes
    swapped = b"".join(encode_f(c) for v in (f1, f0, f2) for c in v)
    check_subclaim(ext, sub, terms(k), [f1, f0, f2], "sc")
    with pytest.raises(VerificationError, match="does not open"):
        verify(tables, claim, proof[: N_VARS * round_len(k)] + swapped)


@pytest.mark.parametrize("extra", ["one byte", "one F element", "one K element"])
def test_extra_trailing_bytes_rejected(honest, extra, elem):
    tables, claim, proof = honest
    trailing = {"one byte": b"\x00", "one F element": bytes(F_BYTES),
                "one K element": b"\x01" * elem}[extra]
    with pytest.raises(ProofFormatError):
        verify(tables, claim, proof + trailing)


def test_truncated_proof_rejected(honest):
    tables, claim, proof = honest
    for length in range(len(proof)):
        with pytest.raises(REJECTED):
            verify(tables, claim, proof[:length])


def test_non_canonical_coefficient_rejected(honest):
    tables, claim, proof = honest
    x = decode_f(proof[:F_BYTES])
    if x + P < 2**64:  # the same residue, encoded as x + p
        with pytest.raises(ProofFormatError):
            verify(tables, claim, (x + P).to_bytes(F_BYTES, "big") + proof[F_BYTES:])
    with pytest.raises(ProofFormatError):
        verify(tables, claim, b"\xff" * F_BYTES + proof[F_BYTES:])


def test_any_flipped_bit_rejected(honest):
    tables, claim, proof = honest
    rng = np.random.default_rng(7)
    for pos in rng.choice(len(proof) * 8, size=64, replace=False):
        bad = bytearray(proof)
        bad[pos // 8] ^= 1 << (pos % 8)
        with pytest.raises(REJECTED):
            verify(tables, claim, bytes(bad))
