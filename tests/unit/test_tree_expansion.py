"""The expansion of ONNX-ML tree ensembles (frontend/expand_trees.py, expand_ml.py) at float
level: the expanded graph, run by onnxruntime and by tensorproof's float evaluation, gives
onnxruntime's outputs of the original node, for every nodes_mode (inputs on the thresholds
included), post_transform, aggregate_function, onnxruntime's two-class rules, class labels,
TreeEnsemble (opset 5, BRANCH_MEMBER included) and the small ai.onnx.ml ops around trees; and
unsupported attributes are refused with one-line errors."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tensorproof.errors import UnsupportedOpError
from tensorproof.frontend import normalize
from tensorproof.frontend.expand_ml import expand_ml
from tree_models import legacy_ensemble, ort_outputs, tie_inputs, v5_ensemble

pytest.importorskip("onnxruntime")

MODES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ")


def _same(model: onnx.ModelProto, x: np.ndarray) -> None:
    """onnxruntime on the original and on the expanded model, and tensorproof's float graph,
    agree: labels exactly (string labels as indices), scores to float32 rounding."""
    want = ort_outputs(model, x)
    expanded = expand_ml(model)
    onnx.checker.check_model(expanded)
    got = ort_outputs(expanded, x)
    fg = normalize(model)
    ran = fg.run({"X": x})
    floats = [ran[name].reshape(np.shape(g)) for name, g in zip(fg.outputs, got)]
    labels = [a.strings for a in model.graph.node[0].attribute
              if a.name == "classlabels_strings"]
    for w, g, f in zip(want, got, floats):
        if w.dtype.kind in "OUS":  # string labels: the expansion gives their index
            names = [s.decode() for s in labels[0]] if labels else []
            assert [names[i] for i in g] == [str(s) for s in w]
            continue
        tol = 2e-5 * (1 + np.abs(w))
        if w.dtype.kind in "iu":
            assert np.array_equal(w, g) and np.array_equal(w, f)
        else:
            assert np.all(np.abs(g - w) <= tol), np.abs(g - w).max()
            assert np.all(np.abs(f - w) <= tol), np.abs(f - w).max()


@pytest.mark.parametrize("mode", [*MODES, "mixed"])
def test_every_mode_with_inputs_on_the_thresholds(mode):
    rng = np.random.default_rng(MODES.index(mode) if mode in MODES else 9)
    modes = MODES if mode == "mixed" else (mode,)
    for classifier in (True, False):
        m = legacy_ensemble(rng, classifier=classifier, n_trees=4, depth=3, modes=modes,
                            post="SOFTMAX" if classifier else "NONE", n_targets=3)
        _same(m, tie_inputs(rng, m, 200, 3))


@pytest.mark.parametrize("post", ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"])
@pytest.mark.parametrize("coverage", ["all", "some"])
def test_classifier_post_transforms(post, coverage):
    rng = np.random.default_rng(len(post) + len(coverage))
    for base in (None, [0.3, -0.2, 0.1, 0.0]):
        m = legacy_ensemble(rng, classifier=True, n_targets=4, post=post, coverage=coverage,
                            base=base, labels=[7, -1, 3, 12])
        _same(m, tie_inputs(rng, m, 150, 3))


@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE", "MIN", "MAX"])
@pytest.mark.parametrize("targets", [1, 3])
def test_regressor_aggregates(aggregate, targets):
    rng = np.random.default_rng(targets + len(aggregate))
    posts = ["NONE"] if targets == 1 else ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"]
    for post in posts:
        for coverage, base in (("all", None), ("some", [0.5] * targets)):
            m = legacy_ensemble(rng, classifier=False, n_targets=targets, aggregate=aggregate,
                                post=post, coverage=coverage, base=base, n_trees=5)
            _same(m, tie_inputs(rng, m, 120, 3))


@pytest.mark.parametrize("class_ids", [(0,), (1,), (0, 1)])
@pytest.mark.parametrize("positive", [True, False])
@pytest.mark.parametrize("base", [None, (0.25,), (0.5, 0.25)])
def test_two_classes_follow_onnxruntime(class_ids, positive, base):
    rng = np.random.default_rng(7 * len(class_ids) + positive)
    for post in ("NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"):
        m = legacy_ensemble(rng, classifier=True, n_targets=2, class_ids=class_ids,
                            positive=positive, base=base, post=post, labels=[4, 9])
        _same(m, tie_inputs(rng, m, 120, 3))


def test_groups_of_trees(monkeypatch):
    """Large ensembles take decisions and paths per group of trees: same outputs."""
    from tensorproof.frontend import expand_trees

    monkeypatch.setattr(expand_trees, "CHUNK", 200)
    rng = np.random.default_rng(11)
    for classifier in (True, False):
        m = legacy_ensemble(rng, classifier=classifier, n_trees=7, depth=3, modes=MODES,
                            post="SOFTMAX" if classifier else "NONE", aggregate="MAX")
        expanded = expand_ml(m)
        assert sum(n.op_type == "Equal" and "leaf" in n.name for n in expanded.graph.node) > 2
        _same(m, tie_inputs(rng, m, 120, 3))


def test_string_labels_become_indices_and_double_attributes():
    rng = np.random.default_rng(3)
    m = legacy_ensemble(rng, classifier=True, n_targets=3, strings=True, post="SOFTMAX",
                        as_tensor=True)
    _same(m, tie_inputs(rng, m, 100, 3))
    out = {o.name: o.type.tensor_type.elem_type for o in expand_ml(m).graph.output}
    assert out["label"] == TensorProto.INT64


@pytest.mark.parametrize("aggregate", [0, 1, 2, 3])
def test_tree_ensemble_opset5(aggregate):
    rng = np.random.default_rng(aggregate)
    m = v5_ensemble(rng, n_trees=4, depth=3, modes=(0, 1, 2, 3, 4, 5, 6), aggregate=aggregate)
    _same(m, tie_inputs(rng, m, 150, 3))


def test_small_ml_ops_match_onnxruntime():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, (50, 4)).astype(np.float32)
    x[3] = 0.0  # a zero norm
    nodes = [
        helper.make_node("Scaler", ["X"], ["s"], domain="ai.onnx.ml", offset=[0.5, -1, 0, 2],
                         scale=[2.0, 0.5, 1.0, 0.25]),
        helper.make_node("ArrayFeatureExtractor", ["s", "idx"], ["a"], domain="ai.onnx.ml"),
        helper.make_node("Binarizer", ["s"], ["b"], domain="ai.onnx.ml", threshold=0.3),
    ] + [helper.make_node("Normalizer", ["X"], [f"n_{k}"], domain="ai.onnx.ml", norm=k)
         for k in ("MAX", "L1", "L2")]
    outs = ["a", "b", "n_MAX", "n_L1", "n_L2"]
    g = helper.make_graph(
        nodes, "ml", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
        [numpy_helper.from_array(np.array([3, 0], np.int64), "idx")])
    m = helper.make_model(g, ir_version=8, opset_imports=[helper.make_opsetid("", 17),
                                                          helper.make_opsetid("ai.onnx.ml", 1)])
    want, got = ort_outputs(m, x), ort_outputs(expand_ml(m), x)
    for w, v in zip(want, got):
        np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-6)


def _refused(model: onnx.ModelProto, match: str, node: str = "forest") -> None:
    with pytest.raises(UnsupportedOpError, match=match) as err:
        normalize(model)
    assert "\n" not in str(err.value) and repr(node) in str(err.value)


def test_unsupported_attributes_are_refused_in_one_line():
    rng = np.random.default_rng(0)
    _refused(legacy_ensemble(rng, classifier=False, post="PROBIT"), "PROBIT")
    _refused(legacy_ensemble(rng, classifier=True, post="PROBIT"), "PROBIT")
    _refused(legacy_ensemble(rng, classifier=True, n_targets=2, class_ids=(0, 1),
                             coverage="cycle"), "two classes")
    m = legacy_ensemble(rng, classifier=False)  # an old opset: raised when nothing else minds
    m.opset_import[0].version = 9
    normalize(m)
    m.graph.node.append(helper.make_node("Softmax", ["variable"], ["p"]))
    m.graph.output.append(helper.make_tensor_value_info("p", TensorProto.FLOAT, None))
    _refused(m, "opset 9")
    m = legacy_ensemble(rng, classifier=False)
    m.graph.node[0].attribute.append(helper.make_attribute("aggregate_function", "MEDIAN"))
    del m.graph.node[0].attribute[[a.name for a in m.graph.node[0].attribute].index(
        "aggregate_function")]
    _refused(m, "MEDIAN")
    m = legacy_ensemble(rng, classifier=False)  # X declared narrower than the trees use
    top = max(next(a.ints for a in m.graph.node[0].attribute if a.name == "nodes_featureids"))
    m.graph.input[0].type.tensor_type.shape.dim[1].dim_value = top
    _refused(m, f"feature {top} of an input of {top} features")
    m = legacy_ensemble(rng, classifier=True)
    zm = helper.make_node("ZipMap", ["probabilities"], ["zip"], domain="ai.onnx.ml",
                          classlabels_int64s=[0, 1, 2])
    m.graph.node.append(zm)
    _refused(m, "zipmap", "ZipMap_1")
