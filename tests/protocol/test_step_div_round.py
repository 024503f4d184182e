"""div_round step: exact forward (against the reference executor), the advice identity, how y's
range is checked, plan-time bounds, and completeness through the real prove/verify drivers
(shifts 0..20, negative and positive numerators, odd and even divisors, y committed with
padding or public, batch 1 and 3) — on hand-built graphs and on a compiled ONNX Gemm → Softmax."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from helpers_models import make_model
from protocol.step_harness import build_plan, graph, node, prove_and_verify, spec, witness_of
from tensorproof.errors import BoundError
from tensorproof.frontend import compile_onnx
from tensorproof.ir.ranges import infer_range
from tensorproof.quant.executor import execute
from tensorproof.verifier.layers.div_round import (
    d_names,
    r_names,
    r_width,
    v_names,
    y_mode,
    y_width,
)
from tensorproof.verifier.layers.requant import LIMB_BITS, limb_widths


def div_graph(shape, shift, a_range, b_range, committed=True):
    """a, b → div_round → y (declared range = the derived one); with committed=True, y is
    flattened by a gather, so y is advice with padding its consumer never reads."""
    n = node("div_round", ["a", "b"], "y", shift=shift)
    sa, sb = spec("a", shape, *a_range), spec("b", shape, *b_range)
    lo, hi, _ = infer_range(n, [sa, sb])
    specs, nodes, out = [sa, sb, spec("y", shape, lo, hi)], [n], "y"
    if committed:
        size = int(np.prod(shape))
        specs.append(spec("z", (size,), lo, hi))
        nodes.append(node("reshape", ["y"], "z", shape=(size,)))
        out = "z"
    return graph(["a", "b"], [out], specs, nodes), out


def inputs(shape, batch, a_range, b_range, seed=1):
    rng = np.random.default_rng(seed)
    return {"a": rng.integers(a_range[0], a_range[1] + 1, (batch, *shape)),
            "b": rng.integers(b_range[0], b_range[1] + 1, (batch, *shape))}


CASES = [  # shape, shift, a range, b range, committed
    ((3, 5), 4, (-1000, 1000), (1, 300), True),  # y limbs, r limbs of 8 + 2 bits
    ((3, 5), 0, (0, 127), (1, 10), True),  # y ∈ [0, 127]: y looked up directly
    ((2, 3, 6), 20, (-50, 50), (7, 9), True),  # odd and even b, large shift
    ((7,), 0, (-3000, 3000), (1, 1), False),  # y public, b = 1: y = a
    ((4, 4), 3, (-20, -1), (2, 40), False),  # negative quotients only
]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-s{c[1]}-b{c[3][1]}-{c[4]}")
def test_div_round_proves_and_matches_executor(case, batch):
    shape, shift, a_range, b_range, committed = case
    g, out = div_graph(shape, shift, a_range, b_range, committed)
    xs = inputs(shape, batch, a_range, b_range, seed=batch + shift)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


def test_forward_rounds_half_up_for_odd_and_even_divisors():
    """y = ⌊(a·2^s + ⌊b/2⌋)/b⌋: 5/2 → 3, −5/2 → −2, 7/3 → 2, 8/3 → 3, −8/3 → −3, 3/6 → 1."""
    g, _ = div_graph((6,), 0, (-8, 8), (1, 6), committed=False)
    xs = {"a": np.array([[5, -5, 7, 8, -8, 3]]), "b": np.array([[2, 2, 3, 3, 3, 6]])}
    plan = build_plan(g, 1)
    assert witness_of(g, plan, xs)["y"].tolist() == [[3, -2, 2, 3, -3, 1]]
    _, outputs = prove_and_verify(g, xs)
    assert outputs["y"].tolist() == [[3, -2, 2, 3, -3, 1]]


@pytest.mark.parametrize("shift", [0, 4, 20])
def test_advice_satisfies_the_identity(shift):
    a_range, b_range = (-1000, 1000), (1, 300)
    g, _ = div_graph((3, 5), shift, a_range, b_range)
    plan = build_plan(g, 2)
    step = plan.steps[0]
    ints = witness_of(g, plan, inputs((3, 5), 2, a_range, b_range, seed=shift))
    a, b, y = ints["a"], ints["b"], ints["y"]

    def join(names, width):
        for name, w in zip(names, limb_widths(width)):
            assert ints[name].min() >= 0 and ints[name].max() < 1 << w
        return sum(ints[name] << (LIMB_BITS * j) for j, name in enumerate(names))

    r = join(r_names(plan, step), r_width(plan, step))
    d = join(d_names(plan, step), r_width(plan, step))
    assert np.array_equal(a * (1 << (shift + 1)) + b, 2 * y * b + r)
    assert np.array_equal(d, 2 * b - 1 - r)
    lo = plan.tensors["y"].lo
    assert np.array_equal(join(v_names(plan, step), y_width(plan, step)), y - lo)


@pytest.mark.parametrize("a_range, b_range, committed, mode", [
    ((-1000, 1000), (1, 300), True, "limbs"),  # lo < 0
    ((0, 127), (1, 10), True, "direct"),  # [0, 127]: one 7-bit table
    ((0, 1000), (1, 3), True, "limbs"),  # lo = 0 but 10 bits
    ((0, 127), (1, 10), False, "public"),  # the statement checks a public y's range
])
def test_y_range_check_mode(a_range, b_range, committed, mode):
    g, _ = div_graph((3, 5), 0, a_range, b_range, committed)
    plan = build_plan(g, 1)
    step = plan.steps[0]
    assert y_mode(plan, step) == mode
    assert (len(v_names(plan, step)) > 0) == (mode == "limbs")
    assert (("y",) in [u.columns for u in plan.lookup_uses]) == (mode == "direct")


def test_shift_too_large_for_the_field_is_a_bound_error():
    g, _ = div_graph((3, 5), 40, (-(1 << 20), 1 << 20), (1, 3))
    with pytest.raises(BoundError, match="could reach 2\\^62"):
        build_plan(g, 1)


def test_nonpositive_divisor_range_is_a_bound_error():
    g, _ = div_graph((3, 5), 0, (0, 10), (1, 3))
    g.tensors["b"] = spec("b", (3, 5), 0, 3)
    with pytest.raises(BoundError, match="not positive"):
        build_plan(g, 1)


@pytest.mark.parametrize("committed", [True, False])
def test_single_element_tensor(committed):
    """One entry, batch 1: the relation's sumcheck has no variables at all."""
    g, out = div_graph((1,), 3, (-99, 99), (1, 7), committed)
    xs = {"a": np.array([[-77]]), "b": np.array([[6]])}
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


# ---- a compiled ONNX Softmax -------------------------------------------------------------------


@pytest.fixture(scope="module")
def softmax_model():
    """Gemm (6 → 5) → Softmax over the last axis, compiled at 8 bits; and its calibration
    samples (proven inputs are taken from them, so no activation leaves its calibrated range)."""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["g"], name="fc", transB=1),
             helper.make_node("Softmax", ["g"], ["y"], name="sm", axis=-1)]
    blob = make_model(nodes, {"x": ["N", 6]}, {"y": None},
                      {"w": 2 * rng.normal(size=(5, 6)), "b": rng.normal(size=5)})
    calibration = rng.normal(size=(32, 6))
    return compile_onnx(blob, calibration), calibration


@pytest.mark.parametrize("batch", [1, 3])
def test_compiled_softmax_proves_and_matches_executor(softmax_model, batch):
    from tensorproof.prover.model import setup
    from tensorproof.prover.prove import prove
    from tensorproof.verifier.verify import verify

    cm, calibration = softmax_model
    assert "div_round" in cm.graph.op_counts()
    quant = cm.inputs[0]
    xs = {quant.name: quant.quantize(calibration[2 * batch : 3 * batch])}
    pk = setup(cm, {"k": 2, "pcs": "raw"})
    outputs = verify(pk.vk, prove(pk, xs))
    ref = execute(cm.graph, xs)
    name = cm.graph.outputs[0]
    assert np.array_equal(outputs[name], ref[name])
    assert len(np.unique(ref[name])) > 2  # a real distribution, not a constant
