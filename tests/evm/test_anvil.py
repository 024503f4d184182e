"""End to end on a real node: anvil (npm @foundry-rs/anvil, started and stopped here) driven with
web3 (solidity/node.py). Deploy the generic core and the registry, register the compact digits
MLP's circuit, send a proof as a real transaction and read ProofVerified from its receipt; a
rejected proof sent anyway is mined as a failed transaction that emits nothing.

Skips with the reason without anvil (`npm ci`) or web3, unless TENSORPROOF_REQUIRE_EVM=1."""

from __future__ import annotations

import pytest

from evm_chain import compact_mlp, compact_proof, deploy_core, node_unavailable, require_or_skip
from tensorproof.solidity import registry as rg
from tensorproof.solidity.circuit import circuit_id, encode_circuit, statement_bytes
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.solidity.results import proof_results_root
from tensorproof.transcript import keccak256


@pytest.fixture(scope="module")
def node():
    why = node_unavailable()
    if why is not None:
        require_or_skip(why)
    from tensorproof.solidity.node import Anvil

    with Anvil() as a:
        yield a


@pytest.fixture(scope="module")
def client(node):
    from tensorproof.solidity.node import NodeClient

    return NodeClient(node.url)


@pytest.fixture(scope="module")
def registry(client, contracts):
    def deploy(code: bytes) -> str:
        return client.deploy(code).contract_address

    return rg.deploy_registry(deploy, contracts, deploy_core(deploy, contracts))


def _create_address(sender: str, nonce: int) -> str:
    import rlp

    return "0x" + keccak256(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:].hex()


def test_anvil_starts_answers_and_stops():
    why = node_unavailable()
    if why is not None:
        require_or_skip(why)
    from tensorproof.solidity.node import Anvil, rpc

    with Anvil() as a:
        assert int(rpc(a.url, "eth_chainId"), 16) == 31337
        process = a.process
    assert process.poll() is not None  # stopped, not orphaned
    with pytest.raises(OSError):
        rpc(a.url, "eth_chainId", timeout=1.0)


def test_register_and_verify_as_real_transactions(client, registry):
    pk, _ = compact_mlp()
    proof = compact_proof(1)
    circuit = encode_circuit(pk.vk, 1)
    cid = circuit_id(circuit)
    nonce = client.w3.eth.get_transaction_count(client.w3.to_checksum_address(registry))
    r = client.transact(registry, rg.register_calldata(circuit))
    assert r.status and rg.model_registered_events(r.logs) == [
        rg.ModelRegistered(cid, pk.vk.model_id, 1)]
    # SSTORE2: the chunk is the code of a data contract, after a STOP
    assert client.code(_create_address(registry, nonce)) == b"\x00" + circuit
    assert rg.decode_bytes(client.call(registry, rg.circuit_calldata(cid))) == circuit

    r = client.transact(registry, rg.verify_calldata(cid, statement_bytes(pk.vk, proof),
                                                     proof.stream))
    assert r.status
    assert rg.proof_verified_events(r.logs) == [
        rg.ProofVerified(cid, pk.vk.model_id, proof_results_root(proof))]
    assert all(lg.address.lower() == registry.lower() for lg in r.logs)
    print(f"anvil: verify transaction {r.gas_used} gas, block {r.block}")


def test_a_rejected_proof_emits_nothing(client, registry):
    pk, _ = compact_mlp()
    proof = compact_proof(1)
    circuit = encode_circuit(pk.vk, 1)
    cid = circuit_id(circuit)
    if client.call(registry, rg.registered_calldata(cid))[-1] == 0:
        client.transact(registry, rg.register_calldata(circuit))
    stream = bytearray(proof.stream)
    stream[-40] ^= 4
    data = rg.verify_calldata(cid, statement_bytes(pk.vk, proof), bytes(stream))
    with pytest.raises(EVMRevertError):  # estimated first: nothing is sent
        client.transact(registry, data)
    before = client.w3.eth.block_number
    r = client.transact(registry, data, gas=25_000_000, check=False)  # sent anyway: mined
    assert not r.status and r.logs == () and r.block > before
    logs = client.w3.eth.get_logs({"fromBlock": r.block, "toBlock": r.block,
                                   "address": client.w3.to_checksum_address(registry)})
    assert logs == []
    with pytest.raises(EVMRevertError):
        client.transact(registry, data, gas=25_000_000)


def test_unknown_circuit_and_repeated_registration_revert(client, registry):
    with pytest.raises(EVMRevertError) as e:
        client.transact(registry, rg.verify_calldata(keccak256(b"nothing"), b"", b"\x01"))
    assert rg.revert_reason(e.value.data, rg.shipped_errors()).startswith("UnknownCircuit(0x")
    circuit = encode_circuit(compact_mlp()[0].vk, 2)
    client.transact(registry, rg.register_calldata(circuit))
    with pytest.raises(EVMRevertError) as e:
        client.transact(registry, rg.register_calldata(circuit))
    assert rg.revert_reason(e.value.data, rg.shipped_errors()) == \
        f"AlreadyRegistered(0x{circuit_id(circuit).hex()})"
