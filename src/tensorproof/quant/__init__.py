"""quant layer: calibration, quantization onto the integer graph, and the reference executor.

Nothing here knows ONNX: the frontend maps each ONNX operator onto :class:`Quantizer` methods.
"""

from .calibrate import TensorStats, observe
from .executor import execute
from .layers import Quantizer
from .qvalue import QuantConfig, QVal

__all__ = ["QVal", "QuantConfig", "Quantizer", "TensorStats", "execute", "observe"]
