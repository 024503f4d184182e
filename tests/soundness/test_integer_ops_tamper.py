"""Tamper suite of the integer and indexing ops of issue 14's last corpus models: TopK (both
constructions), integer Div (by a constant through a table, through a requant, by a computed
divisor), BitShift (a wrapped left shift, a right shift by a tensor), GatherND (computed and
constant indices), ScatterND (the last repeated index wins), ScatterElements and Concat of an
integer constant (quant/intarith.py, quant/selection.py: compositions of the lookup, requant,
div_round, add, mul, linear, matmul, max_reduce and shape steps).

As in test_new_ops_tamper.py, a lying prover changes the output of one proof step (one entry
moved by one, within the tensor's declared range), refits that step's advice and recomputes
every later step from the lie (so only the lied-about relation can catch it), at the op's
first, middle and last step; every lie must be rejected, a forged public output too, and the
honest proof verifies with the reference outputs."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from soundness.lying_prover import (
    forged_output_rejected,
    honest_matches_reference,
    in_range_lie,
    lie_at_rejected,
    rejects,
)
from tensorproof import api
from tensorproof.errors import ProverError
from tensorproof.verifier.lowering import build_plan

F, I64, I32, U8 = TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32, TensorProto.UINT8
RNG = np.random.default_rng(23)


def _graph(nodes, inputs: dict, outputs: dict, inits: dict | None = None) -> bytes:
    vi = helper.make_tensor_value_info
    g = helper.make_graph(nodes, "t", [vi(k, t, ["N", *s]) for k, (t, s) in inputs.items()],
                          [vi(k, t, None) for k, t in outputs.items()],
                          [onnx.numpy_helper.from_array(np.asarray(v), k)
                           for k, v in (inits or {}).items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)],
                             ir_version=8).SerializeToString()


def _node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name="target", **attrs)


def _topk(n: int, k: int, largest: int):
    return (_graph([_node("TopK", ["x", "k"], ["v", "i"], largest=largest)],
                   {"x": (I64, [n])}, {"v": I64, "i": I64}, {"k": np.array([k], np.int64)}),
            {"x": RNG.integers(-4, 5, (3, n))})


def _div(wide: bool):
    top = 100_000 if wide else 50
    x = RNG.integers(-top, top + 1, (3, 4))
    x[0, :2] = [-top, top]
    return (_graph([_node("Div", ["x", "d"], ["y"])], {"x": (I32, [4])}, {"y": I32},
                   {"d": np.array(-7, np.int32)}), {"x": x})


def _div_computed():
    nodes = [helper.make_node("Abs", ["w"], ["aw"]), helper.make_node("Add", ["aw", "one"], ["b"]),
             _node("Div", ["x", "b"], ["y"])]
    return (_graph(nodes, {"x": (I64, [4]), "w": (I64, [4])}, {"y": I64},
                   {"one": np.array(1, np.int64)}),
            {"x": RNG.integers(-60, 61, (3, 4)), "w": RNG.integers(-5, 6, (3, 4))})


def _shift(direction: str, tensor: bool):
    ins = {"x": (U8, [4])} | ({"s": (U8, [4])} if tensor else {})
    inits = {} if tensor else {"s": np.array([1, 3, 5, 7], np.uint8)}
    feeds = {"x": RNG.integers(0, 256, (3, 4))} | ({"s": RNG.integers(0, 9, (3, 4))}
                                                   if tensor else {})
    return (_graph([_node("BitShift", ["x", "s"], ["y"], direction=direction)], ins,
                   {"y": U8}, inits), feeds)


def _gather_nd(const: bool):
    if const:
        return (_graph([_node("GatherND", ["x", "i"], ["y"])], {"x": (F, [3, 4])}, {"y": F},
                       {"i": np.array([[[0, 2], [0, -1]]], np.int64)}),
                {"x": RNG.uniform(-2, 2, (3, 3, 4))})
    nodes = [helper.make_node("Concat", ["zero", "j"], ["i"], axis=2),  # an integer constant
             _node("GatherND", ["x", "i"], ["y"])]
    return (_graph(nodes, {"x": (F, [3, 4]), "j": (I64, [2, 1])}, {"y": F},
                   {"zero": np.zeros((1, 2, 1), np.int64)}),
            {"x": RNG.uniform(-2, 2, (3, 3, 4)), "j": np.array([[[2], [-1]], [[0], [0]],
                                                                [[1], [2]]])})


def _scatter_nd():
    ins = {"x": (I64, [4, 2]), "i": (I64, [3, 2]), "u": (I64, [3, 2])}
    i = np.array([[[0, 1], [0, -3], [0, 1]], [[0, 0], [0, 3], [0, 2]], [[0, 2], [0, 2], [0, 2]]])
    return (_graph([_node("ScatterND", ["x", "i", "u"], ["y"])], ins, {"y": I64}),
            {"x": RNG.integers(-9, 10, (3, 4, 2)), "i": i, "u": RNG.integers(-9, 10, (3, 3, 2))})


def _scatter_elements():
    ins = {"x": (I64, [2, 5]), "i": (I64, [2, 2]), "u": (I64, [2, 2])}
    return (_graph([_node("ScatterElements", ["x", "i", "u"], ["y"], axis=2)], ins, {"y": I64}),
            {"x": RNG.integers(-9, 10, (3, 2, 5)), "i": RNG.integers(-5, 5, (3, 2, 2)),
             "u": RNG.integers(-9, 10, (3, 2, 2))})


CASES = {
    "TopK-ranks": lambda: _topk(6, 4, 1),
    "TopK-ranks-smallest": lambda: _topk(5, 5, 0),
    "TopK-rounds": lambda: _topk(70, 2, 1),
    "Div-table": lambda: _div(False),
    "Div-requant": lambda: _div(True),
    "Div-computed": _div_computed,
    "BitShift-left": lambda: _shift("LEFT", False),
    "BitShift-right-tensor": lambda: _shift("RIGHT", True),
    "GatherND-computed": lambda: _gather_nd(False),
    "GatherND-constant": lambda: _gather_nd(True),
    "ScatterND": _scatter_nd,
    "ScatterElements": _scatter_elements,
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    model, feeds = CASES[request.param]()
    cm = api.compile(model, feeds)
    return request.param, cm, cm.quantize_inputs(feeds)


def test_the_ops_compile_to_existing_steps_only(case):
    from tensorproof.verifier.lowering import PROVABLE_OPS

    _, cm, _ = case
    assert set(cm.graph.op_counts()) <= set(PROVABLE_OPS)


def test_honest_proof_verifies_with_the_reference_outputs(lying, case):
    honest_matches_reference(lying, *case[1:])


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_lied_step_output_rejected(lying, case, where):
    lie_at_rejected(lying, *case[1:], where)


def test_forged_public_output_alone_rejected(lying, case):
    forged_output_rejected(lying, *case[1:])


@pytest.mark.slow
def test_a_lie_at_any_step_is_rejected(lying, case):
    """Every step of the composition, not only the first, middle and last one."""
    _, cm, ints = case
    steps = len(build_plan(cm.graph, len(next(iter(ints.values())))).steps)
    for j in range(steps):
        try:
            lie = lying(cm.graph, ints, in_range_lie(j))
        except ProverError:
            continue  # the lie cannot even be fitted (a division remainder out of its range)
        rejects(lie.vk, lie.proof)
