"""scikit-learn tree ensembles exported by skl2onnx (ai.onnx.ml TreeEnsembleClassifier and
TreeEnsembleRegressor, ZipMap off), and LightGBM by onnxmltools when installed: compile on the
training split, prove a held-out batch, verify after a round trip through bytes.

- The verified outputs are the reference executor's, and the branches are exact: every label
  (and every regressor value, to the leaf grid) equals the float model's on the dequantized
  inputs, the threshold rule at work.
- Against the float scikit-learn model on the raw held-out inputs: labels agree on ≥ 99 % of
  the samples; regressor values equal it except where an input's quantization crosses a
  threshold (an input exactly on a threshold is common with discrete features: see
  docs/guide/limits.md).
- Equality splits on an integer input (categorical features) are exact.
- A forged output is rejected; the model id moves with a threshold or a leaf weight.

Features of very different magnitudes share one input scale, so those datasets are
standardized (outside the model) and compiled with 16-bit inputs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import onnx
import pytest
from onnx import helper

from tensorproof import api
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.frontend import normalize
from tensorproof.quant.executor import execute
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.proof import Proof

pytest.importorskip("sklearn")
skl2onnx = pytest.importorskip("skl2onnx")

from sklearn import datasets, ensemble  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::tensorproof.errors.CalibrationWarning")

CASES = {  # dataset, estimator, standardize, bits
    "gb_classifier_iris": ("iris", ensemble.GradientBoostingClassifier(
        n_estimators=6, max_depth=3, random_state=0), False, 8),
    "rf_classifier_iris": ("iris", ensemble.RandomForestClassifier(
        n_estimators=6, max_depth=4, random_state=0), False, 8),
    "gb_classifier_breast_cancer": ("breast_cancer", ensemble.GradientBoostingClassifier(
        n_estimators=6, max_depth=3, random_state=0), True, 16),
    "rf_classifier_wine": ("wine", ensemble.RandomForestClassifier(
        n_estimators=6, max_depth=4, random_state=0), True, 16),
    "gb_regressor_diabetes": ("diabetes", ensemble.GradientBoostingRegressor(
        n_estimators=6, max_depth=3, random_state=0), False, 16),
    "rf_regressor_diabetes": ("diabetes", ensemble.RandomForestRegressor(
        n_estimators=6, max_depth=4, random_state=0), False, 16),
}
PROB_TOL = 0.02
"""Largest error of a probability against the float model on the dequantized inputs (the
softmax and sigmoid tables of 8-bit outputs)."""


def _data(name: str, standardize: bool):
    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    xtr, xte, ytr, _ = train_test_split(x, y, test_size=0.3, random_state=0)
    if standardize:
        sc = StandardScaler().fit(xtr)
        xtr, xte = sc.transform(xtr), sc.transform(xte)
    return xtr.astype(np.float32), xte.astype(np.float32), ytr


def _export(est, x: np.ndarray) -> onnx.ModelProto:
    opts = {"zipmap": False} if hasattr(est, "predict_proba") else None
    return skl2onnx.to_onnx(est, x[:1], options=opts)


def _check(onnx_model: onnx.ModelProto, predict, xtr, xte, bits: int, classifier: bool,
           min_exact: float) -> None:
    compiled = api.compile(onnx_model, xtr, bits=bits)
    pk = api.setup(compiled)
    proof = api.prove(pk, xte)  # the whole held-out split, in one batch
    out = api.verify(VerifyingKey.from_bytes(pk.vk.to_bytes()),
                     Proof.from_bytes(proof.to_bytes()))
    ints = compiled.quantize_inputs(xte)
    ref = execute(compiled.graph, ints)
    for t in compiled.graph.outputs:
        assert np.array_equal(out.ints[t], ref[t]), t
    got = compiled.dequantize_outputs(out.ints)
    # the branches are exact: the float model on the dequantized inputs gives the same labels
    # (regressor values: to the leaf grid), probabilities up to their tables' rounding
    name = compiled.inputs[0].name
    fg = normalize(onnx_model)
    floats = fg.run({name: ints[name] * compiled.inputs[0].scale})
    for o in compiled.outputs:
        want = floats[fg.outputs[fg.onnx_outputs.index(o.onnx_name)]].reshape(len(xte), -1)
        err = np.abs(got[o.onnx_name].reshape(len(xte), -1) - want).max()
        limit = PROB_TOL if o.onnx_name == "probabilities" else 0 if classifier else 2 * o.scale
        assert err <= limit, (o.onnx_name, err)
    main = "label" if classifier else fg.onnx_outputs[0]
    have = got[main].ravel()
    # against scikit-learn on the raw held-out inputs
    theirs = predict(xte).ravel()
    exact = np.abs(have - theirs) <= (0 if classifier else 1e-3 * np.ptp(theirs))
    assert exact.mean() >= min_exact, exact.mean()
    # a forged output is rejected
    t, y = next(iter(proof.outputs.items()))
    forged = y.copy().reshape(-1)
    forged[0] += 1 if forged[0] < compiled.graph.tensors[t].hi else -1
    with pytest.raises((VerificationError, ProofFormatError)):
        api.verify(pk.vk, dataclasses.replace(
            proof, outputs={**proof.outputs, t: forged.reshape(y.shape)}))


@pytest.mark.parametrize("case", list(CASES))
def test_sklearn_ensemble_proves_and_agrees(case):
    data, est, standardize, bits = CASES[case]
    xtr, xte, ytr = _data(data, standardize)
    est.fit(xtr, ytr)
    classifier = hasattr(est, "predict_proba")
    # regressors: an input on a threshold takes either branch once quantized (about 3 % of
    # diabetes' held-out samples sit on one of a random forest's thresholds)
    _check(_export(est, xtr), est.predict, xtr, xte, bits, classifier,
           0.99 if classifier else 0.95)


def test_lightgbm_ensembles_prove_and_agree():
    lgb = pytest.importorskip("lightgbm")
    onnxmltools = pytest.importorskip("onnxmltools")
    from onnxmltools.convert.common.data_types import FloatTensorType

    for data, est in (("iris", lgb.LGBMClassifier), ("diabetes", lgb.LGBMRegressor)):
        xtr, xte, ytr = _data(data, False)
        model = est(n_estimators=6, max_depth=3, num_leaves=8, verbose=-1).fit(xtr, ytr)
        m = onnxmltools.convert_lightgbm(model, initial_types=[
            ("X", FloatTensorType([None, xtr.shape[1]]))], zipmap=False, target_opset=15)
        classifier = data == "iris"
        _check(m, model.predict, xtr, xte, 8 if classifier else 16, classifier,
               0.99 if classifier else 0.95)


def test_equality_splits_on_integer_features_are_exact():
    from tree_models import legacy_ensemble, ort_outputs

    rng = np.random.default_rng(0)
    m = legacy_ensemble(rng, classifier=True, n_targets=3, n_trees=4, depth=3, int_input=True,
                        modes=("BRANCH_EQ", "BRANCH_NEQ", "BRANCH_LEQ", "BRANCH_GT"),
                        post="SOFTMAX")
    x = rng.integers(-3, 4, (160, 3))
    labels, probs = ort_outputs(m, x)
    compiled = api.compile(m, x[:100])
    pk = api.setup(compiled)
    out = api.verify(pk.vk, api.prove(pk, x[100:]))
    got = compiled.dequantize_outputs(out.ints)
    assert np.array_equal(got["label"].ravel(), labels[100:])
    assert np.abs(got["probabilities"] - probs[100:]).max() <= PROB_TOL


def _model_id(m: onnx.ModelProto, xtr: np.ndarray) -> bytes:
    return api.setup(api.compile(m, xtr)).vk.model_id


def test_model_id_moves_with_a_threshold_or_a_leaf_weight():
    xtr, _, ytr = _data("iris", False)
    est = ensemble.GradientBoostingClassifier(n_estimators=2, max_depth=2, random_state=0)
    m = _export(est.fit(xtr, ytr), xtr)
    base = _model_id(m, xtr)
    assert _model_id(m, xtr) == base
    for attr, delta in (("nodes_values", 0.5), ("class_weights", 0.25)):
        changed = onnx.ModelProto()
        changed.CopyFrom(m)
        node = next(n for n in changed.graph.node if n.op_type == "TreeEnsembleClassifier")
        at = next(a for a in node.attribute if a.name == attr)
        values = list(helper.get_attribute_value(at))
        values[0] += delta
        node.attribute.remove(at)
        node.attribute.append(helper.make_attribute(attr, values))
        assert _model_id(changed, xtr) != base, attr
