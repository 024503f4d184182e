"""requant step: exact forward (against the reference executor), the advice identity, table
choice, and completeness through the real prove/verify drivers (per-tensor and per-channel
multipliers, shifts 8..40 so the remainder spans 1 to 3 limbs, ReLU clamp, batch 1 and 3,
output public or committed with padding)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import build_plan, graph, node, prove_and_verify, spec, witness_of
from tensorproof.errors import BoundError, ProverError
from tensorproof.quant.executor import execute
from tensorproof.verifier.layers.requant import LIMB_BITS, clamp_range, clamp_table, limb_widths
from tensorproof.verifier.lowering import const_name
from tensorproof.verifier.names import Internal

X_BOUND = 3000


def requant_graph(shape, shift, axis=-1, lo=-128, hi=127, committed=True, seed=0, negative=False):
    """x → requant → y; with committed=True, y is flattened by a gather (so y is advice with
    padding and its consumer never reads that padding)."""
    rng = np.random.default_rng(seed)
    n = 1 if axis < 0 else shape[axis]
    target = max(abs(lo), abs(hi)) + 40  # q reaches a little beyond the clamp bounds
    m_hi = max((target << shift) // X_BOUND, 2)
    mult = rng.integers(m_hi // 2, m_hi, n)
    if negative:
        mult[::2] *= -1
    specs = [spec("x", shape, -X_BOUND, X_BOUND), spec("y", shape, lo, hi)]
    nodes = [node("requant", ["x"], "y", {"mult": mult}, shift=shift, lo=lo, hi=hi, axis=axis)]
    out = "y"
    if committed:
        size = int(np.prod(shape))
        specs.append(spec("z", (size,), lo, hi))
        nodes.append(node("reshape", ["y"], "z", shape=(size,)))
        out = "z"
    return graph(["x"], [out], specs, nodes), out


def inputs(shape, batch, seed=1):
    return {"x": np.random.default_rng(seed).integers(-X_BOUND, X_BOUND + 1, (batch, *shape))}


CASES = [  # shape, shift, axis, lo, hi, committed
    ((3, 5), 8, -1, -128, 127, True),
    ((3, 5), 16, 0, -128, 127, True),
    ((3, 5), 20, 1, -128, 127, False),
    ((2, 3, 6), 33, 1, -128, 127, True),
    ((4, 4), 40, 1, 0, 127, True),
    ((7,), 12, 0, 0, 255, False),
]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-s{c[1]}-ax{c[2]}-lo{c[3]}")
def test_requant_proves_and_matches_executor(case, batch):
    shape, shift, axis, lo, hi, committed = case
    g, out = requant_graph(shape, shift, axis, lo, hi, committed, seed=shift)
    xs = inputs(shape, batch, seed=batch + shift)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


def test_relu_clamp_is_exercised():
    """lo = 0: most negative quotients are clamped, and the proof still verifies."""
    g, out = requant_graph((4, 4), 10, 0, lo=0, hi=127, seed=3)
    xs = inputs((4, 4), 2)
    ref = execute(g, xs)
    assert (ref[out] == 0).mean() > 0.3
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], ref[out])


def test_negative_multipliers():
    g, out = requant_graph((3, 5), 18, 1, seed=5, negative=True)
    xs = inputs((3, 5), 2)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


@pytest.mark.parametrize("shift", [4, 8, 16, 17, 33, 40])
def test_advice_satisfies_the_identity(shift):
    g, _ = requant_graph((3, 5), shift, 0, seed=shift)
    plan = build_plan(g, 2)
    ints = witness_of(g, plan, inputs((3, 5), 2))
    x, mult = ints["x"], ints[const_name(0, "mult")]
    q = ints[Internal("y", "q")]
    r = sum(ints[Internal("y", "r", j)] << (LIMB_BITS * j) for j in range(len(limb_widths(shift))))
    for j, w in enumerate(limb_widths(shift)):
        assert ints[Internal("y", "r", j)].min() >= 0 and ints[Internal("y", "r", j)].max() < 1 << w
    assert np.array_equal(x * mult[None, :, None] + (1 << (shift - 1)), (q << shift) + r)
    assert np.array_equal(ints["y"], np.clip(q, -128, 127))


@pytest.mark.parametrize("shift", [1, 7, 8, 16, 20, 40])
def test_limb_widths(shift):
    widths = limb_widths(shift)
    assert sum(widths) == shift and all(0 < w <= LIMB_BITS for w in widths)
    assert widths[:-1] == [LIMB_BITS] * (len(widths) - 1)


@pytest.mark.parametrize("lo, hi", [(-128, 127), (0, 127), (0, 255), (-5, 5), (3, 3),
                                    (-(1 << 15), (1 << 15) - 1)])
def test_clamp_table_covers_its_range(lo, hi):
    t_lo, t_hi = clamp_range(lo, hi)
    rows = t_hi - t_lo + 1
    assert rows & (rows - 1) == 0 and t_lo <= lo and hi <= t_hi
    assert rows <= max(1 << 18, 2 * (hi - lo + 1))
    spec_ = clamp_table(lo, hi)
    assert np.array_equal(spec_.columns[1], np.clip(spec_.columns[0], lo, hi))


def test_quotient_outside_table_asks_to_recalibrate():
    g, _ = requant_graph((3, 5), 8, -1, seed=0)
    g.nodes[0].consts["mult"][:] = 1 << 20  # q far outside [lo − W, hi + W]
    plan = build_plan(g, 1)
    with pytest.raises(ProverError, match="'y'.*out of the calibrated range, recalibrate"):
        witness_of(g, plan, inputs((3, 5), 1))


def test_shift_too_large_for_the_field_is_a_bound_error():
    g, _ = requant_graph((3, 5), 55, -1, seed=0)
    with pytest.raises(BoundError, match="reduce the shift"):
        build_plan(g, 1)


def tiny_cnn(seed=0):
    """conv 3×3 → requant per channel with ReLU → max pool 2×2 → flatten → linear → requant per
    tensor → sigmoid lookup: every relation step with a virtual (claim-reduced) input."""
    from tensorproof.quant.builder import GraphBuilder

    rng = np.random.default_rng(seed)
    b = GraphBuilder()
    x = b.add_input("x", (2, 6, 6), -128, 127, 1.0)
    conv = b.emit("conv2d", "conv", [x.name], attrs={"strides": (1, 1), "pads": (1, 1, 1, 1)},
                  consts={"W": rng.integers(-20, 21, (4, 2, 3, 3)), "b": rng.integers(-99, 99, 4)})
    act = b.emit("requant", "conv_rq", [conv.name], consts={"mult": rng.integers(900, 1100, 4)},
                 attrs={"shift": 17, "lo": 0, "hi": 127, "axis": 0})
    pool = b.emit("max_pool2d", "pool", [act.name],
                  attrs={"kernel": (2, 2), "strides": (2, 2), "pads": (0, 0, 0, 0)})
    flat = b.emit("reshape", "flat", [pool.name], attrs={"shape": (36,)})
    fc = b.emit("linear", "fc", [flat.name],
                consts={"W": rng.integers(-30, 31, (36, 5)), "b": rng.integers(-99, 99, 5)})
    rq = b.emit("requant", "fc_rq", [fc.name], consts={"mult": [40]},
                attrs={"shift": 12, "lo": -128, "hi": 127, "axis": -1})
    t = np.arange(-128, 128)
    sig = b.emit("lookup", "sigmoid", [rq.name], attrs={"x_lo": -128},
                 consts={"table": np.rint(255 / (1 + np.exp(-t / 16))).astype(np.int64)})
    return b.build([sig.name]), sig.name


@pytest.mark.parametrize("batch", [1, 3])
def test_tiny_cnn_end_to_end(batch):
    g, out = tiny_cnn()
    xs = {"x": np.random.default_rng(batch).integers(-128, 128, (batch, 2, 6, 6))}
    ref = execute(g, xs)
    assert 0 < (ref[g.nodes[1].output] == 0).mean() < 1  # the ReLU clamp is active
    assert len(np.unique(ref[out])) > 3
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], ref[out])


@pytest.mark.parametrize("committed", [True, False])
def test_single_element_tensor(committed):
    """One entry, batch 1: no variables at all."""
    g, out = requant_graph((1,), 9, -1, committed=committed)
    xs = {"x": np.array([[1234]])}
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


def wide_graph(committed: bool, lo=-40_000, hi=40_000, shift=12):
    """A rescaling requant whose clamp range is too wide for a table: range mode."""
    mult = np.array([10 << shift, 11 << shift, 12 << shift]) // 1
    specs = [spec("x", (3, 5), -X_BOUND, X_BOUND), spec("y", (3, 5), lo, hi)]
    nodes = [node("requant", ["x"], "y", {"mult": mult}, shift=shift, lo=lo, hi=hi, axis=0)]
    out = "y"
    if committed:
        specs.append(spec("z", (15,), lo, hi))
        nodes.append(node("reshape", ["y"], "z", shape=(15,)))
        out = "z"
    return graph(["x"], [out], specs, nodes), out


@pytest.mark.parametrize("committed", [False, True])
@pytest.mark.parametrize("batch", [1, 3])
def test_wide_clamp_uses_range_mode_and_proves(committed, batch):
    from tensorproof.verifier.layers.requant import RANGE_MODE_ROWS, range_mode

    g, out = wide_graph(committed)
    plan = build_plan(g, batch)
    (step,) = [s for s in plan.steps if s.op == "requant"]
    assert range_mode(step) and clamp_range(-40_000, 40_000)[1] + 40_001 > RANGE_MODE_ROWS
    assert not any(u.table.name.startswith("clamp") for u in plan.lookup_uses)
    xs = inputs((3, 5), batch)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])


@pytest.mark.parametrize("batch", [1, 3])
def test_range_mode_saturating_clamp_proves(batch):
    """lo = −1000 binds for most negative x (q ≈ 10x down to −33000): y = clamp(q) via u±."""
    g, out = wide_graph(True, lo=-1000, hi=40_000)
    xs = inputs((3, 5), batch)
    ys = execute(g, xs)[out]
    assert (ys == -1000).any() and (ys > -1000).any()
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], ys)


def test_window_covers_the_guaranteed_quotient_range():
    """setup annotates q's guaranteed range from the weights, so an overshoot far beyond the
    default window (q ≈ 40x reaches ±120000 against [0, 5000]) still proves."""
    g, out = wide_graph(True, lo=0, hi=5000, shift=12)
    g.nodes[0].consts["mult"][:] = 40 << 12
    xs = inputs((3, 5), 2)
    _, outputs = prove_and_verify(g, xs)
    assert np.array_equal(outputs[out], execute(g, xs)[out])
