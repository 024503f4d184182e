"""Driver of the fused sumcheck rounds (``sumcheck_kernels``, called through ``fused_kernel``):
small tables, one numba call for all the rounds left (one per round for a watching transcript).

``prove_sumcheck`` hands its remaining rounds over here once the tables have at most
``FUSED_MAX_ENTRIES`` entries (from round 0 for small tables; after the big early rounds, which
the vectorized generic path does faster, for large ones), together with its state: the running
claim C_i and, with an eq factor, alpha_i and the weights E_i (``sumcheck._EqFactor``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ..field.params import NONRESIDUE, P
from ..field.scalar import ext_field
from ..field.vec import VecField
from ..poly.mle import as_ext, eq_table
from ..poly.univariate import extrapolation_weights, monomial_matrix
from ..transcript import ProverTranscript
from ..transcript.base import label_bytes
from ..verifier.sumcheck import Terms, challenge_label, round_label
from .fused_kernel import (
    EMPTY_U1,
    EMPTY_U2,
    NO_GKR,
    NO_MASK,
    NO_RECORD,
    fused_kernel,
    scratch_for,
)

FUSED_MAX_ENTRIES = 1 << 10
"""Tables of at most this many entries run fused; above it the generic vectorized path is faster.
Measured (CPU ms of whole sumchecks at 2^12 / 2^16 entries, handover at 2^8, 2^10, 2^12, 2^14):
product F x K2 0.70 0.62 0.73 0.72 / 2.28 2.16 2.44 3.65; fraction-GKR layer 1.70 1.47 2.13 2.11
/ 9.95 9.95 10.23 13.61; requant relation 2.04 1.76 2.24 2.35 / 9.89 9.66 10.23 15.08."""


@dataclass(frozen=True)
class FusedState:
    """Where the fused rounds start: round index, claim C_i (None in round 0), and with an eq
    factor alpha_i and the weights E_i (None: round 0, built here from the eq point)."""

    round: int = 0
    running: Any = None
    alpha: Any = None
    E: np.ndarray | None = None


@dataclass(frozen=True)
class RelayPlan:
    """How a relaying transcript (a masked sumcheck's, prover/zk_sumcheck.py) forwards the
    kernel's rounds, so that the kernel runs them with the transcript inside. The mask
    g = sum_j g_j(X_j) has n rounds; its rounds ``first``.. are the kernel's rounds 0..; round
    q's value v at node t (t = 0, 2..d) goes to ``transcript`` as
        scale v + rho s_i^g(t) + shift 2^(shift_exp - q)   (i = first + q; no shift: 0),
    s_i^g(t) = 2^(n-1-i) (A_i + g_i(t)) + 2^(n-2-i) B_i (zk_sumcheck.py), under
    ``labels[2q]``, then the challenge r_q under ``labels[2q + 1]``, after which the prefix
    A grows by gamma_q = g_i(r_q). ``coeffs``: g's (n, W, k) coefficients (row j: g_j's,
    lowest first, zero past its degree); ``prefix``: A_first; K elements are k-tuples.
    ``finish(point, gammas)`` hands the relay its challenges and gammas once the kernel ran."""

    transcript: ProverTranscript
    labels: list[str]
    scale: int
    rho: tuple[int, ...]
    coeffs: np.ndarray
    first: int
    prefix: tuple[int, ...]
    finish: Callable[[list, list], None]
    shift: tuple[int, ...] | None = None
    shift_exp: int = 0

    def arrays(self, rounds: int) -> tuple[np.ndarray, ...]:
        """The kernel's ``mask`` tuple (sumcheck_kernels._relay): mp, mk, mcoef, mstate =
        the prefix, then room for the rounds' gammas. ValueError unless the plan fits the
        kernel's reads (the kernel does not check its indices)."""
        if self.coeffs.ndim != 3:
            raise ValueError(f"relay plan: coefficients of shape {self.coeffs.shape}")
        n, width, k = self.coeffs.shape
        if not (self.first >= 0 and self.first + rounds <= n and k in (2, 3)
                and len(self.rho) == len(self.prefix) == k
                and (self.shift is None or len(self.shift) == k)
                and len(self.labels) == 2 * rounds and self.shift_exp >= 0
                and (self.shift is None or rounds <= self.shift_exp + 1)):
            raise ValueError(f"relay plan of {rounds} rounds from mask round {self.first} does "
                             f"not fit its {n} x {width} x {k} coefficients, K elements and "
                             f"labels")
        mp = np.array([self.scale % P, width, n, self.first, self.shift is not None,
                       self.shift_exp], dtype=np.uint64)
        mk = np.array([*self.rho, *(self.shift or (0,) * k)], dtype=np.uint64)
        mstate = np.zeros(k * (rounds + 1), dtype=np.uint64)
        mstate[:k] = self.prefix
        return mp, mk, np.ascontiguousarray(self.coeffs, dtype=np.uint64).reshape(-1), mstate


@cache
def round_constants(k: int, degree: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """V (monomial matrix of the nodes 0..degree), the weights of q(degree) from q(0..degree-1),
    and the Frobenius constants g^(ij) of K, as uint64 arrays for the kernel."""
    V = np.array(monomial_matrix(degree), dtype=np.uint64).reshape(-1)
    xw = np.array(extrapolation_weights(degree), dtype=np.uint64)
    g = pow(NONRESIDUE[k], (P - 1) // k, P)
    frob = np.array([pow(g, i * j % k, P) for j in range(k) for i in range(k)], dtype=np.uint64)
    return V, xw, frob


def _stack(tables) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tf, tk, src): the F tables stacked, the K tables stacked (rows flat), and per table its
    row (>= 0: in tk, < 0: row -s-1 of tf)."""
    base = [T for T in tables if T.ndim == 1]
    ext = [T.reshape(-1) for T in tables if T.ndim == 2]
    src, nb, nk = [], 0, 0
    for T in tables:
        if T.ndim == 1:
            nb += 1
            src.append(-nb)
        else:
            src.append(nk)
            nk += 1
    return (np.stack(base) if base else EMPTY_U2, np.stack(ext) if ext else EMPTY_U2,
            np.array(src, dtype=np.int64))


class FusedRounds:
    """The tables, terms and scalar state of the rounds left (``sumcheck_kernels``)."""

    def __init__(self, vf: VecField, tables, terms: Terms, coeffs: list, degree: int,
                 eq_point, state: FusedState) -> None:
        k, ext = vf.k, ext_field(vf.k)
        self.k, self.start, self.n = k, state.round, len(tables[0])
        self.tf, self.tk, self.src = _stack(tables)
        self.tptr = np.cumsum([0] + [len(s) for _, s in terms]).astype(np.int64)
        self.tidx = np.array([i for _, s in terms for i in s], dtype=np.int64)
        self.coef = np.array(coeffs, dtype=np.uint64).reshape(-1)
        self.cone = np.array([c == ext.one for c in coeffs], dtype=np.uint8)
        self.V, self.xw, self.frob = round_constants(k, degree)
        has_eq = eq_point is not None
        self.zs = np.array(eq_point, dtype=np.uint64).reshape(-1) if has_eq else EMPTY_U1
        if has_eq and state.E is None:
            state_E = eq_table(vf, eq_point[state.round + 1:])
        else:
            state_E = state.E
        self.E = state_E.reshape(-1) if has_eq else EMPTY_U1
        has_running = state.running is not None
        self.meta = np.array([degree, int(has_eq), state.round, 0, int(has_running), 0, 0, 0, 0],
                             dtype=np.int64)
        self.st = np.zeros(2 * k, dtype=np.uint64)
        if has_running:
            self.st[:k] = as_ext(ext, state.running)
        self.st[k:] = as_ext(ext, state.alpha) if state.alpha is not None else ext.one
        self.evals = np.zeros((degree + 1) * k, dtype=np.uint64)

    def _call(self, r: np.ndarray, out_tk: np.ndarray, out_E: np.ndarray) -> None:
        """One round (meta[5] = 0): fold at r into out_tk, out_E if meta[3], then self.evals."""
        self._kernel(self.meta, r, out_tk, out_E, EMPTY_U1, EMPTY_U1, NO_RECORD)

    def _kernel(self, meta, r, out_tk, out_E, point, finals, record, mask=NO_MASK) -> None:
        fused_kernel((self.tf, self.tk, self.src), (self.tptr, self.tidx, self.coef, self.cone),
                     (self.V, self.xw, self.frob), (self.zs, self.E),
                     (meta, self.st, r, self.evals, out_tk, out_E, point, finals), record, NO_GKR,
                     mask)

    def prove(self, transcript, label: str) -> tuple[list, list]:
        """Run the rounds left on ``transcript``; return (their challenges, final values).
        A relaying transcript that offers a ``kernel_plan`` (a masked sumcheck's) is run in
        the kernel too, through its :class:`RelayPlan`."""
        n_rounds = self.n.bit_length() - 1
        if type(transcript) is ProverTranscript:  # a subclass may watch send_bytes: no bypass
            return self._prove_in_kernel(transcript, label)
        planner = getattr(transcript, "kernel_plan", None)
        plan = planner(label, self.start, n_rounds, len(self.evals) // self.k - 1) if (
            planner is not None and n_rounds) else None
        if plan is not None:
            return self._prove_in_kernel(plan.transcript, label, plan)
        k, m = self.k, len(self.src)
        self._call(np.zeros(k, dtype=np.uint64), EMPTY_U2, EMPTY_U1)  # this round's evaluations
        point = []
        for j in range(self.n.bit_length() - 1):
            i = self.start + j
            ev = self.evals.reshape(-1, k)
            transcript.send_k(round_label(label, i), np.concatenate([ev[:1], ev[2:]]), k)
            r = tuple(transcript.challenge_k(challenge_label(label, i), k))
            point.append(r)
            size = self.n >> (j + 1)  # entries per table after folding at r
            out_tk = np.empty((m, size * k), dtype=np.uint64)
            out_E = np.empty((size // 2) * k, dtype=np.uint64) if len(self.E) else EMPTY_U1
            self.meta[2:5] = (i + 1, 1, 1)
            self._call(np.array(r, dtype=np.uint64), out_tk, out_E)
            self.tf, self.tk, self.E = EMPTY_U2, out_tk, out_E
            self.src = np.arange(m, dtype=np.int64)
        return point, [tuple(row) for row in self.tk.tolist()]

    def _prove_in_kernel(self, transcript: ProverTranscript, label: str,
                         plan: RelayPlan | None = None) -> tuple[list, list]:
        """``prove`` with every round and its transcript records in one numba call (meta[5] > 0);
        the transcript then takes the state and the message bytes. With a relay ``plan``, the
        labels and values are the relay's, and the relay gets the challenges and gammas."""
        k, m = self.k, len(self.src)
        n_rounds = self.n.bit_length() - 1
        rounds = range(self.start, self.start + n_rounds)
        names = ([label_bytes(x) for x in plan.labels] if plan is not None else
                 [label_bytes(f(label, i)) for i in rounds for f in (round_label, challenge_label)])
        mask = plan.arrays(n_rounds) if plan is not None else NO_MASK
        lab_off = np.cumsum([0] + [len(b) for b in names]).astype(np.int64)
        labels = np.frombuffer(b"".join(names), dtype=np.uint8).copy()
        state = np.frombuffer(transcript.state, dtype=np.uint8).copy()
        sent = np.empty(n_rounds * (len(self.evals) - k), dtype=np.uint64)  # all but s(1)
        point = np.empty(n_rounds * k, dtype=np.uint64)
        finals = np.empty(m * k, dtype=np.uint64)
        meta = np.array([*self.meta[:5], n_rounds, 0, 0, 0], dtype=np.int64)
        self._kernel(meta, np.zeros(k, dtype=np.uint64), EMPTY_U2, EMPTY_U1, point, finals,
                     (labels, lab_off, state, sent, scratch_for(names, len(self.evals))), mask)
        transcript.append_external(state.tobytes(), sent.astype(">u8").tobytes())
        challenges = [tuple(r) for r in point.reshape(-1, k).tolist()]
        if plan is not None:
            plan.finish(challenges, [tuple(g) for g in mask[3][k:].reshape(-1, k).tolist()])
        return challenges, [tuple(f) for f in finals.reshape(-1, k).tolist()]
