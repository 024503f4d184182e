"""How a tensor becomes a multilinear table, and the MLEs the verifier evaluates in closed form.

A tensor of shape (d_0, ..., d_{r-1}) is padded, axis by axis, to powers of two (zeros in the
padding) and flattened row-major. With the project's variable order (variable 0 = least
significant index bit) the last axis owns the lowest variables: axis a owns the point coordinates
``[offset_a, offset_a + bits_a)`` with ``offset_a = sum(bits of the axes after a)``.
Because each axis is padded on its own, permuting axes permutes groups of variables, and summing
over an axis is an evaluation at 1/2 on its coordinates: no proof needed for either.

Example: shape (3, 2) pads to (4, 2); the point is (x_0 | y_0, y_1) where x_0 indexes the last
axis (2 entries) and (y_0, y_1) the first (3 of 4 entries real).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..field.scalar import ExtField
from ..field.vec import from_signed


def ceil_log2(n: int) -> int:
    """Number of variables of an axis of n entries (n >= 1)."""
    if n < 1:
        raise ValueError(f"axis size must be positive, got {n}")
    return (n - 1).bit_length()


@dataclass(frozen=True)
class Layout:
    """Shape of a tensor and its padded power-of-two layout."""

    shape: tuple[int, ...]

    # cached: a plan asks for them about a thousand times (fields stay the shape alone)
    @cached_property
    def bits(self) -> tuple[int, ...]:
        return tuple(ceil_log2(d) for d in self.shape)

    @cached_property
    def padded(self) -> tuple[int, ...]:
        return tuple(1 << b for b in self.bits)

    @cached_property
    def n_vars(self) -> int:
        return sum(self.bits)

    @cached_property
    def size(self) -> int:
        return 1 << self.n_vars

    def axis_slice(self, axis: int) -> slice:
        """Coordinates of `axis` inside a point of this layout."""
        axis %= len(self.shape)
        offset = sum(self.bits[axis + 1 :])
        return slice(offset, offset + self.bits[axis])

    def split(self, point: tuple) -> list[tuple]:
        """Per-axis sub-points of a point, axis 0 first."""
        if len(point) != self.n_vars:
            raise ValueError(f"point has {len(point)} coordinates, layout needs {self.n_vars}")
        return [tuple(point[self.axis_slice(a)]) for a in range(len(self.shape))]

    def join(self, parts: list[tuple]) -> tuple:
        """Inverse of split: per-axis sub-points (axis 0 first) to one point."""
        out: list = []
        for part in reversed(parts):
            out.extend(part)
        return tuple(out)


def prefix_indicator(ext: ExtField, z: tuple, n: int):
    """MLE at z (len m) of the table [i < n] for i in [0, 2^m): O(m) field operations.

    Recursion on the top variable: if n <= 2^(m-1) only the lower half can be real,
    otherwise the lower half is all ones and the upper half is the prefix n - 2^(m-1).
    """
    m = len(z)
    if n <= 0:
        return ext.zero
    if n >= 1 << m:
        return ext.one
    top = z[m - 1]
    half = 1 << (m - 1)
    one_minus_top = ext.sub(ext.one, top)
    if n <= half:
        return ext.mul(one_minus_top, prefix_indicator(ext, z[: m - 1], n))
    return ext.add(one_minus_top, ext.mul(top, prefix_indicator(ext, z[: m - 1], n - half)))


def real_indicator(ext: ExtField, layout: Layout, point: tuple):
    """MLE at `point` of the indicator of the real (unpadded) entries of `layout`."""
    acc = ext.one
    for size, sub in zip(layout.shape, layout.split(point)):
        acc = ext.mul(acc, prefix_indicator(ext, sub, size))
    return acc


def padded_vector(layout: Layout, values) -> np.ndarray:
    """`values` (of layout.shape, integers) zero-padded per axis and flattened, as an F vector."""
    out = np.zeros(layout.padded, dtype=np.int64)
    out[tuple(slice(0, d) for d in layout.shape)] = values
    return from_signed(out.reshape(-1))
