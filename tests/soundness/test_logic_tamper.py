"""Named tamper suite of comparisons, ArgMax, GatherElements / one-hot and computed table
indexing (quant/logic.py: compositions of the lookup, requant, max_reduce, add, mul and
reduce steps), through the real prove/verify drivers on a model compiled from ONNX.

A lying prover changes one step's output — a comparison bit, the maximum's position, a one-hot
selector, a gathered table row, the sign of a wide difference — recomputes that step's advice
to fit the lie as well as it can and every later step from it (so only the lied-about relation
can catch it), or changes one message of those steps. Every case must end in
VerificationError or ProofFormatError; the honest proof verifies and its outputs are the
reference executor's."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from soundness.lying_prover import LOOKUP_MISS, refit_from, rejects, rejects_bumped_ends
from tensorproof import api
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.quant.executor import execute
from tensorproof.verifier.verify import verify

F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
TABLE = np.array([10, -3, 7, 0, 5], np.int64)


def _onnx() -> bytes:
    vi = helper.make_tensor_value_info
    nodes = [helper.make_node("Less", ["x", "t"], ["c"], name="less"),
             helper.make_node("ArgMax", ["x"], ["a"], name="argmax", axis=1, keepdims=0),
             helper.make_node("ArgMax", ["x"], ["al"], name="argmax_last", axis=1, keepdims=0,
                              select_last_index=1),
             helper.make_node("GatherElements", ["x", "i"], ["g"], name="gather_el", axis=1),
             helper.make_node("Gather", ["table", "i"], ["tg"], name="gather_tab", axis=0),
             helper.make_node("Greater", ["k", "seven"], ["w"], name="wide")]
    outs = {"c": B, "a": I64, "al": I64, "g": F, "tg": I64, "w": B}
    g = helper.make_graph(
        nodes, "logic",
        [vi("x", F, ["N", 5]), vi("i", I64, ["N", 3]), vi("k", I64, ["N", 2])],
        [vi(k, t, None) for k, t in outs.items()],
        [numpy_helper.from_array(np.array([0.5, 1.0, -1.0, 2.0, 0.25], np.float32), "t"),
         numpy_helper.from_array(TABLE, "table"),
         numpy_helper.from_array(np.array(7, np.int64), "seven")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=8).SerializeToString()


FEEDS = {
    "x": np.array([[1, 3, 0, 3, -2], [2, 2, 2, -1, 0.5], [0.25, -4, 4, 1, 4]]) / 1.0,
    "i": np.array([[0, 3, 4], [2, -1, 1], [4, 4, 0]]),
    "k": np.array([[5000, -5000], [7, 8], [-3, 100]]),
}


@pytest.fixture(scope="module")
def model():
    cm = api.compile(_onnx(), FEEDS)
    return cm, cm.quantize_inputs(FEEDS)


def _steps(plan, name: str, op: str) -> list[int]:
    return [j for j, s in enumerate(plan.steps) if s.name == name and s.op == op]


def _lie_at(plan, ints, j: int, change) -> None:
    """Step j's output changed by ``change`` (in place), then refitted downstream."""
    change(ints[plan.steps[j].output])
    refit_from(plan, ints, j)


def _lie(name: str, op: str, change, which: int = -1):
    def ints_fn(plan, ints):
        _lie_at(plan, ints, _steps(plan, name, op)[which], change)
    return ints_fn


def test_honest_proof_verifies_with_the_reference_outputs(lying, model):
    cm, ints = model
    lie = lying(cm.graph, ints)
    out = verify(lie.vk, lie.proof)
    ref = execute(cm.graph, ints)
    for o in cm.graph.outputs:
        assert np.array_equal(out[o], ref[o]), o
    a, al = (ref[cm.graph.outputs[j]].ravel() for j in (1, 2))
    assert a.tolist() == [1, 0, 2] and al.tolist() == [3, 2, 4]  # ties broken both ways


def test_flipped_comparison_bit_rejected(lying, model):
    def flip(y):
        y[0, 0] = 1 - y[0, 0]
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("less", "lookup", flip))
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_argmax_tie_broken_to_the_last_rejected(lying, model):
    """r = max_k e_k·(K − 1 − k) claimed for the last tied maximum (index 3, not 1): below the
    true maximum, one gap of the max step is negative."""
    def last_tie(r):
        r[0] = 4 - 3
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("argmax", "max_reduce", last_tie))
    assert lie.proof.outputs[cm.graph.outputs[1]][0] == 3  # the lie reaches the output
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)  # the gap r − g_1 = −2 is out of range


def test_argmax_first_maximum_marked_not_maximal_rejected(lying, model):
    """e_1 = 0 at the first maximum (x_1 − m = 0): the result then points at the second tie."""
    def unmark(e):
        e[0, 1] = 0
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("argmax", "lookup", unmark))
    assert lie.proof.outputs[cm.graph.outputs[1]][0] == 3
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_last_index_argmax_returning_the_first_tie_rejected(lying, model):
    def first_tie(r):
        r[0] = 1
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("argmax_last", "max_reduce", first_tie))
    assert lie.proof.outputs[cm.graph.outputs[2]][0] == 1
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_one_hot_selecting_another_element_rejected(lying, model):
    def move(oh):
        oh[0, 1] = np.roll(oh[0, 1], 1)
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("gather_el", "lookup", move))
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_gathered_row_of_another_index_rejected(lying, model):
    def other(y):
        y[0, 0] = TABLE[1]
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("gather_tab", "lookup", other))  # the pair table
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_wide_comparison_sign_flipped_rejected(lying, model):
    """k − 7 spans more than one table: its sign is a requant clamp to [−1, 1]."""
    def flip(s):
        s[0, 0] = -s[0, 0]
    cm, ints = model
    assert "requant" in {n.op for n in cm.graph.nodes if n.name == "wide"}
    lie = lying(cm.graph, ints, _lie("wide", "requant", flip))
    assert lie.proof.outputs[cm.graph.outputs[5]][0, 0] == 0  # k = 5000 > 7 claimed false
    rejects(lie.vk, lie.proof, match="requant")


def test_wide_comparison_bit_flipped_rejected(lying, model):
    def flip(y):
        y[1, 1] = 1 - y[1, 1]
    cm, ints = model
    lie = lying(cm.graph, ints, _lie("wide", "lookup", flip))
    rejects(lie.vk, lie.proof, match=LOOKUP_MISS)


def test_changed_output_alone_rejected(lying, model):
    """The public ArgMax output changed, nothing else."""
    cm, ints = model
    name = cm.graph.outputs[1]

    def ints_fn(plan, ints_):
        ints_[name] = ints_[name].copy()
        ints_[name][0] = 3
    lie = lying(cm.graph, ints, ints_fn)
    rejects(lie.vk, lie.proof)


@pytest.mark.parametrize("label", [":requant:finals", ":max_reduce:finals", ":max_reduce:opening",
                                   "lookup/use", ":requant:sumcheck", ":mul:"])
def test_changed_step_message_rejected(lying, model, label):
    cm, ints = model
    rejects_bumped_ends(lying(cm.graph, ints), label)


@pytest.mark.parametrize("change", ["op", "threshold"])
def test_comparison_and_thresholds_are_bound_into_the_model_id(change):
    """Less vs LessOrEqual (another table), or one threshold moved by a step (another
    committed constant): another model id, and each model's proof fails the other's key."""
    def compiled(op: str, t: float):
        vi = helper.make_tensor_value_info
        g = helper.make_graph(
            [helper.make_node(op, ["x", "t"], ["y"], name="cmp")], "cmp",
            [vi("x", F, ["N", 3])], [vi("y", B, None)],
            [numpy_helper.from_array(np.array([0.5, t, 1.0], np.float32), "t")])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
        return api.compile(m.SerializeToString(), np.array([[1.0, -1.0, 0.5]]))

    a = compiled("Less", 0.25)
    b = compiled("LessOrEqual", 0.25) if change == "op" else compiled("Less", 0.5)
    pa, pb = api.setup(a, pcs="raw"), api.setup(b, pcs="raw")
    assert pa.vk.model_id != pb.vk.model_id
    x = np.array([[0.5, 0.25, -1.0]])
    for mine, other in ((pa, pb), (pb, pa)):
        proof = api.prove(mine, x)
        api.verify(mine.vk, proof)
        with pytest.raises((VerificationError, ProofFormatError)):
            api.verify(other.vk, proof)
