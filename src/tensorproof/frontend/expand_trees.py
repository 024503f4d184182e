"""Tree ensembles of ONNX-ML expanded into ordinary ONNX ops (the Hummingbird GEMM form).

A TreeEnsembleClassifier, TreeEnsembleRegressor or TreeEnsemble (ai.onnx.ml opset 5) node
becomes, for a batch X (N, F):

1. Decisions. Every decision node is canonicalized to x ≤ t, x < t or x = t on one feature,
   possibly negated (GT = not LEQ, GTE = not LT, NEQ = not EQ; a MEMBER node of set S is the
   sum of the equalities x = v, v ∈ S, which is 0 or 1). Equal tests are shared across trees.
   Per feature f and kind: LessOrEqual/Less/Equal(X[:, f:f+1], thresholds), broadcast to one
   column per test (the slice keeps X's integers and scale exactly), cast to int64 and
   concatenated: B (N, D) of 0/1.
   The compiler quantizes each threshold by the threshold rule of quant/logic.py, so that no
   quantized input takes another branch than its dequantized value would.
2. Leaves. One column per root-to-leaf path (tree structure from the node ids; a DAG is
   unrolled into its paths). With P (D, M) holding +1 (the path needs the test true) or −1
   (false) and k (M,) the number of +1 entries, the path's leaf is reached iff B·P = k (its
   maximum, reached only when every test goes the path's way): H = Cast(Equal(MatMul(B, P),
   k)), exactly one column per tree equal to 1. Every product here is of integers (int64).
   Large ensembles take steps 1-2 per group of trees (tree_model.CHUNK), so that P's size
   grows with the trees' sizes, not with their number squared.
3. Scores. The leaf weights are rounded to a grid 2^-q (the coarsest one holding them exactly,
   else the one giving the largest weight 24 significant bits) and summed by an integer MatMul:
   Z = MatMul(H, W) + base (SUM; AVERAGE folds 1/n_trees into W; MIN/MAX take the per-tree
   values, a sentinel where a leaf has no weight for a target, and a tournament of exact
   comparisons). The real scores R = Z·2^-q are exact on the grid; targets or classes that a
   sample's leaves give no weight are masked as onnxruntime does (written as 0, excluded from
   the label).
4. Outputs, following onnxruntime: post_transform NONE, LOGISTIC (Sigmoid), SOFTMAX
   (Softmax), SOFTMAX_ZERO (Softmax over the non-zero scores, zeros kept 0); PROBIT is refused.
   Classifier labels: the first maximum of Z over more than two classes, by exact pairwise
   tests (Z_i − Z_j ≥ 1 for j < i, ≥ 0 for j > i; the scores are wider than the 16 bits of
   the max step, so no ArgMax/ReduceMax); with two classes, onnxruntime's binary
   rules (one score column s: probabilities [1 − s, s], [−s, s] or [σ(−s), σ(s)], label
   [s > 0.5] for non-negative weights of a single class, else [s > 0]); then the label index
   mapped through classlabels_int64s (Gather), or kept as the index into classlabels_strings.

NaN inputs are out of scope (inputs are quantized finite values), so
nodes_missing_value_tracks_true has no effect; nodes_hitrates are ignored, as by onnxruntime.
Each refusal is a one-line UnsupportedOpError naming the node.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

from .rnn_emit import Emitter
from .tree_model import (
    AGGREGATES,
    ALWAYS,
    CHUNK,
    NEVER,
    POST,
    SOFTMAX_ZERO_EPS,
    TREE_OPS,
    VARIES,
    Decisions,
    Forest,
    Paths,
    Votes,
    decisions,
    grid,
    parse_legacy,
    parse_v5,
    paths,
    votes,
)
from .tree_model import round_grid as _round

__all__ = ["TREE_OPS", "TreeEmitter", "expand_tree_node"]

KIND_OPS = ("LessOrEqual", "Less", "Equal")
"""The ONNX comparison of each canonical test kind."""


class TreeEmitter(Emitter):
    """Emitter with int64 matrices and the few ops of a tree ensemble."""

    def __init__(self, node: str, taken: set[str], opset: int) -> None:
        super().__init__(node, taken)
        self.opset = opset

    def int_tensor(self, a, hint: str) -> str:
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(a, np.int64), name))
        return name

    def cast(self, x: str, to: int, hint: str, out: str | None = None) -> str:
        return self.op("Cast", [x], hint, out, {"to": to})

    def column(self, x: str, j: int, hint: str) -> str:
        return self.slice(x, j, j + 1, 1, hint) or x


def _x_decisions(e: TreeEmitter, x: str, d: Decisions) -> str:
    """B (N, D): the canonical tests as int64 0/1 (module docstring, step 1)."""
    xd = e.cast(x, TensorProto.DOUBLE, "x")
    parts = []
    groups = np.flatnonzero(np.r_[True, (np.diff(d.feature) != 0) | (np.diff(d.kind) != 0)])
    for lo, hi in zip(groups, np.r_[groups[1:], len(d.kind)]):
        feature, kind = int(d.feature[lo]), int(d.kind[lo])
        xf = e.slice(xd, feature, feature + 1, 1, f"x{feature}")
        b = e.op(KIND_OPS[kind], [xf, e.tensor(d.value[lo:hi], "thresholds")], KIND_OPS[kind])
        parts.append(e.cast(b, TensorProto.INT64, "decisions"))
    return parts[0] if len(parts) == 1 else e.op("Concat", parts, "decisions", attrs={"axis": 1})


def _hits(e: TreeEmitter, b: str, d: Decisions) -> str:
    """H (N, M): 1 for the reached leaf of every tree (module docstring, step 2)."""
    agree = e.op("MatMul", [b, e.int_tensor(d.P, "paths")], "path_agreement")
    hit = e.op("Equal", [agree, e.int_tensor(d.k, "path_lengths")], "leaf")
    return e.cast(hit, TensorProto.INT64, "leaves")


def _scored(e: TreeEmitter, h: str, v: Votes, always: np.ndarray) -> str:
    """(N, C) int64 0/1: whether a sample's leaves (or ``always``) give the target a score."""
    cnt = e.op("MatMul", [h, e.int_tensor(v.has.astype(np.int64), "has_score")], "scores")
    if always.any():
        cnt = e.op("Add", [cnt, e.int_tensor(always.astype(np.int64), "always")], "scores")
    return e.cast(e.op("Greater", [cnt, e.int_tensor(np.array(0), "zero")], "has_score"),
                  TensorProto.INT64, "has_score")


def _sums(e: TreeEmitter, h: str, w: np.ndarray, base: np.ndarray, q: int) -> tuple[str, int]:
    """Z = H·round(w·2^q) + round(base·2^q), int64 (N, C), and a bound on |Z|."""
    wi, b = _round(w, q), _round(base, q)
    z = e.op("MatMul", [h, e.int_tensor(wi, "weights")], "scores")
    bound = int(np.abs(wi).sum(axis=0).max(initial=0)) + int(np.abs(b).max(initial=0))
    return (e.op("Add", [z, e.int_tensor(b, "base")], "scores") if b.any() else z), bound


def _extremes(e: TreeEmitter, f: Forest, h: str, p: Paths, v: Votes, q: int
              ) -> tuple[str, int]:
    """MIN/MAX over the trees per target: (Z (N, C) int64 with a sentinel where no tree gives
    the target a weight, the sentinel). The per-tree values (N, T·C) are halved by a tournament
    of exact comparisons: min(a, b) = b + (a − b)·[a − b < 0] (no max step: the scores are
    wider than its 16 bits)."""
    low = f.aggregate == "MIN"
    vals = v.low if low else v.high
    iv = _round(np.where(v.has, vals, 0.0), q)
    big = int(np.abs(iv).max(initial=0)) + 1
    sentinel = big if low else -big
    n_trees, c = len(f.roots), f.n_targets
    wt = np.zeros((len(p.leaf), n_trees, c), np.int64)
    wt[np.arange(len(p.leaf)), p.tree] = np.where(v.has, iv, sentinel)
    z = e.op("MatMul", [h, e.int_tensor(wt.reshape(len(p.leaf), -1), "tree_weights")],
             "per_tree")
    t = n_trees
    while t > 1:
        half = t // 2
        a = e.slice(z, 0, half * c, 1, "first")
        b = e.slice(z, half * c, 2 * half * c, 1, "second")
        d = e.op("Sub", [a, b], "difference")
        pick = e.cast(e.op("Less" if low else "Greater", [d, e.int_tensor(np.array(0), "zero")],
                           "pick"), TensorProto.INT64, "pick")
        m = e.op("Add", [b, e.op("Mul", [d, pick], "pick")], "aggregate")
        if t % 2:
            m = e.op("Concat", [m, e.slice(z, 2 * half * c, t * c, 1, "rest")], "aggregate",
                     attrs={"axis": 1})
        z, t = m, half + t % 2
    return z, sentinel


def _argmax(e: TreeEmitter, z: str, c: int) -> str:
    """Index (N,) of the first maximum of the int64 scores Z (N, C), by exact pairwise tests:
    class i wins iff Z_i > Z_j for every j < i and Z_i ≥ Z_j for every j > i (no max step:
    the scores are wider than its 16 bits)."""
    i, j = (a.ravel() for a in np.meshgrid(np.arange(c), np.arange(c), indexing="ij"))
    keep = i != j
    i, j = i[keep], j[keep]
    pairs = np.zeros((c, len(i)), np.int64)
    pairs[i, np.arange(len(i))] = 1
    pairs[j, np.arange(len(i))] = -1
    diff = e.op("MatMul", [z, e.int_tensor(pairs, "pairs")], "gaps")
    ok = e.op("GreaterOrEqual", [diff, e.int_tensor((j < i).astype(np.int64), "ties")], "wins")
    owner = np.zeros((len(i), c), np.int64)
    owner[np.arange(len(i)), i] = 1
    cnt = e.op("MatMul", [e.cast(ok, TensorProto.INT64, "wins"), e.int_tensor(owner, "owner")],
               "wins")
    best = e.cast(e.op("Equal", [cnt, e.int_tensor(np.array(c - 1), "all")], "best"),
                  TensorProto.INT64, "best")
    idx = e.op("MatMul", [best, e.int_tensor(np.arange(c).reshape(c, 1), "index")], "class")
    return e.op("Reshape", [idx, e.ints([-1])], "class")


def _real(e: TreeEmitter, z: str, q: int, hint: str) -> str:
    """R = Z·2^-q (double)."""
    r = e.cast(z, TensorProto.DOUBLE, hint)
    return r if q == 0 else e.op("Mul", [r, e.tensor(2.0**-q, "grid")], hint)


def _post(e: TreeEmitter, f: Forest, z: str, r: str, q: int, bound: int, hint: str) -> str:
    """post_transform of R (N, C ≥ 2) as onnxruntime writes it (|Z| ≤ ``bound``)."""
    if f.post == "NONE":
        return r
    if f.post == "LOGISTIC":
        return e.op("Sigmoid", [r], hint)
    if f.post == "SOFTMAX":
        return e.op("Softmax", [r], hint, attrs={"axis": 1})
    if f.post == "SOFTMAX_ZERO":  # zeros (|score| ≤ 1e-7) get 0, the others a softmax
        z0 = math.floor(math.ldexp(SOFTMAX_ZERO_EPS, q))
        if z0 == 0:
            nz = e.op("Not", [e.op("Equal", [z, e.int_tensor(np.array(0), "zero")], hint)],
                      hint)
        else:
            nz = e.op("Or", [e.op("Greater", [z, e.int_tensor(np.array(z0), "eps")], hint),
                             e.op("Less", [z, e.int_tensor(np.array(-z0), "-eps")], hint)],
                      hint)
        m = e.cast(nz, TensorProto.INT64, hint + "/nonzero")
        shift = 2 * bound + math.ceil(math.ldexp(64.0, q))
        zm = e.op("Add", [z, e.op("Mul", [m, e.int_tensor(np.array(shift), "shift")], hint)],
                  hint)  # the zeros end at least 64 below every other score
        sm = e.op("Softmax", [_real(e, zm, q, hint)], hint, attrs={"axis": 1})
        return e.op("Mul", [sm, e.cast(m, TensorProto.DOUBLE, hint)], hint)
    raise f.error(f"post_transform {f.post} (PROBIT needs an inverse erf, which the proven "
                  "ops do not express)")


def _labels(e: TreeEmitter, idx: str, a: dict, out: str) -> str:
    """The class index mapped through classlabels_int64s (strings: the index itself)."""
    ints = a.get("classlabels_int64s")
    if not ints or list(ints) == list(range(len(ints))):
        return e.op("Identity", [idx], "label", out)
    return e.op("Gather", [e.int_tensor(np.asarray(ints), "classlabels"), idx], "label", out,
                attrs={"axis": 0})


def _classifier(e: TreeEmitter, f: Forest, a: dict, h: str, p: Paths, v: Votes,
                outs: list[str], used: set[str]) -> None:
    c = f.n_targets
    base = f.base
    if f.aggregate != "SUM":
        raise f.error("aggregate_function is for regressors")
    want_label, want_prob = outs[0] in used, len(outs) > 1 and outs[1] in used
    if c > 2:
        if len(base) > c:
            raise f.error(f"{len(base)} base_values for {c} classes")
        b = np.zeros(c)
        b[: len(base)] = base
        q = grid(np.r_[v.total.ravel(), b])
        z, bound = _sums(e, h, v.total, b, q)
        if want_prob:
            e.cast(_post(e, f, z, _real(e, z, q, "scores"), q, bound, "probabilities"),
                   TensorProto.FLOAT, "probabilities", outs[1])
        if want_label:
            always = np.array([s == ALWAYS for s in v.status]) | (np.arange(c) < len(base))
            za = z
            if not always.all():  # onnxruntime's ArgMax skips the classes without a score
                hs = _scored(e, h, v, always)
                za = e.op("Add", [z, e.op("Mul", [hs, e.int_tensor(np.array(2 * bound + 1),
                                                                   "big")],
                                          "masked")], "masked")
            _labels(e, _argmax(e, za, c), a, outs[0])
        return
    _binary(e, f, a, h, v, outs, want_label, want_prob)


def _binary(e: TreeEmitter, f: Forest, a: dict, h: str, v: Votes, outs: list[str],
            want_label: bool, want_prob: bool) -> None:
    """Two classes, by onnxruntime's rules (module docstring, step 4)."""
    s0, s1 = v.status
    if VARIES in (s0, s1):
        raise f.error("two classes whose scores exist for some leaves only (onnxruntime then "
                      "changes the probabilities' layout per sample)")
    if s0 == NEVER and s1 == NEVER:
        raise f.error("no leaf votes for any class")
    nb = len(f.base)
    b0 = float(f.base[0]) if nb else 0.0
    b1 = float(f.base[1]) if nb > 1 else 0.0
    if nb > 2:
        raise f.error(f"{nb} base_values for two classes")
    class_ids = set(np.unique(f.entry_target).tolist())
    single = len(class_ids) == 1  # onnxruntime's binary_case_
    positive = bool(np.all(f.entry_weight >= 0))
    w0, w1 = v.total[:, 0], v.total[:, 1]
    zero = np.zeros_like(w0)
    if s1 == ALWAYS:  # two scores
        if nb == 2:
            w, bb = [-w0, w0], [-b1, b1]  # onnxruntime: p1 = b1 + s0, p0 = −p1
        else:
            w, bb = [w0, w1], [b0, 0.0]
        if s0 == NEVER:
            w[0], bb[0] = zero, 0.0
        pos = 1
    elif nb == 2:  # no class-1 score: p0 = s0 + b0 and an empty second score
        w, bb, pos = [w0, zero], [b0, 0.0], 0
    else:
        w, bb, pos = [w0], [b0], 0
    wm, bv = np.stack(w, axis=1), np.asarray(bb)
    q = grid(np.r_[wm.ravel(), bv])
    z, bound = _sums(e, h, wm, bv, q)
    if want_label:
        thr = 0.5 if single and positive else 0.0
        zc = e.column(z, pos, "positive") if wm.shape[1] > 1 else z
        t = math.floor(math.ldexp(thr, q))  # Z·2^-q > thr ⟺ Z > ⌊thr·2^q⌋
        bit = e.op("Greater", [zc, e.int_tensor(np.array(t), "threshold")], "positive")
        idx = e.op("Reshape", [e.cast(bit, TensorProto.INT64, "class"), e.ints([-1])], "class")
        # onnxruntime maps the label through classlabels only in its binary case (one class
        # id); otherwise it writes 1 or 0 as is
        _labels(e, idx, a if single else {}, outs[0])
    if not want_prob:
        return
    r = _real(e, z, q, "scores")
    if wm.shape[1] == 2:
        prob = _post(e, f, z, r, q, bound, "probabilities")
    else:  # one score s: onnxruntime writes [1 − s, s], [−s, s] or [σ(−s), σ(s)]
        if f.post == "PROBIT":
            raise f.error("post_transform PROBIT with one score column (onnxruntime writes "
                          "one probability only)")
        if not single and nb == 1:
            raise f.error("two classes, one base value and no class-1 score: onnxruntime "
                          "leaves the second probability undefined")
        if f.post == "LOGISTIC":
            first = e.op("Sigmoid", [e.op("Neg", [r], "negative")], "negative")
            second = e.op("Sigmoid", [r], "positive")
        elif single and positive:
            first, second = e.op("Sub", [e.tensor(1.0, "one"), r], "negative"), r
        else:
            first, second = e.op("Neg", [r], "negative"), r
        prob = e.op("Concat", [first, second], "probabilities", attrs={"axis": 1})
    e.cast(prob, TensorProto.FLOAT, "probabilities", outs[1])


def _regressor(e: TreeEmitter, f: Forest, h: str, p: Paths, v: Votes, out: str,
               out_type: int) -> None:
    c = f.n_targets
    if f.aggregate not in AGGREGATES:
        raise f.error(f"aggregate_function {f.aggregate}")
    use_base = len(f.base) == c
    base = f.base if use_base else np.zeros(c)
    status = np.array(v.status)
    if f.aggregate in ("SUM", "AVERAGE"):
        w = v.total / (len(f.roots) if f.aggregate == "AVERAGE" else 1)
        q = grid(np.r_[w.ravel(), base])
        mask_base = (status != ALWAYS) & (base != 0) & (c > 1)
        z, bound = _sums(e, h, w, np.where(mask_base, 0.0, base), q)
        if mask_base.any():  # onnxruntime writes 0 for a target without a score
            hs = _scored(e, h, v, np.zeros(c, bool))
            bm = e.op("Mul", [hs, e.int_tensor(_round(np.where(mask_base, base, 0.0), q),
                                               "base")], "base")
            z = e.op("Add", [z, bm], "scores")
    else:
        vals = np.where(v.has, v.low if f.aggregate == "MIN" else v.high, 0.0)
        q = grid(np.r_[vals.ravel(), base])
        z, sentinel = _extremes(e, f, h, p, v, q)
        bound = abs(sentinel) + int(np.abs(_round(base, q)).max(initial=0))
        if (status != ALWAYS).any():
            hs = e.cast(e.op("Not", [e.op("Equal", [z, e.int_tensor(np.array(sentinel),
                                                                    "sentinel")], "none")],
                             "has_score"), TensorProto.INT64, "has_score")
            z = e.op("Mul", [z, hs], "scores")
            if c > 1 and base.any():
                bm = e.op("Mul", [hs, e.int_tensor(_round(base, q), "base")], "base")
                z = e.op("Add", [z, bm], "scores")
                base = np.zeros(c)
        if base.any():
            z = e.op("Add", [z, e.int_tensor(_round(base, q), "base")], "scores")
    r = _real(e, z, q, "scores")
    if c == 1:  # onnxruntime applies only PROBIT to a single target
        if f.post == "PROBIT":
            raise f.error("post_transform PROBIT (an inverse erf, which the proven ops do not "
                          "express)")
    else:
        r = _post(e, f, z, r, q, bound, "values")
    e.cast(r, out_type, "values", out)


def expand_tree_node(n: onnx.NodeProto, name: str, used: set[str], taken: set[str],
                     opset: int, out_type: int = TensorProto.FLOAT,
                     n_features: int | None = None) -> TreeEmitter:
    """The ONNX nodes and initializers replacing one tree-ensemble node (module docstring);
    ``n_features``: X's number of features, when known."""
    f, a = parse_v5(n, name) if n.op_type == "TreeEnsemble" else parse_legacy(n, name)
    if f.post not in POST:
        raise f.error(f"unknown post_transform {f.post}")
    if f.aggregate not in AGGREGATES:
        raise f.error(f"unknown aggregate_function {f.aggregate}")
    if len(f.feature) and f.feature.min() < 0:
        raise f.error("negative feature ids")
    if len(f.feature) and n_features is not None and f.feature.max() >= n_features:
        raise f.error(f"a node tests feature {int(f.feature.max())} of an input of "
                      f"{n_features} features")
    e = TreeEmitter(name, taken, opset)
    p = paths(f)
    v = votes(f, p)
    hits = []
    for lo, hi in p.chunks(CHUNK):  # groups of trees, each with its own tests and P
        d = decisions(f, p.part(lo, hi))
        hits.append(_hits(e, _x_decisions(e, n.input[0], d), d))
    h = hits[0] if len(hits) == 1 else e.op("Concat", hits, "leaves", attrs={"axis": 1})
    outs = list(n.output)
    if n.op_type == "TreeEnsembleClassifier":
        _classifier(e, f, a, h, p, v, outs, used)
    elif outs and outs[0] in used:
        _regressor(e, f, h, p, v, outs[0], out_type)
    return e
