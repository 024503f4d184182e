"""Golden whole-proof hashes: refactors must reproduce today's bytes exactly.

Two tiny hand-built models, fixed weights and inputs, proven with the raw and the Ligero
commitment (K = F_p^2). Pinned: SHA-256 of the proof bytes (``Proof.to_bytes``), of the
verifying key file (``vk.to_bytes``: key JSON and weight certificate), of the proving key file
(``prover.keyfile.pk_bytes``: model, vk and the commitment's prover data) and the model id.

Provenance: first made on commit aeed1333a7244508c347b0189adeb3ca2d5a01d0 (before commitments
became named groups of the plan, issue 11); every row remade when sumcheck rounds stopped
sending s(1) (the verifier derives it from the running claim); by ``python
tests/e2e/test_golden_proofs.py``, which prints the table below from the current tree.
Change a value only together with a protocol or format change that is meant to change the
bytes, and say so in the commit.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tensorproof.ir.graph import IntGraph, Node, TensorSpec
from tensorproof.ir.model import CompiledModel, InputQuant, OutputQuant
from tensorproof.ir.ranges import infer_range
from tensorproof.prover.keyfile import pk_bytes
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.verify import verify

CONFIGS = {"raw": {"k": 2, "pcs": "raw"},
           "ligero": {"k": 2, "pcs": "ligero", "blowup": 4, "queries": 241},
           "whir": {"k": 3, "pcs": "whir", "log_inv_rate": 4, "folding": 4, "final_vars": 8,
                    "ood": 1, "pow_bits": 16, "security": 100, "rate_cap": 6}}

GOLDEN = {
    # (model, config): (proof sha256, vk sha256, tpk sha256, model id)
    ('mlp', 'raw'): (
        'a596e9e7a909dbb90df879a410bf529ede2e340af399d9ea6edb4d4059b23333',
        'd9f7902fdd433dbc008fec76ea488caf2d6159a64672953f323532523a1c7c3b',
        '83a4356a95566c43508ec4fbcfa9fe925c0a887b1dd1b214bb49ed5dfde49a10',
        '8573a96cc63e450e108ac0640726ed7a8df3e4a61eccbfd3a9a52711313a3075',
    ),
    ('mlp', 'ligero'): (
        '2b984abba42ffc46db7645f28eec36f122e19c77baf16c2aa032e2b470635926',
        'f139f6493665f9a7c5e8190ec8a9c16946566e43178039774872b0a1b420d2ce',
        'bf70d2d36119eaac49c90f903576bc740768ad6d987895063fd89d4c6c2f2ddd',
        '9ee64b1e88fa122f03d5decb2533001ebbe5930b204fce22b4fb13ea7525a895',
    ),
    ('mlp', 'whir'): (
        '4f59bd8a45bb9ca905a7f35bb06a31dd3db913699831d863e54b2d2bbf73b2f7',
        'dd2078f18e1f8ab0fb28bdb62a92ccf138c25a4653483b63897bbbd5a0a9d7a8',
        '8bbb6d44bae44db65eb0d1a4466eefa9493e8a3ece89b516fea752333ab0c11f',
        '94abc3bfd13a89bf891e3be8349343b48e24f2668d6a3a4df4c630353b9b903a',
    ),
    ('cnn', 'raw'): (
        'd2449b5b76dd39ded75ad4d021409e7bf005267180a43715950a8f7284b88b25',
        '6dadb6ec15fbdebd04284d1d2cbfcf913ea5be0851fbf414fbd5f8c697c3f93e',
        'ceebaf6d226428bc0303c4d2febd8945cf1a0b20450d316f5262bb0e79c828c2',
        '677a4aed69ee4429699baa116f92c943e5578466fd3d68f257cb258040b9efc0',
    ),
    ('cnn', 'ligero'): (
        'f4a4434f6e4e142018f9651e21a60c5acadef05a720cd7eb5cc209f9131dca38',
        'c844b1289c2e3786385346476f03938785a19cb41af44ddb00537611b9ea3374',
        '83c7d4fcf54c13659e2485210f0c0d3189256a04bfd61f5274cf2ed029705c51',
        'caf32ba7cb3639c2e9e60e804a96446914b214907feaf10801f782a05693f0af',
    ),
    ('cnn', 'whir'): (
        '0c72a884bb84e5db6771c7b0f8abe5248006416003397acbe9421a1f6ea5a34f',
        'a00125cad5d8d972b34670713f132088640dc8d6295cea3ebef81c4f48de1ed1',
        'a7571a0c295d0c98a634989edf22425cb03d2c826a904dae011b77bac35bef90',
        '4d769c5b3dccf19c758e0b558978958955f5e3530cbc101db8fc0d2b11f1fb69',
    ),
}


def _model(x: TensorSpec, nodes: list[Node], shapes: dict) -> CompiledModel:
    """A model whose tensor ranges are the guaranteed ones (interval arithmetic)."""
    tensors = {x.name: x}
    for n in nodes:
        lo, hi, _ = infer_range(n, [tensors[i] for i in n.inputs])
        tensors[n.output] = TensorSpec(n.output, shapes[n.output], lo, hi)
    out = nodes[-1].output
    g = IntGraph((x.name,), (out,), tensors, nodes)
    return CompiledModel(g, (InputQuant(x.name, x.shape, 1.0, 8, x.lo, x.hi),),
                         (OutputQuant(out, out, tensors[out].shape, 1.0),))


def mlp() -> tuple[CompiledModel, dict]:
    """x (8,) → linear → requant (per channel) → lookup (a 16-row table) → y (6,)."""
    rng = np.random.default_rng(20261211)
    nodes = [
        Node("linear", "fc", ("x",), "h", {}, {"W": rng.integers(-127, 128, (8, 6)),
                                                "b": rng.integers(-500, 500, 6)}),
        Node("requant", "rq", ("h",), "r", {"shift": 14, "lo": -8, "hi": 7, "axis": 0},
             {"mult": rng.integers(60, 90, 6)}),
        Node("lookup", "act", ("r",), "y", {"x_lo": -8},
             {"table": (np.arange(16) - 8) ** 2 // 3}),
    ]
    model = _model(TensorSpec("x", (8,), -128, 127), nodes, {"h": (6,), "r": (6,), "y": (6,)})
    return model, {"x": rng.integers(-128, 128, (3, 8))}


def cnn() -> tuple[CompiledModel, dict]:
    """x (1, 6, 6) → conv 3×3 (2 channels, pad 1) → requant → max pool 2×2 → reshape (18,)
    → linear → y (3,)."""
    rng = np.random.default_rng(7)
    nodes = [
        Node("conv2d", "conv", ("x",), "c", {"strides": (1, 1), "pads": (1, 1, 1, 1)},
             {"W": rng.integers(-127, 128, (2, 1, 3, 3)), "b": rng.integers(-300, 300, 2)}),
        Node("requant", "rq", ("c",), "r", {"shift": 10, "lo": -128, "hi": 127, "axis": 0},
             {"mult": rng.integers(3, 9, 2)}),
        Node("max_pool2d", "pool", ("r",), "p", {"kernel": (2, 2), "strides": (2, 2),
                                                 "pads": (0, 0, 0, 0)}),
        Node("reshape", "flat", ("p",), "f", {"shape": (18,)}),
        Node("linear", "fc", ("f",), "y", {}, {"W": rng.integers(-127, 128, (18, 3)),
                                               "b": rng.integers(-100, 100, 3)}),
    ]
    shapes = {"c": (2, 6, 6), "r": (2, 6, 6), "p": (2, 3, 3), "f": (18,), "y": (3,)}
    model = _model(TensorSpec("x", (1, 6, 6), -128, 127), nodes, shapes)
    return model, {"x": rng.integers(-128, 128, (2, 1, 6, 6))}


MODELS = {"mlp": mlp, "cnn": cnn}


def digests(model_name: str, config_name: str) -> tuple[str, str, str, str]:
    """(proof sha256, vk sha256, tpk sha256, model id) of a fresh setup and proof; the proof
    is checked to verify first."""
    model, inputs = MODELS[model_name]()
    pk = setup(model, dict(CONFIGS[config_name]))
    proof = prove(pk, inputs)
    verify(pk.vk, proof)
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    return (sha(proof.to_bytes()), sha(pk.vk.to_bytes()), sha(pk_bytes(pk)),
            pk.vk.model_id.hex())


@pytest.mark.parametrize("key", sorted(GOLDEN), ids=lambda k: f"{k[0]}-{k[1]}")
def test_golden_proof_bytes(key):
    assert digests(*key) == GOLDEN[key]


if __name__ == "__main__":  # print the GOLDEN table of the current tree
    for m in MODELS:
        for c in CONFIGS:
            print(f"    ({m!r}, {c!r}): (")
            print("\n".join(f"        {v!r}," for v in digests(m, c)))
            print("    ),")
