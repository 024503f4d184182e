"""Linear layers (Gemm, MatMul with constant weights, Conv after im2col) by one sumcheck.

Y[r, n] = Σ_j X[r, j] · W[j, n] + b[n] over rows r (batch and leading axes) and contraction
index j (the last `n_contract` axes of X). A claim Y~(z_r, z_n) = v becomes, by Thaler's matmul
sumcheck ("Time-optimal interactive proofs for circuit evaluation", CRYPTO 2013, §5.1),
    v − b~(z_n) · 1_rows~(z_r) = Σ_j X~(j, z_r) · W~(z_n, j),
a degree-2 sumcheck over the bits of j, ending in claims on X (passed back) and on W and b
(model commitment). 1_rows masks the bias to the real rows (padding stays zero).
"""

from __future__ import annotations

from ...errors import VerificationError
from ...poly.mle import as_ext
from ..zk_finals import verify_hiding_sumcheck
from ..zk_weights import hides
from .common import LinearShape, discharged, linear_shape, merge_rounds

REDUCES_CLAIMS = True


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py): x
    randomized (last round 2 + 1), and with private weights W too (+ 1) and the bias's value
    slot."""
    s = linear_shape(plan, step)
    private = hides(plan, step.consts[0])
    return (merge_rounds(plan.tensors[step.output].layout.n_vars)
            + discharged(s.k_bits, 4 if private else 3) + [(1, 1)] * (3 if private else 1))


TERMS = [(1, [0, 1])]
"""X~(j, z_rows) W~(z_n, j) (X's table randomized in a zero-knowledge plan, W's too when the
weights are private: zk_finals.py)."""


def bias_randomizer(book, i: int, step, ind) -> tuple[tuple, tuple]:
    """(the bias value's randomizer, what the sumcheck then discharges on top of the claim's):
    with private weights b~(z_n) + psi is stated, psi a fresh value slot, and the target
    v - (b~ + psi) ind is off by -ind psi; ((), ()) otherwise."""
    if not hides(book.plan, step.consts[1]):
        return (), ()
    ext = book.ext
    (slot,) = book.t.masks.take(1, 1, book.label(i, step, "bias"))
    return ((ext.one(), slot),), ((ext.neg(as_ext(ext, ind)), slot),)


def verify(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    ext = ctx.ext
    s: LinearShape = linear_shape(ctx.plan, step)
    z_n, z_rows = claim.point[: s.n_bits], claim.point[s.n_bits :]
    ind = s.row_indicator(ext, z_rows)
    r_b, r_sum = bias_randomizer(ctx, i, step, ind)
    (b_val,) = ctx.recv(ctx.label(i, step, "bias"))
    target = ext.sub(claim.value, ext.mul(b_val, ind))
    sub = verify_hiding_sumcheck(ctx, target, s.k_bits, 2, ctx.label(i, step, "sumcheck"),
                                 TERMS, [step.inputs[0], step.consts[0]],
                                 (*claim.randomizer, *r_sum))
    x_val, w_val = ctx.recv(ctx.label(i, step, "finals"), 2)
    if not ext.eq(ext.mul(x_val, w_val), as_ext(ext, sub.value)):
        raise VerificationError(f"layer {step.name!r} (linear): final sumcheck check failed")
    ctx.claim(step.inputs[0], list(sub.point) + list(z_rows), x_val)
    ctx.const_claim(step.consts[0], list(z_n) + list(sub.point), w_val)
    ctx.const_claim(step.consts[1], z_n, b_val, r_b)
