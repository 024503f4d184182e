"""Wiring maps of the gather steps: which input entry each output entry copies.

A wiring is a pair of int64 arrays (out_pos, in_pos) over *padded, per-sample* flat positions
(see layout.py): output entry out_pos[i] equals input entry in_pos[i]; output entries not listed
are zero. Everything here is vectorized index arithmetic on numpy arrays.
"""

from __future__ import annotations

import numpy as np

from .layout import Layout


def padded_flat_index(layout: Layout, idx: tuple[np.ndarray, ...]) -> np.ndarray:
    """Flat position in the padded layout of the multi-index `idx` (one array per axis)."""
    pos = np.zeros(np.broadcast(*idx).shape, dtype=np.int64)
    for size, coord in zip(layout.padded, idx):
        pos = pos * size + coord
    return pos


def _grid(shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    return tuple(np.indices(shape, dtype=np.int64).reshape(len(shape), -1))


def conv_out_size(n: int, k: int, stride: int, pad_lo: int, pad_hi: int) -> int:
    return (n + pad_lo + pad_hi - k) // stride + 1


def im2col(in_shape, kernel, strides, pads):
    """Wiring of x (C, H, W) → patches (OH, OW, C, KH·KW) of a 2-D convolution.

    pads = (top, left, bottom, right); out-of-range reads are zeros (left out of the wiring).
    Returns (out_shape, (out_pos, in_pos)).
    """
    c, h, w = in_shape
    kh, kw = kernel
    oh = conv_out_size(h, kh, strides[0], pads[0], pads[2])
    ow = conv_out_size(w, kw, strides[1], pads[1], pads[3])
    out_shape = (oh, ow, c, kh * kw)
    i_oh, i_ow, i_c, i_u = _grid(out_shape)
    ih = i_oh * strides[0] + i_u // kw - pads[0]
    iw = i_ow * strides[1] + i_u % kw - pads[1]
    ok = (ih >= 0) & (ih < h) & (iw >= 0) & (iw < w)
    out_pos = padded_flat_index(Layout(out_shape), (i_oh, i_ow, i_c, i_u))[ok]
    in_pos = padded_flat_index(Layout(in_shape), (i_c[ok], ih[ok], iw[ok]))
    return out_shape, (out_pos, in_pos)


def windows(in_shape, kernel, strides, pads):
    """Wiring of x (C, H, W) → windows (C, OH, OW, KH·KW) of a pooling layer."""
    c, h, w = in_shape
    kh, kw = kernel
    oh = conv_out_size(h, kh, strides[0], pads[0], pads[2])
    ow = conv_out_size(w, kw, strides[1], pads[1], pads[3])
    out_shape = (c, oh, ow, kh * kw)
    i_c, i_oh, i_ow, i_u = _grid(out_shape)
    ih = i_oh * strides[0] + i_u // kw - pads[0]
    iw = i_ow * strides[1] + i_u % kw - pads[1]
    ok = (ih >= 0) & (ih < h) & (iw >= 0) & (iw < w)
    out_pos = padded_flat_index(Layout(out_shape), (i_c, i_oh, i_ow, i_u))[ok]
    in_pos = padded_flat_index(Layout(in_shape), (i_c[ok], ih[ok], iw[ok]))
    return out_shape, (out_pos, in_pos)


def _row_major_positions(shape, flat: np.ndarray) -> np.ndarray:
    """Padded flat positions of the row-major indices `flat` of `shape` (rank 0: one entry,
    at position 0; np.unravel_index rejects an empty shape)."""
    if len(shape) == 0:
        return np.zeros_like(flat)
    return padded_flat_index(Layout(tuple(shape)), np.unravel_index(flat, tuple(shape)))


def reshape(in_shape, out_shape):
    """Wiring of a row-major reshape (either shape may be rank 0, e.g. a full reduction)."""
    n = int(np.prod(in_shape, dtype=np.int64))
    flat = np.arange(n, dtype=np.int64)
    return _row_major_positions(out_shape, flat), _row_major_positions(in_shape, flat)


def is_identity(wiring, in_layout: Layout, out_layout: Layout) -> bool:
    """True when the wiring is a pure relabeling (same padded positions, same size)."""
    out_pos, in_pos = wiring
    return in_layout.n_vars == out_layout.n_vars and bool(np.array_equal(out_pos, in_pos))


def concat(in_shapes, axis: int):
    """Wirings of a concatenation along `axis`: one (out_pos, in_pos) per source."""
    out_shape = list(in_shapes[0])
    out_shape[axis] = sum(s[axis] for s in in_shapes)
    out_layout = Layout(tuple(out_shape))
    wirings, offset = [], 0
    for shape in in_shapes:
        idx = _grid(tuple(shape))
        shifted = tuple(ix + offset if a == axis else ix for a, ix in enumerate(idx))
        wirings.append((padded_flat_index(out_layout, shifted),
                        padded_flat_index(Layout(tuple(shape)), idx)))
        offset += shape[axis]
    return tuple(out_shape), wirings


def strided_slice(in_shape, starts, ends, steps):
    """Wiring of x[starts:ends:steps] (one slice per axis, positive steps)."""
    out_shape = tuple(len(range(s, e, st)) for s, e, st in zip(starts, ends, steps))
    idx = _grid(out_shape)
    src = tuple(s + i * st for i, s, st in zip(idx, starts, steps))
    return out_shape, (padded_flat_index(Layout(out_shape), idx),
                       padded_flat_index(Layout(tuple(in_shape)), src))


def broadcast_to(in_shape, out_shape):
    """Wiring of numpy broadcast_to for equal ranks (size-1 axes repeat)."""
    idx = _grid(tuple(out_shape))
    src = tuple(np.zeros_like(i) if d == 1 else i for i, d in zip(idx, in_shape))
    return (padded_flat_index(Layout(tuple(out_shape)), idx),
            padded_flat_index(Layout(tuple(in_shape)), src))


def reduce_windows(in_shape, axes):
    """Wiring x → (kept axes…, U) with the reduced axes flattened into the last axis U."""
    kept = [a for a in range(len(in_shape)) if a not in axes]
    u = int(np.prod([in_shape[a] for a in axes], dtype=np.int64))
    out_shape = (*(in_shape[a] for a in kept), u)
    idx = _grid(out_shape)
    src = [None] * len(in_shape)
    for j, a in enumerate(kept):
        src[a] = idx[j]
    rest = np.unravel_index(idx[-1], tuple(in_shape[a] for a in axes))
    for a, r in zip(axes, rest):
        src[a] = r.astype(np.int64)
    return out_shape, (padded_flat_index(Layout(out_shape), idx),
                       padded_flat_index(Layout(tuple(in_shape)), tuple(src)))
