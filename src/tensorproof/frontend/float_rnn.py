"""Float reference semantics of ONNX's recurrent operators LSTM, GRU and RNN (numpy, float64).

One step of direction d at time t (H, C: hidden and cell state; ⊙ elementwise; x_t (b, in)):
  RNN   H = f(x_t Wᵀ + H Rᵀ + Wb + Rb)
  GRU   z, r = f(x_t W_{z,r}ᵀ + H R_{z,r}ᵀ + Wb + Rb);  H = h + z ⊙ (H − h) with
        h = g(x_t W_hᵀ + (r ⊙ H) R_hᵀ + Rb_h + Wb_h), or with linear_before_reset
        h = g(x_t W_hᵀ + r ⊙ (H R_hᵀ + Rb_h) + Wb_h)
  LSTM  gates (i, o, f, c) = x_t Wᵀ + H Rᵀ + Wb + Rb; i = f(g_i + P_i ⊙ C), f' = f(g_f + P_f ⊙ C)
        (1 − i with input_forget), C' = f' ⊙ C + i ⊙ g(g_c), o = f(g_o + P_o ⊙ C'),
        H = o ⊙ h(C')
``clip`` bounds each gate's pre-activation to [−clip, clip] (not C' before h: onnxruntime's
reading of the spec). Forward runs t = 0 … T−1, reverse
T−1 … 0, bidirectional both (direction 0 forward); Y[t] is the state after step t. The table
:data:`RECURRENT` holds ``fn(*inputs, **attributes)`` in ONNX order, like float_nn; the
attribute parsing (:func:`rnn_spec`) is shared with the unrolling (expand_rnn.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UnsupportedOpError
from .float_ops import UNARY

GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
"""Gates per direction: the rows of W and R are these blocks of hidden_size."""

DEFAULT_ACTIVATIONS = {"LSTM": ("Sigmoid", "Tanh", "Tanh"), "GRU": ("Sigmoid", "Tanh"),
                       "RNN": ("Tanh",)}
"""Activations (f, g, h) per direction when the attribute is absent."""

ACTIVATIONS = {
    # ONNX spelling: (parameters used: 0 none, 1 alpha, 2 alpha and beta, default alpha, beta)
    "Relu": (0, 0.0, 0.0), "Tanh": (0, 0.0, 0.0), "Sigmoid": (0, 0.0, 0.0),
    "Affine": (2, 1.0, 0.0), "LeakyRelu": (1, 0.01, 0.0), "ThresholdedRelu": (1, 1.0, 0.0),
    "ScaledTanh": (2, 1.0, 1.0), "HardSigmoid": (2, 0.2, 0.5), "Elu": (1, 1.0, 0.0),
    "Softsign": (0, 0.0, 0.0), "Softplus": (0, 0.0, 0.0),
}
"""The activations ONNX defines for recurrent ops. Defaults are those of the ONNX operator of
the same name (Affine and ScaledTanh, which have none, default to the identity's 1 and 0, 1)."""


@dataclass(frozen=True)
class Activation:
    """One activation function of a recurrent op with its alpha and beta."""

    name: str
    alpha: float = 0.0
    beta: float = 0.0

    def onnx_attrs(self) -> dict[str, float]:
        """The attributes of the ONNX operator of the same name (Affine, ScaledTanh: none)."""
        used = ACTIVATIONS[self.name][0]
        if self.name in ("Affine", "ScaledTanh") or used == 0:
            return {}
        return {"alpha": self.alpha} if used == 1 else {"alpha": self.alpha, "beta": self.beta}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.name == "Affine":
            return self.alpha * x + self.beta
        if self.name == "ScaledTanh":
            return self.alpha * np.tanh(self.beta * x)
        return UNARY[self.name][0](x, **self.onnx_attrs())


@dataclass(frozen=True)
class RnnSpec:
    """The attributes of one recurrent node, resolved: per direction index d its way
    ("forward" or "reverse") and its activations (f, g, h)."""

    op: str
    hidden: int
    directions: tuple[str, ...]
    acts: tuple[tuple[Activation, ...], ...]
    clip: float | None = None
    layout: int = 0
    input_forget: bool = False
    linear_before_reset: bool = False

    def clipped(self, x: np.ndarray) -> np.ndarray:
        """x bounded to [−clip, clip] (unchanged without clip)."""
        return x if self.clip is None else np.clip(x, -self.clip, self.clip)


def _activations(op: str, names, alphas, betas, nd: int) -> tuple[tuple[Activation, ...], ...]:
    per = len(DEFAULT_ACTIVATIONS[op])
    names = list(DEFAULT_ACTIVATIONS[op]) if not names else list(names)
    if nd == 2 and len(names) == per:
        names = names * 2  # one set given for both directions
    if len(names) != per * nd:
        raise UnsupportedOpError(f"{op} expects {per * nd} activations, got {len(names)}")
    canon = {k.lower(): k for k in ACTIVATIONS}
    alpha, beta = iter(alphas or ()), iter(betas or ())
    out = []
    for n in names:
        name = canon.get(str(n).lower())
        if name is None:
            raise UnsupportedOpError(f"activation {n!r} is not supported (ONNX defines "
                                     f"{', '.join(ACTIVATIONS)})")
        used, a, b = ACTIVATIONS[name]
        a = float(next(alpha, a)) if used >= 1 else 0.0
        b = float(next(beta, b)) if used == 2 else 0.0
        out.append(Activation(name, a, b))
    return tuple(tuple(out[d * per: (d + 1) * per]) for d in range(nd))


def rnn_spec(op: str, hidden: int, activations=None, activation_alpha=None,
             activation_beta=None, clip=None, direction="forward", hidden_size=None, layout=0,
             input_forget=0, linear_before_reset=0, output_sequence=0) -> RnnSpec:
    """Resolve a recurrent node's ONNX attributes; ``hidden`` is R's last dimension."""
    ways = {"forward": ("forward",), "reverse": ("reverse",),
            "bidirectional": ("forward", "reverse")}
    if direction not in ways:
        raise UnsupportedOpError(f"direction {direction!r} is not one of {', '.join(ways)}")
    if hidden_size is not None and int(hidden_size) != hidden:
        raise UnsupportedOpError(f"hidden_size {hidden_size} differs from R's last dimension "
                                 f"{hidden}")
    if int(layout) not in (0, 1):
        raise UnsupportedOpError(f"layout {layout} is not 0 or 1")
    if clip is not None and not float(clip) > 0:
        raise UnsupportedOpError(f"clip {clip} is not positive")
    nd = len(ways[direction])
    acts = _activations(op, activations, activation_alpha, activation_beta, nd)
    return RnnSpec(op, hidden, ways[direction], acts, None if clip is None else float(clip),
                   int(layout), bool(input_forget), bool(linear_before_reset))


def check_lengths(sequence_lens, steps: int, batch: int) -> None:
    """UnsupportedOpError unless sequence_lens is absent or every length is ``steps``."""
    if sequence_lens is None:
        return
    lens = np.ravel(np.asarray(sequence_lens))
    if lens.size not in (1, batch) or np.any(lens != steps):
        raise UnsupportedOpError(f"sequence_lens {lens.tolist()[:8]} must equal the sequence "
                                 f"length {steps} (variable-length sequences are not supported)")


def _lstm(s: RnnSpec, d: int, x, h, c, w, r, b, p):
    f, g, hh = s.acts[d]
    n = s.hidden
    gi, go, gf, gc = np.split(x @ w.T + h @ r.T + b[: 4 * n] + b[4 * n:], 4, axis=-1)
    pi, po, pf = np.split(p, 3)
    i = f(s.clipped(gi + pi * c))
    cand = g(s.clipped(gc))
    forget = 1.0 - i if s.input_forget else f(s.clipped(gf + pf * c))
    c2 = forget * c + i * cand
    o = f(s.clipped(go + po * c2))
    return o * hh(c2), c2


def _gru(s: RnnSpec, d: int, x, h, c, w, r, b, p):
    f, g = s.acts[d]
    n = s.hidden
    wb, rb = b[: 3 * n], b[3 * n:]
    xw = x @ w.T + wb
    z, rr = np.split(f(s.clipped(xw[..., : 2 * n] + h @ r[: 2 * n].T + rb[: 2 * n])), 2, -1)
    if s.linear_before_reset:
        hcand = g(s.clipped(xw[..., 2 * n:] + rr * (h @ r[2 * n:].T + rb[2 * n:])))
    else:
        hcand = g(s.clipped(xw[..., 2 * n:] + (rr * h) @ r[2 * n:].T + rb[2 * n:]))
    return hcand + z * (h - hcand), c


def _rnn(s: RnnSpec, d: int, x, h, c, w, r, b, p):
    n = s.hidden
    return s.acts[d][0](s.clipped(x @ w.T + h @ r.T + b[:n] + b[n:])), c


CELLS = {"LSTM": _lstm, "GRU": _gru, "RNN": _rnn}


def _run(op: str, X, W, R, B=None, sequence_lens=None, initial_h=None, initial_c=None, P=None,
         **attrs):
    s = rnn_spec(op, int(np.shape(R)[-1]), **attrs)
    n, nd = s.hidden, len(s.directions)
    x = np.asarray(X, np.float64)
    x = np.swapaxes(x, 0, 1) if s.layout else x  # (T, b, in)
    steps, batch = x.shape[0], x.shape[1]
    check_lengths(sequence_lens, steps, batch)

    def state(v):
        if v is None:
            return np.zeros((nd, batch, n))
        v = np.asarray(v, np.float64)
        return np.swapaxes(v, 0, 1) if s.layout else v

    h0, c0 = state(initial_h), state(initial_c)
    b = np.zeros((nd, 2 * GATES[op] * n)) if B is None else np.asarray(B, np.float64)
    p = np.zeros((nd, 3 * n)) if P is None else np.asarray(P, np.float64)
    y = np.zeros((steps, nd, batch, n))
    hs, cs = [], []
    for d, way in enumerate(s.directions):
        h, c = h0[d], c0[d]
        for t in range(steps) if way == "forward" else range(steps - 1, -1, -1):
            h, c = CELLS[op](s, d, x[t], h, c, np.asarray(W[d], np.float64),
                             np.asarray(R[d], np.float64), b[d], p[d])
            y[t, d] = h
        hs.append(h)
        cs.append(c)
    outs = [y, np.stack(hs), np.stack(cs)][: 3 if op == "LSTM" else 2]
    if s.layout:
        outs = [np.transpose(y, (2, 0, 1, 3))] + [np.swapaxes(v, 0, 1) for v in outs[1:]]
    return tuple(outs)


def _op(op: str):
    def run(*inputs, **attrs):
        return _run(op, *inputs, **attrs)
    return run


RECURRENT: dict = {op: _op(op) for op in GATES}
"""Float semantics of LSTM, GRU and RNN (outputs Y, Y_h and, for LSTM, Y_c)."""
