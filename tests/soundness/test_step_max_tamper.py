"""Named tamper suite of the max_reduce step (max pooling), through the real prove/verify
drivers: a lying prover commits a y that is no window element, a y below some element, the
image padding's 0 as the maximum, a wrong gap d, nonzero padding — each with the rest of its
advice made consistent — or changes one of the step's proof messages. Every case must end in
VerificationError or ProofFormatError."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import graph, node, spec
from soundness.lying_prover import LOOKUP_MISS, bump, rejects
from tensorproof.verifier.layers.max_reduce import valid_mask
from tensorproof.verifier.layout import Layout
from tensorproof.verifier.names import Internal
from tensorproof.verifier.verify import verify

STEP = "1:max_reduce"  # steps: 0 window gather, 1 max_reduce, 2 flatten
E = (1, 1, 0, 2)  # sample 1, channel 1, output (0, 2): its window overlaps the padding


def pool_model():
    specs = [spec("x", (2, 5, 5), -50, 50), spec("y", (2, 3, 3), -50, 50),
             spec("z", (18,), -50, 50)]
    nodes = [node("max_pool2d", ["x"], "y", kernel=(3, 3), strides=(2, 2), pads=(1, 1, 1, 1)),
             node("reshape", ["y"], "z", shape=(18,))]
    return graph(["x"], ["z"], specs, nodes)


X = {"x": np.random.default_rng(4).integers(-50, 51, (2, 2, 5, 5))}
X_NEG = {"x": np.random.default_rng(4).integers(-50, -1, (2, 2, 5, 5))}


@pytest.fixture
def g():
    return pool_model()


def valid(plan) -> np.ndarray:
    step = plan.steps[1]
    shape = plan.tensors[step.inputs[0]].layout.shape[1:]
    mask = valid_mask(plan, step).reshape(Layout(shape).padded).astype(bool)
    return mask[tuple(slice(0, n) for n in shape)]


def set_y(plan, ints, value) -> None:
    """y[E] = value, with d recomputed consistently (d = V · (y − x)) and the flattened public
    output z claiming the lie too."""
    y, x = ints["y"], ints[plan.steps[1].inputs[0]]
    y[E] = value
    ints[Internal("y", "d")] = (y[..., None] - x) * valid(plan)[None]
    ints["z"] = y.reshape(len(y), -1).copy()


def window(plan, ints) -> np.ndarray:
    """The valid entries of window E."""
    return ints[plan.steps[1].inputs[0]][E][valid(plan)[E[1:]]]


def test_honest_proof_verifies(lying, g):
    lie = lying(g, X)
    verify(lie.vk, lie.proof)


def test_window_overlaps_padding():
    from tensorproof.verifier.lowering import build_plan

    plan = build_plan(pool_model(), 2)
    assert 0 < valid(plan)[E[1:]].sum() < 9


def test_y_above_every_window_element_rejected(lying, g):
    def lie(plan, ints):
        set_y(plan, ints, ints["y"][E] + 1)  # all gaps ≥ 1: in range, but none is 0
    lie_ = lying(g, X, lie)
    rejects(lie_.vk, lie_.proof, match="max_reduce")


def test_y_below_some_window_element_rejected(lying, g):
    def lie(plan, ints):
        w = np.sort(window(plan, ints))
        assert w[-1] > w[0]
        set_y(plan, ints, w[w < w[-1]][-1])  # the second largest value: one gap is negative
    lie_ = lying(g, X, lie)
    rejects(lie_.vk, lie_.proof, match=LOOKUP_MISS)


def test_padding_zero_as_maximum_rejected(lying, g):
    """All inputs negative: claiming the image padding's 0 as the max of a border window."""
    def lie(plan, ints):
        assert window(plan, ints).max() < 0
        set_y(plan, ints, 0)
    lie_ = lying(g, X_NEG, lie)
    rejects(lie_.vk, lie_.proof, match="max_reduce")


def test_padding_counted_as_window_entry_rejected(lying, g):
    """As above, but d is made 0 on one image-padding entry as if it could win; d also stays
    zero where the max would be: rejected by d = V·(y − x)."""
    def lie(plan, ints):
        set_y(plan, ints, 0)
        invalid = np.flatnonzero(~valid(plan)[E[1:]])[0]
        ints[Internal("y", "d")][E + (invalid,)] = 0
        u = np.flatnonzero(valid(plan)[E[1:]])[0]
        ints[Internal("y", "d")][E + (u,)] = 0
    lie_ = lying(g, X_NEG, lie)
    rejects(lie_.vk, lie_.proof, match="max_reduce")


def test_changed_gap_rejected(lying, g):
    def lie(plan, ints):
        ints[Internal("y", "d")][E + (4,)] += 1
    lie_ = lying(g, X, lie)
    rejects(lie_.vk, lie_.proof, match="max_reduce")


def test_nonzero_gap_on_image_padding_rejected(lying, g):
    def lie(plan, ints):
        invalid = np.flatnonzero(~valid(plan)[E[1:]])[0]
        ints[Internal("y", "d")][E + (invalid,)] = 3
    lie_ = lying(g, X, lie)
    rejects(lie_.vk, lie_.proof, match="max_reduce")


def test_nonzero_padding_of_output_rejected(lying, g):
    def pad(plan, tables):
        tables["y"][3] = 5  # sample 0, channel 0, row 0, column 3 of 4: padding
    lie_ = lying(g, X, tables_fn=pad)
    rejects(lie_.vk, lie_.proof, match="max_reduce")


def test_changed_opening_rejected(lying, g):
    lie = lying(g, X)
    for element in (0, 1):  # x~(ρ), d~(ρ)
        rejects(lie.vk, bump(lie, lie.find(f"{STEP}:opening")[0], element), match="max_reduce")


def test_changed_sumcheck_message_rejected(lying, g, elem):
    """Value 4 of the first round (s(5): s(1) is not sent) and of the widest one (a
    zero-knowledge proof's first round is its discharge's w round, of one value: its last
    value then), and the first value of the last round."""
    lie = lying(g, X)
    rounds = lie.find(f"{STEP}:sumcheck/round")
    widest = max(rounds, key=lambda m: m.end - m.start)
    rejects(lie.vk, bump(lie, widest, 4))
    rejects(lie.vk, bump(lie, rounds[0], min(4, (rounds[0].end - rounds[0].start) // elem - 1)))
    rejects(lie.vk, bump(lie, rounds[-1], 0))


@pytest.mark.parametrize("element", [0, 4, 8, 9], ids=["d_u0", "d_u4", "d_u8", "y"])
def test_changed_final_value_rejected(lying, g, element, elem):
    lie = lying(g, X)
    (finals,) = lie.find(f"{STEP}:finals")
    assert finals.end - finals.start == 10 * elem  # d at the 9 window positions, y
    rejects(lie.vk, bump(lie, finals, element), match="max_reduce")
