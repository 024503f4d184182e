"""Numba kernels of the multilinear-table helpers in ``mle.py`` (vector side, prover and PCS).

``eq_table_kernel`` builds init * eq(z, x) over x in {0,1}^n by the doubling of ``mle.eq_table``
in one call: after z_0..z_{j-1} the first 2^j entries are indexed by x_0..x_{j-1}; z_j adds the
most significant bit, upper half = table * z_j, lower half = table - upper half. One product in
K per entry in all (2^n), where the vectorized version paid ~3 calls per variable.
"""

from __future__ import annotations

from ..field.kernels import fmul, fsub, k2_prod, k3_prod, kernel


@kernel("void(uint64[::1], uint64[::1], uint64[::1])")
def eq_table_kernel(zs, init, out):
    """out (2^n rows of k = len(init) coefficients, flat) = init * eq(z, .); zs = z flat (n k)."""
    k = init.shape[0]
    n = zs.shape[0] // k
    for c in range(k):
        out[c] = init[c]
    size = 1
    for j in range(n):
        o = j * k
        for i in range(size):
            a = i * k
            b = (i + size) * k
            if k == 1:
                out[b] = fmul(out[a], zs[o])
            elif k == 2:
                out[b], out[b + 1] = k2_prod(out[a], out[a + 1], zs[o], zs[o + 1])
            else:
                out[b], out[b + 1], out[b + 2] = k3_prod(out[a], out[a + 1], out[a + 2],
                                                         zs[o], zs[o + 1], zs[o + 2])
            for c in range(k):
                out[a + c] = fsub(out[a + c], out[b + c])
        size *= 2
