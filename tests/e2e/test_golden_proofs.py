"""Golden whole-proof hashes: refactors must reproduce today's bytes exactly.

Two tiny hand-built models, fixed weights and inputs, proven with the raw and the Ligero
commitment (K = F_p^2). Pinned: SHA-256 of the proof bytes (``Proof.to_bytes``), of the
verifying key file (``vk.to_bytes``: key JSON and weight certificate), of the proving key file
(``prover.keyfile.pk_bytes``: model, vk and the commitment's prover data) and the model id.

Provenance: made on commit aeed1333a7244508c347b0189adeb3ca2d5a01d0 (before commitments became
named groups of the plan, issue 11); the WHIR (compact profile, K = F_p^3) rows when WHIR
landed; by ``python tests/e2e/test_golden_proofs.py``, which prints
the table below from the current tree. Change a value only together with a protocol or format
change that is meant to change the bytes, and say so in the commit.
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
        '2c11c3ca1ee4cc9218d75d6899eb15022bec34c32506f471b3e54f50b70e2744',
        '3bff0c45a111168a44638f37f1d7a432d394ed9f173ac7f2d2a4e153be913630',
        '14c41494d462f1d3a771f1b858d45dd860fddb6b6e21ad7fd8f9a3bef2a68e91',
        '8573a96cc63e450e108ac0640726ed7a8df3e4a61eccbfd3a9a52711313a3075',
    ),
    ('mlp', 'ligero'): (
        'ab3228193f240e01c2643745c9d00c069aac73d58f93002e3263196ab081b4b1',
        '3f9c569579d45d295505dd941e0a93856f721ceead7aec2ec897114e7c80470d',
        '04a794ff8cac6ecf30d69decdd8c6bceebbcc308b546837d5bc06e067efd929d',
        '9ee64b1e88fa122f03d5decb2533001ebbe5930b204fce22b4fb13ea7525a895',
    ),
    ('mlp', 'whir'): (
        '7eac0ff74bc01c43a18953d258dea4ce8f0a7c6454d5eecad8559fc85b456f11',
        '9939ebbcda4b011631591ae3f6c2e755848edde9b9db6a878203eaf665e5c202',
        'f1d424e1c39fb9dbd75e3e6f302a6ed27dc861c6f80d8a38a95df519c674b788',
        '94abc3bfd13a89bf891e3be8349343b48e24f2668d6a3a4df4c630353b9b903a',
    ),
    ('cnn', 'raw'): (
        '878369f0cf6eaa80ab8ca47b641a155c50b7d98aae6fc2589d30ce1302c3cdeb',
        '83396d7e1faa552bec1d241c7777550762fd6b2ffbe699dd7bc44e45d4ffa481',
        '340f33add867f54a7bf5815a5c90e12778a00600b12d20a5e080ab454ef0a38b',
        '677a4aed69ee4429699baa116f92c943e5578466fd3d68f257cb258040b9efc0',
    ),
    ('cnn', 'ligero'): (
        '827fadeb0b4a03a858f4925b84b80ba9bd3a33977f05449f0967c15cf7346a47',
        'c6f0dec77064d95856dc7e7232233d07d0b49438cfe70207dd1dabdcd24aae4f',
        'adac02267a461d0eb827120d5f911fcc4814cef33d4667b3823e6f821e169723',
        'caf32ba7cb3639c2e9e60e804a96446914b214907feaf10801f782a05693f0af',
    ),
    ('cnn', 'whir'): (
        '11288ddbd2f1b646c41db81ce8b1e0a18a5d4cfd5fd2e24863b34dde56a88a0a',
        '22849402afed9a330e09f96fbe21bb106689f8f70fcb43b7d97b8ae21aa53ce8',
        '20d5ac6dd93b9d6d66a124b53159cd6f0545c45e0da64aaaea786902078a9e89',
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
