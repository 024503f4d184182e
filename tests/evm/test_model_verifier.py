"""The generic model verifier (contracts/ModelVerifier.sol and its step executors) against the
Python verifier on real compact proofs: honest proofs are accepted with the results root of
their statement; every tamper (random mutations of the proof, wrong outputs, a statement out of
range, another model's circuit, an edited circuit or commitment) is rejected, and on the proof
mutations the contract reverts exactly when the Python verifier rejects."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.frontend.examples import train_digits_mlp
from tensorproof.solidity.circuit import MAGIC, encode_circuit
from tensorproof.solidity.results import proof_results_root

from .model_harness import RANDOM_MUTATIONS, Case, compact_key, deploy_model_verifier, flipped


@pytest.fixture(scope="module")
def verifier(contracts, evm):
    return deploy_model_verifier(contracts, evm)


@pytest.fixture(scope="module")
def mlp():
    m = train_digits_mlp()
    return compact_key(m.onnx_bytes, m.x_calib), m.x_test


@pytest.fixture(scope="module")
def mlp_case(mlp):
    pk, x = mlp
    return Case.make(pk, x[:1])


@pytest.mark.parametrize("batch", [1, 3])
def test_honest_proofs_accepted_with_their_results_root(evm, verifier, mlp, batch):
    pk, x = mlp
    case = Case.make(pk, x[:batch])
    assert case.python_ok()
    assert case.evm_root(evm, verifier) == proof_results_root(case.proof)


def test_random_mutations_rejected_exactly_when_python_rejects(evm, verifier, mlp_case):
    rng = random.Random(7)
    stream = mlp_case.proof.stream
    variants = [stream[:-1], stream + b"\x00", stream[: len(stream) // 2]]
    variants += [flipped(stream, rng) for _ in range(5 * RANDOM_MUTATIONS)]
    for j in range(8):  # a field element replaced by a non-canonical one (>= p)
        s = bytearray(stream)
        at = 8 * rng.randrange(len(s) // 8)
        s[at:at + 8] = (0xFFFFFFFF00000001 + j).to_bytes(8, "big")
        variants.append(bytes(s))
    for v in variants:
        py = mlp_case.python_ok(stream=v)
        assert (mlp_case.evm_root(evm, verifier, stream=v) is not None) == py
        assert not py


def test_wrong_outputs_rejected(evm, verifier, mlp_case):
    name = next(iter(mlp_case.proof.outputs))
    out = np.array(mlp_case.proof.outputs[name])
    flat = out.reshape(-1)
    flat[0] = flat[0] + 1 if flat[0] < 127 else flat[0] - 1
    assert not mlp_case.python_ok(outputs={name: out})
    stmt = bytearray(mlp_case.statement)
    n_out = 8 * out.size
    stmt[-n_out:] = out.astype(">i8").tobytes()
    assert mlp_case.evm_root(evm, verifier, statement=bytes(stmt)) is None


def test_statement_out_of_range_or_malformed_rejected(evm, verifier, mlp_case):
    stmt = bytearray(mlp_case.statement)
    stmt[0:8] = (10**6).to_bytes(8, "big")  # the first input entry far outside its range
    assert mlp_case.evm_root(evm, verifier, statement=bytes(stmt)) is None
    assert mlp_case.evm_root(evm, verifier, statement=mlp_case.statement[:-8]) is None
    assert mlp_case.evm_root(evm, verifier, statement=mlp_case.statement + bytes(8)) is None


def test_edited_or_foreign_circuit_rejected(evm, verifier, mlp, mlp_case):
    circuit = mlp_case.circuit
    assert mlp_case.evm_root(evm, verifier, circuit=b"TPCIRC00" + circuit[8:]) is None
    assert circuit.startswith(MAGIC)
    # the proof's batch differs from the circuit's
    pk, _ = mlp
    assert mlp_case.evm_root(evm, verifier, circuit=encode_circuit(pk.vk, 2)) is None
    # the model commitment no longer matches the model id; a flipped byte anywhere else
    com = pk.vk.commitment
    at = circuit.index(com)
    edited = circuit[:at] + bytes([com[0] ^ 1]) + circuit[at + 1:]
    assert mlp_case.evm_root(evm, verifier, circuit=edited) is None
    # every bit of the header (magic, model id, batch, field degree, version, key hash): the
    # transcript or a check changes. (A flip elsewhere may leave a circuit that still accepts
    # this proof, e.g. a table row no lookup uses: a different circuit, with another id.)
    rng = random.Random(3)
    for i in range(8 + 32 + 4 + 1 + 2 + 32):
        c = bytearray(circuit)
        c[i] ^= 1 << rng.randrange(8)
        assert mlp_case.evm_root(evm, verifier, circuit=bytes(c)) is None, i
    # each step's op name
    for op in (b"linear", b"requant"):
        at = circuit.index(bytes([len(op)]) + op)
        c = bytearray(circuit)
        c[at + 1] ^= 0x20
        assert mlp_case.evm_root(evm, verifier, circuit=bytes(c)) is None, op


def test_proof_for_another_model_rejected(evm, verifier, mlp_case):
    m = train_digits_mlp(hidden=16, seed=1)
    other = Case.make(compact_key(m.onnx_bytes, m.x_calib), m.x_test[:1])
    assert other.evm_root(evm, verifier) is not None
    assert mlp_case.evm_root(evm, verifier, circuit=other.circuit) is None
    assert other.evm_root(evm, verifier, circuit=mlp_case.circuit) is None
