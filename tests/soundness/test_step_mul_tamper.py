"""mul / mul_const steps: every corrupted message or claim is rejected."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from protocol.step_harness import (
    RAW_CONFIG,
    build_plan,
    compiled,
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
from tensorproof.field.params import P
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.claims import EvalClaim
from tensorproof.verifier.verify import verify

REJECTED = (VerificationError, ProofFormatError)
K = 2
ELEM = 8 * K
WIDE = 10**9


def _case(g, batch, inputs, n_claims=1, seed=0):
    plan = build_plan(g, batch)
    ints = witness_of(g, plan, inputs)
    n = plan.tensors[plan.steps[0].output].layout.n_vars
    points = [random_point(n, seed + j) for j in range(n_claims)]
    return plan, ints, prove_step(plan, 0, ints, points[0], points[1:])


def _mul_const_graph(c):
    return graph(["x"], ["y"], [spec("x", (3, 5)), spec("y", (3, 5), -WIDE, WIDE)],
                 [node("mul_const", ["x"], "y", {"c": c})])


@pytest.fixture(scope="module")
def mul_case():
    """a ⊙ b on 3×5, batch 3, two claims merged first."""
    g = graph(["a", "b"], ["y"], [spec("a", (3, 5)), spec("b", (3, 5)),
                                  spec("y", (3, 5), -WIDE, WIDE)],
              [node("mul", ["a", "b"], "y")])
    rng = np.random.default_rng(0)
    return _case(g, 3, {n: rng.integers(-128, 128, (3, 3, 5)) for n in "ab"}, n_claims=2)


@pytest.fixture(scope="module")
def mul_const_case():
    g = _mul_const_graph(np.arange(15).reshape(3, 5) - 7)
    return _case(g, 3, {"x": np.random.default_rng(1).integers(-128, 128, (3, 3, 5))}, seed=3)


CASES = ["mul_case", "mul_const_case"]


def _rejected(plan, ints, sp, proof=None, claims=None) -> bool:
    try:
        verify_step(plan, 0, ints, sp.output_claims if claims is None else claims,
                    sp.proof if proof is None else proof)
    except REJECTED:
        return True
    return False


def _each_element(messages):
    for m in messages:
        yield from range(m.start + 7, m.end, 8)


def test_honest_proofs_accepted(mul_case, mul_const_case):
    for plan, ints, sp in (mul_case, mul_const_case):
        assert not _rejected(plan, ints, sp)


@pytest.mark.parametrize("case", CASES)
def test_changed_sumcheck_message_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    rounds = sp.find("/round")
    assert rounds
    for pos in _each_element(rounds):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos)), f"byte {pos} accepted"


@pytest.mark.parametrize("case", CASES)
def test_changed_final_value_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    (finals,) = sp.find("finals")
    assert finals.end - finals.start == 2 * ELEM
    for pos in _each_element([finals]):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos))


@pytest.mark.parametrize("case", CASES)
def test_swapped_finals_rejected(case, request):
    """a·b = b·a passes the step's own check, but the claims handed on are then false."""
    plan, ints, sp = request.getfixturevalue(case)
    (f,) = sp.find("finals")
    p = sp.proof
    swapped = p[: f.start] + p[f.start + ELEM : f.end] + p[f.start : f.start + ELEM] + p[f.end :]
    assert swapped != p
    assert _rejected(plan, ints, sp, swapped)


@pytest.mark.parametrize("case", CASES)
def test_wrong_output_claim_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    c = sp.output_claims[0]
    wrong = EvalClaim(c.point, ((c.value[0] + 1) % P, *c.value[1:]))
    assert _rejected(plan, ints, sp, claims=[wrong, *sp.output_claims[1:]])


@pytest.mark.parametrize("case", CASES)
def test_truncated_stream_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    for cut in (1, ELEM, len(sp.proof) // 2):
        with pytest.raises(ProofFormatError):
            verify_step(plan, 0, ints, sp.output_claims, sp.proof[:-cut])


def test_extended_stream_rejected(mul_const_case):
    plan, ints, sp = mul_const_case
    with pytest.raises(ProofFormatError):
        verify_step(plan, 0, ints, sp.output_claims, sp.proof + b"\x00" * ELEM)


def test_every_byte_flip_rejected(mul_const_case):
    plan, ints, sp = mul_const_case
    for pos in range(len(sp.proof)):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos, 0x80)), f"byte {pos} accepted"


def test_wrong_input_witness_rejected(mul_case):
    plan, ints, sp = mul_case
    forged = {**ints, "a": ints["a"] * -1}
    cheat = prove_step(plan, 0, forged, *[c.point for c in sp.output_claims[:1]])
    assert _rejected(plan, ints, sp, proof=cheat.proof, claims=sp.output_claims[:1])


def test_mul_const_with_other_constant_rejected():
    """A prover holding other constants than the committed ones: the model opening fails."""
    c = np.arange(15).reshape(3, 5) - 7
    pk = setup(compiled(_mul_const_graph(c)), dict(RAW_CONFIG))
    other = setup(compiled(_mul_const_graph(c + 1)), dict(RAW_CONFIG))
    x = np.random.default_rng(2).integers(-128, 128, (2, 3, 5))
    assert np.array_equal(verify(pk.vk, prove(pk, {"x": x}))["y"], x * c[None])
    forged = dataclasses.replace(other, vk=pk.vk)
    with pytest.raises(REJECTED):
        verify(pk.vk, prove(forged, {"x": x}))
