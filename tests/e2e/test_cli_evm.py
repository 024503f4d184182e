"""`tensorproof evm …` as a user runs it, in child processes: export, calldata, node, deploy,
register and verify against a live anvil with the compact digits MLP, and one-line errors (no
Node.js, no anvil, no web3, bad or unreachable RPC URL, no contract, unknown circuit, a proof
for another model, a proof the contract rejects).

Skips with the reason without Node.js + npm solc, anvil or web3, unless
TENSORPROOF_REQUIRE_EVM=1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evm_chain import (
    compact_mlp,
    compact_proof,
    compiler_unavailable,
    node_unavailable,
    require_or_skip,
)
from tensorproof import api
from tensorproof.solidity import registry as rg
from tensorproof.solidity.circuit import circuit_id, encode_circuit, statement_bytes
from tensorproof.solidity.results import proof_results_root


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    why = compiler_unavailable() or node_unavailable()
    if why is not None:
        require_or_skip(why)
    d = tmp_path_factory.mktemp("evm-cli")
    pk, _ = compact_mlp()
    api.save_vk(pk.vk, d / "mlp.vk")
    for b in (1, 3):
        api.save_proof(compact_proof(b), d / f"p{b}.tpp")
    return d


@pytest.fixture(scope="module")
def node(work):
    from tensorproof.solidity.node import Anvil

    with Anvil() as a:
        yield a


def tp(*args, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tensorproof.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={**os.environ, **(env or {})})


def one_line_error(r: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr


def _hex_file(path: Path) -> bytes:
    text = path.read_text()
    assert text.startswith("0x") and text.endswith("\n")
    return bytes.fromhex(text[2:].strip())


@pytest.fixture(scope="module")
def registry(work, node):
    r = tp("evm", "deploy", "--rpc", node.url, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["addresses"]) >= {rg.CORE, rg.REGISTRY}
    return out["addresses"]


def test_export_writes_sources_abis_bytecode_circuit_and_calldata(work):
    out = work / "out"
    r = tp("evm", "export", work / "mlp.vk", "-o", out, "--batch", 3)
    assert r.returncode == 0, r.stderr
    vk = compact_mlp()[0].vk
    circuit = encode_circuit(vk, 3)
    assert (out / "circuit.bin").read_bytes() == circuit
    assert _hex_file(out / "register.calldata") == rg.register_calldata(circuit)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["circuit_id"] == "0x" + circuit_id(circuit).hex() and manifest["batch"] == 3
    assert [p["contract"] for p in manifest["deploy"]][-2:] == [rg.CORE, rg.REGISTRY]
    from tensorproof.solidity.compiler import compile_contracts

    contracts = compile_contracts()
    reg = rg.REGISTRY
    assert json.loads((out / f"{reg}.abi.json").read_text()) == contracts[reg].abi
    assert _hex_file(out / f"{reg}.bin") == contracts[reg].bytecode
    for part in manifest["deploy"]:
        assert len(_hex_file(out / f"{part['contract']}.bin")) > 0
        assert json.loads((out / f"{part['contract']}.abi.json").read_text())
    assert {"ModelVerifier.sol", "Registry.sol", "Results.sol"} <= {
        p.name for p in (out / "contracts").glob("*.sol")}
    assert "circuit id 0x" + circuit_id(circuit).hex() in r.stdout


def test_calldata_is_the_registry_verify_call(work):
    r = tp("evm", "calldata", work / "p3.tpp", "--vk", work / "mlp.vk", "-o",
           work / "v3.calldata")
    assert r.returncode == 0, r.stderr
    vk, proof = compact_mlp()[0].vk, compact_proof(3)
    assert _hex_file(work / "v3.calldata") == rg.verify_calldata(
        circuit_id(encode_circuit(vk, 3)), statement_bytes(vk, proof), proof.stream)


def test_deploy_register_verify_on_anvil(work, node, registry):
    reg = registry[rg.REGISTRY]
    args = ("--rpc", node.url, "--registry", reg)
    r = tp("evm", "verify", work / "p1.tpp", "--vk", work / "mlp.vk", *args)
    one_line_error(r, 2, "not registered", "tensorproof evm register")
    r = tp("evm", "register", work / "mlp.vk", *args, "--json")
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    assert not first["already_registered"] and first["gas"] > 0
    r = tp("evm", "register", work / "mlp.vk", *args)
    assert r.returncode == 0 and "already registered" in r.stdout
    r = tp("evm", "verify", work / "p1.tpp", "--vk", work / "mlp.vk", *args)
    assert r.returncode == 0, r.stderr
    root = "0x" + proof_results_root(compact_proof(1)).hex()
    assert f"results root: {root}" in r.stdout and "gas" in r.stdout
    r = tp("evm", "register", work / "mlp.vk", *args, "--batch", 3)
    assert r.returncode == 0, r.stderr
    r = tp("evm", "verify", work / "p3.tpp", "--vk", work / "mlp.vk", *args, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["verified"] and out["results_root"] == "0x" + proof_results_root(
        compact_proof(3)).hex() and out["gas"] > 21_000
    r = tp("evm", "deploy", "--rpc", node.url, "--core", registry[rg.CORE])  # a second registry
    assert r.returncode == 0 and "(existing)" in r.stdout, r.stderr


def test_a_rejected_proof_exits_1_in_one_line(work, node, registry):
    reg = registry[rg.REGISTRY]
    tp("evm", "register", work / "mlp.vk", "--rpc", node.url, "--registry", reg)
    blob = bytearray((work / "p1.tpp").read_bytes())
    blob[-64] ^= 1
    (work / "bad.tpp").write_bytes(bytes(blob))
    r = tp("evm", "verify", work / "bad.tpp", "--vk", work / "mlp.vk", "--rpc", node.url,
           "--registry", reg)
    one_line_error(r, 1, "proof rejected by the contract")


def test_a_proof_for_another_model_is_refused(work, node, registry):
    blob = bytearray((work / "p1.tpp").read_bytes())
    blob[11] ^= 1  # the model id (after magic, version, k, batch)
    (work / "other.tpp").write_bytes(bytes(blob))
    r = tp("evm", "verify", work / "other.tpp", "--vk", work / "mlp.vk", "--rpc", node.url,
           "--registry", registry[rg.REGISTRY])
    one_line_error(r, 2, "another model")


def test_node_and_address_errors_are_one_line(work, node, registry):
    vk, p1 = work / "mlp.vk", work / "p1.tpp"
    reg = registry[rg.REGISTRY]
    one_line_error(tp("evm", "verify", p1, "--vk", vk, "--rpc", "ftp://x", "--registry", reg),
                   2, "bad RPC URL")
    from tensorproof.solidity.node import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    one_line_error(tp("evm", "deploy", "--rpc", dead), 3, "cannot reach an Ethereum node")
    one_line_error(tp("evm", "register", vk, "--rpc", node.url, "--registry", "0x12"), 2,
                   "not an address")
    one_line_error(tp("evm", "register", vk, "--rpc", node.url, "--registry",
                      "0x" + "de" * 20), 2, "no contract at")
    one_line_error(tp("evm", "register", vk, "--rpc", node.url, "--registry",
                      registry[rg.CORE]), 2, "not a TensorProofRegistry")


def test_missing_tools_are_one_line_errors(work, tmp_path):
    empty_cache = tmp_path / "cache"
    r = tp("evm", "export", work / "mlp.vk", "-o", tmp_path / "x",
           env={"PATH": str(tmp_path), "TENSORPROOF_CACHE_DIR": str(empty_cache),
                "TENSORPROOF_SOLC_CACHE_DIR": str(empty_cache / "solc")})
    one_line_error(r, 2, "Node.js")
    r = tp("evm", "node", "--port", 1, env={"TENSORPROOF_ANVIL": str(tmp_path / "none")})
    one_line_error(r, 2, "TENSORPROOF_ANVIL")
    code = ("import sys; sys.modules['web3'] = None; from tensorproof.cli import main; "
            "main(['evm', 'deploy', '--rpc', 'http://127.0.0.1:9'])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    one_line_error(r, 2, "needs web3", "tensorproof[evm]")


def test_node_command_runs_anvil_until_stopped(work):
    from tensorproof.solidity.node import free_port, rpc

    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "tensorproof.cli", "evm", "node", "--port",
                          str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line, (line, p.stderr.read() if p.poll() else "")
        assert int(rpc(f"http://127.0.0.1:{port}", "eth_chainId"), 16) == 31337
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # anvil went with it
        try:
            rpc(f"http://127.0.0.1:{port}", "eth_chainId", timeout=0.5)
        except OSError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("anvil still answers after `tensorproof evm node` stopped")
