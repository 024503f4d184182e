"""Gather step (im2col, pooling windows, reshape, concat): forward, completeness, true claims."""

from __future__ import annotations

import random

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
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import eq_eval_index
from tensorproof.prover.scatter import gather_scatter_add
from tensorproof.verifier.layers.gather import wiring_weight

WIDE = 10**9


def patches(x, kernel, strides, pads):
    """Reference: x (B, C, H, W) → (B, C, OH, OW, KH·KW) by slicing a zero-padded copy."""
    kh, kw = kernel
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - kh) // strides[0] + 1
    ow = (xp.shape[3] - kw) // strides[1] + 1
    cols = [xp[:, :, u:u + strides[0] * (oh - 1) + 1:strides[0],
               v:v + strides[1] * (ow - 1) + 1:strides[1]]
            for u in range(kh) for v in range(kw)]
    return np.stack(cols, axis=-1)


def conv_reference(x, w, b, strides, pads):
    p = patches(x, w.shape[2:], strides, pads)  # (B, C, OH, OW, U)
    return np.einsum("bchwu,ocu->bohw", p, w.reshape(*w.shape[:2], -1)) + b[None, :, None, None]


def conv_graph(c, h, w, o, kernel, strides, pads, seed=0):
    rng = np.random.default_rng(seed)
    wt = rng.integers(-20, 21, (o, c, *kernel))
    bias = rng.integers(-50, 51, o)
    oh = (h + pads[0] + pads[2] - kernel[0]) // strides[0] + 1
    ow = (w + pads[1] + pads[3] - kernel[1]) // strides[1] + 1
    g = graph(["x"], ["y"], [spec("x", (c, h, w)), spec("y", (o, oh, ow), -WIDE, WIDE)],
              [node("conv2d", ["x"], "y", {"W": wt, "b": bias}, strides=strides, pads=pads)])
    return g, wt, bias


CONVS = [  # (C, H, W), O, kernel, strides, pads
    ((2, 5, 6), 3, (3, 3), (1, 1), (1, 1, 1, 1)),
    ((3, 7, 5), 2, (3, 2), (2, 1), (0, 1, 1, 0)),
    ((1, 4, 4), 2, (2, 2), (2, 2), (0, 0, 0, 0)),
]


def _check_step(g, plan, ints, i, seed, n_claims=1):
    n = plan.tensors[plan.steps[i].output].layout.n_vars
    points = [random_point(n, seed + j) for j in range(n_claims)]
    prover_claims, verifier_claims = run_step(plan, i, ints, points[0], points[1:])
    assert prover_claims == verifier_claims
    assert prover_claims, "the step routed no claim"
    assert_claims_true(plan, ints, prover_claims)
    return prover_claims


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", CONVS)
def test_im2col_forward_and_claims(case, batch):
    shape, o, kernel, strides, pads = case
    g, _, _ = conv_graph(*shape, o, kernel, strides, pads)
    plan = build_plan(g, batch)
    x = np.random.default_rng(batch).integers(-128, 128, (batch, *shape))
    ints = witness_of(g, plan, {"x": x})
    step = plan.steps[0]
    assert step.op == "gather"
    expected = patches(x, kernel, strides, pads).transpose(0, 2, 3, 1, 4)  # (B, OH, OW, C, U)
    assert np.array_equal(ints[step.output], expected)
    claims = _check_step(g, plan, ints, 0, seed=batch)
    assert [c.name for c in claims] == ["x"]


@pytest.mark.parametrize("batch", [1, 3])
def test_pool_windows_forward_and_claims(batch):
    g = graph(["x"], ["y"], [spec("x", (3, 5, 5)), spec("y", (3, 2, 2), -WIDE, WIDE)],
              [node("sum_pool2d", ["x"], "y", kernel=(3, 3), strides=(2, 2), pads=(0, 0, 1, 1))])
    plan = build_plan(g, batch)
    x = np.random.default_rng(7).integers(-128, 128, (batch, 3, 5, 5))
    ints = witness_of(g, plan, {"x": x})
    win = patches(x, (3, 3), (2, 2), (0, 0, 1, 1))
    assert np.array_equal(ints[plan.steps[0].output], win)
    assert np.array_equal(ints["y"], win.sum(axis=-1))
    _check_step(g, plan, ints, 0, seed=11)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("shapes", [((3, 5), (5, 3)), ((2, 3, 4), (6, 4)), ((6,), (2, 3))])
def test_reshape_forward_and_claims(shapes, batch):
    s_in, s_out = shapes
    g = graph(["x"], ["y"], [spec("x", s_in), spec("y", s_out)],
              [node("reshape", ["x"], "y", shape=s_out)])
    plan = build_plan(g, batch)
    assert plan.steps[0].op == "gather"
    x = np.random.default_rng(3).integers(-128, 128, (batch, *s_in))
    ints = witness_of(g, plan, {"x": x})
    assert np.array_equal(ints["y"], x.reshape(batch, *s_out))
    _check_step(g, plan, ints, 0, seed=5)


def concat_graph(shape_a, shape_b, axis):
    out = list(shape_a)
    out[axis] += shape_b[axis]
    return graph(["a", "b"], ["y"], [spec("a", shape_a), spec("b", shape_b), spec("y", out)],
                 [node("concat", ["a", "b"], "y", axis=axis)])


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", [((3, 5), (2, 5), 0), ((3, 5), (3, 2), 1), ((2, 3), (2, 3), -1)])
def test_concat_two_sources_claims(case, batch):
    shape_a, shape_b, axis = case
    g = concat_graph(shape_a, shape_b, axis)
    plan = build_plan(g, batch)
    rng = np.random.default_rng(batch)
    a = rng.integers(-128, 128, (batch, *shape_a))
    b = rng.integers(-128, 128, (batch, *shape_b))
    ints = witness_of(g, plan, {"a": a, "b": b})
    assert np.array_equal(ints["y"], np.concatenate([a, b], axis=axis % 2 + 1))
    claims = _check_step(g, plan, ints, 0, seed=9)
    assert sorted(c.name for c in claims) == ["a", "b"]


def test_several_claims_on_the_output_are_merged():
    g, _, _ = conv_graph(2, 5, 6, 3, (3, 3), (1, 1), (1, 1, 1, 1))
    plan = build_plan(g, 3)
    x = np.random.default_rng(0).integers(-128, 128, (3, 2, 5, 6))
    ints = witness_of(g, plan, {"x": x})
    claims = _check_step(g, plan, ints, 0, seed=21, n_claims=3)
    assert len(claims) == 1


def test_virtual_source_claim_is_true():
    """Gather whose source is an intermediate tensor: the claim on it is pending and true."""
    c = np.arange(1, 16).reshape(3, 5) - 7
    g = graph(["x"], ["y"], [spec("x", (3, 5)), spec("h", (3, 5), -WIDE, WIDE),
                             spec("y", (5, 3), -WIDE, WIDE)],
              [node("mul_const", ["x"], "h", {"c": c}), node("reshape", ["h"], "y", shape=(5, 3))])
    plan = build_plan(g, 2)
    assert plan.tensors["h"].kind == "virtual"
    ints = witness_of(g, plan, {"x": np.random.default_rng(1).integers(-9, 9, (2, 3, 5))})
    claims = _check_step(g, plan, ints, 1, seed=3)
    assert [c.name for c in claims] == ["h"]


@pytest.mark.parametrize("batch", [1, 3])
def test_conv_model_proves_and_verifies(batch):
    strides, pads = (2, 1), (1, 0, 1, 2)
    g, wt, bias = conv_graph(2, 5, 4, 3, (3, 3), strides, pads, seed=4)
    x = np.random.default_rng(batch).integers(-128, 128, (batch, 2, 5, 4))
    proof, out = prove_and_verify(g, {"x": x})
    assert np.array_equal(out["y"], conv_reference(x, wt, bias, strides, pads))


def test_concat_then_reshape_model_proves_and_verifies():
    g = graph(["a", "b"], ["y"],
              [spec("a", (3, 5)), spec("b", (3, 2)), spec("c", (3, 7)), spec("y", (7, 3))],
              [node("concat", ["a", "b"], "c", axis=1), node("reshape", ["c"], "y", shape=(7, 3))])
    rng = np.random.default_rng(2)
    a, b = rng.integers(-128, 128, (3, 3, 5)), rng.integers(-128, 128, (3, 3, 2))
    _, out = prove_and_verify(g, {"a": a, "b": b})
    assert np.array_equal(out["y"], np.concatenate([a, b], axis=2).reshape(3, 7, 3))


def test_scatter_add_is_modular():
    rng = np.random.default_rng(0)
    src = rng.integers(0, P, (50, 2), dtype=np.uint64)
    src_idx = rng.integers(0, 50, 400)
    dst_idx = rng.integers(0, 8, 400)  # many collisions: sums far above 2^64
    out = gather_scatter_add(src, src_idx, dst_idx, 8)
    expected = [[0, 0] for _ in range(8)]
    for s, d in zip(src_idx.tolist(), dst_idx.tolist()):
        for c in range(2):
            expected[d][c] = (expected[d][c] + int(src[s, c])) % P
    assert out.tolist() == expected
    with pytest.raises(ValueError):
        gather_scatter_add(src, src_idx, dst_idx, 4)


def test_wiring_weight_matches_definition():
    ext = ext_field(2)
    rng = random.Random(4)
    z_out = [ext.random(rng) for _ in range(4)]
    z_in = [ext.random(rng) for _ in range(3)]
    npr = np.random.default_rng(4)
    out_pos, in_pos = npr.integers(0, 16, 30), npr.integers(0, 8, 30)
    expected = ext.zero()
    for o, q in zip(out_pos.tolist(), in_pos.tolist()):
        term = ext.mul(eq_eval_index(ext, z_out, o), eq_eval_index(ext, z_in, q))
        expected = ext.add(expected, term)
    assert wiring_weight(vec_field(2), z_out, z_in, (out_pos, in_pos)) == expected
    empty = np.zeros(0, dtype=np.int64)
    assert wiring_weight(vec_field(2), z_out, z_in, (empty, empty)) == ext.zero()
