"""Prover of verifier/certificate.py: the weight certificate, made once at setup.

Witness: the committed constants (the model commitment's layout, ``pk.consts``), u = c − lo on
their real entries, u's 8-bit limbs for the wide ones, and the multiplicities of the one LogUp.
The honest prover refuses (ProverError) a model whose committed constants leave their declared
ranges: no certificate exists for it. ``prove_from_witness`` takes any witness, so the tamper
suite can play a cheating prover with the production code.
"""

from __future__ import annotations

import numpy as np

from ..errors import ProverError
from ..field.scalar import ext_field
from ..field.vec import vec_field
from ..poly.mle import as_ext, evaluate
from ..transcript import ProverTranscript
from ..verifier.certificate import (
    DOMAIN,
    LIMB_BITS,
    PAD_DEGREE,
    CertificatePlan,
    absorb_header,
    certificate_plan,
    recompose,
    table_claims,
)
from ..verifier.claims import EvalClaim
from ..verifier.layout import padded_vector
from ..verifier.plan import MODEL
from .commitments import commit_groups, open_groups, send_commitments
from .context import ProverContext
from .lookups import multiplicities, prove_lookups, real_rows
from .sumcheck import prove_sumcheck
from .vectors import pack


def prove_certificate(pk) -> bytes:
    """The weight certificate of ``pk``'s committed model (bytes for verify_certificate).
    ProverError if a committed constant leaves its declared range."""
    cp = certificate_plan(pk.vk.graph)
    return prove_from_witness(pk, cp, with_multiplicities(cp, certificate_witness(pk, cp)))


def certificate_witness(pk, cp: CertificatePlan, check: bool = True) -> dict[str, np.ndarray]:
    """Constants, offsets u = c − lo (w ≤ LIMB_BITS) and limbs of u (wider), as int64 arrays.
    ``check=False`` skips the range check (a cheating prover's starting point, for tests)."""
    ints = dict(pk.consts(cp.plan))
    for c in cp.consts:
        values = ints[c.name]
        hi = c.lo + (1 << c.w) - 1
        if check and values.size and (int(values.min()) < c.lo or int(values.max()) > hi):
            raise ProverError(f"weight certificate: constant {c.name} takes values in "
                              f"[{int(values.min())}, {int(values.max())}], outside its "
                              f"declared range [{c.lo}, {hi}]")
        u = values - np.int64(c.lo)
        if not c.widths:
            ints[c.offset] = u
        for j, (limb, width) in enumerate(zip(c.limbs, c.widths)):
            ints[limb] = (u >> np.int64(LIMB_BITS * j)) & np.int64((1 << width) - 1)
    return ints


def with_multiplicities(cp: CertificatePlan, ints: dict) -> dict[str, np.ndarray]:
    """``ints`` plus the lookup multiplicities of its columns (ProverError: a row off-table)."""
    tables = padded_tables(cp, ints)
    return {**ints, **multiplicities(cp.plan, tables, cp.plan.lookup_uses)}


def padded_tables(cp: CertificatePlan, ints: dict) -> dict[str, np.ndarray]:
    """Padded F vectors of every constant and certificate tensor present in ``ints``."""
    layouts = {**{n: t.layout for n, t in cp.plan.tensors.items()}, **cp.plan.consts}
    return {n: padded_vector(layouts[n], ints[n]) for n in layouts if n in ints}


def prove_from_witness(pk, cp: CertificatePlan, ints: dict,
                       transcript: ProverTranscript | None = None) -> bytes:
    """The certificate's transcript from a witness (mirror of verify_certificate), written to
    ``transcript`` (a fresh ProverTranscript(DOMAIN) by default; tests pass a recording one)."""
    vk = pk.vk
    ext, vf = ext_field(vk.k), vec_field(vk.k)
    tables = padded_tables(cp, ints)
    pcs = pk.pcs_prover()
    committed = commit_groups(cp.plan, pcs, tables, lambda group: pk.per_model(cp.plan, group))
    t = transcript if transcript is not None else ProverTranscript(DOMAIN)
    absorb_header(t, vk)
    send_commitments(t, committed)
    ctx = ProverContext(t, ext, vf, cp.plan, tables, ints)
    prove_lookups(ctx, cp.plan.lookup_uses)
    for j, c in enumerate(cp.consts):
        if c.widths:
            rho = ctx.challenge_point(f"const {j} point", c.layout.n_vars)
            vals = [as_ext(ext, evaluate(vf, tables[limb], rho)) for limb in c.limbs]
            ctx.send(f"const {j} limbs", vals)
            for limb, v in zip(c.limbs, vals):
                ctx.claim(limb, rho, v)
            ctx.const_claim(c.name, rho, recompose(ext, c, rho, vals))
        else:
            u = ctx.take(c.offset, f"const {j} merge")
            value = ext.add(as_ext(ext, u.value), recompose(ext, c, u.point, []))
            ctx.const_claim(c.name, u.point, value)
    for name, point, value in table_claims(ctx, cp):
        ctx.const_claim(name, point, value)
    padding = prove_padding(ctx, cp, committed[MODEL].vector)
    open_groups(ctx, pcs, committed, whole={MODEL: [padding]})
    return t.proof_bytes()


def prove_padding(ctx, cp: CertificatePlan, model_vector: np.ndarray) -> EvalClaim:
    """Mirror of verifier.certificate.verify_padding."""
    masks = {n: real_rows(layout.shape, layout.padded) for n, layout in cp.layouts().items()}
    outside = (np.uint64(1) - pack(cp.model, masks)).astype(np.uint64)
    tau = ctx.challenge_point("padding point", cp.model.n_vars)
    point, finals = prove_sumcheck(ctx.t, ctx.vf, [outside, model_vector], [(1, [0, 1])],
                                   PAD_DEGREE, "padding sumcheck", eq_point=tau)
    ctx.send("padding final", [finals[1]])
    return EvalClaim(list(point), finals[1])
