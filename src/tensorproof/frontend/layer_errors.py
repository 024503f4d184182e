"""Quantization error of every tensor of a model: where along the network the integer graph
drifts from the float one (for transformers: per block, along the residual stream).

``layer_errors(model, calibration, data)`` compiles as ``compile_onnx`` does (same normalized
graph, calibration and lowering, hence the same integer graph), runs the float graph and the
integer graph on ``data`` (default: the calibration samples) and returns, for each float tensor
the compiled model computes (in graph order), the largest |dequantized integer − float| and the
float tensor's largest |value|. A report for people: what is proven is the integer graph.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..quant import QuantConfig, Quantizer, QVal, execute
from .calibdata import Calibration, load_samples, sample_feeds
from .compiler import calibrate
from .lowering import lower_graph
from .normalize import normalize
from .onnx_io import load_onnx


@dataclass(frozen=True)
class LayerError:
    """One float tensor: the op that computes it, max |integer·scale − float|, max |float|."""

    tensor: str
    op: str
    max_abs_err: float
    float_absmax: float

    @property
    def rel_err(self) -> float:
        """max_abs_err relative to the tensor's largest |value| (0 for an all-zero tensor)."""
        return self.max_abs_err / self.float_absmax if self.float_absmax > 0 else 0.0


def layer_errors(model, calibration: Calibration | str | os.PathLike,
                 data: Calibration | str | os.PathLike | None = None, bits: int = 8,
                 **options) -> list[LayerError]:
    """Per-tensor quantization error (module docstring); ``bits`` and ``options`` (weight_bits,
    method, percentile, lookup_bits) as for ``compile_onnx``."""
    cfg = QuantConfig(bits=bits, **options)
    fg = normalize(load_onnx(model))
    if isinstance(calibration, str | os.PathLike):
        calibration = load_samples(calibration)
    feeds = sample_feeds(fg.inputs, fg.input_shapes, calibration)
    if data is None:
        evals = feeds
    else:
        evals = sample_feeds(fg.inputs, fg.input_shapes,
                             load_samples(data) if isinstance(data, str | os.PathLike) else data)
    q = Quantizer(calibrate(fg, feeds, cfg), cfg)
    vals: dict = {}
    ins, outs = lower_graph(fg, q, vals)
    graph = q.b.build([v.name for v in outs])
    ints = {}
    for name, v in ins.items():
        x = np.asarray(evals[name], dtype=np.float64).reshape((-1,) + v.shape)
        ints[v.name] = np.clip(np.floor(x / float(v.scale) + 0.5), v.lo, v.hi).astype(np.int64)
    got = execute(graph, ints)
    want = fg.run(evals)
    rows = []
    for node in fg.nodes:
        for name in node.outputs:
            v = vals.get(name)
            if not isinstance(v, QVal) or v.name not in got:
                continue
            real = got[v.name] * v.scale_array()
            ref = want[name].reshape(real.shape)
            fin = np.isfinite(ref)
            err = float(np.abs(real - ref)[fin].max(initial=0.0))
            rows.append(LayerError(name, node.op, err, float(np.abs(ref[fin]).max(initial=0.0))))
    return rows
