"""Window geometry of ONNX Conv and pooling: explicit pads from auto_pad and ceil_mode, and the
divisor of each average-pooling window.

``window_pads`` returns (top, left, bottom, right) such that the floor formula
out = (H + top + bottom − k) // s + 1 gives ONNX's output size; ceil_mode becomes extra
bottom/right padding (``extra``) that no divisor counts.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import UnsupportedOpError


def _pair(v, default: int, name: str, node: str) -> tuple[int, int]:
    v = list(v) if v is not None else [default, default]
    if len(v) != 2:
        raise UnsupportedOpError(f"node {node!r}: only 2-D windows are supported ({name}={v})")
    return int(v[0]), int(v[1])


def window_pads(hw: tuple[int, int], kernel, strides, pads, auto_pad: str, ceil_mode: int,
                dilations, node: str) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """(pads (t, l, b, r) including ceil-mode padding, extra (b, r) due to ceil mode)."""
    k = _pair(kernel, 1, "kernel_shape", node)
    s = _pair(strides, 1, "strides", node)
    if _pair(dilations, 1, "dilations", node) != (1, 1):
        raise UnsupportedOpError(f"node {node!r}: dilations other than 1 are not supported")
    auto = auto_pad.decode() if isinstance(auto_pad, bytes) else (auto_pad or "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        total = [max((math.ceil(hw[i] / s[i]) - 1) * s[i] + k[i] - hw[i], 0) for i in range(2)]
        small = [t // 2 for t in total]
        big = [t - t // 2 for t in total]
        head, tail = (small, big) if auto == "SAME_UPPER" else (big, small)
        p = [head[0], head[1], tail[0], tail[1]]
    elif auto == "VALID":
        p = [0, 0, 0, 0]
    elif auto == "NOTSET":
        p = [int(x) for x in pads] if pads is not None else [0, 0, 0, 0]
        if len(p) != 4:
            raise UnsupportedOpError(f"node {node!r}: only 2-D windows are supported (pads={p})")
    else:
        raise UnsupportedOpError(f"node {node!r}: unknown auto_pad {auto!r}")
    extra = [0, 0]
    if ceil_mode:
        for i in range(2):
            span = hw[i] + p[i] + p[i + 2] - k[i]
            out = -(-span // s[i]) + 1
            if (out - 1) * s[i] >= hw[i] + p[i]:  # a window may not start in the end padding
                out -= 1
            extra[i] = max((out - 1) * s[i] + k[i] - (hw[i] + p[i] + p[i + 2]), 0)
    return (p[0], p[1], p[2] + extra[0], p[3] + extra[1]), (extra[0], extra[1])


def window_counts(hw: tuple[int, int], kernel, strides, pads, extra, include_pad: bool
                  ) -> np.ndarray:
    """(OH, OW) number of elements each average-pooling window divides by."""
    t, left, b, r = pads
    mask = np.zeros((hw[0] + t + b, hw[1] + left + r))
    if include_pad:
        mask[: mask.shape[0] - extra[0], : mask.shape[1] - extra[1]] = 1.0
    else:
        mask[t : t + hw[0], left : left + hw[1]] = 1.0
    win = sliding_window_view(mask, tuple(kernel))[:: strides[0], :: strides[1]]
    return win.sum(axis=(-2, -1))


def windows(x: np.ndarray, kernel, strides, pads, fill: float) -> np.ndarray:
    """(N, C, OH, OW, KH, KW) view of the padded input's windows (float reference ops)."""
    t, left, b, r = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (left, r)), constant_values=fill)
    return sliding_window_view(xp, tuple(kernel), axis=(2, 3))[:, :, :: strides[0], :: strides[1]]
