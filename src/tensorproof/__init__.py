"""tensorproof: succinct proofs that a quantized neural network computed an output.

The public API (compile, prove, verify) lives in :mod:`tensorproof.api`.
"""

__version__ = "0.1.0"
