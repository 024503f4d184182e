"""Quantization of layers: matrix products, convolution, pooling, reductions, activations,
softmax and normalization, on top of the elementwise core.

- linear / conv2d: int weights per output channel (symmetric, ``weight_bits``), bias rounded at
  the accumulator's scale s_x·s_w[n]; the result stays an accumulator with per-channel scales.
- Average pooling and means are window or axis sums whose scale is divided by the count (no op);
  a position-dependent count (padding excluded) multiplies by round(2^12 / count) first.
- softmax over axes A: d = x − max_A x ≤ 0, e = lookup(2^E·exp(d·s)) clamped to [1, 2^E] (so
  the sum is provably ≥ 1), y = div_round(Q·e, Σ_A e), then a clamp to [0, Q]: y ≈ Q·p, with
  Q = qmax(lookup_bits) (2047 by default: attention over 64 positions has weights near 1/64,
  which 8 bits would resolve to about two steps). With a mask (an attention mask's −inf), the
  masked entries' e are multiplied by 0 and Σ gets + 1 (provably ≥ 1 again).
- normalization (LayerNorm, InstanceNorm) over axes A of size n, x an activation or, from an
  accumulator, requantized to lookup_bits (fewer when n is so large that Σ d² could pass 2^60):
  d = n·x − Σ_A x (exact),
  V = Σ_A d², r = lookup(1/sqrt(V·s²/n³ + eps)) over V requantized to ``lookup_bits`` unsigned
  (r too; both with NORM_HEADROOM over calibration), y = d·r, then the affine γ, β.
"""

from __future__ import annotations

import math

import numpy as np

from .calibrate import act_range, qmax
from .logic import Logic
from .qvalue import QVal
from .scales import quantize_per_channel, round_half_up, to_int

NORM_HEADROOM = 2.0
"""A normalization's variance and 1/sqrt(variance + eps) are tabled up to this factor beyond
the largest values calibration saw (unsigned, so no resolution is lost to it)."""

COUNT_BITS = 12
"""Fixed-point bits of 1/count when an average's divisor changes with the position."""

BIAS_BITS = 40
"""A bias is at most 2^40 accumulator steps: a channel whose weights are negligible next to its
bias (below 2^-40 of it per input step) gets a coarser weight scale instead of a huge bias."""


def _weight_scales(w: np.ndarray, b: np.ndarray | None, axis: int, s_x: float, bits: int,
                   layer: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-output-channel weights (ints, scales), the scales floored by the bias (BIAS_BITS)."""
    wq, sw = quantize_per_channel(w, axis, bits, layer)
    if b is None:
        return wq, sw
    floor = np.abs(b) / (s_x * 2.0**BIAS_BITS)
    if np.all(sw >= floor):
        return wq, sw
    sw = np.maximum(sw, floor)
    shape = [1] * w.ndim
    shape[axis] = -1
    return to_int(w / sw.reshape(shape), "weights", layer), sw


def _norm_bits(n: int) -> int:
    """Widest signed input (bits) of a normalization over n entries whose Σ d², d = n·x − Σ x,
    stays below 2^60: n·(2n·2^(w−1))² < 2^60."""
    w = 2
    while n * (2 * n << w) ** 2 < 1 << 60:
        w += 1
    return w


class Quantizer(Logic):
    """Builds the integer graph of a model op by op (see module docstrings)."""

    def linear(self, v: QVal, w: np.ndarray, b: np.ndarray | None, layer: str, ref: str) -> QVal:
        """y = x @ w + b, w of shape (K, N)."""
        x = self.act(v, layer)
        wq, sw = _weight_scales(np.asarray(w, dtype=np.float64), b, 1, float(x.scale),
                                self.cfg.weight_bits, layer)
        s_acc = float(x.scale) * sw
        bq = np.zeros(w.shape[1], np.int64) if b is None else to_int(b / s_acc, "bias", layer)
        spec = self.b.emit("linear", layer, [x.name], consts={"W": wq, "b": bq},
                           scale=float(s_acc.max()), hint=ref)
        return QVal(spec, s_acc, len(spec.shape) - 1, False, ref)

    def conv2d(self, v: QVal, w: np.ndarray, b: np.ndarray | None, strides: tuple[int, int],
               pads: tuple[int, int, int, int], layer: str, ref: str) -> QVal:
        """Cross-correlation of x (C, H, W) with w (O, C, KH, KW), zero padding, plus b."""
        x = self.act(v, layer)
        wq, sw = _weight_scales(np.asarray(w, dtype=np.float64), b, 0, float(x.scale),
                                self.cfg.weight_bits, layer)
        s_acc = float(x.scale) * sw
        bq = np.zeros(w.shape[0], np.int64) if b is None else to_int(b / s_acc, "bias", layer)
        spec = self.b.emit("conv2d", layer, [x.name], consts={"W": wq, "b": bq},
                           attrs={"strides": list(strides), "pads": list(pads)},
                           scale=float(s_acc.max()), hint=ref)
        return QVal(spec, s_acc, 0, False, ref)

    def avg_pool(self, v: QVal, kernel, strides, pads, counts: np.ndarray | None, layer: str,
                 ref: str) -> QVal:
        """Window means; ``counts`` (OH, OW) gives each window's divisor (None: kernel area)."""
        x = self.act(v, layer)
        attrs = {"kernel": list(kernel), "strides": list(strides), "pads": list(pads)}
        spec = self.b.emit("sum_pool2d", layer, [x.name], attrs=attrs, scale=float(x.scale),
                           hint=ref)
        if counts is None or np.all(counts == counts.flat[0]):
            n = math.prod(kernel) if counts is None else float(counts.flat[0])
            return QVal(spec, float(x.scale) / n, None, False, ref)
        c = round_half_up(2.0**COUNT_BITS / counts).astype(np.int64)[None]
        s = float(x.scale) / 2**COUNT_BITS
        spec = self.b.emit("mul_const", layer, [spec.name], consts={"c": c}, scale=s, hint=ref)
        return QVal(spec, s, None, False, ref)

    def max_pool(self, v: QVal, kernel, strides, pads, layer: str, ref: str) -> QVal:
        """Window maxima (padding never wins)."""
        x = self.act(v, layer)
        attrs = {"kernel": list(kernel), "strides": list(strides), "pads": list(pads)}
        spec = self.b.emit("max_pool2d", layer, [x.name], attrs=attrs, scale=float(x.scale),
                           hint=ref)
        return QVal(spec, x.scale, None, True, ref)

    def reduce_sum(self, v: QVal, axes: list[int], keepdims: bool, layer: str, ref: str,
                   mean: bool = False) -> QVal:
        """Sum (or mean) over ``axes``."""
        x = self.per_tensor(v, layer)
        spec = self.b.emit("reduce_sum", layer, [x.name],
                           attrs={"axes": sorted(axes), "keepdims": int(keepdims)},
                           scale=float(x.scale), hint=ref)
        n = math.prod(x.shape[a] for a in axes) if mean else 1
        return QVal(spec, float(x.scale) / n, None, False, ref)

    def reduce_max(self, v: QVal, axes: list[int], keepdims: bool, layer: str, ref: str,
                   minimum: bool = False) -> QVal:
        """Max (or min, as −max(−x)) over ``axes``."""
        x = self.act(v, layer)
        if minimum:
            x = self.neg(x, layer)
        spec = self.b.emit("reduce_max", layer, [x.name],
                           attrs={"axes": sorted(axes), "keepdims": int(keepdims)},
                           scale=float(x.scale), hint=ref)
        y = QVal(spec, x.scale, None, True, ref)
        return self.neg(y, layer) if minimum else y

    def matmul(self, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """Batched product of two activations (..., M, K) @ (..., K, N)."""
        a, b = self.act(a, layer), self.act(b, layer)
        s = float(a.scale) * float(b.scale)
        spec = self.b.emit("matmul", layer, [a.name, b.name], scale=s, hint=ref)
        return QVal(spec, s, None, False, ref)

    # -- activations -----------------------------------------------------------------------
    def clip(self, v: QVal, lo: float | None, hi: float | None, layer: str, ref: str) -> QVal:
        """clamp(x, lo, hi) (ReLU: lo = 0); on an accumulator it is the requant's clamp."""
        if v.act:
            return self.lookup(v, lambda t: np.clip(t, lo, hi), layer, ref, homogeneous=True)
        s = self.scale_for(ref, v)
        alo, ahi = act_range(self.cfg.bits)
        ilo = alo if lo is None else min(max(alo, math.ceil(lo / s)), ahi)
        ihi = ahi if hi is None else max(min(ahi, math.floor(hi / s)), ilo)
        return self.requant(v, s, layer, ref, ilo, ihi)

    def unary(self, v: QVal, f, layer: str, ref: str, homogeneous: bool = False) -> QVal:
        """Any elementwise function, by a table."""
        return self.lookup(v, f, layer, ref, homogeneous)

    def divide(self, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """a / b = a · lookup(1/b); the reciprocal's scale covers 1/(smallest calibrated |b|)."""
        bt = self.table_input(b, layer)
        st = self.stats.get(b.ref)
        small = st.absmin if st is not None and st.absmin > 0 else float(bt.scale)
        r = self.lookup(bt, lambda t: 1.0 / t, layer, ref + "/reciprocal",
                        out_scale=1.0 / small / qmax(self.cfg.bits))
        return self.mul(a, r, layer, ref)

    def softmax(self, v: QVal, axes: list[int], layer: str, ref: str,
                keep: np.ndarray | None = None) -> QVal:
        """Softmax over ``axes`` (see module docstring); output scale 1/qmax(lookup_bits).
        ``keep`` (0/1, broadcastable to v): the entries at 0 are masked out (an attention
        mask's −inf): the max is taken over the kept ones (Logic.mask_lowest), their
        exponentials are multiplied by 0, and the sum gets + 1 so that it is provably ≥ 1 even
        for a row that keeps nothing (a relative change below 2^-exp_bits otherwise, since the
        kept maximum contributes 2^exp_bits)."""
        x = self.table_input(v, layer, max_width=1 << 15)
        if keep is not None:
            x = self.mask_lowest(x, keep, layer, ref + "/masked")
        keep_dims = {"axes": sorted(axes), "keepdims": 1}
        m = self.b.emit("reduce_max", layer, [x.name], attrs=keep_dims, hint=ref + "/max")
        mb = self.b.emit("broadcast", layer, [m.name], attrs={"shape": list(x.shape)})
        nm = self.b.emit("mul_const", layer, [mb.name], consts={"c": np.array([-1])})
        d = self.b.emit("add", layer, [x.name, nm.name], scale=float(x.scale), hint=ref + "/d")
        e_max = 1 << self.cfg.exp_bits
        e = self.lookup(QVal(d, x.scale), np.exp, layer, ref + "/exp",
                        out_scale=1.0 / e_max, out_range=(1, e_max))
        es = e.spec
        if keep is not None:
            es = self.b.emit("mul_const", layer, [es.name], consts={"c": keep}, hint=ref + "/exp")
        s = self.b.emit("reduce_sum", layer, [es.name], attrs=keep_dims, hint=ref + "/sum")
        if keep is not None:
            s = self.b.emit("add_const", layer, [s.name], consts={"c": np.array([1])})
        sb = self.b.emit("broadcast", layer, [s.name], attrs={"shape": list(x.shape)})
        qm = qmax(self.cfg.lookup_bits)
        num = self.b.emit("mul_const", layer, [es.name], consts={"c": np.array([qm])})
        y = self.b.emit("div_round", layer, [num.name, sb.name], attrs={"shift": 0},
                        scale=1.0 / qm)
        return self.requant(QVal(y, 1.0 / qm), 1.0 / qm, layer, ref, 0, qm)

    def logsumexp(self, v: QVal, axes: list[int], layer: str, ref: str) -> QVal:
        """log Σ_A exp(x) = m + log Σ_A exp(x − m), m = max_A x (keepdims), by two tables."""
        x = self.table_input(v, layer, max_width=1 << 15)
        keep = {"axes": sorted(axes), "keepdims": 1}
        m = self.b.emit("reduce_max", layer, [x.name], attrs=keep, hint=ref + "/max")
        mb = self.b.emit("broadcast", layer, [m.name], attrs={"shape": list(x.shape)})
        nm = self.b.emit("mul_const", layer, [mb.name], consts={"c": np.array([-1])})
        d = self.b.emit("add", layer, [x.name, nm.name], scale=float(x.scale))
        e_max = 1 << self.cfg.exp_bits
        e = self.lookup(QVal(d, x.scale), np.exp, layer, ref + "/exp",
                        out_scale=1.0 / e_max, out_range=(1, e_max))
        s = self.b.emit("reduce_sum", layer, [e.name], attrs=keep, hint=ref + "/sum")
        log_s = self.lookup(QVal(s, 1.0 / e_max, ref=ref + "/sum"), np.log, layer,
                            ref + "/logsum")
        return self.add(QVal(m, x.scale, None, True, ref + "/max"), log_s, layer, ref)

    def normalize(self, v: QVal, axes: list[int], eps: float, gamma: np.ndarray | None,
                  beta: np.ndarray | None, layer: str, ref: str) -> QVal:
        """(x − mean_A x) / sqrt(var_A x + eps) · γ + β (see module docstring)."""
        n = math.prod(v.shape[a] for a in axes)
        x = v
        if not v.act:  # an accumulator (a residual sum, a matmul): up to lookup_bits, not bits
            w = max(self.cfg.bits, min(self.cfg.lookup_bits, _norm_bits(n)))
            lo, hi = act_range(w)
            x = self.requant(v, self.scale_for(v.ref, v, w), layer, v.ref, lo, hi)
        keep = {"axes": sorted(axes), "keepdims": 1}
        sx = self.b.emit("reduce_sum", layer, [x.name], attrs=keep)
        sb = self.b.emit("broadcast", layer, [sx.name], attrs={"shape": list(x.shape)})
        nsb = self.b.emit("mul_const", layer, [sb.name], consts={"c": np.array([-1])})
        nx = self.b.emit("mul_const", layer, [x.name], consts={"c": np.array([n])})
        d = self.b.emit("add", layer, [nx.name, nsb.name], hint=ref + "/centered")
        d2 = self.b.emit("mul", layer, [d.name, d.name])
        var = self.b.emit("reduce_sum", layer, [d2.name], attrs=keep, hint=ref + "/var")
        s = float(x.scale)
        vq = QVal(var, s * s / n**3, ref=ref + "/var")
        # V ≥ 0 and r > 0: both unsigned lookup_bits wide, with NORM_HEADROOM over the
        # calibrated extremes (a held-out row of a larger variance, or a smaller one, would
        # clamp: the whole row scaled wrong)
        hi = (1 << self.cfg.lookup_bits) - 1
        st = self.stats.get(ref + "/var")
        v_top = (NORM_HEADROOM * st.absmax if st is not None and st.absmax > 0
                 else self.scale_for(vq.ref, vq) * qmax(self.cfg.bits))
        vt = self.requant(vq, v_top / hi, layer, vq.ref, 0, hi)
        st = self.stats.get(ref + "/rstd")
        top = NORM_HEADROOM * st.absmax if st is not None and st.absmax > 0 else 1.0 / math.sqrt(
            max(eps, 0.0) or 1e-30)
        r = self.lookup(vt, lambda t: 1.0 / np.sqrt(np.maximum(t, 0.0) + eps), layer,
                        ref + "/rstd", out_scale=top / hi, out_range=(0, hi))
        rb = self.b.emit("broadcast", layer, [r.name], attrs={"shape": list(x.shape)})
        y = self.b.emit("mul", layer, [d.name, rb.name], hint=ref + "/normalized")
        out = QVal(y, s / n * float(r.scale), None, False, ref)
        if gamma is not None:
            out = self.scale_by(out, gamma, layer, ref)
        if beta is not None:
            out = self.offset(out, beta, layer, ref)
        return out
