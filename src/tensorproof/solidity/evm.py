"""An in-process EVM (PyPI ``pyrevm``, revm under the Cancun rules) for tests and gas figures.

Every call is a real transaction: its gas includes the 21,000 base and the calldata (EIP-2028:
4 gas per zero byte, 16 per other byte), which ``calldata_gas`` recomputes so that execution and
calldata can be reported apart. A revert raises ``EVMRevertError`` with the revert data.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SolidityError

TX_BASE_GAS = 21_000
BLOCK_GAS_LIMIT = 30_000_000
"""Ethereum mainnet's block gas limit (2024-2025): a call above it could not land in a block."""

DEPLOYER = "0x" + "11" * 20
CALLER = "0x" + "22" * 20


class EVMRevertError(SolidityError):
    """An EVM call reverted or halted; ``data`` is the revert data (empty on a halt)."""

    def __init__(self, message: str, data: bytes = b"") -> None:
        super().__init__(message)
        self.data = data


def calldata_gas(data: bytes) -> int:
    """EIP-2028 calldata gas: 4 per zero byte, 16 per non-zero byte."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


def floor_gas(data: bytes) -> int:
    """EIP-7623 (Prague) floor of a transaction's gas: 21,000 + 10 per token, a token being a
    zero byte and four tokens a non-zero byte (40 gas per non-zero byte)."""
    zeros = data.count(0)
    return TX_BASE_GAS + 10 * (zeros + 4 * (len(data) - zeros))


@dataclass(frozen=True)
class CallResult:
    """What a transaction returned and cost (``gas`` includes base and calldata)."""

    output: bytes
    gas: int
    calldata_gas: int
    logs: tuple

    @property
    def execution_gas(self) -> int:
        """Gas beyond the base 21,000 and the calldata."""
        return self.gas - TX_BASE_GAS - self.calldata_gas


def _revert_data(message: str) -> bytes:
    """pyrevm reports a revert as a RuntimeError whose message holds the data as 0x-hex."""
    for word in message.replace("(", " ").replace(")", " ").replace(",", " ").split():
        w = word.strip("'\"")
        if w.startswith("0x"):
            try:
                return bytes.fromhex(w[2:])
            except ValueError:
                continue
    return b""


def _log(lg) -> tuple[bytes, tuple[bytes, ...]]:
    """(data, topics) of a pyrevm log, whose ``data`` is the pair (topics, data)."""
    data = lg.data[1] if isinstance(lg.data, tuple) else lg.data
    return (bytes(data) if data is not None else b"",
            tuple(bytes.fromhex(t[2:]) if isinstance(t, str) else bytes(t) for t in lg.topics))


class LocalEVM:
    """A fresh in-memory chain: deploy contracts and send transactions to them."""

    def __init__(self, gas_limit: int = BLOCK_GAS_LIMIT) -> None:
        try:
            import pyrevm
        except ImportError:
            raise SolidityError("the in-process EVM needs pyrevm: pip install "
                                "'tensorproof[evm]'") from None
        self._evm = pyrevm.EVM(spec_id="Cancun")
        self.gas_limit = gas_limit
        for who in (DEPLOYER, CALLER):
            self._evm.set_balance(who, 10**24)

    def deploy(self, bytecode: bytes, args: bytes = b"") -> str:
        """Deploy creation code (+ ABI-encoded constructor arguments) -> the address."""
        try:
            return self._evm.deploy(DEPLOYER, bytes(bytecode) + bytes(args),
                                    gas=self.gas_limit)
        except RuntimeError as e:
            raise EVMRevertError(f"deployment failed: {str(e)[:200]}",
                                 _revert_data(str(e))) from None

    @property
    def last_gas(self) -> int:
        """Gas used by the last transaction (a deployment included)."""
        return int(self._evm.result.gas_used)

    def call(self, to: str, calldata: bytes, *, static: bool = False) -> CallResult:
        """Send ``calldata`` to ``to`` as a transaction -> output and gas; EVMRevertError on a
        revert or halt (out of gas included)."""
        try:
            out = self._evm.message_call(CALLER, to, calldata=bytes(calldata),
                                         gas=self.gas_limit, is_static=static)
        except RuntimeError as e:
            raise EVMRevertError(f"call reverted: {str(e)[:200]}", _revert_data(str(e))) from None
        res = self._evm.result
        if res is not None and not res.is_success:
            raise EVMRevertError(f"call failed: {res.reason}")
        logs = tuple(_log(lg) for lg in (res.logs if res else []))
        return CallResult(output=bytes(out), gas=int(res.gas_used) if res else 0,
                          calldata_gas=calldata_gas(calldata), logs=logs)


__all__ = ["BLOCK_GAS_LIMIT", "TX_BASE_GAS", "CallResult", "EVMRevertError", "LocalEVM",
           "calldata_gas", "floor_gas"]
