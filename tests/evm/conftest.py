"""Fixtures of the EVM tests: the contracts compiled (npm solc through Node.js; once per
checkout, in the tests' shared solc cache: tests/conftest.py) and an in-process EVM (pyrevm).

Without Node.js, the npm packages (`npm ci`) or pyrevm these tests skip with the reason, unless
TENSORPROOF_REQUIRE_EVM=1 (set by .ci/run), where a missing tool is a failure: CI must run them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from evm_chain import evm_unavailable

PROBES = Path(__file__).resolve().parent / "probes"
IMPORT = re.compile(r'import\s*\{[^}]*\}\s*from\s*"\./([^"]+)"')


def import_closure(names, pool: dict[str, str]) -> dict[str, str]:
    """The sources ``names`` and every file they import (``import {..} from "./F.sol"``),
    transitively, from ``pool``."""
    out: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out[name] = pool[name]
            todo += IMPORT.findall(pool[name])
    return out


@pytest.fixture(scope="session")
def contracts():
    """Every shipped contract and the test probes, compiled: the shipped set as one unit (the
    compile that `tensorproof evm export` and the on-chain judge of the tamper suites make, so
    that solc's on-disk cache serves them all), then the probes with only what they import."""
    why = evm_unavailable()
    if why is not None:
        if os.environ.get("TENSORPROOF_REQUIRE_EVM") == "1":
            pytest.fail(f"EVM tests required but unavailable: {why}")
        pytest.skip(f"EVM tests skipped: {why}")
    from tensorproof.solidity.compiler import compile_contracts, compile_sources, contract_sources

    out = compile_contracts()
    probes = {p.name: p.read_text() for p in PROBES.glob("*.sol")}
    compiled = compile_sources(import_closure(probes, {**contract_sources(), **probes}))
    out.update({name: c for name, c in compiled.items() if name not in out})
    return out


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
