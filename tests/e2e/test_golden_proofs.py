"""Golden whole-proof hashes: refactors must reproduce today's bytes exactly.

Two tiny hand-built models, fixed weights and inputs, proven with the raw and the Ligero
commitment (K = F_p^2). Pinned: SHA-256 of the proof bytes (``Proof.to_bytes``), of the
verifying key file (``vk.to_bytes``: key JSON and weight certificate), of the proving key file
(``prover.keyfile.pk_bytes``: model, vk and the commitment's prover data) and the model id.

Provenance: first made on commit aeed1333a7244508c347b0189adeb3ca2d5a01d0 (before commitments
became named groups of the plan, issue 11); every row remade when sumcheck rounds stopped
sending s(1) (the verifier derives it from the running claim), and when PROTOCOL_VERSION
became 3 (lookup-table columns committed with the weights; these models have none, so only
the model id and what binds it changed) and 4 (large irregular gather wirings committed with
the weights; again none here); by ``python
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
        '6056a7db937160da08f2310cd8db0e564415c1e4e735944a5d0c5d87021b7666',
        '50f0b63d4142f63dffadff3a49a460f788bd0f82ebd8031fa7611188cd4f6d6b',
        '073c0ead0eb407b94c457ec853ce2ad6158e5b3d699cbd426abb072ba008dde6',
        '37eeb3bca10b39c4a0fa5fad2f7d40a521d11c6f1aa658a513e29bfe735923be',
    ),
    ('mlp', 'ligero'): (
        'f26850d5120a905fce2679f823201b18bb5eb2b6b99e76b27c527e72c99166a5',
        '99ff678e9c36ff0ee86131f914ccf901f1e18e74a925287644f06dc5b57fc4ec',
        '131dfeb5de5411f54951e2080b3175399bfad6d7ec268cf0adf20811d04e1b80',
        '90cf4f979bacfed4fd707885710f26cedc9e84a71cba57d42107169e0b88e1a3',
    ),
    ('mlp', 'whir'): (
        '5d6bdb9e9faeb198230d6accb6188db554a36d50903eac27b8da40324b2fa7f7',
        '1fd9b1e78271dddad0477902766c7cd750ce75caa7c1bf3c8fc68f28742a525f',
        'ab7e9434a4539599ef57329ce142e97f9de8c909ea0bd083995049ac7939ac9b',
        '3d03e113d22efcdc7de99f67b9048a83439476788aa7524f9f5903ce647e0878',
    ),
    ('cnn', 'raw'): (
        '3e69cb3502ef01fcbe689c7aa00939ce478215bf52b18eb15e67895bebbc7a00',
        'f545775cdbd33a2d044166169859a1831b8834492332c98e872ff8a8c486ebb1',
        '012fc0f408a3ca976f94c26125b836a89bc142f993c30c9a10832dddbb0f7e02',
        'e8aedf89572843c424cd140e8232a0e19f66e57ea512b6c415a905bf3f5bfb16',
    ),
    ('cnn', 'ligero'): (
        'ec3db1c37d7493eb41a34664ffb5de9c35cb363c7dc13bc324bc350c4b3f739a',
        '5aba1d8a20fb3f0b741994c13f892366b6880b15bb72f325ce10c9606dcdf842',
        'e4bd57485c4d0fe07be625afaf54475bcdd108dc4598a9cf91ee54fbb5742c4a',
        'a7ee7f710e13b288f5f187d480b219200e8d37c2c0a857660b9c83984534c6d0',
    ),
    ('cnn', 'whir'): (
        '0996b7eb83a3f2bfdb7524d0bb5be64907fff49f912444c8bb4f8916b9606941',
        '42d7092f14548f25ed3a375405c50a8561efffd7c8d6d1c5b113f8fb08959120',
        'dc0a8e592717217895cd8a0085f3c6a02d4239c0b90fbace83ab5f541b313bce',
        'd0163ffcd378df102c69af9a8c3b5f01a71c0e8c9fc94aa453b97fce3d0ff284',
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
