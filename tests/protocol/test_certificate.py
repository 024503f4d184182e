"""Weight certificate (verifier/certificate.py, prover/certificate.py): completeness.

An honest certificate verifies for hand-built models with every kind of committed constant
(8-bit weights looked up whole, biases and multipliers of up to 41 bits in limbs, single-valued
constants of width 0, a constant broadcast in its committed layout), for a model without any
constant, for the compiled digits MLP and CNN, with the raw and the Ligero commitment, and after
a round trip of the verifying key through bytes.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.frontend import compile_onnx
from tensorproof.frontend.examples import train_digits_cnn, train_digits_mlp
from tensorproof.ir.graph import IntGraph, Node, TensorSpec
from tensorproof.ir.model import CompiledModel, InputQuant, OutputQuant
from tensorproof.ir.ranges import infer_range
from tensorproof.ir.validate import validate_graph
from tensorproof.prover.certificate import prove_certificate
from tensorproof.prover.model import setup
from tensorproof.verifier.certificate import LIMB_BITS, certificate_plan, verify_certificate
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.pcs_config import default_config

RAW = {"k": 2, "pcs": "raw"}


def model_of(nodes: list[Node], x: TensorSpec, shapes: dict) -> CompiledModel:
    """A model whose tensor ranges are the guaranteed ones (from the constants' fitted ranges)."""
    tensors = {x.name: x}
    for n in nodes:
        lo, hi, _ = infer_range(n, [tensors[i] for i in n.inputs])
        tensors[n.output] = TensorSpec(n.output, shapes[n.output], lo, hi)
    out = nodes[-1].output if nodes else x.name
    g = IntGraph((x.name,), (out,), tensors, nodes)
    validate_graph(g)
    return CompiledModel(g, (InputQuant(x.name, x.shape, 1.0, 8, x.lo, x.hi),),
                         (OutputQuant(out, out, tensors[out].shape, 1.0),))


def wide_model(seed: int = 0, n_in: int = 6) -> CompiledModel:
    """x (n_in,) → linear (8-bit W, 41-bit b) → requant (19-bit per-channel mult) → reshape
    (2, 2) → add_const (c of shape (2, 1), broadcast when committed) → mul_const (scalar 3:
    width 0)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (n_in, 4))
    b = rng.integers(-(2**40), 2**40, 4)
    mult = rng.integers(2**19, 2**20, 4)
    nodes = [
        Node("linear", "fc", ("x",), "h", {}, {"W": w, "b": b}),
        Node("requant", "rq", ("h",), "r", {"shift": 40, "lo": -127, "hi": 127, "axis": 0},
             {"mult": mult}),
        Node("reshape", "rs", ("r",), "s", {"shape": [2, 2]}),
        Node("add_const", "addc", ("s",), "a", {}, {"c": rng.integers(-300, 300, (2, 1))}),
        Node("mul_const", "mulc", ("a",), "y", {}, {"c": np.array([3])}),
    ]
    shapes = {"h": (4,), "r": (4,), "s": (2, 2), "a": (2, 2), "y": (2, 2)}
    return model_of(nodes, TensorSpec("x", (n_in,), -128, 127), shapes)


def test_plan_looks_narrow_constants_up_whole_and_splits_wide_ones_in_limbs():
    cp = certificate_plan(setup(wide_model(), RAW, certify=False).vk.graph)
    widths = {cp.plan.const_sources[c.name][:2]: (c.w, c.widths) for c in cp.consts}
    assert widths[0, "W"] == (8, [])
    assert widths[0, "b"] == (41, [8, 8, 8, 8, 8, 1])
    assert widths[1, "mult"] == (19, [8, 8, 3])
    assert widths[3, "c"][1] == [] and 0 < widths[3, "c"][0] <= LIMB_BITS
    assert widths[4, "c"] == (0, [])  # a single value: width 0, c = lo exactly
    shapes = {cp.plan.const_sources[c.name][:2]: c.layout.shape for c in cp.consts}
    assert shapes[3, "c"] == (2, 2)  # committed broadcast to the activation's shape


@pytest.mark.parametrize("config", [RAW, default_config()], ids=["raw", "ligero"])
def test_honest_certificate_verifies(config):
    pk = setup(wide_model(), config, certify=False)
    verify_certificate(pk.vk, prove_certificate(pk))


def test_setup_puts_a_verifying_certificate_in_the_key():
    pk = setup(wide_model(1), RAW)
    assert pk.vk.certificate
    verify_certificate(pk.vk, pk.vk.certificate)
    vk = VerifyingKey.from_bytes(pk.vk.to_bytes())  # loading checks structure and certificate
    assert vk.certificate == pk.vk.certificate


def test_model_without_constants_certifies_its_zero_vector():
    nodes = [Node("reshape", "rs", ("x",), "y", {"shape": [2, 3]})]
    pk = setup(model_of(nodes, TensorSpec("x", (6,), -128, 127), {"y": (2, 3)}), RAW,
               certify=False)
    assert not certificate_plan(pk.vk.graph).consts
    verify_certificate(pk.vk, prove_certificate(pk))


@pytest.mark.parametrize("train", [train_digits_mlp, train_digits_cnn], ids=["mlp", "cnn"])
def test_compiled_digits_models_certify_with_ligero(train):
    digits = train()
    pk = setup(compile_onnx(digits.onnx_bytes, digits.x_calib))
    vk = VerifyingKey.from_bytes(pk.vk.to_bytes())
    verify_certificate(vk, vk.certificate)
    assert prove_certificate(pk) == vk.certificate  # deterministic
