"""TopK and GatherND as compositions of the proven ops (a mixin of
quant.logic.Logic: no new proof step; every selector below is a lookup output in {0, 1} or a
product of such, so the executor computes exactly what is proven).

- **TopK** of k entries along an axis of n (largest; smallest is the TopK of −x, negated
  back), sorted, ties to the lower index (ONNX). Two constructions, the cheaper chosen:
  *ranks* (n ≤ max(64, 16k) and n²·rows ≤ 2^22, or x wider than 16 bits):
  r_i = #{j : x_j − x_i + [j < i] ≥ 1}, the position of i in the stable descending order (a
  permutation of 0..n−1), by one
  indicator lookup on the n² pairs and a ``reduce_sum``; then o[i, p] = [r_i = p] (a lookup
  on n·k entries), values Σ_i o·x and indices Σ_i o·i (``mul``/``mul_const``, ``reduce_sum``,
  exact clamps: one term of each sum is non-zero). *Rounds*: k times ArgMax's max step (m =
  max x, e = [x = m], first index (n − 1) − max e·(n − 1 − i)), then the chosen entry masked
  to lo − 1 (below every value): (x − lo + 1)·(1 − onehot) + lo − 1; each max is a tree of
  ``max_reduce`` steps over windows of 16 (a step's sumcheck has its window's degree).
- **Selectors** H (…, T, N): H[t, r] = [index tuple t names row r]: a per-component one-hot
  [idx_j − r_j ∈ {0, −n_j}] (negative indices wrap; an index outside [−n, n − 1], which ONNX
  refuses, selects nothing) and their outer product (``mul``). Constant indices give a
  constant H (an out-of-range constant index is refused at compile time).
- **GatherND**: y = H @ rows (``matmul`` of two tensors, then an exact clamp: one term of
  each sum is non-zero); a constant H is a ``linear`` step with the 0/1 weight Hᵀ.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsupportedOpError
from .calibrate import act_range
from .qvalue import QVal

RANK_MAX_ROWS = 1 << 22
"""Largest pair tensor (rows × n²) of TopK's rank construction."""
MAX_WINDOW = 16
"""Widest window of one max step in TopK's rounds (a max_reduce step's sumcheck has the
window's degree: a max over n entries is a tree of such steps)."""


def _fail(layer: str, what: str) -> UnsupportedOpError:
    return UnsupportedOpError(f"node {layer!r}: {what}")


def const_selector(idx: np.ndarray, dims: tuple[int, ...], layer: str) -> np.ndarray:
    """H (…, N) for constant index tuples idx (…, m) into ``dims`` (negative indices wrap;
    ONNX refuses the others, and so does this)."""
    idx = np.asarray(idx).astype(np.int64)
    n = np.asarray(dims, dtype=np.int64)
    if idx.size and (np.any(idx < -n) or np.any(idx >= n)):
        raise _fail(layer, f"a constant index outside its dimension {tuple(dims)}")
    idx = np.where(idx < 0, idx + n, idx)
    flat = np.ravel_multi_index(tuple(np.moveaxis(idx, -1, 0)), dims) if idx.size else idx[..., 0]
    return (flat[..., None] == np.arange(math.prod(dims))).astype(np.int64)


class Selection:
    """Mixin of :class:`~tensorproof.quant.logic.Logic` (module docstring)."""

    # -- small emitters --------------------------------------------------------------------
    def _op(self, op: str, x: QVal, layer: str, ref: str, act: bool | None = None,
            **attrs) -> QVal:
        """A shape or reduction op on x keeping its (per-tensor) scale."""
        spec = self.b.emit(op, layer, [x.name], attrs=attrs, scale=x.nominal_scale(), hint=ref)
        return QVal(spec, x.scale, None, x.act if act is None else act, ref)

    def _to(self, x: QVal, shape, layer: str, ref: str) -> QVal:
        """x reshaped (same size) or broadcast (same rank) to ``shape``."""
        shape = tuple(int(d) for d in shape)
        if x.shape == shape:
            return x
        if math.prod(x.shape) == math.prod(shape):
            return self._op("reshape", x, layer, ref, shape=list(shape))
        return self._op("broadcast", x, layer, ref, shape=list(shape))

    def _clamp(self, y: QVal, lo: int, hi: int, scale, layer: str, ref: str) -> QVal:
        """clamp(y, lo, hi) (a requant by 2 with shift 1) at ``scale``: exact where y's true
        values already lie in [lo, hi]; narrows the proven range."""
        spec = self.b.emit("requant", layer, [y.name], consts={"mult": np.array([2])},
                           attrs={"shift": 1, "lo": int(lo), "hi": int(hi), "axis": -1},
                           scale=float(scale), hint=ref)
        alo, ahi = act_range(self.cfg.bits)
        return QVal(spec, scale, None, float(scale) == 1.0 or alo <= lo <= hi <= ahi, ref)

    def _emit2(self, op: str, a: QVal, b: QVal, scale: float, layer: str, ref: str) -> QVal:
        spec = self.b.emit(op, layer, [a.name, b.name], scale=scale, hint=ref)
        return QVal(spec, scale, None, False, ref)

    # -- TopK ------------------------------------------------------------------------------
    def topk(self, v: QVal, k: int, axis: int, largest: bool, layer: str, ref: str,
             indices: bool = True) -> tuple[QVal, QVal | None]:
        """(values, indices) of the k largest (smallest) entries along per-sample ``axis``,
        sorted, ties to the lower index (module docstring); indices are integers at scale 1."""
        x = self.act(v, layer)
        if not largest:
            x = self.neg(x, layer)
        rank, n = len(x.shape), x.shape[axis]
        if not 1 <= k <= n:
            raise _fail(layer, f"TopK with k = {k} on an axis of {n}")
        perm = [a for a in range(rank) if a != axis] + [axis]
        if perm != list(range(rank)):
            x = self._op("transpose", x, layer, ref, perm=perm)
        lo, hi = self.b.exact[x.name]
        big = math.prod(x.shape[:-1]) * n * n > RANK_MAX_ROWS
        if (n > max(64, 16 * k) or big) and hi - lo + 1 < 1 << 16:
            vals, idx = self._topk_rounds(x, k, layer, ref)
        else:
            vals, idx = self._topk_ranks(x, k, layer, ref, indices)
        if not largest:
            vals = self.neg(vals, layer)
        back = [perm.index(a) for a in range(rank)]
        if back != list(range(rank)):
            vals = self._op("transpose", vals, layer, ref, perm=back)
            idx = None if idx is None else self._op("transpose", idx, layer, ref, perm=back)
        return vals, idx

    def _topk_ranks(self, x: QVal, k: int, layer: str, ref: str, indices: bool):
        pre, n = x.shape[:-1], x.shape[-1]
        if math.prod(pre) * n * n > RANK_MAX_ROWS:
            raise _fail(layer, f"TopK over {n} entries with k = {k} (rows × n² above "
                               f"{RANK_MAX_ROWS})")
        col = self._to(x, pre + (n, 1), layer, ref + "/col")
        xi = self._to(col, pre + (n, n), layer, ref + "/col")  # [i, j] = x_i
        xj = self._to(self._to(x, pre + (1, n), layer, ref + "/row"), pre + (n, n), layer,
                      ref + "/row")  # [i, j] = x_j
        d = self.difference(xj, xi, layer, ref + "/pairs")
        tie = np.tril(np.ones((n, n), np.int64), -1)  # [j < i]: equal values, lower index first
        d = QVal(self.b.emit("add_const", layer, [d.name], consts={"c": tie},
                             scale=d.nominal_scale()), d.scale, None, False, ref)
        before = self.indicator(d, ">=", 1, layer, ref + "/before")
        r = self.integer(self.b.emit("reduce_sum", layer, [before.name],
                                     attrs={"axes": [len(pre) + 1], "keepdims": 1}), ref)
        r = self._to(r, pre + (n, k), layer, ref + "/rank")  # (…, n, 1) → (…, n, k)
        r = self.int_offset(r, -np.arange(k, dtype=np.int64), layer, ref + "/rank")
        o = self._table(r, lambda t: (t == 0).astype(np.int64), layer, ref + "/onehot")
        lo, hi = self.b.exact[x.name]
        prod = self.mul(o, self._to(col, pre + (n, k), layer, ref), layer, ref)
        s = self._op("reduce_sum", prod, layer, ref, axes=[len(pre)], keepdims=0)
        vals = self._clamp(s, lo, hi, x.scale, layer, ref)
        if not indices:
            return vals, None
        g = self.int_scale(o, np.arange(n, dtype=np.int64).reshape(n, 1), layer, ref)
        idx = self._op("reduce_sum", g, layer, ref + "/index", axes=[len(pre)], keepdims=0)
        return vals, self._clamp(idx, 0, n - 1, 1.0, layer, ref + "/index")

    def max_last(self, x: QVal, low: int, layer: str, ref: str) -> QVal:
        """max over the last axis (kept, size 1) by a tree of ``max_reduce`` steps over windows
        of at most MAX_WINDOW entries (a step's sumcheck has the window's degree), the last
        group padded with ``low`` (at most every value)."""
        pre = x.shape[:-1]
        while x.shape[-1] > MAX_WINDOW:
            n = x.shape[-1]
            groups = -(-n // MAX_WINDOW)
            if groups * MAX_WINDOW > n:
                pad = self.int_const(x, np.full(pre + (groups * MAX_WINDOW - n,), low), layer,
                                     ref)
                x = QVal(self.b.emit("concat", layer, [x.name, pad.name],
                                     attrs={"axis": len(pre)}, scale=x.nominal_scale()),
                         x.scale, None, x.act, ref)
            x = self._to(x, pre + (groups, MAX_WINDOW), layer, ref)
            x = self._op("reduce_max", x, layer, ref, axes=[len(pre) + 1], keepdims=0)
        return self._op("reduce_max", x, layer, ref, axes=[len(pre)], keepdims=1)

    def _topk_rounds(self, x: QVal, k: int, layer: str, ref: str):
        pre, n = x.shape[:-1], x.shape[-1]
        floor = self.b.exact[x.name][0] - 1  # below every value: a masked entry never wins
        pos = n - 1 - np.arange(n, dtype=np.int64)
        cur, vals, idxs = x, [], []
        for p in range(k):  # k rounds of ArgMax's max step (k is a small constant)
            m = self.max_last(cur, floor, layer, ref + "/max")
            gap = self.difference(cur, self._to(m, cur.shape, layer, ref), layer, ref + "/gap")
            e = self.indicator(gap, ">=", 0, layer, ref + "/is_max")
            g = self.int_scale(e, pos, layer, ref)
            r = self.max_last(g, 0, layer, ref)
            i = self.int_offset(self.int_scale(r, np.array([-1]), layer, ref),
                                np.array([n - 1]), layer, ref + "/index")
            vals.append(m)
            idxs.append(i)
            if p == k - 1:
                break
            d = self.int_offset(self._to(i, cur.shape, layer, ref), -np.arange(n), layer, ref)
            keep = self._table(d, lambda t: (t != 0).astype(np.int64), layer, ref + "/keep")
            up = self.b.emit("add_const", layer, [cur.name], consts={"c": np.array([-floor])},
                             scale=cur.nominal_scale())
            kept = self.b.emit("mul", layer, [up.name, keep.name], scale=cur.nominal_scale())
            nxt = self.b.emit("add_const", layer, [kept.name], consts={"c": np.array([floor])},
                              scale=cur.nominal_scale(), hint=ref + "/masked")
            cur = QVal(nxt, x.scale, None, False, ref)
        cat = {"axis": len(pre)}
        v = self.b.emit("concat", layer, [m.name for m in vals], attrs=cat,
                        scale=x.nominal_scale(), hint=ref)
        j = self.b.emit("concat", layer, [i.name for i in idxs], attrs=cat, hint=ref + "/index")
        lo, hi = self.b.exact[x.name]  # a masked entry never wins: x's own range (exact)
        return self._clamp(QVal(v, x.scale), lo, hi, x.scale, layer, ref), self.integer(j, ref)

    # -- selectors -------------------------------------------------------------------------
    def selector(self, idx: QVal, dims: tuple[int, ...], layer: str, ref: str) -> QVal:
        """H (…, N), N = prod(dims), for computed index tuples idx (…, m), rank ≥ 2: the outer
        product of the components' one-hots (module docstring)."""
        pre, r = idx.shape[:-1], len(idx.shape)
        h, width = None, 1
        for j, n in enumerate(dims):  # one step per index component (the data's rank)
            c = idx
            if len(dims) > 1:
                c = self._op("slice", idx, layer, ref, starts=[0] * (r - 1) + [j],
                             ends=list(pre) + [j + 1], steps=[1] * r)
            c = self._to(c, pre, layer, ref)
            lo, hi = self.b.exact[c.name]
            if n == 1 and lo >= -1 and hi <= 0:
                continue  # the single row of an axis of 1, always
            oh = self.one_hot(c, n, layer, ref + f"/onehot{j}")
            if h is not None:  # outer product with the components before
                a = self._to(self._to(h, pre + (width, 1), layer, ref), pre + (width, n),
                             layer, ref)
                b = self._to(self._to(oh, pre + (1, n), layer, ref), pre + (width, n), layer,
                             ref)
                oh = self._to(self.integer(self.b.emit("mul", layer, [a.name, b.name]), ref),
                              pre + (width * n,), layer, ref)
            h, width = oh, width * n
        if h is None:
            return self.int_const(idx, np.ones(pre + (1,), np.int64), layer, ref)
        return h

    # -- GatherND --------------------------------------------------------------------------
    def gather_nd(self, data, idx, batch_dims: int, layer: str, ref: str) -> QVal:
        """ONNX GatherND on full (batch-1 ONNX) shapes; data and idx each a QVal or a constant
        array (not both constant); shape idx.shape[:-1] + data.shape[b + m:]."""
        dshape, ishape, b = tuple(data.shape), tuple(idx.shape), int(batch_dims)
        m = ishape[-1] if ishape else 0
        if m < 1 or b + m > len(dshape) or ishape[:b] != dshape[:b] or len(ishape) < b + 1:
            raise _fail(layer, f"GatherND of data {dshape} by indices {ishape} (batch_dims {b})")
        dims = dshape[b:b + m]
        lead, n_rows = math.prod(dshape[:b]), math.prod(dims)
        s, t = math.prod(dshape[b + m:]), math.prod(ishape[b:-1])
        if not isinstance(idx, QVal):
            h = const_selector(np.reshape(idx, (lead, t, m)), dims, layer)
            y = self._select_const(self._to(self.per_tensor(data, layer), (lead, n_rows, s),
                                            layer, ref), h, layer, ref)
        else:
            h = self._to(self.selector(self._to(idx, (lead * t, m), layer, ref), dims, layer,
                                       ref), (lead, t, n_rows), layer, ref)
            y = self._select(h, data, (lead, n_rows, s), layer, ref)
        return self._to(y, ishape[:-1] + dshape[b + m:], layer, ref)

    def _select(self, h: QVal, data, rows: tuple[int, int, int], layer: str, ref: str) -> QVal:
        """h (L, T, N) @ data rows (L, N, S) for a proven 0/1 selector with at most one 1 per
        (l, t): a matmul (or a linear step when data is a constant), then an exact clamp."""
        if isinstance(data, QVal):
            x = self._to(self.act(data, layer), rows, layer, ref)
            y = self.matmul(h, x, layer, ref)
            lo, hi = self.b.exact[x.name]
            return self._clamp(y, min(lo, 0), max(hi, 0), x.scale, layer, ref)
        if rows[0] != 1:
            raise _fail(layer, "computed indices into a constant along batch_dims")
        table = np.asarray(data, dtype=np.float64).reshape(rows[1:])
        exact = np.all(table == np.round(table)) and np.abs(table).max(initial=0) < 2.0**52
        scale = 1.0 if exact else self.const_scale(table, layer)
        cols = np.floor(table / scale + 0.5).astype(np.int64)
        h2 = self._to(h, h.shape[1:], layer, ref)
        spec = self.b.emit("linear", layer, [h2.name], scale=scale, hint=ref,
                           consts={"W": cols, "b": np.zeros(cols.shape[1], np.int64)})
        y = QVal(spec, scale, None, False, ref)
        return self._clamp(y, min(int(cols.min()), 0), max(int(cols.max()), 0), scale, layer,
                           ref)

    def _select_const(self, x: QVal, h: np.ndarray, layer: str, ref: str) -> QVal:
        """x rows (L, N, S) selected by a constant selector h (L, T, N) with one 1 per (l, t):
        a linear step with the 0/1 weight (L = 1), else mul_const and reduce_sum."""
        lead, n_rows, s = x.shape
        t = h.shape[1]
        if lead == 1:
            xt = self._op("transpose", self._to(x, (n_rows, s), layer, ref), layer, ref,
                          perm=[1, 0])
            spec = self.b.emit("linear", layer, [xt.name], scale=x.nominal_scale(), hint=ref,
                               consts={"W": h[0].T.copy(), "b": np.zeros(t, np.int64)})
            y = QVal(spec, x.scale, None, x.act, ref)
            return self._to(self._op("transpose", y, layer, ref, perm=[1, 0]), (1, t, s),
                            layer, ref)
        xb = self._to(self._to(x, (lead, 1, n_rows, s), layer, ref), (lead, t, n_rows, s),
                      layer, ref)
        spec = self.b.emit("mul_const", layer, [xb.name], consts={"c": h[..., None]},
                           scale=x.nominal_scale())
        return self._op("reduce_sum", QVal(spec, x.scale, None, x.act, ref), layer, ref,
                        axes=[2], keepdims=0)
