"""Unrolling ONNX's LSTM, GRU and RNN into ops the compiler lowers and the prover proves.

normalize() traces the model once (the float reference, float_rnn.py, evaluates recurrent
nodes), replaces every recurrent node that depends on the model's inputs by its unrolled graph
and traces again. Per direction d and time step t, with x_t = X[t] (b, in) and states H, C:
  gates = Gemm(x_t, Wᵀ, Wb + Rb) + MatMul(H, Rᵀ), cut into gates by Slice (per-gate products
  when H is zero), [Clip,] an activation (a lookup table), and the state updates as products
  of two activations (mul) and sums: LSTM C' = f ⊙ C + i ⊙ c, H' = o ⊙ h(C'); GRU
  H' = h + z ⊙ (H − h); RNN H' = f(gates).
Y stacks the states by Reshape and Concat (then a Transpose for layout 1 with batch > 1); Y_h
and Y_c are the last states. Only outputs that something reads are built. W, R, B and P must be
constants, sequence_lens absent or a constant equal to the sequence length; each refusal is a
one-line UnsupportedOpError naming the node.
"""

from __future__ import annotations

import numpy as np
import onnx

from ..errors import UnsupportedOpError
from .float_rnn import GATES, RnnSpec, check_lengths, rnn_spec
from .onnx_io import attributes
from .rnn_emit import Emitter, Value


def _blocks(e: Emitter, x: Value, h: Value, w, r, b, k: int, tag: str) -> list[Value]:
    """The k gate pre-activations x·W_jᵀ + h·R_jᵀ + b_j (each hidden wide)."""
    n = w.shape[0] // k
    if h is None:  # separate products: no slice of a per-channel accumulator
        return [e.linear(x, w[j * n:(j + 1) * n].T, b[j * n:(j + 1) * n], f"{tag}/x{j}")
                for j in range(k)]
    g = e.add(e.linear(x, w.T, b, f"{tag}/xw"), e.linear(h, r.T, None, f"{tag}/hr"),
              f"{tag}/gates")
    return [g] if k == 1 else [e.slice(g, j * n, (j + 1) * n, -1, f"{tag}/g{j}")
                               for j in range(k)]


def _lstm(e: Emitter, s: RnnSpec, d: int, x, h, c, w, r, b, p, tag: str):
    f, g, hh = s.acts[d]
    n = s.hidden
    gi, go, gf, gc = _blocks(e, x, h, w, r, b[: 4 * n] + b[4 * n:], 4, tag)
    pi, po, pf = (None,) * 3 if p is None else (p[:n], p[n: 2 * n], p[2 * n:])

    def gate(pre: Value, peep, state: Value, fn, name: str) -> Value:
        pre = e.add(pre, e.mul(state, e.const(peep, f"{tag}/p{name}"), f"{tag}/pc{name}"),
                    f"{tag}/pre{name}")
        return e.act(e.clip(pre, s.clip, f"{tag}/clip{name}"), fn, f"{tag}/{name}")

    i = gate(gi, pi, c, f, "i")
    cand = gate(gc, None, None, g, "c")
    if s.input_forget:  # f = 1 − i: C' = C + i ⊙ (c − C)
        c2 = e.add(c, e.mul(i, e.sub(cand, c, f"{tag}/c-C"), f"{tag}/i*(c-C)"), f"{tag}/C")
    else:
        fg = gate(gf, pf, c, f, "f")
        c2 = e.add(e.mul(fg, c, f"{tag}/f*C"), e.mul(i, cand, f"{tag}/i*c"), f"{tag}/C")
    o = gate(go, po, c2, f, "o")
    return e.mul(o, e.act(c2, hh, f"{tag}/h(C)"), f"{tag}/H"), c2


def _gru(e: Emitter, s: RnnSpec, d: int, x, h, c, w, r, b, p, tag: str):
    f, g = s.acts[d]
    n = s.hidden
    wb, rb = b[: 3 * n], b[3 * n:]
    (pre,) = _blocks(e, x, h, w[: 2 * n], r[: 2 * n], wb[: 2 * n] + rb[: 2 * n], 1, tag)
    zr = e.act(e.clip(pre, s.clip, f"{tag}/clip_zr"), f, f"{tag}/zr")
    z, rr = e.slice(zr, 0, n, -1, f"{tag}/z"), e.slice(zr, n, 2 * n, -1, f"{tag}/r")
    if s.linear_before_reset:
        xh = e.linear(x, w[2 * n:].T, wb[2 * n:], f"{tag}/xh")
        rh = e.mul(rr, e.linear(h, r[2 * n:].T, rb[2 * n:], f"{tag}/hr_h"), f"{tag}/r*hr")
    else:
        xh = e.linear(x, w[2 * n:].T, wb[2 * n:] + rb[2 * n:], f"{tag}/xh")
        rh = e.linear(e.mul(rr, h, f"{tag}/r*H"), r[2 * n:].T, None, f"{tag}/rH_r")
    cand = e.act(e.clip(e.add(xh, rh, f"{tag}/pre_h"), s.clip, f"{tag}/clip_h"), g,
                 f"{tag}/h")
    diff = e.sub(h, cand, f"{tag}/H-h")
    return e.add(cand, e.mul(z, diff, f"{tag}/z*(H-h)"), f"{tag}/H"), c


def _rnn(e: Emitter, s: RnnSpec, d: int, x, h, c, w, r, b, p, tag: str):
    n = s.hidden
    (pre,) = _blocks(e, x, h, w, r, b[:n] + b[n:], 1, tag)
    return e.act(e.clip(pre, s.clip, f"{tag}/clip"), s.acts[d][0], f"{tag}/H"), c


CELLS = {"LSTM": _lstm, "GRU": _gru, "RNN": _rnn}


class _Node:
    """One recurrent node being unrolled: its spec, constants and the tensors read."""

    def __init__(self, n: onnx.NodeProto, name: str, consts: dict, values: dict) -> None:
        self.n, self.name, self.consts = n, name, consts
        ins = list(n.input) + [""] * (8 - len(n.input))
        self.x, self.lens, self.h0, self.c0 = ins[0], ins[4], ins[5], ins[6]
        w, r = self.weight(ins[1], "W"), self.weight(ins[2], "R")
        if w is None or r is None:
            raise self.error("W and R are required")
        self.w, self.r = w, r
        b, self.p = self.weight(ins[3], "B"), self.weight(ins[7], "P")
        x = consts[self.x] if self.x in consts else values[self.x]
        try:
            self.s = rnn_spec(n.op_type, self.r.shape[-1], **attributes(n))
            lay = self.s.layout
            self.steps, self.batch, self.inputs = (int(np.shape(x)[lay]),
                                                   int(np.shape(x)[1 - lay]), int(np.shape(x)[2]))
            if self.lens and self.lens not in consts:
                raise UnsupportedOpError("sequence_lens must be a constant equal to the "
                                         f"sequence length {self.steps}")
            check_lengths(consts.get(self.lens), self.steps, self.batch)
        except UnsupportedOpError as err:
            raise self.error(str(err)) from None
        nd, size = len(self.s.directions), 2 * GATES[n.op_type] * self.s.hidden
        self.b: np.ndarray = np.zeros((nd, size)) if b is None else b

    def error(self, what: str) -> UnsupportedOpError:
        return UnsupportedOpError(f"node {self.name!r} ({self.n.op_type}): {what}")

    def weight(self, name: str, what: str) -> np.ndarray | None:
        if not name:
            return None
        if name not in self.consts:
            raise self.error(f"{what} must be a constant (an initializer); weights computed "
                             "from the model's inputs are not supported")
        return np.asarray(self.consts[name], np.float64)

    def initial(self, e: Emitter, name: str, d: int) -> Value:
        """Direction d's initial state (b, hidden); None when absent or zero."""
        if not name:
            return None
        lay = self.s.layout
        if name in self.consts:
            v = np.asarray(self.consts[name], np.float64)
            return e.const((np.swapaxes(v, 0, 1) if lay else v)[d], f"{name}/{d}")
        part = e.slice(name, d, d + 1, lay, f"d{d}/{name}")
        return e.reshape(part, (self.batch, self.s.hidden), f"d{d}/{name}")

    def step_input(self, e: Emitter, t: int) -> Value:
        xt = e.slice(self.x, t, t + 1, self.s.layout, f"x{t}")
        return e.reshape(xt, (self.batch, self.inputs), f"x{t}")


def _unroll(e: Emitter, u: _Node):
    """Run every direction over every step: (Y states [t][d], last H per d, last C per d)."""
    s = u.s
    nd = len(s.directions)
    xs: dict[int, Value] = {}
    ys: list[list[Value]] = [[None] * nd for _ in range(u.steps)]
    hs, cs = [], []
    for d, way in enumerate(s.directions):
        h, c = u.initial(e, u.h0, d), u.initial(e, u.c0, d)
        order = range(u.steps) if way == "forward" else range(u.steps - 1, -1, -1)
        for t in order:
            if t not in xs:
                xs[t] = u.step_input(e, t)
            tag = f"d{d}/t{t}" if nd > 1 else f"t{t}"
            h, c = CELLS[u.n.op_type](e, s, d, xs[t], h, c, u.w[d], u.r[d], u.b[d],
                                      None if u.p is None else u.p[d], tag)
            ys[t][d] = h
        hs.append(h)
        cs.append(c)
    return ys, hs, cs


def _stack(e: Emitter, parts: list[Value], shape, perm, out: str, u: _Node) -> None:
    """Concat (1, b, hidden) pieces on axis 0, shaped to ``shape`` (layout 0 order), then
    permuted by ``perm`` for layout 1, into tensor ``out``."""
    b, n = u.batch, u.s.hidden
    y = e.concat([e.reshape(p, (1, b, n), "stack") for p in parts], 0, "stack")
    if not u.s.layout:
        e.reshape(y, shape, "out", out)
    elif b == 1:  # moving an axis of size 1 keeps the order
        e.reshape(y, [shape[i] for i in perm], "out", out)
    else:
        e.transpose(e.reshape(y, shape, "out"), perm, "out", out)


def _expand(n: onnx.NodeProto, name: str, consts: dict, values: dict, used: set[str],
            taken: set[str]) -> Emitter:
    u = _Node(n, name, consts, values)
    e = Emitter(name, taken)
    e.zeros_shape = (u.batch, u.s.hidden)
    ys, hs, cs = _unroll(e, u)
    outs = list(n.output) + [""] * 3
    nd, b, hid = len(u.s.directions), u.batch, u.s.hidden
    if outs[0] in used:
        _stack(e, [h for row in ys for h in row], (u.steps, nd, b, hid), (2, 0, 1, 3), outs[0],
               u)
    for last, out in ((hs, outs[1]), (cs, outs[2] if n.op_type == "LSTM" else "")):
        if out in used:
            _stack(e, last, (nd, b, hid), (1, 0, 2), out, u)
    return e


def expand_recurrent(model: onnx.ModelProto, consts: dict, values: dict) -> onnx.ModelProto:
    """``model`` with every recurrent node that depends on its inputs unrolled (``consts`` and
    ``values``: a batch-1 trace of the model, name → array)."""
    g = model.graph
    used = {i for n in g.node for i in n.input if i} | {o.name for o in g.output}
    taken = ({x for n in g.node for x in (*n.input, *n.output, n.name)}
             | {t.name for t in g.initializer} | {i.name for i in g.input})
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    for idx, n in enumerate(g.node):
        named = [o for o in n.output if o]
        if (n.op_type not in GATES or n.domain not in ("", "ai.onnx")
                or all(o in consts for o in named)):
            nodes.append(n)
            continue
        e = _expand(n, n.name or f"{n.op_type}_{idx}", consts, values, used, taken)
        nodes += e.nodes
        inits += e.inits
    out = onnx.ModelProto()
    out.CopyFrom(model)
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    out.graph.initializer.extend(inits)
    return out
