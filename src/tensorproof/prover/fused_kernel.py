"""The one numba entry point of the fused sumcheck rounds and the small fraction-sum GKR layers.

Modes (io.meta[6]): 0, sumcheck rounds (``sumcheck_kernels.run_rounds``: one round, folding at
r first, when meta[5] = 0; else every round left, with the transcript inside); 1, the GKR
layers meta[7]..meta[8]-1 (``fraction_gkr_kernels``: each layer's sumcheck by the same
``run_rounds``).

Why one kernel, its rounds inlined (compile time of a cold first run): numba compiles every
dispatcher into its own LLVM module, optimized and turned into machine code together with all it
calls, so each kernel over the round machinery paid for the whole of it again (seconds each; the
two kernels and their two levels of round functions were four copies). The arrays travel in
tuples by role (layouts: ``sumcheck_kernels`` and ``fraction_gkr_kernels``):
  tables = (tf, tk, src), terms = (tptr, tidx, coef, cone), consts = (V, xw, frob),
  eq = (zs, E), io = (meta, st, r, evals, out_tk, out_E, point, finals),
  record = (labels, lab_off, state, sent, scratch), gkr = (N, D, lvl_off, leaf_f, rho, claims),
  mask = (mp, mk, mcoef, mstate) (a masked sumcheck's relay, ``run_rounds``; empty:
  plain rounds, and always in mode 1);
a mode leaves the other mode's arrays empty (``EMPTY_*``). meta = [degree, has_eq, round,
do_fold, has_running, rounds, mode, first, last]. K has degree len(r) = 2 or 3. ``scratch``
(the sponge records' buffer): ``scratch_for(labels, words)``.
"""

from __future__ import annotations

import numpy as np
from numba import types

from ..field.jit import kernel
from .fraction_gkr_kernels import layer_end, layer_start
from .sumcheck_kernels import run_rounds

_U1 = types.Array(types.uint64, 1, "C")
_U2 = types.Array(types.uint64, 2, "C")
_I1 = types.Array(types.int64, 1, "C")
_B1 = types.Array(types.uint8, 1, "C")
_SIG = types.void(
    types.Tuple((_U2, _U2, _I1)),  # tables
    types.Tuple((_I1, _I1, _U1, _B1)),  # terms
    types.Tuple((_U1, _U1, _U1)),  # consts
    types.Tuple((_U1, _U1)),  # eq
    types.Tuple((_I1, _U1, _U1, _U1, _U2, _U1, _U1, _U1)),  # io
    types.Tuple((_B1, _I1, _B1, _U1, _B1)),  # record
    types.Tuple((_U1, _U1, _I1, _U1, _U1, _U1)),  # gkr
    types.UniTuple(_U1, 4),  # mask
)

EMPTY_U1 = np.empty(0, dtype=np.uint64)
EMPTY_U2 = np.empty((0, 0), dtype=np.uint64)
EMPTY_I1 = np.empty(0, dtype=np.int64)
EMPTY_B1 = np.empty(0, dtype=np.uint8)
NO_GKR = (EMPTY_U1, EMPTY_U1, EMPTY_I1, EMPTY_U1, EMPTY_U1, EMPTY_U1)
NO_RECORD = (EMPTY_B1, EMPTY_I1, EMPTY_B1, EMPTY_U1, EMPTY_B1)
NO_MASK = (EMPTY_U1,) * 4


def scratch_for(labels: list[bytes], words: int) -> np.ndarray:
    """The records' scratch buffer: room for the longest label and a message of ``words``."""
    return np.empty(45 + max(map(len, labels), default=0) + 8 * words, dtype=np.uint8)


@kernel(_SIG)
def fused_kernel(tables, terms, consts, eq, io, record, gkr, mask):
    """See the module docstring."""
    tf, tk, src = tables
    tptr, tidx, coef, cone = terms
    V, xw, frob = consts
    zs, E = eq
    meta, st, r, evals, out_tk, out_E, point, finals = io
    labels, lab_off, state, sent, scratch = record
    k = 3 if r.shape[0] == 3 else 2  # K's degree, a known range for LLVM (sumcheck_kernels)
    gkr_mode = meta[6] == 1  # else one sumcheck: a single pass of the loop, no layer steps
    first = meta[7] if gkr_mode else 0
    last = meta[8] if gkr_mode else 1
    N, D, lvl_off, leaf_f, rho, claims = gkr
    rmeta = meta
    if gkr_mode:  # the layers' terms n0 d1 + n1 d0 + lambda d0 d1 (layer_start)
        tptr = np.array([0, 2, 4, 6])
        tidx = np.array([0, 3, 1, 2, 2, 3])
        cone = np.array([1, 1, 0], dtype=np.uint8)
    lab = np.int64(0)  # label and word positions in labels and sent (int64: a literal 0 would
    pos = np.int64(0)  # compile run_rounds once more)
    for layer in range(first, last):
        if gkr_mode:
            tf, tk, src, coef, rmeta, st, evals, zs, E, point, finals = layer_start(
                N, D, lvl_off, leaf_f, first, last, layer, rho, labels, lab_off, lab, state,
                scratch, k)
            lab += 1
        if layer > 0 or not gkr_mode:
            run_rounds(tf, tk, src, tptr, tidx, coef, cone, zs, E, V, xw, frob, rmeta, st, r,
                       evals, out_tk, out_E, labels, lab_off, lab, state, scratch, sent, pos, point,
                       finals, mask, k)
            lab += 2 * rmeta[5]
            pos += (evals.shape[0] - k) * rmeta[5]  # each round sends all but s(1)
        if gkr_mode:
            layer_end(finals, point, layer, labels, lab_off, lab, state, sent, pos, scratch, rho,
                      claims, k)
            lab += 2
            pos += 4 * k


__all__ = ["EMPTY_B1", "EMPTY_I1", "EMPTY_U1", "EMPTY_U2", "NO_GKR", "NO_MASK", "NO_RECORD",
           "fused_kernel", "scratch_for"]
