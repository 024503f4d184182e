"""Shapes and closed-form MLEs shared by the step protocols (verifier side)."""

from __future__ import annotations

from dataclasses import dataclass

from ..layout import Layout, real_indicator


@dataclass(frozen=True)
class LinearShape:
    """Variable counts of a linear step: rows (batch + leading axes), contraction, outputs."""

    rows: Layout
    k_bits: int
    n_bits: int

    def row_indicator(self, ext, z_rows):
        return real_indicator(ext, self.rows, tuple(z_rows))


def linear_shape(plan, step) -> LinearShape:
    y = plan.tensors[step.output].layout
    x = plan.tensors[step.inputs[0]].layout
    nc = step.attrs["n_contract"]
    k_bits = sum(x.bits[len(x.shape) - nc :])
    return LinearShape(Layout(y.shape[:-1]), k_bits, y.bits[-1])


def discharged(n_vars: int, degree: int) -> list[tuple[int, int]]:
    """mask_rounds of a sumcheck (n_vars variables, rounds of degree <= ``degree``, the raised
    last one included) that may discharge a randomized claim (zk_finals.py): one more round
    (w) and the value slot beta; a sumcheck with no variable runs over one when it randomizes a
    table (zk_finals.verify_randomized), so it counts one round more too."""
    return [(max(n_vars, 1) + 1, degree), (1, 1)]


def merge_rounds(n_vars: int) -> list[tuple[int, int]]:
    """mask_rounds of the merge of the claims on a step's output (ctx.take): in a plan with
    randomized finals a discharging merge with the output randomized (zk_finals.py)."""
    return discharged(n_vars, 3) + [(1, 1)]
