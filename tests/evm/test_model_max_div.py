"""max_reduce and div_round on chain (contracts/StepMaxReduce.sol, StepDivRound.sol) against the
Python verifier on real compact proofs: honest proofs at batch 1 and 2 are accepted with the
results root of their statement; random mutations of the proof (anywhere, and inside the
max_reduce / div_round messages) are rejected exactly when the Python verifier rejects; a value
the step's relation reads, moved by one, is caught by the step's own check; wrong outputs are
rejected; the mask boxes (max_reduce's closed form of the validity mask) partition the mask.

Models: hand-built integer graphs (a, b → div_round with y committed in limb or direct range
mode, or public; max pooling with y public or committed), ONNX Gemm → Softmax, integer Div by a
computed divisor, a MaxPool CNN, ReduceMax, ArgMax, and EZKL's examples (1l_softmax,
1l_max_pool, max, hard_max; ../shared/peer-corpus beside the repository). A model needing a proof
step that the EVM verifier lacks (circuit.encode_circuit raises UnsupportedOpError) skips with
the reason.
"""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from helpers_models import conv_pool_sigmoid_onnx, make_model, single_op
from protocol.step_harness import compiled, graph, node, spec
from tensorproof import api
from tensorproof.errors import UnsupportedOpError
from tensorproof.ir.ranges import infer_range
from tensorproof.prover.model import setup
from tensorproof.solidity.circuit import encode_circuit, verify_calldata
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.solidity.results import proof_results_root
from tensorproof.transcript import keccak256
from tensorproof.verifier.layers.max_reduce import mask_boxes, valid_mask
from tensorproof.verifier.layout import Layout
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.pcs_config import profile_config

from .model_harness import RANDOM_MUTATIONS, Case, compact_key, deploy_model_verifier, flipped

EZKL = Path(__file__).resolve().parents[2].parent / "shared" / "peer-corpus" / "ezkl-examples"


# ---- models --------------------------------------------------------------------------------


def _chain(inputs, specs, nodes, out_name, out_shape):
    """Append out = add_const(last, 3): the last relation output becomes committed advice."""
    last = specs[-1]
    n = node("add_const", [last.name], out_name, consts={"c": np.array([3])})
    lo, hi, _ = infer_range(n, [last])
    return graph(inputs, [out_name], [*specs, spec(out_name, out_shape, lo, hi)], [*nodes, n])


def div_model(shape, shift, a_range, b_range, committed):
    n = node("div_round", ["a", "b"], "y", shift=shift)
    sa, sb = spec("a", shape, *a_range), spec("b", shape, *b_range)
    lo, hi, _ = infer_range(n, [sa, sb])
    specs = [sa, sb, spec("y", shape, lo, hi)]
    if committed:
        g = _chain(["a", "b"], specs, [n], "z", shape)
    else:
        g = graph(["a", "b"], ["y"], specs, [n])
    pk = setup(compiled(g), profile_config("compact"), certify=False)

    def draw(batch, seed):
        rng = np.random.default_rng(seed)
        return {"a": rng.integers(a_range[0], a_range[1] + 1, (batch, *shape)),
                "b": rng.integers(b_range[0], b_range[1] + 1, (batch, *shape))}
    return pk, draw


def pool_model(c, h, w, kernel, strides, pads, committed):
    from tensorproof.verifier.wiring import conv_out_size

    oh = conv_out_size(h, kernel[0], strides[0], pads[0], pads[2])
    ow = conv_out_size(w, kernel[1], strides[1], pads[1], pads[3])
    n = node("max_pool2d", ["x"], "y", kernel=kernel, strides=strides, pads=pads)
    specs = [spec("x", (c, h, w), -50, 50), spec("y", (c, oh, ow), -50, 50)]
    if committed:
        g = _chain(["x"], specs, [n], "z", (c, oh, ow))
    else:
        g = graph(["x"], ["y"], specs, [n])
    pk = setup(compiled(g), profile_config("compact"), certify=False)

    def draw(batch, seed):
        return {"x": np.random.default_rng(seed).integers(-50, 51, (batch, c, h, w))}
    return pk, draw


def onnx_model(onnx_bytes, shape, scale=1.0, lookup_bits=0):
    rng = np.random.default_rng(5)
    calib = rng.normal(size=(16, *shape)) * scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if lookup_bits:  # narrower tables (the default's 2^12-row exp table costs ~55 M gas)
            pk = setup(api.compile(onnx_bytes, calib, lookup_bits=lookup_bits),
                       profile_config("compact"), certify=False)
        else:
            pk = compact_key(onnx_bytes, calib)

    def draw(batch, seed):
        return np.random.default_rng(seed).normal(size=(batch, *shape)) * scale
    return pk, draw


def ezkl_model(name):
    folder = EZKL / name
    if not (folder / "network.onnx").exists():
        pytest.skip(f"{folder} is not here")
    from tensorproof.frontend import load_onnx, normalize
    from tensorproof.frontend.calibdata import sample_feeds

    fg = normalize(load_onnx(folder / "network.onnx"))
    data = json.loads((folder / "input.json").read_text())["input_data"]
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, data)
    rng = np.random.default_rng(2)
    calib = {k: np.concatenate([v, v * (1 + 0.1 * rng.normal(size=(7, *v.shape[1:])))])
             for k, v in feeds.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = compact_key((folder / "network.onnx").read_bytes(), calib)

    def draw(batch, seed):
        r = np.random.default_rng(seed)
        return {k: v[:1] * (1 + 0.05 * r.normal(size=(batch, *v.shape[1:])))
                for k, v in feeds.items()}
    return pk, draw


def softmax_onnx() -> bytes:
    rng = np.random.default_rng(1)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["g"], transB=1),
             helper.make_node("Softmax", ["g"], ["y"], axis=-1)]
    return make_model(nodes, {"x": ["N", 6]}, {"y": ["N", 5]},
                      {"w": rng.normal(size=(5, 6)), "b": rng.normal(size=5)})


def int_div_onnx() -> bytes:
    """trunc(x / (|w| + 1)) of int64 tensors: a computed divisor (quant/intarith.int_div)."""
    vi = helper.make_tensor_value_info
    i64 = TensorProto.INT64
    nodes = [helper.make_node("Abs", ["w"], ["aw"]), helper.make_node("Add", ["aw", "one"], ["b"]),
             helper.make_node("Div", ["x", "b"], ["y"])]
    g = helper.make_graph(nodes, "t", [vi("x", i64, ["N", 4]), vi("w", i64, ["N", 4])],
                          [vi("y", i64, None)],
                          [numpy_helper.from_array(np.array(1, np.int64), "one")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)],
                             ir_version=8).SerializeToString()


def int_model(onnx_bytes, ranges: dict):
    rng = np.random.default_rng(4)

    def draw(batch, seed):
        r = np.random.default_rng(seed)
        return {k: r.integers(lo, hi + 1, (batch, *shape)) for k, (shape, lo, hi) in ranges.items()}
    calib = {k: np.concatenate([np.full((1, *shape), lo), np.full((1, *shape), hi),
                                rng.integers(lo, hi + 1, (14, *shape))])
             for k, (shape, lo, hi) in ranges.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compact_key(onnx_bytes, calib), draw


MODELS = {  # name: (op it tests, builder)
    "div_limbs": ("div_round", lambda: div_model((3, 5), 4, (-1000, 1000), (1, 300), True)),
    "div_direct": ("div_round", lambda: div_model((3, 5), 0, (0, 127), (1, 10), True)),
    "div_public": ("div_round", lambda: div_model((7,), 2, (-3000, 3000), (1, 9), False)),
    "softmax": ("div_round", lambda: onnx_model(softmax_onnx(), (6,), lookup_bits=8)),
    "ezkl_1l_softmax": ("div_round", lambda: ezkl_model("1l_softmax")),
    "int_div": ("div_round", lambda: int_model(int_div_onnx(), {"x": ((4,), -60, 60),
                                                                 "w": ((4,), -5, 5)})),
    "pool_public": ("max_reduce", lambda: pool_model(2, 5, 5, (3, 3), (2, 2), (1, 1, 1, 1),
                                                     False)),
    "pool_committed": ("max_reduce", lambda: pool_model(2, 5, 5, (2, 2), (1, 1), (0, 1, 1, 0),
                                                        True)),
    "maxpool_cnn": ("max_reduce", lambda: onnx_model(
        conv_pool_sigmoid_onnx(np.random.default_rng(3)), (1, 6, 6))),
    "reduce_max": ("max_reduce", lambda: onnx_model(
        single_op("ReduceMax", [[4, 6]], [4, 1], {"axes": [1], "keepdims": 1}), (4, 6))),
    "reduce_max_2axes": ("max_reduce", lambda: onnx_model(
        single_op("ReduceMax", [[2, 3, 4]], [2, 1, 1], {"axes": [2, 3], "keepdims": 1}),
        (2, 3, 4))),
    "argmax": ("max_reduce", lambda: onnx_model(
        single_op("ArgMax", [[10]], [1], {"axis": 1, "keepdims": 1}), (10,))),
    "ezkl_1l_max_pool": ("max_reduce", lambda: ezkl_model("1l_max_pool")),
    "ezkl_hard_max": ("max_reduce", lambda: ezkl_model("hard_max")),
    "ezkl_max": ("max_reduce", lambda: ezkl_model("max")),
}


@pytest.fixture(scope="module")
def verifier(contracts, evm):
    return deploy_model_verifier(contracts, evm)


@pytest.fixture(scope="module", params=list(MODELS))
def model(request):
    op, build = MODELS[request.param]
    pk, draw = build()
    assert op in {s.op for s in build_plan(pk.vk.graph, 1).steps}
    try:
        encode_circuit(pk.vk, 1)
    except UnsupportedOpError as e:
        pytest.skip(f"{request.param}: {e}")
    return request.param, op, pk, draw


@pytest.fixture(scope="module")
def case(model):
    _, _, pk, draw = model
    return Case.make(pk, draw(1, 11))


# ---- helpers -------------------------------------------------------------------------------


def message_ranges(case: Case) -> list[tuple[str, int, int]]:
    """(label, start, end) of every message of the proof, as the Python verifier reads them."""
    return [(label, at, at + n) for label, at, n in case.messages()]


def flip(stream: bytes, rng: random.Random, lo: int = 0, hi: int | None = None) -> bytes:
    return flipped(stream, rng, range(lo, len(stream) if hi is None else hi))


# ---- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 2])
def test_honest_proofs_accepted_with_their_results_root(evm, verifier, model, batch):
    _, _, pk, draw = model
    case = Case.make(pk, draw(batch, 20 + batch))
    assert case.python_ok()
    assert case.evm_root(evm, verifier) == proof_results_root(case.proof)


def test_random_mutations_rejected_exactly_when_python_rejects(evm, verifier, model, case):
    _, op, _, _ = model
    rng = random.Random(17)
    stream = case.proof.stream
    variants = [stream[:-1], stream + b"\x00"]
    variants += [flip(stream, rng) for _ in range(max(40, RANDOM_MUTATIONS))]
    mine = [(lbl, a, b) for lbl, a, b in message_ranges(case) if f":{op}:" in lbl]
    assert mine, f"no {op} messages"
    for j in range(30):  # inside the messages of the op's steps: opening, sumcheck rounds, finals
        _, a, b = mine[rng.randrange(len(mine))] if j % 3 else mine[-1 - (j // 3) % len(mine)]
        variants.append(flip(stream, rng, a, b))
    for j in range(6):  # a field element of this step replaced by a non-canonical one (>= p)
        _, a, b = mine[rng.randrange(len(mine))]
        at = a + 8 * rng.randrange((b - a) // 8)
        s = bytearray(stream)
        s[at:at + 8] = (0xFFFFFFFF00000001 + j).to_bytes(8, "big")
        variants.append(bytes(s))
    assert len(variants) >= 60
    for v in variants:
        py = case.python_ok(stream=v)
        assert (case.evm_root(evm, verifier, stream=v) is not None) == py
        assert not py


def test_wrong_final_values_caught_by_the_step(evm, verifier, model, case):
    """A value the step's relation reads moved by one (div_round's finals a, b, y, limbs;
    max_reduce's opening x~(ρ), d~(ρ) and final y~(r)): the step's own check reverts
    (DivRoundMismatch / MaxMismatch) where the Python verifier rejects. (max_reduce's d~(u, r)
    enter Π_u e_u, which another zero factor may keep at 0; the d claim then fails later.)"""
    _, op, _, _ = model
    error = {"max_reduce": "MaxMismatch(uint256)", "div_round": "DivRoundMismatch(uint256)"}[op]
    selector = keccak256(error.encode())[:4]
    spots = []
    for lbl, a, b in message_ranges(case):
        what = lbl.rsplit(":", 1)[-1]
        if f":{op}:" not in lbl:
            continue
        if what == "opening" or (what == "finals" and op == "div_round"):
            spots += range(a, b, 24)
        elif what == "finals":
            spots.append(b - 24)  # y~(r)
    assert spots
    for at in spots:  # each K value: its first coefficient's lowest bit
        s = bytearray(case.proof.stream)
        s[at + 7] ^= 1
        assert not case.python_ok(stream=bytes(s))
        cd = verify_calldata(case.circuit, case.statement, bytes(s))
        with pytest.raises(EVMRevertError) as e:
            evm.call(verifier, cd)
        assert e.value.data[:4] == selector, e.value.data.hex()


def test_wrong_outputs_rejected(evm, verifier, case):
    for name in case.proof.outputs:
        out = np.array(case.proof.outputs[name])
        flat = out.reshape(-1)
        flat[-1] = flat[-1] - 1 if flat[-1] > -100 else flat[-1] + 1
        assert not case.python_ok(outputs={**case.proof.outputs, name: out})
    # the statement's last output entry (outputs come last, each sorted by name)
    stmt = bytearray(case.statement)
    last = int.from_bytes(stmt[-8:], "big", signed=True)
    stmt[-8:] = (last - 1 if last > -100 else last + 1).to_bytes(8, "big", signed=True)
    assert case.evm_root(evm, verifier, statement=bytes(stmt)) is None


@pytest.mark.parametrize("pool", [((2, 2), (2, 2), (0, 0, 0, 0)), ((3, 3), (2, 2), (1, 1, 1, 1)),
                                  ((3, 3), (1, 1), (2, 0, 1, 2)), ((5, 5), (3, 3), (2, 2, 2, 2))])
def test_mask_boxes_partition_the_valid_mask(pool):
    """The closed form's data: each window position's boxes are disjoint and cover exactly its
    valid entries (one box per position for pooling)."""
    from tensorproof.verifier.wiring import conv_out_size

    (kh, kw), (sh, sw), pads = pool
    oh, ow = conv_out_size(5, kh, sh, pads[0], pads[2]), conv_out_size(6, kw, sw, pads[1], pads[3])
    g = graph(["x"], ["y"], [spec("x", (2, 5, 6)), spec("y", (2, oh, ow))],
              [node("max_pool2d", ["x"], "y", kernel=(kh, kw), strides=(sh, sw), pads=pads)])
    plan = build_plan(g, 1)
    step = next(s for s in plan.steps if s.op == "max_reduce")
    sample = Layout(plan.tensors[step.inputs[0]].layout.shape[1:])
    mask = valid_mask(plan, step).reshape(sample.padded).astype(int)
    for u, boxes in enumerate(mask_boxes(plan, step)):
        cover = np.zeros(mask.shape[:-1], dtype=int)
        for box in boxes:
            cover[tuple(slice(lo, hi) for lo, hi in box)] += 1
        assert np.array_equal(cover, mask[..., u])
        assert len(boxes) <= 1
