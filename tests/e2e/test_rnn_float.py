"""LSTM, GRU and RNN in float: the unrolled graph that normalize() builds (expand_rnn.py) and
the float reference (float_rnn.py, which folds constant recurrent nodes) both agree with
onnxruntime over every direction, layout 0 and 1, initial states absent, constant or inputs,
output subsets, clip, linear_before_reset, peepholes, input_forget and non-default activations.
onnxruntime runs no layout 1: its reference is the node at layout 0 between Transposes."""

from __future__ import annotations

import itertools

import numpy as np
import onnx
import pytest
from onnx import helper

from helpers_models import make_model, ort_run
from rnn_models import onnxruntime_outputs, recurrent_model
from tensorproof.frontend import load_onnx, normalize
from tensorproof.frontend.float_rnn import RECURRENT
from tensorproof.frontend.onnx_io import attributes, to_array

TOL = 1e-5
"""float32 (onnxruntime) against float64."""


def _check(op: str, **kw) -> None:
    model, sample = recurrent_model(op, **kw)
    fg = normalize(load_onnx(model))
    assert not {n.op for n in fg.nodes} & set(RECURRENT), "a recurrent node was not unrolled"
    feeds = sample(3, np.random.default_rng(1))
    expected = onnxruntime_outputs(model, feeds, fg.shapes)
    unrolled = fg.run(feeds)
    m = onnx.load_from_string(model)
    node = m.graph.node[0]
    inits = {t.name: to_array(t) for t in m.graph.initializer}
    for i in range(3):
        vals = {**inits, **{k: v[i].reshape(fg.shapes[k]) for k, v in feeds.items()}}
        ref = RECURRENT[op](*[vals[n] if n else None for n in node.input], **attributes(node))
        for name, v in zip(node.output, ref):
            if name:
                np.testing.assert_allclose(v, expected[name][i], atol=TOL, err_msg=name)
    for name, want in expected.items():
        got = unrolled[name].reshape(want.shape)
        np.testing.assert_allclose(got, want, atol=TOL, err_msg=name)


@pytest.mark.parametrize("op,direction,layout,initial", itertools.product(
    ["LSTM", "GRU", "RNN"], ["forward", "reverse", "bidirectional"], [0, 1],
    ["none", "const", "input"]))
def test_rnn_float_graph_matches_onnxruntime(op, direction, layout, initial):
    _check(op, direction=direction, layout=layout, initial=initial, batch=2)


SIGMOID_ELU_SOFTPLUS = ["Sigmoid", "Elu", "Softplus"] * 2

VARIANTS = {
    "lstm_peepholes": ("LSTM", dict(peepholes=True, initial="input",
                                    direction="bidirectional")),
    "lstm_input_forget": ("LSTM", dict(input_forget=1, peepholes=True, initial="input")),
    "lstm_clip": ("LSTM", dict(clip=0.3, initial="input", scale=2.0)),
    "gru_clip_lbr": ("GRU", dict(clip=0.3, initial="const", scale=2.0, linear_before_reset=1)),
    "rnn_clip": ("RNN", dict(clip=0.3, scale=2.0, direction="reverse")),
    "gru_lbr_layout1": ("GRU", dict(linear_before_reset=1, direction="bidirectional",
                                    initial="input", layout=1, batch=2)),
    "gru_lbr": ("GRU", dict(linear_before_reset=1)),
    "lstm_hardsigmoid_leakyrelu_softsign": ("LSTM", dict(
        activations=["HardSigmoid", "LeakyRelu", "Softsign"], activation_alpha=[0.3, 0.1],
        activation_beta=[0.4])),
    "lstm_elu_per_direction": ("LSTM", dict(activations=SIGMOID_ELU_SOFTPLUS,
                                            activation_alpha=[0.7, 0.5],
                                            direction="bidirectional")),
    "gru_affine_scaledtanh": ("GRU", dict(activations=["Affine", "ScaledTanh"],
                                          activation_alpha=[0.5, 1.5],
                                          activation_beta=[0.1, 0.7], initial="input")),
    "rnn_thresholdedrelu": ("RNN", dict(activations=["ThresholdedRelu"],
                                        activation_alpha=[0.2])),
    "rnn_relu_tanh": ("RNN", dict(activations=["Relu", "Tanh"], direction="bidirectional")),
    "lstm_y_h": ("LSTM", dict(outputs=("Y_h",))),
    "lstm_y_c_layout1": ("LSTM", dict(outputs=("Y_c",), direction="bidirectional", layout=1)),
    "lstm_y_and_y_c": ("LSTM", dict(outputs=("Y", "Y_c"), direction="reverse",
                                    initial="input")),
    "gru_y": ("GRU", dict(outputs=("Y",), direction="reverse")),
    "rnn_y_h_batch3": ("RNN", dict(outputs=("Y_h",), layout=1, batch=3, initial="input")),
    "lstm_full_sequence_lens": ("LSTM", dict(seq_lens=[3, 3], batch=2)),
    "lstm_no_bias_one_step": ("LSTM", dict(bias=False, steps=1)),
}


@pytest.mark.parametrize("case", sorted(VARIANTS))
def test_rnn_float_variant_matches_onnxruntime(case):
    op, kw = VARIANTS[case]
    _check(op, **kw)


def test_lstm_with_constant_input_is_folded():
    """An LSTM of constants only is folded by the float reference, not unrolled."""
    rng = np.random.default_rng(2)
    inits = {"x": rng.uniform(-1, 1, (3, 1, 2)), "W": rng.normal(0, 0.6, (2, 12, 2)),
             "R": rng.normal(0, 0.6, (2, 12, 3)), "B": rng.normal(0, 0.3, (2, 24))}
    nodes = [helper.make_node("LSTM", ["x", "W", "R", "B"], ["", "Y_h"], hidden_size=3,
                              direction="bidirectional"),
             helper.make_node("Add", ["Y_h", "u"], ["y"])]
    blob = make_model(nodes, {"u": ["N", 1, 3]}, {"y": [2, 1, 3]}, inits, 14)
    fg = normalize(load_onnx(blob))
    assert [n.op for n in fg.nodes] == ["Add"]
    u = rng.uniform(-1, 1, (2, *fg.input_shapes["u"]))
    want = np.stack([ort_run(blob, {"u": v[None]})["y"] for v in u])
    np.testing.assert_allclose(fg.run({"u": u})["y"].reshape(want.shape), want, atol=TOL)
