"""One numba call per sumcheck round: fold at the last challenge, then the next round polynomial.

The generic prover (``sumcheck.py``) spends ~20 small vector operations per round; at the sizes
of most rounds (tables of 2 to 2^12 entries) their call overhead is the whole cost. This kernel
does a round in one pass over the tables, for any g = sum_t c_t prod_{i in S_t} f_i (degree <= 8)
and an optional eq(z, x) factor handled as in ``sumcheck._EqFactor`` (Gruen, ePrint 2024/108,
§3.2), with K2/K3 arithmetic inlined:

  1. (rounds i >= 1) C_i = s_{i-1}(r_{i-1}) (monomial matrix V of the nodes 0..d, then Horner);
     alpha *= eq(z_{i-1}, r_{i-1}); every table folded, T'[e] = T[2e] + r (T[2e+1] - T[2e]),
     F tables becoming K tables; the eq weights halved, E'[y] = E[2y] + E[2y+1];
  2. for each pair y: lo = T[2y], diff = T[2y+1] - T[2y] of every table, g(lo + t diff) for the
     nodes t the round needs (t = 1 is skipped when C_i gives it), times E[y] with an eq factor;
  3. the evaluations s_i(0..d): s(1) = C_i - s(0); with eq, q(1) = (C_i - a0 q(0)) / (a0 + a1)
     when alpha z_i != 0, q(d) by extrapolation from q(0..d-1), s(t) = (a0 + t a1) q(t) with
     a0 = alpha (1 - z_i), a1 = alpha (2 z_i - 1).
The evaluations are exact field values, so the proof bytes equal the generic prover's
(``test_sumcheck_kernels.py::*_matches_generic``).

Arrays (uint64 unless noted): tf (mf, n) F tables; tk (mk, n k) K tables (rows flat); src (int64,
m): table j is tk[src[j]] if src[j] >= 0 else tf[-src[j] - 1]; terms as tptr (int64, T + 1) and
tidx (int64) with table indices, coef (T k) and cone (uint8, T: 1 where c_t = 1); zs (n_vars k) the
eq point; E (n/2 k) eq weights; V ((d+1)^2, row-major) and xw (d: weights of q(d) from q(0..d-1))
and frob (k^2: Frobenius constants g^(ij)) in F; meta (int64): [degree, has_eq, round i, do_fold,
has_running]; st (2k): C_i, alpha (updated in place); r (k); evals ((d+1) k: in, s_{i-1}; out,
s_i); out_tk (m, n' k) and out_E: the folded tables and weights.

Compile time: the K products are small non-inlined functions (scalar arguments, no reference
counting); inlining them everywhere made numba's compile take minutes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..field.kernels import fadd, fmul, fpow, fsub, k_prod, kernel
from ..transcript.sponge_kernels import sponge_draw_f, sponge_message

_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_PM2 = np.uint64(2**64 - 2**32 - 1)  # p - 2

MAX_DEGREE = 8
"""Largest round degree of the kernel (scratch sizes); higher degrees use the generic prover."""


@njit(inline="always")
def _kmul(a, ao, b, bo, out, oo, k):
    """out[oo:oo+k] = a[ao:ao+k] * b[bo:bo+k] in K (out may alias a or b)."""
    c2 = 2 if k == 3 else 0  # the third coefficient (ignored for k = 2)
    c0, c1, c3 = k_prod(a[ao], a[ao + 1], a[ao + c2], b[bo], b[bo + 1], b[bo + c2], k)
    out[oo] = c0
    out[oo + 1] = c1
    if k == 3:
        out[oo + 2] = c3


@njit(inline="always")
def _kscale(a, ao, s, out, oo, k):
    """out[oo:oo+k] = a[ao:ao+k] * s for an F element s."""
    for c in range(k):
        out[oo + c] = fmul(a[ao + c], s)


@njit(inline="always")
def _kinv(a, frob, out, k):
    """out = 1/a in K by the norm: conj = phi(a)...phi^(k-1)(a), 1/a = conj / (a conj)[0]."""
    conj = np.zeros(k, dtype=np.uint64)
    tmp = np.zeros(k, dtype=np.uint64)
    for c in range(k):
        conj[c] = fmul(a[c], frob[k + c])
    for j in range(2, k):
        for c in range(k):
            tmp[c] = fmul(a[c], frob[j * k + c])
        _kmul(conj, 0, tmp, 0, conj, 0, k)
    _kmul(a, 0, conj, 0, tmp, 0, k)
    _kscale(conj, 0, fpow(tmp[0], _PM2), out, 0, k)


@njit(inline="always")
def _interp(evals, d, V, r, out, k):
    """out = s(r) for s of degree <= d given by evals (values at 0..d): c = V s, then Horner."""
    coeffs = np.zeros((d + 1) * k, dtype=np.uint64)
    for m in range(d + 1):
        for i in range(d + 1):
            w = V[m * (d + 1) + i]
            for c in range(k):
                coeffs[m * k + c] = fadd(coeffs[m * k + c], fmul(w, evals[i * k + c]))
    for c in range(k):
        out[c] = coeffs[d * k + c]
    for m in range(d - 1, -1, -1):
        _kmul(out, 0, r, 0, out, 0, k)
        for c in range(k):
            out[c] = fadd(out[c], coeffs[m * k + c])


@njit(inline="always")
def _eq_update(alpha, z, zo, r, k):
    """alpha *= eq(z, r) = 1 - z - r + 2 z r."""
    e = np.zeros(k, dtype=np.uint64)
    _kmul(z, zo, r, 0, e, 0, k)
    for c in range(k):
        e[c] = fsub(fadd(e[c], e[c]), fadd(z[zo + c], r[c]))
    e[0] = fadd(e[0], _ONE)
    _kmul(alpha, 0, e, 0, alpha, 0, k)


@njit(cache=True)
def _pass(tf, tk, src, tptr, tidx, coef, cone, E, out_E, r, out_tk, flags, half, acc, k):
    """Steps 1 (fold, if flags[0]) and 2 of the module docstring over all pairs y < half.

    flags = [do_fold, has_eq, npts, skip1]. Scratch K values are rows of 3 (k = 2 uses 2).
    """
    do_fold, has_eq, npts, skip1 = flags[0], flags[1], flags[2], flags[3]
    m = src.shape[0]
    lo = np.zeros((m, 3), dtype=np.uint64)
    df = np.zeros((m, 3), dtype=np.uint64)
    cur = np.zeros((m, 3), dtype=np.uint64)
    isb = np.zeros(m, dtype=np.uint8)
    r0 = r[0]
    r1 = r[1]
    r2 = r[2] if k == 3 else _ZERO
    for y in range(half):
        for j in range(m):
            s = src[j]
            if not do_fold:  # load lo, diff straight from the tables
                if s >= 0:
                    for c in range(k):
                        a = tk[s, 2 * y * k + c]
                        lo[j, c] = a
                        df[j, c] = fsub(tk[s, (2 * y + 1) * k + c], a)
                    isb[j] = 0
                else:
                    a = tf[-s - 1, 2 * y]
                    lo[j, 0] = a
                    df[j, 0] = fsub(tf[-s - 1, 2 * y + 1], a)
                    isb[j] = 1
                continue
            for h in range(2):  # fold entries e = 2y, 2y + 1 of the next level at r
                e = 2 * y + h
                if s >= 0:
                    x0 = tk[s, 2 * e * k]
                    x1 = tk[s, 2 * e * k + 1]
                    x2 = tk[s, 2 * e * k + 2] if k == 3 else _ZERO
                    d0 = fsub(tk[s, (2 * e + 1) * k], x0)
                    d1 = fsub(tk[s, (2 * e + 1) * k + 1], x1)
                    d2 = fsub(tk[s, (2 * e + 1) * k + 2], x2) if k == 3 else _ZERO
                    m0, m1, m2 = k_prod(d0, d1, d2, r0, r1, r2, k)
                    f0 = fadd(x0, m0)
                    f1 = fadd(x1, m1)
                    f2 = fadd(x2, m2)
                else:
                    x0 = tf[-s - 1, 2 * e]
                    d0 = fsub(tf[-s - 1, 2 * e + 1], x0)
                    f0 = fadd(x0, fmul(r0, d0))
                    f1 = fmul(r1, d0)
                    f2 = fmul(r2, d0)
                out_tk[j, e * k] = f0
                out_tk[j, e * k + 1] = f1
                if k == 3:
                    out_tk[j, e * k + 2] = f2
                if h == 0:
                    lo[j, 0] = f0
                    lo[j, 1] = f1
                    lo[j, 2] = f2
                else:
                    df[j, 0] = fsub(f0, lo[j, 0])
                    df[j, 1] = fsub(f1, lo[j, 1])
                    df[j, 2] = fsub(f2, lo[j, 2])
            isb[j] = 0
        if has_eq:
            if do_fold:
                for c in range(k):
                    out_E[y * k + c] = fadd(E[2 * y * k + c], E[(2 * y + 1) * k + c])
                w0 = out_E[y * k]
                w1 = out_E[y * k + 1]
                w2 = out_E[y * k + 2] if k == 3 else _ZERO
            else:
                w0 = E[y * k]
                w1 = E[y * k + 1]
                w2 = E[y * k + 2] if k == 3 else _ZERO
        else:
            w0 = _ONE
            w1 = _ZERO
            w2 = _ZERO
        for j in range(m):
            for c in range(3):
                cur[j, c] = lo[j, c]
        for t in range(npts):
            if t >= 1:
                for j in range(m):
                    for c in range(3):
                        cur[j, c] = fadd(cur[j, c], df[j, c])
            if t == 1 and skip1:
                continue
            g0 = _ZERO
            g1 = _ZERO
            g2 = _ZERO
            for term in range(tptr.shape[0] - 1):
                j0 = tidx[tptr[term]]
                p0 = cur[j0, 0]
                p1 = cur[j0, 1]
                p2 = cur[j0, 2]
                pb = isb[j0]
                for q in range(tptr[term] + 1, tptr[term + 1]):
                    j = tidx[q]
                    if isb[j]:
                        v = cur[j, 0]
                        p0 = fmul(p0, v)
                        p1 = fmul(p1, v)
                        p2 = fmul(p2, v)
                    elif pb:
                        v = p0
                        p0 = fmul(cur[j, 0], v)
                        p1 = fmul(cur[j, 1], v)
                        p2 = fmul(cur[j, 2], v)
                        pb = 0
                    else:
                        p0, p1, p2 = k_prod(p0, p1, p2, cur[j, 0], cur[j, 1], cur[j, 2], k)
                if not cone[term]:
                    c0 = coef[term * k]
                    c1 = coef[term * k + 1]
                    c2 = coef[term * k + 2] if k == 3 else _ZERO
                    if pb:
                        v = p0
                        p0 = fmul(c0, v)
                        p1 = fmul(c1, v)
                        p2 = fmul(c2, v)
                    else:
                        p0, p1, p2 = k_prod(p0, p1, p2, c0, c1, c2, k)
                g0 = fadd(g0, p0)
                g1 = fadd(g1, p1)
                g2 = fadd(g2, p2)
            if has_eq:
                g0, g1, g2 = k_prod(g0, g1, g2, w0, w1, w2, k)
            acc[t * k] = fadd(acc[t * k], g0)
            acc[t * k + 1] = fadd(acc[t * k + 1], g1)
            if k == 3:
                acc[t * k + 2] = fadd(acc[t * k + 2], g2)


@njit(cache=True)
def _finish(acc, degree, has_eq, skip1, st, zs, zo, frob, xw, evals, k):
    """Round evaluations s(0..degree) from the accumulated sums (module docstring, step 3)."""
    if not has_eq:
        for t in range(degree + 1):
            for c in range(k):
                evals[t * k + c] = acc[t * k + c]
        if skip1:
            for c in range(k):
                evals[k + c] = fsub(st[c], acc[c])
        return
    a0 = np.empty(k, dtype=np.uint64)
    a1 = np.empty(k, dtype=np.uint64)
    for c in range(k):  # a0 = alpha (1 - z), a1 = alpha (2z - 1)
        a0[c] = fsub(_ZERO, zs[zo + c])
        a1[c] = fadd(zs[zo + c], zs[zo + c])
    a0[0] = fadd(a0[0], _ONE)
    a1[0] = fsub(a1[0], _ONE)
    _kmul(a0, 0, st, k, a0, 0, k)
    _kmul(a1, 0, st, k, a1, 0, k)
    if skip1:  # q(1) = (C - a0 q(0)) / (a0 + a1), a0 + a1 = alpha z != 0
        num = np.empty(k, dtype=np.uint64)
        den = np.empty(k, dtype=np.uint64)
        _kmul(a0, 0, acc, 0, num, 0, k)
        for c in range(k):
            num[c] = fsub(st[c], num[c])
            den[c] = fadd(a0[c], a1[c])
        _kinv(den, frob, den, k)
        _kmul(num, 0, den, 0, acc, k, k)
    for c in range(k):  # q(degree) from q(0..degree-1)
        acc[degree * k + c] = _ZERO
    for i in range(degree):
        for c in range(k):
            acc[degree * k + c] = fadd(acc[degree * k + c], fmul(xw[i], acc[i * k + c]))
    lin = np.empty(k, dtype=np.uint64)
    for t in range(degree + 1):
        for c in range(k):
            lin[c] = fadd(a0[c], fmul(a1[c], np.uint64(t)))
        _kmul(lin, 0, acc, t * k, evals, t * k, k)


@njit(inline="always")
def _last_fold(tf, tk, src, r, out_tk, k):
    """out_tk[j] = T_j[0] + r (T_j[1] - T_j[0]) for tables of two entries."""
    for j in range(src.shape[0]):
        s = src[j]
        for c in range(k):
            if s >= 0:
                a, b = tk[s, c], tk[s, k + c]
            else:
                a = tf[-s - 1, 0] if c == 0 else _ZERO
                b = tf[-s - 1, 1] if c == 0 else _ZERO
            out_tk[j, c] = fsub(b, a)
        t = np.empty(k, dtype=np.uint64)
        for c in range(k):
            t[c] = out_tk[j, c]
        _kmul(t, 0, r, 0, t, 0, k)
        for c in range(k):
            a = tk[s, c] if s >= 0 else (tf[-s - 1, 0] if c == 0 else _ZERO)
            out_tk[j, c] = fadd(t[c], a)


@njit(cache=True)
def _step(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, r, evals,
          out_tk, out_E, k):
    degree, has_eq, i, do_fold, has_running = meta[0], meta[1], meta[2], meta[3], meta[4]
    n = tf.shape[1] if tk.shape[0] == 0 else tk.shape[1] // k  # entries per input table
    if do_fold:
        _interp(evals, degree, V, r, st, k)
        if has_eq:
            _eq_update(st[k:], zs, (i - 1) * k, r, k)
        n = n // 2
    half = n // 2
    if half == 0:  # the last fold: one entry per table, no round left
        _last_fold(tf, tk, src, r, out_tk, k)
        return
    skip1 = has_running
    if has_eq and skip1:  # q(1) is derivable only when alpha z_i != 0
        nz = False
        na = False
        for c in range(k):
            nz = nz or zs[i * k + c] != _ZERO
            na = na or st[k + c] != _ZERO
        skip1 = 1 if nz and na else 0
    npts = degree if has_eq else degree + 1
    acc = np.zeros((degree + 1) * k, dtype=np.uint64)
    flags = np.array([do_fold, has_eq, npts, skip1], dtype=np.int64)
    _pass(tf, tk, src, tptr, tidx, coef, cone, E, out_E, r, out_tk, flags, half, acc, k)
    _finish(acc, degree, has_eq, skip1, st, zs, i * k, frob, xw, evals, k)


@njit(cache=True)
def _rounds(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, evals, labels,
            lab_off, lab0, state, sent, sent0, point, finals, k):
    """All rounds left, with the transcript's records (``transcript.sponge_kernels``) in the loop:
    round j sends s_j under label lab0 + 2j (labels[lab_off[i]:lab_off[i+1]] is label i), draws
    r_j under label lab0 + 2j + 1, then folds at r_j and computes s_{j+1} (``_step``). Writes the
    messages (sent, from word sent0), the challenges (point) and the final table values
    (finals); meta[2] is the first round, meta[5] the number of rounds."""
    m = src.shape[0]
    n = tf.shape[1] if tk.shape[0] == 0 else tk.shape[1] // k
    start, n_rounds = meta[2], meta[5]
    width = evals.shape[0]
    longest = 0
    for j in range(lab0, lab0 + 2 * n_rounds):
        longest = max(longest, lab_off[j + 1] - lab_off[j])
    scratch = np.empty(45 + longest + 8 * width, dtype=np.uint8)
    r = np.zeros(k, dtype=np.uint64)
    _step(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, r, evals,
          np.empty((0, 0), dtype=np.uint64), np.empty(0, dtype=np.uint64), k)
    for j in range(n_rounds):
        lab = lab0 + 2 * j
        sponge_message(state, labels[lab_off[lab] : lab_off[lab + 1]], evals, scratch)
        sent[sent0 + j * width : sent0 + (j + 1) * width] = evals
        sponge_draw_f(state, labels[lab_off[lab + 1] : lab_off[lab + 2]], r, scratch)
        point[j * k : (j + 1) * k] = r
        size = n >> (j + 1)  # entries per table after folding at r
        out_tk = np.empty((m, size * k), dtype=np.uint64)
        out_E = np.empty((size // 2) * k if E.shape[0] else 0, dtype=np.uint64)
        meta[2] = start + j + 1
        meta[3] = 1
        meta[4] = 1
        _step(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, r, evals,
              out_tk, out_E, k)
        tf = np.empty((0, 0), dtype=np.uint64)
        tk = out_tk
        E = out_E
        src = np.arange(m)
    finals[:] = tk.reshape(-1)


@kernel("void(uint64[:, ::1], uint64[:, ::1], int64[::1], int64[::1], int64[::1], uint64[::1], "
        "uint8[::1], uint64[::1], uint64[::1], uint64[::1], uint64[::1], uint64[::1], int64[::1], "
        "uint64[::1], uint64[::1], uint64[::1], uint64[:, ::1], uint64[::1], uint8[::1], "
        "int64[::1], uint8[::1], uint64[::1], uint64[::1], uint64[::1])")
def sumcheck_kernel(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, r, evals,
                    out_tk, out_E, labels, lab_off, state, sent, point, finals):
    """meta[6] = 0: one round (``_step``: fold at r into out_tk, out_E, then the next evals);
    meta[6] = 1: every round left with the transcript inside (``_rounds``; r, out_tk, out_E
    unused). K of degree len(r) = 2 or 3. One entry point: each compiled kernel costs seconds."""
    k = r.shape[0]
    if meta[6] == 0:
        _step(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, r, evals,
              out_tk, out_E, k)
    else:
        _rounds(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, evals,
                labels, lab_off, 0, state, sent, 0, point, finals, k)
