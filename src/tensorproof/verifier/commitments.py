"""The commitment groups of a plan, run by one loop: commitments in, one opening per group out
(the verifier's side; prover/commitments.py mirrors it message by message).

``Plan.commitments`` (plan.py) lists the groups in transcript order. After the statement, the
commitment of every non-empty PER_PROOF group is read from the proof (label "<group>
commitment"); a PER_MODEL group's commitment is the verifying key's (bound by the model id).
Claims on committed tensors are collected by group while the steps run (context.py). At the end
each group with claims is opened once, in the same order: its claims are embedded in the packed
vector (packing.py), merged into one (merge.py, label "open <group>") and checked by the
configured scheme's opening — right after its merge, or, for a scheme with a batched opening
(WHIR) and two or more groups with claims, all together after the last merge. Soundness:
every commitment is absorbed (the model id, or the proof message) before any challenge that
the claims on it depend on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import VerificationError
from ..poly.mle import as_ext
from .claims import EvalClaim
from .merge import verify_merge
from .pcs_config import commitment_bytes
from .plan import ADVICE, PER_MODEL, PER_PROOF, CommitmentGroup, Plan


def commitment_label(group: CommitmentGroup) -> str:
    return f"{group.name} commitment"


def opening_label(group: CommitmentGroup) -> str:
    return f"open {group.name}"


def group_config(plan: Plan, group: str, config: dict) -> dict:
    """The configuration a per-proof group is committed under: the hiding commitment's for
    the advice of a plan with a hiding opening (zk_opening.py), the key's otherwise."""
    zk = plan.zk
    if group == ADVICE and zk is not None and zk.hiding is not None:
        return zk.hiding_config
    return config


def read_commitments(t, plan: Plan, config: dict,
                     per_model: Mapping[str, bytes]) -> dict[str, bytes | None]:
    """Every group's commitment: PER_MODEL ones from ``per_model`` (the key's), PER_PROOF ones
    read from the proof in order, each of its scheme's size (the advice's hiding one in a
    zero-knowledge plan: ``group_config``); None for an empty group: nothing to bind, no
    message."""
    out: dict[str, bytes | None] = {}
    for g in plan.commitments.values():
        if g.visibility == PER_MODEL:
            out[g.name] = per_model[g.name]
        elif g.visibility == PER_PROOF and g.packing.slots:
            out[g.name] = t.recv_bytes(commitment_label(g),
                                       commitment_bytes(group_config(plan, g.name, config)))
        else:
            out[g.name] = None
    return out


def open_groups(ctx, pcs, commitments: Mapping[str, bytes | None],
                 whole: Mapping[str, Sequence[EvalClaim]] | None = None) -> None:
    """One merged claim per group with claims, in declaration order: ``ctx.group_claims``
    (claims on the group's tensors) and ``whole[group]`` (claims on its packed vector). A
    scheme with a batched opening (``verify_batch``, verifier/pcs/registry.py) opens every
    group's merged claim together once all are merged, when two or more groups have claims;
    otherwise each group is opened right after its merge."""
    whole = whole or {}
    batch = pcs.batched
    pending = []
    for name, g in ctx.plan.commitments.items():
        merged = merged_claim(ctx, g, commitments[name], ctx.group_claims[name],
                              whole.get(name, ()))
        if merged is None:
            continue
        if not batch:
            pcs.verify(commitments[name], g.packing.n_vars, *merged, ctx.t)
        else:
            pending.append((commitments[name], g.packing.n_vars, merged))
    if len(pending) == 1:
        c, n, merged = pending[0]
        pcs.verify(c, n, *merged, ctx.t)
    elif pending:
        pcs.verify_batch([c for c, _, _ in pending], [n for _, n, _ in pending],
                         [m[0] for _, _, m in pending], [m[1] for _, _, m in pending], ctx.t)


def embedded_claims(ctx, group: CommitmentGroup, named, whole) -> list[EvalClaim]:
    """Claims on the group's tensors as claims on its packed vector, then ``whole``."""
    packing = group.packing
    return [EvalClaim(list(packing.embed(n, tuple(c.point), ctx.ext)), c.value)
            for n, c in named] + list(whole)


def merged_claim(ctx, group: CommitmentGroup, commitment: bytes | None, named, whole=(),
                 fresh: bool = False):
    """Merge the claims on one group (``fresh``: a sumcheck even for one claim, merge.py):
    ([point], [value]) of the opening, or None without claims."""
    claims = embedded_claims(ctx, group, named, whole)
    if not claims:
        return None
    if commitment is None:
        raise VerificationError(f"claims on the empty commitment group {group.name!r}")
    merged = verify_merge(ctx.t, ctx.ext, group.packing.n_vars, claims, opening_label(group),
                          fresh)
    return [merged.point], [as_ext(ctx.ext, merged.value)]


def open_group(ctx, pcs, group: CommitmentGroup, commitment: bytes | None, named,
               whole=()) -> None:
    """Merge the claims on one group and verify the opening (nothing when there are none)."""
    merged = merged_claim(ctx, group, commitment, named, whole)
    if merged is not None:
        pcs.verify(commitment, group.packing.n_vars, *merged, ctx.t)
