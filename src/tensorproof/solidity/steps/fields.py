"""Shared encoders of step attributes: layouts, point maps and sumcheck terms."""

from __future__ import annotations

import struct

from ...field.params import P


def u8(x: int) -> bytes:
    return struct.pack(">B", x)


def u16(x: int) -> bytes:
    return struct.pack(">H", x)


def u32(x: int) -> bytes:
    return struct.pack(">I", x)


def f64(x: int) -> bytes:
    """A field element, reduced mod p."""
    return struct.pack(">Q", int(x) % P)


def shape(dims) -> bytes:
    """u8 rank | u32 dims (a layout: each axis padded to a power of two, last axis lowest)."""
    return u8(len(dims)) + b"".join(u32(d) for d in dims)


def monomials(terms) -> bytes:
    """u16 n | per term: u64 c | u8 e | u8 |S| | u8 S…: the sum of c·λ^e·Π values[S]."""
    out = [u16(len(terms))]
    for c, e, s in terms:
        out.append(f64(c) + u8(e) + u8(len(s)) + bytes(s))
    return b"".join(out)
