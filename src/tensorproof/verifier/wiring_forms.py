"""Wiring predicates of the structured gathers in closed form, in O(axis sizes) field ops.

A gather's predicate (layers/gather.py) is a(z, ρ) = Σ_j eq(z, out_pos_j)·eq(ρ, in_pos_j) over
its wires. The patch gathers of wiring.py read x (C, H, W) into
    im2col  (OH, OW, C, U)   or   windows  (C, OH, OW, U),   U = KH·KW, u = kh·KW + kw,
with the wire (oh, ow, c, u) → (c, ih, iw) for ih = oh·s_h + kh − pad_top,
iw = ow·s_w + kw − pad_left, present iff 0 ≤ ih < H and 0 ≤ iw < W (a read of the image's zero
padding is no wire: that output entry is 0). Every axis is padded to a power of two on its own
and owns its own group of variables (layout.py), so eq of a position is the product of the
axes' eq's, and the sum over wires factorizes over (c) × (kh, kw, oh, ow):
    a(z, ρ) = D_C · Σ_{kh<KH} Σ_{kw<KW} eq(z_u, kh·KW + kw) · A_h(kh) · A_w(kw),
    D_C     = Σ_{c<C} eq(z_c, c)·eq(ρ_c, c),
    A_h(kh) = Σ_{oh<OH, 0 ≤ oh·s_h + kh − pad_top < H} eq(z_oh, oh)·eq(ρ_h, oh·s_h + kh − pad_top),
and A_w likewise over (ow, kw, s_w, pad_left, W). The sums run over the real indices only
(c < C, oh < OH, ow < OW, u < U): padded output positions carry no wire, and the padded input
positions (ih ≥ H, iw ≥ W, c ≥ C) are never read. The order of the output axes only changes
which coordinates of z are z_oh, z_ow, z_c, z_u. D_C is a prefix sum of the per-bit product
weight (1 − z_i)(1 − ρ_i) | z_i ρ_i (table_forms.PrefixSums): O(log C). Cost: the eq tables of
the six axes, KH·OH + KW·OW terms for A_h, A_w, and KH·KW for the last sum: never O(#wires)
= O(OH·OW·C·KH·KW).

Axis maps (slice, concat, broadcast, a max over one axis): output axis j, on its indices
[lo_j, lo_j + n_j), reads input axis π(j) at offset_j + step_j·(i − lo_j), every combination
of the axes' indices being a wire. Then the sum over wires is a product over the axes,
    a(z, ρ) = Π_j Σ_{i<n_j} eq(z_j, lo_j + i)·eq(ρ_π(j), offset_j + step_j·i),
each factor O(n_j), or O(log n_j) for the identity (the diagonal sum above) and for a broadcast
(step 0: a difference of two prefix sums of eq(z_j, ·), times eq(ρ_π(j), offset_j)).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..field.scalar import ExtField
from ..poly.mle import as_ext, eq_eval_index
from .layout import Layout
from .table_forms import PrefixSums, eq_prefix_sums

_AXES = {"im2col": ("oh", "ow", "c", "u"), "windows": ("c", "oh", "ow", "u")}


@dataclass(frozen=True)
class PatchWiring:
    """The wiring of wiring.im2col (kind "im2col") or wiring.windows (kind "windows"):
    x (C, H, W) → patches of a KH×KW kernel, strides (s_h, s_w), pads (top, left, bottom,
    right)."""

    kind: str
    in_shape: tuple[int, int, int]
    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]

    def __post_init__(self):
        if self.kind not in _AXES:
            raise ValueError(f"unknown patch wiring {self.kind!r} (known: {sorted(_AXES)})")
        for name in ("in_shape", "kernel", "strides", "pads"):
            object.__setattr__(self, name, tuple(int(v) for v in getattr(self, name)))

    @property
    def out_hw(self) -> tuple[int, int]:
        (_, h, w), (kh, kw), (sh, sw) = self.in_shape, self.kernel, self.strides
        top, left, bottom, right = self.pads
        return (h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1

    @property
    def out_shape(self) -> tuple[int, ...]:
        sizes = {"c": self.in_shape[0], "oh": self.out_hw[0], "ow": self.out_hw[1],
                 "u": self.kernel[0] * self.kernel[1]}
        return tuple(sizes[a] for a in _AXES[self.kind])


def eq_list(ext: ExtField, z) -> list:
    """eq(z, x) for x in [0, 2^len(z)) (variable 0 = least significant bit): 2^(n+1) products."""
    table = [ext.one]
    for zi in z:
        one_minus = ext.sub(ext.one, zi)
        table = [ext.mul(t, one_minus) for t in table] + [ext.mul(t, zi) for t in table]
    return table


def diagonal_sum(ext: ExtField, z, rho, n: int):
    """Σ_{c<n} eq(z, c)·eq(ρ, c) in O(len(z)): the prefix sum of the weight Π_i w_i(c_i),
    w_i(0) = (1 − z_i)(1 − ρ_i), w_i(1) = z_i ρ_i. The shorter point is extended by zeros
    (eq(0, c_i) = [c_i = 0]: exact while n fits in its bits)."""
    width = max(len(z), len(rho))
    z = list(z) + [ext.zero] * (width - len(z))
    rho = list(rho) + [ext.zero] * (width - len(rho))
    lo = [ext.mul(ext.sub(ext.one, a), ext.sub(ext.one, b)) for a, b in zip(z, rho)]
    hi = [ext.mul(a, b) for a, b in zip(z, rho)]
    return PrefixSums(ext, lo, hi)(n)[0]


def axis_weights(ext: ExtField, z_out, rho_in, n_out: int, n_in: int, stride: int, pad: int,
                 k: int) -> list:
    """A(t) = Σ_{o<n_out, 0 ≤ o·stride + t − pad < n_in} eq(z_out, o)·eq(ρ_in, o·stride + t − pad)
    for each kernel offset t < k."""
    e_out, e_in = eq_list(ext, z_out), eq_list(ext, rho_in)
    weights = []
    for t in range(k):
        lo = max(0, -((t - pad) // stride))  # the first o with o·stride + t − pad ≥ 0
        hi = min(n_out, (n_in - 1 + pad - t) // stride + 1)  # one past the last in range
        acc = ext.zero
        for o in range(lo, hi):
            acc = ext.add(acc, ext.mul(e_out[o], e_in[o * stride + t - pad]))
        weights.append(acc)
    return weights


def weight(ext: ExtField, form, z_out, z_in) -> tuple:
    """The predicate's MLE a(z_out, z_in) of a PatchWiring or an AxisMap (see the module doc);
    z_out, z_in per-sample points of the output's and the input's layouts."""
    z_out = tuple(as_ext(ext, v) for v in z_out)
    z_in = tuple(as_ext(ext, v) for v in z_in)
    if isinstance(form, AxisMap):
        return _axis_map_weight(ext, form, z_out, z_in)
    if not isinstance(form, PatchWiring):
        raise TypeError(f"not a wiring form: {form!r}")
    return _patch_weight(ext, form, z_out, z_in)


def _patch_weight(ext: ExtField, form: PatchWiring, z_out, z_in) -> tuple:
    z = dict(zip(_AXES[form.kind], Layout(form.out_shape).split(tuple(z_out))))
    rho_c, rho_h, rho_w = Layout(form.in_shape).split(tuple(z_in))
    (c, h, w), (kh, kw), (sh, sw) = form.in_shape, form.kernel, form.strides
    (oh, ow), (top, left) = form.out_hw, form.pads[:2]
    a_h = axis_weights(ext, z["oh"], rho_h, oh, h, sh, top, kh)
    a_w = axis_weights(ext, z["ow"], rho_w, ow, w, sw, left, kw)
    e_u = eq_list(ext, z["u"])
    acc = ext.zero
    for i in range(kh):
        row = ext.zero
        for j in range(kw):
            row = ext.add(row, ext.mul(e_u[i * kw + j], a_w[j]))
        acc = ext.add(acc, ext.mul(row, a_h[i]))
    return tuple(ext.mul(acc, diagonal_sum(ext, z["c"], rho_c, c)))


@dataclass(frozen=True)
class AxisMap:
    """Output axis j, on its indices [lo[j], lo[j] + count[j]), reads input axis perm[j] at
    offset[j] + step[j]·(i − lo[j]); every combination of the axes' indices is a wire (the
    other output entries are zero). ValueError when a read falls outside the input."""

    out_shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    perm: tuple[int, ...]
    lo: tuple[int, ...]
    count: tuple[int, ...]
    offset: tuple[int, ...]
    step: tuple[int, ...]

    def __post_init__(self):
        for name in ("out_shape", "in_shape", "perm", "lo", "count", "offset", "step"):
            object.__setattr__(self, name, tuple(int(v) for v in getattr(self, name)))
        rank = len(self.out_shape)
        if {len(self.in_shape), len(self.lo), len(self.count), len(self.offset),
                len(self.step)} != {rank} or sorted(self.perm) != list(range(rank)):
            raise ValueError(f"malformed axis map {self!r}")
        for j in range(rank):
            last_read = self.offset[j] + self.step[j] * (self.count[j] - 1)
            if (self.count[j] < 1 or self.lo[j] < 0 or self.offset[j] < 0 or self.step[j] < 0
                    or self.lo[j] + self.count[j] > self.out_shape[j]
                    or last_read >= self.in_shape[self.perm[j]]):
                raise ValueError(f"axis map {self!r}: axis {j} reads outside the input")

    @classmethod
    def identity(cls, out_shape, in_shape, perm, **changes) -> AxisMap:
        """Axis j copies input axis perm[j] whole; `changes` maps a field name to {axis: value}."""
        fields = {"lo": [0] * len(out_shape), "count": list(out_shape),
                  "offset": [0] * len(out_shape), "step": [1] * len(out_shape)}
        for name, per_axis in changes.items():
            for j, v in per_axis.items():
                fields[name][j] = v
        return cls(tuple(out_shape), tuple(in_shape), tuple(perm), **fields)


def slice_map(in_shape, starts, ends, steps) -> AxisMap:
    """wiring.strided_slice's wiring: x[starts:ends:steps]."""
    out_shape = tuple(len(range(s, e, st)) for s, e, st in zip(starts, ends, steps))
    rank = range(len(out_shape))
    return AxisMap.identity(out_shape, in_shape, rank, offset=dict(zip(rank, starts)),
                            step=dict(zip(rank, steps)))


def concat_maps(in_shapes, axis: int) -> list[AxisMap]:
    """wiring.concat's wirings, one per source: the source's block of the concatenated axis."""
    out_shape = list(in_shapes[0])
    out_shape[axis] = sum(s[axis] for s in in_shapes)
    maps, off = [], 0
    for shape in in_shapes:
        maps.append(AxisMap.identity(out_shape, shape, range(len(shape)), lo={axis: off},
                                     count={axis: shape[axis]}))
        off += shape[axis]
    return maps


def broadcast_map(in_shape, out_shape) -> AxisMap:
    """wiring.broadcast_to's wiring (equal ranks): an input axis of size 1 is read at 0."""
    ones = {j: 0 for j, d in enumerate(in_shape) if d == 1}
    return AxisMap.identity(out_shape, in_shape, range(len(in_shape)), step=ones)


def reduce_window_map(in_shape, axes) -> AxisMap | None:
    """wiring.reduce_windows' wiring when one axis is reduced (moved last), else None (the
    reduced axes' row-major flattening does not factor over the padded axes)."""
    if len(axes) != 1:
        return None
    kept = [a for a in range(len(in_shape)) if a not in axes]
    perm = (*kept, axes[0])
    return AxisMap.identity(tuple(in_shape[a] for a in perm), in_shape, perm)


def axis_sum(ext: ExtField, z, rho, lo: int, count: int, offset: int, step: int):
    """Σ_{i<count} eq(z, lo + i)·eq(ρ, offset + step·i)."""
    if lo == 0 and offset == 0 and step == 1:
        return diagonal_sum(ext, z, rho, count)
    if step == 0:
        sums = eq_prefix_sums(ext, z)
        block = ext.sub(sums(lo + count)[0], sums(lo)[0])
        return ext.mul(block, eq_eval_index(ext, rho, offset))
    e_z, e_rho = eq_list(ext, z), eq_list(ext, rho)
    acc = ext.zero
    for i in range(count):
        acc = ext.add(acc, ext.mul(e_z[lo + i], e_rho[offset + step * i]))
    return acc


def _axis_map_weight(ext: ExtField, form: AxisMap, z_out, z_in) -> tuple:
    z, rho = Layout(form.out_shape).split(z_out), Layout(form.in_shape).split(z_in)
    acc = ext.one
    for j, a in enumerate(form.perm):
        acc = ext.mul(acc, axis_sum(ext, z[j], rho[a], form.lo[j], form.count[j],
                                    form.offset[j], form.step[j]))
    return tuple(acc)
