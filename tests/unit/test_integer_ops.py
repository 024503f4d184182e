"""quant/intarith.py and quant/selection.py: integer division, bit shifts, TopK, GatherND,
ScatterND and ScatterElements built by the quantizer and run by the reference executor, against
numpy (exhaustive where the ranges are small, extremes and random values where they are wide);
the refusals (one-line errors naming the node); the index-input ranges of the frontend."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tensorproof import api
from tensorproof.errors import CompileError, InputError, UnsupportedOpError
from tensorproof.frontend.float_index import gather_nd, scatter_elements, scatter_nd, topk
from tensorproof.quant import QuantConfig, Quantizer
from tensorproof.quant.executor import execute
from tensorproof.quant.intarith import DIV_TABLE_ROWS, trunc_div
from tensorproof.quant.scatter import last_wins
from tensorproof.quant.selection import const_selector

RNG = np.random.default_rng(5)


def _q() -> Quantizer:
    return Quantizer({}, QuantConfig())


def _input(q: Quantizer, name: str, shape, lo: int, hi: int):
    return q.integer(q.b.add_input(name, tuple(shape), lo, hi, 1.0), name)


def _run(q: Quantizer, outs, feeds: dict) -> list[np.ndarray]:
    g = q.b.build([o.name for o in outs])
    vals = execute(g, feeds)
    return [vals[o.name] for o in outs]


def _ops(q: Quantizer) -> set[str]:
    return {n.op for n in q.b.nodes}


def _extremes(lo: int, hi: int, shape) -> np.ndarray:
    """Random values in [lo, hi] with both ends, 0, ±1 and their neighbours present."""
    x = RNG.integers(lo, hi + 1, shape)
    special = [lo, lo + 1, hi, hi - 1, 0, 1, -1]
    flat = x.reshape(-1)
    flat[: len(special)] = np.clip(special, lo, hi)
    return x


# ---- division --------------------------------------------------------------------------------

def test_trunc_div_is_c_division():
    t = np.arange(-50, 51)
    for d in (1, 2, 3, -3, 7, -8):
        want = [int(a / d) if a * d >= 0 else -(abs(a) // abs(d)) for a in t]
        assert trunc_div(t, d).tolist() == want, d


@pytest.mark.parametrize("d", [3, -3, 1, -1, 8, -16, 7, 1000003])
@pytest.mark.parametrize("wide", [False, True], ids=["table", "requant"])
def test_division_by_a_constant_truncates(d, wide):
    q = _q()
    top = 3 * DIV_TABLE_ROWS if wide else 300
    x = _input(q, "x", (4, 5), -top, top)
    y = q.int_div_const(x, np.array(d), "div", "y")
    assert ("lookup" in _ops(q) and "requant" not in _ops(q)) == (not wide and abs(d) != 1)
    xs = _extremes(-top, top, (30, 4, 5))
    (got,) = _run(q, [y], {"x": xs})
    assert np.array_equal(got, trunc_div(xs, d))
    assert q.b.exact[y.name] == (int(trunc_div(np.array([-top, top]), d).min()),
                                 int(trunc_div(np.array([-top, top]), d).max()))


def test_floor_division_is_exact_at_the_extremes_of_wide_ranges():
    """⌊v/d⌋ by a requant multiplier: the worst cases are v = q·d − 1 and v = q·d."""
    for d, top in [(3, 1 << 30), (7, 1 << 28), (10**6 + 3, 1 << 30), (2**20 - 1, 1 << 27)]:
        q = _q()
        x = _input(q, "x", (64,), -top, top)
        y = q.floor_div_const(x, d, "floor", "y")
        k = RNG.integers(-top // d, top // d, 48)
        xs = np.concatenate([k * d, k * d - 1, k * d + 1, k * d + d - 1])[None, :64]
        xs = np.clip(xs, -top, top)
        (got,) = _run(q, [y], {"x": xs})
        assert np.array_equal(got, xs // d), d


def test_constant_divisor_array_and_zero():
    q = _q()
    x = _input(q, "x", (2, 4), -100, 100)
    d = np.array([1, -2, 3, 5])
    y = q.int_div_const(x, d, "div", "y")
    xs = _extremes(-100, 100, (20, 2, 4))
    (got,) = _run(q, [y], {"x": xs})
    assert np.array_equal(got, np.trunc(xs / d).astype(np.int64))
    with pytest.raises(UnsupportedOpError, match="'div0'.*division by zero"):
        q.int_div_const(x, np.array([1, 0, 2, 3]), "div0", "z")


@pytest.mark.parametrize("sign", [1, -1])
def test_division_by_a_computed_divisor(sign):
    q = _q()
    a = _input(q, "a", (3, 4), -500, 500)
    b = _input(q, "b", (3, 4), 1, 40) if sign > 0 else _input(q, "b", (3, 4), -40, -1)
    y = q.int_div(a, b, "div", "y")
    av = _extremes(-500, 500, (25, 3, 4))
    bv = RNG.integers(1, 41, (25, 3, 4)) * sign
    bv[0, 0, :2] = sign  # |b| = 1
    (got,) = _run(q, [y], {"a": av, "b": bv})
    assert np.array_equal(got, np.trunc(av / bv).astype(np.int64))


def test_a_divisor_that_may_be_zero_is_refused():
    q = _q()
    a = _input(q, "a", (3,), -5, 5)
    b = _input(q, "b", (3,), -2, 2)
    with pytest.raises(UnsupportedOpError, match=r"'div'.*\[-2, 2\] holds 0"):
        q.int_div(a, b, "div", "y")


# ---- shifts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [8, 16])
def test_left_shift_wraps_like_the_unsigned_type(width):
    q = _q()
    top = (1 << width) - 1
    x = _input(q, "x", (6,), 0, top)
    s = np.array([0, 1, 3, width - 1, width, width + 2])
    y = q.shift_left(x, s, width, "shl", "y")
    sy = _input(q, "s", (6,), 0, width + 3)
    z = q.shift_left(x, sy, width, "shl_t", "z")
    xs = _extremes(0, top, (40, 6))
    ss = RNG.integers(0, width + 4, (40, 6))
    got, got_t = _run(q, [y, z], {"x": xs, "s": ss})
    dt = np.uint8 if width == 8 else np.uint16
    assert np.array_equal(got, np.left_shift(xs.astype(dt), s.astype(dt)).astype(np.int64))
    want = np.where(ss < width, (xs << np.minimum(ss, 62)) % (1 << width), 0)
    assert np.array_equal(got_t, want)
    assert (q.b.exact[y.name][1], q.b.exact[z.name][1]) <= (top, top)


def test_right_shift_by_constants_and_tensors():
    q = _q()
    x = _input(q, "x", (5,), 0, 70000)
    y = q.shift_right(x, np.array([0, 1, 4, 17, 40]), "shr", "y")
    sy = _input(q, "s", (5,), 0, 40)
    z = q.shift_right(x, sy, "shr_t", "z")
    xs = _extremes(0, 70000, (30, 5))
    ss = RNG.integers(0, 41, (30, 5))
    got, got_t = _run(q, [y, z], {"x": xs, "s": ss})
    assert np.array_equal(got, xs >> np.array([0, 1, 4, 17, 40]))
    assert np.array_equal(got_t, xs >> ss)


# ---- TopK ------------------------------------------------------------------------------------

def _topk_case(shape, k, axis, largest, lo=-3, hi=3, n_samples=30):
    q = _q()
    x = _input(q, "x", shape, lo, hi)
    v, i = q.topk(x, k, axis, largest, "topk", "v")
    xs = RNG.integers(lo, hi + 1, (n_samples, *shape))  # many ties
    got_v, got_i = _run(q, [v, i], {"x": xs})
    want_v, want_i = topk(xs, [k], axis + 1, int(largest))
    assert np.array_equal(got_v, want_v) and np.array_equal(got_i, want_i)
    assert q.b.exact[i.name] == (0, shape[axis] - 1) and q.b.exact[v.name][1] <= max(hi, -lo)
    return _ops(q)


@pytest.mark.parametrize("largest", [True, False], ids=["largest", "smallest"])
@pytest.mark.parametrize("k", [1, 3, 6])
def test_topk_by_ranks_matches_a_stable_sort(k, largest):
    ops = _topk_case((6,), k, 0, largest)
    assert "reduce_max" not in ops and "concat" not in ops  # no max step: ranks


@pytest.mark.parametrize("axis", [0, 1])
def test_topk_along_any_axis(axis):
    _topk_case((5, 4), 2, axis, True, -100, 100)


@pytest.mark.parametrize("largest", [True, False], ids=["largest", "smallest"])
@pytest.mark.parametrize("k", [1, 3])
def test_topk_by_rounds_matches_a_stable_sort(k, largest):
    ops = _topk_case((2, 70), k, 1, largest)
    assert "concat" in ops and "reduce_max" in ops  # max steps (trees of windows), joined


def test_topk_of_wide_integers_uses_ranks():
    ops = _topk_case((80,), 2, 0, True, -(1 << 20), 1 << 20, n_samples=8)
    assert "concat" not in ops


def test_topk_values_of_reals_keep_the_scale():
    q = _q()
    from tensorproof.quant import QVal

    x = QVal(q.b.add_input("x", (5,), -127, 127, 0.25), 0.25, None, True, "x")
    v, i = q.topk(x, 2, 0, True, "topk", "v")
    assert float(v.scale) == 0.25 and float(i.scale) == 1.0


# ---- selectors, gathers and scatters ---------------------------------------------------------

def test_const_selector_wraps_and_refuses():
    h = const_selector(np.array([[0, -1], [2, 1]]), (3, 2), "n")
    assert np.array_equal(h.argmax(-1), [1, 5]) and h.sum() == 2
    with pytest.raises(UnsupportedOpError, match="'n'.*constant index outside"):
        const_selector(np.array([[3, 0]]), (3, 2), "n")


def test_last_wins_keeps_the_last_repeated_index():
    h = np.zeros((1, 4, 3), np.int64)
    h[0, [0, 1, 2, 3], [1, 1, 0, 1]] = 1
    kept = last_wins(h)[0]
    assert kept[:, 1].tolist() == [0, 0, 0, 1] and kept[:, 0].tolist() == [0, 0, 1, 0]


def test_computed_selector_wraps_negatives_and_drops_out_of_range():
    q = _q()
    idx = _input(q, "i", (5, 2), -4, 3)
    h = q.selector(idx, (3, 2), "sel", "h")
    iv = np.array([[[0, 0], [-1, -2], [2, 1], [3, 0], [0, -3]]])  # last two: out of range
    (got,) = _run(q, [h], {"i": iv})
    assert got[0, :3].argmax(-1).tolist() == [0, 4, 5] and got[0].sum(-1).tolist() == [1, 1, 1,
                                                                                       0, 0]


@pytest.mark.parametrize("const_idx", [False, True], ids=["computed", "constant"])
def test_gather_nd_matches_numpy(const_idx):
    q = _q()
    x = _input(q, "x", (1, 3, 4), -50, 50)
    iv = np.array([[[0, 2], [0, -1], [0, 0]]])
    idx = iv if const_idx else _input(q, "i", (1, 3, 2), -3, 2)
    y = q.gather_nd(x, idx, 0, "gnd", "y")
    xs = _extremes(-50, 50, (6, 1, 3, 4))
    ivs = np.broadcast_to(iv, (6, 1, 3, 2))
    outs = _run(q, [y], {"x": xs} if const_idx else {"x": xs, "i": ivs})
    assert np.array_equal(outs[0], np.stack([gather_nd(a, iv) for a in xs]))


def test_gather_nd_of_a_constant_table_and_batch_dims():
    q = _q()
    table = RNG.integers(-9, 10, (4, 3)).astype(np.float64)
    idx = _input(q, "i", (2, 1), -4, 3)
    y = q.gather_nd(table, idx, 0, "gnd", "y")
    x = _input(q, "x", (2, 3, 2), -20, 20)
    j = _input(q, "j", (2, 1), 0, 2)
    z = q.gather_nd(x, j, 1, "gnd_b", "z")
    iv = RNG.integers(-4, 4, (10, 2, 1))
    xs = _extremes(-20, 20, (10, 2, 3, 2))
    jv = RNG.integers(0, 3, (10, 2, 1))
    got, got_b = _run(q, [y, z], {"i": iv, "x": xs, "j": jv})
    assert np.array_equal(got, table[iv[..., 0] % 4].astype(np.int64))
    assert np.array_equal(got_b, np.stack([gather_nd(a, b, 1) for a, b in zip(xs, jv)]))


@pytest.mark.parametrize("reduction", ["none", "add", "mul"])
@pytest.mark.parametrize("const_idx", [False, True], ids=["computed", "constant"])
def test_scatter_nd_matches_numpy(reduction, const_idx):
    if reduction == "mul" and not const_idx:
        pytest.skip("refused: computed indices may repeat (test below)")
    q = _q()
    x = _input(q, "x", (5, 2), -30, 30)
    u = _input(q, "u", (3, 2), -30, 30)
    iv = np.array([[4], [-5], [4]]) if reduction != "mul" else np.array([[4], [-5], [2]])
    idx = iv if const_idx else _input(q, "i", (3, 1), -5, 4)
    y = q.scatter_nd(x, idx, u, reduction, "snd", "y")
    xs, us = _extremes(-30, 30, (8, 5, 2)), _extremes(-30, 30, (8, 3, 2))
    feeds = {"x": xs, "u": us} | ({} if const_idx else {"i": np.broadcast_to(iv, (8, 3, 1))})
    (got,) = _run(q, [y], feeds)
    want = np.stack([scatter_nd(a, iv, b, reduction) for a, b in zip(xs, us)])
    assert np.array_equal(got, want)


@pytest.mark.parametrize("reduction", ["none", "add"])
@pytest.mark.parametrize("axis", [0, 1])
def test_scatter_elements_matches_numpy(axis, reduction):
    q = _q()
    shape = (4, 5)
    ishape = (3, 5) if axis == 0 else (4, 3)
    x = _input(q, "x", shape, -30, 30)
    u = _input(q, "u", ishape, -30, 30)
    n = shape[axis]
    idx = _input(q, "i", ishape, -n, n - 1)
    y = q.scatter_elements(x, idx, u, axis, reduction, "se", "y")
    xs, us = _extremes(-30, 30, (10, *shape)), _extremes(-30, 30, (10, *ishape))
    iv = RNG.integers(-n, n, (10, *ishape))  # repeats: the last wins (reduction none)
    (got,) = _run(q, [y], {"x": xs, "u": us, "i": iv})
    want = np.stack([scatter_elements(a, b, c, axis, reduction) for a, b, c in zip(xs, iv, us)])
    assert np.array_equal(got, want)


def test_scatter_into_constant_data_and_constant_updates():
    q = _q()
    idx = _input(q, "i", (2, 1), -4, 3)
    data = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    upd = np.array([[-1.0, -2.0], [9.0, 9.0]])
    y = q.scatter_nd(data, idx, upd, "none", "snd", "y")
    iv = RNG.integers(-4, 4, (12, 2, 1))
    (got,) = _run(q, [y], {"i": iv})
    assert np.array_equal(got, np.stack([scatter_nd(data, i, upd) for i in iv]).astype(int))


def test_scatter_refusals():
    q = _q()
    x = _input(q, "x", (4, 2), -3, 3)
    u = _input(q, "u", (2, 2), -3, 3)
    i = _input(q, "i", (2, 1), 0, 3)
    with pytest.raises(UnsupportedOpError, match="'s1'.*'mul' by computed indices"):
        q.scatter_nd(x, i, u, "mul", "s1", "y")
    with pytest.raises(UnsupportedOpError, match="'s2'.*reduction 'max'"):
        q.scatter_nd(x, i, u, "max", "s2", "y")
    with pytest.raises(UnsupportedOpError, match="'s3'.*'mul' and repeated"):
        q.scatter_nd(x, np.array([[1], [1]]), u, "mul", "s3", "y")
    with pytest.raises(UnsupportedOpError, match="'s4'.*narrower"):
        q.scatter_elements(x, _input(q, "j", (2, 2), 0, 1), u, 1, "none", "s4", "y")


# ---- the ONNX side: refusals and index-input ranges -------------------------------------------

I64, U8, F = TensorProto.INT64, TensorProto.UINT8, TensorProto.FLOAT


def _model(nodes, inputs: dict, outputs: dict, inits: dict | None = None) -> bytes:
    vi = helper.make_tensor_value_info
    g = helper.make_graph(nodes, "t", [vi(k, t, ["N", *s]) for k, (t, s) in inputs.items()],
                          [vi(k, t, None) for k, t in outputs.items()],
                          [numpy_helper.from_array(np.asarray(v), k)
                           for k, v in (inits or {}).items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)],
                             ir_version=8).SerializeToString()


def test_onnx_refusals_name_the_node():
    div0 = _model([helper.make_node("Div", ["x", "z"], ["y"], name="d0")], {"x": (I64, [3])},
                  {"y": I64}, {"z": np.array(0, np.int64)})
    with pytest.raises(UnsupportedOpError, match="'d0'.*division by zero"):
        api.compile(div0, {"x": np.arange(6).reshape(2, 3)})
    divx = _model([helper.make_node("Div", ["x", "w"], ["y"], name="dx")],
                  {"x": (I64, [3]), "w": (I64, [3])}, {"y": I64})
    with pytest.raises(UnsupportedOpError, match="'dx'.*holds 0"):
        api.compile(divx, {"x": np.ones((2, 3)), "w": np.ones((2, 3))})
    k = _model([helper.make_node("TopK", ["x", "k"], ["v", "i"], name="tk")],
               {"x": (F, [5]), "k": (I64, [1])}, {"v": F, "i": I64})
    with pytest.raises(UnsupportedOpError, match="'tk'.*k must be a constant"):
        api.compile(k, {"x": np.ones((2, 5)), "k": np.ones((2, 1))})
    signed = _model([helper.make_node("BitShift", ["x", "s"], ["y"], name="bs",
                                      direction="LEFT")],
                    {"x": (I64, [3]), "s": (I64, [3])}, {"y": I64})
    with pytest.raises((UnsupportedOpError, CompileError)):
        api.compile(signed, {"x": np.ones((2, 3)), "s": np.ones((2, 3))})


def test_a_model_without_inputs_is_refused_with_the_reason():
    g = helper.make_graph([helper.make_node("Constant", [], ["y"], value=numpy_helper.from_array(
        np.arange(0, 10, 2, dtype=np.int64)))], "arange", [],
        [helper.make_tensor_value_info("y", I64, [5])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)
    with pytest.raises(CompileError, match="no inputs: its outputs .* constants; .*nothing to"):
        api.compile(m.SerializeToString(), {})


def test_an_index_input_gets_the_range_onnx_allows():
    m = _model([helper.make_node("ScatterElements", ["x", "i", "u"], ["y"], name="se", axis=2)],
               {"x": (F, [2, 6]), "i": (I64, [2, 2]), "u": (F, [2, 2])}, {"y": F})
    feeds = {"x": RNG.normal(size=(4, 2, 6)), "i": RNG.integers(-6, 6, (4, 2, 2)),
             "u": RNG.normal(size=(4, 2, 2))}
    cm = api.compile(m, feeds)
    spec = cm.graph.tensors[cm.graph.inputs[1]]
    assert (spec.lo, spec.hi) == (-6, 5)
    pk = api.setup(cm, pcs="raw")
    bad = dict(cm.quantize_inputs(feeds))
    bad["i"] = bad["i"].copy()
    bad["i"][0, 0, 0] = 6  # ONNX refuses it; so does the prover (the input's range)
    with pytest.raises(InputError, match="'i'"):
        api.prove(pk, bad, quantized=True)
    feeds["i"][0, 0, 0] = 7
    with pytest.raises(CompileError, match="index out of range"):  # ONNX refuses the sample
        api.compile(m, feeds)
