"""The small layers of the fraction-sum GKR prover in numba, transcript included: their steps.

Layer l (``prover/fraction_gkr.py``, ``verifier/fraction_gkr.py``) draws lambda, runs an l-round
degree-3 sumcheck of eq(rho, x) (n0 d1 + n1 d0 + lambda d0 d1)(x) over the children level l + 1,
sends the four child values, draws mu and moves to the claims at [mu] + rho'. Near the root every
layer is a few entries, so its cost was Python: ~0.2 ms a layer. ``fused_kernel`` (mode 1) runs
layers first..last-1 in one call: ``layer_start``, the rounds (``sumcheck_kernels.run_rounds``),
``layer_end``, with the records of ``transcript.sponge_kernels``, byte for byte as the Python
layers (``test_fraction_gkr_kernels``). Compile-time rules: ``sumcheck_kernels``.

Arrays: levels (rows of k, flat) N and D of the levels first+1..last, concatenated, level j at
row offset lvl_off[j - first - 1]; leaf_f: the F numerators of level last when they are F (else
empty, and level last's N is in N); labels/lab_off: per layer "lambda", then "round{i}", "r{i}"
for its rounds, "children", "mu"; V, xw, frob: ``sumcheck_fused.round_constants(k, 3)``;
state: the sponge state (in place); sent: the messages (uint64, in order); rho: in, the point of
layer first (first k-rows used), out, the point of level last; claims: in (num, den) of layer
first, out those of level last.
"""

from __future__ import annotations

import numpy as np

from ..field.jit import helper
from ..field.kernels import fadd, fsub, k_prod
from ..transcript.sponge_kernels import sponge_draw_f, sponge_message
from .sumcheck_kernels import _kmul

_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@helper
def layer_start(N, D, lvl_off, leaf_f, first, last, layer, rho, labels, lab_off, lab, state,
                scratch, k):
    """Draw lambda (label lab) and set up layer ``layer``'s sumcheck over its children: returns
    (tf, tk, src, coef, meta, st, evals, zs, E, point, finals) for ``run_rounds`` (meta: degree
    3 with eq(rho, .), ``layer`` rounds; the terms n0 d1 + n1 d0 + lambda d0 d1 over the tables
    (n0, n1, d0, d1) are the caller's tptr = [0, 2, 4, 6], tidx = [0, 3, 1, 2, 2, 3], cone =
    [1, 1, 0]), finals already holding the children when layer = 0 (no rounds)."""
    k = 3 if k == 3 else 2  # a known range for LLVM (sumcheck_kernels docstring)
    lam = np.empty(k, dtype=np.uint64)
    sponge_draw_f(state, labels[lab_off[lab] : lab_off[lab + 1]], lam, scratch)
    # the tables n0, n1, d0, d1 (entries 2y, 2y + 1 of the children level): F numerators in tf
    half, off = 1 << layer, lvl_off[layer - first]
    use_f = layer + 1 == last and leaf_f.shape[0] > 0
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
    coef = np.zeros(3 * k, dtype=np.uint64)
    coef[0] = _ONE
    coef[k] = _ONE
    for c in range(k):
        coef[2 * k + c] = lam[c]
    st = np.zeros(2 * k, dtype=np.uint64)
    st[k] = _ONE
    zs = np.empty(layer * k, dtype=np.uint64)
    for c in range(layer * k):
        zs[c] = rho[c]
    # E = eq(rho_1..rho_{layer-1}, .) by doubling (one product in K per entry)
    E = np.zeros((1 << max(layer - 1, 0)) * k, dtype=np.uint64)
    E[0] = _ONE
    size = 1
    for j in range(1, layer):
        for i in range(size):
            _kmul(E, i * k, zs, j * k, E, (i + size) * k, k)
            for c in range(k):
                E[i * k + c] = fsub(E[i * k + c], E[(i + size) * k + c])
        size *= 2
    finals = np.empty(4 * k, dtype=np.uint64)
    if layer == 0:  # no rounds: the children themselves
        for j in range(4):
            s = src[j]
            for c in range(k):
                finals[j * k + c] = tk[s, c] if s >= 0 else (tf[-s - 1, 0] if c == 0 else _ZERO)
    meta = np.array([3, 1, 0, 0, 0, layer], dtype=np.int64)  # degree, eq, round 0, rounds
    return (tf, tk, src, coef, meta, st, np.zeros(4 * k, dtype=np.uint64), zs, E,
            np.empty(layer * k, dtype=np.uint64), finals)


@helper
def layer_end(finals, point, layer, labels, lab_off, lab, state, sent, pos, scratch, rho,
              claims, k):
    """Send the children finals = (n0, n1, d0, d1) (label lab, at word pos of sent), draw mu
    (label lab + 1), and move to [mu] + rho' (point: rho', the layer's sumcheck point): claims =
    (n0 + mu (n1 - n0), d0 + mu (d1 - d0)) in K, rho = [mu] + rho'."""
    k = 3 if k == 3 else 2  # a known range for LLVM (sumcheck_kernels docstring)
    sponge_message(state, labels[lab_off[lab] : lab_off[lab + 1]], finals, scratch)
    for c in range(4 * k):
        sent[pos + c] = finals[c]
    mu = np.empty(k, dtype=np.uint64)
    sponge_draw_f(state, labels[lab_off[lab + 1] : lab_off[lab + 2]], mu, scratch)
    c2 = 2 if k == 3 else 0
    for h in range(2):
        a = 2 * h * k  # n0 or d0; the other child follows
        d0, d1, d2 = k_prod(fsub(finals[a + k], finals[a]), fsub(finals[a + k + 1], finals[a + 1]),
                            fsub(finals[a + k + c2], finals[a + c2]), mu[0], mu[1], mu[c2], k)
        claims[h * k] = fadd(finals[a], d0)
        claims[h * k + 1] = fadd(finals[a + 1], d1)
        if k == 3:
            claims[h * k + 2] = fadd(finals[a + 2], d2)
    for c in range(k):
        rho[c] = mu[c]
    for c in range(layer * k):
        rho[k + c] = point[c]


def layer_count_sent(first: int, last: int, k: int) -> int:
    """uint64 words the layers first..last-1 send: 3 k per round (s(0), s(2), s(3)) and 4 k
    children each."""
    return sum(3 * k * layer + 4 * k for layer in range(first, last))


__all__ = ["layer_count_sent", "layer_end", "layer_start"]
