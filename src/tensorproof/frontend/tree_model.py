"""Tree ensembles of ONNX-ML as plain data: parsing, root-to-leaf paths, shared decisions.

:func:`parse_legacy` (TreeEnsembleClassifier/Regressor) and :func:`parse_v5` (TreeEnsemble,
ai.onnx.ml opset 5) read a node into a :class:`Forest`; :func:`paths` enumerates its
root-to-leaf paths (roots as onnxruntime finds them: each run of one tree id; a DAG is unrolled
into its paths), :func:`decisions` its canonical tests and the path matrix P, k of
expand_trees.py, :func:`votes` the leaf weights per path and which targets always, never or
sometimes get a score. All vectorized over nodes and paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import onnx

from ..errors import UnsupportedOpError
from .onnx_io import attributes

TREE_OPS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor", "TreeEnsemble")

MODES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ",
         "BRANCH_MEMBER", "LEAF")
"""Node modes by code; TreeEnsemble (opset 5) numbers them 0..6 in this order."""
_KIND = np.array([0, 1, 1, 0, 2, 2, 2])
"""Canonical test of each mode: 0 x ≤ t, 1 x < t, 2 x = t (MEMBER: equalities)."""
_FLIP = np.array([1, 1, -1, -1, 1, -1, 1])
"""+1 when the mode's true branch is its canonical test's, −1 when it is its negation."""

POST = ("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT")
"""post_transform values, by TreeEnsemble's integer code."""
AGGREGATES = ("AVERAGE", "SUM", "MIN", "MAX")
"""aggregate_function values, by TreeEnsemble's integer code."""

GRID_BITS = 24
"""Leaf weights are rounded to 2^-q with the largest |weight| below 2^GRID_BITS grid steps."""
MAX_PATHS = 1 << 20
"""Most root-to-leaf paths an ensemble may have."""
CHUNK = 1 << 16
"""Trees are taken in groups whose path matrix (tests × paths) has at most this many entries:
the cost grows with Σ_group tests·paths, not with the whole ensemble's product."""
SOFTMAX_ZERO_EPS = 1e-7
"""onnxruntime's SOFTMAX_ZERO treats scores of magnitude at most this as zeros."""
ALWAYS, NEVER, VARIES = "always", "never", "varies"


@dataclass
class Forest:
    """A tree ensemble, format-independent. Decision nodes are numbered 0..K−1; a child code
    c ≥ 0 is a decision node, c < 0 the leaf ~c."""

    name: str
    op: str
    feature: np.ndarray  # (K,) int64
    value: np.ndarray  # (K,) float64 threshold
    mode: np.ndarray  # (K,) int64 code into MODES (never LEAF)
    members: dict[int, np.ndarray]  # decision node → the values of a BRANCH_MEMBER set
    child: np.ndarray  # (K, 2) int64 codes: true, false
    roots: np.ndarray  # (T,) codes
    n_leaves: int
    entry_leaf: np.ndarray  # votes: leaf, target (or class) and weight
    entry_target: np.ndarray
    entry_weight: np.ndarray
    n_targets: int
    base: np.ndarray = field(default_factory=lambda: np.zeros(0))
    aggregate: str = "SUM"
    post: str = "NONE"

    def error(self, what: str) -> UnsupportedOpError:
        return UnsupportedOpError(f"node {self.name!r} ({self.op}): {what}")


# -- parsing -------------------------------------------------------------------------------

def _floats(a: dict, key: str) -> np.ndarray | None:
    """A float attribute, or its double ``_as_tensor`` twin, as float64 (None if absent)."""
    for k in (key + "_as_tensor", key):
        if a.get(k) is not None:
            return np.asarray(a[k], dtype=np.float64).ravel()
    return None


def _ints(a: dict, key: str) -> np.ndarray:
    return np.asarray(a.get(key, []), dtype=np.int64).ravel()


def _check_lengths(name: str, op: str, arrays: dict) -> None:
    sizes = {k: len(v) for k, v in arrays.items()}
    if len(set(sizes.values())) > 1:
        raise UnsupportedOpError(f"node {name!r} ({op}): attributes of different lengths "
                                 f"{sizes}")


def _lookup(keys: np.ndarray, query: np.ndarray, what: str, f_err) -> np.ndarray:
    """Position of each ``query`` in ``keys`` (unique int64 keys); f_err(what) if missing."""
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], query)
    pos = np.minimum(pos, max(len(keys) - 1, 0))
    if not len(keys) or not np.array_equal(keys[order][pos], query):
        raise f_err(f"{what} names a node that does not exist")
    return order[pos]


def parse_legacy(n: onnx.NodeProto, name: str) -> tuple[Forest, dict]:
    """A TreeEnsembleClassifier or TreeEnsembleRegressor node (ai.onnx.ml opsets 1-3)."""
    a = attributes(n)
    op = n.op_type
    cls = op == "TreeEnsembleClassifier"

    def err(what: str) -> UnsupportedOpError:
        return UnsupportedOpError(f"node {name!r} ({op}): {what}")

    tid, nid = _ints(a, "nodes_treeids"), _ints(a, "nodes_nodeids")
    modes = [str(m) for m in a.get("nodes_modes", [])]
    unknown = sorted(set(modes) - set(MODES[:6]) - {"LEAF"})
    if unknown:
        raise err(f"unsupported nodes_modes {unknown}")
    mode = np.array([MODES.index(m) for m in modes], dtype=np.int64)
    values = _floats(a, "nodes_values")
    fields = {"nodes_treeids": tid, "nodes_nodeids": nid, "nodes_modes": mode,
              "nodes_featureids": _ints(a, "nodes_featureids"),
              "nodes_truenodeids": _ints(a, "nodes_truenodeids"),
              "nodes_falsenodeids": _ints(a, "nodes_falsenodeids"),
              "nodes_values": np.zeros(len(tid)) if values is None else values}
    _check_lengths(name, op, fields)
    if not len(tid):
        raise err("the ensemble has no nodes")
    prefix = "class" if cls else "target"
    e_tree, e_node = _ints(a, f"{prefix}_treeids"), _ints(a, f"{prefix}_nodeids")
    e_target = _ints(a, f"{prefix}_ids")
    e_weight = _floats(a, f"{prefix}_weights")
    e_weight = np.zeros(len(e_tree)) if e_weight is None else e_weight
    _check_lengths(name, op, {f"{prefix}_treeids": e_tree, f"{prefix}_nodeids": e_node,
                              f"{prefix}_ids": e_target, f"{prefix}_weights": e_weight})
    if tid.min() < 0 or nid.min() < 0:
        raise err("negative tree or node ids")
    width = int(nid.max()) + 1
    keys = tid * width + nid
    if len(np.unique(keys)) != len(keys):
        raise err("a (tree id, node id) pair is defined twice")
    leaf = mode == MODES.index("LEAF")
    code = np.where(leaf, ~np.cumsum(leaf) + 1, np.cumsum(~leaf) - 1)  # leaf j → ~j
    inner = np.flatnonzero(~leaf)

    def child(ids: np.ndarray, what: str) -> np.ndarray:
        ids = ids[inner]
        if np.any((ids < 0) | (ids >= width)):
            raise err(f"{what} names a node that does not exist")
        return code[_lookup(keys, tid[inner] * width + ids, what, err)]

    kids = np.stack([child(fields["nodes_truenodeids"], "nodes_truenodeids"),
                     child(fields["nodes_falsenodeids"], "nodes_falsenodeids")], axis=1)
    starts = np.flatnonzero(np.r_[True, tid[1:] != tid[:-1]])  # onnxruntime's roots
    if len(e_tree) and (e_node.min() < 0 or e_node.max() >= width):
        raise err(f"{prefix}_nodeids names a node that does not exist")
    at = _lookup(keys, e_tree * width + e_node, f"{prefix}_nodeids", err) if len(e_tree) \
        else np.zeros(0, np.int64)
    on_leaf = leaf[at]  # onnxruntime ignores weights given to decision nodes
    if cls:
        labels = a.get("classlabels_int64s") or a.get("classlabels_strings") or []
        n_targets = len(labels)
        if n_targets < 2:
            raise err("fewer than two class labels")
    else:
        n_targets = int(a.get("n_targets", 0))
        if n_targets < 1:
            raise err("n_targets must be at least 1")
    if len(e_target) and (e_target.min() < 0 or e_target.max() >= n_targets):
        raise err(f"{prefix}_ids outside [0, {n_targets})")
    base = _floats(a, "base_values")
    f = Forest(name, op, fields["nodes_featureids"][inner], fields["nodes_values"][inner],
               mode[inner], {}, kids, code[starts], int(leaf.sum()), ~code[at[on_leaf]],
               e_target[on_leaf], e_weight[on_leaf], n_targets,
               base=np.zeros(0) if base is None else base,
               aggregate=str(a.get("aggregate_function", "SUM")),
               post=str(a.get("post_transform", "NONE")))
    return f, a


def parse_v5(n: onnx.NodeProto, name: str) -> tuple[Forest, dict]:
    """A TreeEnsemble node (ai.onnx.ml opset 5)."""
    a = attributes(n)
    op = n.op_type

    def err(what: str) -> UnsupportedOpError:
        return UnsupportedOpError(f"node {name!r} ({op}): {what}")

    splits = _floats(a, "nodes_splits")
    fields = {"nodes_featureids": _ints(a, "nodes_featureids"),
              "nodes_modes": np.asarray(a.get("nodes_modes", []), np.int64).ravel(),
              "nodes_splits": np.zeros(0) if splits is None else splits,
              "nodes_truenodeids": _ints(a, "nodes_truenodeids"),
              "nodes_falsenodeids": _ints(a, "nodes_falsenodeids"),
              "nodes_trueleafs": _ints(a, "nodes_trueleafs"),
              "nodes_falseleafs": _ints(a, "nodes_falseleafs")}
    _check_lengths(name, op, fields)
    k = len(fields["nodes_modes"])
    weights = _floats(a, "leaf_weights")
    leaf_w = np.zeros(0) if weights is None else weights
    leaf_t = _ints(a, "leaf_targetids")
    _check_lengths(name, op, {"leaf_targetids": leaf_t, "leaf_weights": leaf_w})
    n_leaves, n_targets = len(leaf_t), int(a.get("n_targets", 0))
    mode = fields["nodes_modes"]
    if k and (mode.min() < 0 or mode.max() > 6):
        raise err(f"unsupported nodes_modes {sorted(set(mode.tolist()) - set(range(7)))}")
    if n_targets < 1 or (n_leaves and (leaf_t.min() < 0 or leaf_t.max() >= n_targets)):
        raise err(f"n_targets {n_targets} and leaf_targetids do not match")

    def code(ids: np.ndarray, leafs: np.ndarray, what: str) -> np.ndarray:
        bad = np.where(leafs != 0, (ids < 0) | (ids >= n_leaves), (ids < 0) | (ids >= k))
        if np.any(bad):
            raise err(f"{what} names a node or leaf that does not exist")
        return np.where(leafs != 0, ~ids, ids)

    kids = np.stack([code(fields["nodes_truenodeids"], fields["nodes_trueleafs"], "true ids"),
                     code(fields["nodes_falsenodeids"], fields["nodes_falseleafs"],
                          "false ids")], axis=1)
    roots = _ints(a, "tree_roots")
    if not len(roots) or roots.min() < 0 or roots.max() >= k:
        raise err("tree_roots names a node that does not exist")
    tl, fl = fields["nodes_trueleafs"][roots], fields["nodes_falseleafs"][roots]
    single = (tl != 0) & (fl != 0) & (kids[roots, 0] == kids[roots, 1])  # a tree that is a leaf
    roots = np.where(single, kids[roots, 0], roots)
    members: dict[int, np.ndarray] = {}
    member_nodes = np.flatnonzero(mode == 6)
    if len(member_nodes):
        mv = _floats(a, "membership_values")
        if mv is None:
            raise err("BRANCH_MEMBER nodes without membership_values")
        mv = mv if np.isnan(mv[-1:]).all() and len(mv) else np.r_[mv, np.nan]  # last NaN optional
        ends = np.flatnonzero(np.isnan(mv))
        if len(ends) < len(member_nodes):
            raise err("membership_values holds fewer sets than BRANCH_MEMBER nodes")
        starts = np.r_[0, ends[:-1] + 1]
        for node, s, e in zip(member_nodes, starts, ends):
            members[int(node)] = np.unique(mv[s:e])
    agg = int(a.get("aggregate_function", 1))
    post = int(a.get("post_transform", 0))
    if not (0 <= agg < len(AGGREGATES) and 0 <= post < len(POST)):
        raise err(f"aggregate_function {agg} or post_transform {post} out of range")
    f = Forest(name, op, fields["nodes_featureids"], fields["nodes_splits"], mode, members,
               kids, roots, n_leaves, np.arange(n_leaves), leaf_t, leaf_w, n_targets,
               aggregate=AGGREGATES[agg], post=POST[post])
    return f, a


# -- structure -----------------------------------------------------------------------------

@dataclass
class Paths:
    """Root-to-leaf paths, grouped by tree: per path its leaf and tree; per (path, decision
    node on it) pair the canonical side (+1: the canonical test must hold, −1: must fail)."""

    leaf: np.ndarray
    tree: np.ndarray
    pair_path: np.ndarray
    pair_node: np.ndarray
    pair_side: np.ndarray

    def part(self, lo: int, hi: int) -> Paths:
        """Paths lo..hi−1 (renumbered from 0)."""
        keep = (self.pair_path >= lo) & (self.pair_path < hi)
        return Paths(self.leaf[lo:hi], self.tree[lo:hi], self.pair_path[keep] - lo,
                     self.pair_node[keep], self.pair_side[keep])

    def chunks(self, limit: int) -> list[tuple[int, int]]:
        """Ranges of paths of whole consecutive trees whose path matrices (tests × paths)
        stay within ``limit`` entries (a larger tree alone)."""
        n_trees = int(self.tree.max(initial=-1)) + 1
        paths_per = np.bincount(self.tree, minlength=n_trees)
        pairs = np.unique(np.stack([self.tree[self.pair_path], self.pair_node]), axis=1)
        tests_per = np.bincount(pairs[0], minlength=n_trees)
        bounds, start, d, m = [], 0, 0, 0
        ends = np.cumsum(paths_per)
        for t in range(n_trees):
            if m and (d + tests_per[t]) * (m + paths_per[t]) > limit:
                bounds.append((start, int(ends[t - 1])))
                start, d, m = int(ends[t - 1]), 0, 0
            d, m = d + int(tests_per[t]), m + int(paths_per[t])
        bounds.append((start, len(self.leaf)))
        return bounds


def paths(f: Forest) -> Paths:
    """Every root-to-leaf path, level by level (vectorized over the frontier)."""
    k = len(f.feature)
    frontier = f.roots.astype(np.int64)
    tree = np.arange(len(frontier))
    pn = np.full(len(frontier), -1)  # last path node of each frontier entry
    pn_parent: list[np.ndarray] = []
    pn_node: list[np.ndarray] = []
    pn_side: list[np.ndarray] = []
    count = 0
    leaves, trees, lasts = [], [], []
    for _ in range(k + 2):
        if not len(frontier):
            break
        is_leaf = frontier < 0
        leaves.append(~frontier[is_leaf])
        trees.append(tree[is_leaf])
        lasts.append(pn[is_leaf])
        node, tree, pn = frontier[~is_leaf], tree[~is_leaf], pn[~is_leaf]
        m = len(node)
        ids = count + np.arange(2 * m)
        pn_parent.append(np.r_[pn, pn])
        pn_node.append(np.r_[node, node])
        pn_side.append(np.r_[np.ones(m, np.int64), -np.ones(m, np.int64)])
        count += 2 * m
        frontier = np.r_[f.child[node, 0], f.child[node, 1]]
        tree, pn = np.r_[tree, tree], ids
        if count + len(frontier) > MAX_PATHS:
            raise f.error(f"more than {MAX_PATHS} root-to-leaf paths")
    else:
        raise f.error("the trees contain a cycle")
    parent = np.concatenate(pn_parent) if pn_parent else np.zeros(0, np.int64)
    pnode = np.concatenate(pn_node) if pn_node else np.zeros(0, np.int64)
    pside = np.concatenate(pn_side) if pn_side else np.zeros(0, np.int64)
    leaf, tree_of, last = np.concatenate(leaves), np.concatenate(trees), np.concatenate(lasts)
    by_tree = np.argsort(tree_of, kind="stable")  # paths grouped by tree
    leaf, tree_of, last = leaf[by_tree], tree_of[by_tree], last[by_tree]
    pp, pq = [], []
    cur, path = last, np.arange(len(leaf))
    while len(cur):
        live = cur >= 0
        cur, path = cur[live], path[live]
        pp.append(path)
        pq.append(cur)
        cur = parent[cur]
    pair_path = np.concatenate(pp) if pp else np.zeros(0, np.int64)
    pair_pn = np.concatenate(pq) if pq else np.zeros(0, np.int64)
    node = pnode[pair_pn]
    return Paths(leaf, tree_of, pair_path, node, pside[pair_pn] * _FLIP[f.mode[node]])


@dataclass
class Decisions:
    """Canonical tests (kind, feature, threshold), sorted by feature then kind, and the path
    matrix P (D, M), k (M,)."""

    kind: np.ndarray
    feature: np.ndarray
    value: np.ndarray
    P: np.ndarray
    k: np.ndarray


def decisions(f: Forest, p: Paths) -> Decisions:
    """Shared canonical tests and the path matrix (module docstring, step 2)."""
    m = len(p.leaf)
    used = np.unique(p.pair_node)
    plain = used[f.mode[used] != 6]
    rows = [np.stack([f.feature[plain].astype(np.float64),
                      _KIND[f.mode[plain]].astype(np.float64), f.value[plain]], axis=1)]
    owner = [plain]
    for node in used[f.mode[used] == 6]:
        vals = f.members[int(node)]
        vals = vals[~np.isnan(vals)]
        rows.append(np.stack([np.full(len(vals), float(f.feature[node])), np.full(len(vals), 2.0),
                              vals], axis=1))
        owner.append(np.full(len(vals), node))
    table = np.concatenate(rows)
    owners = np.concatenate(owner)
    if not len(table):
        raise f.error("the ensemble has no decision node: its output is a constant")
    keys, col = np.unique(table, axis=0, return_inverse=True)
    col = np.ravel(col)
    # pairs (path, node) → every column of the node (a MEMBER node has several)
    order = np.argsort(owners, kind="stable")
    starts = np.searchsorted(owners[order], p.pair_node, side="left")
    stops = np.searchsorted(owners[order], p.pair_node, side="right")
    reps = stops - starts
    pair = np.repeat(np.arange(len(p.pair_node)), reps)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = col[order[np.repeat(starts, reps) + offset]]
    P = np.zeros((len(keys), m), np.int64)
    np.add.at(P, (cols, p.pair_path[pair]), p.pair_side[pair])
    k = np.zeros(m, np.int64)
    np.add.at(k, p.pair_path, (p.pair_side == 1).astype(np.int64))
    return Decisions(keys[:, 1].astype(np.int64), keys[:, 0].astype(np.int64), keys[:, 2],
                     P, k)


@dataclass
class Votes:
    """Per path and target: the summed weight, the MIN/MAX weight, whether it has one."""

    total: np.ndarray  # (M, C) float64
    low: np.ndarray
    high: np.ndarray
    has: np.ndarray  # (M, C) bool
    status: list[str]  # per target: ALWAYS, NEVER or VARIES scored


def votes(f: Forest, p: Paths) -> Votes:
    c = f.n_targets
    tot = np.zeros((f.n_leaves, c))
    lo = np.full((f.n_leaves, c), np.inf)
    hi = np.full((f.n_leaves, c), -np.inf)
    cnt = np.zeros((f.n_leaves, c), np.int64)
    at = (f.entry_leaf, f.entry_target)
    np.add.at(tot, at, f.entry_weight)
    np.minimum.at(lo, at, f.entry_weight)
    np.maximum.at(hi, at, f.entry_weight)
    np.add.at(cnt, at, 1)
    has = cnt[p.leaf] > 0
    n_trees = len(f.roots)
    all_have = np.ones((n_trees, c), bool)
    np.logical_and.at(all_have, p.tree, has)
    status = [ALWAYS if all_have[:, j].any() else VARIES if has[:, j].any() else NEVER
              for j in range(c)]
    return Votes(tot[p.leaf], lo[p.leaf], hi[p.leaf], has, status)


def grid(values: np.ndarray) -> int:
    """q such that the values are rounded to multiples of 2^-q (module docstring, step 3)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    top = float(np.abs(v).max(initial=0.0))
    if top == 0.0:
        return 0
    q_max = GRID_BITS - math.frexp(top)[1]
    for q in range(min(0, q_max), q_max + 1):
        if np.all(np.ldexp(v, q) == np.round(np.ldexp(v, q))):
            return q
    return q_max


def round_grid(x: np.ndarray, q: int) -> np.ndarray:
    """round(x·2^q), half up, as int64."""
    return np.floor(np.ldexp(np.asarray(x, dtype=np.float64), q) + 0.5).astype(np.int64)
