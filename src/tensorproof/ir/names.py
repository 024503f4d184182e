"""Rules for the names of graph tensors: any Unicode text, at most MAX_NAME_BYTES in UTF-8.

Names travel in proofs (u16 length prefix) and keys; the lowering never derives its own tensors'
names from them (verifier.names.Internal), so no character is reserved. The compiler shortens
longer ONNX names (the ONNX name itself is kept in the output quantization for reports).
"""

from __future__ import annotations

from ..errors import CompileError

MAX_NAME_BYTES = 1024
"""Longest tensor name, in UTF-8 bytes."""


def check_name(name: object, what: str = "tensor") -> str:
    """``name`` if it is a valid tensor name, else CompileError naming the fault."""
    if not isinstance(name, str):
        raise CompileError(f"{what} name {name!r} is not a string")
    try:
        n = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise CompileError(f"{what} name {name[:40]!r} is not valid Unicode text") from None
    if n > MAX_NAME_BYTES:
        raise CompileError(f"{what} name {name[:40]!r}… is {n} bytes long (at most "
                           f"{MAX_NAME_BYTES} in UTF-8)")
    return name


def shorten(name: str, room: int = 16) -> str:
    """``name`` cut (at a character boundary) so that it and a suffix of ``room`` bytes fit."""
    raw = name.encode("utf-8", errors="replace")
    if len(raw) <= MAX_NAME_BYTES - room:
        return name
    return raw[: MAX_NAME_BYTES - room].decode("utf-8", errors="ignore")
