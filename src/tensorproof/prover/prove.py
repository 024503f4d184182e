"""Prove a batch of inferences of a compiled model: the prover twin of verifier/verify.py.

Witness: the plan's forward pass on the integer inputs (every step's exact int64 output), the
steps' extra advice (quotients, remainders, …) and the lookups' multiplicities. Every per-proof
commitment group (the advice) is committed once (prover/commitments.py); then the claims run
backwards exactly as verify.py describes, and every group is opened once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import ProverError
from ..field.scalar import ext_field
from ..field.vec import vec_field
from ..transcript import ProverTranscript
from ..verifier.layout import padded_vector as padded
from ..verifier.lowering import build_plan
from ..verifier.plan import Plan
from ..verifier.proof import Proof
from ..verifier.verify import DOMAIN, absorb_statement
from ..verifier.zk_masks import MASKS
from .commitments import commit_groups, open_groups, send_commitments
from .context import ProverContext
from .hashing import digests, hash_witnesses, prove_hashed
from .keyfile import reserve_block
from .layers import step_module
from .lookups import multiplicities, prove_lookups
from .model import ProvingKey
from .private import prove_inputs
from .zk_lookups import prove_hiding_lookups
from .zk_masks import ProverMasks
from .zk_opening import prove_hiding_opening, zk_witness

Progress = Callable[[str], None]


def witness(plan: Plan, inputs: dict[str, np.ndarray], consts: dict) -> dict[str, np.ndarray]:
    """Every plan tensor as an exact int64 array (forward pass), plus the steps' advice."""
    ints = {**consts, **{n: np.asarray(v, dtype=np.int64) for n, v in inputs.items()}}
    for step in plan.steps:
        mod = step_module(step.op)
        ints[step.output] = mod.forward(step, plan, ints)
        t = plan.tensors[step.output]
        out = ints[step.output]
        if out.size and (out.min() < t.lo or out.max() > t.hi):
            raise ProverError(f"layer {step.name!r}: tensor {step.output!r} leaves its proven "
                              f"range [{t.lo}, {t.hi}]: recalibrate or widen the bit width")
        if hasattr(mod, "advice_values"):
            ints.update(mod.advice_values(step, plan, ints))
    ints.update(multiplicities(plan, _padded_all(plan, ints), plan.lookup_uses))
    return ints


def _padded_all(plan: Plan, ints: dict) -> dict[str, np.ndarray]:
    return {n: padded(plan.tensors[n].layout, ints[n]) for n in plan.tensors if n in ints}


def prove(pk: ProvingKey, inputs: dict[str, np.ndarray], progress: Progress | None = None) -> Proof:
    """Prove that the model's outputs on the integer `inputs` (batch first) are what it computes."""
    say = progress or (lambda _msg: None)
    vk = pk.vk
    batch = int(next(iter(inputs.values())).shape[0])
    plan = build_plan(vk.graph, batch, vk.zk_config)
    block = reserve_block(pk)  # private weights: the budget checked and spent before any work
    say("witness")
    ints = witness(plan, inputs, pk.consts(plan))
    wits = hash_witnesses(plan, ints)
    tables = _padded_all(plan, ints)
    tables.update({n: padded(plan.consts[n], ints[n]) for n in plan.consts if n in ints})
    outputs = {n: ints[n] for n in plan.public_outputs}
    public_inputs = {n: np.asarray(inputs[n], dtype=np.int64) for n in plan.public_inputs}
    k = vk.k
    vf, ext = vec_field(k), ext_field(k)
    zk = plan.zk
    schemes = zk_witness(plan, tables, k) if zk is not None else {}  # fresh from the OS
    say("commit")
    pcs = pk.pcs_prover()
    committed = commit_groups(plan, pcs, tables, lambda group: pk.per_model(plan, group),
                              schemes)
    t = ProverTranscript(DOMAIN)
    hashes = digests(wits)
    absorb_statement(t, vk.model_id, k, batch, public_inputs, outputs, hashes)
    send_commitments(t, committed)  # an empty group has no commitment (nothing to bind)
    ctx = ProverContext(t, ext, vf, plan, tables, ints)
    if zk is not None:
        t.masks = ProverMasks(ext, zk.capacity, tables[MASKS], ctx.claim_round)
    say("lookups")
    (prove_hiding_lookups if ctx.hiding else prove_lookups)(ctx, plan.lookup_uses)
    prove_inputs(ctx)
    prove_hashed(ctx, wits)
    ctx.claim_outputs(ctx.tables.__getitem__)
    say("layers")
    for i in reversed(range(len(plan.steps))):
        step = plan.steps[i]
        step_module(step.op).prove(ctx, i, step)
    unclaimed = ctx.unclaimed_randomized()
    if unclaimed:
        raise ProverError(f"randomized finals of {unclaimed} were never claimed (a step "
                          "module and its declared tables disagree)")
    say("openings")
    if zk is not None and zk.hiding is not None:
        prove_hiding_opening(ctx, committed, block=block, model_pcs=pcs)
    t.masks = None  # mirror of verify.py
    open_groups(ctx, pcs, committed)
    return Proof(k, batch, vk.model_id, public_inputs, outputs, t.proof_bytes(), hashes)
