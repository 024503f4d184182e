"""matmul (verifier/layers/matmul.py): the product-sumcheck layout of ``steps/mul.py``.

Claim Y~(z_n, z_m, z_l) = v: a degree-3 sumcheck over (k, l) (ρ = ρ_k ‖ ρ_l), the eq factor
eq(z_l, ρ_l), A at ρ_k ‖ z_m ‖ ρ_l and B at z_n ‖ ρ_k ‖ ρ_l.
"""

from __future__ import annotations

from types import SimpleNamespace

from ...verifier.layers.matmul import split
from .mul import product


def encode(plan, step, ids) -> bytes:
    n = plan.tensors[step.output].layout.n_vars
    z_n, z_m, z_l, k_bits = split(SimpleNamespace(plan=plan), step, tuple(range(n)))
    n_sum = k_bits + len(z_l)
    rho_k = [n + j for j in range(k_bits)]
    rho_l = [n + k_bits + j for j in range(len(z_l))]
    return product(n, n_sum, list(zip(z_l, rho_l)), rho_k + z_m + rho_l, z_n + rho_k + rho_l)
