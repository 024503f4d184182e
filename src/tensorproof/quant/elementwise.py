"""Quantization of elementwise and shape operations onto integer ops.

Rules (real ≈ int × scale throughout):
- requant narrows an accumulator to a ``bits``-bit activation at its calibrated scale (``act``);
  ReLU and Clip on an accumulator fuse into that requant's clamp.
- A unary function f (sigmoid, tanh, exp, …) becomes ``lookup`` over the input's exact range
  (the values the actual weights can give; ir.ranges, "exact"):
  table[i] = round(f((x_lo + i)·s_x) / s_y), clamped to the activation range.
- a + b at one scale is ``add``; at different scales each side is requantized to a common scale
  2^add_extra_bits times finer than the output's, then added (a − b: b's multiplier negated).
- x · c (constant): a positive scalar only changes the scale; a constant varying along one axis
  multiplies by its signs and moves its magnitudes into per-channel scales (exact); otherwise c is
  quantized per tensor. x + c: c is rounded at the value's scale (an activation is first
  multiplied by 2^8 so that the rounding of c stays far below its step).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..ir.ranges import requant_bounds
from .builder import GraphBuilder
from .calibrate import TensorStats, act_range, act_scale, qmax
from .qvalue import MAX_TABLE, QuantConfig, QVal
from .scales import quantize_multiplier, quantize_tensor, round_half_up, to_int

UPSCALE_BITS = 8
"""An activation gets this many fractional bits before a constant is added to it."""


def single_axis(c: np.ndarray, ndim: int) -> int | None:
    """The one axis (of an ``ndim``-rank tensor) along which ``c`` varies, if there is one."""
    c = np.asarray(c)
    if c.ndim > ndim:
        return None
    shape = (1,) * (ndim - c.ndim) + c.shape
    axes = [i for i, d in enumerate(shape) if d != 1]
    return axes[0] if len(axes) == 1 else None


class Elementwise:
    """Quantizer core: activations, requant, lookups, elementwise arithmetic and shape ops."""

    def __init__(self, stats: dict[str, TensorStats], config: QuantConfig) -> None:
        self.b = GraphBuilder()
        self.stats = stats
        self.cfg = config
        self._acts: dict[tuple[str, bytes], QVal] = {}

    # -- scales and requantization ---------------------------------------------------------
    def scale_for(self, ref: str, v: QVal | None = None, bits: int | None = None) -> float:
        """Calibrated scale of float tensor ``ref``; without statistics, the proven range of
        ``v`` (if given) sets it."""
        bits = bits or self.cfg.bits
        st = self.stats.get(ref)
        if (st is None or not st.absmax > 0) and v is not None:
            real = float(np.max(np.abs(v.scale_array()))) * self.b.exact_spec(v.name).absmax
            return real / qmax(bits) if real > 0 else 1.0 / qmax(bits)
        return act_scale(st, bits)

    def input(self, name: str, shape: tuple[int, ...], ref: str) -> QVal:
        """A graph input at its calibrated scale and the full ``bits``-bit range."""
        s = self.scale_for(ref)
        lo, hi = act_range(self.cfg.bits)
        return QVal(self.b.add_input(name, shape, lo, hi, s), s, None, True, ref)

    def requant(self, v: QVal, scale: float, layer: str, ref: str, lo: int | None = None,
                hi: int | None = None, negate: bool = False) -> QVal:
        """Rescale ``v`` to ``scale`` (times −1 if ``negate``), clamped to [lo, hi] if given.

        A target scale so small that x·mult could pass 2^60 (a degenerate calibration, e.g. a
        tensor that was constant on the samples) is raised until it cannot: the clamp then
        saturates, as it would anyway."""
        top = float(np.max(np.abs(v.scale))) * max(v.spec.absmax, 1)
        scale = max(scale, top / 2.0**60)
        m = np.atleast_1d(np.asarray(v.scale, dtype=np.float64)) / scale * (-1 if negate else 1)
        mult, shift = quantize_multiplier(m, v.spec.absmax, layer)
        exact = self.b.exact_spec(v.name)  # the clamp is a no-op on the values it can take
        nat_lo, nat_hi = requant_bounds(mult, shift, exact.lo, exact.hi)
        attrs = {"shift": shift, "lo": nat_lo if lo is None else lo,
                 "hi": nat_hi if hi is None else hi,
                 "axis": -1 if v.axis is None else v.axis}
        spec = self.b.emit("requant", layer, [v.name], attrs=attrs, consts={"mult": mult},
                           scale=scale, hint=ref)
        return QVal(spec, scale, None, lo is not None, ref)

    def act(self, v: QVal, layer: str) -> QVal:
        """``v`` as a ``bits``-bit activation at its calibrated scale (cached per tensor)."""
        if v.act:
            return v
        # keyed by the scale too: x·c for a positive scalar c is the same tensor at another
        # scale (scale_by), and each stands for different reals
        key = (v.name, np.asarray(v.scale, dtype=np.float64).tobytes())
        if key not in self._acts:
            lo, hi = act_range(self.cfg.bits)
            self._acts[key] = self.requant(v, self.scale_for(v.ref, v), layer, v.ref, lo, hi)
        return self._acts[key]

    def per_tensor(self, v: QVal, layer: str) -> QVal:
        """``v`` with one scale (accumulators with per-channel scales are requantized)."""
        return v if v.per_tensor else self.act(v, layer)

    # -- lookups ---------------------------------------------------------------------------
    def table_input(self, v: QVal, layer: str, max_width: int = MAX_TABLE) -> QVal:
        """``v`` narrow enough to index a table (≤ max_width entries over its exact range) with
        one scale."""
        exact = self.b.exact_spec(v.name)
        if v.per_tensor and exact.hi - exact.lo + 1 <= max_width:
            return v
        bits = min(self.cfg.lookup_bits, max_width.bit_length() - 1)
        lo, hi = act_range(bits)
        return self.requant(v, self.scale_for(v.ref, v, bits), layer, v.ref, lo, hi)

    def lookup(self, v: QVal, f, layer: str, ref: str, homogeneous: bool = False,
               out_scale: float | None = None, out_range: tuple[int, int] | None = None) -> QVal:
        """y = f(x) by a table over x's proven range. ``homogeneous`` (f(a·x) = a·f(x), a > 0,
        like ReLU) keeps an activation's scale, so the table is exact up to clamping."""
        keep = homogeneous and v.act and v.per_tensor
        x = self.table_input(v, layer)
        x_lo, x_hi = self.b.exact[x.name]  # inputs the actual weights can give (ir.ranges)
        t = np.arange(x_lo, x_hi + 1, dtype=np.float64)
        with np.errstate(all="ignore"):
            real = np.asarray(f(t * float(x.scale)), dtype=np.float64) * np.ones_like(t)
        lo, hi = out_range or act_range(self.cfg.bits)
        if keep and out_range is None and float(x.scale) == 1.0:
            fin = real[np.isfinite(real)]  # exact integers (int-typed): f's values, unclamped
            if fin.size:
                lo, hi = min(lo, math.floor(fin.min())), max(hi, math.ceil(fin.max()))
        s = out_scale or (float(x.scale) if keep else self._table_scale(ref, real, hi))
        q = np.clip(np.nan_to_num(real / s, nan=0.0, posinf=hi, neginf=lo), lo, hi)
        spec = self.b.emit("lookup", layer, [x.name], attrs={"x_lo": x_lo},
                           consts={"table": round_half_up(q).astype(np.int64)}, scale=s, hint=ref)
        return QVal(spec, s, None, True, ref)

    def _table_scale(self, ref: str, real: np.ndarray, hi: int) -> float:
        """Calibrated scale of ``ref``; without statistics, the table's largest finite value."""
        st = self.stats.get(ref)
        if st is not None and st.absmax > 0:
            return act_scale(st, self.cfg.bits)
        fin = np.abs(real[np.isfinite(real)])
        top = float(fin.max()) if fin.size else 0.0
        return top / hi if top > 0 else 1.0 / hi

    # -- elementwise arithmetic ------------------------------------------------------------
    def neg(self, v: QVal, layer: str) -> QVal:
        """−v (exact)."""
        spec = self.b.emit("mul_const", layer, [v.name], consts={"c": np.array([-1])},
                           scale=v.nominal_scale())
        return replace(v, spec=spec)

    def _same_scale(self, a: QVal, b: QVal) -> bool:
        return (a.per_tensor and b.per_tensor
                and abs(float(a.scale) - float(b.scale)) <= 1e-12 * float(a.scale))

    def add(self, a: QVal, b: QVal, layer: str, ref: str, subtract: bool = False) -> QVal:
        """a + b (or a − b) of two same-shape values."""
        if self._same_scale(a, b):
            b2 = self.neg(b, layer) if subtract else b
            spec = self.b.emit("add", layer, [a.name, b2.name], scale=float(a.scale), hint=ref)
            return QVal(spec, float(a.scale), None, False, ref)
        sc = self.scale_for(ref) / 2**self.cfg.add_extra_bits
        a2 = self.requant(a, sc, layer, a.ref)
        b2 = self.requant(b, sc, layer, b.ref, negate=subtract)
        spec = self.b.emit("add", layer, [a2.name, b2.name], scale=sc, hint=ref)
        return QVal(spec, sc, None, False, ref)

    def mul(self, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """a ⊙ b of two same-shape activations."""
        a, b = self.act(a, layer), self.act(b, layer)
        s = float(a.scale) * float(b.scale)
        spec = self.b.emit("mul", layer, [a.name, b.name], scale=s, hint=ref)
        return QVal(spec, s, None, False, ref)

    def scale_by(self, v: QVal, c: np.ndarray, layer: str, ref: str) -> QVal:
        """v ⊙ c for a real constant c broadcastable to v's shape (see module docstring)."""
        c = np.asarray(c, dtype=np.float64)
        if c.size == 1 and float(c.ravel()[0]) > 0:
            return replace(v, scale=v.scale * float(c.ravel()[0]), act=v.act, ref=ref)
        axis = single_axis(c, len(v.shape)) if c.size > 1 else None
        if c.size == 1 or (axis is not None and v.axis in (None, axis)):
            mag = np.abs(c).ravel()
            sign = np.sign(c)
            spec = self.b.emit("mul_const", layer, [v.name], consts={"c": sign.astype(np.int64)},
                               scale=v.nominal_scale(), hint=ref)
            if c.size == 1:
                return QVal(spec, v.scale * (mag[0] or 1.0), v.axis, v.act, ref)
            chan = np.where(mag > 0, mag, 1.0) * np.broadcast_to(v.scale, mag.shape)
            return QVal(spec, chan, axis, False, ref)
        v = self.per_tensor(v, layer)
        ci, sc = quantize_tensor(c, self.cfg.weight_bits, layer)
        s = float(v.scale) * sc
        spec = self.b.emit("mul_const", layer, [v.name], consts={"c": ci}, scale=s, hint=ref)
        return QVal(spec, s, None, False, ref)

    def offset(self, v: QVal, c: np.ndarray, layer: str, ref: str) -> QVal:
        """v + c for a real constant c broadcastable to v's shape."""
        c = np.asarray(c, dtype=np.float64)
        if v.act:
            spec = self.b.emit("mul_const", layer, [v.name],
                               consts={"c": np.array([1 << UPSCALE_BITS])},
                               scale=float(v.scale) / 2**UPSCALE_BITS)
            v = QVal(spec, float(v.scale) / 2**UPSCALE_BITS, None, False, v.ref)
        ci = to_int(c / v.scale_array(), "added constant", layer)
        if not ci.any():
            return replace(v, ref=ref)
        spec = self.b.emit("add_const", layer, [v.name], consts={"c": ci},
                           scale=v.nominal_scale(), hint=ref)
        return QVal(spec, v.scale, v.axis, False, ref)

    # -- shape ops (scale, activation status and range unchanged) --------------------------
    def shape_op(self, op: str, v: QVal, layer: str, ref: str, **attrs) -> QVal:
        """reshape / transpose / slice / broadcast of ``v``. A per-channel scale survives a
        reshape that keeps the axes up to its channel axis."""
        shape = tuple(attrs.get("shape", ()))
        if (op == "reshape" and v.axis is not None
                and shape[: v.axis + 1] == v.shape[: v.axis + 1]):
            spec = self.b.emit(op, layer, [v.name], attrs=attrs, scale=v.nominal_scale(), hint=ref)
            return QVal(spec, v.scale, v.axis, v.act, ref)
        v = self.per_tensor(v, layer)
        spec = self.b.emit(op, layer, [v.name], attrs=attrs, scale=v.nominal_scale(), hint=ref)
        return QVal(spec, v.scale, None, v.act, ref)

    def concat(self, vs: list[QVal], axis: int, layer: str, ref: str) -> QVal:
        """Concatenation; inputs of different scales are requantized to the output's scale."""
        vs = [self.act(v, layer) for v in vs]
        if not all(self._same_scale(vs[0], v) for v in vs):
            s = self.scale_for(ref)
            lo, hi = act_range(self.cfg.bits)
            vs = [v if abs(float(v.scale) - s) <= 1e-12 * s
                  else self.requant(v, s, layer, v.ref, lo, hi) for v in vs]
        spec = self.b.emit("concat", layer, [v.name for v in vs], attrs={"axis": axis},
                           scale=float(vs[0].scale), hint=ref)
        return QVal(spec, vs[0].scale, None, True, ref)

    def zero_stuff(self, v: QVal, strides, layer: str, ref: str) -> QVal:
        """(C, H, W) → (C, (H−1)·sh + 1, (W−1)·sw + 1) with the inputs at multiples of the
        strides and zeros between (the input of a transposed convolution)."""
        v = self.act(v, layer)
        for axis, s in ((1, strides[0]), (2, strides[1])):
            if s == 1:
                continue
            c = v.shape
            one = c[: axis + 1] + (1,) + c[axis + 1 :]
            x = self.shape_op("reshape", v, layer, ref, shape=list(one))
            z = self.b.emit("mul_const", layer, [x.name], consts={"c": np.array([0])},
                            scale=float(x.scale))
            spec = self.b.emit("concat", layer, [x.name] + [z.name] * (s - 1),
                               attrs={"axis": axis + 1}, scale=float(x.scale))
            flat = c[:axis] + (c[axis] * s,) + c[axis + 1 :]
            y = self.shape_op("reshape", QVal(spec, x.scale, None, True, ref), layer, ref,
                              shape=list(flat))
            ends = list(flat)
            ends[axis] = (c[axis] - 1) * s + 1
            v = self.shape_op("slice", y, layer, ref, starts=[0] * 3, ends=ends, steps=[1] * 3)
        return v

    def zero_pad(self, v: QVal, pads: tuple[int, int, int, int], layer: str, ref: str) -> QVal:
        """Zero padding of the last two axes of (C, H, W): a 1×1 sum pooling with pads."""
        v = self.per_tensor(v, layer)
        attrs = {"kernel": [1, 1], "strides": [1, 1], "pads": list(pads)}
        spec = self.b.emit("sum_pool2d", layer, [v.name], attrs=attrs, scale=v.nominal_scale(),
                           hint=ref)
        return QVal(spec, v.scale, None, v.act, ref)
