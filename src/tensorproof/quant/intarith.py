"""Integer division, bit shifts and integer constants, as compositions of the proven ops (a mixin
of quant.logic.Logic: no new proof step, so the executor computes exactly what is proven).

Values here are exact integers at scale 1 with exact ranges [lo, hi] (ir.ranges).
- **floor(v / D)** for a constant D ≥ 1: D = 2^e is ``requant``(v − 2^(e−1), mult 1, shift e)
  (round half up of (v − 2^(e−1))/2^e is v >> e); otherwise u = 2v + 1 − D and
  ``requant``(u, M, s) with M = round(2^s / 2D), 2^s > |u|max·D: the requant computes
  ⌊(2v + 1)/2D + u·δ⌋, |δ| = |M/2^s − 1/2D| ≤ 2^−(s+1), and (2v + 1)/2D lies at least 1/2D
  from an integer while |u·δ| < 1/2D, so it is ⌊v/D⌋ exactly. The requant's relation and its
  remainder's range check prove it; its clamp is [⌊lo/D⌋, ⌊hi/D⌋], a no-op.
- **trunc(v / d)** (ONNX integer Div, C semantics) for a constant d ≠ 0: v·sign(d) first; one
  ``lookup`` of trunc(t/|d|) over v's range when it spans at most ``DIV_TABLE_ROWS`` values;
  otherwise ⌊(v + (|d| − 1)·[v < 0]) / |d|⌋ (the floor above; [v < 0] an indicator). A constant
  array of several divisors becomes a tensor (``int_const``) divided as below.
- **trunc(a / b)** for a computed b whose proven range excludes 0: both negated when b < 0,
  then s = 1 − 2·[a < 0], q = ``div_round``(2|a| − b, 2b, shift 0) = ⌊(2|a| − b + b)/2b⌋ =
  ⌊|a|/b⌋ and y = s·q (|a| = s·a: two ``mul``s). A divisor whose range holds 0 is refused.
- **Shifts** of unsigned w-bit integers: x >> s = ⌊x / 2^s⌋ (a division by a constant, or by
  p = 2^min(s, e) looked up from a tensor s, e = bit length of x's largest value);
  x << s = x·2^s (``mul_const``, or ``mul`` by a looked-up p = [s < w]·2^s) then, only when
  the product can reach 2^w, the wrap v − 2^w·⌊v/2^w⌋ and a clamp to [0, 2^w − 1] (exact).
- **int_const**: a constant integer tensor, c + 0·x for one entry x of any tensor of the
  graph (a slice, ``mul_const`` by 0, ``broadcast``, ``add_const``): the statement needs a
  tensor to hang it on, and c is committed like every constant.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOpError
from .qvalue import QVal

DIV_TABLE_ROWS = 1 << 16
"""Widest range of a dividend divided by a constant through one table (trunc(t/d))."""
ACC = 1 << 62
"""Integers stay below this in absolute value (ir.graph.ACC_LIMIT)."""


def trunc_div(t: np.ndarray, d: int) -> np.ndarray:
    """trunc(t / d) of integers (C semantics: toward zero), exactly."""
    t = np.asarray(t, dtype=np.int64)
    q = np.abs(t) // abs(d)
    return np.where((t < 0) != (d < 0), -q, q)


def _fail(layer: str, what: str) -> UnsupportedOpError:
    return UnsupportedOpError(f"node {layer!r}: {what}")


class IntArith:
    """Mixin of :class:`~tensorproof.quant.logic.Logic` (module docstring)."""

    # -- constants -------------------------------------------------------------------------
    def int_const(self, like: QVal, c: np.ndarray, layer: str, ref: str) -> QVal:
        """The integer constant ``c`` (a per-sample array) as a tensor: c + 0·x, x one entry
        of ``like`` (any tensor of the graph: it carries the batch axis)."""
        c = np.asarray(c, dtype=np.int64)
        shape = list(c.shape) or [1]
        flat = self.b.emit("reshape", layer, [like.name], attrs={"shape": [like.spec.size]})
        one = self.b.emit("slice", layer, [flat.name], attrs={"starts": [0], "ends": [1],
                                                             "steps": [1]})
        zero = self.b.emit("mul_const", layer, [one.name], consts={"c": np.array([0])})
        x = self.b.emit("reshape", layer, [zero.name], attrs={"shape": [1] * len(shape)})
        if shape != [1] * len(shape):
            x = self.b.emit("broadcast", layer, [x.name], attrs={"shape": shape})
        return self.int_offset(self.integer(x, ref), c.reshape(shape), layer, ref)

    # -- division --------------------------------------------------------------------------
    def floor_div_const(self, v: QVal, d: int, layer: str, ref: str,
                        bounds: tuple[int, int] | None = None) -> QVal:
        """⌊v / d⌋ for integers v and a constant d ≥ 1, exact (module docstring); ``bounds``:
        a tighter range known to hold every result (the requant's clamp)."""
        if d == 1:
            return v
        lo, hi = self.b.exact[v.name]
        out_lo, out_hi = bounds or (lo // d, hi // d)
        e = d.bit_length() - 1
        if d == 1 << e:
            u, mult, shift = self.int_offset(v, np.array([-(1 << (e - 1))]), layer, ref), 1, e
        else:
            u = self.int_offset(self.int_scale(v, np.array([2]), layer, ref),
                                np.array([1 - d]), layer, ref)
            ulo, uhi = self.b.exact[u.name]
            top = max(abs(ulo), abs(uhi), 1)
            shift = (top * d).bit_length()
            mult = ((1 << shift) + d) // (2 * d)  # round(2^shift / 2d)
            if shift > 62 or top * mult + (1 << shift) >= ACC:
                raise _fail(layer, f"integer division by {d} of values in [{lo}, {hi}] needs "
                                   "more than 62 bits")
        spec = self.b.emit("requant", layer, [u.name], consts={"mult": np.array([mult])},
                           attrs={"shift": shift, "lo": out_lo, "hi": out_hi, "axis": -1},
                           hint=ref)
        return self.integer(spec, ref)

    def int_div_const(self, v: QVal, d: np.ndarray, layer: str, ref: str) -> QVal:
        """trunc(v / d) (C semantics) for integers v and an integer constant d (broadcastable
        to v): refused when d holds 0 (module docstring)."""
        d = np.asarray(d)
        if d.dtype.kind == "f" and not np.all(d == np.round(d)):
            raise _fail(layer, "integer division by a non-integer constant")
        d = d.astype(np.int64)
        if d.size == 0 or np.any(d == 0):
            raise _fail(layer, "integer division by zero (a constant divisor holds 0)")
        if np.any(d < 0):
            v = self.int_scale(v, np.sign(d), layer, ref)
            d = np.abs(d)
        if np.all(d == d.ravel()[0]):
            return self._div_scalar(v, int(d.ravel()[0]), layer, ref)
        b = self.int_const(v, np.broadcast_to(d, v.shape), layer, ref + "/divisor")
        return self.int_div(v, b, layer, ref)

    def _div_scalar(self, v: QVal, d: int, layer: str, ref: str) -> QVal:
        lo, hi = self.b.exact[v.name]
        if d == 1:
            return v
        if hi - lo < DIV_TABLE_ROWS:
            return self._table(v, lambda t: trunc_div(t, d), layer, ref)
        if lo < 0:  # trunc = ⌊(v + (d − 1)·[v < 0]) / d⌋
            neg = self.indicator(v, "<", 0, layer, ref + "/negative")
            up = self.int_scale(neg, np.array([d - 1]), layer, ref)
            v = self.integer(self.b.emit("add", layer, [v.name, up.name]), ref)
        bounds = tuple(int(b) for b in trunc_div(np.array([lo, hi]), d))
        return self.floor_div_const(v, d, layer, ref, bounds)

    def _narrow(self, v: QVal, lo: int, hi: int, layer: str, ref: str) -> QVal:
        """v clamped to [lo, hi], a range known to hold its values, when its proven range is
        wider (a requant: exact)."""
        elo, ehi = self.b.exact[v.name]
        if lo <= elo and ehi <= hi and lo <= v.lo and v.hi <= hi:
            return v
        return self.clamp_int(v, max(lo, elo), min(hi, ehi), layer, ref)

    def _corners(self, a: QVal, b: QVal, fn) -> tuple[int, int]:
        """Range of fn(a, b) for a monotone fn in each argument (over the exact ranges)."""
        (alo, ahi), (blo, bhi) = self.b.exact[a.name], self.b.exact[b.name]
        vals = [int(fn(x, y)) for x in (alo, ahi) for y in (blo, bhi)]
        return min(vals), max(vals)

    def floor_div(self, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """⌊a / b⌋ of integers for a computed b ≥ 1 (proven): div_round(2a − b, 2b)."""
        nb = self.int_scale(b, np.array([-1]), layer, ref)
        num = self.b.emit("add", layer, [self.int_scale(a, np.array([2]), layer, ref).name,
                                         nb.name])
        den = self.int_scale(b, np.array([2]), layer, ref)
        y = self.b.emit("div_round", layer, [num.name, den.name], attrs={"shift": 0}, hint=ref)
        return self._narrow(self.integer(y, ref), *self._corners(a, b, lambda x, z: x // z),
                            layer, ref)

    def int_div(self, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """trunc(a / b) of two same-shape integer tensors; b's proven range must exclude 0."""
        lo, hi = self.b.exact[b.name]
        if lo <= 0 <= hi:
            raise _fail(layer, f"integer division by a computed divisor whose range [{lo}, "
                               f"{hi}] holds 0 (a zero divisor is undefined)")
        if hi < 0:
            a = self.int_scale(a, np.array([-1]), layer, ref)
            b = self.int_scale(b, np.array([-1]), layer, ref)
            lo, hi = -hi, -lo
        if b.lo < 1:  # the guaranteed range is wider than the exact one: narrowed (exact)
            b = self.clamp_int(b, lo, hi, layer, ref + "/divisor")
        if self.b.exact[a.name][0] >= 0:
            return self.floor_div(a, b, layer, ref)
        neg = self.indicator(a, "<", 0, layer, ref + "/negative")
        s = self.int_offset(self.int_scale(neg, np.array([-2]), layer, ref), np.array([1]),
                            layer, ref + "/sign")
        mag = self.integer(self.b.emit("mul", layer, [a.name, s.name]), ref + "/abs")
        mag = self._narrow(mag, 0, max(abs(v) for v in self.b.exact[a.name]), layer, ref)
        q = self.floor_div(mag, b, layer, ref)
        y = self.integer(self.b.emit("mul", layer, [q.name, s.name], hint=ref), ref)
        return self._narrow(y, *self._corners(a, b, lambda x, z: int(trunc_div(x, z))), layer,
                            ref)

    # -- shifts ----------------------------------------------------------------------------
    def wrap_unsigned(self, v: QVal, width: int, layer: str, ref: str) -> QVal:
        """v mod 2^width for integers v ≥ 0 (identity when v < 2^width already)."""
        lo, hi = self.b.exact[v.name]
        if hi < 1 << width:
            return v
        if width > 60:
            raise _fail(layer, f"a {width}-bit left shift that wraps around is not supported")
        f = self.floor_div_const(v, 1 << width, layer, ref + "/carry")
        drop = self.int_scale(f, np.array([-(1 << width)]), layer, ref)
        y = self.integer(self.b.emit("add", layer, [v.name, drop.name]), ref)
        return self.clamp_int(y, 0, min(hi, (1 << width) - 1), layer, ref)

    def shift_left(self, x: QVal, s, width: int, layer: str, ref: str) -> QVal:
        """x << s of unsigned ``width``-bit integers, wrapping modulo 2^width; s a constant
        (array) or a tensor of shift amounts."""
        if isinstance(s, QVal):
            if width > 60:
                raise _fail(layer, f"a left shift of {width}-bit values by a tensor")
            p = self._table(s, lambda t: np.where(t < width, np.left_shift(
                1, np.minimum(t, 62)), 0), layer, ref + "/power")
            v = self.integer(self.b.emit("mul", layer, [x.name, p.name]), ref)
            return self.wrap_unsigned(v, width, layer, ref)
        s = np.asarray(s, dtype=np.int64)
        if np.any(s < 0):
            raise _fail(layer, "a negative shift amount")
        if np.any((s < width) & (s > 61)):
            raise _fail(layer, f"a left shift by {int(s.max())} bits: 2^{int(s.max())} is "
                               "not below 2^62")
        factor = np.where(s >= width, 0, np.left_shift(1, np.minimum(s, 61)))
        return self.wrap_unsigned(self.int_scale(x, factor, layer, ref), width, layer, ref)

    def shift_right(self, x: QVal, s, layer: str, ref: str) -> QVal:
        """x >> s of unsigned integers x (floor division by 2^s); s a constant or a tensor."""
        e = max(self.b.exact[x.name][1], 0).bit_length()  # x < 2^e: x >> e = 0
        if isinstance(s, QVal):
            p = self._table(s, lambda t: np.left_shift(1, np.clip(t, 0, e)), layer,
                            ref + "/power")
            return self.floor_div(x, p, layer, ref)
        s = np.asarray(s, dtype=np.int64)
        if np.any(s < 0):
            raise _fail(layer, "a negative shift amount")
        return self.int_div_const(x, np.left_shift(1, np.minimum(s, e)), layer, ref)
