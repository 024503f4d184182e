"""Numba kernels of the multilinear-table helpers in ``mle.py`` (vector side, prover and PCS).

``eq_table_kernel`` builds init * eq(z, x) over x in {0,1}^n by the doubling of ``mle.eq_table``
in one call: after z_0..z_{j-1} the first 2^j entries are indexed by x_0..x_{j-1}; z_j adds the
most significant bit, upper half = table * z_j, lower half = table - upper half. One product in
K per entry in all (2^n), where the vectorized version paid ~3 calls per variable.
``fold_kernel`` fixes the lowest variables of a table one after the other in one call (``fold``,
``fold_low``, ``evaluate``): the vectorized folds cost ~10 Python calls and copies per variable.
Both kernels first pin k (the row width) to 1, 2 or 3: LLVM then unrolls the loops over a row,
where for an unknown k it vectorized and unrolled each into ~30 times its code (compile time).
"""

from __future__ import annotations

import numpy as np

from ..field.kernels import fadd, fmul, fsub, k2_prod, k3_prod, kernel


@kernel("void(uint64[::1], uint64[::1], uint64[::1])")
def eq_table_kernel(zs, init, out):
    """out (2^n rows of k = len(init) coefficients, flat) = init * eq(z, .); zs = z flat (n k)."""
    k = init.shape[0]
    k = 3 if k == 3 else (2 if k == 2 else 1)  # 1, 2 or 3, known to LLVM (module docstring)
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


@kernel("void(uint64[::1], int64, uint64[::1], int64, uint64[::1])")
def fold_kernel(T, ka, zs, k, out):
    """Fold the lowest len(zs) / k variables of T at zs (x_0 first): out = T~(zs, .) as rows of k.

    T has ka coefficients per entry (1: an F table, or k); the result is in the field of degree k
    (k = 1: F). Each fold T'[i] = T[2i] + r (T[2i+1] - T[2i]) runs in place in one buffer (entry
    i is written after entries 2i, 2i + 1 were read)."""
    k = 3 if k == 3 else (2 if k == 2 else 1)  # 1, 2 or 3, known to LLVM (module docstring)
    n = T.shape[0] // ka
    nv = zs.shape[0] // k
    buf = np.empty(max(n // 2, 1) * k, dtype=np.uint64)
    for j in range(nv):
        src = T if j == 0 else buf
        sa = ka if j == 0 else k
        o = j * k
        half = n >> (j + 1)
        if sa == 1:  # F entries (k = 1: an F fold; else F into K)
            for i in range(half):
                a = src[2 * i]
                d = fsub(src[2 * i + 1], a)
                for c in range(k):
                    buf[i * k + c] = fmul(zs[o + c], d)
                buf[i * k] = fadd(buf[i * k], a)
        elif k == 2:
            for i in range(half):
                x = 4 * i
                a0, a1 = src[x], src[x + 1]
                p0, p1 = k2_prod(fsub(src[x + 2], a0), fsub(src[x + 3], a1), zs[o], zs[o + 1])
                buf[2 * i] = fadd(a0, p0)
                buf[2 * i + 1] = fadd(a1, p1)
        else:
            for i in range(half):
                x = 6 * i
                a0, a1, a2 = src[x], src[x + 1], src[x + 2]
                p0, p1, p2 = k3_prod(fsub(src[x + 3], a0), fsub(src[x + 4], a1),
                                     fsub(src[x + 5], a2), zs[o], zs[o + 1], zs[o + 2])
                buf[3 * i] = fadd(a0, p0)
                buf[3 * i + 1] = fadd(a1, p1)
                buf[3 * i + 2] = fadd(a2, p2)
    for i in range(out.shape[0]):  # a loop: a slice assignment compiles numba's error formatting
        out[i] = buf[i]
