"""The Solidity LogUp-GKR verifier (contracts/FractionSum.sol) against verifier/fraction_gkr.py:
the EVM returns Python's root and leaf subclaim for proofs of the Python prover (1..2^9 leaves,
F and K numerators, none), and reverts exactly where Python rejects: each message flipped, a
zero root denominator, truncation, trailing bytes."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.errors import TensorProofError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.fraction_gkr import prove_fraction_sum
from tensorproof.solidity.abi import decode_uint_array, encode_call, pack_k
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.fraction_gkr import verify_fraction_sum

DOMAIN = b"tensorproof/test/evm-fraction-sum"
K = 3
TYPES = ["bytes", "uint256", "bytes", "bytes"]


def make(m: int, num_kind: str, label: str, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    vf = vec_field(K)
    den = vf.random(1 << m, rng)
    num = {"none": None, "f": vec_field(1).random(1 << m, rng), "k": vf.random(1 << m, rng)}
    pt = ProverTranscript(DOMAIN)
    prove_fraction_sum(pt, vf, num[num_kind], den, label)
    return pt.proof_bytes()


def python_result(m, label, proof):
    try:
        vt = VerifierTranscript(DOMAIN, proof)
        c = verify_fraction_sum(vt, ext_field(K), m, label)
        vt.check_eof()
    except TensorProofError:
        return None
    return [pack_k(c.P), pack_k(c.Q), pack_k(c.num_value), pack_k(c.den_value),
            *(pack_k(x) for x in c.point)]


def evm_result(evm, address, m, label, proof):
    try:
        out = evm.call(address, encode_call("run", TYPES, [DOMAIN, m, label.encode(), proof]))
    except EVMRevertError:
        return None
    return decode_uint_array(out.output)


@pytest.fixture(scope="module")
def probe(deployed):
    return deployed("FractionSumProbe")


@pytest.mark.parametrize("m,num_kind,label", [
    (0, "k", "g"), (1, "none", "lookups"), (4, "f", "7:lookup:relu"), (9, "k", "logup")])
def test_subclaims_match_python(evm, probe, m, num_kind, label):
    proof = make(m, num_kind, label, 31 * m + len(label))
    expect = python_result(m, label, proof)
    assert expect is not None
    assert evm_result(evm, probe, m, label, proof) == expect


def test_tampers_are_judged_like_python(evm, probe):
    m, label = 6, "logup"
    proof = make(m, "k", label, 5)
    rng = random.Random(8)
    rejected = 0
    variants = [proof[:i] + bytes([proof[i] ^ (1 << rng.randrange(8))]) + proof[i + 1:]
                for i in rng.sample(range(len(proof)), 60)]
    variants += [proof[:-8], proof + b"\x01", proof[:24] + bytes(24) + proof[48:]]  # Q = 0
    for bad in variants:
        py = python_result(m, label, bad)
        assert evm_result(evm, probe, m, label, bad) == py
        rejected += py is None
    assert rejected >= len(variants) - 3
