"""Products of two activations (attention-style MatMul): Y = A @ B over shared leading axes.

A: (L, M, K), B: (L, K, N), Y: (L, M, N), where L stands for the shared leading axes (batch
first). The leading index multiplies both factors, so a claim Y~(z_n, z_m, z_l) = v becomes
(Thaler, CRYPTO 2013, §5.1, with the shared index kept inside the sum)
    v = Σ_{k, l} eq(z_l, l) · A~(k, z_m, l) · B~(z_n, k, l),
a degree-3 sumcheck over the bits of (k, l) ending in claims on A and on B at (ρ_k, ρ_l); the
verifier computes eq(z_l, ρ_l) itself.
"""

from __future__ import annotations

from ...errors import VerificationError
from ...poly.mle import as_ext, eq_eval
from ..zk_finals import verify_hiding_sumcheck
from .common import discharged, merge_rounds

REDUCES_CLAIMS = True


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py)."""
    n_out = plan.tensors[step.output].layout.n_vars
    # both inputs randomized in a zero-knowledge plan: the last round 3 + 2, two value slots
    return (merge_rounds(n_out) + discharged(plan.tensors[step.inputs[0]].layout.n_vars, 5)
            + [(1, 1), (1, 1)])


TERMS = [(1, [0, 1, 2])]
"""A~(k, z_m, l) B~(z_n, k, l) eq(z_l, l) (A, B randomized in a zero-knowledge plan)."""


def split(book, step, point):
    """(z_n, z_m, z_lead, k_bits) of a claim point on the output."""
    y = book.plan.tensors[step.output].layout
    a = book.plan.tensors[step.inputs[0]].layout
    n_bits, m_bits = y.bits[-1], y.bits[-2]
    return (list(point[:n_bits]), list(point[n_bits : n_bits + m_bits]),
            list(point[n_bits + m_bits :]), a.bits[-1])


def verify(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    ext = ctx.ext
    z_n, z_m, z_l, k_bits = split(ctx, step, claim.point)
    n = k_bits + len(z_l)
    sub = verify_hiding_sumcheck(ctx, claim.value, n, 3, ctx.label(i, step, "sumcheck"),
                                 TERMS, [step.inputs[0], step.inputs[1], None],
                                 claim.randomizer)
    a_val, b_val = ctx.recv(ctx.label(i, step, "finals"), 2)
    rho_k, rho_l = list(sub.point[:k_bits]), list(sub.point[k_bits:])
    expected = ext.mul(ext.mul(a_val, b_val), eq_eval(ext, z_l, rho_l))
    if not ext.eq(expected, as_ext(ext, sub.value)):
        raise VerificationError(f"layer {step.name!r} (matmul): final sumcheck check failed")
    ctx.claim(step.inputs[0], rho_k + z_m + rho_l, a_val)
    ctx.claim(step.inputs[1], z_n + rho_k + rho_l, b_val)
