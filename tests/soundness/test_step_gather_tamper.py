"""Gather step: every corrupted message, claim or wiring is rejected, over the K of each proof
profile (conftest.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from protocol.step_harness import (
    build_plan,
    flip_byte,
    graph,
    node,
    prove_step,
    random_point,
    spec,
    verify_step,
    witness_of,
)
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import F_BYTES
from tensorproof.field.params import P
from tensorproof.verifier.claims import EvalClaim

REJECTED = (VerificationError, ProofFormatError)
pytestmark = pytest.mark.usefixtures("profile")  # every case, once per proof profile


def _case(g, batch, inputs, k, n_claims=1, seed=0):
    plan = build_plan(g, batch)
    ints = witness_of(g, plan, inputs)
    n = plan.tensors[plan.steps[0].output].layout.n_vars
    points = [random_point(n, seed + j, k) for j in range(n_claims)]
    return plan, ints, prove_step(plan, 0, ints, points[0], points[1:], k)


@pytest.fixture(scope="module")
def concat_case(k):
    """Two sources (a: 3×5, b: 2×5 → 5×5), batch 3: one sumcheck per source plus the parts."""
    g = graph(["a", "b"], ["y"], [spec("a", (3, 5)), spec("b", (2, 5)), spec("y", (5, 5))],
              [node("concat", ["a", "b"], "y", axis=0)])
    rng = np.random.default_rng(0)
    return _case(g, 3, {"a": rng.integers(-128, 128, (3, 3, 5)),
                        "b": rng.integers(-128, 128, (3, 2, 5))}, k)


@pytest.fixture(scope="module")
def conv_case(k):
    """im2col of a 2×5×5 input (3×3 kernel, pad 1), batch 3, two claims merged first."""
    g = graph(["x"], ["y"], [spec("x", (2, 5, 5)), spec("y", (2, 5, 5), -10**9, 10**9)],
              [node("conv2d", ["x"], "y", {"W": np.ones((2, 2, 3, 3)), "b": np.zeros(2)},
                    strides=(1, 1), pads=(1, 1, 1, 1))])
    x = np.random.default_rng(1).integers(-128, 128, (3, 2, 5, 5))
    return _case(g, 3, {"x": x}, k, n_claims=2, seed=5)


@pytest.fixture(scope="module")
def reshape_case(k):
    g = graph(["x"], ["y"], [spec("x", (3, 5)), spec("y", (5, 3))],
              [node("reshape", ["x"], "y", shape=(5, 3))])
    return _case(g, 1, {"x": np.random.default_rng(2).integers(-128, 128, (1, 3, 5))}, k)


def _rejected(plan, ints, sp, proof=None, claims=None) -> bool:
    try:
        verify_step(plan, 0, ints, sp.output_claims if claims is None else claims,
                    sp.proof if proof is None else proof, sp.k)
    except REJECTED:
        return True
    return False


def _each_element(messages):
    """Byte positions hitting the low byte of every F coefficient of the messages."""
    for m in messages:
        yield from range(m.start + F_BYTES - 1, m.end, F_BYTES)


def test_honest_proofs_accepted(concat_case, conv_case, reshape_case):
    for plan, ints, sp in (concat_case, conv_case, reshape_case):
        assert not _rejected(plan, ints, sp)


@pytest.mark.parametrize("case", ["concat_case", "conv_case"])
def test_changed_sumcheck_message_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    rounds = sp.find("/round")
    assert rounds
    for pos in _each_element(rounds):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos)), f"byte {pos} accepted"


@pytest.mark.parametrize("case", ["concat_case", "conv_case"])
def test_changed_final_value_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    finals = sp.find("/value")
    assert len(finals) >= len(plan.steps[0].inputs)
    for pos in _each_element(finals):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos))


def test_changed_partial_sum_rejected(concat_case, elem):
    plan, ints, sp = concat_case
    (parts,) = sp.find("parts")
    assert parts.end - parts.start == 2 * elem
    for pos in _each_element([parts]):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos))


def test_shifted_partial_sums_rejected(concat_case, monkeypatch):
    """Parts that still add up to the claim, but each wrong: the per-source sumcheck fails."""
    import tensorproof.prover.layers.gather as prover_gather

    plan, ints, sp = concat_case
    honest = prover_gather.sum_of_products
    calls = []

    def shifted(vf, tables, terms):
        v = honest(vf, tables, terms)
        calls.append(v)
        delta = 5 if len(calls) == 1 else -5
        return (v[0] + delta) % P, *v[1:]

    monkeypatch.setattr(prover_gather, "sum_of_products", shifted)
    point = sp.output_claims[0].point
    cheat = prove_step(plan, 0, ints, point, k=sp.k)
    assert len(calls) == 2
    with pytest.raises(VerificationError, match="sumcheck"):
        verify_step(plan, 0, ints, cheat.output_claims, cheat.proof, sp.k)


@pytest.mark.parametrize("case", ["concat_case", "conv_case"])
def test_wrong_output_claim_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    c = sp.output_claims[-1]
    wrong = EvalClaim(c.point, ((c.value[0] + 1) % P, *c.value[1:]))
    assert _rejected(plan, ints, sp, claims=[*sp.output_claims[:-1], wrong])


@pytest.mark.parametrize("case", ["concat_case", "conv_case"])
def test_truncated_stream_rejected(case, request, elem):
    plan, ints, sp = request.getfixturevalue(case)
    for cut in (1, elem, len(sp.proof) // 2):
        with pytest.raises(ProofFormatError):
            verify_step(plan, 0, ints, sp.output_claims, sp.proof[:-cut], sp.k)


def test_extended_stream_rejected(concat_case):
    plan, ints, sp = concat_case
    with pytest.raises(ProofFormatError):
        verify_step(plan, 0, ints, sp.output_claims, sp.proof + b"\x00", sp.k)


def _with_wiring(plan, change):
    step = plan.steps[0]
    wirings = tuple(change(out_pos.copy(), in_pos.copy()) for out_pos, in_pos in
                    step.attrs["wirings"])
    new = dataclasses.replace(step, attrs={**step.attrs, "wirings": wirings})
    return dataclasses.replace(plan, steps=[new, *plan.steps[1:]])


@pytest.mark.parametrize("case", ["concat_case", "conv_case", "reshape_case"])
@pytest.mark.parametrize("change", ["rolled", "dropped", "shifted"])
def test_wrong_wiring_rejected(case, change, request):
    """The verifier's own wiring differs from the prover's: the final check fails."""
    plan, ints, sp = request.getfixturevalue(case)
    changes = {
        "rolled": lambda o, i: (o, np.roll(i, 1)),
        "dropped": lambda o, i: (o[1:], i[1:]),
        "shifted": lambda o, i: (o, np.where(np.arange(len(i)) == 3, (i + 1) % i.max(), i)),
    }
    assert _rejected(_with_wiring(plan, changes[change]), ints, sp)


def test_wrong_source_witness_rejected(reshape_case):
    """A prover running on another input proves nothing about the true output."""
    plan, ints, sp = reshape_case
    forged = {**ints, "x": ints["x"] + 1}
    cheat = prove_step(plan, 0, forged, sp.output_claims[0].point, k=sp.k)
    assert _rejected(plan, ints, sp, proof=cheat.proof)


def test_every_byte_flip_rejected(reshape_case):
    plan, ints, sp = reshape_case
    for pos in range(len(sp.proof)):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos, 0x80)), f"byte {pos} accepted"
