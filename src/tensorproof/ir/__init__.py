"""ir layer: the integer graph that tensorproof proves, as pure data (see docs/internals.md).

No onnx or torch import anywhere below this package: a compiled model loads and validates with
numpy alone.
"""

from .graph import ACC_LIMIT, IntGraph, Node, TensorSpec
from .model import CompiledModel, InputQuant, OutputQuant
from .modelfile import load_model, parse_model, save_model
from .ops import OPS
from .validate import validate_graph

__all__ = [
    "ACC_LIMIT", "OPS", "CompiledModel", "InputQuant", "IntGraph", "Node", "OutputQuant",
    "TensorSpec", "load_model", "parse_model", "save_model", "validate_graph",
]
