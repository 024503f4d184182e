"""The Solidity compiler's output cache (solidity/compiler.py), without the compiler: the
cache folder's choice, one compile for processes that ask for the same input at once (the
compile lock), a broken cache entry compiled again, and a compile error cached nowhere."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tensorproof.errors import SolidityError
from tensorproof.solidity import compiler

SOURCES = {"A.sol": "contract A {}"}
OUTPUT = {"contracts": {"A.sol": {"A": {"abi": [], "evm": {"bytecode": {"object": "00"},
                                                           "deployedBytecode": {"object": "01"}}}}}}


@pytest.fixture
def solc(monkeypatch, tmp_path):
    """compiler._run_solc replaced by a slow stand-in that counts its runs; the cache in
    tmp_path/solc (TENSORPROOF_SOLC_CACHE_DIR)."""
    runs: list[str] = []

    def run(payload: str) -> dict:
        runs.append(payload)
        time.sleep(0.3)  # long enough for a second caller to arrive while it runs
        return json.loads(json.dumps(OUTPUT))

    monkeypatch.setattr(compiler, "_run_solc", run)
    monkeypatch.setenv("TENSORPROOF_SOLC_CACHE_DIR", str(tmp_path / "solc"))
    return runs


def test_the_solc_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("TENSORPROOF_SOLC_CACHE_DIR", raising=False)
    monkeypatch.setenv("TENSORPROOF_CACHE_DIR", str(tmp_path / "tp"))
    assert compiler._cache_dir() == tmp_path / "tp" / "solc"
    monkeypatch.setenv("TENSORPROOF_SOLC_CACHE_DIR", str(tmp_path / "shared"))
    assert compiler._cache_dir() == tmp_path / "shared"


def test_concurrent_compiles_of_one_input_run_the_compiler_once(solc, tmp_path):
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(compiler.compile_sources(SOURCES)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(solc) == 1 and len(results) == 3
    assert all(r["A"].bytecode == b"\x00" and r["A"].deployed == b"\x01" for r in results)
    compiler.compile_sources(SOURCES)  # from the cache
    compiler.compile_sources({"B.sol": "contract B {}"})  # another input: compiled
    assert len(solc) == 2


def test_a_broken_cache_entry_is_compiled_again(solc, tmp_path):
    compiler.compile_sources(SOURCES)
    (entry,) = (tmp_path / "solc").glob("*.json")
    entry.write_text("{not json")
    assert compiler.compile_sources(SOURCES)["A"].deployed == b"\x01"
    assert len(solc) == 2 and json.loads(entry.read_text()) == OUTPUT


def test_a_compile_error_is_raised_and_not_cached(monkeypatch, tmp_path):
    error = {"errors": [{"severity": "error", "type": "ParserError", "message": "expected ;",
                         "sourceLocation": {"file": "A.sol", "start": 7}}]}
    monkeypatch.setattr(compiler, "_run_solc", lambda payload: error)
    monkeypatch.setenv("TENSORPROOF_SOLC_CACHE_DIR", str(tmp_path / "solc"))
    with pytest.raises(SolidityError, match=r"A.sol \(byte 7\): ParserError: expected ;"):
        compiler.compile_sources(SOURCES)
    assert not list((tmp_path / "solc").glob("*.json"))
