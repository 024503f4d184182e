"""The prover's twin of verifier/commitments.py: commit to every group of the plan, send the
per-proof commitments, open every group once at the end (same order, same labels; batched
together when the scheme offers ``open_batch`` and two or more groups have claims)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..verifier.claims import EvalClaim
from ..verifier.commitments import commitment_label, embedded_claims, opening_label
from ..verifier.plan import PER_MODEL, PER_PROOF, CommitmentGroup, Plan
from .merge import prove_merge
from .vectors import pack


@dataclass(frozen=True, eq=False)
class Committed:
    """A group's packed vector, commitment bytes and the scheme's prover data (None, None for
    an empty per-proof group: no commitment, no message)."""

    group: CommitmentGroup
    vector: np.ndarray
    commitment: bytes | None
    data: object


PerModel = Callable[[str], tuple[np.ndarray, bytes, object]]
"""Group name -> (vector, commitment, prover data) of a per-model group (the proving key's)."""


def commit_groups(plan: Plan, pcs, tables: Mapping[str, np.ndarray],
                  per_model: PerModel, schemes: Mapping[str, object] | None = None
                  ) -> dict[str, Committed]:
    """Every group of ``plan`` in order: per-proof groups packed from ``tables`` and committed
    now (by ``schemes[group]`` where given: a zero-knowledge proof's hiding advice, else
    ``pcs``), per-model ones from ``per_model`` (committed at setup)."""
    out = {}
    for g in plan.commitments.values():
        if g.visibility == PER_MODEL:
            out[g.name] = Committed(g, *per_model(g.name))
            continue
        vector = pack(g.packing, tables)
        scheme = (schemes or {}).get(g.name, pcs)
        commitment, data = scheme.commit(vector) if g.packing.slots else (None, None)
        out[g.name] = Committed(g, vector, commitment, data)
    return out


def send_commitments(t, committed: Mapping[str, Committed]) -> None:
    """The commitment of every non-empty per-proof group, in order (verifier: read_commitments)."""
    for c in committed.values():
        if c.group.visibility == PER_PROOF and c.commitment is not None:
            t.send_bytes(commitment_label(c.group), c.commitment)


def open_groups(ctx, pcs, committed: Mapping[str, Committed],
                whole: Mapping[str, Sequence[EvalClaim]] | None = None) -> None:
    """Mirror of verifier.commitments.open_groups."""
    whole = whole or {}
    batch = pcs.batched
    pending = []
    for name, c in committed.items():
        point = merged_point(ctx, c, ctx.group_claims[name], whole.get(name, ()))
        if point is None:
            continue
        if not batch:
            pcs.open(c.data, [point], ctx.t)
        else:
            pending.append((c, point))
    if len(pending) == 1:
        pcs.open(pending[0][0].data, [pending[0][1]], ctx.t)
    elif pending:
        pcs.open_batch([c.data for c, _ in pending], [[p] for _, p in pending], ctx.t)


def merged_point(ctx, c: Committed, named, whole=(), fresh: bool = False):
    """Merge the claims on one group (``named`` on its tensors, ``whole`` on its vector;
    ``fresh``: verify_merge's): the point to open at, or None without claims."""
    claims = embedded_claims(ctx, c.group, named, whole)
    if not claims:
        return None
    packing = c.group.packing
    regions = ([packing.region(n) for n, _ in named]
               + [(0, 1 << packing.n_vars)] * len(whole))
    return prove_merge(ctx.t, ctx.vf, c.vector, claims, opening_label(c.group), regions,
                       fresh).point


def open_group(ctx, pcs, c: Committed, named, whole=()) -> None:
    """Merge the claims on one group and open the commitment at the merged point (nothing
    when there are no claims)."""
    point = merged_point(ctx, c, named, whole)
    if point is not None:
        pcs.open(c.data, [point], ctx.t)
