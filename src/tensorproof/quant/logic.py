"""Comparisons, booleans, integer tensors, ArgMax and data-dependent indexing, as compositions
of the proven integer ops (no new proof step: each result is computed by ops whose relations
the verifier already checks, so the executor computes exactly what the proof proves).

- Integer tensors (ONNX int/bool dtypes) are exact integers at scale 1. A boolean is 0/1: a
  bool input is range-checked in [0, 1]; every boolean computed here is a lookup into a 0/1
  table or a product of 0/1 values, so its proven range is [0, 1].
- Indicator [v op t] of an integer v against an integer t: when v − t spans at most
  INDICATOR_ROWS values, one ``lookup`` of the 0/1 table of the predicate over that range;
  otherwise s = clamp(v − t, −1, 1) by a ``requant`` (multiplier 2, shift 1: (2d + 1) >> 1 = d,
  clamped, proven by its clamp lookup or limb range checks) and a 3-row lookup of the predicate
  of the sign.
- Constant thresholds (:func:`thresholds`): for a tensor q of scale s (real value q·s) and a real
  threshold c, T = ⌈c/s⌉ for < and ≥, ⌊c/s⌋ for ≤ and >, c/s for == (only when an integer; else
  no q is equal), computed exactly in rationals from the float64 values of c and s, then clipped
  to [lo − 1, hi + 1] of q's range; then (q·s op c) ⟺ (q op T) for every integer q in [lo, hi]:
  no quantized value changes branch. Two tensors at one scale compare exactly (q_a − q_b op 0);
  at different scales both are requantized to a common scale 2^add_extra_bits finer than the
  finer one first (then equal only up to that rounding).
- Boolean ops: not b = 1 − b, a and b = a·b, a or b = [a + b ≥ 1], a xor b = [a + b = 1].
- ArgMax over an axis of K entries: m = max (max_reduce), e_k = [x_k − m ≥ 0] (= [x_k = m]),
  first index = (K − 1) − max_k e_k·(K − 1 − k), last index = max_k e_k·k: the ties are broken
  as ONNX's select_last_index asks, and the proven range is [0, K − 1].
- Data-dependent indices: a table the compiler builds (tree thresholds: n rows of c values)
  gathered by an integer index is one lookup whatever c: the key idx·c + j (j = 0..c−1) in the
  public pair table {(i·c + j, T[i, j])}; since idx's range is proven and 0 ≤ j < c, a key
  names one (row, column). A Gather of a model constant (token embeddings, any initializer) is
  committed like any weight instead: y = onehot(idx) @ T (``gather_real_table``).
  GatherElements / OneHot use the one-hot indicator [idx = k] (k = 0..n−1, negative indices
  wrapping) and Σ_k onehot·x.
- Masks: v where keep else the lowest value v can take, (v − lo)·keep + lo (mask_lowest: an
  attention mask's −inf before a softmax or a max).
"""

from __future__ import annotations

import numpy as np

from ..errors import CompileError, UnsupportedOpError
from ..ir.graph import TensorSpec
from .calibrate import act_range, qmax
from .elementwise import Elementwise
from .intarith import IntArith
from .qvalue import QVal
from .scatter import Scatter
from .selection import Selection

INDICATOR_ROWS = 1 << 10
"""Widest range (values) of v − t that an indicator looks up in one table; wider ranges take the
sign by a requant first (see module docstring)."""
MAX_GATHER_ROWS = 1 << 22
"""Largest pair table {(i·c + j, table[i, j])} of a data-dependent Gather from a constant table
(index range × gathered columns): the table is public, in the verifying key."""
COMMITTED_GATHER_MIN = 1 << 12
"""A gathered model constant of at least this many entries (token embeddings) is committed
(onehot(idx) @ T); a smaller one (tree ensembles' node tables, gathered at every level) stays a
public pair table in the key, about 3x smaller proofs for such models and as sound."""
MAX_ONE_HOT_ROWS = 1 << 17
"""Widest index range (values of idx − k, about twice the row count) of a real table gathered
as onehot(idx) @ T (token embeddings: vocabularies up to ~64 k ids)."""
EXACT_INT_TABLE = 2.0**52
"""A gathered table of integers up to this magnitude (exact in float64; class labels of any
size a model uses) is committed at scale 1, unquantized."""
EXACT_TABLE = 1 << 20
EXACT_BITS = 16
"""Constants that are integers below EXACT_TABLE at a scale 2^-k, k ≤ EXACT_BITS (gathered tables,
Where's constants) are kept exact at that scale (Logic.const_scale)."""

_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def mirror(op: str) -> str:
    """The comparison with its operands swapped: a op b ⟺ b mirror(op) a."""
    return _MIRROR[op]


def predicate(op: str, v: np.ndarray, t) -> np.ndarray:
    """[v op t] as int64 0/1 (numpy broadcasting)."""
    fn = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
          "==": np.equal, "!=": np.not_equal}[op]
    return fn(v, t).astype(np.int64)


def _rational(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact x = num / den for finite float64 x: object arrays of Python ints, den = 2^k."""
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    mant = (m * 2.0**53).astype(np.int64).astype(object)  # exact: 53 significant bits
    e = e.astype(np.int64) - 53
    one = np.ones(e.shape, dtype=object)
    num = mant * np.left_shift(one, np.maximum(e, 0).astype(object))
    den = np.left_shift(one, np.maximum(-e, 0).astype(object))
    return num, den


def thresholds(op: str, c, scale, lo: int, hi: int) -> np.ndarray:
    """Integer T with (q·scale op c) ⟺ (q op T) for every integer q in [lo, hi] (exactly, in
    rational arithmetic on the float64 values), clipped to [lo − 1, hi + 1]; see the module
    docstring. ``c`` and ``scale`` (> 0) broadcast; op in <, <=, >, >=, ==."""
    c, s = np.broadcast_arrays(np.asarray(c, dtype=np.float64),
                               np.asarray(scale, dtype=np.float64))
    if not np.all(s > 0) or not np.all(np.isfinite(s)):
        raise CompileError(f"comparison at a non-positive or infinite scale {s.ravel()[:3]}")
    finite = np.isfinite(c)
    nc, dc = _rational(np.where(finite, c, 0.0))
    ns, ds = _rational(s)
    num, den = nc * ds, dc * ns  # c / s = num / den, den > 0
    floor = num // den
    ceil = -((-num) // den)
    if op in ("<", ">="):
        t = ceil
    elif op in ("<=", ">"):
        t = floor
    elif op == "==":
        t = np.where(num % den == 0, floor, hi + 1)
    else:
        raise CompileError(f"unknown comparison {op!r}")
    out = np.clip(t, lo - 1, hi + 1).astype(np.int64)
    up = hi + 1  # +inf: every q is below; −inf: every q above; NaN: no comparison holds
    out = np.where(np.isposinf(c), up, out)
    out = np.where(np.isneginf(c), lo - 1, out)
    nan_t = lo - 1 if op in ("<", "<=") else up
    return np.where(np.isnan(c), nan_t, out).astype(np.int64)


class Logic(IntArith, Selection, Scatter, Elementwise):
    """Quantizer methods for integers, booleans, comparisons and indexing (module docstring;
    integer division and shifts: quant/intarith.py; TopK and GatherND: quant/selection.py;
    scatters: quant/scatter.py)."""

    # -- integers --------------------------------------------------------------------------
    def int_input(self, name: str, shape: tuple[int, ...], ref: str, kind: str, bits: int,
                  covers: tuple[int, int] | None = None,
                  within: tuple[int, int] | None = None) -> QVal:
        """A graph input of an integer (``kind`` "i"/"u", ``bits`` wide) or boolean ("b") dtype:
        exact integers at scale 1. Range: [0, 1] for booleans; else the signed (unsigned)
        ``cfg.bits``-bit range widened to the calibration samples and to ``covers`` (the rows
        of the tables it indexes: every token id of a vocabulary, whatever calibration saw),
        within the dtype's range and ``within`` (the indices ONNX allows, for an input read
        only as indices: CompileError if calibration saw others)."""
        st = self.stats.get(ref)
        seen = (int(np.floor(st.lo)), int(np.ceil(st.hi))) if st is not None else (0, 0)
        if covers is not None and kind != "b":
            seen = (min(seen[0], covers[0]), max(seen[1], covers[1]))
        if kind == "b":
            lo, hi = 0, 1
            if seen[0] < 0 or seen[1] > 1:
                raise CompileError(f"boolean input {name!r}: calibration samples outside 0/1")
        else:
            lo, hi = act_range(self.cfg.bits) if kind == "i" else (0, (1 << self.cfg.bits) - 1)
            d_lo, d_hi = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if kind == "i"
                          else (0, (1 << bits) - 1))
            lo, hi = max(min(lo, seen[0]), d_lo), min(max(hi, seen[1]), d_hi)
            if within is not None:
                if st is not None and (seen[0] < within[0] or seen[1] > within[1]):
                    raise CompileError(f"index input {name!r}: calibration values in "
                                       f"[{seen[0]}, {seen[1]}] outside the valid indices "
                                       f"[{within[0]}, {within[1]}]")
                lo, hi = max(lo, within[0]), min(hi, within[1])
            if max(-lo, hi) >= 1 << 31:
                raise CompileError(f"integer input {name!r}: calibration values up to "
                                   f"{max(-lo, hi)} need more than 32 bits")
        return QVal(self.b.add_input(name, shape, lo, hi, 1.0), 1.0, None, True, ref)

    def integer(self, spec: TensorSpec, ref: str) -> QVal:
        """An integer (or boolean) value at scale 1."""
        return QVal(spec, 1.0, None, True, ref)

    def int_offset(self, v: QVal, c: np.ndarray, layer: str, ref: str) -> QVal:
        """v + c for an integer v and integer constant c (broadcastable)."""
        c = _ints(c, layer)
        if not c.any():
            return v
        spec = self.b.emit("add_const", layer, [v.name], consts={"c": c}, hint=ref)
        return self.integer(spec, ref)

    def int_scale(self, v: QVal, c: np.ndarray, layer: str, ref: str) -> QVal:
        """v · c for an integer v and integer constant c (broadcastable)."""
        spec = self.b.emit("mul_const", layer, [v.name], consts={"c": _ints(c, layer)}, hint=ref)
        return self.integer(spec, ref)

    def int_linear(self, v: QVal, w: np.ndarray, layer: str, ref: str) -> QVal:
        """v @ w for an integer v and an integer matrix w (K, N): exact, no weight scale."""
        w = _ints(w, layer)
        spec = self.b.emit("linear", layer, [v.name],
                           consts={"W": w, "b": np.zeros(w.shape[1], np.int64)}, hint=ref)
        return self.integer(spec, ref)

    def clamp_int(self, v: QVal, lo: int, hi: int, layer: str, ref: str) -> QVal:
        """clamp(v, lo, hi) of v's integers (a requant by 2 with shift 1: (2v + 1) >> 1 = v)."""
        spec = self.b.emit("requant", layer, [v.name], consts={"mult": np.array([2])},
                           attrs={"shift": 1, "lo": lo, "hi": hi, "axis": -1}, hint=ref)
        return self.integer(spec, ref)

    def difference(self, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """a − b of two same-shape values at one per-tensor scale (exact; scale kept)."""
        nb = self.b.emit("mul_const", layer, [b.name], consts={"c": np.array([-1])})
        spec = self.b.emit("add", layer, [a.name, nb.name], scale=a.nominal_scale(), hint=ref)
        return QVal(spec, a.scale, None, False, ref)

    # -- indicators and comparisons --------------------------------------------------------
    def _table(self, v: QVal, table_of, layer: str, ref: str) -> QVal:
        lo, hi = self.b.exact[v.name]
        table = table_of(np.arange(lo, hi + 1, dtype=np.int64))
        spec = self.b.emit("lookup", layer, [v.name], attrs={"x_lo": lo},
                           consts={"table": table}, hint=ref)
        return self.integer(spec, ref)

    def indicator(self, v: QVal, op: str, t, layer: str, ref: str) -> QVal:
        """[v op t] as 0/1 (scale 1) for the integers of v and integer t (a scalar or an array
        broadcastable to v), op in <, <=, >, >=, ==, != (module docstring)."""
        t = np.asarray(t, dtype=np.int64)
        lo, hi = self.b.exact[v.name]
        if t.size == 1 and hi - lo < INDICATOR_ROWS:
            t0 = int(t.ravel()[0])
            return self._table(v, lambda x: predicate(op, x, t0), layer, ref)
        d = self.int_offset(v, -t, layer, ref)
        d_lo, d_hi = self.b.exact[d.name]
        if d_hi - d_lo < INDICATOR_ROWS:
            return self._table(d, lambda x: predicate(op, x, 0), layer, ref)
        sign = self.clamp_int(d, -1, 1, layer, ref + "/sign")
        return self._table(sign, lambda x: predicate(op, x, 0), layer, ref)

    def compare_const(self, v: QVal, op: str, c: np.ndarray, layer: str, ref: str) -> QVal:
        """[x op c] for a value x ≈ v·scale and a real constant c (broadcastable to v): exact on
        the quantized value (:func:`thresholds`)."""
        lo, hi = self.b.exact[v.name]
        t = thresholds(op, c, v.scale_array(), lo, hi)
        if np.all(t == t.ravel()[0]):
            t = t.ravel()[:1]
        return self.indicator(v, op, t, layer, ref)

    def compare(self, a: QVal, op: str, b: QVal, layer: str, ref: str) -> QVal:
        """[a op b] of two same-shape values (module docstring: exact at one scale)."""
        if not (a.per_tensor and b.per_tensor and self._same_scale(a, b)):
            s = min(float(np.min(a.scale)), float(np.min(b.scale))) / 2**self.cfg.add_extra_bits
            a, b = self.requant(a, s, layer, a.ref), self.requant(b, s, layer, b.ref)
        return self.indicator(self.difference(a, b, layer, ref + "/diff"), op, 0, layer, ref)

    def threshold_table(self, v: QVal, op: str, table: np.ndarray) -> np.ndarray:
        """A real table quantized as integer thresholds against the per-tensor v (for
        [x op table[i]] ⟺ [v op T[i]] on every v in its range: :func:`thresholds`)."""
        lo, hi = self.b.exact[v.name]
        return thresholds(op, table, float(v.scale), lo, hi)

    def compare_ints(self, v: QVal, op: str, t: QVal, layer: str, ref: str) -> QVal:
        """[v op t] of the integers of two same-shape values (t: thresholds at v's scale)."""
        return self.indicator(self.difference(v, t, layer, ref + "/diff"), op, 0, layer, ref)

    # -- booleans --------------------------------------------------------------------------
    def boolean(self, v: QVal, layer: str, ref: str) -> QVal:
        """v as a proven 0/1 value: itself when its range is [0, 1], else [v ≠ 0]."""
        if v.lo >= 0 and v.hi <= 1 and v.scale_array().size == 1:
            return self.integer(v.spec, v.ref)
        return self.indicator(v, "!=", 0, layer, ref)

    def logical_not(self, v: QVal, layer: str, ref: str) -> QVal:
        b = self.boolean(v, layer, ref)
        n = self.b.emit("mul_const", layer, [b.name], consts={"c": np.array([-1])})
        return self.int_offset(self.integer(n, ref), np.array([1]), layer, ref)

    def logical(self, op: str, a: QVal, b: QVal, layer: str, ref: str) -> QVal:
        """And, Or, Xor of two same-shape booleans."""
        a, b = self.boolean(a, layer, ref), self.boolean(b, layer, ref)
        if op == "and":
            return self.integer(self.b.emit("mul", layer, [a.name, b.name], hint=ref), ref)
        s = self.integer(self.b.emit("add", layer, [a.name, b.name]), ref)
        return self.indicator(s, ">=" if op == "or" else "==", 1, layer, ref)

    def select(self, cond: QVal, a, b, layer: str, ref: str) -> QVal:
        """cond ? a : b (Where) for a 0/1 cond and values or real constants a, b of cond's
        shape: cond·a + (1 − cond)·b, constants quantized at the value's scale (or exact at
        scale 1 when both are small integers, else at their largest magnitude's scale)."""
        c = self.boolean(cond, layer, ref)
        qa, qb = isinstance(a, QVal), isinstance(b, QVal)
        if qa and qb:
            nc = self.logical_not(c, layer, ref)
            return self.add(self.mul(c, a, layer, ref), self.mul(nc, b, layer, ref), layer, ref)
        if not qa and not qb:
            a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
            s = self.const_scale(np.concatenate([a.ravel(), b.ravel()]), layer)
            ia, ib = _round_checked(a / s, layer), _round_checked(b / s, layer)
            y = self.int_offset(self.int_scale(c, ia - ib, layer, ref), ib, layer, ref)
            lo, hi = act_range(self.cfg.bits)
            return QVal(y.spec, s, None, (lo <= y.lo and y.hi <= hi) or s == 1.0, ref)
        nc = self.logical_not(c, layer, ref)
        val, const, mask, other = (a, b, c, nc) if qa else (b, a, nc, c)
        x = self.mul(mask, val, layer, ref)  # at the value's activation scale
        k = _ints(_round_checked(np.asarray(const, np.float64) / float(x.scale), layer), layer)
        y = self.b.emit("mul_const", layer, [other.name], consts={"c": k})
        return self.add(x, QVal(y, x.scale, None, False, ref), layer, ref)

    def mask_lowest(self, v: QVal, keep: np.ndarray, layer: str, ref: str) -> QVal:
        """v where ``keep`` (0/1, v's shape) is 1, else the lowest value v can take (the lo of
        its exact range): (v − lo)·keep + lo, exact, at v's scale and within v's range. What an
        attention mask's −inf becomes before a softmax or a max (frontend/lower_ops.py)."""
        v = self.per_tensor(v, layer)
        lo, s = self.b.exact[v.name][0], v.nominal_scale()
        x = v.spec
        if lo:
            x = self.b.emit("add_const", layer, [x.name], consts={"c": np.array([-lo])},
                            scale=s, hint=ref)
        x = self.b.emit("mul_const", layer, [x.name], consts={"c": _ints(keep, layer)},
                        scale=s, hint=ref)
        if lo:
            x = self.b.emit("add_const", layer, [x.name], consts={"c": np.array([lo])},
                            scale=s, hint=ref)
        return QVal(x, v.scale, None, v.act, ref)

    # -- argmax and indexing ---------------------------------------------------------------
    def argmax(self, v: QVal, axis: int, last: bool, layer: str, ref: str) -> QVal:
        """Index of the maximum along per-sample ``axis`` (kept as size 1), the first one
        (last if ``last``) among equal maxima; integer at scale 1 (module docstring)."""
        x = self.act(v, layer)
        k = x.shape[axis]
        keep = {"axes": [axis], "keepdims": 1}
        m = self.b.emit("reduce_max", layer, [x.name], attrs=keep, hint=ref + "/max")
        mb = self.b.emit("broadcast", layer, [m.name], attrs={"shape": list(x.shape)})
        d = self.difference(x, QVal(mb, x.scale), layer, ref + "/gap")
        e = self.indicator(d, ">=", 0, layer, ref + "/is_max")
        pos = np.arange(k, dtype=np.int64) if last else k - 1 - np.arange(k, dtype=np.int64)
        w = pos.reshape((k,) + (1,) * (len(x.shape) - 1 - axis))
        g = self.b.emit("mul_const", layer, [e.name], consts={"c": w})
        r = self.b.emit("reduce_max", layer, [g.name], attrs=keep, hint=ref)
        y = self.integer(r, ref)
        if last:
            return y
        return self.int_offset(self.int_scale(y, np.array([-1]), layer, ref),
                               np.array([k - 1]), layer, ref)

    def index_into(self, idx: QVal, n: int, layer: str, ref: str) -> QVal:
        """idx, clamped into [−n, n − 1] (a requant) when its proven range leaves the rows of an
        n-row table (indices ONNX refuses); negative ones wrap later, as ONNX."""
        lo, hi = self.b.exact[idx.name]
        if lo < -n or hi >= n:
            idx = self.clamp_int(idx, max(lo, -n), min(hi, n - 1), layer, ref + "/index")
        return idx

    def gather_table(self, idx: QVal, table: np.ndarray, scale: float, layer: str,
                     ref: str) -> QVal:
        """table[idx] along the table's first axis, for integer indices idx (negative ones
        wrap) and an integer table (n, *R) of c = prod(R) columns: shape idx.shape + R.

        One ``lookup`` whatever c: the key k = idx·c + j (j = 0..c−1 on a new last axis: a
        broadcast, ``mul_const``, ``add_const``) is looked up in the pair table
        {(i·c + j, table[i, j])}. Sound because idx's range is proven and 0 ≤ j < c, so a key
        names one (row, column) and the LogUp pins its value (module docstring)."""
        table = np.asarray(table, dtype=np.int64)
        n, cols = table.shape[0], table.reshape(table.shape[0], -1)
        c = cols.shape[1]
        idx = self.index_into(idx, n, layer, ref)
        lo, hi = self.b.exact[idx.name]
        if (hi - lo + 1) * c > MAX_GATHER_ROWS:
            raise UnsupportedOpError(f"node {layer!r}: gathering rows of {c} values by indices "
                                     f"in [{lo}, {hi}] needs a table of {(hi - lo + 1) * c} "
                                     f"entries (at most {MAX_GATHER_ROWS})")
        key = idx
        if c > 1:
            shape = list(idx.shape) + [1]
            x = self.shape_op("reshape", idx, layer, ref + "/key", shape=shape)
            x = self.shape_op("broadcast", x, layer, ref + "/key", shape=shape[:-1] + [c])
            x = self.int_scale(self.integer(x.spec, ref), np.array([c]), layer, ref + "/key")
            key = self.int_offset(x, np.arange(c, dtype=np.int64), layer, ref + "/key")
        rows = cols[np.arange(lo, hi + 1)]  # negative indices wrap (numpy and ONNX alike)
        spec = self.b.emit("lookup", layer, [key.name], attrs={"x_lo": lo * c},
                           consts={"table": rows.ravel()}, scale=scale, hint=ref)
        y = QVal(spec, scale, None, True, ref)
        shape = idx.shape + table.shape[1:]
        if y.shape != shape:
            y = self.shape_op("reshape", y, layer, ref, shape=list(shape))
        return QVal(y.spec, scale, None, True, ref)

    def gather_real_table(self, idx: QVal, table: np.ndarray, layer: str, ref: str) -> QVal:
        """A constant table (a model parameter: token or positional embeddings) gathered by
        integer indices, exact at scale 1 for integers, else at :meth:`const_scale` (exact when
        its values are integers at some scale 2^-k, else quantized). Below
        COMMITTED_GATHER_MIN entries it is the public pair table of :meth:`gather_table`; else
        y = onehot(idx) @ T, one ``linear`` step whose weight T is
        committed with the model's other weights (behind the model id, covered by the weight
        range certificate, opened like any weight: the verifier's work does not grow with the
        table), the one-hot proven by indicator lookups, then a clamp to T's own range (exact:
        the one-hot row picks one entry of each column)."""
        table = np.asarray(table, dtype=np.float64)
        top = float(np.abs(table).max(initial=0.0))
        exact = top <= EXACT_INT_TABLE and bool(np.all(table == np.round(table)))
        s = 1.0 if exact else self.const_scale(table, layer)  # integers (class labels) stay exact
        if table.size < COMMITTED_GATHER_MIN:  # small (tree tables): the public pair table
            return self.gather_table(idx, _round(table / s), s, layer, ref)
        n = table.shape[0]
        cols = _round(table / s).reshape(n, -1)
        idx = self.index_into(idx, n, layer, ref)
        oh = self.one_hot(idx, n, layer, ref + "/onehot", max_rows=MAX_ONE_HOT_ROWS)
        y = self.int_linear(oh, cols, layer, ref)
        y = self.clamp_int(y, int(cols.min()), int(cols.max()), layer, ref + "/range")
        shape = idx.shape + table.shape[1:]
        if y.shape != shape:
            y = self.shape_op("reshape", y, layer, ref, shape=list(shape))
        return QVal(y.spec, s, None, True, ref)

    def const_scale(self, values: np.ndarray, layer: str) -> float:
        """The scale constants are exact at: the coarsest 2^-k (k ≥ 0) making every value an
        integer below EXACT_TABLE (small integers: 1; 0.5 and -1.25: 1/4); else their largest
        magnitude over the activation range's top."""
        values = np.asarray(values, dtype=np.float64).ravel()
        if not np.all(np.isfinite(values)):
            raise UnsupportedOpError(f"node {layer!r}: a constant holds NaN or infinity")
        top = float(np.abs(values).max(initial=0.0))
        for k in range(EXACT_BITS + 1):
            v = values * 2.0**k
            if top * 2.0**k >= EXACT_TABLE:
                break
            if np.all(v == np.round(v)):
                return 2.0**-k
        return top / qmax(self.cfg.bits) if top > 0 else 1.0

    def one_hot(self, idx: QVal, n: int, layer: str, ref: str,
                max_rows: int = INDICATOR_ROWS * 8) -> QVal:
        """[idx = k or idx = k − n] for k = 0..n−1 on a new last axis (0/1, scale 1), by one
        indicator lookup over idx − k (a table of at most ``max_rows`` rows)."""
        shape = list(idx.shape) + [1]
        x = self.shape_op("reshape", idx, layer, ref, shape=shape)
        x = self.shape_op("broadcast", x, layer, ref, shape=shape[:-1] + [n])
        d = self.int_offset(self.integer(x.spec, ref), -np.arange(n, dtype=np.int64), layer, ref)
        lo, hi = self.b.exact[d.name]
        if hi - lo >= max_rows:
            raise UnsupportedOpError(f"node {layer!r}: one-hot of indices in a range of "
                                     f"{hi - lo + 1} values")
        return self._table(d, lambda t: ((t == 0) | (t == -n)).astype(np.int64), layer, ref)

    def gather_elements(self, x: QVal, idx: QVal, axis: int, layer: str, ref: str) -> QVal:
        """y[i] = x[i with i_axis → idx[i]] (ONNX GatherElements) for computed indices:
        Σ_k [idx = k]·x_k over the axis (module docstring)."""
        x = self.act(x, layer)
        n, rank = x.shape[axis], len(idx.shape)
        oh = self.one_hot(idx, n, layer, ref + "/onehot")
        ends = [n if a == axis else d for a, d in enumerate(idx.shape)]
        if list(x.shape) != ends:
            x = self.shape_op("slice", x, layer, ref, starts=[0] * rank, ends=ends,
                              steps=[1] * rank)
        perm = [a for a in range(rank) if a != axis] + [axis]
        if perm != list(range(rank)):
            x = self.shape_op("transpose", x, layer, ref, perm=perm)
        one = [1 if a == axis else d for a, d in enumerate(idx.shape)] + [n]
        x = self.shape_op("reshape", x, layer, ref, shape=one)
        x = self.shape_op("broadcast", x, layer, ref, shape=list(idx.shape) + [n])
        prod = self.mul(oh, x, layer, ref)
        return self.reduce_sum(prod, [rank], False, layer, ref)

    def truncate(self, v: QVal, layer: str, ref: str) -> QVal:
        """trunc(x) (Cast of a real x ≈ v·scale to an integer type), exactly on the quantized
        value, by a table over v's range (UnsupportedOpError for a range too wide)."""
        v = self.per_tensor(v, layer)
        lo, hi = self.b.exact[v.name]
        if hi - lo >= INDICATOR_ROWS * 64:
            raise UnsupportedOpError(f"node {layer!r}: casting a real value of {hi - lo + 1} "
                                     "levels to an integer")
        num, den = _rational(np.array(float(v.scale)))

        def trunc(q: np.ndarray) -> np.ndarray:
            p = q.astype(object) * num
            return np.where(q >= 0, p // den, -((-p) // den)).astype(np.int64)
        return self._table(v, trunc, layer, ref)


def _round(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


def _round_checked(x: np.ndarray, layer: str) -> np.ndarray:
    """round half up, refusing non-finite values and magnitudes of 2^52 or more."""
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)) or (x.size and np.abs(x).max() >= 2.0**52):
        raise UnsupportedOpError(f"node {layer!r}: a constant that is infinite or out of "
                                 "proportion with the values it is selected with")
    return _round(x)


def _ints(c, layer: str) -> np.ndarray:
    """An integral constant as int64 (CompileError if it is not integral or too large)."""
    c = np.atleast_1d(np.asarray(c))
    if c.dtype.kind == "f" and not (np.all(np.isfinite(c)) and np.all(c == np.round(c))):
        raise CompileError(f"layer {layer!r}: integer arithmetic with a non-integer constant")
    if c.size and np.abs(c.astype(np.float64)).max() >= 2.0**62:
        raise CompileError(f"layer {layer!r}: integer constant of 2^62 or more")
    return c.astype(np.int64)
