"""The Solidity ABI encoding of the calls tensorproof makes (uint256, bytes32, bytes, uint256[]),
and the packing of field elements into EVM words.

Only the types the verifier contracts take, written out here (the ABI specification's head/tail
layout) rather than pulling a web3 stack into the library: a call is the 4-byte selector
(keccak256 of the signature) and the arguments' 32-byte heads, a dynamic argument's head being
the offset of its tail (a length word, then the data padded to 32 bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..field.params import P
from ..transcript import keccak256

WORD = 32
_U256 = 1 << 256


def selector(signature: str) -> bytes:
    """The first 4 bytes of keccak256 of a canonical signature, e.g. ``f(bytes,uint256[])``."""
    return keccak256(signature.encode("ascii"))[:4]


def _word(x: int) -> bytes:
    if not 0 <= x < _U256:
        raise ValueError(f"{x} does not fit a uint256")
    return x.to_bytes(WORD, "big")


def _tail(kind: str, value) -> bytes:
    if kind == "bytes":
        data = bytes(value)
        return _word(len(data)) + data + bytes(-len(data) % WORD)
    if kind == "uint256[]":
        return _word(len(value)) + b"".join(_word(int(v)) for v in value)
    raise ValueError(f"unsupported ABI type {kind}")


def encode_args(types: Sequence[str], values: Sequence) -> bytes:
    """ABI-encode arguments of the types uint256, bytes32, bytes and uint256[]."""
    if len(types) != len(values):
        raise ValueError("one value per type")
    heads, tails = [], []
    offset = WORD * len(types)
    for kind, v in zip(types, values):
        if kind == "uint256":
            heads.append(_word(int(v)))
        elif kind == "bytes32":
            b = bytes(v)
            if len(b) != WORD:
                raise ValueError("a bytes32 value must be 32 bytes")
            heads.append(b)
        else:
            t = _tail(kind, v)
            heads.append(_word(offset))
            tails.append(t)
            offset += len(t)
    return b"".join(heads) + b"".join(tails)


def encode_call(name: str, types: Sequence[str], values: Sequence) -> bytes:
    """Selector of ``name(types)`` followed by the encoded arguments."""
    return selector(f"{name}({','.join(types)})") + encode_args(types, values)


def decode_uint(output: bytes) -> int:
    """A single uint256 (or bool) return value."""
    if len(output) != WORD:
        raise ValueError(f"expected one 32-byte word, got {len(output)} bytes")
    return int.from_bytes(output, "big")


def pack_k(x: Sequence[int] | int) -> int:
    """A K = F_p^3 element (or an F element, lifted) as the contracts' word
    c0 | c1 << 64 | c2 << 128."""
    coeffs = (int(x), 0, 0) if isinstance(x, int) else tuple(int(c) for c in x)
    if len(coeffs) != 3 or not all(0 <= c < P for c in coeffs):
        raise ValueError(f"not a canonical element of F_p^3: {x!r}")
    return coeffs[0] | coeffs[1] << 64 | coeffs[2] << 128


def unpack_k(w: int) -> tuple[int, int, int]:
    """The inverse of ``pack_k``."""
    m = (1 << 64) - 1
    return (w & m, (w >> 64) & m, w >> 128)


def decode_uint_array(output: bytes) -> list[int]:
    """A single uint256[] return value (offset word, length word, items)."""
    if len(output) < 2 * WORD or len(output) % WORD:
        raise ValueError("not an ABI-encoded uint256[]")
    off = int.from_bytes(output[:WORD], "big")
    n = int.from_bytes(output[off:off + WORD], "big")
    body = output[off + WORD: off + WORD + n * WORD]
    if len(body) != n * WORD:
        raise ValueError("truncated uint256[]")
    return [int.from_bytes(body[i:i + WORD], "big") for i in range(0, len(body), WORD)]


__all__ = ["decode_uint", "decode_uint_array", "encode_args", "encode_call", "pack_k", "selector",
           "unpack_k"]
