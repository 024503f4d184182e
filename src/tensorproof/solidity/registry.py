"""Calls to ``TensorProofRegistry`` (``contracts/Registry.sol``) and its events, as bytes: the
calldata of ``register`` / ``verify`` / the views, the topics of ``ModelRegistered`` and
``ProofVerified`` with their decoders, and revert data turned into a readable reason.

A model at one batch size is registered once by its circuit data (``circuit.encode_circuit``),
named by circuitId = keccak256(circuit); a proof is then verified by
``verify(circuitId, statement, proof.stream)`` in one transaction, which emits
ProofVerified(circuitId, modelId, resultsRoot) (``results.py``: the root over the batch's
samples). Nothing here needs a compiler or a node.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..errors import SolidityError
from ..transcript import keccak256
from .abi import WORD, encode_call, selector

CORE = "ModelVerifier"
REGISTRY = "TensorProofRegistry"
CHUNK = 24_575
"""Bytes of circuit data per data contract (EIP-170's 24,576 minus the leading STOP)."""

MODEL_REGISTERED = keccak256(b"ModelRegistered(bytes32,bytes32,uint32)")
PROOF_VERIFIED = keccak256(b"ProofVerified(bytes32,bytes32,bytes32)")


def constructor_args(core: str) -> bytes:
    """ABI-encoded ``constructor(address core)``."""
    return address_word(core)


def address_word(address: str) -> bytes:
    a = address.lower().removeprefix("0x")
    if len(a) != 40:
        raise ValueError(f"{address!r} is not an address")
    return bytes(12) + bytes.fromhex(a)


def core_parts(contracts: Mapping) -> list[tuple[str, tuple[str, ...]]]:
    """What deploying the generic verifier takes, in order: (contract, the contracts whose
    addresses its constructor takes): every part of ``circuit.VERIFIER_PARTS`` (no arguments),
    then ModelVerifier(parts…). SolidityError if the core's constructor takes something else."""
    from .circuit import VERIFIER_PARTS

    ctor = next((e for e in contracts[CORE].abi if e.get("type") == "constructor"), None)
    types = [i.get("type") for i in (ctor["inputs"] if ctor else [])]
    if types != ["address"] * len(VERIFIER_PARTS):
        raise SolidityError(f"cannot deploy {CORE}: its constructor takes ({', '.join(types)}), "
                            f"not the addresses of {', '.join(VERIFIER_PARTS)}")
    return [(p, ()) for p in VERIFIER_PARTS] + [(CORE, tuple(VERIFIER_PARTS))]


def deploy_core(deploy: Callable[[bytes], str], contracts: Mapping) -> dict[str, str]:
    """Deploy ``core_parts`` in order: ``deploy(creation code) -> address``; ``contracts``:
    compiler.Contract by name. Returns the addresses by contract name (the core's: ``CORE``)."""
    done: dict[str, str] = {}
    for name, deps in core_parts(contracts):
        args = b"".join(address_word(done[d]) for d in deps)
        done[name] = deploy(contracts[name].bytecode + args)
    return done


def deploy_registry(deploy: Callable[[bytes], str], contracts: Mapping, core: str) -> str:
    """Deploy TensorProofRegistry(core) -> its address."""
    return deploy(contracts[REGISTRY].bytecode + constructor_args(core))


def register_calldata(circuit: bytes) -> bytes:
    """``register(bytes circuit)``."""
    return encode_call("register", ["bytes"], [circuit])


def verify_calldata(circuit_id: bytes, statement: bytes, stream: bytes) -> bytes:
    """``verify(bytes32 circuitId, bytes statement, bytes proof)``; ``stream`` is the proof's
    transcript messages (``Proof.stream``)."""
    return encode_call("verify", ["bytes32", "bytes", "bytes"], [circuit_id, statement, stream])


def registered_calldata(circuit_id: bytes) -> bytes:
    """``registered(bytes32)`` (a view: bool)."""
    return encode_call("registered", ["bytes32"], [circuit_id])


def circuit_calldata(circuit_id: bytes) -> bytes:
    """``circuit(bytes32)`` (a view: the stored bytes)."""
    return encode_call("circuit", ["bytes32"], [circuit_id])


def decode_bytes(output: bytes) -> bytes:
    """A single ``bytes`` return value."""
    off = int.from_bytes(output[:WORD], "big")
    n = int.from_bytes(output[off:off + WORD], "big")
    data = output[off + WORD:off + WORD + n]
    if len(output) < 2 * WORD or len(data) != n:
        raise ValueError("not an ABI-encoded bytes value")
    return data


@dataclass(frozen=True)
class ModelRegistered:
    circuit_id: bytes
    model_id: bytes
    batch: int


@dataclass(frozen=True)
class ProofVerified:
    circuit_id: bytes
    model_id: bytes
    results_root: bytes


def _topics_and_data(log) -> tuple[tuple[bytes, ...], bytes]:
    """(topics, data) of a node.Log or of pyrevm's (data, topics) pair (evm.CallResult)."""
    if isinstance(log, tuple):
        data, topics = log
        return tuple(topics), bytes(data)
    return tuple(log.topics), bytes(log.data)


def model_registered_events(logs: Iterable) -> list[ModelRegistered]:
    """Every ModelRegistered among ``logs``."""
    out = []
    for lg in logs:
        topics, data = _topics_and_data(lg)
        if len(topics) == 3 and topics[0] == MODEL_REGISTERED and len(data) == WORD:
            out.append(ModelRegistered(topics[1], topics[2], int.from_bytes(data, "big")))
    return out


def proof_verified_events(logs: Iterable) -> list[ProofVerified]:
    """Every ProofVerified among ``logs``."""
    out = []
    for lg in logs:
        topics, data = _topics_and_data(lg)
        if len(topics) == 3 and topics[0] == PROOF_VERIFIED and len(data) == WORD:
            out.append(ProofVerified(topics[1], topics[2], data))
    return out


_ERROR = re.compile(r"\berror\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*;")


def _canonical(params: str) -> str:
    types = []
    for p in filter(None, (x.strip() for x in params.split(","))):
        t = p.split()[0]
        types.append({"uint": "uint256", "int": "int256"}.get(t, t))
    return ",".join(types)


def error_signatures(sources: Mapping[str, str]) -> dict[bytes, str]:
    """selector → ``Name(types)`` of every custom error declared in Solidity ``sources``
    (parsed from the text: no compiler needed)."""
    out = {}
    for text in sources.values():
        for name, params in _ERROR.findall(text):
            sig = f"{name}({_canonical(params)})"
            out[selector(sig)] = sig
    return out


_PANICS = {0x01: "assert failed", 0x11: "arithmetic overflow", 0x12: "division by zero",
           0x21: "bad enum value", 0x31: "pop of an empty array", 0x32: "index out of bounds",
           0x41: "out of memory", 0x51: "call of a zero function"}


def revert_reason(data: bytes, errors: Mapping[bytes, str] | None = None) -> str:
    """Revert data as words: Error(string)'s message, Panic's meaning, a known custom error's
    signature (with its bytes32/uint arguments in hex), else the raw hex."""
    if not data:
        return "no revert data (out of gas, or a bare revert)"
    head, body = data[:4], data[4:]
    if head == selector("Error(string)"):
        try:
            off = int.from_bytes(body[:WORD], "big")
            n = int.from_bytes(body[off:off + WORD], "big")
            return body[off + WORD:off + WORD + n].decode("utf-8", "replace")
        except (ValueError, IndexError):
            pass
    if head == selector("Panic(uint256)") and len(body) == WORD:
        code = int.from_bytes(body, "big")
        return f"panic 0x{code:02x} ({_PANICS.get(code, 'unknown')})"
    sig = (errors or {}).get(head)
    if sig is not None:
        name = sig.split("(")[0]
        args = [body[i:i + WORD].hex() for i in range(0, len(body), WORD)]
        return f"{name}({', '.join('0x' + a for a in args)})" if args else name
    return "0x" + data.hex()


@functools.cache
def shipped_errors() -> dict[bytes, str]:
    """``error_signatures`` of the shipped contracts (compiler.contract_sources)."""
    from .compiler import contract_sources

    return error_signatures(contract_sources())


__all__ = ["CHUNK", "CORE", "MODEL_REGISTERED", "PROOF_VERIFIED", "REGISTRY",
           "ModelRegistered", "ProofVerified", "address_word", "circuit_calldata",
           "constructor_args", "core_parts", "decode_bytes", "deploy_core", "deploy_registry",
           "error_signatures", "model_registered_events", "proof_verified_events",
           "register_calldata", "registered_calldata", "revert_reason", "shipped_errors",
           "verify_calldata"]
