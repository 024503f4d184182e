"""A GPT-style decoder as ONNX, built with onnx.helper from seeded weights (no torch needed), for
the transformer tests and ``benchmarks/transformer.py``.

``gpt_onnx(GPTConfig(...))`` is GPT-2's architecture, what PyTorch's exporter writes at opset 17
for it: token embedding Gather(wte, tokens) + positional embedding Gather(wpe, arange(T)), then
per block x += proj(attn(LN1(x))), x += fc2(GELU(fc1(LN2(x)))), then LN_f and the LM head.
Attention: one MatMul for q, k, v (Split), heads by Reshape/Transpose, q·kᵀ·(1/√d_head),
masked_fill(causal mask, −inf) as a Where on a constant mask, Softmax, ·v. GELU is the tanh
approximation spelled out (Mul, Pow, Add, Tanh), as exported. ``layer_norm="op"`` uses
LayerNormalization nodes; ``"decomposed"`` the ReduceMean/Sub/Pow/Sqrt/Div chain of older
exporters and nanoGPT. Input ``tokens``: int64 (batch, context); output ``logits``: (batch,
context, vocab).

The weights are random (no training), scaled so that activations are of order one at every depth
(matrices N(0, 1/fan_in), embeddings N(0, 1)): attention is far from uniform and the GELU sees
both of its regimes, so the quantization error measured on it is representative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


@dataclass(frozen=True)
class GPTConfig:
    """Sizes of the decoder (``mlp``: hidden width of the MLP as a multiple of d)."""

    layers: int = 2
    d: int = 32
    heads: int = 4
    context: int = 16
    vocab: int = 64
    mlp: int = 4
    layer_norm: str = "op"
    seed: int = 0

    @property
    def params(self) -> int:
        """Weights and biases: embeddings, blocks (LN, qkv, proj, fc1, fc2), LN_f, LM head."""
        d, h = self.d, self.mlp * self.d
        block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d)
        return (self.vocab + self.context) * d + self.layers * block + 2 * d + d * self.vocab


class _Graph:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def init(self, hint: str, value: np.ndarray) -> str:
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, hint: str, shape: tuple[int, ...], std: float) -> str:
        return self.init(hint, (self.rng.standard_normal(shape) * std).astype(np.float32))

    def scalar(self, value: float) -> str:
        return self.init("c", np.array(value, dtype=np.float32))

    def op(self, op: str, inputs: list[str], hint: str, n_out: int = 1, **attrs):
        outs = [self.name(f"{hint}_out") for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name(hint), **attrs))
        return outs[0] if n_out == 1 else outs


def _layer_norm(g: _Graph, x: str, d: int, hint: str, how: str) -> str:
    gamma = g.init(f"{hint}.weight", (1 + 0.1 * g.rng.standard_normal(d)).astype(np.float32))
    beta = g.init(f"{hint}.bias", (0.1 * g.rng.standard_normal(d)).astype(np.float32))
    if how == "op":
        return g.op("LayerNormalization", [x, gamma, beta], hint, axis=-1, epsilon=1e-5)
    mean = g.op("ReduceMean", [x], f"{hint}/mean", axes=[-1])  # axes an attribute below 18
    dx = g.op("Sub", [x, mean], f"{hint}/sub")
    sq = g.op("Pow", [dx, g.scalar(2.0)], f"{hint}/pow")
    var = g.op("ReduceMean", [sq], f"{hint}/var", axes=[-1])
    std = g.op("Sqrt", [g.op("Add", [var, g.scalar(1e-5)], f"{hint}/eps")], f"{hint}/sqrt")
    y = g.op("Div", [dx, std], f"{hint}/div")
    return g.op("Add", [g.op("Mul", [y, gamma], f"{hint}/gamma"), beta], f"{hint}/beta")


def _linear(g: _Graph, x: str, n_in: int, n_out: int, hint: str, bias: bool = True) -> str:
    y = g.op("MatMul", [x, g.weight(f"{hint}.weight", (n_in, n_out), n_in ** -0.5)], hint)
    if not bias:
        return y
    return g.op("Add", [y, g.weight(f"{hint}.bias", (n_out,), 0.02)], f"{hint}/bias")


def _gelu_tanh(g: _Graph, x: str, hint: str) -> str:
    """0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch exports GELU(approximate='tanh')."""
    cube = g.op("Pow", [x, g.scalar(3.0)], f"{hint}/pow")
    inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715)], f"{hint}/mul")], f"{hint}/add")
    t = g.op("Tanh", [g.op("Mul", [inner, g.scalar(float(np.sqrt(2 / np.pi)))], f"{hint}/scale")],
             f"{hint}/tanh")
    half = g.op("Mul", [x, g.scalar(0.5)], f"{hint}/half")
    return g.op("Mul", [half, g.op("Add", [t, g.scalar(1.0)], f"{hint}/one")], hint)


def _attention(g: _Graph, x: str, cfg: GPTConfig, hint: str) -> str:
    d, h, t = cfg.d, cfg.heads, cfg.context
    hd = d // h
    qkv = _linear(g, x, d, 3 * d, f"{hint}.c_attn")
    q, k, v = g.op("Split", [qkv, g.init("split", np.array([d, d, d], np.int64))], f"{hint}/split",
                   n_out=3, axis=-1)
    heads = g.init("heads", np.array([-1, t, h, hd], np.int64))
    q, k, v = (g.op("Reshape", [y, heads], f"{hint}/heads") for y in (q, k, v))
    q = g.op("Transpose", [q], f"{hint}/q", perm=[0, 2, 1, 3])
    kt = g.op("Transpose", [k], f"{hint}/kT", perm=[0, 2, 3, 1])
    v = g.op("Transpose", [v], f"{hint}/v", perm=[0, 2, 1, 3])
    att = g.op("Mul", [g.op("MatMul", [q, kt], f"{hint}/qk"), g.scalar(hd ** -0.5)],
               f"{hint}/scaled")
    future = g.init("causal", ~np.tril(np.ones((1, 1, t, t), bool)))
    att = g.op("Where", [future, g.scalar(-np.inf), att], f"{hint}/masked_fill")
    att = g.op("Softmax", [att], f"{hint}/softmax", axis=-1)
    y = g.op("Transpose", [g.op("MatMul", [att, v], f"{hint}/av")], f"{hint}/merge",
             perm=[0, 2, 1, 3])
    y = g.op("Reshape", [y, g.init("shape", np.array([-1, t, d], np.int64))], f"{hint}/flat")
    return _linear(g, y, d, d, f"{hint}.c_proj")


def gpt_onnx(cfg: GPTConfig = GPTConfig()) -> bytes:
    """The decoder of ``cfg`` as serialized ONNX (module docstring)."""
    if cfg.d % cfg.heads:
        raise ValueError(f"d = {cfg.d} is not a multiple of heads = {cfg.heads}")
    if cfg.layer_norm not in ("op", "decomposed"):
        raise ValueError(f"layer_norm must be 'op' or 'decomposed', got {cfg.layer_norm!r}")
    g = _Graph(np.random.default_rng(cfg.seed))
    wte = g.weight("wte", (cfg.vocab, cfg.d), 1.0)
    wpe = g.weight("wpe", (cfg.context, cfg.d), 0.5)
    pos = g.init("positions", np.arange(cfg.context, dtype=np.int64))
    x = g.op("Add", [g.op("Gather", [wte, "tokens"], "wte"), g.op("Gather", [wpe, pos], "wpe")],
             "embed")
    for i in range(cfg.layers):
        a = _attention(g, _layer_norm(g, x, cfg.d, f"h.{i}.ln_1", cfg.layer_norm), cfg,
                       f"h.{i}.attn")
        x = g.op("Add", [x, a], f"h.{i}/residual_attn")
        m = _linear(g, _layer_norm(g, x, cfg.d, f"h.{i}.ln_2", cfg.layer_norm), cfg.d,
                    cfg.mlp * cfg.d, f"h.{i}.mlp.c_fc")
        m = _linear(g, _gelu_tanh(g, m, f"h.{i}.mlp.gelu"), cfg.mlp * cfg.d, cfg.d,
                    f"h.{i}.mlp.c_proj")
        x = g.op("Add", [x, m], f"h.{i}/residual_mlp")
    x = _layer_norm(g, x, cfg.d, "ln_f", cfg.layer_norm)
    logits = _linear(g, x, cfg.d, cfg.vocab, "lm_head", bias=False)
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="output"))
    graph = helper.make_graph(
        g.nodes, "gpt",
        [helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", cfg.context])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       ["batch", cfg.context, cfg.vocab])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=8)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def gpt_tokens(cfg: GPTConfig, n: int, seed: int = 1) -> np.ndarray:
    """``n`` token sequences (n, context), int64, uniform over the vocabulary."""
    return np.random.default_rng(seed).integers(0, cfg.vocab, (n, cfg.context), dtype=np.int64)
