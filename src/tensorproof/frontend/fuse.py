"""Fusions of the normalized float graph that quantize better than their parts.

Exporters spell some functions as chains of small ONNX ops: LayerNorm as ReduceMean, Sub, Pow,
ReduceMean, Add, Sqrt, Div (PyTorch before opset 17, nanoGPT's own LayerNorm); GELU as
0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), SiLU as x·sigmoid(x), and so on. Quantized op by op,
each link rounds again (x³ of an 8-bit x keeps about 3 significant bits). Two passes, run at
the end of ``normalize`` (calibration then observes the fused graph):

- :func:`fuse_layer_norms`: the decomposed LayerNorm (trailing axes; Pow(d, 2) or d·d; Div by
  the root or Mul by its Reciprocal; ε optional) becomes one ``LayerNormalization`` node (scale
  1; γ and β stay the Mul/Add that follow), lowered by ``Quantizer.normalize``: the centred
  values and the variance exact, one table for 1/√(var + ε).
- :func:`fuse_pointwise`: a connected set of elementwise ops whose only non-constant input is
  one tensor x (constants of one element; every tensor of x's shape and a float type), of two
  or more nodes of which one at least would be a table alone (tanh, exp, a division by a value:
  :func:`_table`; exact products like x·x and affine ops alone are left unfused), and whose
  internal tensors nobody else reads, becomes one ``tp.Pointwise`` node: y = f(x) for the
  composed f, one lookup table over x's range. The float semantics are the original ops,
  evaluated in order (:func:`pointwise`), so calibration and the float reference are unchanged.

Both are rewrites of the float graph only: the integer graph and its proof know nothing of
them (a table and a normalization as for any other model).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .float_ops import ELEMENTWISE, UNARY

POINTWISE = "tp.Pointwise"

BINARY = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Clip", "PRelu"})


def _uses(nodes) -> dict[str, list]:
    out: dict[str, list] = {}
    for n in nodes:
        for i in n.inputs:
            if i:
                out.setdefault(i, []).append(n)
    return out


def _scalar(consts: dict, name: str) -> float | None:
    c = consts.get(name)
    if c is None or np.size(c) != 1:
        return None
    return float(np.ravel(c)[0])


def pointwise(x, body=()):
    """Float semantics of a ``tp.Pointwise`` node: the fused ops, in order, on x. ``body`` is a
    tuple of (op, inputs, output, attrs) where an input is "" (x), the output of an earlier
    entry, a constant (numpy array) or None (an omitted optional input)."""
    vals: dict[str, np.ndarray] = {"": np.asarray(x, dtype=np.float64)}
    out = vals[""]
    with np.errstate(all="ignore"):
        for op, ins, name, attrs in body:
            args = [vals[i] if isinstance(i, str) else i for i in ins]
            out = np.asarray(ELEMENTWISE[op](*args, **attrs), dtype=np.float64)
            vals[name] = out
    return out


def _fusable(n, consts: dict, inside: set[str]) -> bool:
    """Whether ``n`` is an elementwise op of tensors in ``inside`` and one-element constants."""
    if n.op not in UNARY and n.op not in BINARY or len(n.outputs) != 1:
        return False
    act = [i for i in n.inputs if i and i not in consts]
    if not act or any(i not in inside for i in act):
        return False
    return all(_scalar(consts, i) is not None for i in n.inputs if i and i in consts)


def _table(n, consts: dict) -> bool:
    """Whether ``n`` alone would be quantized as a lookup table: a non-homogeneous function
    (tanh, exp, erf…), Max/Min with a constant, a power other than 1 and 2, or a division by a
    value. Products of values (x·x, x³ by Mul) are exact integer products instead: a region of
    those and affine ops is left as it is (fusing it would add a table and a rounding)."""
    if n.op in UNARY:
        return not UNARY[n.op][1]
    if n.op in ("Max", "Min"):
        return True
    if n.op == "Pow":
        return _scalar(consts, n.inputs[1]) not in (1.0, 2.0)
    return n.op == "Div" and n.inputs[1] not in consts


def fuse_pointwise(nodes: list, consts: dict, outputs: list[str], shapes: dict,
                   dtypes: dict) -> list:
    """Replace single-input elementwise regions by ``tp.Pointwise`` nodes (module docstring)."""
    uses = _uses(nodes)
    index = {id(n): k for k, n in enumerate(nodes)}
    taken: set[int] = set()
    replaced: dict[int, object] = {}

    def floating(name: str) -> bool:
        dt = dtypes.get(name)
        return dt is not None and np.dtype(dt).kind == "f"

    sources = [i for n in nodes for i in n.inputs if i and i not in consts]
    sources += [o for n in nodes for o in n.outputs]
    for x in dict.fromkeys(sources):
        if not floating(x) or x not in shapes:
            continue
        region: list = []
        inside = {x}
        grew = True
        while grew:
            grew = False
            for t in list(inside):
                for n in uses.get(t, []):
                    if (id(n) in taken or any(n is r for r in region)
                            or not _fusable(n, consts, inside)
                            or shapes.get(n.outputs[0]) != shapes[x]
                            or not floating(n.outputs[0])):
                        continue
                    region.append(n)
                    inside.add(n.outputs[0])
                    grew = True
        if len(region) < 2:
            continue
        region.sort(key=lambda n: index[id(n)])
        for sink in reversed(region):
            cone = _cone(sink, region, x)
            if (len(cone) < 2 or any(id(n) in taken for n in cone)
                    or not any(_table(n, consts) for n in cone)
                    or not _closed(cone, sink, uses, outputs)):
                continue
            body = tuple((n.op, tuple(None if not i else "" if i == x else consts.get(i, i)
                                      for i in n.inputs),
                          n.outputs[0], dict(n.attrs)) for n in cone)
            taken.update(id(n) for n in cone)
            replaced[id(sink)] = dataclasses.replace(
                sink, op=POINTWISE, inputs=[x], outputs=[sink.outputs[0]],
                attrs={"body": body})
    return [replaced.get(id(n), n) for n in nodes if id(n) not in taken or id(n) in replaced]


def _cone(sink, region: list, x: str) -> list:
    """The nodes of ``region`` that ``sink`` depends on (itself included), in order."""
    producer = {n.outputs[0]: n for n in region}
    need, stack = {id(sink)}, [sink]
    while stack:
        for i in stack.pop().inputs:
            p = producer.get(i)
            if p is not None and id(p) not in need:
                need.add(id(p))
                stack.append(p)
    return [n for n in region if id(n) in need]


def _closed(cone: list, sink, uses: dict, outputs: list[str]) -> bool:
    """No tensor of ``cone`` but the sink's output is read outside it (or is a graph output)."""
    ids = {id(n) for n in cone}
    for n in cone:
        if n is sink:
            continue
        o = n.outputs[0]
        if o in outputs or any(id(u) not in ids for u in uses.get(o, [])):
            return False
    return True


def _trailing_axes(n, consts: dict, rank: int) -> list[int] | None:
    """The sorted axes of a ReduceMean with keepdims, when they are the trailing axes."""
    if n.op != "ReduceMean" or not n.attrs.get("keepdims", 1):
        return None
    axes = n.attrs.get("axes")
    if axes is None and len(n.inputs) > 1 and n.inputs[1]:
        axes = consts.get(n.inputs[1])
    if axes is None or np.size(axes) == 0:
        return None
    ax = sorted(int(a) % rank for a in np.ravel(axes))
    return ax if ax == list(range(ax[0], rank)) else None


def fuse_layer_norms(nodes: list, consts: dict, outputs: list[str], shapes: dict) -> list:
    """Replace decomposed LayerNorms by ``LayerNormalization`` nodes (module docstring)."""
    uses = _uses(nodes)

    def only(t: str, k: int = 1) -> list | None:
        us = uses.get(t, [])
        return us if len(us) == k and t not in outputs else None

    drop: set[int] = set()
    replaced: dict[int, object] = {}
    for mean in nodes:
        x = mean.inputs[0] if mean.inputs else ""
        if mean.op != "ReduceMean" or x not in shapes:
            continue
        axes = _trailing_axes(mean, consts, len(shapes[x]))
        sub = only(mean.outputs[0])
        if axes is None or not sub or sub[0].op != "Sub" or sub[0].inputs != [x, mean.outputs[0]]:
            continue
        d = sub[0].outputs[0]
        users = uses.get(d, [])
        if d in outputs or len(users) not in (2, 3):
            continue
        sq = [u for u in users if (u.op == "Pow" and u.inputs[0] == d
                                   and _scalar(consts, u.inputs[1]) == 2.0)
              or (u.op == "Mul" and u.inputs == [d, d])]
        if len(sq) != 1 or len(users) != (3 if sq[0].op == "Mul" else 2):
            continue
        var = only(sq[0].outputs[0])
        if not var or _trailing_axes(var[0], consts, len(shapes[x])) != axes:
            continue
        chain, t, eps = [mean, sub[0], sq[0], var[0]], var[0].outputs[0], 0.0
        nxt = only(t)
        if nxt and nxt[0].op == "Add":
            other = [i for i in nxt[0].inputs if i != t]
            e = _scalar(consts, other[0]) if len(other) == 1 else None
            if e is None or e < 0:
                continue
            chain, t, eps, nxt = chain + [nxt[0]], nxt[0].outputs[0], e, only(nxt[0].outputs[0])
        if not nxt or nxt[0].op != "Sqrt":
            continue
        chain, t = chain + [nxt[0]], nxt[0].outputs[0]
        last = only(t)
        if last and last[0].op == "Reciprocal":
            r = only(last[0].outputs[0])
            if not r or r[0].op != "Mul" or sorted(r[0].inputs) != sorted([d, last[0].outputs[0]]):
                continue
            chain, last = chain + [last[0]], r
        elif not last or last[0].op != "Div" or last[0].inputs != [d, t]:
            continue
        if {id(u) for u in users} != {id(sq[0]), id(last[0])}:
            continue
        ones = f"{mean.name}/layer_norm_scale"
        consts[ones] = np.ones(1)
        drop.update(id(n) for n in chain)
        replaced[id(last[0])] = dataclasses.replace(
            last[0], op="LayerNormalization", inputs=[x, ones],
            attrs={"axis": axes[0], "epsilon": eps})
    return [replaced.get(id(n), n) for n in nodes if id(n) not in drop]
