"""Compiling the Solidity sources with npm ``solc`` (the real compiler, built for JavaScript).

Node.js runs ``solc_compile.js`` on a standard-JSON input (one process compiles every source:
Node starts in ~0.7 s); the output is cached on disk by the SHA-256 of the compiler version and
the input, so tests and the CLI compile each version of the contracts once (a process that
finds another compiling the same input waits for its output: ``_compile_lock``). The cache is
``$TENSORPROOF_SOLC_CACHE_DIR``, else ``solc`` under ``$TENSORPROOF_CACHE_DIR`` or
``~/.cache/tensorproof``: content-addressed, so processes may share it. The compiler is the
repository's pinned npm package (``package.json``, installed by ``npm ci``), found in a
``node_modules`` beside the working directory or the package's source tree, or at
``$TENSORPROOF_SOLC`` (the path of a ``solc`` npm package).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import SolidityError

SOLC_VERSION = "0.8.37"
"""The npm ``solc`` that ``package.json`` pins (its output is what the tests and gas figures
are measured on)."""

EVM_VERSION = "cancun"
"""Target fork: revm 8 (pyrevm) lacks the opcodes of solc's default (osaka)."""

_HERE = Path(__file__).resolve().parent
_INSTALL_HINT = ("install it with `npm ci` in the tensorproof repository (needs Node.js), or set "
                 "TENSORPROOF_SOLC to the path of an npm solc " + SOLC_VERSION + " package")


@dataclass(frozen=True)
class Contract:
    """One compiled contract: its ABI (decoded JSON), creation and runtime bytecode."""

    name: str
    abi: list
    bytecode: bytes
    deployed: bytes


def contract_sources() -> dict[str, str]:
    """The shipped Solidity sources, by file name (``contracts/*.sol``)."""
    root = resources.files(__package__).joinpath("contracts")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(root.iterdir(),
                                                                  key=lambda p: p.name)
            if p.name.endswith(".sol")}


def solc_package() -> Path:
    """The directory of the npm ``solc`` package; SolidityError when absent or of another
    version than ``SOLC_VERSION``."""
    env = os.environ.get("TENSORPROOF_SOLC")
    if env:
        candidates = [Path(env)]
    else:
        starts = [Path.cwd(), *_HERE.parents]
        candidates = [d / "node_modules" / "solc" for s in starts for d in (s, *s.parents)]
    for c in candidates:
        meta = c / "package.json"
        if meta.is_file():
            try:
                version = json.loads(meta.read_text())["version"]
            except (OSError, ValueError, KeyError):
                continue
            if version != SOLC_VERSION:
                raise SolidityError(f"npm solc at {c} is version {version}, tensorproof needs "
                                    f"{SOLC_VERSION}: {_INSTALL_HINT}")
            return c
    raise SolidityError(f"the Solidity compiler (npm solc {SOLC_VERSION}) is not installed: "
                        f"{_INSTALL_HINT}")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise SolidityError("Node.js (`node`) is not on PATH: the Solidity compiler runs on it")
    return node


def _cache_dir() -> Path:
    shared = os.environ.get("TENSORPROOF_SOLC_CACHE_DIR")
    if shared:
        return Path(shared)
    base = os.environ.get("TENSORPROOF_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tensorproof")
    return Path(base) / "solc"


@contextmanager
def _compile_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX flock) while one process compiles an input, so that
    a second process with the same input waits and then reads the first one's output instead
    of compiling it again (a compile of the shipped set takes a minute). Best effort: where
    the lock cannot be taken (no fcntl, a read-only cache) each process compiles."""
    try:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def standard_input(sources: Mapping[str, str], *, runs: int = 200, via_ir: bool = True) -> dict:
    """The solc standard-JSON input: every source, optimizer on, Cancun, ABI and bytecode out."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": {
            "optimizer": {"enabled": True, "runs": runs},
            "viaIR": via_ir,
            "evmVersion": EVM_VERSION,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object",
                                            "evm.deployedBytecode.object"]}},
        },
    }


def _run_solc(payload: str) -> dict:
    try:
        out = subprocess.run([_node(), str(_HERE / "solc_compile.js"), str(solc_package())],
                             input=payload, capture_output=True, text=True, check=False,
                             timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SolidityError(f"running the Solidity compiler failed: {e}") from None
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SolidityError(f"the Solidity compiler exited with {out.returncode}: {tail}")
    try:
        return json.loads(out.stdout)
    except ValueError:
        raise SolidityError("the Solidity compiler printed something that is not JSON") from None


def _store(path: Path, text: str) -> None:
    """Best effort, atomic: a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def _load(path: Path) -> dict | None:
    """A cached compiler output, or None (absent or unreadable: compile again)."""
    if not path.is_file():
        return None
    try:
        out = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return out if isinstance(out, dict) else None


def _raise_errors(result: dict) -> None:
    """SolidityError with the compiler's first error, if it reported any."""
    errors = [e for e in result.get("errors", []) if e.get("severity") == "error"]
    if errors:
        e0 = errors[0]
        loc = e0.get("sourceLocation") or {}
        where = f"{loc['file']} (byte {loc.get('start', '?')}): " if "file" in loc else ""
        msg = " ".join(e0.get("message", "?").split())[:300]
        raise SolidityError(f"Solidity compile error: {where}{e0.get('type', 'Error')}: {msg}"
                            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))


def compile_sources(sources: Mapping[str, str], *, runs: int = 200,
                    via_ir: bool = True) -> dict[str, Contract]:
    """Compile ``sources`` (file name -> text) -> every contract and library, by name.

    SolidityError carries the compiler's first error (file, line and message)."""
    payload = json.dumps(standard_input(sources, runs=runs, via_ir=via_ir), sort_keys=True)
    key = hashlib.sha256(f"solc {SOLC_VERSION}\n{payload}".encode()).hexdigest()
    cached = _cache_dir() / f"{key}.json"
    result = _load(cached)
    if result is None:
        with _compile_lock(cached.with_suffix(".lock")):
            result = _load(cached)  # another process may have compiled it meanwhile
            if result is None:
                result = _run_solc(payload)
                _raise_errors(result)
                _store(cached, json.dumps(result))
    out: dict[str, Contract] = {}
    for unit in result.get("contracts", {}).values():
        for name, c in unit.items():
            evm = c.get("evm", {})
            out[name] = Contract(name=name, abi=c.get("abi", []),
                                 bytecode=bytes.fromhex(evm.get("bytecode", {}).get("object", "")),
                                 deployed=bytes.fromhex(
                                     evm.get("deployedBytecode", {}).get("object", "")))
    return out


def compile_contracts(*, runs: int = 200, via_ir: bool = True) -> dict[str, Contract]:
    """The shipped contracts (``contract_sources``), compiled."""
    return compile_sources(contract_sources(), runs=runs, via_ir=via_ir)


__all__ = ["EVM_VERSION", "SOLC_VERSION", "Contract", "compile_contracts", "compile_sources",
           "contract_sources", "solc_package", "standard_input"]
