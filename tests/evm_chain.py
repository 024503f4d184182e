"""Shared by the EVM tests of the registry, the anvil node and the `tensorproof evm` CLI: a compact
profile model with proofs, synthetic circuits, and the mock core's statement
(tests/evm/probes/MockCore.sol)."""

from __future__ import annotations

import functools
import os
import struct

import numpy as np
import pytest

from tensorproof.errors import SolidityError


def require_or_skip(why: str) -> None:
    """Skip with ``why``, or fail under TENSORPROOF_REQUIRE_EVM=1 (CI)."""
    if os.environ.get("TENSORPROOF_REQUIRE_EVM") == "1":
        pytest.fail(f"EVM tests required but unavailable: {why}")
    pytest.skip(f"EVM tests skipped: {why}")


def node_unavailable() -> str | None:
    """Why anvil or web3 cannot be used here, or None."""
    from tensorproof.errors import SolidityError
    from tensorproof.solidity.node import _web3

    try:
        _web3()  # puts back the recursion limit that importing web3 raises
    except SolidityError:
        return "web3 is not installed (pip install 'tensorproof[evm]')"
    from tensorproof.solidity.node import anvil_binary

    try:
        anvil_binary()
    except SolidityError as e:
        return str(e)
    return None


def evm_unavailable() -> str | None:
    """Why the in-process EVM tests (pyrevm, and the compiler) cannot run here, or None."""
    try:
        import pyrevm  # noqa: F401
    except ImportError:
        return "pyrevm is not installed (pip install 'tensorproof[evm]')"
    return compiler_unavailable()


@functools.cache
def compact_mlp():
    """(proving key, test inputs) of the digits MLP under the compact profile (WHIR, K = F_p^3:
    what the EVM verifier checks)."""
    from tensorproof import api
    from tensorproof.frontend.examples import train_digits_mlp

    m = train_digits_mlp()
    return api.setup(api.compile(m.onnx_bytes, m.x_calib), "compact"), m.x_test


@functools.cache
def compact_proof(batch: int):
    pk, x = compact_mlp()
    from tensorproof import api

    return api.prove(pk, x[:batch])


def fake_circuit(size: int, *, batch: int = 1, model_id: bytes = bytes(range(32)),
                 seed: int = 0) -> bytes:
    """Circuit-shaped bytes of ``size`` (≥ 44): the magic, a model id, a batch, random rest."""
    head = b"TPCIRC01" + model_id + struct.pack(">I", batch)
    rest = np.random.default_rng(seed).integers(0, 256, size - len(head), dtype=np.uint8)
    return head + rest.tobytes()


def mock_statement(inputs: dict, outputs: dict) -> bytes:
    """The mock core's statement: u32 batch ‖ u32 n_inputs ‖ u32 n_tensors ‖ u32 slice bytes…
    ‖ the tensors' values (results.tensor_values)."""
    from tensorproof.solidity.results import tensor_values

    values, batch, slices, n_in = tensor_values(inputs, outputs)
    return struct.pack(f">III{len(slices)}I", batch, n_in, len(slices), *slices) + values


def deploy_core(deploy, contracts, *, mock: bool = False) -> str:
    """The verifier core's address: ``deploy(creation code) -> address``."""
    if mock:
        return deploy(contracts["MockModelVerifier"].bytecode)
    from tensorproof.solidity.registry import deploy_core as deploy_real

    return deploy_real(deploy, contracts)["ModelVerifier"]


def compiler_unavailable() -> str | None:
    """Why the Solidity compiler (Node.js + npm solc) cannot run here, or None."""
    from tensorproof.solidity.compiler import _node, solc_package

    try:
        _node()
        solc_package()
    except SolidityError as e:
        return str(e)
    return None
