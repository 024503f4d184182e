"""TensorProofRegistry (contracts/Registry.sol) on pyrevm: circuits stored SSTORE2-style and read
back byte for byte across chunk boundaries, ModelRegistered and ProofVerified emitted, real
proofs of the compact digits MLP verified through the generic core with the results root of
solidity/results.py; bad, repeated and unknown circuits, tampered proofs and proofs for another
circuit revert (so no event). Registration gas is printed (-s) and bounded."""

from __future__ import annotations

import dataclasses

import pytest

from evm_chain import compact_mlp, compact_proof, deploy_core, fake_circuit, mock_statement
from tensorproof.solidity import registry as rg
from tensorproof.solidity.abi import selector
from tensorproof.solidity.circuit import circuit_id, encode_circuit, statement_bytes
from tensorproof.solidity.evm import EVMRevertError, LocalEVM
from tensorproof.solidity.results import leaves, proof_results_root, results_root
from tensorproof.transcript import keccak256


@pytest.fixture(scope="module")
def chain(contracts):
    """(evm, registry with the real core, registry with the mock core)."""
    evm = LocalEVM()
    real = rg.deploy_registry(evm.deploy, contracts, deploy_core(evm.deploy, contracts))
    mock = rg.deploy_registry(evm.deploy, contracts,
                             deploy_core(evm.deploy, contracts, mock=True))
    return evm, real, mock


def _revert_selector(e: pytest.ExceptionInfo) -> bytes:
    return e.value.data[:4]


@pytest.mark.parametrize("size", [44, 1000, 24_575, 24_576, 49_151, 50_000])
def test_register_stores_the_circuit_and_emits_the_event(chain, size):
    evm, reg, _ = chain
    circuit = fake_circuit(size, batch=7, seed=size)
    out = evm.call(reg, rg.register_calldata(circuit))
    cid = keccak256(circuit)
    assert out.output == cid
    assert rg.model_registered_events(out.logs) == [
        rg.ModelRegistered(cid, bytes(range(32)), 7)]
    assert evm.call(reg, rg.registered_calldata(cid), static=True).output[-1] == 1
    assert rg.decode_bytes(evm.call(reg, rg.circuit_calldata(cid), static=True).output) == circuit


def test_registration_gas(chain):
    """SSTORE2: ~200 gas per stored byte (code deposit) + 32,000 per chunk + calldata."""
    evm, reg, _ = chain
    gas = {}
    for size in (1_000, 10_000, 50_000):
        circuit = fake_circuit(size, seed=size + 1)
        out = evm.call(reg, rg.register_calldata(circuit))
        gas[size] = out.gas
        chunks = -(-size // rg.CHUNK)
        assert out.gas < out.calldata_gas + 21_000 + 205 * size + 80_000 * chunks, (size, out.gas)
    print("registration gas (size: gas):", gas)


def test_register_refuses_bad_circuits_and_repeats(chain):
    evm, reg, _ = chain
    good = fake_circuit(200, seed=99)
    for bad in (b"", good[:43], b"TPCIRC02" + good[8:], b"X" + good[1:]):
        with pytest.raises(EVMRevertError) as e:
            evm.call(reg, rg.register_calldata(bad))
        assert _revert_selector(e) == selector("NotACircuit()")
    evm.call(reg, rg.register_calldata(good))
    with pytest.raises(EVMRevertError) as e:
        evm.call(reg, rg.register_calldata(good))
    assert e.value.data == selector("AlreadyRegistered(bytes32)") + keccak256(good)


def test_unknown_circuit_reverts(chain):
    evm, reg, _ = chain
    cid = keccak256(b"never registered")
    for data in (rg.verify_calldata(cid, b"", b"\x01"), rg.circuit_calldata(cid)):
        with pytest.raises(EVMRevertError) as e:
            evm.call(reg, data)
        assert e.value.data == selector("UnknownCircuit(bytes32)") + cid
    assert evm.call(reg, rg.registered_calldata(cid), static=True).output == bytes(32)


def test_a_core_without_code_is_refused(contracts):
    evm = LocalEVM()
    with pytest.raises(EVMRevertError):
        rg.deploy_registry(evm.deploy, contracts, "0x" + "33" * 20)


@pytest.mark.parametrize("batch", [1, 3])
def test_real_proofs_verify_with_the_results_root(chain, batch):
    evm, reg, _ = chain
    pk, _ = compact_mlp()
    proof = compact_proof(batch)
    circuit = encode_circuit(pk.vk, batch)
    evm.call(reg, rg.register_calldata(circuit))
    out = evm.call(reg, rg.verify_calldata(circuit_id(circuit), statement_bytes(pk.vk, proof),
                                          proof.stream))
    root = proof_results_root(proof)
    assert out.output == root
    assert rg.proof_verified_events(out.logs) == [
        rg.ProofVerified(circuit_id(circuit), pk.vk.model_id, root)]
    print(f"batch {batch}: verify {out.gas} gas ({out.calldata_gas} calldata), "
          f"register {len(circuit)} bytes")


def test_rejected_proofs_revert(chain):
    """A tampered stream or output, a proof for another batch size, or for a circuit whose
    model id was altered: the core reverts, so does the registry's transaction."""
    evm, reg, _ = chain
    pk, _ = compact_mlp()
    proof = compact_proof(1)
    c1, c3 = encode_circuit(pk.vk, 1), encode_circuit(pk.vk, 3)
    other_model = c1[:8] + bytes(32) + c1[40:]
    for c in (c1, c3, other_model):
        if not evm.call(reg, rg.registered_calldata(circuit_id(c)), static=True).output[-1]:
            evm.call(reg, rg.register_calldata(c))
    stmt = statement_bytes(pk.vk, proof)
    stream = bytearray(proof.stream)
    stream[len(stream) // 2] ^= 1
    (name,) = proof.outputs
    y = proof.outputs[name].copy()
    y[0, 0] += 1
    lying = statement_bytes(pk.vk, dataclasses.replace(proof, outputs={name: y}))
    cases = {"tampered stream": (c1, stmt, bytes(stream)), "tampered output": (c1, lying,
                                                                                proof.stream),
             "other batch": (c3, stmt, proof.stream),
             "other model id": (other_model, stmt, proof.stream)}
    for what, (c, s, p) in cases.items():
        with pytest.raises(EVMRevertError):
            evm.call(reg, rg.verify_calldata(circuit_id(c), s, p))
            pytest.fail(what)
    evm.call(reg, rg.verify_calldata(circuit_id(c1), stmt, proof.stream))  # the honest one


def test_the_cores_revert_data_reaches_the_caller(chain):
    evm, _, reg = chain
    circuit = fake_circuit(100, batch=2, seed=5)
    evm.call(reg, rg.register_calldata(circuit))
    import numpy as np

    ins, outs = {"x": np.arange(6).reshape(2, 3)}, {"y": np.array([[1], [-1]])}
    stmt = mock_statement(ins, outs)
    out = evm.call(reg, rg.verify_calldata(keccak256(circuit), stmt, b"\x01"))
    assert out.output == results_root(leaves(ins, outs))
    with pytest.raises(EVMRevertError) as e:
        evm.call(reg, rg.verify_calldata(keccak256(circuit), stmt, b"\xff"))
    assert e.value.data == selector("MockRejected()")
    errors = rg.error_signatures({"m": "error MockRejected();"})
    assert rg.revert_reason(e.value.data, errors) == "MockRejected"
