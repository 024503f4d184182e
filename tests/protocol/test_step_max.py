"""max_reduce step (max pooling after the window gather): forward against the reference executor
(padding never wins, even over negative inputs), the validity mask, the advice, and completeness
through the real prove/verify drivers (2×2 and 3×3 windows, with and without padding, batch 1
and 3, the output public or committed)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import build_plan, graph, node, prove_and_verify, spec, witness_of
from tensorproof.errors import BoundError
from tensorproof.quant.executor import execute
from tensorproof.verifier.layers.max_reduce import valid_mask
from tensorproof.verifier.layout import Layout
from tensorproof.verifier.names import Internal
from tensorproof.verifier.wiring import conv_out_size


def pool_graph(c, h, w, kernel, strides, pads, lo=-50, hi=50, committed=True):
    """x → max_pool2d → y; with committed=True, y is flattened by a gather (y is advice)."""
    oh = conv_out_size(h, kernel[0], strides[0], pads[0], pads[2])
    ow = conv_out_size(w, kernel[1], strides[1], pads[1], pads[3])
    specs = [spec("x", (c, h, w), lo, hi), spec("y", (c, oh, ow), lo, hi)]
    nodes = [node("max_pool2d", ["x"], "y", kernel=kernel, strides=strides, pads=pads)]
    out = "y"
    if committed:
        specs.append(spec("z", (c * oh * ow,), lo, hi))
        nodes.append(node("reshape", ["y"], "z", shape=(c * oh * ow,)))
        out = "z"
    return graph(["x"], [out], specs, nodes), out


POOLS = [  # kernel, strides, pads
    ((2, 2), (2, 2), (0, 0, 0, 0)),
    ((3, 3), (2, 2), (1, 1, 1, 1)),
    ((3, 3), (1, 1), (1, 1, 1, 1)),
    ((2, 2), (1, 1), (0, 1, 1, 0)),
]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("committed", [True, False])
@pytest.mark.parametrize("pool", POOLS, ids=lambda p: f"k{p[0][0]}s{p[1][0]}p{sum(p[2])}")
def test_max_pool_proves_and_matches_executor(pool, committed, batch):
    g, out = pool_graph(2, 5, 5, *pool, committed=committed)
    xs = {"x": np.random.default_rng(batch).integers(-50, 51, (batch, 2, 5, 5))}
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


@pytest.mark.parametrize("pool", POOLS[1:], ids=["k3s2", "k3s1", "k2asym"])
def test_padding_never_wins_over_negative_inputs(pool):
    g, out = pool_graph(2, 5, 5, *pool)
    xs = {"x": np.random.default_rng(7).integers(-50, -1, (2, 2, 5, 5))}
    ref = execute(g, xs)[out]
    assert ref.max() < 0
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], ref)


def test_relu_range_input():
    g, out = pool_graph(3, 6, 6, (2, 2), (2, 2), (0, 0, 0, 0), lo=0, hi=255)
    xs = {"x": np.random.default_rng(3).integers(0, 256, (1, 3, 6, 6))}
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


def test_valid_mask_marks_image_entries_only():
    g, _ = pool_graph(1, 3, 3, (3, 3), (1, 1), (1, 1, 1, 1))
    plan = build_plan(g, 1)
    step = plan.steps[1]
    sample = Layout(plan.tensors[step.inputs[0]].layout.shape[1:])  # (1, 3, 3, 9)
    mask = valid_mask(plan, step).reshape(sample.padded)[0, :3, :3, :9]
    assert mask[1, 1].all()  # the centre window lies inside the image
    assert mask[0, 0].sum() == 4 and mask[0, 1].sum() == 6
    assert valid_mask(plan, step).sum() == 1 * (4 * 4 + 6 * 4 + 9)


def test_advice_is_the_gap_to_the_max_on_valid_entries():
    g, _ = pool_graph(2, 5, 5, (3, 3), (2, 2), (1, 1, 1, 1))
    plan = build_plan(g, 2)
    ints = witness_of(g, plan, {"x": np.random.default_rng(0).integers(-50, 51, (2, 2, 5, 5))})
    step = plan.steps[1]
    x, y, d = ints[step.inputs[0]], ints[step.output], ints[Internal("y", "d")]
    assert d.min() == 0 and (d == 0).any(axis=-1).all()
    sample = Layout(x.shape[1:])
    valid = valid_mask(plan, step).reshape(sample.padded)[tuple(slice(0, n) for n in x.shape[1:])]
    assert np.array_equal(d, (y[..., None] - x) * valid[None])


def test_wide_input_range_is_a_bound_error():
    g, _ = pool_graph(1, 4, 4, (2, 2), (2, 2), (0, 0, 0, 0), lo=-(1 << 16), hi=1 << 16)
    with pytest.raises(BoundError, match="requantize its input first"):
        build_plan(g, 1)


@pytest.mark.parametrize("committed", [True, False])
@pytest.mark.parametrize("c, kernel", [(1, (1, 1)), (2, (1, 1)), (1, (2, 2))],
                         ids=["1x1-window", "1x1-two-channels", "single-window"])
def test_degenerate_shapes(c, kernel, committed):
    """U = 1 (no window variables) and a single output entry (no output variables)."""
    g, out = pool_graph(c, 2, 2, kernel, kernel, (0, 0, 0, 0), committed=committed)
    xs = {"x": np.random.default_rng(0).integers(-50, 51, (1, c, 2, 2))}
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])
