"""Golden whole-proof hashes: refactors must reproduce today's bytes exactly.

Two tiny hand-built models, fixed weights and inputs, proven with the raw and the Ligero
commitment (K = F_p^2). Pinned: SHA-256 of the proof bytes (``Proof.to_bytes``), of the
verifying key file (``vk.to_bytes``: key JSON and weight certificate), of the proving key file
(``prover.keyfile.pk_bytes``: model, vk and the commitment's prover data) and the model id.

Provenance: first made on commit aeed1333a7244508c347b0189adeb3ca2d5a01d0 (before commitments
became named groups of the plan, issue 11); every row remade when sumcheck rounds stopped
sending s(1) (the verifier derives it from the running claim), and when PROTOCOL_VERSION
became 3 (lookup-table columns committed with the weights; these models have none, so only
the model id and what binds it changed); by ``python
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
        '61440ad952a980e668ed434b673beae40b4698c53e169df31c9ea93d1f5994bd',
        'f0fad77804bd0509b8bb1a3dccfe61b92c1fd7dc6b136a988a98a69e2dfbe70b',
        'dd2b5987d7b803ddb04fed2d7c556b3bc1b2a5612023e89ba0aa1ee53dc57610',
        '5044ca43aee0c76071d09c87639866b3ac915451af527eb5e74b02b109dc4ce7',
    ),
    ('mlp', 'ligero'): (
        '58e38c270197b9d97ed2a1a234e16aa9808e2d509afa990a8e91ffe71a92c5cf',
        'e82cfcb58de27d1ee1c1ad8b6f85e7628595cf0cc4dae08706a64e7fa9d762ed',
        '9ebb8cf0889d631f745844db422c3f15683a7f88c4fe93cc458f9b5f3dd45e38',
        'b7441bc2042c764dce25770ce4d2f6ba6082459058bcd154d4c4a2e5c2a36514',
    ),
    ('mlp', 'whir'): (
        '6be95578a1fa95040de11f89bc2ca0e67cbd2e99d2f6509948e7e9ceb1baf69b',
        '2ac5cd23e6fbda1fa21f373ebe8113df502ea6269985da38e3d5b5f636599e38',
        '719c9ced8006354f924b2ffa7001bc0f218409daaef6363ac5043ed6390ac87d',
        '470759adc942d34c262a34ce1d7b9cac0de47b173fe832b0428804274e5a01b0',
    ),
    ('cnn', 'raw'): (
        'e83178701bbed880ec9e5ad69f4ec4dd8e7694a564ac0868043d4fd53014e08e',
        'd06307b0fc76855436dbbae6a878c7be4edf14718738ea37d2474648d996063d',
        '0a86220759f79534077ddc9338a4f3494282e1175342960eef47267da9f55781',
        'acb3f2e3f2028b2a17b2d4e2ff16affb87e3d2b974deecb2539cf12b22928c03',
    ),
    ('cnn', 'ligero'): (
        '1f00d4008c554c0d5839f9e0c19561e4735a92afdada6715bc4cffde57e9d987',
        '3a9409d71a0e14e2d5dffee0dd765d919e262bf419232fe61ce75cbea2efe80a',
        'd95a1f01ba153ccc49d2550fdbf61197a713abd7246864baf23245f9c70e53bf',
        '7828dbb1148587c565b4ca501c508bb965ab5a1cf025866317fa8d3655a40f9e',
    ),
    ('cnn', 'whir'): (
        'b5ffd355c6e3990cfb678a7c4c2d6b7d647dbde56f8c71b3dcf77bbd0c5e7f39',
        '0ee91c2a4decebfef7de34e203991522a47b4f2a1a815a5ce02b323a7fbfbc5d',
        '0575af814625f56a96da5add899cebe6668a3869ac98e26989b3fd7527720649',
        'b2264ca1e290221cd37931d40e8ce9cb70c5f94b16d27d1d4ade6cf1817ad27c',
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
