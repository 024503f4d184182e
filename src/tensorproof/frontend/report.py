"""Accuracy of a compiled model against its float original on sample inputs.

The float reference is onnxruntime when it is installed (the model as deployed), otherwise the
frontend's own float64 evaluation. The quantized side is the exact integer executor, dequantized.
For each output: top-1 agreement (outputs with more than one value per sample: argmax over the
flattened sample), max and mean absolute error, and the float output's largest |value|.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import onnx

from ..ir.model import CompiledModel
from ..quant.executor import execute
from .normalize import FloatGraph


@dataclass(frozen=True)
class OutputAccuracy:
    """Float vs quantized figures for one output."""

    name: str
    top1: float | None
    max_abs_err: float
    mean_abs_err: float
    float_absmax: float


@dataclass(frozen=True)
class AccuracyReport:
    """Per-output figures, the float reference used, the number of samples and which samples
    they are: "calibration" (the data the scales were fitted on: optimistic) or "held-out"."""

    outputs: tuple[OutputAccuracy, ...]
    reference: str
    n_samples: int
    data: str = "calibration"
    clamped: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per input: (values outside the calibrated range, that is clamped, of how many)."""

    def as_dict(self) -> dict:
        """JSON-friendly summary (stored in the compiled model's info)."""
        return {"reference": self.reference, "n_samples": self.n_samples, "data": self.data,
                "outputs": [o.__dict__ for o in self.outputs],
                "clamped": {k: list(v) for k, v in self.clamped.items()}}


def _session(model: onnx.ModelProto):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(model.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])
    except Exception:  # a newer IR version than this onnxruntime reads: declare IR 10
        m = onnx.ModelProto()
        m.CopyFrom(model)
        m.ir_version = min(m.ir_version, 10)
        return ort.InferenceSession(m.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])


_ORT_TYPES = {f"tensor({k})": v for k, v in (
    ("float", np.float32), ("double", np.float64), ("float16", np.float16), ("bool", np.bool_),
    ("int8", np.int8), ("int16", np.int16), ("int32", np.int32), ("int64", np.int64),
    ("uint8", np.uint8), ("uint16", np.uint16), ("uint32", np.uint32), ("uint64", np.uint64))}
"""onnxruntime's input type names → the numpy dtype its inputs are fed in."""


def _ort_run(model: onnx.ModelProto, fg: FloatGraph, feeds: dict[str, np.ndarray],
             outputs: list[str]) -> dict[str, np.ndarray] | None:
    """onnxruntime outputs (N, -1) per output; batched models in one call, others per sample
    (the compiled model's semantics: each sample is a batch of one)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    try:
        sess = _session(model)
        types = {i.name: _ORT_TYPES.get(i.type, np.float32) for i in sess.get_inputs()}
        n = next(iter(feeds.values())).shape[0]
        if fg.batched:
            res = sess.run(outputs, {k: v.reshape((n,) + fg.shapes[k][1:]).astype(types[k])
                                     for k, v in feeds.items()})
            return {o: np.asarray(r, np.float64).reshape(n, -1) for o, r in zip(outputs, res)}
        per = [sess.run(outputs, {k: v[i].reshape(fg.shapes[k]).astype(types[k])
                                  for k, v in feeds.items()}) for i in range(n)]
        return {o: np.stack([np.asarray(p[j], np.float64).ravel() for p in per])
                for j, o in enumerate(outputs)}
    except Exception:
        return None


def float_outputs(model: onnx.ModelProto | None, fg: FloatGraph, feeds: dict[str, np.ndarray]
                  ) -> tuple[dict[str, np.ndarray], str]:
    """Float outputs of the original model as (N, -1) arrays by ONNX output name, and the
    reference used."""
    names = list(fg.onnx_outputs)
    if model is not None and os.environ.get("TENSORPROOF_FLOAT_REFERENCE") != "numpy":
        res = _ort_run(model, fg, feeds, names)
        if res is not None:
            return res, "onnxruntime"
    vals = fg.run(feeds)
    n = next(iter(feeds.values())).shape[0]
    return {o: vals[a].reshape(n, -1) for o, a in zip(names, fg.outputs)}, "numpy float64"


def quantized_outputs(cm: CompiledModel, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Dequantized outputs of the integer graph, keyed by ONNX output name."""
    vals = execute(cm.graph, cm.quantize_inputs(feeds))
    return cm.dequantize_outputs(vals)


def accuracy_report(cm: CompiledModel, model: onnx.ModelProto | None, fg: FloatGraph,
                    feeds: dict[str, np.ndarray], data: str = "calibration") -> AccuracyReport:
    """Compare the compiled model with the float model on ``feeds`` (``data``: which samples
    they are, "calibration" or "held-out")."""
    ref, which = float_outputs(model, fg, feeds)
    got = quantized_outputs(cm, feeds)
    rows = []
    for o in cm.outputs:
        f = ref[o.onnx_name].reshape(len(ref[o.onnx_name]), -1)
        g = got[o.onnx_name].reshape(len(got[o.onnx_name]), -1)
        err = np.abs(f - g)
        err = err[np.isfinite(err)]  # a float model may output inf/NaN (e.g. log of 0)
        top1 = float(np.mean(f.argmax(1) == g.argmax(1))) if f.shape[1] > 1 else None
        fin = np.abs(f[np.isfinite(f)])
        rows.append(OutputAccuracy(o.onnx_name, top1, float(err.max(initial=0)),
                                   float(err.mean()) if err.size else 0.0,
                                   float(fin.max(initial=0))))
    return AccuracyReport(tuple(rows), which, int(next(iter(feeds.values())).shape[0]), data,
                          clamped_counts(cm, feeds))


def clamped_counts(cm: CompiledModel, feeds: dict[str, np.ndarray]) -> dict[str, tuple[int, int]]:
    """Per input: how many values quantize outside [lo, hi] (and are clamped), of how many."""
    return {q.name: (q.quantize_counting(feeds[q.name])[1], int(np.size(feeds[q.name])))
            for q in cm.inputs}
