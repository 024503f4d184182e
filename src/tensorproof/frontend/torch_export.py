"""Export a PyTorch module to ONNX (torch is an optional extra: ``pip install tensorproof[torch]``).

Uses the classic TorchScript exporter (``dynamo=False``), which needs no onnxscript, with a
symbolic batch axis on every input and output.
"""

from __future__ import annotations

import os

from ..errors import CompileError


def export_torch(module, sample_input, path: str | os.PathLike, opset: int = 17) -> str:
    """Write ``module`` (a torch.nn.Module, put in eval mode) run on ``sample_input`` (a tensor
    or tuple of tensors with a leading batch axis) as ONNX to ``path``; returns the path."""
    try:
        import torch
    except ImportError:
        raise CompileError("export_torch needs PyTorch: pip install 'tensorproof[torch]' "
                           "(torch==2.13.0)") from None
    args = sample_input if isinstance(sample_input, tuple) else (sample_input,)
    names = [f"input_{i}" if len(args) > 1 else "input" for i in range(len(args))]
    module.eval()
    with torch.no_grad():
        outs = module(*args)
    n_out = len(outs) if isinstance(outs, tuple | list) else 1
    out_names = [f"output_{i}" if n_out > 1 else "output" for i in range(n_out)]
    axes = {n: {0: "batch"} for n in names + out_names}
    torch.onnx.export(module, args, str(path), input_names=names, output_names=out_names,
                      dynamic_axes=axes, opset_version=opset, dynamo=False)
    return str(path)
