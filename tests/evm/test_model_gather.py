"""gather on chain (contracts/StepGather.sol, encoder solidity/steps/gather.py) against the
Python verifier (verifier/layers/gather.py) on real compact proofs: the bundled digits CNN
(conv → im2col patches, average pooling → windows), the trained digits CNN (two convolutions,
max and average pooling) and one-op models of Concat (two and three sources), Pad (windows of a
1×1 kernel over the zero padding), Slice (strided, and a head slice whose axes shrink), Expand
(a broadcast), Reshape with re-padding (the sparse route) and a flatten of 897 wires (the wiring
committed with the weights, verifier/wiring_commit.py). Honest proofs at batch 1 and 2
are accepted with their results root; random mutations of the proof, many inside the gather's
own messages, are rejected exactly when the Python verifier rejects; wrong outputs and an
edited wiring record are rejected. The contract's wiring weights equal wiring_forms.weight and
the sparse sum at random points for many patch shapes and axis maps (a probe contract). The
digits CNN's gas at batch 1 and 16 is printed (pytest -s)."""

from __future__ import annotations

import random
import re
import zlib

import numpy as np
import pytest

from helpers_models import single_op
from tensorproof.api.demo import bundled
from tensorproof.errors import UnsupportedOpError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.frontend.examples import train_digits_cnn
from tensorproof.solidity.abi import encode_call
from tensorproof.solidity.circuit import TensorIds, verify_calldata
from tensorproof.solidity.results import proof_results_root
from tensorproof.solidity.steps import encode_step
from tensorproof.solidity.steps import gather as enc
from tensorproof.verifier import wiring, wiring_forms
from tensorproof.verifier.layers import gather
from tensorproof.verifier.layout import Layout
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.wiring_forms import PatchWiring

from .model_harness import (
    RANDOM_MUTATIONS,
    Case,
    compact_key,
    deploy_model_verifier,
    step_mutations,
)

STEP_LABEL = re.compile(r"^\d+:gather:")

pytestmark = pytest.mark.filterwarnings("ignore::tensorproof.errors.CalibrationWarning")


def _i64(*values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _digits_cnn():
    onnx, data = bundled()
    return onnx, data["calibration"], data["test"]


def _trained_cnn():
    m = train_digits_cnn()
    return m.onnx_bytes, m.x_calib, m.x_test


def _synthetic(onnx: bytes, shapes: dict):
    rng = np.random.default_rng(5)
    feeds = {k: rng.normal(size=(16, *s)) for k, s in shapes.items()}
    return onnx, feeds, feeds


SLICE = {"starts": _i64(1, 0), "ends": _i64(5, 7), "axes": _i64(1, 2), "steps": _i64(2, 3)}
HEAD = {"starts": _i64(0, 0), "ends": _i64(6, 3), "axes": _i64(1, 2), "steps": _i64(1, 1)}
MODELS = {
    "digits_cnn": _digits_cnn,
    "trained_cnn": _trained_cnn,
    "concat": lambda: _synthetic(single_op("Concat", [[3, 5], [3, 2]], [3, 7], {"axis": 2}),
                                 {"x0": (3, 5), "x1": (3, 2)}),
    "concat3": lambda: _synthetic(
        single_op("Concat", [[2, 3], [5, 3], [1, 3]], [8, 3], {"axis": 1}),
        {"x0": (2, 3), "x1": (5, 3), "x2": (1, 3)}),
    "pad": lambda: _synthetic(
        single_op("Pad", [[2, 3, 5]], consts={"pads": _i64(0, 0, 0, 1, 0, 0, 2, 1)}),
        {"x0": (2, 3, 5)}),
    "slice": lambda: _synthetic(single_op("Slice", [[6, 7]], consts=SLICE), {"x0": (6, 7)}),
    "slice_head": lambda: _synthetic(single_op("Slice", [[6, 7]], consts=HEAD), {"x0": (6, 7)}),
    "expand": lambda: _synthetic(single_op("Expand", [[1, 5]], consts={"shape": _i64(1, 3, 5)}),
                                 {"x0": (1, 5)}),
    "reshape": lambda: _synthetic(single_op("Reshape", [[3, 5]], consts={"shape": _i64(-1, 5, 3)}),
                                  {"x0": (3, 5)}),
    "flatten": lambda: _synthetic(
        single_op("Reshape", [[3, 13, 23]], consts={"shape": _i64(-1, 897)}),
        {"x0": (3, 13, 23)}),
}

_KEYS: dict = {}
_CASES: dict = {}


def _model(name: str):
    """(proving key, samples) of a model, built once per session."""
    if name not in _KEYS:
        onnx, calib, samples = MODELS[name]()
        _KEYS[name] = (compact_key(onnx, calib), samples)
    return _KEYS[name]


def _case(name: str, batch: int) -> Case:
    pk, samples = _model(name)
    if isinstance(samples, dict):
        x = {k: np.resize(v, (batch, *v.shape[1:])) for k, v in samples.items()}
    else:
        x = samples[:batch]
    try:
        return Case.make(pk, x)
    except UnsupportedOpError as e:  # another step of the model is not on chain yet
        pytest.skip(str(e))


def _case1(name: str) -> Case:
    if name not in _CASES:
        _CASES[name] = _case(name, 1)
    return _CASES[name]


def _gathers(case: Case, batch: int = 1) -> list:
    return [s for s in build_plan(case.pk.vk.graph, batch).steps if s.op == "gather"]


def _step_spans(case: Case) -> list[tuple[str, int, int]]:
    """(label, offset, length) of every message the gather steps read."""
    return [m for m in case.messages() if STEP_LABEL.match(m[0])]


@pytest.fixture(scope="module")
def verifier(contracts, evm):
    return deploy_model_verifier(contracts, evm)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("name", list(MODELS))
def test_honest_proofs_accepted_with_their_results_root(evm, verifier, name, batch):
    case = _case1(name) if batch == 1 else _case(name, batch)
    assert _gathers(case, batch)
    assert _step_spans(case), "the gather step reduced no claim"
    assert case.evm_root(evm, verifier) == proof_results_root(case.proof)


def test_routes_closed_form_and_sparse():
    """Convolutions, pooling, pad, slice, concat and expand take closed forms; the small
    re-padding reshape the sparse wires, the large one its committed wiring."""
    routes = {}
    for name in ("digits_cnn", "concat", "pad", "slice", "expand", "reshape", "flatten"):
        pk, _ = _model(name)
        plan = build_plan(pk.vk.graph, 1)
        ids = TensorIds(plan)
        routes[name] = [encode_step(plan, s, ids)[0] for s in plan.steps if s.op == "gather"]
    assert routes == {"digits_cnn": [enc.PATCH, enc.PATCH], "concat": [enc.AXIS_MAP],
                      "pad": [enc.PATCH], "slice": [enc.AXIS_MAP], "expand": [enc.AXIS_MAP],
                      "reshape": [enc.SPARSE], "flatten": [enc.COMMITTED]}


def test_batch_three_pads_the_batch_axis(evm, verifier):
    for name in ("concat", "digits_cnn"):
        case = _case(name, 3)
        assert case.python_ok()
        assert case.evm_root(evm, verifier) == proof_results_root(case.proof)


@pytest.mark.parametrize("name", list(MODELS))
def test_mutations_rejected_exactly_when_python_rejects(evm, verifier, name):
    case = _case1(name)
    stream = case.proof.stream
    spans = _step_spans(case)
    rng = random.Random(zlib.crc32(name.encode()))
    variants = step_mutations(stream, spans, rng, RANDOM_MUTATIONS)
    assert len(variants) >= 2 * RANDOM_MUTATIONS + 8
    for v in variants:
        py = case.python_ok(stream=v)
        assert (case.evm_root(evm, verifier, stream=v) is not None) == py
        assert not py


@pytest.mark.parametrize("name", list(MODELS))
def test_wrong_outputs_rejected(evm, verifier, name):
    case = _case1(name)
    # the last output in the statement order (outputs sorted by name) is the statement's tail
    out_name = sorted(case.proof.outputs)[-1]
    out = np.array(case.proof.outputs[out_name])
    spec = case.pk.vk.graph.tensors[out_name]
    flat = out.reshape(-1)
    flat[0] = flat[0] + 1 if flat[0] < spec.hi else flat[0] - 1
    assert not case.python_ok(outputs={**case.proof.outputs, out_name: out})
    stmt = bytearray(case.statement)
    stmt[-8 * out.size:] = out.astype(">i8").tobytes()
    assert case.evm_root(evm, verifier, statement=bytes(stmt)) is None


def _edit(attrs: bytes, at: int, value: int, width: int = 4) -> bytes:
    return attrs[:at] + value.to_bytes(width, "big") + attrs[at + width:]


@pytest.mark.parametrize("name", ["digits_cnn", "concat", "slice", "expand", "reshape",
                                  "flatten"])
def test_edited_wiring_rejected(evm, verifier, name):
    """The circuit's wiring decides the predicate: another pad, stride, offset, block or wire,
    committed constants named in another order or variable counts changed, or a record cut
    short or extended, breaks the proof."""
    case = _case1(name)
    plan = build_plan(case.pk.vk.graph, 1)
    step = _gathers(case)[0]
    attrs = encode_step(plan, step, TensorIds(plan))
    at = case.circuit.index(len(attrs).to_bytes(4, "big") + attrs)
    variants = []
    route = attrs[0]
    if route == enc.PATCH:  # u32 C H W KH KW SH SW top left OH OW after 15 bytes
        variants += [_edit(attrs, 15 + 28, int.from_bytes(attrs[43:47], "big") ^ 1),  # top
                     _edit(attrs, 15 + 20, int.from_bytes(attrs[35:39], "big") + 1),  # s_h
                     _edit(attrs, 15 + 4, int.from_bytes(attrs[19:23], "big") - 1)]  # H
    elif route == enc.AXIS_MAP:  # u8 rank | per axis 4 bytes of coordinates, u32 lo count off step
        last = 2 + 20 * (attrs[1] - 1)
        lo, offset = (int.from_bytes(attrs[last + k:last + k + 4], "big") for k in (4, 12))
        variants += [_edit(attrs, last + 4, lo + 1 if lo == 0 else lo - 1),
                     _edit(attrs, last + 12, offset + 1 if offset == 0 else offset - 1),
                     _edit(attrs, last + 16, 2)]
    elif route == enc.COMMITTED:  # u8 n_out | u8 n_in | u16 V id | u16 S_i ids
        variants += [attrs[:3] + attrs[5:7] + attrs[3:5] + attrs[7:],  # V and S_0 swapped
                     attrs[:3] + attrs[3:7] + attrs[9:11] + attrs[7:9] + attrs[11:],  # S_1, S_2
                     _edit(attrs, 1, attrs[1] - 1, 1), _edit(attrs, 2, attrs[2] - 1, 1)]
    else:  # u32 n | (u32 out, u32 in) pairs: two wires' inputs swapped
        a, b = attrs[9:13], attrs[17:21]
        variants.append(attrs[:9] + b + attrs[13:17] + a + attrs[21:])
    for v in variants:
        assert v != attrs
        circuit = (case.circuit[:at] + len(v).to_bytes(4, "big") + v
                   + case.circuit[at + 4 + len(attrs):])
        assert case.evm_root(evm, verifier, circuit=circuit) is None
    for v in (attrs[:-1], attrs + b"\x00"):  # the record's length disagrees with its contents
        circuit = (case.circuit[:at] + len(v).to_bytes(4, "big") + v
                   + case.circuit[at + 4 + len(attrs):])
        assert case.evm_root(evm, verifier, circuit=circuit) is None
    assert case.evm_root(evm, verifier) is not None


def test_digits_cnn_gas(evm, verifier):
    """The bundled digits CNN verified on chain at batch 1 and 16 (printed with pytest -s)."""
    for batch in (1, 16):
        case = _case("digits_cnn", batch)
        out = evm.call(verifier, verify_calldata(case.circuit, case.statement,
                                                 case.proof.stream))
        assert out.output[-32:] == proof_results_root(case.proof)
        print(f"digits CNN, batch {batch}: {out.gas:,} gas ({out.calldata_gas:,} calldata, "
              f"{out.execution_gas:,} execution), proof {len(case.proof.stream):,} bytes")
        assert out.gas < 30_000_000


# ---- the wiring weight alone, against wiring_forms.weight and the sparse sum -------------------

PATCHES = [  # kind, (C, H, W), kernel, strides, pads (top, left, bottom, right)
    ("im2col", (1, 8, 8), (3, 3), (1, 1), (1, 1, 1, 1)),
    ("im2col", (3, 5, 7), (2, 3), (1, 2), (0, 1, 2, 0)),
    ("windows", (5, 6, 6), (1, 1), (1, 1), (0, 0, 0, 0)),
    ("im2col", (3, 6, 6), (1, 1), (2, 2), (1, 1, 1, 1)),
    ("windows", (2, 9, 5), (4, 2), (3, 1), (2, 0, 1, 1)),
    ("windows", (1, 1, 12), (1, 5), (1, 1), (0, 0, 0, 0)),
    ("im2col", (3, 2, 2), (5, 5), (1, 1), (2, 2, 2, 2)),
    ("windows", (6, 8, 8), (2, 2), (2, 2), (0, 0, 0, 0)),
    ("im2col", (4, 7, 3), (3, 1), (2, 3), (1, 0, 0, 2)),
    ("windows", (1, 3, 3), (3, 3), (1, 1), (0, 0, 0, 0)),
    ("windows", (2, 3, 5), (1, 1), (1, 1), (0, 1, 2, 1)),
]
BUILD = {"im2col": wiring.im2col, "windows": wiring.windows}


def _axis_maps():
    """(form, wiring) pairs: slices, concat blocks, broadcasts and a max over one axis."""
    out = []
    for shape, starts, ends, steps in [((6, 7), (1, 0), (5, 7), (2, 3)),
                                       ((6, 7), (0, 0), (6, 3), (1, 1)),
                                       ((5, 9, 4), (2, 1, 0), (5, 9, 4), (1, 4, 1))]:
        out.append((wiring_forms.slice_map(shape, starts, ends, steps),
                    wiring.strided_slice(shape, starts, ends, steps)[1]))
    for shapes, axis in [([(3, 5), (3, 2)], 1), ([(2, 3), (5, 3), (1, 3)], 0)]:
        out += list(zip(wiring_forms.concat_maps(shapes, axis), wiring.concat(shapes, axis)[1]))
    for a, b in [((1, 5), (3, 5)), ((4, 1, 3), (4, 6, 3)), ((1, 1), (5, 2))]:
        out.append((wiring_forms.broadcast_map(a, b), wiring.broadcast_to(a, b)))
    for shape, axes in [((3, 5, 6), (1,)), ((7, 3), (0,))]:
        form = wiring_forms.reduce_window_map(shape, axes)
        assert form is not None and list(form.perm) != sorted(form.perm)
        out.append((form, wiring.reduce_windows(shape, axes)[1]))
    return out


def _pack(t) -> int:
    return int(t[0]) | int(t[1]) << 64 | int(t[2]) << 128


def test_contract_weights_equal_the_python_forms(contracts):
    from tensorproof.solidity.evm import LocalEVM

    evm = LocalEVM()
    address = evm.deploy(contracts["GatherWeightProbe"].bytecode)  # tests/evm/probes
    ext, vf = ext_field(3), vec_field(3)
    rng = random.Random(11)
    cases: list[tuple] = []
    for kind, shape, kernel, strides, pads in PATCHES:
        out_shape, wire = BUILD[kind](shape, kernel, strides, pads)
        cases.append((PatchWiring(kind, shape, kernel, strides, pads), wire, out_shape, shape))
    for form, wire in _axis_maps():
        cases.append((form, wire, form.out_shape, form.in_shape))
    for form, wire, out_shape, in_shape in cases:
        records = ([enc._patch(form)] if isinstance(form, PatchWiring)
                   else [enc._axis_map(form)]) + [enc._sparse(wire)]
        for _ in range(2):
            z = [ext.random(rng) for _ in range(Layout(tuple(out_shape)).n_vars)]
            rho = [ext.random(rng) for _ in range(Layout(tuple(in_shape)).n_vars)]
            expected = _pack(wiring_forms.weight(ext, form, z, rho))
            assert expected == _pack(gather.wiring_weight(vf, z, rho, wire))
            for rec in records:
                cd = encode_call("weight", ("bytes", "uint256[]", "uint256[]"),
                                 [rec, [_pack(t) for t in z], [_pack(t) for t in rho]])
                res = evm.call(address, cd).output
                assert int.from_bytes(res[:32], "big") == expected, (form, rec[0])
                assert int.from_bytes(res[32:64], "big") == len(rec)
