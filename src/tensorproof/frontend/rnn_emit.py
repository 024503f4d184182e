"""ONNX nodes of an unrolled recurrent op, where ``None`` stands for a tensor of zeros.

:class:`Emitter` appends nodes and initializers (float64, int64) named under the recurrent
node's name. Its arithmetic drops zero terms (an absent initial state, an all-zero bias, the
first step's H·Rᵀ), so the unrolled graph holds only what the compiler quantizes and proves.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .float_rnn import Activation

Value = str | None
"""A tensor of the unrolled graph (activation or initializer), or None for zeros."""


class Emitter:
    """Nodes and initializers of one unrolled node; ``taken`` holds every name in use."""

    def __init__(self, node: str, taken: set[str]) -> None:
        self.node = node
        self.taken = taken
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.zeros_shape: tuple[int, ...] = (1,)
        self._ints: dict[tuple, str] = {}

    def fresh(self, hint: str) -> str:
        """An unused name ``<node>/<hint>`` (suffixed #k if needed)."""
        base = name = f"{self.node}/{hint}"
        k = 1
        while name in self.taken:
            name, k = f"{base}#{k}", k + 1
        self.taken.add(name)
        return name

    def tensor(self, a, hint: str) -> str:
        """A float64 initializer."""
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(a, np.float64), name))
        return name

    def const(self, a, hint: str) -> Value:
        """A float initializer; None for an absent or all-zero one."""
        if a is None or not np.any(a):
            return None
        return self.tensor(a, hint)

    def ints(self, values) -> str:
        """An int64 initializer (shared between nodes with the same values)."""
        key = tuple(int(v) for v in values)
        if key not in self._ints:
            name = self.fresh("i" + "_".join(str(v) for v in key[:6]))
            self.inits.append(numpy_helper.from_array(np.asarray(key, np.int64), name))
            self._ints[key] = name
        return self._ints[key]

    def op(self, op_type: str, inputs: list[str], hint: str, out: str | None = None,
           attrs: dict | None = None) -> str:
        """Append one node; returns its output (``out`` if given, else a fresh name)."""
        name = self.fresh(hint)
        y = out or name
        self.nodes.append(helper.make_node(op_type, inputs, [y], name=name, **(attrs or {})))
        return y

    # -- arithmetic with zeros ---------------------------------------------------------------
    def add(self, a: Value, b: Value, hint: str) -> Value:
        if a is None or b is None:
            return b if a is None else a
        return self.op("Add", [a, b], hint)

    def sub(self, a: Value, b: Value, hint: str) -> Value:
        if b is None:
            return a
        return self.op("Neg", [b], hint) if a is None else self.op("Sub", [a, b], hint)

    def mul(self, a: Value, b: Value, hint: str) -> Value:
        return None if a is None or b is None else self.op("Mul", [a, b], hint)

    def linear(self, x: Value, w: np.ndarray, b: np.ndarray | None, hint: str) -> Value:
        """x @ w + b (w constant (K, N)); the bias alone when x is zero."""
        bias = self.const(b, hint + "/bias")
        if x is None:
            return bias
        wn = self.tensor(w, hint + "/W")
        return self.op("Gemm", [x, wn, bias], hint) if bias else self.op("MatMul", [x, wn], hint)

    # -- shapes ------------------------------------------------------------------------------
    def slice(self, x: Value, lo: int, hi: int, axis: int, hint: str) -> Value:
        if x is None:
            return None
        return self.op("Slice", [x, self.ints([lo]), self.ints([hi]), self.ints([axis])], hint)

    def reshape(self, x: Value, shape, hint: str, out: str | None = None) -> str:
        x = self.materialize(x, hint)
        return self.op("Reshape", [x, self.ints(shape)], hint, out)

    def concat(self, xs: list[Value], axis: int, hint: str) -> str:
        names = [self.materialize(x, hint) for x in xs]
        return names[0] if len(names) == 1 else self.op("Concat", names, hint,
                                                        attrs={"axis": axis})

    def transpose(self, x: str, perm, hint: str, out: str | None = None) -> str:
        return self.op("Transpose", [x], hint, out, {"perm": list(perm)})

    def materialize(self, x: Value, hint: str) -> str:
        """``x``, or an initializer of zeros (``zeros_shape``) for None."""
        return self.tensor(np.zeros(self.zeros_shape), hint + "/zeros") if x is None else x

    # -- activations -------------------------------------------------------------------------
    def clip(self, x: Value, bound: float | None, hint: str) -> Value:
        if bound is None or x is None:
            return x
        lo, hi = self.tensor(-bound, hint + "/lo"), self.tensor(bound, hint + "/hi")
        return self.op("Clip", [x, lo, hi], hint)

    def act(self, x: Value, f: Activation, hint: str) -> Value:
        """f(x) as ONNX nodes (Affine and ScaledTanh as products and sums)."""
        x = self.materialize(x, hint)
        if f.name == "Affine":
            y = x if f.alpha == 1.0 else self.mul(x, self.const(f.alpha, hint + "/alpha"), hint)
            return self.add(y, self.const(f.beta, hint + "/beta"), hint)
        if f.name == "ScaledTanh":
            t = self.op("Tanh", [self.materialize(
                self.mul(x, self.const(f.beta, hint + "/beta"), hint), hint)], hint)
            return t if f.alpha == 1.0 else self.mul(t, self.const(f.alpha, hint + "/alpha"),
                                                     hint)
        return self.op(f.name, [x], hint, attrs=f.onnx_attrs())
