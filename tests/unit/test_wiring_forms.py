"""Wiring predicates in closed form (verifier/wiring_forms.py) equal the sparse route
(``gather.wiring_weight`` over the wires of wiring.py) at random K points, k = 2 and 3: the conv
and pooling patches for many shapes (strides, pads, non-square kernels, non-power-of-two axes,
reads of the zero padding, C = 1, 1×1 kernels; dilations are refused by the front end,
frontend/geometry.py), and the axis maps of slice, concat, broadcast and a max over one axis.
Lowering attaches the forms; a digits CNN, whose verifier now takes the closed forms, still
proves and verifies, tampering is rejected, and so is a wrong closed form."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import eq_eval_index
from tensorproof.verifier import wiring, wiring_forms
from tensorproof.verifier.layers import gather
from tensorproof.verifier.layout import Layout
from tensorproof.verifier.wiring_forms import PatchWiring

BUILD = {"im2col": wiring.im2col, "windows": wiring.windows}

SHAPES = [  # (C, H, W), kernel, strides, pads (top, left, bottom, right)
    ((1, 8, 8), (3, 3), (1, 1), (1, 1, 1, 1)),
    ((16, 4, 4), (3, 3), (1, 1), (1, 1, 1, 1)),
    ((3, 5, 7), (2, 3), (1, 2), (0, 1, 2, 0)),
    ((5, 6, 6), (1, 1), (1, 1), (0, 0, 0, 0)),
    ((3, 6, 6), (1, 1), (2, 2), (1, 1, 1, 1)),
    ((2, 9, 5), (4, 2), (3, 1), (2, 0, 1, 1)),
    ((1, 1, 120), (1, 25), (1, 1), (0, 0, 0, 0)),
    ((3, 2, 2), (5, 5), (1, 1), (2, 2, 2, 2)),  # most reads land on the padding
    ((6, 28, 28), (2, 2), (2, 2), (0, 0, 0, 0)),
    ((4, 7, 3), (3, 1), (2, 3), (1, 0, 0, 2)),
    ((1, 3, 3), (3, 3), (1, 1), (0, 0, 0, 0)),  # one output position
]


def random_shape(rng: random.Random):
    c, h, w = rng.randint(1, 6), rng.randint(1, 11), rng.randint(1, 11)
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    pads = tuple(rng.randint(0, 3) for _ in range(4))
    if h + pads[0] + pads[2] < kh or w + pads[1] + pads[3] < kw:
        pads = (kh, kw, kh, kw)
    return (c, h, w), (kh, kw), (rng.randint(1, 4), rng.randint(1, 4)), pads


def check(kind, in_shape, kernel, strides, pads, k, rng):
    ext, vf = ext_field(k), vec_field(k)
    out_shape, wire = BUILD[kind](in_shape, kernel, strides, pads)
    form = PatchWiring(kind, in_shape, kernel, strides, pads)
    assert form.out_shape == out_shape
    for _ in range(2):
        z_out = [ext.random(rng) for _ in range(Layout(out_shape).n_vars)]
        z_in = [ext.random(rng) for _ in range(Layout(in_shape).n_vars)]
        sparse = gather.wiring_weight(vf, z_out, z_in, wire)
        assert gather.wiring_weight(vf, z_out, z_in, wire, form) == sparse
        assert wiring_forms.weight(ext, form, z_out, z_in) == sparse


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kind", ["im2col", "windows"])
@pytest.mark.parametrize("case", SHAPES)
def test_closed_form_equals_sparse_route(case, kind, k):
    check(kind, *case, k, random.Random(repr((case, kind, k))))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("seed", range(6))
def test_closed_form_equals_sparse_route_random_shapes(seed, k):
    rng = random.Random(seed)
    for _ in range(15):
        case = random_shape(rng)
        for kind in BUILD:
            check(kind, *case, k, rng)


def test_closed_form_at_boolean_points_is_the_wiring():
    """At Boolean points the predicate is 1 exactly on the wires."""
    ext = ext_field(2)
    in_shape, kernel, strides, pads = (2, 3, 3), (2, 2), (2, 1), (1, 0, 0, 1)
    out_shape, (out_pos, in_pos) = wiring.im2col(in_shape, kernel, strides, pads)
    form = PatchWiring("im2col", in_shape, kernel, strides, pads)
    n_out, n_in = Layout(out_shape).n_vars, Layout(in_shape).n_vars
    wires = set(zip(out_pos.tolist(), in_pos.tolist()))
    for o in range(1 << n_out):
        z_out = [ext.from_base((o >> i) & 1) for i in range(n_out)]
        for q in range(1 << n_in):
            z_in = [ext.from_base((q >> i) & 1) for i in range(n_in)]
            assert eq_eval_index(ext, z_in, q) == ext.one
            expected = ext.one if (o, q) in wires else ext.zero
            assert wiring_forms.weight(ext, form, z_out, z_in) == expected


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        PatchWiring("transpose", (1, 2, 2), (1, 1), (1, 1), (0, 0, 0, 0))


# ---- axis maps: slice, concat, broadcast, a max over one axis ---------------------------------


def check_map(in_shape, out_shape, wire, form, k, rng):
    ext, vf = ext_field(k), vec_field(k)
    assert form.out_shape == tuple(out_shape) and form.in_shape == tuple(in_shape)
    z_out = [ext.random(rng) for _ in range(Layout(out_shape).n_vars)]
    z_in = [ext.random(rng) for _ in range(Layout(in_shape).n_vars)]
    assert gather.wiring_weight(vf, z_out, z_in, wire, form) == \
        gather.wiring_weight(vf, z_out, z_in, wire)


def random_dims(rng: random.Random, rank: int) -> tuple[int, ...]:
    return tuple(rng.choice([1, 2, 3, 4, 5, 7, 8, 9, 16, 17]) for _ in range(rank))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("seed", range(8))
def test_axis_maps_equal_sparse_route(seed, k):
    rng = random.Random(seed)
    for _ in range(6):
        shape = random_dims(rng, rng.randint(1, 3))
        starts = [rng.randrange(d) for d in shape]
        ends = [rng.randint(s + 1, d) for s, d in zip(starts, shape)]
        steps = [rng.randint(1, 3) for _ in shape]
        out_shape, wire = wiring.strided_slice(shape, starts, ends, steps)
        check_map(shape, out_shape, wire, wiring_forms.slice_map(shape, starts, ends, steps),
                  k, rng)
        small = tuple(1 if rng.random() < 0.5 else d for d in shape)
        check_map(small, shape, wiring.broadcast_to(small, shape),
                  wiring_forms.broadcast_map(small, shape), k, rng)
        axis = rng.randrange(len(shape))
        parts = [tuple(rng.randint(1, 6) if a == axis else d for a, d in enumerate(shape))
                 for _ in range(rng.randint(1, 3))]
        out_shape, wires = wiring.concat(parts, axis)
        for part, w, form in zip(parts, wires, wiring_forms.concat_maps(parts, axis)):
            check_map(part, out_shape, w, form, k, rng)
        out_shape, wire = wiring.reduce_windows(shape, (axis,))
        check_map(shape, out_shape, wire, wiring_forms.reduce_window_map(shape, (axis,)), k,
                  rng)


def test_axis_map_edge_cases():
    assert wiring_forms.reduce_window_map((2, 3, 4), (1, 2)) is None  # no closed form
    with pytest.raises(ValueError):  # reads past the input
        wiring_forms.AxisMap((4,), (3,), (0,), (0,), (4,), (0,), (1,))
    with pytest.raises(ValueError):  # not a permutation
        wiring_forms.AxisMap((2, 2), (2, 2), (0, 0), (0, 0), (2, 2), (0, 0), (1, 1))


# ---- end to end -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_cnn():
    from tensorproof import api
    from tensorproof.frontend.examples import train_digits_cnn

    m = train_digits_cnn()
    return api.setup(api.compile(m.onnx_bytes, m.x_calib)), m.x_test


def test_lowering_attaches_the_forms(digits_cnn):
    from tensorproof.verifier.lowering import build_plan

    pk, _ = digits_cnn
    plan = build_plan(pk.model.graph, 2)
    gathers = [s for s in plan.steps if s.op == "gather"]
    assert gathers
    for step in gathers:
        forms = gather.wiring_forms_of(step)
        assert forms == step.attrs["wiring_forms"]
        assert len(forms) == len(step.attrs["wirings"]) == 1
        (form,), (wire,) = forms, step.attrs["wirings"]
        out_shape, (out_pos, in_pos) = BUILD[form.kind](form.in_shape, form.kernel,
                                                         form.strides, form.pads)
        assert plan.tensors[step.output].layout.shape[1:] == out_shape
        assert plan.tensors[step.inputs[0]].layout.shape[1:] == form.in_shape
        assert np.array_equal(out_pos, wire[0]) and np.array_equal(in_pos, wire[1])


def test_forms_hold_only_for_the_wirings_they_describe(digits_cnn):
    """A plan whose wirings are replaced (as the tamper suites do) keeps no closed form: the
    verifier then evaluates the replaced sparse wires."""
    from tensorproof.verifier.lowering import build_plan

    pk, _ = digits_cnn
    step = next(s for s in build_plan(pk.model.graph, 1).steps if s.op == "gather")
    rolled = tuple((o, np.roll(i, 1)) for o, i in step.attrs["wirings"])
    changed = dataclasses.replace(step, attrs={**step.attrs, "wirings": rolled})
    assert all(f is not None for f in gather.wiring_forms_of(step))
    assert gather.wiring_forms_of(changed) == (None,)


def test_digits_cnn_verifies_by_closed_forms_and_rejects_tampering(digits_cnn, monkeypatch):
    from tensorproof import api

    pk, x = digits_cnn
    proof = api.prove(pk, x[:3])
    calls: dict[str, int] = {"sparse": 0, "closed": 0}

    def counted(route, fn):
        def run(*args, **kwargs):
            calls[route] += 1
            return fn(*args, **kwargs)
        return run

    honest_weight = gather.wiring_weight

    def weight(vf, z_out, z_in, wiring, form=None):
        if form is None:
            calls["sparse"] += 1
        return honest_weight(vf, z_out, z_in, wiring, form)

    monkeypatch.setattr(gather, "wiring_weight", weight)
    monkeypatch.setattr(wiring_forms, "weight", counted("closed", wiring_forms.weight))
    api.verify(pk.vk, api.Proof.from_bytes(proof.to_bytes()))
    assert calls == {"sparse": 0, "closed": 4}  # two convolutions, two poolings
    (name,) = proof.outputs
    y = proof.outputs[name].copy()
    y[0, 2] += 1
    with pytest.raises((VerificationError, ProofFormatError)):
        api.verify(pk.vk, dataclasses.replace(proof, outputs={name: y}))
    for frac in (0.05, 0.3, 0.6, 0.95):
        s = bytearray(proof.stream)
        s[int(frac * len(s))] ^= 0x04
        with pytest.raises((VerificationError, ProofFormatError)):
            api.verify(pk.vk, dataclasses.replace(proof, stream=bytes(s)))


def test_digits_cnn_rejects_a_wrong_closed_form(digits_cnn, monkeypatch):
    """The closed form's value is what the gather's final check uses: off by one, the honest
    proof no longer verifies."""
    from tensorproof import api

    pk, x = digits_cnn
    proof = api.prove(pk, x[:1])
    honest = wiring_forms.weight

    def off_by_one(ext, form, z_out, z_in):
        return ext.add(honest(ext, form, z_out, z_in), ext.one)

    monkeypatch.setattr(wiring_forms, "weight", off_by_one)
    with pytest.raises(VerificationError, match="gather"):
        api.verify(pk.vk, proof)
