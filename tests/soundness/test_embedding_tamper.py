"""Tamper suite of the embedding gather (a constant table's rows gathered by token ids:
quant/logic.py ``gather_table``): the key k = idx·c + j (broadcast, mul_const, add_const) is
looked up in the public pair table {(i·c + j, E[i, j])}, one lookup for any row width (here 20
columns, more than the one-lookup-per-column construction it replaced allowed).

A lying prover (lying_prover.py: the real prove driver on a changed witness) gives one position
another token's row — with the keys of the true token (a pair missing from the table), with the
keys of the other token (pairs in the table, but keys that are not idx·c + j), or with the index
itself changed after its clamp — recomputing every later step from the lie, or forges the public
output alone, or changes one message. Each must be rejected; the honest proof verifies with the
reference executor's outputs."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from soundness.lying_prover import LOOKUP_MISS, bump, rejects
from tensorproof import api
from tensorproof.prover.layers import step_module
from tensorproof.quant.executor import execute
from tensorproof.verifier.verify import verify

V, D, T = 12, 20, 5


def _onnx() -> bytes:
    rng = np.random.default_rng(3)
    vi = helper.make_tensor_value_info
    nodes = [helper.make_node("Gather", ["wte", "tok"], ["g"], name="emb"),
             helper.make_node("Add", ["g", "wpe"], ["y"], name="pos")]
    g = helper.make_graph(
        nodes, "embedding", [vi("tok", TensorProto.INT64, ["N", T])],
        [vi("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(rng.normal(size=(V, D)).astype(np.float32), "wte"),
         numpy_helper.from_array((0.5 * rng.normal(size=(T, D))).astype(np.float32), "wpe")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=8).SerializeToString()


TOKENS = np.array([[3, 0, 11, 7, 3], [5, 5, 1, 10, 2]])


@pytest.fixture(scope="module")
def model():
    calib = np.random.default_rng(4).integers(0, V, (16, T))
    cm = api.compile(_onnx(), calib)
    return cm, cm.quantize_inputs(TOKENS)


def _step(plan, name: str, op: str) -> int:
    (j,) = [j for j, s in enumerate(plan.steps) if s.name == name and s.op == op]
    return j


def _lie(name: str, op: str, change):
    """Step (name, op)'s output changed in place by change(values, plan, step), its advice
    refitted to the lie and every later step recomputed from it."""
    def ints_fn(plan, ints):
        j = _step(plan, name, op)
        step = plan.steps[j]
        change(ints[step.output], plan, step)
        for later in plan.steps[j:]:
            m = step_module(later.op)
            if later is not step:
                ints[later.output] = m.forward(later, plan, ints)
            if hasattr(m, "advice_values"):
                ints.update(m.advice_values(later, plan, ints))
    return ints_fn


def _table(cm):
    (node,) = [n for n in cm.graph.nodes if n.name == "emb" and n.op == "lookup"]
    return node.consts["table"], node.attrs["x_lo"]


def test_gather_is_one_lookup_over_the_pair_table(model):
    cm, _ = model
    ops = [n.op for n in cm.graph.nodes if n.name == "emb"]
    assert ops.count("lookup") == 1
    table, x_lo = _table(cm)
    assert x_lo == -V * D and table.size == 2 * V * D  # indices −12..11 (negative ones wrap)


def test_honest_proof_verifies_with_the_reference_outputs(lying, model):
    cm, ints = model
    lie = lying(cm.graph, ints)
    out = verify(lie.vk, lie.proof)
    ref = execute(cm.graph, ints)
    (o,) = cm.graph.outputs
    assert np.array_equal(out[o], ref[o])
    table, x_lo = _table(cm)
    rows = table.reshape(-1, D)[TOKENS - x_lo // D]  # the gathered rows are the tokens' rows
    assert np.array_equal(ref["g"], rows)


def test_another_tokens_row_under_the_true_keys_rejected(lying, model):
    """Position 0 of sample 0 gets token 4's row; the keys stay those of token 3: the pairs
    (3·c + j, E[4, j]) are not in the table."""
    cm, ints = model
    table, x_lo = _table(cm)

    def other_row(y, plan, step):
        y[0, 0] = table[4 * D - x_lo: 5 * D - x_lo]
    lie = lying(cm.graph, ints, _lie("emb", "lookup", other_row))
    ref = execute(cm.graph, ints)
    assert not np.array_equal(lie.proof.outputs[cm.graph.outputs[0]], ref[cm.graph.outputs[0]])
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_another_tokens_keys_and_row_rejected(lying, model):
    """Keys and row both of token 4 (pairs in the table) while the index is token 3: the keys
    are not idx·c + j, which the mul_const / add_const claim reduction carries back to the
    committed index."""
    cm, ints = model

    def other_key(k, plan, step):
        k[0, 0] = 4 * D
    lie = lying(cm.graph, ints, _lie("emb", "mul_const", other_key))
    rejects(lie.vk, lie.proof)


def test_changed_index_after_its_clamp_rejected(lying, model):
    """The clamped index itself says token 4 (everything after consistent with it): the clamp's
    requant relation with the public token 3 fails."""
    cm, ints = model

    def other_index(i, plan, step):
        i[0, 0] = 4
    lie = lying(cm.graph, ints, _lie("emb", "requant", other_index))
    rejects(lie.vk, lie.proof)


def test_forged_output_alone_rejected(lying, model):
    cm, ints = model
    (o,) = cm.graph.outputs

    def ints_fn(plan, ints_):
        ints_[o] = ints_[o].copy()
        ints_[o][0, 0, 0] += 1
    lie = lying(cm.graph, ints, ints_fn)
    rejects(lie.vk, lie.proof)


@pytest.mark.parametrize("label", ["lookup/use", ":requant:finals", ":lookup:"])
def test_changed_message_rejected(lying, model, label):
    cm, ints = model
    lie = lying(cm.graph, ints)
    found = lie.find(label)
    for message in (found[0], found[-1]):
        rejects(lie.vk, bump(lie, message))
