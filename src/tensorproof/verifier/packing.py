"""Many tensors in one committed vector ("selector bits").

Tensors of power-of-two padded sizes are placed largest first, so each offset is a multiple of
the tensor's size; the vector is padded to a power of two. Then, for a tensor T of n_T variables
at offset o, T~(z) = C~(z, bits(o / 2^n_T)): the offset's bits are the high coordinates of a point
on C. One opening of C serves every tensor in it (PROTOCOLS.md, "Many tensors, one commitment").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .layout import Layout
from .names import TensorName, sort_key


@dataclass(frozen=True)
class Slot:
    name: TensorName
    offset: int
    n_vars: int

    @property
    def size(self) -> int:
        return 1 << self.n_vars


@dataclass(frozen=True)
class Packing:
    """Placement of named tensors in one vector of 2^n_vars entries."""

    slots: tuple[Slot, ...]
    n_vars: int

    @staticmethod
    def of(layouts: dict[str, Layout]) -> Packing:
        order = sorted(layouts, key=lambda n: (-layouts[n].n_vars, sort_key(n)))
        slots, offset = [], 0
        for name in order:
            nv = layouts[name].n_vars
            slots.append(Slot(name, offset, nv))
            offset += 1 << nv
        total = max(offset, 1)
        return Packing(tuple(slots), (total - 1).bit_length())

    @property
    def used(self) -> int:
        """Entries the slots fill: a prefix (largest first, no gaps); the rest are zero."""
        return sum(s.size for s in self.slots)

    def slot(self, name: str) -> Slot:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(name) from None

    @cached_property
    def _index(self) -> dict:
        """name -> Slot (a packing of a large model has hundreds of members)."""
        return {s.name: s for s in self.slots}

    def embed(self, name: str, point: tuple, ext) -> tuple:
        """The point on the whole vector that names `point` on tensor `name`."""
        s = self.slot(name)
        if len(point) != s.n_vars:
            raise ValueError(f"{name}: point of {len(point)} coordinates, tensor has {s.n_vars}")
        block = s.offset >> s.n_vars
        selector = tuple(ext.one() if (block >> j) & 1 else ext.zero()
                         for j in range(self.n_vars - s.n_vars))
        return tuple(point) + selector

    def region(self, name: str) -> tuple[int, int]:
        s = self.slot(name)
        return s.offset, s.size
