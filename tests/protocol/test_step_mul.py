"""mul / mul_const steps: forward, completeness, true claims (tensors and constants)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import (
    assert_claims_true,
    build_plan,
    graph,
    node,
    prove_and_verify,
    random_point,
    run_step,
    spec,
    witness_of,
)
from tensorproof.verifier.lowering import const_name

WIDE = 10**9


def mul_graph(shape):
    return graph(["a", "b"], ["y"], [spec("a", shape), spec("b", shape),
                                     spec("y", shape, -WIDE, WIDE)],
                 [node("mul", ["a", "b"], "y")])


def mul_const_graph(shape, c):
    return graph(["x"], ["y"], [spec("x", shape), spec("y", shape, -WIDE, WIDE)],
                 [node("mul_const", ["x"], "y", {"c": c})])


def _check_step(plan, ints, i, seed, n_claims=1):
    n = plan.tensors[plan.steps[i].output].layout.n_vars
    points = [random_point(n, seed + j) for j in range(n_claims)]
    prover_claims, verifier_claims = run_step(plan, i, ints, points[0], points[1:])
    assert prover_claims == verifier_claims
    assert_claims_true(plan, ints, prover_claims)
    return prover_claims


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("shape", [(3, 5), (4, 4), (7,), (1,)])
def test_mul_forward_and_claims(shape, batch):
    g = mul_graph(shape)
    plan = build_plan(g, batch)
    rng = np.random.default_rng(batch)
    a, b = rng.integers(-128, 128, (batch, *shape)), rng.integers(-128, 128, (batch, *shape))
    ints = witness_of(g, plan, {"a": a, "b": b})
    assert np.array_equal(ints["y"], a * b)
    claims = _check_step(plan, ints, 0, seed=batch)
    assert [c.name for c in claims] == ["a", "b"]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", [((3, 5), (1, 5)), ((3, 5), (3, 5)), ((3, 2, 4), (3, 1, 1)),
                                  ((1,), (1,))])
def test_mul_const_forward_and_claims(case, batch):
    shape, c_shape = case
    c = np.random.default_rng(9).integers(-50, 51, c_shape)
    g = mul_const_graph(shape, c)
    plan = build_plan(g, batch)
    x = np.random.default_rng(batch).integers(-128, 128, (batch, *shape))
    ints = witness_of(g, plan, {"x": x})
    assert np.array_equal(ints["y"], x * c[None])
    claims = _check_step(plan, ints, 0, seed=batch)
    assert [(cl.kind, cl.name) for cl in claims] == [("tensor", "x"), ("const", const_name(0, "c"))]


def test_square_claims_both_operands():
    g = graph(["a"], ["y"], [spec("a", (3, 3)), spec("y", (3, 3), 0, WIDE)],
              [node("mul", ["a", "a"], "y")])
    plan = build_plan(g, 2)
    ints = witness_of(g, plan, {"a": np.random.default_rng(0).integers(-128, 128, (2, 3, 3))})
    claims = _check_step(plan, ints, 0, seed=4)
    assert [c.name for c in claims] == ["a", "a"]


@pytest.mark.parametrize("op", ["mul", "mul_const"])
def test_several_claims_on_the_output_are_merged(op):
    g = mul_graph((3, 5)) if op == "mul" else mul_const_graph((3, 5), np.arange(5) - 2)
    plan = build_plan(g, 3)
    rng = np.random.default_rng(1)
    inputs = {n: rng.integers(-128, 128, (3, 3, 5)) for n in g.inputs}
    ints = witness_of(g, plan, inputs)
    claims = _check_step(plan, ints, 0, seed=8, n_claims=3)
    assert len(claims) == 2


def _chain_graph():
    """y = (x ⊙ c) ⊙ x2: mul_const's output is a virtual tensor claimed by mul."""
    c = np.array([[3, -1, 2, 0, 5]])
    g = graph(["x", "x2"], ["y"],
              [spec("x", (3, 5)), spec("x2", (3, 5)), spec("h", (3, 5), -WIDE, WIDE),
               spec("y", (3, 5), -WIDE, WIDE)],
              [node("mul_const", ["x"], "h", {"c": c}), node("mul", ["h", "x2"], "y")])
    return g, c


def test_virtual_operand_claim_is_true():
    g, _ = _chain_graph()
    plan = build_plan(g, 2)
    rng = np.random.default_rng(5)
    ints = witness_of(g, plan, {n: rng.integers(-128, 128, (2, 3, 5)) for n in ("x", "x2")})
    assert plan.tensors["h"].kind == "virtual"
    claims = _check_step(plan, ints, 1, seed=6)
    assert [c.name for c in claims] == ["h", "x2"]


@pytest.mark.parametrize("batch", [1, 3])
def test_mul_model_proves_and_verifies(batch):
    g, c = _chain_graph()
    rng = np.random.default_rng(batch)
    x, x2 = rng.integers(-128, 128, (batch, 3, 5)), rng.integers(-128, 128, (batch, 3, 5))
    _, out = prove_and_verify(g, {"x": x, "x2": x2})
    assert np.array_equal(out["y"], x * c[None] * x2)
