"""Minimal reproductions of the prover/verifier bugs the corpus run
(scripts/corpus_prove_report.py) found, as hand-built integer graphs: each proves, verifies, and
gives the reference executor's outputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tensorproof.errors import VerificationError
from tensorproof.ir.graph import IntGraph, Node, TensorSpec
from tensorproof.ir.model import CompiledModel, InputQuant, OutputQuant
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.quant.executor import execute
from tensorproof.verifier import wiring
from tensorproof.verifier.verify import verify


def _single_node_model(op: str, x_shape, y_shape, attrs, consts=None, lo=-128, hi=127):
    tensors = {"x": TensorSpec("x", tuple(x_shape), -128, 127),
               "y": TensorSpec("y", tuple(y_shape), lo, hi)}
    graph = IntGraph(("x",), ("y",), tensors, [Node(op, op, ("x",), "y", attrs, consts or {})])
    return CompiledModel(graph, (InputQuant("x", tuple(x_shape), 1.0, 8, -128, 127),),
                         (OutputQuant("y", "y", tuple(y_shape), 1.0),))


def _proves_like_executor(model, batch: int, seed: int = 0) -> None:
    shape = model.inputs[0].shape
    x = np.random.default_rng(seed).integers(-128, 128, (batch, *shape))
    pk = setup(model)
    out = verify(pk.vk, prove(pk, {"x": x}))
    ref = execute(model.graph, {"x": x})
    for name in model.graph.outputs:
        assert np.array_equal(out[name], ref[name])


def test_reshape_wiring_accepts_rank_zero_shapes():
    # corpus models max/min: ValueError from np.unravel_index on a rank-0 shape
    out_pos, in_pos = wiring.reshape((), (1, 1, 1))
    assert out_pos.tolist() == [0] and in_pos.tolist() == [0]
    out_pos, in_pos = wiring.reshape((1, 1), ())
    assert out_pos.tolist() == [0] and in_pos.tolist() == [0]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_max_over_every_axis_proves(keepdims, batch):
    # keepdims=1 over all axes lowers to a rank-0 max then a reshape to (1, 1, 1)
    y_shape = (1, 1, 1) if keepdims else ()
    model = _single_node_model("reduce_max", (3, 2, 2), y_shape,
                               {"axes": [0, 1, 2], "keepdims": keepdims})
    _proves_like_executor(model, batch)


def _passthrough_model(with_linear: bool) -> CompiledModel:
    """Output 'x' is the input tensor itself (corpus 1l_identity, 1l_div, doodles: no int op);
    optionally a second output y = x @ W + b."""
    tensors = {"x": TensorSpec("x", (4,), -128, 127)}
    nodes, outputs = [], [OutputQuant("x", "x_out", (4,), 1.0)]
    if with_linear:
        w, b = np.arange(8).reshape(4, 2) - 4, np.array([3, -3])
        tensors["y"] = TensorSpec("y", (2,), -128 * 4 * 4 - 3, 128 * 4 * 4 + 3)
        nodes.append(Node("linear", "fc", ("x",), "y", {}, {"W": w, "b": b}))
        outputs.append(OutputQuant("y", "y", (2,), 1.0))
    graph = IntGraph(("x",), tuple(o.name for o in outputs), tensors, nodes)
    return CompiledModel(graph, (InputQuant("x", (4,), 1.0, 8, -128, 127),), tuple(outputs))


@pytest.mark.parametrize("with_linear", [False, True])
def test_output_that_is_the_input_must_equal_it(with_linear):
    # the verifier took proof.outputs["x"] on trust: any in-range value was "verified"
    model = _passthrough_model(with_linear)
    _proves_like_executor(model, batch=2)
    pk = setup(model)
    x = np.array([[1, 2, 3, 4], [-5, 6, -7, 8]])
    proof = prove(pk, {"x": x})
    forged = proof.outputs["x"].copy()
    forged[0, 0] += 1
    bad = dataclasses.replace(proof, outputs={**proof.outputs, "x": forged})
    with pytest.raises(VerificationError, match="is the input tensor itself"):
        verify(pk.vk, bad)
