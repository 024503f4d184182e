"""Commitments as named groups of the plan (verifier/plan.py, verifier/commitments.py).

Every plan declares its groups in transcript order (per-proof advice, then the per-model
weights); each committed tensor is in exactly one group and every tensor has an explicit
visibility; claims are routed to their tensor's group; the weight certificate's plan declares
the same model group as the inference plan.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from step_harness import compiled, graph, node, spec

from tensorproof.errors import PlanError
from tensorproof.field.scalar import ext_field
from tensorproof.prover.model import setup
from tensorproof.transcript import VerifierTranscript
from tensorproof.verifier.certificate import certificate_plan
from tensorproof.verifier.context import VerifierContext
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.plan import (
    ADVICE,
    MODEL,
    PER_MODEL,
    PER_PROOF,
    PUBLIC,
    VIRTUAL,
    Plan,
)


def mlp():
    """x → linear → h (virtual) → requant → r (advice) → lookup → y (public output)."""
    specs = [spec("x", (4,)), spec("h", (3,), -70000, 70000), spec("r", (3,), -8, 7),
             spec("y", (3,), 0, 64)]
    nodes = [node("linear", ["x"], "h", {"W": np.ones((4, 3)), "b": [1, 2, 3]}),
             node("requant", ["h"], "r", {"mult": [3]}, shift=12, lo=-8, hi=7, axis=-1),
             node("lookup", ["r"], "y", {"table": np.arange(16) ** 2 // 4}, x_lo=-8)]
    return graph(["x"], ["y"], specs, nodes)


@pytest.fixture
def plan() -> Plan:
    return build_plan(mlp(), 2)


def test_groups_are_declared_in_transcript_order(plan):
    assert list(plan.commitments) == [ADVICE, MODEL]
    assert plan.commitments[ADVICE].visibility == PER_PROOF
    assert plan.commitments[MODEL].visibility == PER_MODEL


def test_every_committed_tensor_is_in_exactly_one_group(plan):
    advice = {n for n, t in plan.tensors.items() if t.kind == "advice"}
    assert set(plan.commitments[ADVICE].members) == advice
    assert set(plan.commitments[MODEL].members) == set(plan.consts)
    members = [m for g in plan.commitments.values() for m in g.members]
    assert len(members) == len(set(members)) == len(plan.group_index)
    assert all(plan.group_of(m) == g.name for g in plan.commitments.values() for m in g.members)


def test_every_tensor_has_an_explicit_visibility(plan):
    assert plan.visibility("x") == plan.visibility("y") == PUBLIC
    assert plan.visibility("h") == VIRTUAL
    assert plan.visibility("r") == PER_PROOF
    assert {plan.visibility(c) for c in plan.consts} == {PER_MODEL}


def test_claims_are_routed_to_their_group(plan):
    ext = ext_field(2)
    ctx = VerifierContext(VerifierTranscript(b"t", b""), ext, plan, {})
    r = plan.tensors["r"].layout.n_vars
    ctx.claim("r", [ext.zero()] * r, ext.one())
    const = next(iter(plan.consts))
    ctx.const_claim(const, [ext.zero()] * plan.consts[const].n_vars, ext.one())
    ctx.claim("h", [ext.zero()] * plan.tensors["h"].layout.n_vars, ext.one())
    assert [n for n, _ in ctx.group_claims[ADVICE]] == ["r"]
    assert [n for n, _ in ctx.group_claims[MODEL]] == [const]
    assert list(ctx.pending) == ["h"]


def test_a_name_in_two_groups_is_refused(plan):
    const = next(iter(plan.consts))
    t = dataclasses.replace(plan.tensors["r"], name=const)
    with pytest.raises(PlanError, match="two groups"):
        dataclasses.replace(plan, tensors={**plan.tensors, const: t}).declare_commitments()


def test_a_plan_without_groups_is_refused_by_the_claim_book(plan):
    bare = dataclasses.replace(plan, commitments={}, group_index={})
    with pytest.raises(PlanError, match="no commitment groups"):
        VerifierContext(VerifierTranscript(b"t", b""), ext_field(2), bare, {})


def test_the_certificate_declares_the_same_model_group(plan):
    pk = setup(compiled(mlp()), {"k": 2, "pcs": "raw"}, certify=False)
    cp = certificate_plan(pk.vk.graph)
    model = build_plan(pk.vk.graph, 1).commitments[MODEL]
    assert cp.plan.commitments[MODEL] == model and cp.model == model.packing
    limbs = {n for n, t in cp.plan.tensors.items() if t.kind == "advice"}
    assert set(cp.plan.commitments[ADVICE].members) == limbs
