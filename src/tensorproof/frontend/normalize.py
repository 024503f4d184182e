"""ONNX → normalized float graph: constants folded, static shapes, BatchNorm folded.

Semantics: the compiled model is the ONNX model run on **one sample at a time** (batch size 1);
a batch is a stack of independent samples. The model is evaluated once with batch 1 on a dummy
input (float_ops / float_nn). Every node whose inputs are all constant — and every Shape/Size,
since shapes are static — is folded into a constant; the rest is kept with its static shape. Then:
Identity, Dropout and float Casts are dropped; BatchNormalization after a Conv or Gemm that feeds
nothing else is folded into its weights; Reshape/Flatten/Squeeze/Unsqueeze become ``tp.Reshape``
and Expand ``tp.Expand`` with a fixed shape. A tensor's per-sample shape is its batch-1 shape
without the leading 1 (:meth:`FloatGraph.ps`). Models whose every tensor keeps the batch axis in
front and computes each sample independently (checked by running two samples together and apart)
are ``batched``: their float evaluation runs whole batches at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx

from ..errors import CompileError, TensorProofError, UnsupportedOpError
from .expand_ml import expand_ml, has_ml
from .expand_rnn import expand_recurrent
from .float_index import INDEX_OPS
from .float_nn import NN
from .float_ops import ELEMENTWISE, np_dtype
from .float_rnn import RECURRENT
from .fuse import POINTWISE, fuse_layer_norms, fuse_pointwise, pointwise
from .onnx_io import attributes, constant_value, input_info, opset_version, to_array, topo_order


def _batch_shape(x: np.ndarray, shape) -> tuple[int, ...]:
    """A baked batch-1 shape, with the batch size of ``x`` when the shape leads with 1."""
    shape = tuple(shape)
    return (x.shape[0],) + shape[1:] if shape and shape[0] == 1 and x.ndim else shape


def _reshape(x: np.ndarray, shape) -> np.ndarray:
    """Reshape to a baked batch-1 shape: as is when the sizes agree (a sample run one at a
    time, whose leading axis need not be the batch axis), else with the batch size of ``x``."""
    shape = tuple(shape)
    return x.reshape(shape if x.size == int(np.prod(shape)) else _batch_shape(x, shape))


FLOAT_OPS: dict = {
    **ELEMENTWISE, **NN, **RECURRENT, **INDEX_OPS,
    "tp.Reshape": _reshape,
    "tp.Expand": lambda x, shape: np.broadcast_to(x, _batch_shape(x, shape)).copy(),
    POINTWISE: pointwise,
}
"""Float semantics of every ONNX op the frontend can evaluate, plus the internal tp.* ops."""

ALIAS_OPS = ("Identity", "Dropout")
RESHAPE_OPS = ("Reshape", "Flatten", "Squeeze", "Unsqueeze")


@dataclass
class FNode:
    """A kept (non-constant) node: ONNX op and attributes; inputs name activations or consts."""

    op: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict = field(default_factory=dict)


def per_sample(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Per-sample shape of a batch-1 shape: without its leading 1 (rank >= 2), at least (1,)."""
    if len(shape) >= 2 and shape[0] == 1:
        return tuple(shape[1:])
    return tuple(shape) if shape else (1,)


@dataclass
class FloatGraph:
    """The normalized float model. ``shapes`` are static shapes with batch 1."""

    inputs: list[str]
    outputs: list[str]
    nodes: list[FNode]
    consts: dict[str, np.ndarray]
    shapes: dict[str, tuple[int, ...]]
    opset: int
    batched: bool = False
    onnx_outputs: list[str] = field(default_factory=list)
    dtypes: dict[str, np.dtype] = field(default_factory=dict)
    """numpy dtype of every traced tensor (floats as float64): integer and boolean tensors are
    exact integers in the compiled model."""

    def ps(self, name: str) -> tuple[int, ...]:
        """Per-sample shape of tensor ``name``."""
        return per_sample(self.shapes[name])

    @property
    def input_shapes(self) -> dict[str, tuple[int, ...]]:
        """Per-sample shape of each input."""
        return {k: self.ps(k) for k in self.inputs}

    def _run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vals = dict(feeds)
        with np.errstate(all="ignore"):
            for n in self.nodes:
                args = [None if not i else self.consts[i] if i in self.consts else vals[i]
                        for i in n.inputs]
                out = FLOAT_OPS[n.op](*args, **n.attrs)
                for name, v in zip(n.outputs, out if isinstance(out, tuple) else (out,)):
                    vals[name] = np.asarray(v, dtype=np.float64)
        return vals

    def run(self, feeds: dict[str, np.ndarray], batched: bool | None = None
            ) -> dict[str, np.ndarray]:
        """Float64 inference on samples (N, *per-sample shape); returns every activation tensor
        as (N, *per-sample shape). Batched models run at once, others one sample at a time."""
        n = len(next(iter(feeds.values())))
        feeds = {k: np.asarray(v, dtype=np.float64) for k, v in feeds.items()}
        if self.batched if batched is None else batched:
            vals = self._run({k: v.reshape((n,) + self.shapes[k][1:]) for k, v in feeds.items()})
        else:
            per = [self._run({k: v[i].reshape(self.shapes[k]) for k, v in feeds.items()})
                   for i in range(n)]
            vals = {k: np.stack([p[k] for p in per]) for k in per[0]}
        return {k: v.reshape((n,) + self.ps(k)) for k, v in vals.items()}


def _is_batched(fg: FloatGraph) -> bool:
    """Whether two samples run together give what they give apart (and shapes lead with 1)."""
    if any(not s or s[0] != 1 for s in fg.shapes.values()):
        return False
    rng = np.random.default_rng(0)
    feeds = {k: rng.normal(size=(2,) + fg.ps(k)) for k in fg.inputs}
    try:
        together = fg.run(feeds, batched=True)
    except Exception:
        return False
    apart = fg.run(feeds, batched=False)
    return all(np.allclose(together[k], apart[k], equal_nan=True) for k in apart)


def unsupported(op: str, node: str) -> UnsupportedOpError:
    """The error for an operator outside the table (lists the supported ones)."""
    from .lowering import supported_ops

    return UnsupportedOpError(f"unsupported operator {op} (node {node!r}); supported operators: "
                              f"{', '.join(supported_ops())}")


def _evaluate(n: onnx.NodeProto, name: str, attrs: dict, args: list, const: bool):
    fn = FLOAT_OPS.get(n.op_type) if n.domain in ("", "ai.onnx") else None
    if fn is None:
        raise unsupported(n.op_type if not n.domain else f"{n.domain}.{n.op_type}", name)
    try:
        with np.errstate(all="ignore"):
            out = fn(*args, **attrs)
    except TensorProofError as e:
        raise type(e)(f"node {name!r} ({n.op_type}): {e}") from None
    except Exception as e:
        what = "constant subgraph" if const else "node"
        raise CompileError(f"{what} {name!r} ({n.op_type}) cannot be evaluated: "
                           f"{type(e).__name__}: {e}") from None
    return out if isinstance(out, tuple) else (out,)


def _trace(model: onnx.ModelProto):
    """Evaluate with batch 1: (inputs, consts, values, kept nodes, opset)."""
    g = model.graph
    opset = opset_version(model)
    consts = {t.name: to_array(t) for t in g.initializer}
    info = {vi.name: input_info(vi) for vi in g.input if vi.name not in consts}
    inputs = {k: shape for k, (shape, _) in info.items()}
    if not inputs:
        outs = ", ".join(repr(o.name) for o in g.output)[:80]
        raise CompileError(f"the model has no inputs: its outputs ({outs}) are constants; a "
                           "proof is of outputs computed from inputs (they set its batch), so "
                           "there is nothing to prove")
    values = {k: np.full(s, 0.5).astype(info[k][1]) for k, s in inputs.items()}
    _check_single_assignment(g, set(consts) | set(inputs))
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    kept: list[FNode] = []
    for idx, n in enumerate(topo_order(g, set(consts) | set(values))):
        name = n.name or f"{n.op_type}_{idx}"
        attrs = attributes(n)
        if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
            consts[n.output[0]] = constant_value(n, attrs)
            continue
        if n.op_type in ("Softmax", "LogSoftmax"):
            attrs["_opset"] = opset
        if n.op_type == "Split" and "num_outputs" not in attrs:
            attrs["num_outputs"] = len(n.output)
        is_const = all(not i or i in consts for i in n.input) or n.op_type in ("Shape", "Size")
        args = [None if not i else consts[i] if i in consts else values[i] for i in n.input]
        outs = _evaluate(n, name, attrs, args, is_const)
        names = [o for o in n.output]
        for extra in names[len(outs):]:
            if extra and extra in used:
                raise UnsupportedOpError(f"node {name!r} ({n.op_type}): its output {extra!r} "
                                         "(beyond the first) is not supported")
        for o, v in zip(names, outs):
            (consts if is_const else values)[o] = np.asarray(v)
        if not is_const:
            kept.append(FNode(n.op_type, name, list(n.input), names[: len(outs)], attrs))
    return inputs, consts, values, kept, opset


def _check_single_assignment(g, defined: set[str]) -> None:
    """Every tensor name is defined once (ONNX's SSA rule): a name written by two nodes, or by a
    node and an input or initializer, is refused instead of silently shadowed."""
    seen = set(defined)
    for n in g.node:
        for o in n.output:
            if not o:
                continue
            if o in seen:
                raise CompileError(f"tensor {o[:80]!r} is defined more than once (node "
                                   f"{n.name[:80]!r}, {n.op_type}): not a valid ONNX graph; "
                                   "give every node output a unique name")
            seen.add(o)


def _drop_aliases(nodes: list[FNode], outputs: list[str]) -> tuple[list[FNode], list[str]]:
    alias: dict[str, str] = {}
    out = []
    for n in nodes:
        n.inputs = [alias.get(i, i) for i in n.inputs]
        is_float_cast = n.op == "Cast" and np.dtype(np_dtype(n.attrs.get("to", 1))).kind == "f"
        if n.op in ALIAS_OPS or is_float_cast:
            alias[n.outputs[0]] = n.inputs[0]
        else:
            out.append(n)
    return out, [alias.get(o, o) for o in outputs]


def _fold_bn(nodes: list[FNode], consts: dict, outputs: list[str]) -> list[FNode]:
    """Fold inference BatchNormalization into the Conv/Gemm before it (when it alone reads it)."""
    uses: dict[str, int] = {}
    for n in nodes:
        for i in n.inputs:
            uses[i] = uses.get(i, 0) + 1
    producer = {n.outputs[0]: n for n in nodes}
    drop = set()
    for bn in nodes:
        p = producer.get(bn.inputs[0]) if bn.op == "BatchNormalization" else None
        if (p is None or p.op not in ("Conv", "Gemm") or uses.get(p.outputs[0]) != 1
                or p.outputs[0] in outputs or bn.attrs.get("training_mode", 0)
                or not all(i in consts for i in bn.inputs[1:5] + p.inputs[1:])):
            continue
        scale, b, mean, var = (consts[i] for i in bn.inputs[1:5])
        a = scale / np.sqrt(var + bn.attrs.get("epsilon", 1e-5))
        shift = b - mean * a
        if p.op == "Conv":
            w = consts[p.inputs[1]]
            bias = consts[p.inputs[2]] if len(p.inputs) > 2 and p.inputs[2] else 0.0
            w2, b2 = w * a.reshape((-1,) + (1,) * (w.ndim - 1)), bias * a + shift
        else:
            at = p.attrs
            w = at.get("alpha", 1.0) * (consts[p.inputs[1]].T if at.get("transB", 0)
                                        else consts[p.inputs[1]])
            c = consts[p.inputs[2]] if len(p.inputs) > 2 and p.inputs[2] else np.zeros(1)
            if np.size(c) not in (1, w.shape[1]):
                continue
            bias = at.get("beta", 1.0) * np.broadcast_to(np.ravel(c), (w.shape[1],))
            w2, b2 = w * a[None, :], bias * a + shift
            p.attrs = {"transA": at.get("transA", 0)}
        consts[p.name + "/W_bn"], consts[p.name + "/b_bn"] = w2, b2
        p.inputs = [p.inputs[0], p.name + "/W_bn", p.name + "/b_bn"]
        p.outputs = [bn.outputs[0]]
        drop.add(id(bn))
    return [n for n in nodes if id(n) not in drop]


def _static_shapes(nodes: list[FNode], values: dict) -> None:
    """Bake the (batch-1) output shape into reshapes and expands."""
    for n in nodes:
        if n.op in RESHAPE_OPS or n.op == "Expand":
            n.op = "tp.Expand" if n.op == "Expand" else "tp.Reshape"
            n.inputs, n.attrs = n.inputs[:1], {"shape": tuple(values[n.outputs[0]].shape)}


def normalize(model: onnx.ModelProto) -> FloatGraph:
    """Fold and normalize an ONNX model (see module docstring); recurrent nodes (LSTM, GRU,
    RNN) that depend on the inputs are unrolled (expand_rnn.py) and the model traced again."""
    if has_ml(model):  # ai.onnx.ml nodes (tree ensembles, ...) → ordinary ops (expand_ml.py)
        model = expand_ml(model)
    inputs, consts, values, kept, opset = _trace(model)
    if any(n.op in RECURRENT for n in kept):
        model = expand_recurrent(model, consts, values)
        inputs, consts, values, kept, opset = _trace(model)
    onnx_outputs = [o.name for o in model.graph.output]
    kept, outputs = _drop_aliases(kept, onnx_outputs)
    for o in outputs:
        if o in consts:
            raise CompileError(f"graph output {o!r} is a constant (it does not depend on the "
                               "inputs); nothing to prove")
        if o not in values:
            raise CompileError(f"graph output {o!r} is not computed by the model")
    kept = _fold_bn(kept, consts, outputs)
    _static_shapes(kept, values)
    shapes = {k: tuple(v.shape) for k, v in values.items()}
    kept = fuse_layer_norms(kept, consts, outputs, shapes)
    kept = fuse_pointwise(kept, consts, outputs, shapes, {k: v.dtype for k, v in values.items()})
    fg = FloatGraph(list(inputs), outputs, kept, consts, shapes, opset,
                    onnx_outputs=onnx_outputs, dtypes={k: v.dtype for k, v in values.items()})
    fg.batched = _is_batched(fg)
    return fg
