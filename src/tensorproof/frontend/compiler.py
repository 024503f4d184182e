"""compile_onnx: ONNX model + sample inputs → CompiledModel (the exact integer graph).

Pipeline: load and normalize (normalize.py) → run the float graph on the samples and record
every tensor's statistics (quant.calibrate) → lower each ONNX op onto the quantizer (lowering.py),
which builds the integer graph with proven ranges and refuses layers that could overflow 2^62 →
validate → package with input quantization and output dequantization.
"""

from __future__ import annotations

import hashlib
import os
import warnings

import numpy as np
import onnx

from ..errors import CalibrationWarning, CompileError
from ..ir.model import CompiledModel, InputQuant, OutputQuant
from ..ir.validate import validate_graph
from ..quant import QuantConfig, Quantizer, observe
from .calibdata import Calibration, load_samples, sample_feeds
from .lowering import lower_graph
from .normalize import FloatGraph, normalize
from .onnx_io import load_onnx


def _internal_values(fg: FloatGraph, vals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Float values inside composite ops that the quantizer also scales: the variance and
    1/sqrt(variance + eps) of normalizations (refs "<output>/var", "<output>/rstd")."""
    out = {}
    for n in fg.nodes:
        if n.op not in ("LayerNormalization", "InstanceNormalization"):
            continue
        x = vals[n.inputs[0]]
        first = n.attrs.get("axis", -1) % x.ndim if n.op == "LayerNormalization" else 2
        var = x.var(axis=tuple(range(first, x.ndim)))
        out[n.outputs[0] + "/var"] = var
        out[n.outputs[0] + "/rstd"] = 1.0 / np.sqrt(var + n.attrs.get("epsilon", 1e-5))
    return out


def calibrate(fg: FloatGraph, feeds: dict[str, np.ndarray], cfg: QuantConfig) -> dict:
    """Statistics of every float tensor (and of composite ops' internals) on the samples."""
    vals = fg.run(feeds)
    vals.update(_internal_values(fg, vals))
    return {k: observe(v, cfg.method, cfg.percentile) for k, v in vals.items()}


def _source(src) -> tuple[str, bytes | None]:
    if isinstance(src, str | os.PathLike):
        return os.path.basename(str(src)), None
    if isinstance(src, bytes):
        return "<bytes>", src
    return getattr(src.graph, "name", "") or "<model>", src.SerializeToString()


def compile_float_graph(fg: FloatGraph, feeds: dict[str, np.ndarray], cfg: QuantConfig,
                        info: dict | None = None) -> CompiledModel:
    """Quantize a normalized float graph with calibration batches ``feeds``."""
    stats = calibrate(fg, feeds, cfg)
    q = Quantizer(stats, cfg)
    ins, outs = lower_graph(fg, q)
    graph = q.b.build([v.name for v in outs],
                      meta={"bits": cfg.bits, "weight_bits": cfg.weight_bits})
    validate_graph(graph)
    integer = {n for n in fg.inputs if np.dtype(fg.dtypes.get(n, np.float64)).kind in "biu"}
    inputs = tuple(InputQuant(v.name, v.shape, float(v.scale), _bits(v.lo, v.hi), v.lo, v.hi,
                              n in integer) for n, v in ins.items())
    outputs = tuple(OutputQuant(v.name, o, v.shape, float(v.scale))
                    for o, v in zip(fg.onnx_outputs, outs))
    ops: dict[str, int] = {}
    for n in fg.nodes:
        ops[n.op] = ops.get(n.op, 0) + 1
    meta = {"bits": cfg.bits, "weight_bits": cfg.weight_bits, "calibration": cfg.method,
            "percentile": cfg.percentile if cfg.method == "percentile" else None,
            "n_calibration": int(next(iter(feeds.values())).shape[0]), "onnx_ops": ops,
            "opset": fg.opset}
    return CompiledModel(graph, inputs, outputs, {**(info or {}), **meta})


def _bits(lo: int, hi: int) -> int:
    """Width of the signed integers holding [lo, hi] (``bits`` for a real input's act range;
    2 for a boolean input's [0, 1])."""
    return max(hi, -lo - 1, 1).bit_length() + 1


INTERNAL = (ValueError, TypeError, IndexError, KeyError, ArithmeticError, MemoryError)
"""Exceptions that only a compiler bug (or an exotic model) raises: reported as one line."""


MIN_CALIBRATION = 10
"""Fewer calibration samples than this draw a CalibrationWarning."""


def check_calibration(feeds: dict[str, np.ndarray]) -> None:
    """Warn (CalibrationWarning) on too few samples, or an input whose samples are constant or
    all identical: scales fitted on them clamp most real inputs."""
    n = next(iter(feeds.values())).shape[0]
    if n < MIN_CALIBRATION:
        warnings.warn(CalibrationWarning(
            f"only {n} calibration sample{'s' if n > 1 else ''}: scales fitted on so few clamp "
            f"real inputs; give {MIN_CALIBRATION} or more (ideally 100+) representative ones"),
            stacklevel=3)
    for name, a in feeds.items():
        if np.ptp(a) == 0:
            what = f"constant (every value is {float(a.flat[0]):g})"
        elif n > 1 and np.all(a == a[:1]):
            what = f"the same sample {n} times"
        else:
            continue
        warnings.warn(CalibrationWarning(
            f"calibration samples of input {name!r} are {what}: give varied, representative "
            "samples"), stacklevel=3)


def _compile(path_or_model, calibration, cfg: QuantConfig):
    """(CompiledModel, ONNX model, float graph)."""
    model = load_onnx(path_or_model)
    fg = normalize(model)
    if isinstance(calibration, str | os.PathLike):
        calibration = load_samples(calibration)
    feeds = sample_feeds(fg.inputs, fg.input_shapes, calibration)
    check_calibration(feeds)
    label, blob = _source(path_or_model)
    if blob is None:
        try:
            with open(path_or_model, "rb") as f:
                blob = f.read()
        except OSError as e:
            raise CompileError(f"cannot read {label!r}: {e.strerror}") from None
    info = {"source": label, "onnx_sha256": hashlib.sha256(blob).hexdigest()}
    try:
        return compile_float_graph(fg, feeds, cfg, info), model, fg
    except INTERNAL as e:
        raise CompileError(f"internal error while compiling {label!r}: {type(e).__name__}: "
                           f"{e}") from None


def compile_onnx(path_or_model: str | os.PathLike | bytes | onnx.ModelProto,
                 calibration: Calibration | str | os.PathLike, bits: int = 8, *,
                 weight_bits: int = 8, method: str = "minmax", percentile: float = 99.99,
                 lookup_bits: int = 0) -> CompiledModel:
    """Compile an ONNX model to the exact integer graph tensorproof proves.

    ``calibration``: sample inputs (an array for a single-input model, a list per input or a
    dict by input name, or a .npy/.npz/.json file path), at least one sample (CompileError if
    none; a CalibrationWarning for fewer than MIN_CALIBRATION or constant or identical samples).
    ``bits``: activation width (2..16);
    ``weight_bits``: weights and constants; ``method``: "minmax" or "percentile".
    Raises CompileError (UnsupportedOpError, BoundError) with a one-line reason.
    """
    cfg = QuantConfig(bits=bits, weight_bits=weight_bits, method=method, percentile=percentile,
                      lookup_bits=lookup_bits)
    return _compile(path_or_model, calibration, cfg)[0]


def compile_with_report(path_or_model, calibration: Calibration | str | os.PathLike,
                        eval_data: Calibration | str | os.PathLike | None = None, bits: int = 8,
                        **kwargs):
    """compile_onnx, then the accuracy report on ``eval_data`` (held-out samples; default: the
    calibration samples, an optimistic figure: the report's ``data`` says which). Returns
    (CompiledModel, AccuracyReport); the report's summary is also stored in the model's info
    under "accuracy"."""
    from .report import accuracy_report

    cfg = QuantConfig(bits=bits, **kwargs)
    cm, model, fg = _compile(path_or_model, calibration, cfg)
    data = calibration if eval_data is None else eval_data
    if isinstance(data, str | os.PathLike):
        data = load_samples(data)
    feeds = sample_feeds(fg.inputs, fg.input_shapes, data)
    which = "calibration" if eval_data is None else "held-out"
    try:
        rep = accuracy_report(cm, model, fg, feeds, which)
    except INTERNAL as e:
        raise CompileError(f"internal error while evaluating the compiled model: "
                           f"{type(e).__name__}: {e}") from None
    cm.info["accuracy"] = rep.as_dict()
    return cm, rep
