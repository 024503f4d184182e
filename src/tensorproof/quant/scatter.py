"""ScatterND and ScatterElements as compositions of the proven ops (a mixin of
quant.logic.Logic, on the selectors of quant/selection.py: no new proof step).

With H (L, T, N) the selector of the updates' index tuples (H[l, t, r] = [tuple t of line l
names row r]; computed indices: proven one-hots, out-of-range ones select nothing; constant
indices: a constant):
- reduction "none": the last of repeated indices wins (onnxruntime's order; ONNX leaves it
  undefined): H'[t, r] = H[t, r]·[Σ_{t' > t} H[t', r] = 0] (a ``linear`` by the strict
  triangle, an indicator lookup, a ``mul``); u = H'ᵀ @ updates (a ``matmul``; for a constant
  H a ``mul_const`` and ``reduce_sum``), c = Σ_t H'[t, r] ∈ {0, 1}, y = data·(1 − c) + u,
  clamped (exact) to the union of the two ranges; data and updates of different scales are
  first requantized to the output's calibrated scale (one rounding each).
- "add": y = data + Hᵀ @ updates; "mul": y = data·(1 − c) + data·u, for indices that cannot
  repeat only (constant and distinct, or a single update); "max" and "min" are refused.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsupportedOpError
from .calibrate import act_range
from .qvalue import QVal
from .selection import const_selector


def _fail(layer: str, what: str) -> UnsupportedOpError:
    return UnsupportedOpError(f"node {layer!r}: {what}")


def last_wins(h: np.ndarray) -> np.ndarray:
    """A constant selector (L, T, N) with only the last t of each repeated row kept."""
    later = np.flip(np.cumsum(np.flip(h, 1), axis=1), 1) - h  # Σ_{t' > t} h[t', r]
    return h * (later == 0)


class Scatter:
    """Mixin of :class:`~tensorproof.quant.logic.Logic` (module docstring)."""

    def scatter_nd(self, data, idx, upd, reduction: str, layer: str, ref: str) -> QVal:
        """ONNX ScatterND on full shapes (data, idx, upd each a QVal or a constant)."""
        dshape, ishape = tuple(data.shape), tuple(idx.shape)
        m = ishape[-1] if ishape else 0
        if m < 1 or m > len(dshape) or tuple(upd.shape) != ishape[:-1] + dshape[m:]:
            raise _fail(layer, f"ScatterND of data {dshape}, indices {ishape}, updates "
                               f"{tuple(upd.shape)}")
        dims = dshape[:m]
        n_rows, s, t = math.prod(dims), math.prod(dshape[m:]), math.prod(ishape[:-1])
        if isinstance(idx, QVal):
            h = self._to(self.selector(self._to(idx, (t, m), layer, ref), dims, layer, ref),
                         (1, t, n_rows), layer, ref)
        else:
            h = const_selector(np.reshape(idx, (1, t, m)), dims, layer)
        y = self._scatter(self._reshaped(data, (1, n_rows, s), layer, ref), h,
                          self._reshaped(upd, (1, t, s), layer, ref), reduction, layer, ref)
        return self._to(y, dshape, layer, ref)

    def scatter_elements(self, data, idx, upd, axis: int, reduction: str, layer: str,
                         ref: str) -> QVal:
        """ONNX ScatterElements on full shapes along ``axis`` (indices of data's extent on
        every other axis)."""
        dshape, ishape, rank = tuple(data.shape), tuple(idx.shape), len(data.shape)
        if (len(ishape) != rank or tuple(upd.shape) != ishape
                or any(ishape[a] != dshape[a] for a in range(rank) if a != axis)):
            raise _fail(layer, f"ScatterElements of data {dshape} by indices {ishape} (indices "
                               "narrower than the data off the scatter axis are not supported)")
        perm = [a for a in range(rank) if a != axis] + [axis]
        n, k = dshape[axis], ishape[axis]
        lines = math.prod(ishape) // k
        move = [self._moved(v, perm, layer, ref) for v in (data, idx, upd)]
        if isinstance(idx, QVal):
            h = self.one_hot(self._to(move[1], (lines, k), layer, ref), n, layer,
                             ref + "/onehot")
        else:
            h = const_selector(np.reshape(move[1], (lines, k, 1)), (n,), layer)
        y = self._scatter(self._reshaped(move[0], (lines, n, 1), layer, ref), h,
                          self._reshaped(move[2], (lines, k, 1), layer, ref), reduction,
                          layer, ref)
        y = self._to(y, tuple(dshape[a] for a in perm), layer, ref)
        back = [perm.index(a) for a in range(rank)]
        return y if back == list(range(rank)) else self._op("transpose", y, layer, ref,
                                                             perm=back)

    def _scatter(self, d, h, u, reduction: str, layer: str, ref: str) -> QVal:
        """y (L, N, S) from data d (L, N, S), selector h (L, T, N) and updates u (L, T, S)
        (module docstring); at least one of them is a QVal."""
        if reduction not in ("none", "add", "mul"):
            raise _fail(layer, f"scatter reduction {reduction!r} (none, add and mul are "
                               "supported)")
        like = next(v for v in (u, d, h) if isinstance(v, QVal))
        d, u = self._common_scale(d, u, like, reduction == "none", layer, ref)
        un, keep = self._placed(h, u, reduction, d.shape, layer, ref)
        scale = float(u.scale)
        ulo, uhi = self.b.exact[u.name]
        if reduction == "none":  # data and updates at one scale: an exact selection
            dq = d if isinstance(d, QVal) else np.floor(np.asarray(d) / scale + 0.5).astype(
                np.int64)
            dlo, dhi = self.b.exact[dq.name] if isinstance(dq, QVal) else (dq.min(), dq.max())
            y = self._plus(un, self._times(dq, keep, scale, layer, ref), scale, layer, ref)
            return self._clamp(y, min(ulo, dlo), max(uhi, dhi), scale, layer, ref)
        ints = scale == 1.0 and (isinstance(d, QVal) or bool(np.all(d == np.round(d))))
        if reduction == "add":
            if isinstance(d, QVal):
                return self.add(d, un, layer, ref)
            if ints:
                return self._plus(un, np.asarray(d, np.int64), 1.0, layer, ref)
            return self.offset(un, np.asarray(d, np.float64), layer, ref)
        un = self._clamp(un, min(ulo, 0), max(uhi, 0), scale, layer, ref)  # "mul": d·(1 − c + u)
        if isinstance(d, QVal):
            return self.add(self._times(d, keep, float(d.scale), layer, ref),
                            self.mul(d, un, layer, ref), layer, ref)
        if ints:
            di = np.asarray(d, np.int64)
            kept = self._times(di, keep, 1.0, layer, ref)
            prod = self.int_scale(un, di, layer, ref)
            return (self.add(kept, prod, layer, ref) if isinstance(kept, QVal)
                    else self._plus(prod, kept, 1.0, layer, ref))
        prod = self.scale_by(un, np.asarray(d, np.float64), layer, ref)
        if isinstance(keep, QVal):
            return self.add(self.scale_by(keep, np.asarray(d, np.float64), layer, ref), prod,
                            layer, ref)
        return self.offset(prod, np.asarray(d, np.float64) * keep, layer, ref)

    def _placed(self, h, u: QVal, reduction: str, shape, layer: str, ref: str):
        """(u placed on the data's rows: Σ_t h'[t, r]·u[t], keep = 1 − Σ_t h'[t, r]) with h' the
        selector where, for reduction "none", only the last of repeated indices counts."""
        lines, n_rows, s = shape
        t, scale = u.shape[1], float(u.scale)
        if not isinstance(h, QVal):
            hc = last_wins(h) if reduction == "none" else h
            if reduction == "mul" and np.any(hc.sum(axis=1) > 1):
                raise _fail(layer, "a scatter with reduction 'mul' and repeated indices")
            ht = hc.transpose(0, 2, 1)
            ub = self._to(self._to(u, (lines, 1, t, s), layer, ref), (lines, n_rows, t, s),
                          layer, ref)
            spec = self.b.emit("mul_const", layer, [ub.name], consts={"c": ht[..., None]},
                               scale=scale)
            un = self._op("reduce_sum", QVal(spec, scale, None, False, ref), layer, ref,
                          axes=[2], keepdims=0)
            return un, np.broadcast_to((1 - ht.sum(axis=2))[..., None], shape)
        if t > 1 and reduction == "mul":
            raise _fail(layer, "a scatter with reduction 'mul' by computed indices that may "
                               "repeat")
        ht = self._op("transpose", h, layer, ref, perm=[0, 2, 1])  # (L, N, T)
        if t > 1 and reduction == "none":  # the last of repeated indices wins
            w = np.tril(np.ones((t, t), np.int64), -1)  # W[t', t] = [t' > t]
            later = self.integer(self.b.emit("linear", layer, [ht.name], consts={
                "W": w, "b": np.zeros(t, np.int64)}, hint=ref + "/later"), ref)
            z = self.indicator(later, "==", 0, layer, ref + "/last")
            ht = self.integer(self.b.emit("mul", layer, [ht.name, z.name]), ref)
        un = self.matmul(ht, u, layer, ref)
        c = self.integer(self.b.emit("reduce_sum", layer, [ht.name],
                                     attrs={"axes": [2], "keepdims": 1}), ref)
        keep = self.int_offset(self.int_scale(c, np.array([-1]), layer, ref), np.array([1]),
                               layer, ref + "/keep")
        return un, self._to(keep, shape, layer, ref)

    def _common_scale(self, d, u, like: QVal, one: bool, layer: str, ref: str):
        """Updates as a tensor (a constant quantized at the data's scale), and, if ``one``,
        data and updates at one scale (the output's calibrated one when they differ)."""
        if not isinstance(u, QVal):
            uc = np.asarray(u, dtype=np.float64)
            if isinstance(d, QVal):
                d = self.act(d, layer)
                scale = float(d.scale)
            else:
                both = np.concatenate([uc.ravel(), np.asarray(d, np.float64).ravel()])
                ints = np.all(both == np.round(both)) and np.abs(both).max(initial=0) < 2.0**52
                scale = 1.0 if ints else self.const_scale(both, layer)
            spec = self.int_const(like, np.floor(uc / scale + 0.5).astype(np.int64), layer,
                                  ref + "/updates").spec
            return d, QVal(spec, scale, None, True, ref)
        u = self.act(u, layer)
        if isinstance(d, QVal):
            d = self.act(d, layer)
            if one and not self._same_scale(d, u):  # to the output's calibrated scale, both
                so = self.scale_for(ref)
                lo, hi = act_range(self.cfg.bits)
                d, u = (x if abs(float(x.scale) - so) <= 1e-12 * so
                        else self.requant(x, so, layer, x.ref, lo, hi) for x in (d, u))
        return d, u

    def _plus(self, a: QVal, b, scale: float, layer: str, ref: str) -> QVal:
        """a + b at one scale, b a QVal or an integer constant array (exact)."""
        if isinstance(b, QVal):
            return self._emit2("add", a, b, scale, layer, ref)
        if not np.any(b):
            return a
        spec = self.b.emit("add_const", layer, [a.name], consts={"c": b}, scale=scale,
                           hint=ref)
        return QVal(spec, scale, None, False, ref)

    def _times(self, d, keep, scale: float, layer: str, ref: str):
        """d·keep for data d and a 0/1 keep, each a QVal or a constant array (exact)."""
        if isinstance(d, QVal) and isinstance(keep, QVal):
            return self._emit2("mul", d, keep, scale, layer, ref)
        if isinstance(keep, QVal) and not isinstance(d, QVal) and not np.any(d):
            return np.zeros(keep.shape, np.int64)  # zero data (a scatter into zeros)
        if isinstance(d, QVal) or isinstance(keep, QVal):
            x, c = (d, keep) if isinstance(d, QVal) else (keep, d)
            spec = self.b.emit("mul_const", layer, [x.name], scale=scale, hint=ref,
                               consts={"c": np.ascontiguousarray(c, dtype=np.int64)})
            return QVal(spec, scale, None, False, ref)
        return np.asarray(d, np.int64) * keep

    def _reshaped(self, v, shape, layer: str, ref: str):
        """A QVal (one scale) or a constant reshaped to ``shape``."""
        if isinstance(v, QVal):
            return self._to(self.per_tensor(v, layer), shape, layer, ref)
        return np.reshape(np.asarray(v), shape)

    def _moved(self, v, perm: list[int], layer: str, ref: str):
        """A QVal (one scale) or a constant with its axes permuted."""
        if perm == list(range(len(perm))):
            return v
        if isinstance(v, QVal):
            return self._op("transpose", self.per_tensor(v, layer), layer, ref, perm=perm)
        return np.transpose(np.asarray(v), perm)
