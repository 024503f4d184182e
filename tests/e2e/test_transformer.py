"""Transformers end to end: a GPT-style decoder built with onnx.helper (token and positional
embeddings, LayerNorm, causal multi-head attention with softmax, tanh-GELU MLP, residuals, LM
head; frontend/examples_gpt.py), EZKL's nanoGPT from the example corpus
(../shared/peer-corpus/ezkl-examples; skipped when absent) and, where the optional torch is
installed, a GPT exported from PyTorch. Each compiles, proves and verifies (after a round trip
through bytes) with verified outputs equal to the reference executor's; the float error is
checked against onnxruntime (or torch) and printed per layer (run with -s to see the tables)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import onnx
import pytest

from tensorproof import api
from tensorproof.frontend import load_onnx, load_samples, normalize
from tensorproof.frontend.calibdata import sample_feeds
from tensorproof.frontend.examples_gpt import GPTConfig, gpt_onnx, gpt_tokens
from tensorproof.frontend.layer_errors import layer_errors
from tensorproof.quant.executor import execute
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.proof import Proof

CORPUS = Path(__file__).resolve().parents[2] / "../shared/peer-corpus/ezkl-examples"
SMALL = GPTConfig(layers=2, d=32, heads=4, context=16, vocab=64)

pytestmark = pytest.mark.filterwarnings("ignore::tensorproof.errors.CalibrationWarning")


def _prove_and_check(model, pk_inputs: dict) -> dict:
    """Prove, verify from bytes, compare with the reference executor; the dequantized outputs."""
    pk = api.setup(model)
    proof = api.prove(pk, pk_inputs)
    out = api.verify(VerifyingKey.from_bytes(pk.vk.to_bytes()), Proof.from_bytes(proof.to_bytes()))
    reference = execute(model.graph, model.quantize_inputs(pk_inputs))
    for tensor in model.graph.outputs:
        assert np.array_equal(out.ints[tensor], reference[tensor]), tensor
    return out.values


def _print_layers(title: str, rows) -> None:
    print(f"\n{title}: max |quantized − float| per tensor (relative to the tensor's max |value|)")
    for r in rows:
        print(f"  {r.op:20s} {r.tensor[:48]:48s} {r.max_abs_err:9.4f} {100 * r.rel_err:6.2f} %")


@pytest.mark.parametrize("layer_norm", ["op", "decomposed"])
def test_small_gpt_proves_with_per_layer_errors(layer_norm):
    cfg = dataclasses.replace(SMALL, layer_norm=layer_norm)
    onnx_bytes = gpt_onnx(cfg)
    calib, held_out = gpt_tokens(cfg, 48), gpt_tokens(cfg, 8, seed=7)
    model = api.compile(onnx_bytes, {"tokens": calib})
    ops = [n.op for n in normalize(load_onnx(onnx_bytes)).nodes]
    assert ops.count("LayerNormalization") == 2 * cfg.layers + 1  # decomposed ones fused
    assert ops.count("tp.Pointwise") == cfg.layers  # GELU: one table per block
    values = _prove_and_check(model, {"tokens": held_out[:2]})

    import onnxruntime as ort

    want = ort.InferenceSession(onnx_bytes).run(None, {"tokens": held_out})[0]
    got = model.dequantize_outputs(execute(model.graph, model.quantize_inputs(
        {"tokens": held_out})))["logits"].reshape(want.shape)
    assert np.allclose(values["logits"].reshape(want[:2].shape), got[:2])
    rows = layer_errors(onnx_bytes, {"tokens": calib}, {"tokens": held_out})
    _print_layers(f"GPT {cfg}", rows)
    residual = [r for r in rows if "residual" in r.tensor]
    assert len(residual) == 2 * cfg.layers
    assert all(r.rel_err < 0.05 for r in residual), residual  # ~2 % at 8 bits
    err = np.abs(got - want).max()
    print(f"logits: max error {err:.4f} of {np.abs(want).max():.3f}, top-1 agreement "
          f"{(got.argmax(-1) == want.argmax(-1)).mean():.3f}")
    assert err < 0.08 * np.abs(want).max()  # ~3.4 % at 8 bits
    assert (got.argmax(-1) == want.argmax(-1)).mean() >= 0.85


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "nanoGPT").is_dir(),
                    reason=f"EZKL example corpus not found at {CORPUS.resolve()} "
                           "(../shared/peer-corpus): nanoGPT not tested")
def test_corpus_nanogpt_proves_and_matches_onnxruntime():
    """EZKL's nanoGPT (4 layers, d = 64, 4 heads, context 64, vocabulary 65; int64 tokens):
    embedding gather by token id (one pair-table lookup), constant-folded positions and causal
    mask (Shape, ConstantOfShape, NonZero, Equal, Where of constants), decomposed LayerNorm and
    tanh-GELU fused, masked_fill(−10) softmax. onnxruntime refuses the file as it is (opset 10's
    Equal takes no floats; it compares two constants only), so it runs at opset 11."""
    folder = CORPUS / "nanoGPT"
    fg = normalize(load_onnx(folder / "network.onnx"))
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))
    model = api.compile(folder / "network.onnx", feeds)
    values = _prove_and_check(model, feeds)

    import onnxruntime as ort

    m = onnx.load(folder / "network.onnx")
    m.opset_import[0].version = 11
    want = ort.InferenceSession(m.SerializeToString()).run(
        None, {"input": feeds["input"].astype(np.int64)})[0]
    got = values["output"].reshape(want.shape)
    err = float(np.abs(got - want).max())
    print(f"\nnanoGPT: max error {err:.4f} of {np.abs(want).max():.3f}")
    assert err < 0.03 * np.abs(want).max()  # 1.1 % at 8 bits
    assert (got.argmax(-1) == want.argmax(-1)).mean() >= 0.9


def test_torch_gpt_exports_compiles_and_proves(tmp_path):
    """The same architecture written in PyTorch (nn.Embedding, nn.LayerNorm, masked_fill with
    −inf, F.gelu(approximate="tanh")), exported by export_torch at opset 17."""
    torch = pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    from tensorproof.frontend import export_torch

    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self, d: int, h: int, t: int):
            super().__init__()
            self.h, self.ln1, self.ln2 = h, nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            self.register_buffer("mask", torch.tril(torch.ones(t, t)).view(1, 1, t, t))

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
            q, k, v = (y.view(b, t, self.h, c // self.h).transpose(1, 2) for y in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (c // self.h) ** -0.5
            att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
            y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).contiguous().view(b, t, c)
            x = x + self.proj(y)
            return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self, vocab: int = 32, d: int = 16, h: int = 2, t: int = 8):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(t, d)
            self.blocks = nn.Sequential(Block(d, h, t), Block(d, h, t))
            self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)

        def forward(self, idx):
            pos = torch.arange(0, idx.shape[1], dtype=torch.long)
            return self.head(self.ln_f(self.blocks(self.wte(idx) + self.wpe(pos))))

    torch.manual_seed(0)
    net = GPT().eval()
    tokens = torch.randint(0, 32, (40, 8))
    path = export_torch(net, tokens[:1], tmp_path / "gpt.onnx")
    model = api.compile(path, tokens[:32].numpy())
    values = _prove_and_check(model, tokens[32:34].numpy())
    (got,) = values.values()
    with torch.no_grad():
        want = net(tokens[32:34]).numpy()
    assert np.abs(got.reshape(want.shape) - want).max() < 0.08 * np.abs(want).max()
