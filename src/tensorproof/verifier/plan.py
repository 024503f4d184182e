"""The circuit plan: an integer graph lowered to the proof steps that prove it.

Both prover and verifier derive the same plan, deterministically, from the compiled graph and
the batch size. Lowering (see docs/internals.md for the integer ops):
  conv2d      → gather (im2col, per sample) → linear over (C, KH·KW) → transpose to (O, OH, OW)
  sum_pool2d  → gather (windows) → reduce_sum over the window axis
  max_pool2d  → gather (windows) → max_reduce over the window axis
  reshape     → alias (same padded layout) or gather
  concat      → gather from several sources
Every tensor gets a kind: ``input`` and ``output`` are public (in the statement), ``advice`` is
committed by the prover (outputs of lookups and requantization, plus what their steps add),
``virtual`` is neither and reaches the proof only through claims reduced backwards.
Activation tensors carry a leading batch axis of the padded batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .layout import Layout


@dataclass(frozen=True)
class TensorPlan:
    """A tensor of the plan: layout (batch axis first for activations), kind and proven range."""

    name: str
    layout: Layout
    kind: str
    lo: int
    hi: int


@dataclass(frozen=True)
class Step:
    """One proof step: `op` maps the claims on `output` to claims on `inputs` and consts."""

    op: str
    name: str
    inputs: tuple[str, ...]
    output: str
    attrs: dict = field(default_factory=dict, hash=False, compare=False)
    consts: tuple[str, ...] = ()


@dataclass
class Plan:
    """Steps in forward order, tensors, and the model constants (their layouts)."""

    batch: int
    tensors: dict[str, TensorPlan]
    steps: list[Step]
    consts: dict[str, Layout]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    const_sources: dict[str, tuple] = field(default_factory=dict)
    lookup_uses: list = field(default_factory=list)

    def advice_layouts(self) -> dict[str, Layout]:
        """Layouts of every committed (advice) tensor: the advice commitment's contents."""
        return {n: t.layout for n, t in self.tensors.items() if t.kind == "advice"}

    def tensor(self, name: str) -> TensorPlan:
        return self.tensors[name]
