"""mul / mul_const steps: every corrupted message or claim is rejected, over the K of each proof
profile (conftest.py); a prover holding other constants fails the model opening of the profile's
commitment scheme."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from protocol.step_harness import (
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
from tensorproof.field.encoding import F_BYTES
from tensorproof.field.params import P
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.claims import EvalClaim
from tensorproof.verifier.verify import verify

REJECTED = (VerificationError, ProofFormatError)
pytestmark = pytest.mark.usefixtures("profile")  # every case, once per proof profile
WIDE = 10**9


def _case(g, batch, inputs, k, n_claims=1, seed=0):
    plan = build_plan(g, batch)
    ints = witness_of(g, plan, inputs)
    n = plan.tensors[plan.steps[0].output].layout.n_vars
    points = [random_point(n, seed + j, k) for j in range(n_claims)]
    return plan, ints, prove_step(plan, 0, ints, points[0], points[1:], k)


def _mul_const_graph(c):
    return graph(["x"], ["y"], [spec("x", (3, 5)), spec("y", (3, 5), -WIDE, WIDE)],
                 [node("mul_const", ["x"], "y", {"c": c})])


@pytest.fixture(scope="module")
def mul_case(k):
    """a ⊙ b on 3×5, batch 3, two claims merged first."""
    g = graph(["a", "b"], ["y"], [spec("a", (3, 5)), spec("b", (3, 5)),
                                  spec("y", (3, 5), -WIDE, WIDE)],
              [node("mul", ["a", "b"], "y")])
    rng = np.random.default_rng(0)
    return _case(g, 3, {n: rng.integers(-128, 128, (3, 3, 5)) for n in "ab"}, k, n_claims=2)


@pytest.fixture(scope="module")
def mul_const_case(k):
    g = _mul_const_graph(np.arange(15).reshape(3, 5) - 7)
    return _case(g, 3, {"x": np.random.default_rng(1).integers(-128, 128, (3, 3, 5))}, k, seed=3)


CASES = ["mul_case", "mul_const_case"]


def _rejected(plan, ints, sp, proof=None, claims=None) -> bool:
    try:
        verify_step(plan, 0, ints, sp.output_claims if claims is None else claims,
                    sp.proof if proof is None else proof, sp.k)
    except REJECTED:
        return True
    return False


def _each_element(messages):
    """The last byte of every F coefficient of the messages."""
    for m in messages:
        yield from range(m.start + F_BYTES - 1, m.end, F_BYTES)


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
def test_changed_final_value_rejected(case, request, elem):
    plan, ints, sp = request.getfixturevalue(case)
    (finals,) = sp.find("finals")
    assert finals.end - finals.start == 2 * elem
    for pos in _each_element([finals]):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos))


@pytest.mark.parametrize("case", CASES)
def test_swapped_finals_rejected(case, request, elem):
    """a·b = b·a passes the step's own check, but the claims handed on are then false."""
    plan, ints, sp = request.getfixturevalue(case)
    (f,) = sp.find("finals")
    p = sp.proof
    swapped = p[: f.start] + p[f.start + elem : f.end] + p[f.start : f.start + elem] + p[f.end :]
    assert swapped != p
    assert _rejected(plan, ints, sp, swapped)


@pytest.mark.parametrize("case", CASES)
def test_wrong_output_claim_rejected(case, request):
    plan, ints, sp = request.getfixturevalue(case)
    c = sp.output_claims[0]
    wrong = EvalClaim(c.point, ((c.value[0] + 1) % P, *c.value[1:]))
    assert _rejected(plan, ints, sp, claims=[wrong, *sp.output_claims[1:]])


@pytest.mark.parametrize("case", CASES)
def test_truncated_stream_rejected(case, request, elem):
    plan, ints, sp = request.getfixturevalue(case)
    for cut in (1, elem, len(sp.proof) // 2):
        with pytest.raises(ProofFormatError):
            verify_step(plan, 0, ints, sp.output_claims, sp.proof[:-cut], sp.k)


def test_extended_stream_rejected(mul_const_case, elem):
    plan, ints, sp = mul_const_case
    with pytest.raises(ProofFormatError):
        verify_step(plan, 0, ints, sp.output_claims, sp.proof + bytes(elem), sp.k)


def test_every_byte_flip_rejected(mul_const_case):
    plan, ints, sp = mul_const_case
    for pos in range(len(sp.proof)):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos, 0x80)), f"byte {pos} accepted"


def test_wrong_input_witness_rejected(mul_case):
    plan, ints, sp = mul_case
    forged = {**ints, "a": ints["a"] * -1}
    cheat = prove_step(plan, 0, forged, sp.output_claims[0].point, k=sp.k)
    assert _rejected(plan, ints, sp, proof=cheat.proof, claims=sp.output_claims[:1])


def test_mul_const_with_other_constant_rejected(config):
    """A prover holding other constants than the committed ones: the model opening fails."""
    c = np.arange(15).reshape(3, 5) - 7
    pk = setup(compiled(_mul_const_graph(c)), dict(config))
    other = setup(compiled(_mul_const_graph(c + 1)), dict(config))
    x = np.random.default_rng(2).integers(-128, 128, (2, 3, 5))
    assert np.array_equal(verify(pk.vk, prove(pk, {"x": x}))["y"], x * c[None])
    forged = dataclasses.replace(other, vk=pk.vk)
    with pytest.raises(REJECTED):
        verify(pk.vk, prove(forged, {"x": x}))
