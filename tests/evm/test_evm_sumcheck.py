"""The Solidity sumcheck verifier (contracts/Sumcheck.sol) against verifier/sumcheck.py: proofs
of the Python prover give the same subclaim (point and value) on the EVM, for degrees 1..6, 65
and 128 (Sumcheck.MAX_DEGREE), labels of any length and round numbers past 9; every flipped
round message, a wrong claim, truncation and trailing bytes are judged exactly as Python judges
them."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.errors import TensorProofError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.solidity.abi import decode_uint_array, encode_call, pack_k
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import verify_sumcheck

DOMAIN = b"tensorproof/test/evm-sumcheck"
K = 3
TYPES = ["bytes", "uint256", "uint256", "uint256", "bytes", "bytes"]


def make(n: int, degree: int, label: str, seed: int):
    rng = np.random.default_rng(seed)
    vf = vec_field(K)
    tables = [vf.random(1 << n, rng) for _ in range(degree)]
    terms = [(1, list(range(degree)))]
    claim = sum_of_products(vf, tables, terms)
    pt = ProverTranscript(DOMAIN)
    prove_sumcheck(pt, vf, tables, terms, degree, label)
    return claim, pt.proof_bytes()


def python_subclaim(claim, n, degree, label, proof):
    try:
        vt = VerifierTranscript(DOMAIN, proof)
        sub = verify_sumcheck(vt, ext_field(K), claim, n, degree, label)
        vt.check_eof()
    except TensorProofError:
        return None
    return [pack_k(sub.value), *(pack_k(r) for r in sub.point)]


def evm_subclaim(evm, address, claim, n, degree, label, proof):
    try:
        out = evm.call(address, encode_call("run", TYPES, [
            DOMAIN, pack_k(claim), n, degree, label.encode(), proof]))
    except EVMRevertError:
        return None
    return decode_uint_array(out.output)


@pytest.fixture(scope="module")
def probe(deployed):
    return deployed("SumcheckProbe")


@pytest.mark.parametrize("n,degree,label", [
    (0, 2, "sc"), (1, 1, "sc"), (5, 2, "3:matmul:sumcheck"), (12, 3, "x" * 60),
    (4, 6, "lookup/padding sumcheck"), (3, 65, "9:max_reduce:sumcheck"),
    (2, 128, "the largest degree")])
def test_subclaims_match_python(evm, probe, n, degree, label):
    claim, proof = make(n, degree, label, n * 10 + degree)
    expect = python_subclaim(claim, n, degree, label, proof)
    assert expect is not None
    assert evm_subclaim(evm, probe, claim, n, degree, label, proof) == expect


def test_tampers_are_judged_like_python(evm, probe):
    n, degree, label = 11, 3, "12:mul:sumcheck"
    claim, proof = make(n, degree, label, 7)
    rng = random.Random(4)
    variants = []
    for r in range(n):  # one flip in every round's message
        i = r * degree * K * 8 + rng.randrange(degree * K * 8)
        variants.append((claim, proof[:i] + bytes([proof[i] ^ 1]) + proof[i + 1:]))
    variants += [(claim, proof[:-1]), (claim, proof + b"\x00"),
                 (((claim[0] + 1) % (2**64 - 2**32 + 1),) + tuple(claim[1:]), proof)]
    for c, p in variants:
        py = python_subclaim(c, n, degree, label, p)
        ev = evm_subclaim(evm, probe, c, n, degree, label, p)
        assert ev == py  # a flip or a wrong claim changes the subclaim; a bad length reverts
