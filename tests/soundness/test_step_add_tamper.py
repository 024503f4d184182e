"""add / add_const steps: a changed partial value is a false claim on an input (rejected when the
input is public, or left false for the layers below / the model opening to reject). Each case runs
over the K of each proof profile (conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import (
    build_plan,
    flip_byte,
    graph,
    node,
    prove_step,
    random_point,
    spec,
    true_value,
    verify_step,
    witness_of,
)
from tensorproof.errors import ProofFormatError, VerificationError

REJECTED = (VerificationError, ProofFormatError)
pytestmark = pytest.mark.usefixtures("profile")  # every case, once per proof profile


def _case(op, k):
    rng = np.random.default_rng(3)
    if op == "add":
        g = graph(["a", "b"], ["y"], [spec("a", (3, 5)), spec("b", (3, 5)),
                                      spec("y", (3, 5), -256, 254)],
                  [node("add", ["a", "b"], "y")])
        inputs = {n: rng.integers(-128, 128, (3, 3, 5)) for n in "ab"}
    else:
        g = graph(["x"], ["y"], [spec("x", (3, 5)), spec("y", (3, 5), -300, 300)],
                  [node("add_const", ["x"], "y", {"c": rng.integers(-99, 99, (3, 5))})])
        inputs = {"x": rng.integers(-128, 128, (3, 3, 5))}
    plan = build_plan(g, 3)
    ints = witness_of(g, plan, inputs)
    n = plan.tensors["y"].layout.n_vars
    return plan, ints, prove_step(plan, 0, ints, random_point(n, 1, k), [random_point(n, 2, k)],
                                  k=k)


@pytest.mark.parametrize("op", ["add", "add_const"])
def test_honest_claims_are_true(op, k):
    plan, ints, sp = _case(op, k)
    for c in verify_step(plan, 0, ints, sp.output_claims, sp.proof, k):
        assert true_value(plan, ints, c.name, c.point, k) == c.value


@pytest.mark.parametrize("op", ["add", "add_const"])
def test_changed_part_rejected_or_false(op, k):
    plan, ints, sp = _case(op, k)
    for m in sp.find("part"):
        bad = flip_byte(sp.proof, m.start + 7)
        try:
            routed = verify_step(plan, 0, ints, sp.output_claims, bad, k)
        except REJECTED:
            continue
        assert any(true_value(plan, ints, c.name, c.point, k) != c.value for c in routed)


@pytest.mark.parametrize("op", ["add", "add_const"])
def test_truncated_and_extended_stream_rejected(op, k, elem):
    plan, ints, sp = _case(op, k)
    for bad in (sp.proof[:-1], sp.proof + bytes(elem)):
        with pytest.raises(ProofFormatError):
            verify_step(plan, 0, ints, sp.output_claims, bad, k)
