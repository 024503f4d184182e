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

The plan declares its commitments (``Plan.commitments``, in transcript order): named groups of
tensors, each packed into one vector under one commitment and opened once, with a visibility
saying who commits and when. Every committed tensor is in exactly one group; ``visibility(name)``
is PUBLIC, PER_MODEL, PER_PROOF or VIRTUAL (verifier/commitments.py runs the groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import PlanError
from .layout import Layout
from .names import TensorName
from .packing import Packing

PUBLIC = "public"
"""In the statement (inputs, outputs): the verifier evaluates claims on it itself."""
PER_MODEL = "per-model"
"""Committed once at setup (the weights): the commitment is in the verifying key."""
PER_PROOF = "per-proof"
"""Committed by the prover in each proof (advice): the commitment is a proof message."""
VIRTUAL = "virtual"
"""Never committed: claims on it are reduced by the step that computes it."""
ADVICE, MODEL = "advice", "model"
"""The groups every plan declares: per-proof advice, then the per-model weights."""


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


@dataclass(frozen=True)
class CommitmentGroup:
    """Tensors committed together: one packed vector (``packing``), one commitment of the
    configured scheme, one merged opening. ``visibility`` is PER_MODEL or PER_PROOF; the name
    labels the group's messages ("<name> commitment", "open <name>")."""

    name: str
    visibility: str
    packing: Packing

    @property
    def members(self) -> tuple[TensorName, ...]:
        return tuple(s.name for s in self.packing.slots)


@dataclass
class Plan:
    """Steps in forward order, tensors, the model constants (their layouts) and the commitment
    groups (set by ``declare_commitments`` once every tensor is defined)."""

    batch: int
    tensors: dict[str, TensorPlan]
    steps: list[Step]
    consts: dict[str, Layout]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    const_sources: dict[str, tuple] = field(default_factory=dict)
    lookup_uses: list = field(default_factory=list)
    defined_consts: dict = field(default_factory=dict)
    """Model constants that the plan itself defines, name -> int64 values (public: the key's
    graph gives them): the combined lookup table's committed columns (lookups.committed_columns)
    and the large irregular wirings of gathers (wiring_commit.py)."""
    commitments: dict[str, CommitmentGroup] = field(default_factory=dict)
    zk: Any = None
    """A zero-knowledge plan's extras (verifier/zk_capacity.ZkPlan: M's capacity and region,
    the hiding opening's parameters), whose every sumcheck is masked; None: a plain plan."""
    model_hiding: Any = None
    """With private weights, the model group's hiding commitment (zk_weights.model_params: a
    LigeroZkParams); None when the weights are not hidden."""
    lookup_split: bool = False
    """Zero-knowledge lookups may run as two trees (zk_lookups.SPLIT_GAP): set under a
    ligero-zk hiding opening, where the prover's time is what two trees save; whir-zk proofs
    keep one tree (fewer masked rounds: smaller proofs, and whir-zk's commitment dominates
    their proving time). Derived from the configuration (zk_capacity.add_zero_knowledge)."""
    group_index: dict = field(default_factory=dict, repr=False)
    """Committed tensor or constant name -> the name of its group."""

    def advice_layouts(self) -> dict[str, Layout]:
        """Layouts of every committed (advice) tensor: the advice commitment's contents."""
        return {n: t.layout for n, t in self.tensors.items() if t.kind == "advice"}

    @property
    def public_inputs(self) -> tuple[str, ...]:
        """The graph inputs in the statement (the others are private: committed per proof)."""
        return tuple(n for n in self.inputs if self.tensors[n].kind in ("input", "output"))

    @property
    def public_outputs(self) -> tuple[str, ...]:
        """The graph outputs in the statement."""
        return tuple(n for n in self.outputs if self.tensors[n].kind in ("input", "output"))

    def tensor(self, name: str) -> TensorPlan:
        return self.tensors[name]

    def declare_commitments(self) -> None:
        """Declare the groups in transcript order: ``advice`` (PER_PROOF: every tensor of kind
        advice), then ``model`` (PER_MODEL: every constant). PlanError if a name is in two."""
        groups = (CommitmentGroup(ADVICE, PER_PROOF, Packing.of(self.advice_layouts())),
                  CommitmentGroup(MODEL, PER_MODEL, Packing.of(self.consts)))
        index: dict = {}
        for g in groups:
            for name in g.members:
                if name in index:
                    raise PlanError(f"tensor {name!r} is committed in two groups")
                index[name] = g.name
        self.commitments = {g.name: g for g in groups}
        self.group_index = index

    def group_of(self, name: TensorName) -> str | None:
        """The group committing ``name`` (None: public or virtual)."""
        return self.group_index.get(name)

    def visibility(self, name: TensorName) -> str:
        """PUBLIC, PER_MODEL, PER_PROOF or VIRTUAL."""
        group = self.group_of(name)
        if group is not None:
            return self.commitments[group].visibility
        return PUBLIC if self.tensors[name].kind in ("input", "output") else VIRTUAL
