"""Fiat-Shamir transcript: prover/verifier agreement, binding, and malformed-proof rejection."""

from __future__ import annotations

import hashlib
import random
import time

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError
from tensorproof.field.params import P
from tensorproof.transcript import ProverTranscript, VerifierTranscript, keccak256

DOMAIN = b"tensorproof/test"


# --- Keccak-256 is Ethereum's, not NIST SHA3 ---------------------------------------------------

def test_keccak256_empty_string_matches_ethereum():
    expected = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"").hex() == expected


def test_keccak256_abc_matches_ethereum():
    expected = "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    assert keccak256(b"abc").hex() == expected


def test_keccak256_is_not_nist_sha3():
    for msg in (b"", b"abc", bytes(200)):
        assert keccak256(msg) != hashlib.sha3_256(msg).digest()


def test_keccak256_hashes_concatenation_of_parts():
    assert keccak256(b"ab", memoryview(b"c"), bytearray(b"d")) == keccak256(b"abcd")


# --- prover/verifier agreement ------------------------------------------------------------------

def _random_script(rng: random.Random, n_ops: int) -> list[tuple]:
    """A random sequence of transcript operations, with the prover's message values."""
    ops = []
    for _ in range(n_ops):
        kind = rng.choice(["absorb", "bytes", "f", "k", "chal_f", "chal_k", "chal_idx"])
        label = f"op{rng.randrange(5)}"
        n, k = rng.randrange(0, 6), rng.choice([2, 3])
        if kind in ("absorb", "bytes"):
            ops.append((kind, label, rng.randbytes(rng.randrange(0, 300))))
        elif kind == "f":
            ops.append((kind, label, [rng.randrange(P) for _ in range(n)]))
        elif kind == "k":
            elems = [tuple(rng.randrange(P) for _ in range(k)) for _ in range(n)]
            ops.append((kind, label, elems, k))
        else:
            ops.append((kind, label, n, k))
    return ops


def _run_prover(ops: list[tuple]) -> tuple[bytes, list]:
    pt, outs = ProverTranscript(DOMAIN), []
    for op in ops:
        kind, label = op[0], op[1]
        if kind == "absorb":
            pt.absorb_bytes(label, op[2])
        elif kind == "bytes":
            pt.send_bytes(label, op[2])
        elif kind == "f":
            pt.send_f(label, op[2])
        elif kind == "k":
            pt.send_k(label, op[2], op[3])
        else:
            outs.append(_draw(pt, kind, label, op[2], op[3]))
    return pt.proof_bytes(), outs


def _draw(t, kind: str, label: str, n: int, k: int):
    if kind == "chal_f":
        return t.challenges_f(label, n)
    if kind == "chal_k":
        return t.challenges_k(label, n, k)
    return t.challenge_indices(label, n, 1000)


def _run_verifier(ops: list[tuple], proof: bytes) -> list:
    vt, outs = VerifierTranscript(DOMAIN, proof), []
    for op in ops:
        kind, label = op[0], op[1]
        if kind == "absorb":
            vt.absorb_bytes(label, op[2])
        elif kind == "bytes":
            assert vt.recv_bytes(label, len(op[2])) == op[2]
        elif kind == "f":
            assert vt.recv_f(label, len(op[2])) == op[2]
        elif kind == "k":
            assert vt.recv_k(label, len(op[2]), op[3]) == op[2]
        else:
            outs.append(_draw(vt, kind, label, op[2], op[3]))
    vt.check_eof()
    return outs


@pytest.mark.parametrize("seed", range(20))
def test_prover_and_verifier_draw_the_same_challenges(seed):
    ops = _random_script(random.Random(seed), 25)
    proof, prover_outs = _run_prover(ops)
    assert _run_verifier(ops, proof) == prover_outs


def test_array_and_list_messages_encode_identically():
    xs = [0, 1, P - 1, 2**32]
    a, b = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    a.send_f("x", xs)
    b.send_f("x", np.array(xs, dtype=np.uint64))
    a.send_k("y", [(1, 2), (P - 1, 0)], 2)
    b.send_k("y", np.array([[1, 2], [P - 1, 0]], dtype=np.uint64), 2)
    assert a.proof_bytes() == b.proof_bytes() and a.state == b.state
    vt = VerifierTranscript(DOMAIN, a.proof_bytes())
    assert vt.recv_f_array("x", 4).tolist() == xs
    assert vt.recv_k_array("y", 2, 2).tolist() == [[1, 2], [P - 1, 0]]
    assert vt.state == a.state


def test_challenges_are_canonical_and_never_repeat():
    t = ProverTranscript(DOMAIN)
    draws = t.challenges_f("r", 50) + [t.challenge_f("r") for _ in range(50)]
    draws += [c for x in t.challenges_k("r", 20, 3) for c in x]
    assert all(0 <= x < P for x in draws)
    assert len(set(draws)) == len(draws)


def test_single_challenge_equals_batch_of_one():
    a, b = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    assert a.challenge_f("r") == b.challenges_f("r", 1)[0]
    assert a.challenge_k("s", 3) == b.challenges_k("s", 1, 3)[0]
    assert a.state == b.state


def test_challenge_indices_in_range():
    idx = ProverTranscript(DOMAIN).challenge_indices("q", 500, 37)
    assert all(0 <= i < 37 for i in idx) and len(set(idx)) == 37


# --- binding: anything absorbed changes every later challenge -----------------------------------

BASE_STEPS = (("absorb", "a", b"xyz"), ("send", "m", b"123"))


def _challenge_after(domain=DOMAIN, steps=BASE_STEPS):
    t = ProverTranscript(domain)
    for kind, label, data in steps:
        (t.absorb_bytes if kind == "absorb" else t.send_bytes)(label, data)
    return t.challenges_f("c", 2)


def test_binding_changing_any_absorbed_byte():
    base = _challenge_after()
    for pos in range(3):
        data = bytearray(b"xyz")
        data[pos] ^= 1
        assert _challenge_after(steps=(("absorb", "a", bytes(data)), BASE_STEPS[1])) != base


def test_binding_changing_any_message_byte():
    base = _challenge_after()
    for pos in range(3):
        data = bytearray(b"123")
        data[pos] ^= 0x80
        assert _challenge_after(steps=(BASE_STEPS[0], ("send", "m", bytes(data)))) != base


def test_binding_changing_a_label():
    base = _challenge_after()
    assert _challenge_after(steps=(("absorb", "b", b"xyz"), BASE_STEPS[1])) != base
    assert _challenge_after(steps=(BASE_STEPS[0], ("send", "n", b"123"))) != base
    t = ProverTranscript(DOMAIN)
    assert t.challenges_f("c", 2) != ProverTranscript(DOMAIN).challenges_f("d", 2)


def test_binding_changing_the_domain():
    assert _challenge_after(domain=DOMAIN + b"!") != _challenge_after()


def test_binding_changing_the_order():
    assert _challenge_after(steps=BASE_STEPS[::-1]) != _challenge_after()


def test_binding_public_absorb_differs_from_message():
    steps = (("send", "a", b"xyz"), BASE_STEPS[1])
    assert _challenge_after(steps=steps) != _challenge_after()


def test_binding_split_boundary_between_label_and_data():
    a, b = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    a.absorb_bytes("ab", b"c")
    b.absorb_bytes("a", b"bc")
    assert a.challenge_f("c") != b.challenge_f("c")


def test_binding_number_of_challenges_drawn():
    a, b = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    a.challenges_f("c", 1)
    b.challenges_f("c", 2)
    assert a.challenge_f("d") != b.challenge_f("d")


# --- malformed proofs ---------------------------------------------------------------------------

def _proof_with_two_elements() -> bytes:
    pt = ProverTranscript(DOMAIN)
    pt.send_f("x", [5, 7])
    return pt.proof_bytes()


def test_trailing_bytes_rejected_by_check_eof():
    vt = VerifierTranscript(DOMAIN, _proof_with_two_elements() + b"\x00\x01\x02")
    vt.recv_f("x", 2)
    with pytest.raises(ProofFormatError, match="^3 trailing bytes after the proof$"):
        vt.check_eof()


def test_truncated_proof_rejected():
    vt = VerifierTranscript(DOMAIN, _proof_with_two_elements()[:-1])
    with pytest.raises(ProofFormatError, match="^proof truncated while reading x$"):
        vt.recv_f("x", 2)


def test_reading_an_empty_proof_rejected():
    with pytest.raises(ProofFormatError, match="truncated while reading root"):
        VerifierTranscript(DOMAIN, b"").recv_bytes("root", 32)


@pytest.mark.parametrize("value", [P, 2**64 - 1])
def test_non_canonical_field_element_rejected(value):
    proof = value.to_bytes(8, "big")
    with pytest.raises(ProofFormatError, match="non-canonical"):
        VerifierTranscript(DOMAIN, proof).recv_f("x", 1)
    with pytest.raises(ProofFormatError, match="non-canonical"):
        VerifierTranscript(DOMAIN, bytes(8) + proof).recv_k("y", 1, 2)


@pytest.mark.parametrize("label", ["", "énergie", b"bytes", None])
def test_bad_label_is_a_programming_error(label):
    t = ProverTranscript(DOMAIN)
    with pytest.raises(ValueError):
        t.absorb_bytes(label, b"")
    with pytest.raises(ValueError):
        t.challenge_f(label)


def test_prover_rejects_non_canonical_and_misshaped_messages():
    t = ProverTranscript(DOMAIN)
    with pytest.raises(ProofFormatError):
        t.send_f("x", [P])
    with pytest.raises(ValueError):
        t.send_k("y", [(1, 2, 3)], 2)
    with pytest.raises(ValueError):
        t.send_f("x", np.zeros((2, 2), dtype=np.uint64))
    with pytest.raises(ValueError, match="uint64"):
        t.send_f("x", np.array([-(2**32)], dtype=np.int64))  # would alias p - 1 if cast
    with pytest.raises(ValueError, match="uint64"):
        t.send_k("y", np.zeros((2, 2), dtype=np.int64), 2)
    assert t.proof_bytes() == b""


# --- large messages -----------------------------------------------------------------------------

def test_absorbing_8_mb_is_one_keccak_call_and_fast():
    data = np.random.default_rng(0).integers(0, 256, 8 << 20, dtype=np.uint8).tobytes()
    pt = ProverTranscript(DOMAIN)
    start = time.perf_counter()
    pt.send_bytes("opening", data)
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    vt.recv_bytes("opening", len(data))
    assert time.perf_counter() - start < 1.0
    assert vt.state == pt.state
