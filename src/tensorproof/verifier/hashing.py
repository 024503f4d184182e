"""Hashed graph inputs and outputs: the statement carries Keccak-256 digests, not values.

A hashed tensor T (visibility ``hashed``, ir/visibility.py) is committed like a private one
(private.py: kind ``advice``, a private input range-checked). For every real sample b the
statement carries d_b = keccak256(message_b), message_b = T[b]'s values as int64 big-endian in C
order (``message_bytes``: the bytes an oracle contract hashes, and the in_b of the results root
for a model with that one input). The proof shows that d_b is the digest of the committed T[b]:

  Witness (advice tensors of layout (batch, 2^(11+c)), c = ceil log2 blocks(8 N)), N = T's
  elements per sample: ``bits_name(T)``, the message bits F_b (keccak_gkr.py's F), and
  ``chain_name(T)``, the permutation chain Y_b (keccak_gkr.py's Y); committed with the advice,
  before every challenge below.
  Per hashed tensor j (graph inputs, then outputs, in order) and real sample b, labels
  ``hash <j>/<b>/...``:
   1. the Keccak GKR (keccak_gkr.verify_keccak, label ``hash <j>/<b>/keccak``) of F_b, Y_b
      against d_b; its claims F~(r_F, b), Y~(r_Y, b) go to the commitment. It proves F_b boolean,
      zero from bit 64 N on, and the sponge's digest of F_b's bytes is d_b;
   2. challenge z (T's per-sample variables), "link value": v; sumcheck "link/T" (degree 3) of
      v = sum_p eq(z, p) R(p) T_b(p), R = T's real-entry indicator (closed form), final
      "link/T final": t; check eq(z, rho) R~(rho) t; claim T~(rho, b) = t;
   3. sumcheck "link/bits" (degree 2) of v = sum_k Phi(k) F_b(k),
      Phi(64 e + i) = eq(z, pad(e)) W(i) for e < N (0 after), pad(e) = the padded position of
      C-order element e, W(8 j + i) = 2^(8 (7 - j) + i) the weight of bit i of big-endian byte j
      of an int64 (bit 63: -2^63); final "link/bits final": f; check Phi~(r) f, with
      Phi~(r) = W~(r_low6) * sum_{e<N} eq(r_high, e) eq(z, pad(e)) (O(2^n) numpy, the seam);
      claim F~(r, b) = f.
  Soundness: after 1, F_b holds the bits of the 8 N message bytes whose digest is d_b (keccak
  collision resistance aside). 2 and 3 give sum_p eq(z, p) [T_b(p) - X(p)] = 0 on the real
  entries, X(pad(e)) = sum_i W(i) F_b(64 e + i): the int64 that the 8 bytes encode (bits
  boolean: an integer in [-2^63, 2^63)); z is drawn after the commitment, so T_b = X on every
  real entry except with probability n/|K| (Schwartz-Zippel), plus the two sumchecks'
  (3n/|K|, 2(11+c)/|K|, Thaler Prop. 4.1). T's range (a private input's lookup, a computed
  output's graph bounds) is within (-2^62, 2^62), so the integer X is T's value, not one that
  agrees with it modulo p only. The padding of T plays no part (R).
Zero knowledge, in a plan with randomized finals (``ctx.hiding``; zk_finals.py): the Keccak
GKR runs randomized (keccak_gkr.py, Zero knowledge) and its claims on F and Y are randomized
claims; "link value" states v^ = v + psi_v (a fresh value slot), and each link sumcheck
discharges the claim v^ - psi_v with its own beta and randomizes T (t^) and F (f^). Otherwise
v, t, f and the Keccak GKR's messages are linear functionals of the message (not hidden).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import PlanError, VerificationError
from ..field.params import P
from ..poly.mle import as_ext, eq_eval, index_point
from . import evaluations, keccak_gkr
from .keccak_gkr import WIDTH_VARS, sponge_shape, verify_keccak
from .layers.common import discharged
from .layout import Layout, padded_vector, real_indicator
from .names import Internal
from .plan import TensorPlan
from .zk_finals import value_slot, verify_randomized

DIGEST_BYTES = 32
VALUE_VARS = 6
"""Variables of one element's bits in F: 64 bits, an int64 big-endian."""
LINK_T_DEGREE, LINK_BITS_DEGREE = 3, 2
LINK_TERMS = [(1, [0, 1])]
"""A public weight (eq R, or Phi) times the sample's table (T, or F): both link sumchecks'
terms (the table randomized in a hiding plan, zk_finals.verify_randomized)."""


def message_bytes(values: np.ndarray) -> bytes:
    """One sample of a hashed tensor as hashed: int64 big-endian, C order."""
    return np.ascontiguousarray(values, dtype=np.int64).astype(">i8").tobytes()


def bits_name(tensor: str) -> Internal:
    return Internal(tensor, "hash bits")


def chain_name(tensor: str) -> Internal:
    return Internal(tensor, "hash chain")


def witness_layout(batch: int, n_elements: int) -> Layout:
    """(batch, 2^(11+c)): one sample's F or Y table per row, for N elements per sample."""
    _, c = sponge_shape(8 * n_elements)
    return Layout((batch, 1 << (WIDTH_VARS + c)))


@functools.lru_cache(maxsize=1)
def byte_weights() -> np.ndarray:
    """W(8 j + i): the weight of bit i of big-endian byte j of an int64, as F (uint64, 64)."""
    j, i = np.divmod(np.arange(1 << VALUE_VARS), 8)
    shift = 8 * (7 - j) + i
    out = np.array([(1 << int(s)) % P for s in shift], dtype=np.uint64)
    out[shift == 63] = P - (1 << 63)  # the sign bit: -2^63
    return out


@functools.lru_cache(maxsize=64)
def padded_positions(shape: tuple[int, ...]) -> np.ndarray:
    """pad(e) for every C-order element e of a sample of ``shape`` (its padded layout)."""
    marks = padded_vector(Layout(tuple(shape)), np.ones(shape, dtype=np.int64))
    return np.flatnonzero(marks)


def at_sample(ext, point, b: int, batch_vars: int) -> list:
    """(point, the bits of sample b): a point of a batch-first tensor, on sample b."""
    return list(point) + index_point(ext, b, batch_vars)


def phi_eval(ext, shape: tuple[int, ...], z, r) -> tuple[int, ...]:
    """Phi~(r) of message 3 (module docstring), its vector work through the evaluations seam."""
    low, high = list(r[:VALUE_VARS]), list(r[VALUE_VARS:])
    w = as_ext(ext, evaluations.evaluate(ext.k, byte_weights(), low))
    ez = evaluations.eq_table(ext.k, list(z))[padded_positions(tuple(shape))]
    eh = evaluations.eq_table(ext.k, high)[: len(ez)]
    return ext.mul(w, evaluations.inner(ext.k, ez, eh))


@dataclass(frozen=True)
class HashedShape:
    """The variables of a hashed tensor T and of its witness tables F, Y in a plan."""

    shape: tuple[int, ...]
    """T's per-sample shape."""
    t_vars: int
    """T's per-sample variables (its batch variables come after)."""
    t_batch_vars: int
    f_vars: int
    """One sample's F (or Y) variables."""
    f_batch_vars: int

    @staticmethod
    def of(plan, name: str) -> HashedShape:
        t = plan.tensors[name].layout
        f = plan.tensors[bits_name(name)].layout
        return HashedShape(t.shape[1:], t.n_vars - t.bits[0], t.bits[0], f.bits[1], f.bits[0])


def add_hash_witness(plan, hashed) -> None:
    """The advice tensors F, Y of every hashed tensor (names in ``hashed``) of ``plan``."""
    for name in sorted(hashed):
        t = plan.tensors[name]
        layout = witness_layout(t.layout.shape[0], math.prod(t.layout.shape[1:]))
        for w in (bits_name(name), chain_name(name)):
            if w in plan.tensors:
                raise PlanError(f"tensor {w!r} is defined twice")
            plan.tensors[w] = TensorPlan(w, layout, "advice", 0, 1)


def hashed_tensors(plan) -> list[str]:
    """The hashed graph inputs, then outputs, in the graph's order (the j of the labels)."""
    ends = list(plan.inputs) + [n for n in plan.outputs if n not in plan.inputs]
    return [n for n in ends if bits_name(n) in plan.tensors]


def mask_rounds(plan) -> list[tuple[int, int]]:
    """(variables, degree) of every sumcheck ``verify_hashed`` runs (zk_capacity.py): per
    hashed tensor and sample, the Keccak proof and the link's two sumchecks."""
    out: list[tuple[int, int]] = []
    for name in hashed_tensors(plan):  # the randomized proofs' bound, which covers the plain
        hs = HashedShape.of(plan, name)
        one = keccak_gkr.mask_rounds(8 * math.prod(hs.shape), hiding=True)
        # v's slot; each link discharges v^ and randomizes its table (last round + 1)
        one += [(1, 1)] + discharged(hs.t_vars, LINK_T_DEGREE + 1) + [(1, 1)]
        one += discharged(hs.f_vars, LINK_BITS_DEGREE + 1) + [(1, 1)]
        out += one * plan.batch
    return out


def verify_hashed(ctx, digests) -> None:
    """Messages 1-3 of the module docstring for every hashed tensor and sample: ``digests``
    maps each hashed tensor to its per-sample digests (the statement's)."""
    for j, name in enumerate(hashed_tensors(ctx.plan)):
        for b, digest in enumerate(digests[name]):
            _verify_sample(ctx, f"hash {j}/{b}", name, b, bytes(digest))


def _verify_sample(ctx, label: str, name: str, b: int, digest: bytes) -> None:
    ext, hs = ctx.ext, HashedShape.of(ctx.plan, name)
    claims = verify_keccak(ctx.t, ext, 8 * math.prod(hs.shape), digest, f"{label}/keccak",
                           ctx=ctx)
    for tensor, c in ((bits_name(name), claims.bits), (chain_name(name), claims.chain)):
        ctx.claim(tensor, at_sample(ext, c.point, b, hs.f_batch_vars), c.value, c.randomizer)
    z = ctx.challenge_point(f"{label}/link point", hs.t_vars)
    hiding = ctx.hiding
    rv = value_slot(ctx.t.masks, ext, f"{label}/link slot") if hiding else ()
    (v,) = ctx.recv(f"{label}/link value")
    flags = [False, hiding]  # (public weight, the sample's table): plain unless hiding
    sub, slots, zt = verify_randomized(ctx, v, hs.t_vars, LINK_T_DEGREE, f"{label}/link/T",
                                       LINK_TERMS, flags, rv)
    (tv,) = ctx.recv(f"{label}/link/T final")
    real = real_indicator(ext, Layout(hs.shape), tuple(sub.point))
    if not ext.eq(ext.mul(ext.mul(eq_eval(ext, z, sub.point), real), tv), sub.value):
        raise VerificationError(f"hashed tensor {name!r}, sample {b}: the link to its values "
                                "fails")
    ctx.claim(name, at_sample(ext, sub.point, b, hs.t_batch_vars), tv,
              ((zt, slots[0]),) if hiding else ())
    sub, slots, zf = verify_randomized(ctx, v, hs.f_vars, LINK_BITS_DEGREE,
                                       f"{label}/link/bits", LINK_TERMS, flags, rv)
    (fv,) = ctx.recv(f"{label}/link/bits final")
    if not ext.eq(ext.mul(phi_eval(ext, hs.shape, z, sub.point), fv), sub.value):
        raise VerificationError(f"hashed tensor {name!r}, sample {b}: its hashed bytes are not "
                                "its values")
    ctx.claim(bits_name(name), at_sample(ext, sub.point, b, hs.f_batch_vars), fv,
              ((zf, slots[0]),) if hiding else ())


LINK_TERMS = [(1, [0, 1])]
"""A public weight (eq R, or Phi) times the sample's table (T, or F)."""

