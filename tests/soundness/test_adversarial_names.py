"""Issue 9, findings 1 and 2: a crafted graph cannot reach the lowering's internal tensors, and
two different lookup tables are never merged.

Finding 1: internal tensors used to be named by suffixing a graph name ("h#q" = the quotient of
the requant that computes h), so a graph tensor named "h#q" overwrote it and the relation of one
of the two went unchecked. Finding 2: lookup tables used to be keyed by 64 bits of a hash, which a
birthday search can match; the collision is simulated here by giving two different tables one
name. Each case is a lying prover through the real drivers: the lie must be rejected.
"""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import graph, node, spec
from soundness.lying_prover import rejects
from tensorproof.errors import PlanError
from tensorproof.quant.executor import execute
from tensorproof.verifier.layers import lookup as lookup_step
from tensorproof.verifier.layout import padded_vector as padded
from tensorproof.verifier.lookups import TableSpec, tables_of
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.names import Internal
from tensorproof.verifier.verify import verify

W = np.array([[1, -2, 3], [2, 1, -1], [-3, 2, 1], [1, 1, 1]])
W2 = np.array([[2, 1, 0], [-1, 3, 1], [0, -2, 2], [1, 0, -3]])
X = {"x": np.random.default_rng(3).integers(-20, 21, (2, 4))}


def _requant(x: str, y: str, lo: int, hi: int):
    return node("requant", [x], y, {"mult": [1 << 4]}, shift=4, lo=lo, hi=hi, axis=-1)


def shadowing_clip_model():
    """g1 = x·W; h = ReLU(g1) (a requant clamped at 0); "h#q" = Clip(g1, ±10^6), an output."""
    specs = [spec("x", (4,), -20, 20), spec("g1", (3,), -200, 200), spec("h", (3,), 0, 127),
             spec("h#q", (3,), -10**6, 10**6)]
    nodes = [node("linear", ["x"], "g1", {"W": W, "b": [0, 0, 0]}),
             _requant("g1", "h", 0, 127), _requant("g1", "h#q", -10**6, 10**6)]
    return graph(["x"], ["h", "h#q"], specs, nodes)


def shadowing_gemm_model():
    """h = ReLU(x·W); a second Gemm's output is named "h#q" (the old name of h's quotient) and
    feeds z = Clip("h#q", ±100)."""
    specs = [spec("x", (4,), -20, 20), spec("g1", (3,), -200, 200), spec("h", (3,), 0, 127),
             spec("h#q", (3,), -200, 200), spec("z", (3,), -100, 100)]
    nodes = [node("linear", ["x"], "g1", {"W": W, "b": [0, 0, 0]}), _requant("g1", "h", 0, 127),
             node("linear", ["x"], "h#q", {"W": W2, "b": [0, 0, 0]}),
             _requant("h#q", "z", -100, 100)]
    return graph(["x"], ["h", "z"], specs, nodes)


@pytest.mark.parametrize("model", [shadowing_clip_model, shadowing_gemm_model])
def test_graph_name_equal_to_an_old_internal_name_proves_the_executor_outputs(lying,
                                                                              model):
    g = model()
    lie = lying(g, X)
    out = verify(lie.vk, lie.proof)
    ref = execute(g, X)
    for name in g.outputs:
        assert np.array_equal(out[name], ref[name])
    plan = build_plan(g, 2)
    assert plan.tensors["h#q"].kind != "advice" and Internal("h", "q") in plan.tensors


def test_public_output_named_like_a_quotient_is_bound_by_the_statement(lying):
    """The claimed output "h#q" changes while every committed table keeps its honest values
    (the old plan committed "h#q" as h's quotient and never compared it with the statement)."""
    honest = execute(shadowing_clip_model(), X)["h#q"]

    def lie(plan, ints):
        ints["h#q"][0, 1] += 5  # still in range

    def keep_commitment(plan, tables):
        tables["h#q"] = padded(plan.tensors["h#q"].layout, honest)

    lie_ = lying(shadowing_clip_model(), X, lie, keep_commitment)
    rejects(lie_.vk, lie_.proof)


def test_gemm_output_named_like_a_quotient_keeps_its_own_relation(lying):
    """The second Gemm's output takes the values of h's quotient (x·W instead of x·W2) and z
    follows it: in the old plan "h#q" was only checked as h's quotient and the Gemm's relation
    was never checked, so this verified. Its own matmul relation must catch it."""
    def lie(plan, ints):
        ints["h#q"][...] = ints["g1"]
        ints["z"][...] = np.clip(ints["g1"], -100, 100)
        for name in ints:  # z's quotient (mult 16, shift 4: q = its input; remainders unchanged)
            if str(name) == "z#q":
                ints[name][...] = ints["g1"]
        assert not np.array_equal(ints["h#q"], X["x"] @ W2)

    lie_ = lying(shadowing_gemm_model(), X, lie)
    rejects(lie_.vk, lie_.proof)


def test_plan_refuses_a_tensor_computed_twice():
    specs = [spec("x", (4,), -20, 20), spec("y", (3,), -200, 200)]
    nodes = [node("linear", ["x"], "y", {"W": W, "b": [0, 0, 0]}),
             node("linear", ["x"], "y", {"W": W2, "b": [0, 0, 0]})]
    with pytest.raises(PlanError, match="twice"):
        build_plan(graph(["x"], ["y"], specs, nodes), 1)


def test_plan_refuses_an_undefined_input():
    specs = [spec("x", (4,), -20, 20), spec("y", (3,), -200, 200)]
    nodes = [node("linear", ["nowhere"], "y", {"W": W, "b": [0, 0, 0]})]
    with pytest.raises(PlanError):
        build_plan(graph(["x"], ["y"], specs, nodes), 1)


# ---- finding 2: tables are identified by their contents -------------------------------------

X_LO = -64
SIGMOID = np.rint(100 / (1 + np.exp(-np.arange(-64, 64) / 8))).astype(np.int64)
TANH = np.rint(50 * np.tanh(np.arange(-64, 64) / 8) + 50).astype(np.int64)


def two_tables_model():
    specs = [spec("x", (6,), X_LO, 63), spec("s", (6,), 0, 100), spec("t", (6,), 0, 100)]
    nodes = [node("lookup", ["x"], "s", {"table": SIGMOID}, x_lo=X_LO),
             node("lookup", ["x"], "t", {"table": TANH}, x_lo=X_LO)]
    return graph(["x"], ["s", "t"], specs, nodes)


def test_tables_with_one_name_but_different_contents_are_not_merged():
    a = TableSpec("fn:0123456789abcdef", (np.arange(4), np.array([1, 2, 3, 4])))
    b = TableSpec("fn:0123456789abcdef", (np.arange(4), np.array([1, 2, 3, 5])))
    c = TableSpec("another name", (np.arange(4), np.array([1, 2, 3, 4])))
    assert a.key != b.key and a.key == c.key and len(a.key) == 32
    uses = [type("U", (), {"table": t})() for t in (a, b, c)]
    assert len(tables_of(uses)) == 2


def test_colliding_table_names_do_not_let_sigmoid_use_the_tanh_table(monkeypatch, lying):
    """Simulated birthday collision: every lookup table gets the same name (the old key)."""
    real = lookup_step.table_spec

    def colliding(step):
        return TableSpec("fn:0000000000000000", real(step).columns)

    monkeypatch.setattr(lookup_step, "table_spec", colliding)
    xs = {"x": np.random.default_rng(7).integers(X_LO, 64, (2, 6))}

    def lie(plan, ints):
        ints["s"][...] = TANH[ints["x"] - X_LO]  # Sigmoid computed with the Tanh table
        assert not np.array_equal(ints["s"], SIGMOID[ints["x"] - X_LO])

    lie_ = lying(two_tables_model(), xs, lie)
    rejects(lie_.vk, lie_.proof, match="not in its table")
