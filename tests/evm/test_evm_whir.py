"""The Solidity WHIR verifier (contracts/Whir.sol through WhirOpeningVerifier) against the
Python verifier (verifier/pcs/whir.py): the golden vector and fresh openings are accepted, and
on every tamper (each message, random byte flips, truncation, trailing bytes, the claimed
values and points, the commitment's root and OOD answers, a schedule with fewer queries) the
contract reverts exactly when the Python verifier rejects."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from tensorproof.errors import TensorProofError
from tensorproof.field.params import P
from tensorproof.solidity.abi import decode_uint, encode_call
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.solidity.whir import VERIFY_OPENING, config_words, opening_calldata
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import Commitment, absorb_commitment
from tensorproof.verifier.pcs.whir import WhirVerifier
from tensorproof.verifier.pcs.whir_params import WhirParams

VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "whir_opening.json"
PARAMS = WhirParams()
DOMAIN = b"tensorproof/evm-whir-test"


class Opening:
    """A statement and its proof bytes; ``python_ok`` and ``evm_ok`` judge a variant."""

    def __init__(self, domain, commitment, points, values, proof):
        self.domain, self.commitment = domain, commitment
        self.points, self.values, self.proof = points, values, proof

    def python_ok(self, proof=None, values=None, commitment=None, points=None) -> bool:
        c = commitment or self.commitment
        try:
            vt = VerifierTranscript(self.domain, self.proof if proof is None else proof)
            absorb_commitment(vt, c)
            WhirVerifier(PARAMS).verify(c, points or self.points, values or self.values, vt)
            vt.check_eof()
        except TensorProofError:
            return False
        return True

    def evm_ok(self, evm, address, proof=None, values=None, commitment=None, points=None,
               calldata=None) -> bool:
        cd = calldata or opening_calldata(
            self.domain, PARAMS, commitment or self.commitment, points or self.points,
            values or self.values, self.proof if proof is None else proof)
        try:
            out = evm.call(address, cd)
        except EVMRevertError:
            return False
        assert decode_uint(out.output) == 1
        return True


def golden() -> tuple[Opening, list]:
    g = json.loads(VECTOR.read_text())
    c = Commitment.from_bytes(bytes.fromhex(g["commitment"]), 8 * PARAMS.ood * PARAMS.k)
    op = Opening(g["domain"].encode(), c, [[tuple(x) for x in z] for z in g["points"]],
                 [tuple(v) for v in g["values"]], bytes.fromhex(g["proof"]))
    return op, g["messages"]


def fresh(n_vars: int, n_points: int, seed: int) -> Opening:
    from tensorproof.prover.pcs.whir import WhirPCS

    rng = random.Random(seed)
    table = np.array([rng.randrange(P) for _ in range(1 << n_vars)], dtype=np.uint64)
    pts = [[tuple(rng.randrange(P) for _ in range(3)) for _ in range(n_vars)]
           for _ in range(n_points)]
    pcs = WhirPCS(PARAMS)
    commitment, data = pcs.commit(table)
    tr = ProverTranscript(DOMAIN)
    absorb_commitment(tr, commitment)
    values = pcs.open(data, pts, tr)
    return Opening(DOMAIN, commitment, pts, values, tr.proof_bytes())


@pytest.fixture(scope="module")
def verifier(deployed):
    return deployed("WhirOpeningVerifier")


def test_the_golden_vector_is_accepted(evm, verifier):
    op, _ = golden()
    assert op.python_ok() and op.evm_ok(evm, verifier)


@pytest.mark.parametrize("n_vars,n_points,seed", [(3, 1, 1), (9, 2, 2), (12, 3, 3), (15, 1, 4)])
def test_fresh_openings_are_accepted(evm, verifier, n_vars, n_points, seed):
    op = fresh(n_vars, n_points, seed)
    assert op.python_ok() and op.evm_ok(evm, verifier)


def _flip(data: bytes, i: int, bit: int = 0) -> bytes:
    return data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1:]


def test_a_flip_in_every_message_is_rejected_like_python(evm, verifier):
    op, messages = golden()
    rng = random.Random(11)
    checked = 0
    for label, off, length in messages:
        for i in {off, off + length - 1, off + rng.randrange(length)}:
            bad = _flip(op.proof, i, rng.randrange(8))
            py = op.python_ok(proof=bad)
            assert op.evm_ok(evm, verifier, proof=bad) == py, (label, i)
            checked += not py
    assert checked >= 3 * len(messages) - 3  # (a flip in the PoW nonce may still pass)


def test_random_mutations_are_judged_like_python(evm, verifier):
    op, _ = golden()
    rng = random.Random(2026)
    n, rejected = 300, 0
    for _ in range(n):
        kind = rng.randrange(4)
        p = op.proof
        if kind == 0:
            bad = _flip(p, rng.randrange(len(p)), rng.randrange(8))
        elif kind == 1:
            i = rng.randrange(len(p) // 8) * 8  # a whole 8-byte word: maybe non-canonical
            bad = p[:i] + rng.choice([P, P + 1, 2**64 - 1, 0]).to_bytes(8, "big") + p[i + 8:]
        elif kind == 2:
            bad = p[:rng.randrange(len(p))]
        else:
            bad = p + bytes(rng.randrange(1, 9))
        py = op.python_ok(proof=bad)
        assert op.evm_ok(evm, verifier, proof=bad) == py
        rejected += not py
    assert rejected >= n - 10


def test_wrong_values_points_and_commitments_are_rejected(evm, verifier):
    op, _ = golden()
    v = list(op.values)
    v[1] = ((v[1][0] + 1) % P, v[1][1], v[1][2])
    assert not op.python_ok(values=v) and not op.evm_ok(evm, verifier, values=v)
    z = [list(pt) for pt in op.points]
    z[0][5] = (z[0][5][0], (z[0][5][1] + 1) % P, z[0][5][2])
    assert not op.python_ok(points=z) and not op.evm_ok(evm, verifier, points=z)
    c = op.commitment
    other_root = Commitment(root=bytes(31) + b"\x01", n_vars=c.n_vars, extra=c.extra)
    assert not op.evm_ok(evm, verifier, commitment=other_root)
    answer = int.from_bytes(c.extra[:8], "big")
    other_answer = Commitment(root=c.root, n_vars=c.n_vars,
                              extra=((answer + 1) % P).to_bytes(8, "big") + c.extra[8:])
    assert not op.python_ok(commitment=other_answer)
    assert not op.evm_ok(evm, verifier, commitment=other_answer)


def test_a_non_canonical_answer_or_a_malformed_commitment_is_rejected(evm, verifier):
    op, _ = golden()
    c = op.commitment
    raw = c.to_bytes()
    non_canonical = raw[:34] + P.to_bytes(8, "big") + raw[42:]
    name, types = VERIFY_OPENING
    base = opening_calldata(op.domain, PARAMS, c, op.points, op.values, op.proof)
    for blob in (non_canonical, raw[:-1], b"\x02" + raw[1:]):
        cd = base.replace(raw, blob) if len(blob) == len(raw) else None
        if cd is None:
            from tensorproof.solidity.abi import pack_k

            cd = encode_call(name, types, [
                op.domain, PARAMS.to_bytes(), config_words(PARAMS, c.n_vars), blob,
                [pack_k(x) for z in op.points for x in z], [pack_k(v) for v in op.values],
                op.proof])
        assert not op.evm_ok(evm, verifier, calldata=cd)


def test_a_schedule_with_fewer_queries_does_not_accept_the_proof(evm, verifier):
    """The schedule is the caller's (bound by registration later): a weaker one is not a
    shortcut for this proof, whose byte layout follows the real query counts."""
    from tensorproof.solidity.abi import pack_k

    op, _ = golden()
    words = config_words(PARAMS, op.commitment.n_vars)
    words[7] -= 1  # round 0's queries
    name, types = VERIFY_OPENING
    cd = encode_call(name, types, [
        op.domain, PARAMS.to_bytes(), words, op.commitment.to_bytes(),
        [pack_k(x) for z in op.points for x in z], [pack_k(v) for v in op.values], op.proof])
    assert not op.evm_ok(evm, verifier, calldata=cd)


def test_the_opening_costs_gas_within_a_block(evm, verifier):
    op, _ = golden()
    out = evm.call(verifier, opening_calldata(op.domain, PARAMS, op.commitment, op.points,
                                              op.values, op.proof))
    assert out.gas < 30_000_000 and out.execution_gas > 0
