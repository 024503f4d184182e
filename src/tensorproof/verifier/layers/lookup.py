"""Table lookups y = table[x − x_lo] (sigmoid, tanh, exp, …): a relation step.

The pair (x, y) is one LogUp use (verifier/lookups.py) into the public two-column table
{(x_lo + j, table[j])}: on every real entry, y is the table's value at x. Nothing else relates x
and y, so the step itself only proves that y's *padding* is zero (when y is committed and its
layout has padding): the lookup covers the real entries only, and a later reduce_sum would add
whatever a prover placed in the padding. The zero-padding check, shared with requant and
max_reduce, is the zero-check  Σ_x eq(ρ, x) (1 − 1(x)) y(x) = 0  at a fresh ρ (degree 3,
Thaler, "Proofs, Arguments and Zero-Knowledge", §4.1; a nonzero padded entry survives with
probability ≤ (n + 3n)/|K|: ρ by Schwartz–Zippel, then the sumcheck), with 1 = the real-entry
indicator, which the verifier evaluates in closed form (layout.real_indicator).
"""

from __future__ import annotations

import numpy as np

from ...errors import VerificationError
from ...field.params import P
from ...poly.mle import eq_eval
from ..layout import Layout, real_indicator
from ..lookups import LookupUse, TableSpec
from ..zk_finals import verify_hiding_sumcheck

REDUCES_CLAIMS = False

PAD_DEGREE = 3
"""Degree of the zero-padding check: eq · (1 − 1) · y."""


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py)."""
    if not needs_pad_check(plan, step.output):
        return []
    return padding_mask_rounds(plan, step.output)


def padding_mask_rounds(plan, name) -> list[tuple[int, int]]:
    """The padding check's sumcheck (its last round raised by the randomized y) and y's
    value slot (zk_finals.py)."""
    return [(plan.tensors[name].layout.n_vars, PAD_DEGREE + 1), (1, 1)]



def table_spec(step) -> TableSpec:
    """The step's public table {(x_lo + j, table[j])} (keyed by its contents: lookups.TableSpec)."""
    table = np.ascontiguousarray(step.attrs["table"], dtype=np.int64)
    x_lo = int(step.attrs["x_lo"])
    keys = x_lo + np.arange(len(table), dtype=np.int64)
    return TableSpec(f"table of {step.name!r}", (keys, table))


def lookups(step, plan) -> list[LookupUse]:
    return [LookupUse(table_spec(step), (step.inputs[0], step.output))]


def has_padding(layout: Layout) -> bool:
    return layout.size != int(np.prod(layout.shape, dtype=np.int64))


def needs_pad_check(plan, name: str) -> bool:
    """True when tensor `name` is committed and has padded entries a prover could fill."""
    t = plan.tensors[name]
    return t.kind == "advice" and has_padding(t.layout)


def negate(c):
    """−c for a term coefficient (an F int or a K tuple)."""
    if isinstance(c, tuple):
        return tuple((P - v) % P for v in c)
    return (P - c) % P


def pad_terms(one: int, y: int, coeff=1) -> list:
    """Sumcheck terms of coeff · (1 − 1(x)) · y(x), with tables `one` (indicator) and `y`."""
    return [(coeff, [y]), (negate(coeff), [one, y])]


def verify_padding(ctx, prefix: str, name: str, what: str) -> None:
    """Check that committed tensor `name` is zero on its padding (see the module docstring);
    labels ``<prefix>pad point|pad sumcheck|pad final``, ``what`` names it in the error."""
    ext = ctx.ext
    layout = ctx.plan.tensors[name].layout
    rho = ctx.challenge_point(f"{prefix}pad point", layout.n_vars)
    sub = verify_hiding_sumcheck(ctx, ext.zero(), layout.n_vars, PAD_DEGREE,
                                 f"{prefix}pad sumcheck", pad_terms(0, 1), [None, name])
    (y_val,) = ctx.recv(f"{prefix}pad final")
    outside = ext.sub(ext.one(), real_indicator(ext, layout, tuple(sub.point)))
    expected = ext.mul(eq_eval(ext, rho, sub.point), ext.mul(outside, y_val))
    if not ext.eq(expected, sub.value):
        raise VerificationError(f"{what}: the padding of {name!r} is not zero")
    ctx.claim(name, sub.point, y_val)


def step_prefix(ctx, i: int, step) -> str:
    """The label prefix of step i's messages ("i:op:")."""
    return ctx.label(i, step, "")


def verify(ctx, i: int, step) -> None:
    """The lookup phase already checked (x, y) on the real entries; check y's padding."""
    if needs_pad_check(ctx.plan, step.output):
        verify_padding(ctx, step_prefix(ctx, i, step), step.output,
                       f"layer {step.name!r} ({step.op})")
