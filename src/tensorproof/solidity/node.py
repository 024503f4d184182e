"""A real Ethereum node for tests and the CLI: the anvil binary of the npm package
``@foundry-rs/anvil`` that ``package.json`` pins, and a small JSON-RPC client on ``web3``.

- :class:`Anvil` starts ``anvil --host 127.0.0.1 --port <free port> --hardfork cancun`` (the
  binary itself, not ``npx``, so that the process stopped is the server), waits until it
  answers ``eth_chainId``, and always stops it when the ``with`` block ends.
- :class:`NodeClient` deploys contracts, sends transactions (gas estimated first: a call that
  would revert raises :class:`~tensorproof.solidity.evm.EVMRevertError` with the revert data,
  and nothing is sent), waits for receipts and returns their logs. It signs with a private key
  when given one (``TENSORPROOF_PRIVATE_KEY`` in the CLI), else sends from the node's first
  unlocked account (anvil's test accounts).

``web3`` is an optional dependency (``pip install 'tensorproof[evm]'``); without it the client
raises SolidityError saying so. Nothing here downloads anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ..errors import SolidityError
from .evm import EVMRevertError

ANVIL_VERSION = "1.7.1"
"""The npm ``@foundry-rs/anvil`` that ``package.json`` pins."""

_HERE = Path(__file__).resolve().parent
_INSTALL_HINT = ("install it with `npm ci` in the tensorproof repository, or set TENSORPROOF_ANVIL "
                 "to the path of an anvil " + ANVIL_VERSION + " binary")


def _platform_package() -> str:
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(),
                                                                           platform.system())
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine)
    return f"anvil-{system}-{arch}"


def anvil_binary() -> Path:
    """The anvil executable: ``$TENSORPROOF_ANVIL``, else the npm platform package in a
    ``node_modules`` beside the working directory or the package's source tree; SolidityError
    when absent or of another version than ``ANVIL_VERSION``."""
    env = os.environ.get("TENSORPROOF_ANVIL")
    if env:
        if not os.access(env, os.X_OK):
            raise SolidityError(f"TENSORPROOF_ANVIL={env!r} is not an executable file")
        return Path(env)
    pkg = _platform_package()
    starts = [Path.cwd(), *_HERE.parents]
    for d in dict.fromkeys(d for s in starts for d in (s, *s.parents)):
        root = d / "node_modules" / "@foundry-rs" / pkg
        exe = root / "bin" / ("anvil.exe" if pkg.startswith("anvil-win32") else "anvil")
        if not exe.is_file():
            continue
        try:
            version = json.loads((root / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            version = "?"
        if version != ANVIL_VERSION:
            raise SolidityError(f"anvil at {exe} is version {version}, tensorproof needs "
                                f"{ANVIL_VERSION}: {_INSTALL_HINT}")
        return exe
    raise SolidityError(f"anvil (npm @foundry-rs/anvil {ANVIL_VERSION}) is not installed: "
                        f"{_INSTALL_HINT}")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def rpc(url: str, method: str, params: list | None = None, timeout: float = 5.0):
    """One JSON-RPC request with the standard library (no web3) -> its ``result``; OSError
    (URLError) when nothing answers, SolidityError for an error response."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                       "params": params or []}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (http(s) checked)
        reply = json.loads(r.read())
    if "error" in reply:
        raise SolidityError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
    return reply.get("result")


class Anvil:
    """A local anvil node, as a context manager: ``with Anvil() as node: node.url``.

    ``port=None`` picks a free port (and another one if anvil loses a race for it);
    ``gas_limit`` sets the block gas limit (anvil's default: 30 M); ``args`` are passed on."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None,
                 hardfork: str = "cancun", gas_limit: int | None = None,
                 startup_timeout: float = 30.0, args: tuple[str, ...] = ()) -> None:
        self.host, self.port, self.hardfork = host, port, hardfork
        self.gas_limit, self.startup_timeout, self.args = gas_limit, startup_timeout, args
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Anvil:
        exe = anvil_binary()
        fixed = self.port is not None
        for _attempt in range(1 if fixed else 3):
            if not fixed:
                self.port = free_port(self.host)
            try:
                if self._launch(exe):
                    return self
            except BaseException:  # Ctrl-C while waiting included: never leave anvil behind
                self.stop()
                raise
        why = self._tail()
        self.stop()
        raise SolidityError(f"anvil did not start on {self.url}: {why}")

    def _launch(self, exe: Path) -> bool:
        """Start anvil and wait until it answers: True, or False if it exited first."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as anvil: TIME_WAIT is ok
            try:  # else the readiness check below would hear whoever listens there
                s.bind((self.host, int(self.port or 0)))
            except OSError as e:
                raise SolidityError(f"cannot listen on {self.url}: {e.strerror or e} (another "
                                    "node running there? choose another --port)") from None
        cmd = [str(exe), "--host", self.host, "--port", str(self.port),
               "--hardfork", self.hardfork, *self.args]
        if self.gas_limit is not None:
            cmd += ["--gas-limit", str(self.gas_limit)]
        self._close_log()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
        try:
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                            stderr=subprocess.STDOUT)
        except OSError as e:
            raise SolidityError(f"cannot run anvil ({exe}): {e.strerror or e}") from None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                rpc(self.url, "eth_chainId", timeout=1.0)
                return True
            except (OSError, ValueError, SolidityError):
                time.sleep(0.05)
        why = self._tail()
        self.stop()
        raise SolidityError(f"anvil did not answer on {self.url} within "
                            f"{self.startup_timeout:.0f} s: {why}")

    def _tail(self) -> str:
        if self._log is None:
            return "(no output)"
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "(no output)"

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """Stop anvil (SIGTERM, then SIGKILL after 5 s); idempotent."""
        p, self.process = self.process, None
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self._close_log()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def check_rpc_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host, else SolidityError."""
    u = urlparse(url)
    if u.scheme not in ("http", "https") or not u.hostname:
        raise SolidityError(f"bad RPC URL {url!r}: give http://HOST:PORT (anvil: "
                            "http://127.0.0.1:8545)")
    return url


def _web3():
    """The web3 module. Importing it raises Python's recursion limit to 100,000 (its
    dependency py_ecc does), which lets a deeply nested input overflow the C stack and kill
    the process instead of raising RecursionError in our parsers: the limit is put back."""
    limit = sys.getrecursionlimit()
    try:
        import web3
    except ImportError:
        raise SolidityError("talking to an Ethereum node needs web3: pip install "
                            "'tensorproof[evm]'") from None
    finally:
        sys.setrecursionlimit(limit)
    return web3


@dataclass(frozen=True)
class Log:
    """One event: the emitting contract, its topics and data."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class Receipt:
    """A mined transaction: success, gas, the deployed contract (if any), its events."""

    tx_hash: bytes
    status: bool
    gas_used: int
    block: int
    contract_address: str | None
    logs: tuple[Log, ...]


def _revert_data(err) -> bytes:
    data = getattr(err, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        with contextlib.suppress(ValueError):
            return bytes.fromhex(data[2:])
    return b""


class NodeClient:
    """Transactions on a node over JSON-RPC (module docstring); SolidityError when the node
    cannot be reached, EVMRevertError when a transaction would revert."""

    def __init__(self, url: str, *, private_key: str | None = None,
                 timeout: float = 120.0) -> None:
        web3 = _web3()
        self.url = check_rpc_url(url)
        self.timeout = timeout
        self.w3 = web3.Web3(web3.Web3.HTTPProvider(
            url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None))
        try:
            self.chain_id = int(self.w3.eth.chain_id)
        except Exception as e:  # noqa: BLE001 (any transport failure: one line)
            raise SolidityError(f"cannot reach an Ethereum node at {url}: "
                                f"{_first_line(e)}") from None
        if private_key:
            from web3.middleware import SignAndSendRawMiddlewareBuilder

            try:
                account = self.w3.eth.account.from_key(private_key)
            except Exception:  # noqa: BLE001 (never echo the key)
                raise SolidityError("the private key is not a valid secp256k1 key "
                                    "(64 hex digits)") from None
            self.w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(account),
                                            layer=0)
            self.sender = account.address
        else:
            accounts = self.w3.eth.accounts
            if not accounts:
                raise SolidityError(f"the node at {url} has no unlocked account: set "
                                    "TENSORPROOF_PRIVATE_KEY to the sender's private key")
            self.sender = accounts[0]

    def code(self, address: str) -> bytes:
        """The code at ``address`` (empty for none)."""
        return bytes(self.w3.eth.get_code(self._address(address)))

    def _address(self, address: str) -> str:
        if not self.w3.is_address(address):
            raise SolidityError(f"{address!r} is not an address (0x and 40 hex digits)")
        return self.w3.to_checksum_address(address)

    def call(self, to: str, data: bytes) -> bytes:
        """eth_call: the return data; EVMRevertError on a revert."""
        try:
            return bytes(self.w3.eth.call({"from": self.sender, "to": self._address(to),
                                           "data": bytes(data)}))
        except Exception as e:  # noqa: BLE001
            raise self._error("call", e) from None

    def estimate(self, tx: dict) -> int:
        """Gas for ``tx`` with a margin; EVMRevertError if it would revert."""
        try:
            gas = int(self.w3.eth.estimate_gas({"from": self.sender, **tx}))
        except Exception as e:  # noqa: BLE001
            raise self._error("transaction", e) from None
        return gas + gas // 10 + 10_000

    def transact(self, to: str | None, data: bytes, *, gas: int | None = None,
                 check: bool = True) -> Receipt:
        """Send a transaction (to None: a deployment) and wait for its receipt. With ``gas``
        None the gas is estimated first (a revert raises EVMRevertError, nothing is sent);
        with ``check``, a mined transaction that failed raises EVMRevertError too."""
        tx: dict = {"data": bytes(data)}
        if to is not None:
            tx["to"] = self._address(to)
        tx["gas"] = self.estimate(tx) if gas is None else int(gas)
        try:
            h = self.w3.eth.send_transaction({"from": self.sender, **tx})
            r = self.w3.eth.wait_for_transaction_receipt(h, timeout=self.timeout)
        except Exception as e:  # noqa: BLE001
            raise self._error("transaction", e) from None
        receipt = Receipt(
            tx_hash=bytes(h), status=bool(r["status"]), gas_used=int(r["gasUsed"]),
            block=int(r["blockNumber"]), contract_address=r.get("contractAddress"),
            logs=tuple(Log(address=lg["address"], topics=tuple(bytes(t) for t in lg["topics"]),
                           data=bytes(lg["data"])) for lg in r["logs"]))
        if check and not receipt.status:
            raise EVMRevertError(f"transaction 0x{receipt.tx_hash.hex()} reverted (block "
                                 f"{receipt.block}, {receipt.gas_used} gas)")
        return receipt

    def deploy(self, bytecode: bytes, args: bytes = b"") -> Receipt:
        """Deploy creation code (+ ABI-encoded constructor arguments); the receipt's
        ``contract_address`` is the new contract."""
        return self.transact(None, bytes(bytecode) + bytes(args))

    def _error(self, what: str, e: Exception) -> SolidityError:
        """A revert as EVMRevertError with its data, anything else as one line."""
        from web3 import exceptions as wx

        if isinstance(e, SolidityError):
            return e
        text = _first_line(e)
        resp = getattr(e, "rpc_response", None)  # a JSON-RPC error: its message alone
        if isinstance(resp, dict) and isinstance(resp.get("error"), dict) \
                and resp["error"].get("message"):
            text = str(resp["error"]["message"])[:300]
        if isinstance(e, wx.ContractLogicError) or "revert" in text.lower():
            from .registry import revert_reason, shipped_errors

            data = _revert_data(e)
            why = revert_reason(data, shipped_errors()) if data else text
            return EVMRevertError(f"{what} reverted: {why}", data)
        if isinstance(e, OSError | wx.ProviderConnectionError) or "connect" in text.lower():
            return SolidityError(f"lost the Ethereum node at {self.url}: {text}")
        return SolidityError(f"{what} failed on {self.url}: {text}")


def _first_line(e: BaseException) -> str:
    """The gist of an exception: an OS error's reason (``[Errno 111] Connection refused`` deep
    in a requests message), else its first line."""
    text = str(e).strip() or type(e).__name__
    errno = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if errno:
        return errno.group(1).strip()
    return text.splitlines()[0][:300]


__all__ = ["ANVIL_VERSION", "Anvil", "Log", "NodeClient", "Receipt", "anvil_binary",
           "check_rpc_url", "free_port", "rpc"]
