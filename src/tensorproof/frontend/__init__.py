"""frontend layer: ONNX import, the op table, PyTorch export (a leaf: nothing in the core
imports it).

``compile_onnx(model, calibration, bits=8)`` turns an ONNX model into the exact integer graph
(:class:`tensorproof.ir.CompiledModel`) that tensorproof proves.
"""

from .calibdata import load_samples, sample_feeds
from .compiler import compile_onnx, compile_with_report
from .lowering import supported_ops
from .normalize import FloatGraph, normalize
from .onnx_io import load_onnx
from .report import AccuracyReport, accuracy_report
from .torch_export import export_torch

__all__ = [
    "AccuracyReport", "FloatGraph", "accuracy_report", "compile_onnx", "compile_with_report",
    "export_torch", "load_onnx", "load_samples", "normalize", "sample_feeds", "supported_ops",
]
