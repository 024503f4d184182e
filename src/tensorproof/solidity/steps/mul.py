"""mul, mul_const (verifier/layers/mul.py), and the product-sumcheck layout matmul shares.

Both steps reduce the merged claim Y~(z) = v by a degree-3 sumcheck whose last round equals
a · b · eq(·, ·) of some coordinates, then claim the two factors at points made of the claim's
and the sumcheck's coordinates. Coordinates are indices into u = z ‖ ρ (the claim's point, then
the sumcheck's point ρ): index j < len(z) is z[j], else ρ[j − len(z)].

Layout (``product``): u8 n_sum (sumcheck variables) | u8 n_eq | n_eq × (u8 i, u8 j): the
eq factor Π eq(u[i], u[j]) | u8 n_a | n_a bytes: the first factor's point (inputs[0]) | u8 n_b |
n_b bytes: the second factor's point (inputs[1], or consts[0] for mul_const).

mul: n_sum = all of Y's variables, eq(z, ρ), both factors at ρ. mul_const: n_sum = the
per-sample variables z_s, eq(z_s, ρ), X at ρ ‖ z_b and the constant at ρ.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from ...verifier.layers.mul import sumcheck_point
from .fields import u8


def product(n_claim: int, n_sum: int, eq_pairs: Sequence[tuple[int, int]],
            a_point: Sequence[int], b_point: Sequence[int]) -> bytes:
    """The layout above; coordinates are indices into z ‖ ρ (len(z) = n_claim)."""
    n = n_claim + n_sum
    if n >= 256:
        raise ValueError("a product step over 256 or more coordinates")
    for j in [*(x for p in eq_pairs for x in p), *a_point, *b_point]:
        if not 0 <= j < n:
            raise ValueError(f"coordinate {j} outside z ‖ ρ ({n})")
    out = [u8(n_sum), u8(len(eq_pairs))]
    out += [u8(i) + u8(j) for i, j in eq_pairs]
    out += [u8(len(a_point)), bytes(a_point), u8(len(b_point)), bytes(b_point)]
    return b"".join(out)


def encode(plan, step, ids) -> bytes:
    n = plan.tensors[step.output].layout.n_vars
    z, z_fixed = sumcheck_point(SimpleNamespace(plan=plan), step, tuple(range(n)))
    rho = [n + j for j in range(len(z))]
    point = rho + list(z_fixed)
    b_point = point if step.op == "mul" else rho
    return product(n, len(z), list(zip(z, rho)), point, b_point)
