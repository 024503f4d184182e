"""Shared by the model-verifier tests: compact keys of small models, the contracts deployed
once, and the verdicts of the contract and of the Python verifier on the same bytes."""

from __future__ import annotations

import dataclasses
import os
from unittest import mock

from tensorproof import api
from tensorproof.errors import TensorProofError
from tensorproof.prover.model import ProvingKey, setup
from tensorproof.solidity.circuit import (
    encode_circuit,
    statement_bytes,
    verify_calldata,
)
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.solidity.registry import CORE, deploy_core
from tensorproof.transcript import VerifierTranscript
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.proof import Proof
from tensorproof.verifier.verify import verify as python_verify

RANDOM_MUTATIONS = int(os.environ.get("TENSORPROOF_EVM_MUTATIONS", "12"))
"""Random proof mutations per model and kind in the differential tests (each judged by the
contract and by the Python verifier): 12 in the default run, any number with
TENSORPROOF_EVM_MUTATIONS (e.g. 1000 for the issue's differential sweep)."""


NON_CANONICAL = 0xFFFFFFFF00000001
"""p: the smallest 8-byte word that is not a canonical field element."""


def flipped(stream: bytes, rng, positions=None, counts=(1, 1, 3)) -> bytes:
    """``stream`` with one bit flipped at each of k distinct byte positions (k drawn from
    ``counts``; positions from ``positions``, default anywhere): never ``stream`` itself (the
    same bit flipped twice would undo itself, and no verifier should be asked to reject
    that)."""
    s = bytearray(stream)
    pool = range(len(s)) if positions is None else positions
    for i in rng.sample(pool, rng.choice(counts)):
        s[i] ^= 1 << rng.randrange(8)
    return bytes(s)


def step_mutations(stream: bytes, spans, rng, n: int) -> list[bytes]:
    """Variants of a proof stream for the differential tests of one step kind, ``spans`` =
    (label, offset, length) of the step's messages: truncated and extended; a bit flipped in
    each message; cut inside the last one; ``n`` random flips inside the messages; four field
    elements of them made non-canonical; ``n`` random flips anywhere."""
    variants = [stream[:-1], stream + b"\x00"]
    variants += [flipped(stream, rng, range(at, at + k), (1,)) for _, at, k in spans]
    variants.append(stream[: spans[-1][1] + spans[-1][2] // 2])
    inside = [at + j for _, at, k in spans for j in range(k)]
    variants += [flipped(stream, rng, inside, (1, 1, 2)) for _ in range(n)]
    for j in range(4):
        _, at, k = rng.choice(spans)
        at += 8 * rng.randrange(k // 8)
        variants.append(stream[:at] + (NON_CANONICAL + j).to_bytes(8, "big") + stream[at + 8:])
    variants += [flipped(stream, rng) for _ in range(n)]
    return variants


def compact_key(onnx_bytes: bytes, calibration) -> ProvingKey:
    """A proving key of the compact profile (WHIR, K = F_p^3), the EVM verifier's."""
    return setup(api.compile(onnx_bytes, calibration), profile_config("compact"), certify=False)


def deploy_model_verifier(contracts, evm) -> str:
    """The opening verifier, the lookups' and the steps' executors, then ModelVerifier over
    them (solidity.registry.deploy_core) -> its address."""
    return deploy_core(evm.deploy, contracts)[CORE]


@dataclasses.dataclass
class Case:
    """One proof with its circuit and statement; verdicts on variants of their bytes."""

    pk: ProvingKey
    proof: Proof
    circuit: bytes
    statement: bytes

    @staticmethod
    def make(pk: ProvingKey, x) -> Case:
        proof = api.prove(pk, x)
        return Case(pk, proof, encode_circuit(pk.vk, proof.batch),
                    statement_bytes(pk.vk, proof))

    def evm_root(self, evm, address, circuit=None, statement=None, stream=None) -> bytes | None:
        """The results root the contract returns, or None when it reverts."""
        cd = verify_calldata(self.circuit if circuit is None else circuit,
                             self.statement if statement is None else statement,
                             self.proof.stream if stream is None else stream)
        try:
            return evm.call(address, cd).output[-32:]
        except EVMRevertError:
            return None

    def messages(self) -> list[tuple[str, int, int]]:
        """(label, offset, length) of every message of the proof, in the order the Python
        verifier reads them on the honest proof."""
        seen = []
        original = VerifierTranscript.recv_bytes

        def recording(transcript, label, n):
            seen.append((label, transcript._pos, n))
            return original(transcript, label, n)

        with mock.patch.object(VerifierTranscript, "recv_bytes", recording):
            assert self.python_ok()
        return seen

    def python_ok(self, stream=None, outputs=None) -> bool:
        proof = dataclasses.replace(self.proof, stream=self.proof.stream if stream is None
                                    else stream,
                                    outputs=self.proof.outputs if outputs is None else outputs)
        try:
            python_verify(self.pk.vk, proof)
        except TensorProofError:
            return False
        return True


class ChainJudge:
    """The EVM verifier's verdict on a (key, proof) pair, for replaying the Python tamper suites
    on chain (tests/soundness/conftest.py, TENSORPROOF_TAMPER_ON_CHAIN=1): the shipped contracts
    compiled and deployed once on an in-process EVM whose gas limit (GAS_LIMIT) is far above a
    block's, so that a proof too costly for a block is told apart from a rejected one."""

    GAS_LIMIT = 2_000_000_000

    def __init__(self):
        from tensorproof.solidity.compiler import compile_sources, contract_sources
        from tensorproof.solidity.evm import LocalEVM

        self.evm = LocalEVM(gas_limit=self.GAS_LIMIT)
        self.address = deploy_model_verifier(compile_sources(contract_sources()), self.evm)

    def verdict(self, vk, proof) -> tuple[bytes | None, int, str]:
        """(the results root the contract returns, or None when it reverts or the statement
        cannot be written: nothing to submit; the gas used; the revert reason). Raises
        UnsupportedOpError for a key the EVM verifier does not check (another profile, an op
        not ported)."""
        circuit = encode_circuit(vk, proof.batch)
        try:
            statement = statement_bytes(vk, proof)
        except (TensorProofError, ValueError, TypeError, OverflowError, KeyError) as e:
            return None, 0, f"no statement: {e}"
        try:
            res = self.evm.call(self.address, verify_calldata(circuit, statement, proof.stream))
        except EVMRevertError as e:
            return None, self.evm.last_gas, str(e)
        return res.output[-32:], res.gas, ""
