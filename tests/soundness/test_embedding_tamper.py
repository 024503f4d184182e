"""Tamper suite of the embedding gather (a real constant table's rows gathered by token ids:
quant/logic.py ``gather_real_table``): y = onehot(idx) @ E, the one-hot proven by one indicator
lookup over idx − k (negative ids wrap), E a weight of a ``linear`` step — committed with the
model's weights, absent from the verifying key — then a clamp to E's range.

A lying prover (lying_prover.py: the real prove driver on a changed witness) gives one position
another token's row (the matmul's output changed alone), moves the one in the one-hot row to
another token (the indicator no longer matches the index), sets two ones, or changes the index
itself after its clamp — recomputing every later step from the lie — or forges the public
output alone, or changes one message. Each must be rejected; the honest proof verifies with the
reference executor's outputs, and the key holds no entry of E."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from soundness.lying_prover import LOOKUP_MISS, refit_from, rejects, rejects_bumped_ends
from tensorproof import api
from tensorproof.quant.executor import execute
from tensorproof.verifier.verify import verify

V, D, T = 64, 64, 5  # V·D = COMMITTED_GATHER_MIN: the committed construction


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


TOKENS = np.array([[3, 0, 63, 7, 3], [5, 5, 1, 40, 2]])


@pytest.fixture(scope="module")
def model():
    calib = np.random.default_rng(4).integers(0, V, (16, T))
    cm = api.compile(_onnx(), calib)
    return cm, cm.quantize_inputs(TOKENS)


def _step(plan, name: str, op: str, which: int = 0) -> int:
    """Index of the which-th step (name, op) (the index clamp is the first requant of "emb",
    the clamp to the table's range the second)."""
    return [j for j, s in enumerate(plan.steps) if s.name == name and s.op == op][which]


def _lie(name: str, op: str, change):
    """Step (name, op)'s output changed in place by change(values, plan, step), its advice
    refitted to the lie and every later step recomputed from it."""
    def ints_fn(plan, ints):
        j = _step(plan, name, op)
        step = plan.steps[j]
        change(ints[step.output], plan, step)
        refit_from(plan, ints, j)
    return ints_fn


def _weight(cm) -> np.ndarray:
    (node,) = [n for n in cm.graph.nodes if n.name == "emb" and n.op == "linear"]
    return node.consts["W"]


def test_gather_is_a_one_hot_product_with_a_committed_table(model):
    """One indicator lookup (the one-hot), one linear step whose weight is the quantized table,
    one clamp; the verifying key keeps the table's shape, not its values."""
    cm, _ = model
    ops = [n.op for n in cm.graph.nodes if n.name == "emb"]
    assert ops.count("lookup") == 1 and ops.count("linear") == 1, ops
    w = _weight(cm)
    assert w.shape == (V, D) and np.count_nonzero(w) > V * D // 2
    vk = api.setup(cm).vk
    (kept,) = [n for n in vk.graph.nodes if n.name == "emb" and n.op == "linear"]
    assert kept.consts["W"].shape == (V, D) and not np.any(kept.consts["W"])
    assert not any(n.op == "lookup" and n.consts.get("table") is not None
                   and n.consts["table"].size >= V * D for n in vk.graph.nodes)


def test_honest_proof_verifies_with_the_reference_outputs(lying, model):
    cm, ints = model
    lie = lying(cm.graph, ints)
    out = verify(lie.vk, lie.proof)
    ref = execute(cm.graph, ints)
    (o,) = cm.graph.outputs
    assert np.array_equal(out[o], ref[o])
    assert np.array_equal(ref["g"], _weight(cm)[TOKENS])  # the tokens' rows (scale kept)


def test_another_tokens_row_from_the_product_rejected(lying, model):
    """Position 0 of sample 0 gets token 4's row out of the matmul, the one-hot still says
    token 3: the linear step's sumcheck fails."""
    cm, ints = model
    w = _weight(cm)

    def other_row(y, plan, step):
        y[0, 0] = w[4]
    lie = lying(cm.graph, ints, _lie("emb", "linear", other_row))
    ref = execute(cm.graph, ints)
    assert not np.array_equal(lie.proof.outputs[cm.graph.outputs[0]], ref[cm.graph.outputs[0]])
    rejects(lie.vk, lie.proof)


def test_one_hot_moved_to_another_token_rejected(lying, model):
    """The one-hot row of position 0 selects token 4 while the index is 3 (the product then
    gives token 4's row consistently): the indicator lookup fails."""
    cm, ints = model

    def move(oh, plan, step):
        oh[0, 0] = 0
        oh[0, 0, 4] = 1
    lie = lying(cm.graph, ints, _lie("emb", "lookup", move))
    assert np.array_equal(execute(cm.graph, ints)["g"][0, 0], _weight(cm)[3])
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_one_hot_with_two_ones_rejected(lying, model):
    """Two ones in a one-hot row (the sum of two tokens' rows)."""
    cm, ints = model

    def double(oh, plan, step):
        oh[1, 2, 0] = 1 - oh[1, 2, 0]
    lie = lying(cm.graph, ints, _lie("emb", "lookup", double))
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


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


@pytest.mark.parametrize("label", ["lookup/use", ":requant:finals", ":lookup:", ":linear:"])
def test_changed_message_rejected(lying, model, label):
    cm, ints = model
    rejects_bumped_ends(lying(cm.graph, ints), label)
