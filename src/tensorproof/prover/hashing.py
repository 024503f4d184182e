"""The prover's twin of verifier/hashing.py: the digests of hashed tensors, their Keccak
witnesses (the advice tables F and Y), and messages 1-3 for every hashed tensor and sample."""

from __future__ import annotations

import numpy as np

from ..poly.mle import eq_table
from ..verifier.hashing import (
    LINK_BITS_DEGREE,
    LINK_T_DEGREE,
    LINK_TERMS,
    VALUE_VARS,
    HashedShape,
    at_sample,
    bits_name,
    byte_weights,
    chain_name,
    hashed_tensors,
    message_bytes,
    padded_positions,
)
from ..verifier.layout import Layout
from ..verifier.zk_finals import value_slot
from .keccak_gkr import SpongeWitness, prove_keccak, sponge_witness
from .lookups import real_rows
from .sumcheck import sum_of_products
from .zk_finals import prove_randomized, with_randomizer

Witnesses = dict[str, list[SpongeWitness]]


def hash_witnesses(plan, ints: dict[str, np.ndarray]) -> Witnesses:
    """The sponge witness of every real sample of every hashed tensor; adds the F and Y tables
    (batch first, zero rows for the batch padding) to ``ints``."""
    out: Witnesses = {}
    for name in hashed_tensors(plan):
        wits = [sponge_witness(message_bytes(sample)) for sample in ints[name]]
        width = plan.tensors[bits_name(name)].layout.shape[1]
        for tensor, field in ((bits_name(name), "message_bits"), (chain_name(name), "chain_bits")):
            ints[tensor] = np.stack([getattr(w, field).reshape(-1)[:width] for w in wits]
                                    ).astype(np.int64)
        out[name] = wits
    return out


def digests(wits: Witnesses) -> dict[str, tuple[bytes, ...]]:
    """The statement's digests: per hashed tensor, one per sample."""
    return {name: tuple(w.digest for w in ws) for name, ws in wits.items()}


def prove_hashed(ctx, wits: Witnesses) -> None:
    """Mirror of verifier.hashing.verify_hashed."""
    for j, name in enumerate(hashed_tensors(ctx.plan)):
        for b, wit in enumerate(wits[name]):
            _prove_sample(ctx, f"hash {j}/{b}", name, b, wit)


def _sample_row(ctx, tensor, b: int) -> np.ndarray:
    """Sample b's row of a batch-first tensor's padded table."""
    layout = ctx.plan.tensors[tensor].layout
    return ctx.tables[tensor].reshape(layout.padded[0], -1)[b]


def _prove_sample(ctx, label: str, name: str, b: int, wit: SpongeWitness) -> None:
    vf, ext, hs = ctx.vf, ctx.ext, HashedShape.of(ctx.plan, name)
    claims = prove_keccak(ctx.t, vf, wit, f"{label}/keccak", ctx=ctx)
    for tensor, c in ((bits_name(name), claims.bits), (chain_name(name), claims.chain)):
        ctx.claim(tensor, at_sample(ext, c.point, b, hs.f_batch_vars), c.value, c.randomizer)
    z = ctx.challenge_point(f"{label}/link point", hs.t_vars)
    hiding = ctx.hiding
    t_row = _sample_row(ctx, name, b)
    real = real_rows(hs.shape, Layout(hs.shape).padded)
    v = sum_of_products(vf, [real, t_row], LINK_TERMS, eq_point=z)
    rv = value_slot(ctx.t.masks, ext, f"{label}/link slot") if hiding else ()
    v = with_randomizer(ctx, v, rv)
    ctx.send(f"{label}/link value", [v])
    flags = [False, hiding]  # mirror of verifier.hashing._verify_sample
    point, finals, slots, zt = prove_randomized(ctx, [real, t_row], LINK_TERMS, LINK_T_DEGREE,
                                                f"{label}/link/T", flags, z, randomizer=rv)
    ctx.send(f"{label}/link/T final", [finals[1]])
    ctx.claim(name, at_sample(ext, point, b, hs.t_batch_vars), finals[1],
              ((zt, slots[0]),) if hiding else ())
    f_row = _sample_row(ctx, bits_name(name), b)
    g = vf.zeros(len(f_row) >> VALUE_VARS)
    g[: len(padded_positions(hs.shape))] = eq_table(vf, z)[padded_positions(hs.shape)]
    phi = vf.mul_base(np.repeat(g, 1 << VALUE_VARS, axis=0),
                      np.tile(byte_weights(), len(g)))
    point, finals, slots, zf = prove_randomized(ctx, [phi, f_row], LINK_TERMS,
                                                LINK_BITS_DEGREE, f"{label}/link/bits", flags,
                                                randomizer=rv)
    ctx.send(f"{label}/link/bits final", [finals[1]])
    ctx.claim(bits_name(name), at_sample(ext, point, b, hs.f_batch_vars), finals[1],
              ((zf, slots[0]),) if hiding else ())

