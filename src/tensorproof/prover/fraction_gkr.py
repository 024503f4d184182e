"""Prover of the fraction-sum GKR (mirror of :mod:`tensorproof.verifier.fraction_gkr`).

Builds the binary tree of projective sums bottom-up (level l from the even/odd entries of level
l + 1), then proves each layer from the root down: one degree-3 sumcheck of
eq(rho, x) (n0 d1 + n1 d0 + lambda d0 d1)(x), the four child values, then mu. All vectorized;
the work is O(2^m) field operations in all (each layer costs O(its size)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ProverError
from ..field.vec import VecField
from ..poly.mle import log2_exact, split_rows
from ..transcript import ProverTranscript
from ..transcript.base import label_bytes
from ..verifier.fraction_gkr import LAYER_DEGREE, layer_label, layer_terms, root_label
from ..verifier.sumcheck import challenge_label, round_label
from .fraction_gkr_kernels import layer_count_sent
from .fused_kernel import (
    EMPTY_B1,
    EMPTY_I1,
    EMPTY_U1,
    EMPTY_U2,
    NO_MASK,
    fused_kernel,
    scratch_for,
)
from .fused_policy import fused_ready
from .sumcheck import prove_sumcheck
from .sumcheck_fused import FUSED_MAX_ENTRIES, round_constants
from .sumcheck_tails import live_prefix

SMALL_LAYERS = FUSED_MAX_ENTRIES.bit_length()
"""Layers 0..SMALL_LAYERS-1 (sumchecks over at most FUSED_MAX_ENTRIES entries) run in numba."""

__all__ = ["FractionSumResult", "prove_fraction_sum", "fraction_tree", "fraction_sum_value"]

K = tuple[int, ...]


@dataclass(frozen=True)
class FractionSumResult:
    """The root (P, Q) and the leaf claims n~(point) = num_eval, d~(point) = den_eval."""

    P: K
    Q: K
    point: list[K]
    num_eval: K
    den_eval: K


def _parent(vf: VecField, N: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One level up: (n0 d1 + n1 d0, d0 d1); an F numerator table stays F until multiplied."""
    n0, n1 = split_rows(N)  # the children of x_0 = 0 and x_0 = 1
    d0, d1 = split_rows(D)
    if N.ndim == 1:
        num = vf.add(vf.mul_base(d1, n0), vf.mul_base(d0, n1))
    else:
        num = vf.add(vf.mul(n0, d1), vf.mul(n1, d0))
    return num, vf.mul(d0, d1)


def fraction_tree(vf: VecField, num: np.ndarray, den: np.ndarray) -> list[tuple]:
    """Levels [(N_0, D_0), ..., (N_m, D_m)]: level l has 2^l entries, level m the leaves.

    At every level of at least TREE_BLOCKS TAIL_MIN entries, each of its TREE_BLOCKS blocks
    (equal and contiguous: a block's parents are the same block of the level above) that ends
    in a run of one pair (n, d) (a LogUp tree's padding, (0, gamma), and its parents) has its
    parents computed on its live prefix only: the run's parents are all one pair, computed
    once and written (``sumcheck_tails.live_prefix``)."""
    levels = [(num, den)]
    while len(levels[-1][1]) > 1:
        levels.append(_parent_blocks(vf, *levels[-1]))
    return levels[::-1]


TREE_BLOCKS = 2
"""Blocks of a level whose tails ``fraction_tree`` skips: the combined LogUp tree of the
zero-knowledge lookups is a witness half and a table half, each padded at its end."""

TAIL_MIN = 1 << 12
"""Blocks shorter than this are computed whole (the scan would cost more than it saves); at
least 2 (a block's live prefix is a whole number of pairs)."""


def _parent_blocks(vf: VecField, N: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_parent`` of (N, D), each of TREE_BLOCKS blocks on its live prefix and its tail's
    one parent written over the rest (the same values)."""
    size = len(D) // TREE_BLOCKS
    if size < TAIL_MIN:
        return _parent(vf, N, D)
    num, den = None, None
    for b in range(TREE_BLOCKS):
        lo = b * size
        Nb, Db = N[lo : lo + size], D[lo : lo + size]
        live = live_prefix([Nb, Db])
        pn, pd = _parent(vf, Nb[:live], Db[:live])
        if num is None:
            num = np.empty((len(D) // 2, *pn.shape[1:]), dtype=np.uint64)
            den = np.empty((len(D) // 2, *pd.shape[1:]), dtype=np.uint64)
        out = slice(lo // 2, lo // 2 + live // 2)
        num[out], den[out] = pn, pd
        if live < size:  # the tail's pairs all have the parent of (fill, fill)
            fn, fd = _parent(vf, Nb[-2:], Db[-2:])
            rest = slice(lo // 2 + live // 2, (lo + size) // 2)
            num[rest], den[rest] = fn[0], fd[0]
    return num, den


def _check_tables(vf: VecField, num, den) -> np.ndarray:
    """Validate shapes; return num as an F or K table (None -> all-ones F table)."""
    if vf.k < 2:
        raise ValueError("the fraction-sum GKR runs in an extension field (k >= 2)")
    if den.ndim != 2 or den.shape[1] != vf.k:
        raise ValueError(f"denominators must be a K{vf.k} table of shape (2^m, {vf.k})")
    log2_exact(len(den))
    if num is None:
        return np.ones(len(den), dtype=np.uint64)
    if len(num) != len(den) or not (num.ndim == 1 or num.shape[1:] == (vf.k,)):
        raise ValueError("numerators must be an F or K table of the denominators' length")
    return num


def prove_fraction_sum(
    transcript, vf: VecField, num: np.ndarray | None, den: np.ndarray, label: str
) -> FractionSumResult:
    """Prove sum_x num(x)/den(x) = P/Q on ``transcript``; return the root and the leaf claims.

    num: F table (shape (2^m,)), K table (shape (2^m, k)) or None (all ones); den: K table.
    Raises ProverError if Q = 0 (some denominator vanishes: the verifier would reject).
    """
    levels, P, Q = tree_and_root(transcript, vf, num, den, label)
    point: list[K] = []
    num_eval, den_eval = P, Q
    start = 0
    if (type(transcript) is ProverTranscript and transcript.masks is None
            and fused_ready()):  # small layers in one numba call (a subclass may watch
        # send_bytes, which the kernel bypasses: it keeps the Python layers; so does a process
        # without the kernel, fused_policy, and a masked proof, whose rounds the masks relay)
        start = min(len(levels) - 1, SMALL_LAYERS)
        if start:
            point, num_eval, den_eval = _prove_small_layers(transcript, vf, label, levels,
                                                            start, P, Q)
    for layer in range(start, len(levels) - 1):
        point, num_eval, den_eval = _prove_layer(
            transcript, vf, label, layer, point, *levels[layer + 1]
        )
    return FractionSumResult(P, Q, point, num_eval, den_eval)


def tree_and_root(transcript, vf: VecField, num, den, label: str) -> tuple[list, K, K]:
    """The tree's levels and its root (P, Q), sent; ProverError if Q = 0 (a denominator
    vanishes: the verifier would reject)."""
    num = _check_tables(vf, num, den)
    levels = fraction_tree(vf, num, den)
    P, Q = (_scalar(vf, T) for T in levels[0])
    if not any(Q):
        raise ProverError(f"fraction sum '{label}': a denominator is zero (Q = 0)")
    transcript.send_k(root_label(label), [P, Q], vf.k)
    return levels, P, Q


def _layer_labels(label: str, last: int) -> list[bytes]:
    """The transcript labels of layers 0..last-1 in the order they are used."""
    out = []
    for layer in range(last):
        sc = layer_label(label, layer, "sumcheck")
        out.append(layer_label(label, layer, "lambda"))
        out += [f(sc, i) for i in range(layer) for f in (round_label, challenge_label)]
        out += [layer_label(label, layer, "children"), layer_label(label, layer, "mu")]
    return [label_bytes(name) for name in out]


def _prove_small_layers(transcript: ProverTranscript, vf: VecField, label: str, levels, last: int,
                        P: K, Q: K):
    """Layers 0..last-1 in one numba call (``fused_kernel``, mode 1: ``fraction_gkr_kernels``);
    return (point, num, den)."""
    k = vf.k
    leaf_f = levels[last][0] if levels[last][0].ndim == 1 else np.empty(0, dtype=np.uint64)
    N = np.concatenate([np.zeros(len(n) * k, np.uint64) if n.ndim == 1 else n.reshape(-1)
                        for n, _ in levels[1 : last + 1]])
    D = np.concatenate([d.reshape(-1) for _, d in levels[1 : last + 1]])
    lvl_off = np.cumsum([0] + [len(d) for _, d in levels[1:last]]).astype(np.int64)
    names = _layer_labels(label, last)
    lab_off = np.cumsum([0] + [len(b) for b in names]).astype(np.int64)
    labels = np.frombuffer(b"".join(names), dtype=np.uint8).copy()
    V, xw, frob = round_constants(k, LAYER_DEGREE)
    state = np.frombuffer(transcript.state, dtype=np.uint8).copy()
    sent = np.empty(layer_count_sent(0, last, k), dtype=np.uint64)
    rho = np.zeros(last * k, dtype=np.uint64)
    claims = np.array([P, Q], dtype=np.uint64).reshape(-1)
    meta = np.array([0, 0, 0, 0, 0, 0, 1, 0, last], dtype=np.int64)  # mode 1: layers 0..last-1
    r = np.zeros(k, dtype=np.uint64)  # sets K's degree
    fused_kernel((EMPTY_U2, EMPTY_U2, EMPTY_I1), (EMPTY_I1, EMPTY_I1, EMPTY_U1, EMPTY_B1),
                 (V, xw, frob), (EMPTY_U1, EMPTY_U1),
                 (meta, EMPTY_U1, r, EMPTY_U1, EMPTY_U2, EMPTY_U1, EMPTY_U1, EMPTY_U1),
                 (labels, lab_off, state, sent, scratch_for(names, 4 * k)),
                 (N, D, lvl_off, np.ascontiguousarray(leaf_f), rho, claims), NO_MASK)
    transcript.append_external(state.tobytes(), sent.astype(">u8").tobytes())
    num_eval, den_eval = (tuple(c) for c in claims.reshape(2, k).tolist())
    return [tuple(c) for c in rho.reshape(-1, k).tolist()], num_eval, den_eval


def _prove_layer(transcript, vf: VecField, label: str, layer: int, rho, N, D):
    """Sumcheck of layer l over the children (N, D) = level l + 1; return [mu] + rho' and claims."""
    ext_k = vf.k
    lam = tuple(transcript.challenge_k(layer_label(label, layer, "lambda"), ext_k))
    n0, n1 = split_rows(N)  # the children of x_0 = 0 and x_0 = 1
    d0, d1 = split_rows(D)
    rho2, finals = prove_sumcheck(
        transcript,
        vf,
        [n0, n1, d0, d1],
        layer_terms(lam),
        LAYER_DEGREE,
        layer_label(label, layer, "sumcheck"),
        eq_point=rho,
    )
    c_n0, c_n1, c_d0, c_d1 = (tuple(int(c) for c in v) for v in finals)
    transcript.send_k(layer_label(label, layer, "children"), [c_n0, c_n1, c_d0, c_d1], ext_k)
    mu = tuple(transcript.challenge_k(layer_label(label, layer, "mu"), ext_k))
    line = vf.from_scalars([c_n0, c_d0, c_n1, c_d1])
    lo, hi = line[:2], line[2:]
    new = vf.add(lo, vf.scale(vf.sub(hi, lo), mu))  # value at mu of the line through lo, hi
    num_eval, den_eval = vf.to_scalars(new)
    return [mu, *rho2], tuple(num_eval), tuple(den_eval)


def _scalar(vf: VecField, T: np.ndarray) -> K:
    """The single entry of a length-1 table as a K scalar (an F entry lifted)."""
    if T.ndim == 1:
        return (int(T[0]),) + (0,) * (vf.k - 1)
    return tuple(int(c) for c in T[0])


def fraction_sum_value(vf: VecField, num: np.ndarray | None, den: np.ndarray) -> tuple[K, K]:
    """(P, Q) without a proof (the root of :func:`fraction_tree`)."""
    num = _check_tables(vf, num, den)
    root = fraction_tree(vf, num, den)[0]
    return _scalar(vf, root[0]), _scalar(vf, root[1])
