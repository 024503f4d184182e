"""lookup step: forward against the reference executor, table keys, and completeness through the
real prove/verify drivers (a sigmoid-like table, batch 1 and 3, the output public or committed
with padding, two layers sharing one table)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import build_plan, graph, node, prove_and_verify, spec, witness_of
from tensorproof.errors import ProverError
from tensorproof.quant.executor import execute
from tensorproof.verifier.layers.lookup import table_spec
from tensorproof.verifier.lookups import tables_of

X_LO, X_HI = -128, 127


def sigmoid_table(x_lo=X_LO, n=X_HI - X_LO + 1, scale=16.0):
    t = np.arange(x_lo, x_lo + n)
    return np.rint(255.0 / (1.0 + np.exp(-t / scale))).astype(np.int64)


def lookup_graph(shape, committed=True, x_lo=X_LO, table=None):
    """x → lookup → y; with committed=True, y is flattened by a gather (y is advice)."""
    table = sigmoid_table(x_lo) if table is None else table
    specs = [spec("x", shape, x_lo, x_lo + len(table) - 1),
             spec("y", shape, int(table.min()), int(table.max()))]
    nodes = [node("lookup", ["x"], "y", {"table": table}, x_lo=x_lo)]
    out = "y"
    if committed:
        size = int(np.prod(shape))
        specs.append(spec("z", (size,), int(table.min()), int(table.max())))
        nodes.append(node("reshape", ["y"], "z", shape=(size,)))
        out = "z"
    return graph(["x"], [out], specs, nodes), out


def inputs(shape, batch, lo=X_LO, hi=X_HI, seed=0):
    return {"x": np.random.default_rng(seed).integers(lo, hi + 1, (batch, *shape))}


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("shape, committed", [((3, 5), True), ((3, 5), False), ((4, 4), True),
                                              ((2, 3, 3), True)])
def test_sigmoid_lookup_proves_and_matches_executor(shape, committed, batch):
    g, out = lookup_graph(shape, committed)
    xs = inputs(shape, batch, seed=batch)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


def test_odd_sized_table_and_offset_domain():
    """A table of 100 rows (padded by repeating row 0) over [37, 136]."""
    table = np.arange(100, dtype=np.int64) ** 2 % 251 - 125
    g, out = lookup_graph((5,), True, x_lo=37, table=table)
    xs = inputs((5,), 3, 37, 136)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


def test_two_layers_share_one_table():
    t = sigmoid_table()
    specs = [spec("x", (6,)), spec("h", (6,), 0, 255), spec("h2", (6,), X_LO, X_HI),
             spec("y", (6,), 0, 255)]
    nodes = [node("lookup", ["x"], "h", {"table": t}, x_lo=X_LO),
             node("add_const", ["h"], "h2", {"c": np.full(6, -128)}),
             node("lookup", ["h2"], "y", {"table": t}, x_lo=X_LO)]
    g = graph(["x"], ["y"], specs, nodes)
    plan = build_plan(g, 2)
    assert len(tables_of(plan.lookup_uses)) == 1
    xs = inputs((6,), 2)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs["y"], execute(g, xs)["y"])


def test_table_key_depends_on_table_and_offset():
    g1, _ = lookup_graph((3,))
    g2, _ = lookup_graph((3,), x_lo=X_LO + 1)
    g3, _ = lookup_graph((3,), table=sigmoid_table(scale=20.0))
    keys = {table_spec(build_plan(g, 1).steps[0]).key for g in (g1, g2, g3)}
    assert len(keys) == 3
    assert table_spec(build_plan(g1, 1).steps[0]).key == table_spec(build_plan(g1, 3).steps[0]).key


def test_input_outside_the_table_asks_to_recalibrate():
    g, _ = lookup_graph((3,))
    plan = build_plan(g, 1)
    plan.tensors["x"] = plan.tensors["x"].__class__("x", plan.tensors["x"].layout, "input",
                                                    -1000, 1000)
    with pytest.raises(ProverError, match="'y'.*out of the calibrated range, recalibrate"):
        witness_of(g, plan, {"x": np.array([[0, 1, 500]])})


@pytest.mark.parametrize("committed", [True, False])
def test_single_element_tensor(committed):
    g, out = lookup_graph((1,), committed)
    xs = {"x": np.array([[5]])}
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])
