"""Random ONNX-ML tree ensembles (onnx.helper) for the tree tests, and onnxruntime runs.

``legacy_ensemble(...)`` builds a TreeEnsembleClassifier or TreeEnsembleRegressor of full
binary trees (node ids in breadth-first order, as the converters write them);
``v5_ensemble(...)`` a TreeEnsemble of ai.onnx.ml opset 5. ``tie_inputs`` draws inputs of which
a share equals some threshold exactly (the equality cases of every mode).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IR_VERSION = 8


def _model(node: onnx.NodeProto, n_features: int, outputs: list[tuple[str, int, list]],
           ml_opset: int = 3, opset: int = 17, in_type: int = TensorProto.FLOAT) -> onnx.ModelProto:
    graph = helper.make_graph(
        [node], "trees", [helper.make_tensor_value_info("X", in_type, [None, n_features])],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs])
    return helper.make_model(graph, ir_version=IR_VERSION, opset_imports=[
        helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", ml_opset)])


def _trees(rng: np.random.Generator, n_trees: int, depth: int, n_features: int, modes):
    """Per node (tree, node id, feature, threshold, mode, true id, false id) of full trees."""
    rows = []
    for t in range(n_trees):
        n_inner = 2**depth - 1
        for i in range(2 * n_inner + 1):
            if i < n_inner:
                mode = modes[rng.integers(len(modes))]
                digits = 0 if mode in ("BRANCH_EQ", "BRANCH_NEQ") else 1  # equalities that hold
                thr = float(np.float32(np.round(rng.normal(0, 1), digits)))
                rows.append((t, i, int(rng.integers(n_features)), thr, mode, 2 * i + 1,
                             2 * i + 2))
            else:
                rows.append((t, i, 0, 0.0, "LEAF", 0, 0))
    return rows


def legacy_ensemble(rng: np.random.Generator, *, classifier: bool, n_trees: int = 3,
                    depth: int = 2, n_features: int = 3, n_targets: int = 3,
                    modes=("BRANCH_LEQ",), post: str = "NONE", aggregate: str = "SUM",
                    base=None, coverage: str = "all", positive: bool = False,
                    class_ids=None, labels=None, strings: bool = False,
                    as_tensor: bool = False, int_input: bool = False) -> onnx.ModelProto:
    """A random TreeEnsembleClassifier/Regressor. ``coverage``: every leaf votes for "all"
    targets, for a random non-empty "some", or for one target each, in turn ("cycle");
    ``class_ids``: the targets that get votes (default all); ``labels``: classlabels_int64s
    (default 0..n−1); ``int_input``: X is int64 (thresholds stay reals)."""
    rows = _trees(rng, n_trees, depth, n_features, modes)
    tids, nids, feats, thrs, ms, ts, fs = (list(c) for c in zip(*rows))
    targets = list(range(n_targets)) if class_ids is None else list(class_ids)
    e_t, e_n, e_id, e_w = [], [], [], []
    for t, i, _, _, m, _, _ in rows:
        if m != "LEAF":
            continue
        if coverage == "all":
            chosen = targets
        elif coverage == "cycle":
            chosen = [targets[i % len(targets)]]
        else:
            chosen = sorted(rng.choice(targets, size=int(rng.integers(1, len(targets) + 1)),
                                       replace=False).tolist())
        for c in chosen:
            w = float(rng.uniform(0, 1) if positive else rng.normal(0, 1))
            e_t.append(t)
            e_n.append(i)
            e_id.append(int(c))
            e_w.append(w)
    kind = "class" if classifier else "target"
    # onnxruntime reads double (_as_tensor) attributes for double inputs only
    x_type = (TensorProto.INT64 if int_input else TensorProto.DOUBLE if as_tensor
              else TensorProto.FLOAT)
    attrs = dict(nodes_treeids=tids, nodes_nodeids=nids, nodes_featureids=feats,
                 nodes_modes=ms, nodes_truenodeids=ts, nodes_falsenodeids=fs,
                 nodes_hitrates=[1.0] * len(tids), nodes_missing_value_tracks_true=[0] * len(tids),
                 post_transform=post)
    attrs[f"{kind}_treeids"], attrs[f"{kind}_nodeids"], attrs[f"{kind}_ids"] = e_t, e_n, e_id
    if as_tensor:
        attrs["nodes_values_as_tensor"] = numpy_helper.from_array(np.asarray(thrs, np.float64))
        attrs[f"{kind}_weights_as_tensor"] = numpy_helper.from_array(np.asarray(e_w, np.float64))
    else:
        attrs["nodes_values"] = thrs
        attrs[f"{kind}_weights"] = e_w
    if base is not None:
        attrs["base_values"] = list(base)
    if classifier:
        if strings:
            attrs["classlabels_strings"] = [f"c{k}" for k in range(n_targets)]
        else:
            attrs["classlabels_int64s"] = list(range(n_targets)) if labels is None else labels
        node = helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"],
                                domain="ai.onnx.ml", name="forest", **attrs)
        lt = TensorProto.STRING if strings else TensorProto.INT64
        return _model(node, n_features, [("label", lt, [None]),
                                         ("probabilities", TensorProto.FLOAT, [None, n_targets])],
                      in_type=x_type)
    node = helper.make_node("TreeEnsembleRegressor", ["X"], ["variable"], domain="ai.onnx.ml",
                            name="forest", n_targets=n_targets, aggregate_function=aggregate,
                            **attrs)
    return _model(node, n_features, [("variable", TensorProto.FLOAT, [None, n_targets])],
                  in_type=x_type)


def v5_ensemble(rng: np.random.Generator, *, n_trees: int = 3, depth: int = 2,
                n_features: int = 3, n_targets: int = 2, modes=(0,), post: int = 0,
                aggregate: int = 1) -> onnx.ModelProto:
    """A random TreeEnsemble (ai.onnx.ml opset 5): decision nodes numbered across trees, one
    leaf per (tree, leaf slot); BRANCH_MEMBER (mode 6) nodes test small sets of values."""
    feats, splits, ms, tnode, tleaf, fnode, fleaf, roots = [], [], [], [], [], [], [], []
    leaf_t, leaf_w, members = [], [], []
    n_inner = 2**depth - 1
    for _ in range(n_trees):
        first, first_leaf = len(feats), len(leaf_t)
        roots.append(first)
        for i in range(n_inner):
            mode = int(modes[rng.integers(len(modes))])
            feats.append(int(rng.integers(n_features)))
            splits.append(float(np.float32(np.round(rng.normal(0, 1), 1))))
            ms.append(mode)
            if mode == 6:
                # onnxruntime tests x ∈ S exactly for sets of integers in [0, 30] (others:
                # int(x) ∈ S)
                members += sorted({float(rng.integers(0, 4)) for _ in range(3)}) + [np.nan]
            for child, ids, leafs in ((2 * i + 1, tnode, tleaf), (2 * i + 2, fnode, fleaf)):
                if child < n_inner:
                    ids.append(first + child)
                    leafs.append(0)
                else:
                    ids.append(first_leaf + child - n_inner)
                    leafs.append(1)
        for _ in range(n_inner + 1):
            leaf_t.append(int(rng.integers(n_targets)))
            leaf_w.append(float(rng.normal(0, 1)))
    attrs = dict(
        n_targets=n_targets, aggregate_function=aggregate, post_transform=post,
        tree_roots=roots, nodes_featureids=feats,
        nodes_splits=numpy_helper.from_array(np.asarray(splits, np.float32)),
        nodes_modes=numpy_helper.from_array(np.asarray(ms, np.uint8)),
        nodes_truenodeids=tnode, nodes_trueleafs=tleaf, nodes_falsenodeids=fnode,
        nodes_falseleafs=fleaf, leaf_targetids=leaf_t,
        leaf_weights=numpy_helper.from_array(np.asarray(leaf_w, np.float32)))
    if members:
        attrs["membership_values"] = numpy_helper.from_array(np.asarray(members, np.float32))
    node = helper.make_node("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", name="forest",
                            **attrs)
    return _model(node, n_features, [("Y", TensorProto.FLOAT, [None, n_targets])],
                  ml_opset=5, opset=21)


def thresholds_of(model: onnx.ModelProto) -> np.ndarray:
    """Every threshold (and set member) of the model's first node."""
    vals: list[float] = []
    for a in model.graph.node[0].attribute:
        if a.name in ("nodes_values", "nodes_values_as_tensor", "nodes_splits",
                      "membership_values"):
            v = helper.get_attribute_value(a)
            vals += list(numpy_helper.to_array(v).ravel() if isinstance(v, onnx.TensorProto)
                         else v)
    v = np.asarray(vals, np.float64)
    return v[np.isfinite(v)]


def tie_inputs(rng: np.random.Generator, model: onnx.ModelProto, n: int, n_features: int
               ) -> np.ndarray:
    """(n, F) float32 inputs, about a third of them equal to one of the model's thresholds."""
    x = np.round(rng.normal(0, 1.2, (n, n_features)), 2)
    thr = thresholds_of(model)
    pick = rng.random((n, n_features)) < 0.35
    x[pick] = thr[rng.integers(len(thr), size=int(pick.sum()))]
    return x.astype(np.float32)


def ort_outputs(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    """onnxruntime's outputs of the model on X."""
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    dtype = helper.tensor_dtype_to_np_dtype(model.graph.input[0].type.tensor_type.elem_type)
    return sess.run(None, {"X": x.astype(dtype)})
