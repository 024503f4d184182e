"""The demo: compile the bundled digits CNN, prove a batch of test digits, verify.

The CNN (Conv 1→8 k3 → ReLU → AvgPool 2 → Gemm 128→10) was trained on scikit-learn's digits by
scripts/train_digits_cnn.py and ships in tensorproof/data with calibration and test images, so
the demo needs no download and no scikit-learn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..ir.model import CompiledModel
from ..ir.visibility import PRIVATE
from ..prover.certificate import prove_certificate
from ..prover.model import setup as _setup
from ..verifier.keys import VerifyingKey
from ..verifier.pcs_config import DEFAULT_PROFILE, profile_config
from ..verifier.zk_capacity import zero_knowledge_config
from .core import compile as compile_model
from .core import prove, verify


@dataclass
class DemoReport:
    """What `tensorproof demo` prints: labels and proven predictions, times, sizes."""

    labels: np.ndarray
    predictions: np.ndarray
    times: dict[str, float]
    proof_bytes: int
    model_id: str
    quantized_accuracy: float
    n_test: int


def bundled() -> tuple[bytes, dict[str, np.ndarray]]:
    """(ONNX bytes of the digits CNN, its data: calibration, test, test_labels)."""
    data = resources.files("tensorproof") / "data"
    onnx_bytes = (data / "digits_cnn.onnx").read_bytes()
    with (data / "digits.npz").open("rb") as f, np.load(f, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return onnx_bytes, arrays


def run_demo(batch: int = 16, k: int | None = None, say: Callable[[str], None] = lambda s: None,
             profile: str = DEFAULT_PROFILE, zero_knowledge: bool = False) -> DemoReport:
    """Compile, commit, certify, prove ``batch`` test digits, verify. With ``zero_knowledge``
    the digits are a private input and the proof zero-knowledge: it shows the predictions
    without revealing the images."""
    onnx_bytes, data = bundled()
    x, labels = data["test"][:batch], data["test_labels"][:batch]
    config = profile_config(profile, k)
    if zero_knowledge:
        config = zero_knowledge_config(config, {"input": PRIVATE}, ("input",))
    times: dict[str, float] = {}
    say("compiling (quantizing) the model")
    t0 = time.perf_counter()
    model = compile_model(onnx_bytes, data["calibration"],
                          input_visibility=PRIVATE if zero_knowledge else None)
    times["compile"] = time.perf_counter() - t0
    say("committing to the weights")
    t0 = time.perf_counter()
    pk = _setup(model, config, certify=False)
    times["setup: weight commitment"] = time.perf_counter() - t0
    say("warming up the numba kernels (compiled on the first run only, then cached)")
    t0 = time.perf_counter()
    verify(pk.vk, prove(pk, x[:1]))
    times["kernel warm-up (first run compiles)"] = time.perf_counter() - t0
    say("certifying the weights' ranges")
    t0 = time.perf_counter()
    pk.vk = pk.vk.with_certificate(prove_certificate(pk))
    times["setup: weight range certificate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pk.vk = VerifyingKey.from_bytes(pk.vk.to_bytes())  # what a verifier loads: checks it all
    times["load vk (checks its certificate)"] = time.perf_counter() - t0
    say(f"proving a batch of {len(x)} digits")
    t0 = time.perf_counter()
    proof = prove(pk, x, progress=lambda s: say(f"proving: {s}"))
    times["prove"] = time.perf_counter() - t0
    blob = proof.to_bytes()
    say("verifying")
    t0 = time.perf_counter()
    result = verify(pk.vk, proof)
    times["verify"] = time.perf_counter() - t0
    (logits,) = result.values.values()
    preds = logits.reshape(len(x), -1).argmax(axis=1)
    all_preds = _quantized_predictions(model, data["test"])
    return DemoReport(labels, preds, times, len(blob), pk.vk.model_id.hex(),
                      float((all_preds == data["test_labels"]).mean()), len(all_preds))


def _quantized_predictions(model: CompiledModel, x: np.ndarray) -> np.ndarray:
    from ..quant.executor import execute

    ints = model.quantize_inputs(x)
    values = execute(model.graph, ints)
    (out,) = model.dequantize_outputs(values).values()
    preds: np.ndarray = out.reshape(len(x), -1).argmax(axis=1)
    return preds
