"""Minimal reproductions of the prover/verifier bugs the corpus run
(scripts/corpus_prove_report.py) found, as hand-built integer graphs: each proves, verifies, and
gives the reference executor's outputs."""

from __future__ import annotations

import numpy as np
import pytest

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
