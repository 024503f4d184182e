"""Elementwise sums: Y = A + B, and Y = X + C for a model constant C broadcast over the batch.

A claim Y~(z) = v is linear in the inputs: the prover states A~(z) (resp. C~(z_sample)) and the
verifier derives B~(z) = v − A~(z) (resp. X~(z) = v − C~(z_s) · 1_batch~(z_b), the constant
being added on real batch rows only, so the padding stays zero). One K element per claim. A
randomized claim (EvalClaim.randomizer; zk_finals.py) states A's part randomized by a fresh
value slot psi (A^(z) = A~(z) + psi) and hands B the claim's randomizer minus psi (resp. X the
claim's), so no plain part is revealed; the claims on the output are then merged first.
"""

from __future__ import annotations

from ...poly.mle import as_ext
from ..layout import Layout, prefix_indicator
from ..zk_weights import hides
from .common import merge_rounds

REDUCES_CLAIMS = True


def split_batch(book, step, point):
    """(sample coordinates, batch coordinates) of a point on the step's output."""
    layout: Layout = book.plan.tensors[step.output].layout
    n_sample = layout.n_vars - layout.bits[0]
    return tuple(point[:n_sample]), tuple(point[n_sample:])


def claims_on_output(book, i: int, step) -> list:
    """The claims on the output to reduce: all of them one by one in a plain plan; merged
    into one first (``book.take``, a discharging merge) in a plan that randomizes its finals,
    so that the value slots spent here are bounded (one per step)."""
    if not book.hiding:
        return book.pending.pop(step.output, [])
    c = book.take(step.output, book.label(i, step, "merge"))
    return [] if c is None else [c]


def part_randomizers(book, i: int, j: int, step, c, ind=None) -> tuple[tuple, tuple]:
    """(A's randomizer, B's) for the j-th claim on an add's output: A gets a fresh value slot
    when the plan randomizes its finals (``book.hiding``), B the claim's minus it. For
    add_const A is the constant, randomized only when it is a private weight
    (zk_weights.hides), and enters B's value times ``ind`` (the batch indicator)."""
    private = step.op != "add" and hides(book.plan, step.consts[0])
    if not book.hiding or (step.op != "add" and not private):
        return (), c.randomizer
    ext = book.ext
    (slot,) = book.t.masks.take(1, 1, book.label(i, step, f"part{j}"))
    scale = ext.one() if step.op == "add" else as_ext(ext, ind)
    return ((ext.one(), slot),), (*c.randomizer, (ext.neg(scale), slot))


def verify(ctx, i: int, step) -> None:
    ext = ctx.ext
    for j, c in enumerate(claims_on_output(ctx, i, step)):
        if step.op == "add":
            r_a, r_b = part_randomizers(ctx, i, j, step, c)
            (part,) = ctx.recv(ctx.label(i, step, f"part{j}"))
            ctx.claim(step.inputs[0], c.point, part, r_a)
            ctx.claim(step.inputs[1], c.point, ext.sub(c.value, part), r_b)
        else:  # add_const
            z_s, ind = const_point(ctx, step, c.point)
            r_a, r_b = part_randomizers(ctx, i, j, step, c, ind)
            (part,) = ctx.recv(ctx.label(i, step, f"part{j}"))
            ctx.const_claim(step.consts[0], z_s, part, r_a)
            ctx.claim(step.inputs[0], c.point, ext.sub(c.value, ext.mul(part, ind)), r_b)


def const_point(book, step, point) -> tuple:
    """(the constant's point, the batch indicator 1_batch~(z_b)) of an add_const claim."""
    z_s, z_b = split_batch(book, step, point)
    return z_s, prefix_indicator(book.ext, z_b, book.plan.batch)


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py): the
    merge of the claims on the output (``claims_on_output``) and a value slot for A's part."""
    return merge_rounds(plan.tensors[step.output].layout.n_vars) + [(1, 1)]
