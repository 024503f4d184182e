"""Names of plan tensors: graph names (any ``str``) and internal names (``Internal``).

The integer graph names its tensors with arbitrary strings that a model author chooses. The
lowering adds tensors of its own (im2col columns, accumulators, requantization quotients and
remainder limbs, the lookup multiplicities, …). Those are ``Internal`` keys, a type that never
compares equal to a ``str``: no graph name, however crafted ("h#q", "mult:lookups", …), can name
or overwrite an internal tensor. ``sort_key`` orders both kinds totally (graph names first).

>>> Internal("h", "q") == "h#q"
False
>>> str(Internal("h", "r", 2))
'h#r2'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Internal:
    """A tensor the lowering adds: its role (``"q"``, ``"im2col"``, …), the tensor it belongs to
    (a graph name or another Internal) and an index (limbs; -1 when there is only one)."""

    owner: str | Internal
    role: str
    index: int = -1

    def __str__(self) -> str:
        return f"{self.owner}#{self.role}{'' if self.index < 0 else self.index}"

    def __repr__(self) -> str:
        return f"<internal {self}>"


TensorName = str | Internal


def sort_key(name: TensorName) -> tuple:
    """A total order on graph and internal names (graph names first, then internal ones)."""
    if isinstance(name, Internal):
        return (1, sort_key(name.owner), name.role, name.index)
    if isinstance(name, str):
        return (0, name)
    raise TypeError(f"not a tensor name: {name!r}")
