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
    PAD_TERMS,
    CertificatePlan,
    absorb_header,
    certificate_plan,
    limb_slots,
    recompose,
    recomposed_randomizer,
    table_claims,
)
from ..verifier.claims import EvalClaim
from ..verifier.layout import padded_vector
from ..verifier.plan import MODEL
from ..verifier.zk_masks import MASKS
from ..verifier.zk_weights import CERTIFICATE_BLOCK, MODEL_VECTOR
from .commitments import commit_groups, open_groups, send_commitments
from .context import ProverContext
from .lookups import multiplicities, prove_lookups, real_rows
from .vectors import pack
from .zk_finals import prove_randomized, with_randomizer
from .zk_lookups import prove_hiding_lookups
from .zk_masks import ProverMasks
from .zk_opening import prove_hiding_opening, zk_witness


def prove_certificate(pk) -> bytes:
    """The weight certificate of ``pk``'s committed model (bytes for verify_certificate).
    ProverError if a committed constant leaves its declared range."""
    cp = certificate_plan(pk.vk.graph, pk.vk.config)
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
    zk = cp.plan.zk
    schemes = zk_witness(cp.plan, tables, vk.k) if zk is not None else {}
    pcs = pk.pcs_prover()
    committed = commit_groups(cp.plan, pcs, tables, lambda group: pk.per_model(cp.plan, group),
                              schemes)
    t = transcript if transcript is not None else ProverTranscript(DOMAIN)
    absorb_header(t, vk)
    send_commitments(t, committed)
    ctx = ProverContext(t, ext, vf, cp.plan, tables, ints)
    if zk is not None:  # private weights: a zero-knowledge certificate (zk_weights.py)
        t.masks = ProverMasks(ext, zk.capacity, tables[MASKS], ctx.claim_round)
    (prove_hiding_lookups if ctx.hiding else prove_lookups)(ctx, cp.plan.lookup_uses)
    for j, c in enumerate(cp.consts):
        if c.widths:
            rho = ctx.challenge_point(f"const {j} point", c.layout.n_vars)
            slots = limb_slots(ctx, j, c)
            vals = [with_randomizer(ctx, as_ext(ext, evaluate(vf, tables[limb], rho)), r)
                    for limb, r in zip(c.limbs, slots)]
            ctx.send(f"const {j} limbs", vals)
            for limb, v, r in zip(c.limbs, vals, slots):
                ctx.claim(limb, rho, v, r)
            ctx.const_claim(c.name, rho, recompose(ext, c, rho, vals),
                            recomposed_randomizer(ext, slots))
        else:
            u = ctx.take(c.offset, f"const {j} merge")
            value = ext.add(as_ext(ext, u.value), recompose(ext, c, u.point, []))
            ctx.const_claim(c.name, u.point, value, u.randomizer)
    for name, point, value in table_claims(ctx, cp):
        ctx.const_claim(name, point, value)
    padding = prove_padding(ctx, cp, committed[MODEL].vector)
    if zk is not None:
        prove_hiding_opening(ctx, committed, CERTIFICATE_BLOCK)
        t.masks = None
    open_groups(ctx, pcs, committed, whole={MODEL: [padding]} if padding else {})
    return t.proof_bytes()


def prove_padding(ctx, cp: CertificatePlan, model_vector: np.ndarray) -> EvalClaim | None:
    """Mirror of verifier.certificate.verify_padding."""
    masks = {n: real_rows(layout.shape, layout.padded) for n, layout in cp.layouts().items()}
    outside = (np.uint64(1) - pack(cp.model, masks)).astype(np.uint64)
    tau = ctx.challenge_point("padding point", cp.model.n_vars)
    point, finals, slots, z = prove_randomized(ctx, [outside, model_vector], PAD_TERMS,
                                               PAD_DEGREE, "padding sumcheck",
                                               [False, ctx.hiding], eq_point=tau)
    ctx.send("padding final", [finals[1]])
    if slots:
        ctx.randomized.append((MODEL_VECTOR, EvalClaim(list(point), finals[1],
                                                       ((z, slots[0]),))))
        return None
    return EvalClaim(list(point), finals[1])
