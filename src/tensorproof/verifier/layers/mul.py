"""Elementwise products: Y = A ⊙ B, and Y = X ⊙ C for a model constant C of per-sample layout.

A claim Y~(z) = v is the degree-3 sumcheck (Thaler, "Proofs, Arguments and Zero-Knowledge",
§4.1 with the eq factor of Lemma 3.6: Y~(z) = Σ_x eq(z, x) Y(x))
    mul:        v = Σ_x eq(z, x) · A(x) · B(x)                       over every variable of Y;
    mul_const:  v = Σ_q eq(z_s, q) · X~(q, z_b) · C(q)               over the per-sample variables,
with z = (z_s, z_b) split into sample and batch coordinates (C has no batch axis; it is
zero-padded, so Y's padding stays zero). At the point ρ the prover states both factors, the
verifier checks eq(z, ρ) · a · b against the last round and passes on the claims A~(ρ), B~(ρ)
(resp. X~(ρ, z_b) and the constant claim C~(ρ)). Several claims on Y are merged first (ctx.take).
A false v survives with probability ≤ 3·n/|K| (Thaler, Prop. 4.1).
"""

from __future__ import annotations

from ...errors import VerificationError
from ...poly.mle import as_ext, eq_eval
from ..zk_finals import verify_hiding_sumcheck
from .add import split_batch
from .common import discharged, merge_rounds

REDUCES_CLAIMS = True

TERMS = [(1, [0, 1])]
"""eq(z, x) A(x) B(x) (the eq factor fused; A, B randomized in a zero-knowledge plan)."""


def table_names(step) -> list:
    """The plan tensor of each table (the constant's is randomized only when the weights are
    private: zk_finals.hidden), for zk_finals.py."""
    return [step.inputs[0], step.inputs[1] if step.op == "mul" else step.consts[0]]


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py)."""
    n_out = plan.tensors[step.output].layout.n_vars
    # A and B randomized: the last round 3 + 2, two value slots
    return merge_rounds(n_out) + discharged(n_out, 5) + [(1, 1), (1, 1)]


def sumcheck_point(book, step, point) -> tuple[tuple, tuple]:
    """(eq point of the sumcheck, coordinates kept fixed): (z, ()) for mul, (z_s, z_b) for
    mul_const."""
    if step.op == "mul":
        return tuple(point), ()
    return split_batch(book, step, point)


def verify(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    ext = ctx.ext
    z, z_fixed = sumcheck_point(ctx, step, claim.point)
    sub = verify_hiding_sumcheck(ctx, claim.value, len(z), 3, ctx.label(i, step, "sumcheck"),
                                 TERMS, table_names(step), claim.randomizer)
    a_val, b_val = ctx.recv(ctx.label(i, step, "finals"), 2)
    expected = ext.mul(eq_eval(ext, z, sub.point), ext.mul(a_val, b_val))
    if not ext.eq(expected, as_ext(ext, sub.value)):
        raise VerificationError(f"layer {step.name!r} ({step.op}): final sumcheck check failed")
    point = list(sub.point) + list(z_fixed)
    ctx.claim(step.inputs[0], point, a_val)
    if step.op == "mul":
        ctx.claim(step.inputs[1], point, b_val)
    else:
        ctx.const_claim(step.consts[0], list(sub.point), b_val)
