"""Gather (im2col, pooling windows, reshape, concat) by a sumcheck over a sparse wiring predicate.

Per sample, the output copies input entries along the wiring (verifier/wiring.py): for source s
with wires (out_pos_j, in_pos_j), Y[p] = Σ_s Σ_j [out_pos_j = p] X_s[in_pos_j]; the batch axis
(the highest variables) is shared. A claim Y~(z_s, z_b) = v becomes
    v = Σ_s v_s,   v_s = Σ_q X_s~(q, z_b) · a_s(q),   a_s(q) = Σ_{j: in_pos_j=q} eq(z_s, out_pos_j),
one degree-2 sumcheck per source over its per-sample variables (the prover states every v_s when
there are several sources). This is the GKR wiring-predicate reduction (Thaler, "Proofs,
Arguments and Zero-Knowledge", §4.6) with a sparse predicate as in Libra (Xie et al.,
CRYPTO 2019, §3) — PROTOCOLS.md "Conv by wiring", first version. At the sumcheck's point ρ the
prover states X_s~(ρ, z_b) (a claim on the source) and the verifier computes the predicate
itself, a_s~(ρ) = Σ_j eq(z_s, out_pos_j) · eq(ρ, in_pos_j): in closed form from
step.attrs["wiring_forms"] (wiring_forms.py, O(axis sizes): conv and pooling patches, slice,
concat, broadcast, a max over one axis); else (reshapes that re-pad, maxima over several axes)
above wiring_commit.INLINE_WIRES wires by the prover's value and a sumcheck over the wiring
committed with the weights (wiring_commit.py, O(log #wires)); else by two eq tables and one
gathered inner product, O(#wires + table sizes) ≤ O(INLINE_WIRES); never O(multiply-
accumulates). A false v survives with probability ≤ 2·n/|K| per source (Thaler, Prop. 4.1).
"""

from __future__ import annotations

from ...errors import VerificationError
from ...field.scalar import ext_field
from ...field.vec import VecField
from ...poly.mle import as_ext
from .. import evaluations, wiring_commit, wiring_forms
from ..zk_finals import verify_hiding_sumcheck
from .add import split_batch
from .common import discharged, merge_rounds

REDUCES_CLAIMS = True

TERMS = [(1, [0, 1])]
"""X_s~(q, z_b) a_s(q) (X_s randomized in a zero-knowledge plan)."""


def sample_vars(plan, name: str) -> int:
    """Number of per-sample (non-batch) variables of plan tensor `name`."""
    layout = plan.tensors[name].layout
    return layout.n_vars - layout.bits[0]


def wiring_weight(vf: VecField, z_out, z_in, wiring, form=None) -> tuple:
    """Σ_j eq(z_out, out_pos_j) · eq(z_in, in_pos_j): the wiring predicate's MLE at the point.

    With a structured description of the wiring (`form`: a wiring_forms.PatchWiring or
    AxisMap) in closed form, O(axis sizes); else from the sparse wires, O(#wires)."""
    if form is not None:
        return wiring_forms.weight(ext_field(vf.k), form, z_out, z_in)
    out_pos, in_pos = wiring
    if len(out_pos) == 0:
        return (0,) * vf.k
    e_out = evaluations.eq_table(vf.k, list(z_out))[out_pos]
    e_in = evaluations.eq_table(vf.k, list(z_in))[in_pos]
    return tuple(vf.inner(e_out, e_in))


def wiring_forms_of(step) -> tuple:
    """The closed forms of the step's wirings, one per source (None: that source has none).

    Lowering attaches them (attrs["wiring_forms"]) with the very tuple of wirings they describe
    (attrs["wiring_forms_of"]); a plan whose wirings were replaced afterwards (the tamper suites
    do) gets no forms, and its predicates come from the sparse wires it holds."""
    wirings = step.attrs["wirings"]
    forms = step.attrs.get("wiring_forms")
    if forms is None or step.attrs.get("wiring_forms_of") is not wirings:
        return (None,) * len(wirings)
    return tuple(forms)


def part_randomizers(ctx, i: int, step, randomizer: tuple) -> list[tuple]:
    """Each source's share of a claim's randomizer (EvalClaim.randomizer; zk_finals.py): with
    several sources in a plan with randomized finals, sources 1.. get a fresh value slot each
    (their stated parts are then uniform) and source 0 the claim's minus those."""
    n = len(step.inputs)
    if n == 1 or not ctx.hiding:
        return [randomizer] + [()] * (n - 1)
    ext = ctx.ext
    slots = list(ctx.t.masks.take(n - 1, 1, ctx.label(i, step, "parts")))
    minus = ext.neg(ext.one())
    return [(*randomizer, *((minus, s) for s in slots)), *(((ext.one(), s),) for s in slots)]


def source_parts(ctx, i: int, step, value) -> list:
    """Each source's share v_s of the claimed value (received, and checked to add up)."""
    if len(step.inputs) == 1:
        return [value]
    ext = ctx.ext
    parts = ctx.recv(ctx.label(i, step, "parts"), len(step.inputs))
    total = ext.zero()
    for p in parts:
        total = ext.add(total, p)
    if not ext.eq(total, as_ext(ext, value)):
        raise VerificationError(f"layer {step.name!r} (gather): the sources' parts do not add "
                                "up to the claimed value")
    return parts


def verify(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    ext, vf = ctx.ext, evaluations.vec(ctx.k)
    wirings = step.attrs["wirings"]
    if len(wirings) != len(step.inputs):
        raise VerificationError(f"layer {step.name!r} (gather): malformed plan, "
                                f"{len(wirings)} wirings for {len(step.inputs)} sources")
    forms = wiring_forms_of(step)
    if len(forms) != len(wirings):
        raise VerificationError(f"layer {step.name!r} (gather): malformed plan, "
                                f"{len(forms)} wiring forms for {len(wirings)} wirings")
    z_s, z_b = split_batch(ctx, step, claim.point)
    randomizers = part_randomizers(ctx, i, step, claim.randomizer)
    parts = source_parts(ctx, i, step, claim.value)
    for s, (src, wiring, form) in enumerate(zip(step.inputs, wirings, forms)):
        label = ctx.label(i, step, f"source{s}")
        sub = verify_hiding_sumcheck(ctx, parts[s], sample_vars(ctx.plan, src), 2, label,
                                     TERMS, [src, None], randomizers[s])
        (x_val,) = ctx.recv(f"{label}/value")
        if isinstance(form, wiring_commit.CommittedWiring):
            a_val = wiring_commit.verify_weight(ctx, label, form, z_s, sub.point, step.name)
        else:
            a_val = wiring_weight(vf, z_s, sub.point, wiring, form)
        if not ext.eq(ext.mul(x_val, a_val), as_ext(ext, sub.value)):
            raise VerificationError(f"layer {step.name!r} (gather): final sumcheck check failed "
                                    f"for source {s}")
        ctx.claim(src, list(sub.point) + list(z_b), x_val)


def mask_rounds(step, plan) -> list[tuple[int, int]]:
    """(variables, degree) of each sumcheck ``verify`` may run, at most (zk_capacity.py)."""
    out = merge_rounds(plan.tensors[step.output].layout.n_vars) + [(1, 1)] * len(step.inputs)
    for src, form in zip(step.inputs, wiring_forms_of(step)):
        out += discharged(sample_vars(plan, src), 3) + [(1, 1)]
        if isinstance(form, wiring_commit.CommittedWiring):
            out.append((form.n_out, form.n_in + 2))
    return out
