"""Merkle leaves of the encoded matrix: its columns as big-endian bytes, by one numba transpose.

Leaf c is the column M^[:, c] as 8-byte big-endian F elements (``verifier.pcs.ligero``), i.e.
row c of the transposed matrix; writing it straight into a (N, 8R) uint8 array avoids a numpy
transpose plus a byte-swap copy of the whole encoded matrix.
"""

from __future__ import annotations

import numpy as np

from ...field.jit import kernel

_TILE = 64
"""Columns per tile: the tile's slice of every row (64 x 8 bytes) is reused from cache. Serial:
threads cost ~5 ms per call here and gained nothing at 2^22 entries on 2 cores."""


@kernel("void(uint64[:, ::1], uint8[:, ::1])")
def _columns_be_kernel(enc, out):
    rows, n = enc.shape
    for tile in range((n + _TILE - 1) // _TILE):
        for c in range(tile * _TILE, min(n, (tile + 1) * _TILE)):
            for i in range(rows):
                x = enc[i, c]
                for j in range(8):
                    out[c, 8 * i + j] = np.uint8((x >> np.uint64(56 - 8 * j)) & np.uint64(0xFF))


def column_leaf_bytes(encoded: np.ndarray) -> np.ndarray:
    """(R, N) uint64 encoded matrix -> (N, 8R) uint8: leaf c = column c, big-endian."""
    encoded = np.ascontiguousarray(encoded, dtype=np.uint64)
    out = np.empty((encoded.shape[1], 8 * encoded.shape[0]), dtype=np.uint8)
    _columns_be_kernel(encoded, out)
    return out
