"""Keccak-256 GKR (verifier/keccak_gkr.py, prover/keccak_gkr.py, verifier/keccak_circuit.py).

Test model of the commitments: the prover and the verifier absorb a hash of the two witness
tables (M, Y) before the protocol, and the verifier discharges the two final claims by evaluating
those tables (what a PCS opening does). Digests are compared with pycryptodome
(transcript/keccak.py)."""

from __future__ import annotations

import dataclasses
import os
import random

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, TensorProofError, VerificationError
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import eq_eval_index, evaluate
from tensorproof.prover.keccak_gkr import (
    block_layout,
    keccak_p,
    message_mask_table,
    message_tables,
    prove_keccak,
    sponge_witness,
    wiring_table,
    witness_from_tables,
)
from tensorproof.transcript import ProverTranscript, VerifierTranscript, keccak256
from tensorproof.verifier.keccak_circuit import (
    RHO,
    ROUND_CONSTANTS,
    WIDTH,
    block_to_flat_eval,
    chi_iota,
    less_than_eval,
    next_eval,
    theta_rho_pi,
    theta_sums,
    wiring_eval,
    wiring_eval_reference,
)
from tensorproof.verifier.keccak_gkr import (
    pad_positions,
    soundness_error_log2,
    sponge_shape,
    verify_keccak,
)

DOMAIN = b"tensorproof/test/keccak-gkr"
LABEL = "keccak"


def _f(T: np.ndarray) -> np.ndarray:
    return np.asarray(T, dtype=np.uint64).reshape(-1)


def _bind(t, M, Y) -> None:
    """Test model of committing M and Y before the protocol."""
    t.absorb_bytes("tables", keccak256(_f(M).tobytes(), _f(Y).tobytes()))


def _prove(wit, k: int = 2) -> bytes:
    t = ProverTranscript(DOMAIN)
    _bind(t, wit.message_bits, wit.chain_bits)
    prove_keccak(t, vec_field(k), wit, LABEL)
    return t.proof_bytes()


def _verify(proof: bytes, n_bytes: int, digest: bytes, M, Y, rounds: int = 24, k: int = 2):
    """Verify and discharge both claims against the committed tables; return the claims."""
    t = VerifierTranscript(DOMAIN, proof)
    _bind(t, M, Y)
    claims = verify_keccak(t, ext_field(k), n_bytes, digest, LABEL, rounds)
    t.check_eof()
    vf = vec_field(k)
    for name, T, claim in (("bits", M, claims.bits), ("chain", Y, claims.chain)):
        if tuple(evaluate(vf, _f(T), claim.point)) != tuple(claim.value):
            raise VerificationError(f"{name} opening fails")
    return claims


def _verify_wit(proof: bytes, wit, **kw):
    return _verify(proof, wit.n_bytes, wit.digest, wit.message_bits, wit.chain_bits,
                   rounds=wit.rounds, **kw)


# ---- the function computed ------------------------------------------------------------------


def test_constants_match_the_keccak_reference():
    assert ROUND_CONSTANTS[:3] == (0x1, 0x8082, 0x800000000000808A)
    assert ROUND_CONSTANTS[23] == 0x8000000080008008
    assert [RHO[x][0] for x in range(5)] == [0, 1, 62, 28, 27]
    assert [RHO[0][y] for y in range(5)] == [0, 36, 3, 41, 18]


LENGTHS = [0, 1, 135, 136, 137, 1000] + random.Random(13).sample(range(2, 3000), 6)


@pytest.mark.parametrize("n", LENGTHS)
def test_digest_equals_pycryptodome(n):
    message = os.urandom(n)
    assert sponge_witness(message).digest == keccak256(message)


def test_circuit_layers_equal_lane_keccak_on_random_states():
    """witness_from_tables checks the layered circuit against the lane-wise Keccak-p."""
    rng = np.random.default_rng(1)
    blk = np.zeros((4, WIDTH), dtype=np.uint8)
    blk[:, :1600] = rng.integers(0, 2, (4, 1600))
    wit = witness_from_tables(400, 24, np.zeros(4 * WIDTH, np.uint8), blk)  # raises on disagreement
    lanes = np.packbits(blk[0, :1600], bitorder="little").view("<u8").tolist()
    out = np.packbits(wit.chain_bits[0, :1600], bitorder="little").view("<u8").tolist()
    assert out == keccak_p(lanes)


# ---- closed-form MLEs -----------------------------------------------------------------------


def _rand_point(ext, n, rng):
    return [ext.random(rng) for _ in range(n)]


@pytest.mark.parametrize("layer", [theta_sums(), theta_rho_pi(), chi_iota(0)],
                         ids=lambda layer: layer.name)
def test_wiring_eval_matches_reference_and_prover_table(layer):
    ext, vf, rng = ext_field(2), vec_field(2), random.Random(2)
    lam = _rand_point(ext, layer.arity, rng)
    r_g, r_h = _rand_point(ext, 11, rng), _rand_point(ext, 11, rng)
    fast = wiring_eval(ext, layer, lam, r_g, r_h)
    assert fast == wiring_eval_reference(ext, layer, lam, r_g, r_h)
    assert tuple(evaluate(vf, wiring_table(vf, layer, lam, r_g), r_h)) == fast


def test_less_than_and_next_match_brute_force():
    ext, rng = ext_field(2), random.Random(3)
    x, y = _rand_point(ext, 4, rng), _rand_point(ext, 4, rng)
    for t in range(17):
        brute = ext.zero()
        for i in range(min(t, 16)):
            brute = ext.add(brute, eq_eval_index(ext, x, i))
        assert less_than_eval(ext, x, t) == brute
    brute = ext.zero()
    for a in range(15):
        brute = ext.add(brute, ext.mul(eq_eval_index(ext, x, a), eq_eval_index(ext, y, a + 1)))
    assert next_eval(ext, x, y) == brute


@pytest.mark.parametrize("b", [0, 1, 2])
def test_block_to_flat_eval_matches_brute_force(b):
    ext, rng = ext_field(2), random.Random(b)
    r_g, r_c, s = (_rand_point(ext, m, rng) for m in (11, b, 11 + b))
    eg = [eq_eval_index(ext, r_g, g) for g in range(1088)]
    es = [eq_eval_index(ext, s, j) for j in range(1088 << b)]
    brute = ext.zero()
    for c in range(1 << b):
        ec = eq_eval_index(ext, r_c, c)
        for g in range(1088):
            brute = ext.add(brute, ext.mul(ext.mul(eg[g], ec), es[1088 * c + g]))
    assert block_to_flat_eval(ext, r_g, r_c, s) == brute


@pytest.mark.parametrize("n", [0, 5, 135, 136, 300, 545])
def test_message_tables_and_padding(n):
    message = os.urandom(n)
    F, blk = message_tables(message)
    b = sponge_shape(n)[1]
    assert np.packbits(F[: 8 * n], bitorder="little").tobytes() == message
    assert not F[8 * n :].any() and message_mask_table(n).sum() == 8 * n
    M = block_layout(F, b)
    assert sorted(np.flatnonzero((M ^ blk).reshape(-1)).tolist()) == list(pad_positions(n))
    assert blk[:, 1088:].sum() == 0


# ---- completeness ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 135, 136, 137, 1000, *random.Random(7).sample(range(2000), 2)])
def test_honest_proof_verifies_and_claims_hold(n):
    message = os.urandom(n)
    wit = sponge_witness(message)
    _verify(_prove(wit), n, keccak256(message), wit.message_bits, wit.chain_bits)


def test_honest_proof_cubic_extension_and_claims_on_actual_bits():
    message = os.urandom(200)
    wit = sponge_witness(message)
    claims = _verify(_prove(wit, k=3), 200, keccak256(message), wit.message_bits,
                     wit.chain_bits, k=3)
    # the claim is on the message's own bits, bit i of byte j at 8 j + i, zero-padded
    bits = np.zeros(4096, dtype=np.uint64)
    bits[:1600] = np.unpackbits(np.frombuffer(message, dtype=np.uint8), bitorder="little")
    assert tuple(evaluate(vec_field(3), bits, claims.bits.point)) == tuple(claims.bits.value)


def test_soundness_bound():
    assert soundness_error_log2(65536, 2) < -110
    assert soundness_error_log2(65536, 3) < -175


# ---- soundness ------------------------------------------------------------------------------


def _bump(proof: bytes, i: int, k: int = 2) -> bytes:
    """Element i of the proof (K elements of 8k bytes) with its first coefficient + 1 mod p."""
    off = 8 * k * i
    c = (int.from_bytes(proof[off : off + 8], "big") + 1) % P
    return proof[:off] + c.to_bytes(8, "big") + proof[off + 8 :]


@pytest.mark.parametrize("n", [5, 300])
def test_every_element_tampered_is_rejected_one_round(n):
    wit = sponge_witness(os.urandom(n), rounds=1)
    proof = _prove(wit)
    _verify_wit(proof, wit)
    stride = 1 if n == 5 else 5
    for i in range(0, len(proof) // 16, stride):
        with pytest.raises(VerificationError):
            _verify_wit(_bump(proof, i), wit)


def test_sampled_elements_tampered_are_rejected_full_rounds():
    wit = sponge_witness(os.urandom(150))
    proof = _prove(wit)
    n_elems = len(proof) // 16
    for i in [0, 1, n_elems - 1, n_elems - 2] + random.Random(5).sample(range(n_elems), 16):
        with pytest.raises(VerificationError):
            _verify_wit(_bump(proof, i), wit)


def test_wrong_digest_is_rejected():
    message = os.urandom(40)
    wit = sponge_witness(message)
    proof = _prove(wit)
    for digest in (keccak256(message + b"x"), bytes(32), bytes([wit.digest[0] ^ 1]) +
                   wit.digest[1:]):
        with pytest.raises(VerificationError):
            _verify(proof, 40, digest, wit.message_bits, wit.chain_bits)


def test_other_message_cannot_prove_this_digest():
    """A prover holding m2 states keccak256(m1): the digest claim on its chain fails."""
    m1, m2 = os.urandom(300), os.urandom(300)
    wit = dataclasses.replace(sponge_witness(m2), digest=keccak256(m1))
    with pytest.raises(VerificationError, match="chain merge"):
        _verify_wit(_prove(wit), wit)


def test_wrong_length_statement_is_rejected():
    wit = sponge_witness(os.urandom(20))
    proof = _prove(wit)
    for n in (19, 21):
        with pytest.raises((VerificationError, ProofFormatError)):
            _verify(proof, n, wit.digest, wit.message_bits, wit.chain_bits)


def test_non_boolean_bits_cancelling_the_padding_are_rejected():
    """Booleanity cheat: M = -1 on the two pad bits cancels pad10*1, so the circuit absorbs the
    unpadded block (every layer boolean, a consistent chain and digest); only the check that M
    is boolean and zero off the message catches it."""
    message = os.urandom(50)
    F, _ = message_tables(message)
    cheat = F.astype(np.uint64)
    cheat[[8 * 50, 1087]] = P - 1  # the flat positions of the two pad bits (one block)
    wit = witness_from_tables(50, 24, cheat, block_layout(F, 0))  # absorbs M alone: no padding
    assert wit.digest != keccak256(message)
    with pytest.raises(VerificationError, match="message bits"):
        _verify_wit(_prove(wit), wit)


def test_wrong_padding_is_rejected():
    """A boolean cheat: a 1 bit past the message (a longer message under the stated length)."""
    message = os.urandom(50)
    F, blk = message_tables(message)
    F[8 * 60 + 3] = 1
    blk[0, 8 * 60 + 3] ^= 1
    wit = witness_from_tables(50, 24, F, blk)
    with pytest.raises(VerificationError, match="message bits"):
        _verify_wit(_prove(wit), wit)


# ---- malformed proofs -----------------------------------------------------------------------


def test_malformed_proofs_raise_proof_format_error():
    wit = sponge_witness(os.urandom(30), rounds=1)
    proof = _prove(wit)
    for cut in (0, 1, 15, 16, len(proof) // 2, len(proof) - 1):
        with pytest.raises(ProofFormatError):
            _verify_wit(proof[:cut], wit)
    with pytest.raises(ProofFormatError):
        _verify_wit(proof + b"\x00", wit)
    with pytest.raises(ProofFormatError):
        _verify_wit(b"\xff" * 8 + proof[8:], wit)  # a non-canonical field element


def test_random_bytes_raise_only_typed_errors():
    wit = sponge_witness(b"abc", rounds=1)
    rng = random.Random(9)
    for size in (0, 7, 16, 1000, 5000):
        with pytest.raises(TensorProofError):
            _verify_wit(bytes(rng.getrandbits(8) for _ in range(size)), wit)
