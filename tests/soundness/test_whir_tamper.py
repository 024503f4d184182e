"""Named tamper suite of WHIR: every message of an opening, every forged value, the parameters.

Two kinds of attack:
- byte tampering: each message of an honest proof (every sumcheck round, OOD answer, root,
  final polynomial, proof-of-work nonce, fiber and Merkle node) is changed after the fact;
- consistent forgeries: the prover's transcript is changed *as it is written* (``Forging``),
  so every later challenge is derived from the forged message and the prover goes on honestly
  from there; each such forgery must still be caught by the protocol's own checks (fold,
  final polynomial, final sumcheck claim), not by a hash mismatch.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.params import P
from tensorproof.prover.pcs.whir import WhirPCS, WhirProverData
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import absorb_commitment
from tensorproof.verifier.pcs.whir import WhirVerifier
from tensorproof.verifier.pcs.whir_params import WhirParams

DOMAIN = b"tensorproof/test/whir-tamper"
N_VARS = 13
PARAMS = WhirParams(pow_bits=6)
REJECTED = (VerificationError, ProofFormatError)
F_MESSAGES = ("whir/ood_answers", "whir/sumcheck", "whir/final", "whir/fibers")
BYTE_MESSAGES = ("whir/root", "whir/pow", "whir/merkle")


class Forging(ProverTranscript):
    """A prover transcript that records every message's span and may replace one message
    (``target`` = (label, occurrence), ``change``: bytes -> bytes) before absorbing it."""

    def __init__(self, domain, target=None, change=None):
        super().__init__(domain)
        self.spans, self._seen = [], Counter()
        self.target, self.change, self._pos = target, change, 0

    def send_bytes(self, label, data):
        data = bytes(data)
        occurrence = self._seen[label]
        self._seen[label] += 1
        if (label, occurrence) == self.target:
            data = self.change(data)
        self.spans.append((label, occurrence, self._pos, len(data)))
        self._pos += len(data)
        super().send_bytes(label, data)


def add_one(data, offset=0):
    """The F element at ``offset`` plus one (mod p): still canonical."""
    x = int.from_bytes(data[offset : offset + 8], "big")
    return data[:offset] + ((x + 1) % P).to_bytes(8, "big") + data[offset + 8 :]


def flip(data, offset=0):
    return data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :]


def world(seed=0, target=None, change=None, data_for=None):
    """(commitment, points, values, proof, spans) of an opening, possibly forged."""
    rng = np.random.default_rng(seed)
    pcs = WhirPCS(PARAMS)
    table = rng.integers(0, P, 1 << N_VARS, dtype=np.uint64)
    points = [[tuple(int(c) for c in rng.integers(0, P, 3, dtype=np.uint64))
               for _ in range(N_VARS)] for _ in range(2)]
    commitment, data = pcs.commit(table)
    if data_for is not None:
        data = data_for(data)
    pt = Forging(DOMAIN, target, change)
    absorb_commitment(pt, commitment)
    values = pcs.open(data, points, pt)
    return commitment, points, values, pt.proof_bytes(), pt.spans


def verify(commitment, points, values, proof, params=PARAMS):
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, commitment)
    WhirVerifier(params).verify(commitment, points, values, vt)
    vt.check_eof()


@functools.cache
def honest():
    """The honest world, made once per module."""
    return world()


def test_the_honest_opening_verifies_and_uses_every_message():
    commitment, points, values, proof, spans = honest()
    verify(commitment, points, values, proof)
    assert {s[0] for s in spans} == set(F_MESSAGES + BYTE_MESSAGES)


def _occurrences():
    _, _, _, _, spans = honest()
    return [(label, occ) for label, occ, _, _ in spans]


@pytest.mark.parametrize("position", ["first", "last"])
def test_every_message_tampered_after_the_fact_is_rejected(position):
    commitment, points, values, proof, spans = honest()
    for label, occ, start, length in spans:
        off = start if position == "first" else start + length - (8 if label in F_MESSAGES
                                                                   else 1)
        bad = add_one(proof, off) if label in F_MESSAGES else flip(proof, off)
        with pytest.raises(REJECTED):
            verify(commitment, points, values, bad)
        del label, occ


@pytest.mark.parametrize("label", ["whir/ood_answers", "whir/sumcheck", "whir/final"])
def test_every_forged_field_message_is_caught_by_the_protocol(label):
    """Each occurrence of the message forged while proving (later challenges follow it)."""
    n = sum(1 for lab, _ in _occurrences() if lab == label)
    assert n >= 1
    for occ in range(n):
        commitment, points, values, proof, _ = world(target=(label, occ), change=add_one)
        with pytest.raises(VerificationError, match="whir: (the final|folded)"):
            verify(commitment, points, values, proof)


def test_a_forged_root_fails_the_next_rounds_merkle_opening():
    n = sum(1 for lab, _ in _occurrences() if lab == "whir/root")
    for occ in range(n):
        commitment, points, values, proof, _ = world(target=("whir/root", occ), change=flip)
        with pytest.raises(VerificationError, match="Merkle"):
            verify(commitment, points, values, proof)


def test_a_forged_fiber_fails_the_merkle_opening():
    for occ in range(sum(1 for lab, _ in _occurrences() if lab == "whir/fibers")):
        commitment, points, values, proof, _ = world(target=("whir/fibers", occ), change=add_one)
        with pytest.raises(VerificationError, match="Merkle"):
            verify(commitment, points, values, proof)


def test_a_proof_of_work_nonce_that_does_not_grind_is_rejected():
    commitment, points, values, proof, _ = world(target=("whir/pow", 0),
                                                  change=lambda d: bytes(8))
    with pytest.raises(VerificationError, match="proof of work"):
        verify(commitment, points, values, proof)


def test_a_wrong_claimed_value_is_caught_by_the_final_check():
    commitment, points, values, proof, _ = honest()
    bad = [values[0], (values[1][0] ^ 1,) + values[1][1:]]
    with pytest.raises(REJECTED):
        verify(commitment, points, bad, proof)


def test_a_prover_that_answers_for_another_table_is_caught():
    """The codeword and tree of T, the sumcheck and answers of T' (one entry changed)."""
    def other(data):
        table = data.table.copy()
        table[5] = (table[5] + 1) % P
        return WhirProverData(data.commitment, table, data.codeword, data.tree)

    commitment, points, values, proof, _ = world(data_for=other)
    with pytest.raises(VerificationError, match="whir: (the final|folded)"):
        verify(commitment, points, values, proof)


def test_a_verifier_with_other_parameters_rejects():
    commitment, points, values, proof, _ = honest()
    for other in (WhirParams(pow_bits=0), WhirParams(pow_bits=6, ood=PARAMS.ood + 1)):
        with pytest.raises(REJECTED):
            verify(commitment, points, values, proof, other)


def test_truncated_and_extended_proofs_are_rejected():
    commitment, points, values, proof, _ = honest()
    for bad in (proof[:-1], proof + b"\0", proof[: len(proof) // 2], b""):
        with pytest.raises(REJECTED):
            verify(commitment, points, values, bad)


def test_the_commitment_pins_one_polynomial_by_its_committed_answers():
    """Changing the committed OOD answer (another polynomial of the root's list) is caught."""
    commitment, points, values, proof, _ = honest()
    bad = type(commitment)(commitment.root, commitment.n_vars, add_one(commitment.extra))
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, bad)
    with pytest.raises(REJECTED):
        WhirVerifier(PARAMS).verify(bad, points, values, vt)


def test_openings_whose_ood_answers_belong_to_another_table_are_caught():
    """An honest opening of T under a commitment whose answers are T''s: the final check fails
    even with every transcript challenge derived from the forged commitment."""
    rng = np.random.default_rng(9)
    pcs = WhirPCS(PARAMS)
    table = rng.integers(0, P, 1 << N_VARS, dtype=np.uint64)
    other = table.copy()
    other[3] = (other[3] + 1) % P
    c, data = pcs.commit(table)
    c_other, _ = pcs.commit(other)
    forged = type(c)(c.root, c.n_vars, c_other.extra)
    data = WhirProverData(forged, data.table, data.codeword, data.tree)
    point = [[tuple(int(x) for x in rng.integers(0, P, 3, dtype=np.uint64))
              for _ in range(N_VARS)]]
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, forged)
    values = pcs.open(data, point, pt)
    with pytest.raises(VerificationError, match="whir: (the final|folded)"):
        verify(forged, point, values, pt.proof_bytes())
