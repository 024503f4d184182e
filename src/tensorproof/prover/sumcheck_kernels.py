"""The fused sumcheck rounds in numba: fold at the last challenge, then the next round polynomial.

The generic prover (``sumcheck.py``) spends ~20 small vector operations per round; at the sizes
of most rounds (tables of 2 to 2^12 entries) their call overhead is the whole cost. Here a round
is one pass over the tables (``run_rounds``, called through ``fused_kernel``), for any
g = sum_t c_t prod_{i in S_t} f_i (degree <= 8) and an optional eq(z, x) factor handled as in
``sumcheck._EqFactor`` (Gruen, ePrint 2024/108, §3.2), in K2 or K3:

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
has_running, rounds]; st (2k): C_i, alpha (updated in place); r (k); evals ((d+1) k: in, s_{i-1};
out, s_i); out_tk (m, n' k) and out_E: the folded tables and weights.

Compile time (a cold first run compiles all of this; ``field.jit.helper`` says why): the
functions are helpers (no Python entry point), numba inlines only ``run_rounds`` (one call site,
in ``fused_kernel``), K products are out-of-line intrinsics (``field.intrinsics``), arrays are
copied by loops (a slice assignment compiles numba's shape-mismatch message formatting, ~3 s
once a process), offsets are int64 (``_AT0``: a literal 0 compiles a helper again), and each
function begins with ``k = 3 if k == 3 else 2``: K's degree is 2 or 3, and with that range known
LLVM unrolls the loops over a K element's coefficients, where for an unknown k it vectorized and
unrolled each 2-or-3-step loop into ~30 times its code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..field.jit import helper
from ..field.kernels import fadd, fmul, fpow, fsub, k_prod
from ..transcript.sponge_kernels import sponge_draw_f, sponge_message

_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_PM2 = np.uint64(2**64 - 2**32 - 1)  # p - 2

_AT0 = np.int64(0)
"""Offset 0 for ``_kmul``: an int64 (a literal 0 would compile _kmul once more per pattern)."""

MAX_DEGREE = 8
"""Largest round degree of the kernel (scratch sizes); higher degrees use the generic prover."""


@helper
def _kmul(a, ao, b, bo, out, oo, k):
    """out[oo:oo+k] = a[ao:ao+k] * b[bo:bo+k] in K (out may alias a or b)."""
    c2 = 2 if k == 3 else 0  # the third coefficient (ignored for k = 2)
    c0, c1, c3 = k_prod(a[ao], a[ao + 1], a[ao + c2], b[bo], b[bo + 1], b[bo + c2], k)
    out[oo] = c0
    out[oo + 1] = c1
    if k == 3:
        out[oo + 2] = c3


@helper
def _kinv(a, frob, out, k):
    """out = 1/a in K by the norm: conj = phi(a)...phi^(k-1)(a), 1/a = conj / (a conj)[0]."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
    conj = np.zeros(k, dtype=np.uint64)
    tmp = np.zeros(k, dtype=np.uint64)
    for c in range(k):
        conj[c] = fmul(a[c], frob[k + c])
    for j in range(2, k):
        for c in range(k):
            tmp[c] = fmul(a[c], frob[j * k + c])
        _kmul(conj, _AT0, tmp, _AT0, conj, _AT0, k)
    _kmul(a, _AT0, conj, _AT0, tmp, _AT0, k)
    s = fpow(tmp[0], _PM2)  # 1 / (a conj), an element of F
    for c in range(k):
        out[c] = fmul(conj[c], s)


@helper
def _bind(evals, degree, V, r, st, zs, zo, has_eq, k):
    """After the challenge r of the previous round (module docstring, step 1): st[:k] = C_i =
    s_{i-1}(r) (coefficients c = V s, then Horner) and, with an eq factor, st[k:] = alpha *=
    eq(z_{i-1}, r) = 1 - z - r + 2 z r (z = zs[zo:zo+k])."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
    coeffs = np.zeros((degree + 1) * k, dtype=np.uint64)
    for m in range(degree + 1):
        for i in range(degree + 1):
            w = V[m * (degree + 1) + i]
            for c in range(k):
                coeffs[m * k + c] = fadd(coeffs[m * k + c], fmul(w, evals[i * k + c]))
    for c in range(k):
        st[c] = coeffs[degree * k + c]
    for m in range(degree - 1, -1, -1):
        _kmul(st, _AT0, r, _AT0, st, _AT0, k)
        for c in range(k):
            st[c] = fadd(st[c], coeffs[m * k + c])
    if has_eq:
        e = np.zeros(k, dtype=np.uint64)
        _kmul(zs, zo, r, _AT0, e, _AT0, k)
        for c in range(k):
            e[c] = fsub(fadd(e[c], e[c]), fadd(zs[zo + c], r[c]))
        e[0] = fadd(e[0], _ONE)
        _kmul(st, k, e, _AT0, st, k, k)


@helper
def _pass(tf, tk, src, tptr, tidx, coef, cone, E, out_E, r, out_tk, flags, half, acc, k):
    """Steps 1 (fold, if flags[0]) and 2 of the module docstring over all pairs y < half.

    flags = [do_fold, has_eq, npts, skip1]. Scratch K values are rows of 3 (k = 2 uses 2).
    """
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
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


@helper
def _finish(acc, degree, has_eq, skip1, st, zs, zo, frob, xw, evals, k):
    """Round evaluations s(0..degree) from the accumulated sums (module docstring, step 3)."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
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
    _kmul(a0, _AT0, st, k, a0, _AT0, k)
    _kmul(a1, _AT0, st, k, a1, _AT0, k)
    if skip1:  # q(1) = (C - a0 q(0)) / (a0 + a1), a0 + a1 = alpha z != 0
        num = np.empty(k, dtype=np.uint64)
        den = np.empty(k, dtype=np.uint64)
        _kmul(a0, _AT0, acc, _AT0, num, _AT0, k)
        for c in range(k):
            num[c] = fsub(st[c], num[c])
            den[c] = fadd(a0[c], a1[c])
        _kinv(den, frob, den, k)
        _kmul(num, _AT0, den, _AT0, acc, k, k)
    for c in range(k):  # q(degree) from q(0..degree-1)
        acc[degree * k + c] = _ZERO
    for i in range(degree):
        for c in range(k):
            acc[degree * k + c] = fadd(acc[degree * k + c], fmul(xw[i], acc[i * k + c]))
    lin = np.empty(k, dtype=np.uint64)
    for t in range(degree + 1):
        for c in range(k):
            lin[c] = fadd(a0[c], fmul(a1[c], np.uint64(t)))
        _kmul(lin, _AT0, acc, t * k, evals, t * k, k)


@helper
def _last_fold(tf, tk, src, r, out_tk, k):
    """out_tk[j] = T_j[0] + r (T_j[1] - T_j[0]) for tables of two entries."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
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
        _kmul(t, _AT0, r, _AT0, t, _AT0, k)
        for c in range(k):
            a = tk[s, c] if s >= 0 else (tf[-s - 1, 0] if c == 0 else _ZERO)
            out_tk[j, c] = fadd(t[c], a)


@helper
def _relay(msg, q, mask, k):
    """The masked sumcheck's relay of its round i = i0 + q (``sumcheck_fused.RelayPlan``; the
    mask's rounds i0.. are the kernel's rounds 0..): each sent value v at node t (t = 0, 2..d)
    becomes scale v + rho (2^(n-1-i) (A_i + g_i(t)) + 2^(n-2-i) B_i) + shift 2^(e0-q) (the
    last term with a shift only), A_i = mstate[:k] the prefix, B_i = sum_{j>i} g_j(0) + g_j(1)
    (0 for i = n - 1). mask = (mp, mk, mcoef, mstate): mp = [scale, W, n, i0, has shift, e0],
    mk = rho then shift (K), mcoef = the mask's (n, W, k) coefficients (row j: g_j's, lowest
    first, zero past its degree)."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
    mp, mk, mcoef, mstate = mask
    width, n, i = np.int64(mp[1]), np.int64(mp[2]), np.int64(mp[3]) + q
    tail = np.zeros(k, dtype=np.uint64)  # B_i: g_j(0) + g_j(1) = 2 c_j0 + sum_{e>0} c_je
    for j in range(i + 1, n):
        for e in range(width):
            for c in range(k):
                x = mcoef[(j * width + e) * k + c]
                tail[c] = fadd(tail[c], fadd(x, x) if e == 0 else x)
    a = fpow(np.uint64(2), np.uint64(n - 1 - i))
    b = fpow(np.uint64(2), np.uint64(n - 2 - i)) if i < n - 1 else _ZERO
    sh = fpow(np.uint64(2), np.uint64(mp[5] - q)) if mp[4] else _ZERO
    off = np.zeros(k, dtype=np.uint64)
    for v in range(msg.shape[0] // k):
        t = np.uint64(0 if v == 0 else v + 1)
        for c in range(k):  # g_i(t) (Horner at the small integer t), then the bracket
            g = _ZERO
            for e in range(width - 1, -1, -1):
                g = fadd(fmul(g, t), mcoef[(i * width + e) * k + c])
            off[c] = fadd(fmul(a, fadd(mstate[c], g)), fmul(b, tail[c]))
        _kmul(mk, _AT0, off, _AT0, off, _AT0, k)
        for c in range(k):
            w = v * k + c
            msg[w] = fadd(fadd(fmul(mp[0], msg[w]), off[c]), fmul(sh, mk[k + c]))


@helper
def _mask_value(r, q, mask, k):
    """After the challenge r of the mask's round i = i0 + q: gamma = g_i(r) (Horner in K) into
    mstate[k (q + 1):], and the prefix mstate[:k] grows by it."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
    mp, mcoef, mstate = mask[0], mask[2], mask[3]
    width, i = np.int64(mp[1]), np.int64(mp[3]) + q
    g = np.zeros(k, dtype=np.uint64)
    for e in range(width - 1, -1, -1):
        _kmul(g, _AT0, r, _AT0, g, _AT0, k)
        for c in range(k):
            g[c] = fadd(g[c], mcoef[(i * width + e) * k + c])
    for c in range(k):
        mstate[(q + 1) * k + c] = g[c]
        mstate[c] = fadd(mstate[c], g[c])


@njit(inline="always")
def run_rounds(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, meta, st, r, evals,
               out_tk, out_E, labels, lab_off, lab0, state, scratch, sent, sent0, point, finals,
               mask, k):
    """Round meta[2], then the meta[5] rounds after it with the transcript in the loop (inlined
    into its one caller, ``fused_kernel``: no module of its own).

    Round i (module docstring): if it folds (meta[3] for the first, always after), C_i and
    alpha from r and the tables folded at r (into out_tk, out_E for the first); then, unless
    one entry per table is left, its evaluations into evals (meta[4]: C_i is known, so s(1) or
    q(1) is derived). Before each round after the first: send evals under label lab0 + 2j
    (labels[lab_off[l]:lab_off[l+1]] is label l; ``transcript.sponge_kernels``, scratch of at
    least 45 + the longest label + 8 len(evals) bytes) and draw r under label lab0 + 2j + 1.
    Writes the messages (sent, from word sent0), the challenges (point) and, when meta[5] > 0,
    the final table values (finals). meta = [degree, has_eq, round, do_fold, has_running,
    rounds]. ``mask`` = (mp, mk, mcoef, mstate), all empty for plain rounds, else the relay of
    a masked sumcheck (:func:`_relay`): each sent value of round j is relayed before it is
    absorbed, and mstate's prefix grows after each challenge (:func:`_mask_value`)."""
    k = 3 if k == 3 else 2  # a known range for LLVM (module docstring)
    degree, has_eq, start, n_rounds = meta[0], meta[1], meta[2], meta[5]
    m = src.shape[0]
    width = evals.shape[0]
    acc = np.empty(width, dtype=np.uint64)
    msg = np.empty(width - k, dtype=np.uint64)  # the round's message: evals without s(1)
    flags = np.empty(4, dtype=np.int64)
    relayed = mask[0].shape[0] > 0
    for j in range(n_rounds + 1):
        i = start + j
        n = tf.shape[1] if tk.shape[0] == 0 else tk.shape[1] // k  # entries per table
        do_fold = meta[3] if j == 0 else 1
        skip1 = meta[4] if j == 0 else 1
        if j > 0:  # send round i - 1, draw its challenge
            lab = lab0 + 2 * (j - 1)
            for w in range(k):  # s(0), then s(2), .., s(d): the verifier derives s(1)
                msg[w] = evals[w]
            for w in range(2 * k, width):
                msg[w - k] = evals[w]
            if relayed:
                _relay(msg, j - 1, mask, k)
            sponge_message(state, labels[lab_off[lab] : lab_off[lab + 1]], msg, scratch)
            for w in range(width - k):
                sent[sent0 + (j - 1) * (width - k) + w] = msg[w]
            sponge_draw_f(state, labels[lab_off[lab + 1] : lab_off[lab + 2]], r, scratch)
            for c in range(k):
                point[(j - 1) * k + c] = r[c]
            if relayed:
                _mask_value(r, j - 1, mask, k)
            out_tk = np.empty((m, (n // 2) * k), dtype=np.uint64)
            out_E = np.empty((n // 4) * k if E.shape[0] else 0, dtype=np.uint64)
        if do_fold:
            _bind(evals, degree, V, r, st, zs, (i - 1) * k, has_eq, k)
            n //= 2
        if n == 1:  # the last fold: one entry per table, no round left
            _last_fold(tf, tk, src, r, out_tk, k)
        else:
            if has_eq and skip1:  # q(1) is derivable only when alpha z_i != 0
                nz = False
                na = False
                for c in range(k):
                    nz = nz or zs[i * k + c] != _ZERO
                    na = na or st[k + c] != _ZERO
                skip1 = 1 if nz and na else 0
            for w in range(width):
                acc[w] = _ZERO
            flags[0], flags[1], flags[3] = do_fold, has_eq, skip1
            flags[2] = degree if has_eq else degree + 1  # the points t of the pass
            _pass(tf, tk, src, tptr, tidx, coef, cone, E, out_E, r, out_tk, flags, n // 2, acc,
                  k)
            _finish(acc, degree, has_eq, skip1, st, zs, i * k, frob, xw, evals, k)
        if j > 0:
            tf = np.empty((0, 0), dtype=np.uint64)
            tk = out_tk
            E = out_E
            src = np.arange(m)
    if n_rounds > 0:
        for j in range(m):
            for c in range(k):
                finals[j * k + c] = tk[j, c]
