"""Weight certificate: every committed model constant lies in its declared range (the spec).

The model commitment holds the quantized constants (``plan.consts`` of ``build_plan(graph, 1)``,
packed by ``Packing.of(plan.consts)``); the verifying key holds only their shapes and, per
constant, a declared range [lo, lo + 2^w − 1] (``attrs["const_ranges"]``, ir/ranges.py) bound
in the model id. Made once at setup and checked when a key is loaded, the certificate proves

  (R) for every committed constant c and every real entry e:  c[e] − lo ∈ [0, 2^w);
  (Z) the committed vector is zero everywhere else (each constant's padding, the tail);
  (T) every constant that the plan defines itself (``plan.defined_consts``: the combined lookup
      table's columns of many segments, e.g. an activation table's outputs, lookups.py; the
      large irregular wirings of gathers, wiring_commit.py) is the public vector that the key's
      graph defines.

(R) with the structure validation of the key (``ir.validate.validate_graph(graph,
values=False)``: every declared tensor range contains the range derived from the declared
constant ranges, every accumulator < 2^62) implies that, for every input in range, no integer
the graph computes on the committed weights reaches 2^62 < p/2: no proven relation wraps modulo
p, and the proven computation is the reference executor's on those weights (issue 9, finding 4).
(Z) keeps prover-chosen padding out of sums over padded axes (a bias's padding under a reduce).

Construction (one LogUp for every constant, verifier/lookups.py, plus one zero-check):
  * w ≤ LIMB_BITS: u = c − lo·1 (1 = c's real-entry indicator) is a *virtual* column looked up
    in range<w>; the lookup's claim u~(ρ) = v becomes the model claim c~(ρ) = v + lo·1~(ρ);
  * w > LIMB_BITS: the prover commits limbs l_j of u (LIMB_BITS each, the top one w mod 8: the
    small tables of requant.LIMB_BITS' rationale), each looked up in its range table; at a fresh
    point ρ it sends l_j~(ρ) (advice claims) and the verifier derives the model claim
    c~(ρ) = lo·1~(ρ) + Σ_j 2^(8j) l_j~(ρ), so c = lo·1 + Σ_j 2^(8j) l_j as polynomials;
  * (Z): Σ_y eq(τ, y)·(1 − R(y))·M(y) = 0 (degree 3), R = the real entries of every slot, with
    R~ in closed form (layout.real_indicator with each slot's selector), ending in a claim on M;
  * (T): per defined constant t (whose slot is all real), in name order (``sort_key``), at a
    fresh point ρ ("plan constant <j> point") the claim t~(ρ) = T~(ρ), T the public vector,
    its MLE computed by the verifier (O(size), once per key): two different vectors agree at ρ
    with probability ≤ n/|K| (Schwartz–Zippel), ρ drawn after the model id (the commitment) is
    absorbed.
The certificate's plan declares the usual two commitment groups (plan.py): its own ``advice``
(per proof: limbs and multiplicities) and the key's ``model`` (per model: the constants, with
the zero-check's claim on the whole vector M); verifier/commitments.py reads and opens them.

Transcript (domain DOMAIN): absorb the model id (binds the commitment, the graph with its
declared ranges and the configuration) and the configuration; the advice commitment; the
lookups (β, γ, GKRs); per wide constant j: ``const <j> point`` (ρ), ``const <j> limbs``; the
defined constants (``plan constant <j> point``); the zero-check (``padding point``, ``padding
sumcheck``, ``padding final``); the advice opening and the model opening; check_eof.

Soundness error: the LogUp (ePrint 2022/1530, Lemma 5: (rows + table rows)/|K|, β: table
rows/|K|) and its two fraction-sum GKRs (ePrint 2023/1284, fraction_gkr.soundness_error_bound),
n/|K| per limb recomposition point and 4n/|K| for the zero-check (Schwartz–Zippel on τ, then the
degree-3 sumcheck, Thaler Prop. 4.1), the claim merges (verifier/merge.py), and the commitment's
opening error (verifier/pcs/params.py security_bits): below 2^-96 for |K| = p^2 and
2^30-entry vectors, the PCS term aside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import CompileError, VerificationError
from ..field.params import P
from ..field.scalar import ext_field
from ..ir.graph import IntGraph
from ..ir.ranges import declared_const_range
from ..ir.validate import check_const_ranges
from ..poly.mle import eq_eval, eq_eval_index
from ..transcript import VerifierTranscript
from .claims import EvalClaim
from .commitments import open_groups, read_commitments
from .context import VerifierContext
from .layers.common import merge_rounds
from .layout import Layout, real_indicator
from .lookups import (
    MULT,
    LookupUse,
    column_mle_dense,
    combined_table,
    range_table,
    verify_lookups,
)
from .lowering import build_plan
from .names import Internal, TensorName, sort_key
from .packing import Packing
from .pcs_config import pcs_verifier
from .plan import MODEL, Plan, TensorPlan
from .zk_capacity import add_zero_knowledge
from .zk_finals import scaled, value_slot, verify_randomized
from .zk_lookups import verify_hiding_lookups
from .zk_masks import VerifierMasks
from .zk_opening import verify_hiding_opening
from .zk_weights import CERTIFICATE_BLOCK, MODEL_RANDOMIZER, MODEL_VECTOR, model_params

DOMAIN = b"tensorproof/weight-certificate/v1"
LIMB_BITS = 8
"""Constants with w ≤ LIMB_BITS are looked up directly in range<w>; wider ones in 8-bit limbs."""
PAD_DEGREE = 3
"""Degree of the zero-check eq(τ, y)·(1 − R(y))·M(y)."""
PAD_TERMS = [(1, [0, 1])]
"""(1 − R)·M, the eq factor apart."""


@dataclass(frozen=True)
class ConstRange:
    """A committed constant (plan const ``name``, committed ``layout``) and its declared range
    [lo, lo + 2^w − 1]; ``limbs`` are the advice names of u's limbs ([] when looked up whole)."""

    name: TensorName
    layout: Layout
    lo: int
    w: int

    @property
    def offset(self) -> Internal:
        """The virtual column u = c − lo·1 (w ≤ LIMB_BITS)."""
        return Internal(self.name, "certificate offset")

    @property
    def widths(self) -> list[int]:
        """Bit widths of u's limbs, least significant first (none when w ≤ LIMB_BITS)."""
        if self.w <= LIMB_BITS:
            return []
        full, rest = divmod(self.w, LIMB_BITS)
        return [LIMB_BITS] * full + ([rest] if rest else [])

    @property
    def limbs(self) -> list[Internal]:
        return [Internal(self.name, "certificate limb", j) for j in range(len(self.widths))]


@dataclass(frozen=True)
class CertificatePlan:
    """What both sides derive from the key's graph: the constants with their ranges, and a
    lookup-only Plan (u columns virtual, limbs and the multiplicities advice; the constants in
    its model group) that drives verifier/lookups.py, the claim contexts and the openings."""

    consts: tuple[ConstRange, ...]
    plan: Plan

    @property
    def tables(self) -> dict:
        """The constants the plan defines (name -> public int64 values): check (T)."""
        return self.plan.defined_consts

    def layouts(self) -> dict:
        """Layout of every constant of the model group (the ranged ones and the defined ones,
        and the randomizer of private weights: zk_weights.py)."""
        extra = ({MODEL_RANDOMIZER: self.plan.consts[MODEL_RANDOMIZER]}
                 if MODEL_RANDOMIZER in self.plan.consts else {})
        return {**{c.name: c.layout for c in self.consts},
                **{n: self.plan.consts[n] for n in self.tables}, **extra}

    @property
    def model(self) -> Packing:
        """The model commitment's packing (that of ``build_plan(graph, 1)``'s constants)."""
        return self.plan.commitments[MODEL].packing


def certificate_plan(graph: IntGraph, config: dict | None = None) -> CertificatePlan:
    """The certificate's plan for ``graph`` (weights may be placeholders) under the key's
    ``config``: with private weights (zk_weights.py) a zero-knowledge plan, whose model group
    holds the randomizer. VerificationError unless every committed constant declares a
    well-formed range."""
    model_plan = build_plan(graph, 1)
    consts, tensors, uses = [], {}, []
    for name, layout in sorted(model_plan.consts.items(), key=lambda kv: sort_key(kv[0])):
        if name in model_plan.defined_consts:
            continue  # a lookup-table column or a wiring: check (T), not a range
        node_index, key = model_plan.const_sources[name][:2]
        node = graph.nodes[node_index]
        try:
            check_const_ranges(node, values=False)
            lo, hi = declared_const_range(node, key)
        except CompileError as e:
            raise VerificationError(f"weight certificate: {e}") from None
        c = ConstRange(name, layout, lo, (hi - lo).bit_length())
        consts.append(c)
        if not c.widths:
            tensors[c.offset] = TensorPlan(c.offset, layout, "virtual", 0, (1 << c.w) - 1)
            uses.append(LookupUse(range_table(c.w), (c.offset,)))
        for limb, width in zip(c.limbs, c.widths):
            tensors[limb] = TensorPlan(limb, layout, "advice", 0, (1 << width) - 1)
            uses.append(LookupUse(range_table(width), (limb,)))
    if uses:
        rows = sum(layout.size for layout in (tensors[u.columns[0]].layout for u in uses))
        size = len(combined_table(uses)[0])
        tensors[MULT] = TensorPlan(MULT, Layout((size,)), "advice", 0, rows)
    plan = Plan(1, tensors, [], dict(model_plan.consts), (), (),
                const_sources=dict(model_plan.const_sources), lookup_uses=uses,
                defined_consts=dict(model_plan.defined_consts))
    if config is not None and model_params(config) is not None:
        add_zero_knowledge(plan, config, lambda p: certificate_rounds(consts, p))
    plan.declare_commitments()
    return CertificatePlan(tuple(consts), plan)


def certificate_rounds(consts, plan) -> list[tuple[int, int]]:
    """The certificate's own sumchecks and value slots for the mask vector (zk_capacity.py),
    beside its lookups': a narrow constant's merge of its offset's claims, a wide one's limb
    values, and the padding zero-check with the model vector randomized (degree 3 + 1)."""
    out: list[tuple[int, int]] = []
    for c in consts:
        out += [(1, 1)] * len(c.widths) if c.widths else merge_rounds(c.layout.n_vars)
    return out + [(Packing.of(plan.consts).n_vars, PAD_DEGREE + 1), (1, 1)]


def absorb_header(t, vk) -> None:
    """The statement: the model id, then the configuration (prover and verifier alike)."""
    t.absorb_bytes("model id", vk.model_id)
    t.absorb_bytes("config", json.dumps(vk.config, sort_keys=True, separators=(",", ":"))
                   .encode())


def lift(ext, v: int) -> tuple:
    """An integer (any sign) as a K element."""
    return ext.from_base(v % P)


def recompose(ext, c: ConstRange, point, limb_values) -> tuple:
    """c~(point) = lo·1~(point) + Σ_j 2^(8j) l_j~(point) (u~(point) alone when no limbs)."""
    acc = ext.mul(lift(ext, c.lo), real_indicator(ext, c.layout, tuple(point)))
    for j, v in enumerate(limb_values):
        acc = ext.add(acc, ext.mul(lift(ext, 1 << (LIMB_BITS * j)), v))
    return acc


def verify_certificate(vk, data: bytes) -> None:
    """Check the weight certificate ``data`` for ``vk`` (see the module docstring). Raises
    VerificationError (not proven) or ProofFormatError (malformed bytes)."""
    cp = certificate_plan(vk.graph, vk.config)
    ext = ext_field(vk.k)
    t = VerifierTranscript(DOMAIN, data)
    absorb_header(t, vk)
    pcs = pcs_verifier(vk.config)
    commitments = read_commitments(t, cp.plan, vk.config, vk.commitments)
    ctx = VerifierContext(t, ext, cp.plan, {})
    zk = cp.plan.zk
    if zk is not None:  # private weights: a zero-knowledge certificate (zk_weights.py)
        t.masks = VerifierMasks(ext, zk.capacity, ctx.claim_round)
    (verify_hiding_lookups if ctx.hiding else verify_lookups)(ctx, cp.plan.lookup_uses)
    for j, c in enumerate(cp.consts):
        if c.widths:
            rho = ctx.challenge_point(f"const {j} point", c.layout.n_vars)
            slots = limb_slots(ctx, j, c)
            vals = ctx.recv(f"const {j} limbs", len(c.limbs))
            for limb, v, r in zip(c.limbs, vals, slots):
                ctx.claim(limb, rho, v, r)
            ctx.const_claim(c.name, rho, recompose(ext, c, rho, vals),
                            recomposed_randomizer(ext, slots))
        else:
            u = ctx.take(c.offset, f"const {j} merge")
            if u is None:
                raise VerificationError(f"weight certificate: no claim on constant {c.name}")
            ctx.const_claim(c.name, u.point, ext.add(u.value, recompose(ext, c, u.point, [])),
                            u.randomizer)
    if any(ctx.pending.values()):
        raise VerificationError("weight certificate: claims left unreduced (malformed plan)")
    for name, point, value in table_claims(ctx, cp):
        ctx.const_claim(name, point, value)
    padding = verify_padding(ctx, cp)
    if zk is not None:
        verify_hiding_opening(ctx, commitments, CERTIFICATE_BLOCK)
        t.masks = None
    open_groups(ctx, pcs, commitments, whole={MODEL: [padding]} if padding else {})
    t.check_eof()


def limb_slots(book, j: int, c: ConstRange) -> list[tuple]:
    """Each limb value's randomizer: a fresh value slot each in a zero-knowledge certificate
    (l_j~(rho) + psi_j is stated), none otherwise."""
    if not book.hiding:
        return [()] * len(c.limbs)
    return [value_slot(book.t.masks, book.ext, f"const {j} limbs") for _ in c.limbs]


def recomposed_randomizer(ext, slots) -> tuple:
    """c~(rho) + sum_j 2^(8j) psi_j = recompose(stated limb values): the constant's claim's
    randomizer."""
    return tuple(part for j, r in enumerate(slots)
                 for part in scaled(ext, 1 << (LIMB_BITS * j), r))


def table_claims(ctx, cp: CertificatePlan) -> list:
    """(T): per defined constant, (name, ρ, T~(ρ)) with ρ = "plan constant <j> point" and T the
    public vector (prover and verifier alike: the prover's claim is the public value)."""
    out = []
    for j, name in enumerate(sorted(cp.tables, key=sort_key)):
        layout = cp.plan.consts[name]
        rho = ctx.challenge_point(f"plan constant {j} point", layout.n_vars)
        out.append((name, rho, column_mle_dense(ctx.ext, cp.tables[name], rho)))
    return out


def verify_padding(ctx, cp: CertificatePlan) -> EvalClaim | None:
    """(Z): the zero-check of the model vector M outside the constants' real entries; returns
    the claim on M it ends in (in a zero-knowledge certificate M is randomized and its claim
    goes to the hiding opening: None)."""
    ext, n = ctx.ext, cp.model.n_vars
    tau = ctx.challenge_point("padding point", n)
    sub, slots, z = verify_randomized(ctx, ext.zero(), n, PAD_DEGREE, "padding sumcheck",
                                      PAD_TERMS, [False, ctx.hiding])
    (m,) = ctx.recv("padding final")
    outside = ext.sub(ext.one(), mask_mle(ext, cp, sub.point))
    if not ext.eq(ext.mul(eq_eval(ext, tau, sub.point), ext.mul(outside, m)), sub.value):
        raise VerificationError("weight certificate: the committed model vector is not zero "
                                "outside its constants")
    if slots:
        ctx.randomized.append((MODEL_VECTOR, EvalClaim(list(sub.point), m,
                                                       ((z, slots[0]),))))
        return None
    return EvalClaim(list(sub.point), m)


def mask_mle(ext, cp: CertificatePlan, point) -> tuple:
    """R~(point): R = 1 on the real entries of every constant's slot, 0 elsewhere."""
    layouts = cp.layouts()
    acc = ext.zero()
    for s in cp.model.slots:
        sel = eq_eval_index(ext, point[s.n_vars :], s.offset >> s.n_vars)
        real = real_indicator(ext, layouts[s.name], tuple(point[: s.n_vars]))
        acc = ext.add(acc, ext.mul(sel, real))
    return acc
