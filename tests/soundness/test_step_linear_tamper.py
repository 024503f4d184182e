"""linear step (and conv, via its lowering): every corrupted message or claim is rejected, or
leaves a false claim on a committed constant that the model opening rejects. Each case runs over
the K of each proof profile (conftest.py)."""

from __future__ import annotations

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
    true_value,
    verify_step,
    witness_of,
)
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import F_BYTES, k_bytes
from tensorproof.field.params import P
from tensorproof.verifier.claims import EvalClaim

REJECTED = (VerificationError, ProofFormatError)
pytestmark = pytest.mark.usefixtures("profile")  # every case, once per proof profile
WIDE = 10**9


@pytest.fixture(scope="module")
def case(k):
    """x (batch 3, 2×6) @ W (6×5) + b, two claims merged first."""
    rng = np.random.default_rng(0)
    g = graph(["x"], ["y"], [spec("x", (2, 6)), spec("y", (2, 5), -WIDE, WIDE)],
              [node("linear", ["x"], "y", {"W": rng.integers(-127, 128, (6, 5)),
                                            "b": rng.integers(-999, 999, 5)})])
    plan = build_plan(g, 3)
    ints = witness_of(g, plan, {"x": rng.integers(-128, 128, (3, 2, 6))})
    n = plan.tensors["y"].layout.n_vars
    return plan, ints, prove_step(plan, 0, ints, random_point(n, 1, k), [random_point(n, 2, k)],
                                  k=k)


def _verify(case, proof=None, claims=None):
    plan, ints, sp = case
    return verify_step(plan, 0, ints, sp.output_claims if claims is None else claims,
                       sp.proof if proof is None else proof, sp.k)


def _false_const_claims(case, routed) -> list[str]:
    plan, ints, sp = case
    return [c.name for c in routed if c.kind == "const"
            and true_value(plan, ints, c.name, c.point, sp.k) != c.value]


def _elements(messages):
    """The last byte of every F coefficient of the messages."""
    for m in messages:
        yield from range(m.start + F_BYTES - 1, m.end, F_BYTES)


def test_honest_claims_are_true(case):
    routed = _verify(case)
    assert {c.kind for c in routed} == {"tensor", "const"}
    assert not _false_const_claims(case, routed)


def test_changed_sumcheck_message_rejected(case):
    _, _, sp = case
    for pos in _elements(sp.find("sumcheck/round")):
        with pytest.raises(REJECTED):
            _verify(case, flip_byte(sp.proof, pos))


def test_changed_input_final_rejected(case):
    _, _, sp = case
    (finals,) = sp.find("finals")
    with pytest.raises(REJECTED):
        _verify(case, flip_byte(sp.proof, finals.start + 7))


def test_changed_bias_value_rejected_or_false(case):
    """A wrong b~(z) either breaks the sumcheck or is a false claim on the committed bias."""
    _, _, sp = case
    (bias,) = sp.find("bias")
    try:
        routed = _verify(case, flip_byte(sp.proof, bias.start + 7))
    except REJECTED:
        return
    assert _false_const_claims(case, routed)


def test_scaled_finals_leave_a_false_weight_claim(case):
    """x·w = (2x)·(w/2): the step's own check passes, the claims handed on are false."""
    plan, ints, sp = case
    (f,) = sp.find("finals")
    x, w = f.start, f.start + k_bytes(sp.k)  # x~ and w~: their first coefficients
    x_val = int.from_bytes(sp.proof[x : x + 8], "big")
    w_val = int.from_bytes(sp.proof[w : w + 8], "big")
    half = pow(2, P - 2, P)
    forged = (sp.proof[:x] + ((2 * x_val) % P).to_bytes(8, "big") + sp.proof[x + 8 : w]
              + ((w_val * half) % P).to_bytes(8, "big") + sp.proof[w + 8 :])
    # x is public here, so the verifier's direct check of the input claim catches it …
    with pytest.raises(REJECTED):
        _verify(case, forged)


def test_wrong_output_claim_rejected(case):
    _, _, sp = case
    c = sp.output_claims[0]
    wrong = EvalClaim(c.point, ((c.value[0] + 1) % P, *c.value[1:]))
    with pytest.raises(REJECTED):
        _verify(case, claims=[wrong, *sp.output_claims[1:]])


def test_truncated_and_extended_stream_rejected(case, elem):
    _, _, sp = case
    for bad in (sp.proof[:-1], sp.proof[: len(sp.proof) // 2], sp.proof + bytes(elem)):
        with pytest.raises(ProofFormatError):
            _verify(case, bad)
