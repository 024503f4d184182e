"""`tensorproof evm …`: the EVM verifier from the command line (solidity/).

- ``export MODEL.vk -o DIR``: the Solidity sources, ABIs and creation bytecode of the generic
  verifier and the registry, the model's circuit data and its registration calldata;
- ``calldata PROOF.tpp --vk MODEL.vk``: the calldata of ``TensorProofRegistry.verify``;
- ``node``: a local anvil node (the npm package ``package.json`` pins) in the foreground;
- ``deploy`` / ``register`` / ``verify --rpc URL``: transactions on a node (web3): deploy the
  core and a registry, register a model at a batch size, verify a proof and print the verified
  results root and the gas.

Calldata files are one line of ``0x``-prefixed hex (what ``cast send ADDR DATA`` and wallets
take). Transactions are sent from the node's first unlocked account (anvil's), or signed with
the key in ``TENSORPROOF_PRIVATE_KEY``. Every failure is one line: no Node.js or anvil, no
web3, a bad or unreachable RPC URL, no contract at an address, an unknown circuit, a proof the
contract rejects (exit 1).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import click

from ..errors import SolidityError, TensorProofError
from . import EXIT_REJECTED, app
from .outputs import print_json
from .verify_cmd import load_vk_file, parse_proof, read_file

KEY_ENV = "TENSORPROOF_PRIVATE_KEY"
EIP170 = 24_576
"""The largest contract code a chain accepts (bytes)."""
RPC_HELP = "JSON-RPC URL of the node, e.g. http://127.0.0.1:8545 (`tensorproof evm node`)."


@app.group("evm")
def evm_group() -> None:
    """Verify proofs with the EVM verifier: export contracts, deploy, register, verify.

    Needs Node.js and the repository's npm packages (`npm ci`: the Solidity compiler, anvil)
    to compile or run a node, and web3 (pip install 'tensorproof[evm]') to talk to one."""


def _load_proof(path: str, vk):
    proof = parse_proof(read_file(path, "proof file"), path)
    if proof.model_id != vk.model_id:
        raise TensorProofError(f"{path} is a proof for another model (model id "
                               f"{proof.model_id.hex()[:16]}…, the key's "
                               f"{vk.model_id.hex()[:16]}…)")
    return proof


def _hex_line(data: bytes) -> bytes:
    return b"0x" + data.hex().encode() + b"\n"


def _client(rpc: str):
    from ..solidity.node import NodeClient

    return NodeClient(rpc, private_key=os.environ.get(KEY_ENV) or None)


def _contract_at(client, address: str, what: str) -> str:
    if not client.code(address):
        raise SolidityError(f"no contract at {address} on {client.url}: give the {what} "
                            "address that `tensorproof evm deploy` printed")
    return address


def _is_registered(client, registry: str, cid: bytes) -> bool:
    from ..solidity.evm import EVMRevertError
    from ..solidity.registry import registered_calldata

    try:
        out = client.call(registry, registered_calldata(cid))
    except EVMRevertError:
        out = b""
    if len(out) != 32:
        raise SolidityError(f"the contract at {registry} is not a TensorProofRegistry")
    return out[-1] == 1


# --- offline ------------------------------------------------------------------------------------

@evm_group.command("export")
@click.argument("vk_path", metavar="MODEL.vk")
@click.option("--output", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write into (created if missing).")
@click.option("--batch", default=1, show_default=True, type=click.IntRange(1, 2**32 - 1),
              help="Batch size the circuit is for (one registration per batch size).")
def export_cmd(vk_path: str, out_dir: str, batch: int) -> None:
    """Write the contracts and the model's registration data into a folder.

    contracts/*.sol (the Solidity sources), <Contract>.abi.json and <Contract>.bin (creation
    code, hex) of the generic verifier, the contracts it is deployed with and
    TensorProofRegistry; circuit.bin (the model's circuit data at this batch size);
    register.calldata (TensorProofRegistry.register(circuit), hex); manifest.json (model id,
    circuit id, deployment order, compiler)."""
    from ..solidity import registry as rg
    from ..solidity.circuit import circuit_id, encode_circuit
    from ..solidity.compiler import EVM_VERSION, SOLC_VERSION, compile_contracts, contract_sources
    from .files import check_outputs, write_all

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise TensorProofError(f"{out_dir!r} is a file: give a folder")
    vk = load_vk_file(vk_path, use_cache=True)
    circuit = encode_circuit(vk, batch)
    contracts = compile_contracts()
    parts = rg.core_parts(contracts)
    files: dict[Path, bytes] = {}
    for name, text in contract_sources().items():
        files[out / "contracts" / name] = text.encode()
    for name in [n for n, _ in parts] + [rg.REGISTRY]:
        files[out / f"{name}.abi.json"] = json.dumps(contracts[name].abi, indent=1).encode()
        files[out / f"{name}.bin"] = _hex_line(contracts[name].bytecode)
    cid = circuit_id(circuit)
    files[out / "circuit.bin"] = circuit
    files[out / "register.calldata"] = _hex_line(rg.register_calldata(circuit))
    manifest = {
        "model_id": "0x" + vk.model_id.hex(), "batch": batch, "circuit_id": "0x" + cid.hex(),
        "circuit_bytes": len(circuit), "solc": SOLC_VERSION, "evm_version": EVM_VERSION,
        "deploy": [{"contract": n, "constructor": list(deps)} for n, deps in parts]
        + [{"contract": rg.REGISTRY, "constructor": [rg.CORE]}],
        "deployed_bytes": {n: len(contracts[n].deployed) for n, _ in [*parts, (rg.REGISTRY, ())]},
    }
    files[out / "manifest.json"] = json.dumps(manifest, indent=1).encode()
    try:
        (out / "contracts").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TensorProofError(f"cannot create folder {out_dir!r}: {e.strerror}") from e
    check_outputs({p.name: p for p in files}, {"verifying key": Path(vk_path)})
    write_all(files)
    click.echo(f"wrote {len(files)} files to {out_dir}: circuit id 0x{cid.hex()} "
               f"({len(circuit)} bytes, batch {batch})")


@evm_group.command("calldata")
@click.argument("proof_path", metavar="PROOF.tpp")
@click.option("--vk", "vk_path", required=True, metavar="MODEL.vk", help="The verifying key.")
@click.option("--output", "-o", "out", default="verify.calldata", show_default=True,
              help="Where to write the calldata (one line of hex).")
def calldata_cmd(proof_path: str, vk_path: str, out: str) -> None:
    """Write the calldata of TensorProofRegistry.verify for a proof."""
    from ..solidity.circuit import circuit_id, encode_circuit, statement_bytes
    from ..solidity.registry import verify_calldata
    from .files import check_outputs, write_all

    vk = load_vk_file(vk_path, use_cache=True)
    proof = _load_proof(proof_path, vk)
    cid = circuit_id(encode_circuit(vk, proof.batch))
    data = verify_calldata(cid, statement_bytes(vk, proof), proof.stream)
    path = Path(out)
    check_outputs({"calldata": path}, {"proof": Path(proof_path), "verifying key": Path(vk_path)})
    write_all({path: _hex_line(data)})
    click.echo(f"wrote {out}: verify(0x{cid.hex()}, …), {len(data)} bytes of calldata, "
               f"batch {proof.batch}")


# --- a node ------------------------------------------------------------------------------------

@evm_group.command("node")
@click.option("--port", default=8545, show_default=True, type=click.IntRange(1, 65535))
@click.option("--gas-limit", default=None, type=click.IntRange(1), help="Block gas limit "
              "(anvil's default: 30,000,000).")
def node_cmd(port: int, gas_limit: int | None) -> None:
    """Run a local anvil node on 127.0.0.1 until interrupted (Ctrl-C)."""
    from ..solidity.node import Anvil

    stopping = []

    def stop(signum, frame):  # once: a second signal must not interrupt anvil's shutdown
        if not stopping:
            stopping.append(signum)
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        with Anvil(port=port, gas_limit=gas_limit) as node:
            click.echo(f"anvil listening on {node.url} (chain id 31337); Ctrl-C stops it")
            sys.stdout.flush()
            code = node.process.wait() if node.process else 0
    except KeyboardInterrupt:
        return
    raise SolidityError(f"anvil exited with status {code}")


@evm_group.command("deploy")
@click.option("--rpc", required=True, help=RPC_HELP)
@click.option("--core", "core_address", default=None,
              help="Use the generic verifier already deployed at this address.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def deploy_cmd(rpc: str, core_address: str | None, as_json: bool) -> None:
    """Deploy the generic verifier (once for every model) and a registry; print the addresses."""
    from ..solidity import registry as rg
    from ..solidity.compiler import compile_contracts

    client = _client(rpc)
    contracts = compile_contracts()
    gas: dict[str, int] = {}

    def deploy(name: str):
        def run(code: bytes) -> str:
            r = client.deploy(code)
            gas[name] = r.gas_used
            return r.contract_address
        return run

    for name in [n for n, _ in rg.core_parts(contracts)] + [rg.REGISTRY]:
        if len(contracts[name].deployed) > EIP170:
            raise SolidityError(f"{name} has {len(contracts[name].deployed):,} bytes of code, "
                                f"over EIP-170's {EIP170:,}: no chain accepts it")
    if core_address is not None:
        addresses = {rg.CORE: _contract_at(client, core_address, "verifier core")}
    else:
        addresses = {}
        for name, deps in rg.core_parts(contracts):
            args = b"".join(rg.address_word(addresses[d]) for d in deps)
            addresses[name] = deploy(name)(contracts[name].bytecode + args)
    addresses[rg.REGISTRY] = rg.deploy_registry(deploy(rg.REGISTRY), contracts, addresses[rg.CORE])
    if as_json:
        print_json({"command": "evm deploy", "addresses": addresses, "gas": gas})
        return
    for name, address in addresses.items():
        extra = f" ({gas[name]:,} gas)" if name in gas else " (existing)"
        click.echo(f"{name}: {address}{extra}")
    click.echo(f"registry: {addresses[rg.REGISTRY]}")


@evm_group.command("register")
@click.argument("vk_path", metavar="MODEL.vk")
@click.option("--rpc", required=True, help=RPC_HELP)
@click.option("--registry", "registry", required=True, help="TensorProofRegistry address.")
@click.option("--batch", default=1, show_default=True, type=click.IntRange(1, 2**32 - 1),
              help="Batch size to register the model for.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def register_cmd(vk_path: str, rpc: str, registry: str, batch: int, as_json: bool) -> None:
    """Register a model at a batch size (once; a registered one is left as it is)."""
    from ..solidity import registry as rg
    from ..solidity.circuit import circuit_id, encode_circuit

    vk = load_vk_file(vk_path, use_cache=True)
    circuit = encode_circuit(vk, batch)
    cid = circuit_id(circuit)
    client = _client(rpc)
    _contract_at(client, registry, "registry")
    info: dict = {"command": "evm register", "circuit_id": "0x" + cid.hex(), "batch": batch,
                  "model_id": "0x" + vk.model_id.hex(), "circuit_bytes": len(circuit)}
    if _is_registered(client, registry, cid):
        info.update(already_registered=True, gas=0)
        msg = "already registered"
    else:
        r = client.transact(registry, rg.register_calldata(circuit))
        info.update(already_registered=False, gas=r.gas_used, tx="0x" + r.tx_hash.hex(),
                    block=r.block)
        msg = f"registered in block {r.block} ({r.gas_used:,} gas)"
    if as_json:
        print_json(info)
        return
    click.echo(f"circuit 0x{cid.hex()}: {msg}; model id {vk.model_id.hex()[:16]}…, batch "
               f"{batch}, {len(circuit)} bytes")


@evm_group.command("verify")
@click.argument("proof_path", metavar="PROOF.tpp")
@click.option("--vk", "vk_path", required=True, metavar="MODEL.vk", help="The verifying key.")
@click.option("--rpc", required=True, help=RPC_HELP)
@click.option("--registry", "registry", required=True, help="TensorProofRegistry address.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify_cmd(proof_path: str, vk_path: str, rpc: str, registry: str, as_json: bool) -> None:
    """Send a proof to the registry as a transaction; print the verified results root and the
    gas. Exit 1 if the contract rejects the proof (nothing is sent: the gas estimate fails)."""
    from ..solidity import registry as rg
    from ..solidity.circuit import circuit_id, encode_circuit, statement_bytes
    from ..solidity.evm import EVMRevertError

    vk = load_vk_file(vk_path, use_cache=True)
    proof = _load_proof(proof_path, vk)
    cid = circuit_id(encode_circuit(vk, proof.batch))
    client = _client(rpc)
    _contract_at(client, registry, "registry")
    if not _is_registered(client, registry, cid):
        raise SolidityError(f"circuit 0x{cid.hex()[:16]}… (this model at batch {proof.batch}) is "
                            f"not registered in {registry}: run `tensorproof evm register "
                            f"{vk_path} --batch {proof.batch} …` first")
    try:
        r = client.transact(registry, rg.verify_calldata(cid, statement_bytes(vk, proof),
                                                        proof.stream))
    except EVMRevertError as e:
        if as_json:
            print_json({"command": "evm verify", "verified": False, "reason": str(e)})
        click.echo(f"proof rejected by the contract: {e}", err=True)
        sys.exit(EXIT_REJECTED)
    events = rg.proof_verified_events(lg for lg in r.logs
                                     if lg.address.lower() == registry.lower())
    if len(events) != 1:
        raise SolidityError(f"transaction 0x{r.tx_hash.hex()} succeeded without one "
                            f"ProofVerified event: is {registry} a TensorProofRegistry?")
    root = events[0].results_root
    if as_json:
        print_json({"command": "evm verify", "verified": True, "circuit_id": "0x" + cid.hex(),
                    "results_root": "0x" + root.hex(), "gas": r.gas_used, "block": r.block,
                    "tx": "0x" + r.tx_hash.hex(), "batch": proof.batch})
        return
    click.echo(f"{click.style('verified', fg='green', bold=True)} by {registry} in block "
               f"{r.block}: {r.gas_used:,} gas, batch {proof.batch}")
    click.echo(f"results root: 0x{root.hex()}")
    click.echo(f"transaction: 0x{r.tx_hash.hex()}")
