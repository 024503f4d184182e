"""The prover's twin of verifier/private.py: the zero padding of every private input."""

from __future__ import annotations

from ..verifier.layers.lookup import has_padding
from ..verifier.private import input_label, private_inputs
from .layers.lookup import prove_padding


def prove_inputs(ctx) -> None:
    """Mirror of verifier.private.verify_inputs."""
    for j, name in private_inputs(ctx.plan):
        if has_padding(ctx.plan.tensors[name].layout):
            prove_padding(ctx, input_label(j), name)
