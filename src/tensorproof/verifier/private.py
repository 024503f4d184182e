"""Private graph inputs and outputs: committed per proof instead of stated (ir/visibility.py).

A private tensor T has plan kind ``advice``: it is packed into the proof's advice commitment,
absorbed before any challenge, and every claim on it is opened there (context.py routes it).
What the verifier no longer checks itself, the proof must:
  * a private input's range [lo, hi] (a public input's is checked in the statement): its real
    entries are one LogUp use (lookups.py) of the interval table {lo, …, hi} (one affine
    segment: the verifier evaluates it in closed form, table_forms.py), and its padding is zero
    by the zero-check of layers/lookup.py (labels ``input <j>:pad point|pad sumcheck|pad
    final``, j = the input's position in the graph). Without it a prover could feed values
    outside the range the graph's bounds were derived from, and an accumulator could wrap
    around p; a nonzero padding would leak into sums over padded axes.
  * a private output computed by a claim-reducing step: at the output's random point z (label
    ``output <j>``, as for a public one) the prover sends v = T~(z) (``output <j> value``); the
    claim T~(z) = v is both opened against the commitment and reduced by the step, so the
    committed T is the computed one except with probability n/|K| (Schwartz–Zippel). A private
    output of a relation step (requant, lookup, …) is proven by that step's lookups and padding
    check, as any advice tensor.
Zero knowledge: none yet (see ir/visibility.py): v and the openings are linear functionals of T.
"""

from __future__ import annotations

import functools

import numpy as np

from .layers.lookup import has_padding, padding_mask_rounds, verify_padding
from .lookups import LookupUse, TableSpec


@functools.lru_cache(maxsize=64)
def interval_table(lo: int, hi: int) -> TableSpec:
    """{lo, …, hi} as a one-column table."""
    return TableSpec(f"interval[{lo},{hi}]", (np.arange(lo, hi + 1, dtype=np.int64),))


def private_inputs(plan) -> list[tuple[int, str]]:
    """(position in the graph's inputs, name) of every private input."""
    return [(j, n) for j, n in enumerate(plan.inputs) if plan.tensors[n].kind == "advice"]


def input_lookups(plan) -> list[LookupUse]:
    """The range lookups of the private inputs."""
    return [LookupUse(interval_table(plan.tensors[n].lo, plan.tensors[n].hi), (n,))
            for _, n in private_inputs(plan)]


def input_label(j: int) -> str:
    return f"input {j}:"


def verify_inputs(ctx) -> None:
    """The zero-padding check of every private input with padding (module docstring)."""
    for j, name in private_inputs(ctx.plan):
        if has_padding(ctx.plan.tensors[name].layout):
            verify_padding(ctx, input_label(j), name, f"private input {name!r}")


def mask_rounds(plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify_inputs`` runs (zk_capacity.py)."""
    return [r for _, n in private_inputs(plan) if has_padding(plan.tensors[n].layout)
            for r in padding_mask_rounds(plan, n)]
