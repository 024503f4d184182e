"""The tree-ensemble and boolean models of the EZKL example corpus (../shared/peer-corpus/
ezkl-examples): comparisons, booleans, integer and boolean inputs, ArgMax, GatherElements,
OneHot and tables gathered by computed indices. Each compiles on its folder's input.json, proves
and verifies (raw commitment: the layers are what is tested here), with verified outputs equal
to the reference executor's; its dequantized outputs are checked against onnxruntime (the ONNX
reference evaluator for the models onnxruntime refuses: int8 MatMul): booleans, classes and
indices exactly, real outputs within a few quantization steps. Skipped when the corpus is
absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from tensorproof import api
from tensorproof.frontend import load_onnx, load_samples, normalize
from tensorproof.frontend.calibdata import sample_feeds
from tensorproof.quant.executor import execute
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.proof import Proof

CORPUS = Path(__file__).resolve().parents[2] / "../shared/peer-corpus/ezkl-examples"

pytestmark = [
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"EZKL example corpus not found at "
                       f"{CORPUS.resolve()} (../shared/peer-corpus)"),
    pytest.mark.filterwarnings("ignore::tensorproof.errors.CalibrationWarning"),
]

MODELS = {  # model: tolerance of real outputs, in units of their largest |value|
    "less": 0, "linear_svc": 0, "hard_max": 0, "1l_where": 0,
    "boolean": 0, "bitwise_ops": 0, "boolean_identity": 0,
    "decision_tree": 0, "hummingbird_decision_tree": 0, "oh_decision_tree": 0,
    "xgboost": 0.02, "lightgbm": 0.02, "xgboost_reg": 0.02, "gradient_boosted_trees": 0.03,
    "gather_elements": 0.02,
}
SLOW = {"random_forest": 0}


def _feeds(folder: Path) -> tuple[onnx.ModelProto, object, dict[str, np.ndarray]]:
    fg = normalize(load_onnx(folder / "network.onnx"))
    data = load_samples(folder / "input.json")
    if isinstance(data, list) and len(data) > len(fg.inputs):
        # EZKL lists the exported module's every input, also those ONNX export pruned
        # (bitwise_ops: inputs input2, input3 of four lists): input<i> takes list i
        data = [data[int(n.removeprefix("input") or 0)] for n in fg.inputs]
    return onnx.load(folder / "network.onnx"), fg, sample_feeds(list(fg.inputs),
                                                                 fg.input_shapes, data)


def _reference(m: onnx.ModelProto, fg, feeds) -> dict[str, np.ndarray]:
    """Float outputs of the ONNX model, one sample at a time (the compiled semantics)."""
    types = {i.name: onnx.helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type)
             for i in m.graph.input}
    try:
        import onnxruntime as ort

        sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        run = lambda f: sess.run(None, f)  # noqa: E731
    except Exception:  # e.g. int8 MatMul, which onnxruntime's CPU kernels lack
        from onnx.reference import ReferenceEvaluator

        ev = ReferenceEvaluator(m)
        run = lambda f: ev.run(None, f)  # noqa: E731
    n = next(iter(feeds.values())).shape[0]
    per = [run({k: v[i].reshape(fg.shapes[k]).astype(types[k]) for k, v in feeds.items()})
           for i in range(n)]
    return {o.name: np.stack([np.asarray(p[j], np.float64).ravel() for p in per])
            for j, o in enumerate(m.graph.output)}


def _check(name: str, tol: float) -> None:
    m, fg, feeds = _feeds(CORPUS / name)
    model = api.compile(CORPUS / name / "network.onnx", feeds)
    pk = api.setup(model, pcs="raw")
    proof = api.prove(pk, feeds)
    out = api.verify(VerifyingKey.from_bytes(pk.vk.to_bytes()), Proof.from_bytes(proof.to_bytes()))
    ints = model.quantize_inputs(feeds)
    reference = execute(model.graph, ints)
    for tensor in model.graph.outputs:
        assert np.array_equal(out.ints[tensor], reference[tensor]), (name, tensor)
    ours = model.dequantize_outputs(reference)
    theirs = _reference(m, fg, feeds)
    for o in model.outputs:
        got, want = ours[o.onnx_name].reshape(len(feeds[fg.inputs[0]]), -1), theirs[o.onnx_name]
        exact = np.asarray(want == np.round(want)).all() and o.scale == 1.0
        err = float(np.abs(got - want).max())
        limit = 0.0 if exact or not tol else tol * float(np.abs(want).max()) + o.scale
        assert err <= limit, (name, o.onnx_name, err, limit)


@pytest.mark.parametrize("name", list(MODELS))
def test_corpus_logic_model_proves_and_matches_onnx(name):
    _check(name, MODELS[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SLOW))
def test_random_forest_proves_and_matches_onnx(name):
    _check(name, SLOW[name])
