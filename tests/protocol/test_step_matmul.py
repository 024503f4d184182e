"""matmul (activation × activation), slice, broadcast and reduce_max through the real drivers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from protocol.step_harness import graph, node, prove_and_verify, spec
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.verify import verify

RAW = {"k": 2, "pcs": "raw"}




def _matmul_graph():
    specs = [spec("a", (3, 4)), spec("b", (4, 5)), spec("y", (3, 5), -2**20, 2**20)]
    return graph(["a", "b"], ["y"], specs, [node("matmul", ["a", "b"], "y")])


@pytest.mark.parametrize("batch", [1, 3])
def test_matmul_of_two_inputs_proves(batch):
    rng = np.random.default_rng(batch)
    a = rng.integers(-128, 128, (batch, 3, 4))
    b = rng.integers(-128, 128, (batch, 4, 5))
    proof, out = prove_and_verify(_matmul_graph(), {"a": a, "b": b})
    assert np.array_equal(out["y"], a @ b)


def test_matmul_tampered_rejected():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-128, 128, (2, 3, 4)), rng.integers(-128, 128, (2, 4, 5))
    pk = setup(__import__("protocol.step_harness", fromlist=["compiled"]).compiled(
        _matmul_graph()), RAW)
    proof = prove(pk, {"a": a, "b": b})
    y = proof.outputs["y"].copy()
    y[0, 0, 0] += 1
    with pytest.raises((VerificationError, ProofFormatError)):
        verify(pk.vk, dataclasses.replace(proof, outputs={"y": y}))
    for pos in range(0, len(proof.stream), 97):
        s = bytearray(proof.stream)
        s[pos] ^= 1
        with pytest.raises((VerificationError, ProofFormatError)):
            verify(pk.vk, dataclasses.replace(proof, stream=bytes(s)))


def test_slice_broadcast_and_reduce_max_prove():
    specs = [spec("x", (3, 6)), spec("s", (3, 2)), spec("m", (3, 1)), spec("bm", (3, 2)),
             spec("y", (3, 2), -256, 254)]
    nodes = [node("slice", ["x"], "s", starts=(0, 1), ends=(3, 5), steps=(1, 2)),
             node("reduce_max", ["x"], "m", axes=(1,), keepdims=1),
             node("broadcast", ["m"], "bm", shape=(3, 2)),
             node("add", ["s", "bm"], "y")]
    x = np.random.default_rng(5).integers(-128, 128, (2, 3, 6))
    _, out = prove_and_verify(graph(["x"], ["y"], specs, nodes), {"x": x})
    expect = x[:, :, 1:5:2] + x.max(axis=2, keepdims=True)
    assert np.array_equal(out["y"], expect)
