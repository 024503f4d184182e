"""Prover of verifier/layers/gather.py: O(|X| + #wires) work per claim.

The wiring weight a_s(q) = Σ_{j: in_pos_j = q} eq(z_s, out_pos_j) is one eq table and one
modular scatter-add (prover/scatter.py); the source is folded on its batch variables first.
A wiring committed with the weights (verifier/wiring_commit.py) adds the sumcheck of
a_s~(ρ) over the output positions, O(2^n_out·n_in²).
"""

from __future__ import annotations

import numpy as np

from ...field.vec import from_signed
from ...poly.mle import as_ext, eq_table, evaluate
from ...verifier.layers.add import split_batch
from ...verifier.layers.gather import TERMS, part_randomizers, wiring_forms_of
from ...verifier.layout import Layout
from ...verifier.wiring_commit import CommittedWiring
from ..scatter import gather_scatter_add
from ..sumcheck import prove_sumcheck, sum_of_products
from ..tables import fix_high
from ..zk_finals import prove_hiding_sumcheck, randomizer_sum


def _real(layout: Layout) -> tuple:
    return tuple(slice(0, d) for d in layout.shape)


def forward(step, plan, ints) -> np.ndarray:
    """out[b, out_pos] += src[b, in_pos] on padded per-sample positions, summed over sources."""
    y_sample = Layout(plan.tensors[step.output].layout.shape[1:])
    rows = plan.tensors[step.output].layout.shape[0]
    out = np.zeros((rows, y_sample.size), dtype=np.int64)
    for src, (out_pos, in_pos) in zip(step.inputs, step.attrs["wirings"]):
        x_sample = Layout(plan.tensors[src].layout.shape[1:])
        flat = np.zeros((rows, *x_sample.padded), dtype=np.int64)
        flat[(slice(None), *_real(x_sample))] = ints[src]
        out[:, out_pos] += flat.reshape(rows, -1)[:, in_pos]
    out = out.reshape(rows, *y_sample.padded)[(slice(None), *_real(y_sample))]
    return np.ascontiguousarray(out)


def prove(ctx, i: int, step) -> None:
    claim = ctx.take(step.output, ctx.label(i, step, "merge"))
    if claim is None:
        return
    vf = ctx.vf
    z_s, z_b = split_batch(ctx, step, claim.point)
    e = eq_table(vf, list(z_s))
    sources = []
    forms = wiring_forms_of(step)
    for src, (out_pos, in_pos) in zip(step.inputs, step.attrs["wirings"]):
        x = fix_high(vf, ctx.tables[src], z_b)  # X_s~(q, z_b) over q
        sources.append((x, gather_scatter_add(e, out_pos, in_pos, len(x))))
    randomizers = part_randomizers(ctx, i, step, claim.randomizer)
    if len(sources) > 1:
        ext = ctx.ext
        parts = [ext.add(as_ext(ext, sum_of_products(vf, [x, a], TERMS)),
                         randomizer_sum(ctx, r)) for (x, a), r in zip(sources, randomizers)]
        ctx.send(ctx.label(i, step, "parts"), parts)
    for s, (src, (x, a)) in enumerate(zip(step.inputs, sources)):
        label = ctx.label(i, step, f"source{s}")
        point, finals = prove_hiding_sumcheck(ctx, [x, a], TERMS, 2, label, [src, None],
                                              randomizer=randomizers[s])
        ctx.send(f"{label}/value", [finals[0]])
        if isinstance(forms[s], CommittedWiring):
            _prove_committed(ctx, label, forms[s], z_s, point, finals[1])
        ctx.claim(src, list(point) + list(z_b), finals[0])


def _prove_committed(ctx, label: str, cw: CommittedWiring, z, rho, a) -> None:
    """wiring_commit.verify_weight's messages: a, the sumcheck of
    Σ_p eq(z, p)·V(p)·Π_i (ρ_i S_i(p) + (1 − ρ_i)(1 − S_i(p))) = a, the constants at τ."""
    vf = ctx.vf
    consts = [from_signed(ctx.plan.defined_consts[n]) for n in cw.names]
    factors = [consts[0]]
    ext = ctx.ext
    for r_i, bits in zip(rho, consts[1:]):  # S_i is 0/1: the factor is ρ_i or 1 − ρ_i
        rows = vf.from_scalars([ext.sub(ext.one(), r_i), r_i])
        factors.append(np.ascontiguousarray(rows[bits.astype(np.intp)]))
    ctx.send(f"{label}/wiring", [a])
    terms = [(1, list(range(len(factors))))]
    tau, _ = prove_sumcheck(ctx.t, vf, factors, terms, cw.n_in + 2, f"{label}/wiring",
                            eq_point=list(z))
    vals = [evaluate(vf, c, tau) for c in consts]
    ctx.send(f"{label}/wiring/values", vals)
    for name, v in zip(cw.names, vals):
        ctx.const_claim(name, tau, v)
