"""Issue 9: ONNX graphs whose tensor names a model author chose to confuse the compiler or the
prover (every old internal suffix, ':' and '#', Unicode, empty and very long names, names equal
to the input's, duplicates). Each model either proves and verifies with the reference executor's
outputs, and a changed output is rejected, or fails to compile with a one-line CompileError."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from onnx import helper

from helpers_models import make_model
from tensorproof import api
from tensorproof.errors import CompileError, ProofFormatError, VerificationError
from tensorproof.quant.executor import execute
from tensorproof.verifier.proof import Proof

RNG = np.random.default_rng(9)
W = RNG.normal(size=(2, 1, 3, 3)).astype(np.float32)
FC = RNG.normal(size=(3, 18)).astype(np.float32)
FB = RNG.normal(size=3).astype(np.float32)
X = RNG.normal(size=(12, 1, 6, 6))

def _model(names: list[str]) -> bytes:
    """x → Conv → Relu → MaxPool → Flatten → Gemm → Sigmoid; tensors named by `names` (7)."""
    x, c, r, p, f, g, y = names
    nodes = [helper.make_node("Conv", [x, "w"], [c], pads=[1, 1, 1, 1], name=c),
             helper.make_node("Relu", [c], [r], name=r),
             helper.make_node("MaxPool", [r], [p], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", [p], [f]),
             helper.make_node("Gemm", [f, "fc", "fb"], [g], transB=1),
             helper.make_node("Sigmoid", [g], [y])]
    return make_model(nodes, {x: ["N", 1, 6, 6]}, {y: ["N", 3]},
                      {"w": W, "fc": FC, "fb": FB})


CASES = {
    "old internal names": ["x", "c", "c#q", "c#windows", "c#im2col", "mult:lookups", "c#acc"],
    "old internal names 2": ["0:mult", "0:W", "c#r0", "c#max", "c#d", "1:mult",
                             "fn:0011223344556677"],
    "constant names": ["node 0#W", "node 0#b", "node 1#mult", "x", "y", "z", "node 2#mult"],
    "punctuation": ["", ":", "#", "##", "x:y#z", "a\tb", " "],
    "unicode": ["输入", "héllo wörld", "张量", "🙂", "\u202eevil", "Ω#q", "c#q\u0000"],
    "long names": ["i" * 70000, "a" * 5000, "b" * 70000, "p", "f", "g", "y" * 70000],
    "one name for input and output": ["x", "c", "r", "p", "f", "g", "x#1"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_adversarially_named_graph_proves_the_executor_outputs_or_fails_cleanly(case):
    names = CASES[case]
    try:
        model = api.compile(_model(names), X)
    except CompileError as e:
        assert "\n" not in str(e)
        return
    pk = api.setup(model, pcs="raw")
    proof = Proof.from_bytes(api.prove(pk, X[:2]).to_bytes())
    ref = execute(model.graph, model.quantize_inputs(X[:2]))
    out = api.verify(pk.vk, proof)
    (name,) = model.graph.outputs
    assert np.array_equal(out.ints[name], ref[name])
    assert [q.onnx_name for q in model.outputs] == [names[-1]]
    assert all(len(n.encode()) <= 1024 for n in model.graph.tensors)
    assert out.values[names[-1]].shape == (2, 3)
    bad = proof.outputs[name].copy()
    bad[1, 2] += 1
    with pytest.raises((VerificationError, ProofFormatError)):
        api.verify(pk.vk, dataclasses.replace(proof, outputs={name: bad}))


def test_duplicate_tensor_names_fail_to_compile():
    """Two nodes writing one name: not a valid ONNX graph; a clear CompileError, no proof."""
    nodes = [helper.make_node("Relu", ["input"], ["h"]),
             helper.make_node("Sigmoid", ["input"], ["h"]),
             helper.make_node("Add", ["h", "h"], ["y"])]
    blob = make_model(nodes, {"input": ["N", 4]}, {"y": ["N", 4]})
    with pytest.raises(CompileError) as e:
        api.compile(blob, RNG.normal(size=(8, 4)))
    assert "\n" not in str(e.value)
