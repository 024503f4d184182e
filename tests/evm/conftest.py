"""Fixtures of the EVM tests: the contracts compiled once per test worker (npm solc through
Node.js) and an in-process EVM (pyrevm).

Without Node.js, the npm packages (`npm ci`) or pyrevm these tests skip with the reason, unless
TENSORPROOF_REQUIRE_EVM=1 (set by .ci/run), where a missing tool is a failure: CI must run them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tensorproof.errors import SolidityError

PROBES = Path(__file__).resolve().parent / "probes"


def _unavailable() -> str | None:
    try:
        import pyrevm  # noqa: F401
    except ImportError:
        return "pyrevm is not installed (pip install 'tensorproof[evm]')"
    from tensorproof.solidity.compiler import _node, solc_package

    try:
        _node()
        solc_package()
    except SolidityError as e:
        return str(e)
    return None


@pytest.fixture(scope="session")
def contracts():
    """Every shipped contract and the test probes, compiled."""
    why = _unavailable()
    if why is not None:
        if os.environ.get("TENSORPROOF_REQUIRE_EVM") == "1":
            pytest.fail(f"EVM tests required but unavailable: {why}")
        pytest.skip(f"EVM tests skipped: {why}")
    from tensorproof.solidity.compiler import compile_sources, contract_sources

    sources = contract_sources()
    sources.update({p.name: p.read_text() for p in PROBES.glob("*.sol")})
    return compile_sources(sources)


@pytest.fixture(scope="session")
def evm():
    from tensorproof.solidity.evm import LocalEVM

    return LocalEVM()


@pytest.fixture(scope="session")
def deployed(contracts, evm):
    """name -> address, deployed on first use."""
    cache: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in cache:
            cache[name] = evm.deploy(contracts[name].bytecode)
        return cache[name]

    return get
