"""The small layers of the fraction-sum GKR prover in one numba call, transcript included.

Layer l (``prover/fraction_gkr.py``, ``verifier/fraction_gkr.py``) draws lambda, runs an l-round
degree-3 sumcheck of eq(rho, x) (n0 d1 + n1 d0 + lambda d0 d1)(x) over the children level l + 1,
sends the four child values, draws mu and moves to the claims at [mu] + rho'. Near the root every
layer is a few entries, so its cost was Python: ~0.2 ms a layer. ``gkr_layers`` runs layers
first..last-1 with the rounds of ``sumcheck_kernels._rounds`` and the records of
``transcript.sponge_kernels``, byte for byte as the Python layers (``test_logup_fraction_sum``).

Arrays: levels (rows of k, flat) N and D of the levels first+1..last, concatenated, level j at
row offset lvl_off[j - first - 1]; leaf_f: the F numerators of level last when they are F (else
empty, and level last's N is in N); labels/lab_off: per layer "lambda", then "round{i}", "r{i}"
for its rounds, "children", "mu"; V, xw, frob: ``sumcheck_fused.round_constants(k, 3)``;
state: the sponge state (in place); sent: the messages (uint64, in order); rho: in, the point of
layer first (first k-rows used); out: the point of level last; claims: in (num, den) of layer
first, out those of level last.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..field.kernels import fadd, fsub, k_prod, kernel
from ..transcript.sponge_kernels import sponge_draw_f, sponge_message
from .sumcheck_kernels import _kmul, _rounds

_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@njit(inline="always")
def _label(labels, lab_off, j):
    return labels[lab_off[j] : lab_off[j + 1]]


@njit(inline="always")
def _eq_weights(rho, n, k):
    """eq(rho_1..rho_{n-1}, .) over 2^(n-1) entries (rows of k, flat), by doubling."""
    E = np.zeros((1 << max(n - 1, 0)) * k, dtype=np.uint64)
    E[0] = _ONE
    size = 1
    for j in range(1, n):
        o = j * k
        for i in range(size):
            a, b = i * k, (i + size) * k
            _kmul(E, a, rho, o, E, b, k)
            for c in range(k):
                E[a + c] = fsub(E[a + c], E[b + c])
        size *= 2
    return E


@njit(inline="always")
def _layer_tables(N, D, leaf_f, off, half, k):
    """(tf, tk, src) of the tables n0, n1, d0, d1 of a children level of 2 half entries."""
    use_f = leaf_f.shape[0] > 0
    tk = np.empty((2 if use_f else 4, half * k), dtype=np.uint64)
    tf = np.empty((2 if use_f else 0, half if use_f else 0), dtype=np.uint64)
    for y in range(half):
        for h in range(2):
            e = off + 2 * y + h
            for c in range(k):
                tk[(0 if use_f else 2) + h, y * k + c] = D[e * k + c]
                if not use_f:
                    tk[h, y * k + c] = N[e * k + c]
            if use_f:
                tf[h, y] = leaf_f[2 * y + h]
    src = np.array([-1, -2, 0, 1]) if use_f else np.array([0, 1, 2, 3])
    return tf, tk, src


@njit(inline="always")
def _line(a, b, mu, out, o, k):
    """out[o:o+k] = a + mu (b - a) in K (a, b, mu: k-rows)."""
    c2 = 2 if k == 3 else 0
    d0, d1, d2 = k_prod(fsub(b[0], a[0]), fsub(b[1], a[1]), fsub(b[c2], a[c2]),
                        mu[0], mu[1], mu[c2], k)
    out[o] = fadd(a[0], d0)
    out[o + 1] = fadd(a[1], d1)
    if k == 3:
        out[o + 2] = fadd(a[2], d2)


@njit(inline="always")
def _layers(N, D, lvl_off, leaf_f, first, last, labels, lab_off, V, xw, frob, state, sent,
            rho, claims, k):
    tptr = np.array([0, 2, 4, 6])
    tidx = np.array([0, 3, 1, 2, 2, 3])
    cone = np.array([1, 1, 0], dtype=np.uint8)
    longest = 0
    for j in range(lab_off.shape[0] - 1):
        longest = max(longest, lab_off[j + 1] - lab_off[j])
    scratch = np.empty(45 + longest + 32 * k, dtype=np.uint8)
    lam = np.empty(k, dtype=np.uint64)
    mu = np.empty(k, dtype=np.uint64)
    lab, pos = 0, 0
    for layer in range(first, last):
        half = 1 << layer  # entries of n0, n1, d0, d1
        sponge_draw_f(state, _label(labels, lab_off, lab), lam, scratch)
        lab += 1
        f = leaf_f if layer + 1 == last else leaf_f[:0]
        tf, tk, src = _layer_tables(N, D, f, lvl_off[layer - first], half, k)
        finals = np.empty(4 * k, dtype=np.uint64)
        point = np.empty(layer * k, dtype=np.uint64)
        if layer == 0:  # no rounds: the children themselves
            for j in range(4):
                s = src[j]
                for c in range(k):
                    finals[j * k + c] = tk[s, c] if s >= 0 else (tf[-s - 1, 0] if c == 0
                                                                 else _ZERO)
        else:
            coef = np.zeros(3 * k, dtype=np.uint64)
            coef[0] = _ONE
            coef[k] = _ONE
            coef[2 * k : 3 * k] = lam
            meta = np.array([3, 1, 0, 0, 0, layer])
            st = np.zeros(2 * k, dtype=np.uint64)
            st[k] = _ONE
            evals = np.zeros(4 * k, dtype=np.uint64)
            zs = rho[: layer * k].copy()
            _rounds(tf, tk, src, tptr, tidx, coef, cone, zs, _eq_weights(zs, layer, k), V, xw,
                    frob, meta, st, evals, labels, lab_off, lab, state, sent, pos, point,
                    finals, k)
            lab += 2 * layer
            pos += 4 * k * layer
        sponge_message(state, _label(labels, lab_off, lab), finals, scratch)
        sent[pos : pos + 4 * k] = finals
        pos += 4 * k
        lab += 1
        sponge_draw_f(state, _label(labels, lab_off, lab), mu, scratch)
        lab += 1
        _line(finals[:k], finals[k : 2 * k], mu, claims, 0, k)  # N~ at [mu] + rho'
        _line(finals[2 * k : 3 * k], finals[3 * k :], mu, claims, k, k)  # D~
        rho[:k] = mu
        rho[k : (layer + 1) * k] = point


@kernel("void(uint64[::1], uint64[::1], int64[::1], uint64[::1], int64, int64, uint8[::1], "
        "int64[::1], uint64[::1], uint64[::1], uint64[::1], uint8[::1], uint64[::1], uint64[::1], "
        "uint64[::1])")
def gkr_layers(N, D, lvl_off, leaf_f, first, last, labels, lab_off, V, xw, frob, state, sent,
               rho, claims):
    """Layers first..last-1 (module docstring); K of degree len(claims) // 2."""
    _layers(N, D, lvl_off, leaf_f, first, last, labels, lab_off, V, xw, frob, state, sent, rho,
            claims, claims.shape[0] // 2)


def layer_count_sent(first: int, last: int, k: int) -> int:
    """uint64 words the layers first..last-1 send: 4 k per round and 4 k children each."""
    return sum(4 * k * (layer + 1) for layer in range(first, last))


__all__ = ["gkr_layers", "layer_count_sent"]
