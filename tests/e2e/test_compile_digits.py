"""Real models trained on scikit-learn's digits keep their predictions after compilation:
≥ 97 % top-1 agreement with the float model (onnxruntime) on held-out digits."""

from __future__ import annotations

import numpy as np
import pytest

from helpers_models import ort_run, train_digits_cnn, train_digits_mlp
from tensorproof.frontend import compile_onnx
from tensorproof.quant import execute

AGREEMENT = 0.97


def _agreement(model, x_test, calib=None, **kw):
    cm = compile_onnx(model.onnx_bytes, model.x_calib if calib is None else calib, **kw)
    q = cm.dequantize_outputs(execute(cm.graph, cm.quantize_inputs(x_test)))["logits"]
    f = ort_run(model.onnx_bytes, {"input": x_test})["logits"]
    return cm, float(np.mean(q.argmax(1) == f.argmax(1))), np.abs(q - f).max() / np.abs(f).max()


@pytest.mark.parametrize("train", [train_digits_mlp, train_digits_cnn], ids=["mlp", "cnn"])
def test_digits_model_keeps_top1_agreement(train):
    m = train()
    assert m.float_accuracy >= 0.90
    cm, agree, rel_err = _agreement(m, m.x_test)
    assert agree >= AGREEMENT, f"{m.name}: {100 * agree:.1f} % agreement"
    assert rel_err < 0.08  # worst logit of ~500 held-out digits, relative to the largest


def test_cnn_is_lenet_style_with_batchnorm_folded():
    cm = compile_onnx(train_digits_cnn().onnx_bytes, train_digits_cnn().x_calib[:100])
    ops = cm.graph.op_counts()
    assert ops["conv2d"] == 2 and ops["linear"] == 1 and ops["max_pool2d"] == 1
    assert ops["sum_pool2d"] == 1
    assert "mul_const" not in ops and "add_const" not in ops  # BatchNorm left no affine op


def test_percentile_calibration_and_16_bits_also_agree():
    m = train_digits_mlp()
    _, agree, _ = _agreement(m, m.x_test, method="percentile", percentile=99.9)
    assert agree >= AGREEMENT
    # calibrated on the evaluated digits themselves, nothing clamps: what is left is rounding
    _, agree16, err16 = _agreement(m, m.x_test, m.x_test, bits=16, weight_bits=16)
    assert agree16 >= 0.99 and err16 < 1e-3
