"""The prover of verifier/zk_opening.py (the spec): the advice committed with ligero-zk, the
masked merge of its claims over the randomized extension B^ = B~ + Z Row~(x_low), the
blinded merge of M's claims and one opening at two row forms."""

from __future__ import annotations

import numpy as np

from ..errors import ProverError
from ..field.sampling import OS_RANDOMNESS
from ..field.scalar import ext_field
from ..poly.mle import as_ext, evaluate
from ..verifier.claims import EvalClaim
from ..verifier.pcs.hiding import hiding_config, row_vars
from ..verifier.plan import ADVICE, MODEL
from ..verifier.zk_masks import MASKS, OPENING_MASKS, RANDOMIZER, RANDOMIZER_SIZE, point_sink
from ..verifier.zk_opening import (
    DEGREE,
    LABEL,
    MASKS_LABEL,
    RoundBlock,
    advice_used,
    batched_model,
    group_vars,
    hiding_forms,
    hiding_groups,
    merge_statement,
    model_form,
    padding_factor,
    randomizer_row,
    round_powers,
    selector_weights,
    used_arg,
    value_label,
)
from ..verifier.zk_sumcheck import plane_point, vanishing
from ..verifier.zk_weights import (
    BLOCK_LABEL,
    CERTIFICATE_BLOCK,
    FIRST_PROOF_BLOCK,
    MODEL_VECTOR,
)
from ..verifier.zk_weights import randomizer_row as model_randomizer_row
from .commitments import merged_point
from .merge import add_eq_blocks, weight_table
from .pcs_config import PCSProver, pcs_prover
from .sumcheck import prove_sumcheck
from .zk_finals import ConstantRandomizer
from .zk_lookups import sample_lookup_blinds
from .zk_masks import ProverMasks, sample_masks
from .zk_merge import prove_blinded_merge_k
from .zk_sumcheck import randomized_last_round, split_last_variable


def hiding_pcs(zk) -> PCSProver:
    """The advice's committer under a hiding opening: ligero-zk or whir-zk through the
    registry."""
    return pcs_prover(zk.hiding_config)


class AdviceCommitter:
    """commit(vector) of the advice under a hiding opening: the rows its packing fills only
    (``advice_used``)."""

    def __init__(self, plan) -> None:
        self.inner = hiding_pcs(plan.zk).inner
        self.used = used_arg(plan)

    def commit(self, vector: np.ndarray):
        c, data = self.inner.commit(vector, **self.used)
        return c.to_bytes(), data


def zk_witness(plan, tables: dict, k: int) -> dict:
    """The prover's fresh randomness of a zero-knowledge plan, from the OS, into ``tables``:
    M and, with a hiding opening, RANDOMIZER, OPENING_MASKS and the lookup blinds; returns the
    per-proof groups' committers (the advice's: ligero-zk under a hiding opening)."""
    zk = plan.zk
    tables[MASKS] = sample_masks(k, zk.capacity)
    if zk.hiding is None:
        return {}
    tables[RANDOMIZER] = OS_RANDOMNESS.f_vector(RANDOMIZER_SIZE)
    tables[OPENING_MASKS] = OS_RANDOMNESS.f_vector(1 << zk.opening_block_vars())
    sample_lookup_blinds(plan, tables)
    return {ADVICE: AdviceCommitter(plan)}


def next_block(plan, committed, first: int = FIRST_PROOF_BLOCK,
               block: int | None = None) -> int | None:
    """The model's mask block for this opening (private weights only): ``block``, the one
    prover/keyfile.reserve_block reserved for the proof; the certificate's (``first`` =
    CERTIFICATE_BLOCK), which must be unused. ProverError otherwise: a reused or missing block
    would reveal the weights (zk_weights.py)."""
    if plan.model_hiding is None:
        return None
    opened = committed[MODEL].data.opened
    if first == CERTIFICATE_BLOCK:
        if int(opened[0]) != CERTIFICATE_BLOCK:
            raise ProverError("the weight certificate's opening of the private weights is "
                              "used already")
        return CERTIFICATE_BLOCK
    budget = plan.model_hiding.openings - 1
    if block is None or not first <= block <= budget or int(opened[0]) <= block:
        raise ProverError(f"a proof with private weights needs a block of [{first}, {budget}] "
                          "reserved for it (prover/keyfile.reserve_block)")
    return block


def interleaved(tables: list, n: int) -> np.ndarray:
    """The groups' tables as one table over (selector, x), the selector lowest: table g
    zero-padded to 2^n entries at the positions with selector g."""
    out = np.zeros((1 << n, len(tables), *tables[0].shape[1:]), dtype=np.uint64)
    for g, T in enumerate(tables):
        out[: len(T), g] = T
    return out.reshape(len(tables) << n, *tables[0].shape[1:])


def add_round_weights(vf, plan, block: RoundBlock, w: np.ndarray) -> None:
    """w += sum_j coeffs[j] eq(point j, .) over the advice for claims on M at round points
    (``RoundBlock``: the masked rounds' and the value slots'), in vectors: claim j's eq is zero
    outside its slot of M, where it is eq((w, powers_j), .) over the slot's plane and power
    coordinates (verifier/zk_masks.round_point): ``merge.add_eq_blocks``."""
    m, k = len(block.slots), vf.k
    if not m:
        return
    ext, cap = ext_field(k), plan.zk.capacity
    plane = np.array(plane_point(ext)[0], dtype=np.uint64).reshape(1, -1, k)
    points = np.concatenate([np.broadcast_to(plane, (m, plane.shape[1], k)),
                             round_powers(ext, cap, block.degrees, block.r)], axis=1)
    if points.shape[1] != cap.slot_vars(k):
        raise ProverError("claims on M do not fit its slots")
    start = plan.commitments[ADVICE].packing.slot(MASKS).offset
    add_eq_blocks(vf, w, start + (block.slots << points.shape[1]), points, block.coeffs)


def prove_merge_sumcheck(ctx, vectors: dict, block: int | None):
    """Messages 1-3 of verifier/zk_opening.py (the masked merge over the randomized groups,
    ``ctx.t.masks`` on; ``block``: the model's mask block with private weights): (the final
    point, each group's value e_g)."""
    t, vf, plan = ctx.t, ctx.vf, ctx.plan
    ext, zk = ext_field(vf.k), plan.zk
    groups = hiding_groups(plan)
    sizes = [group_vars(plan, g) for g in groups]
    st = merge_statement(ctx)
    weights, rows, bs = [], [], []
    for g, n_g in zip(groups, sizes):
        mine = [p for p in st.parts if p.group == g and p.point is not None]
        packing = plan.commitments[g].packing
        weights.append(weight_table(vf, n_g, [EvalClaim(list(p.embedded(ext, plan)), ext.zero())
                                              for p in mine],
                                    [p.coeff for p in mine],
                                    [(0, 1 << n_g) if p.name == MODEL_VECTOR
                                     else packing.region(p.name) for p in mine]))
        if g == ADVICE:  # the claims on M: the value slots' and the masked rounds'
            add_round_weights(vf, plan, st.masks(), weights[-1])
        bs.append(row_vars(zk.hiding, n_g, advice_used(plan)) if g == ADVICE
                  else row_vars(plan.model_hiding, n_g))
    n = max(sizes)
    if len(groups) == 1:
        table, weight = vectors[ADVICE], weights[0]
    else:
        table = interleaved([vectors[g] for g in groups], n)
        weight = interleaved(weights, n)
    rows = [vectors[ADVICE][(r := randomizer_row(plan, bs[0])) << bs[0] :
                            (r + 1) << bs[0]]]
    if len(groups) > 1:
        r = model_randomizer_row(plan, block)
        rows.append(vectors[MODEL][r << bs[1] : (r + 1) << bs[1]])
    terms = [(1, [0, 1])]
    sel = len(groups) - 1

    def rounds(relay):
        halves, split, _ = split_last_variable(ext, [table, weight], terms, None)
        point, ends = prove_sumcheck(relay, vf, halves, split, DEGREE, LABEL)
        sel_w, x = selector_weights(ext, plan, point)
        psi = ext.zero()
        for w, row, b in zip(sel_w, rows, bs):
            psi = ext.add(psi, ext.mul(w, as_ext(ext, evaluate(vf, row, x[:b]))))
        finals = randomized_last_round(relay, ext, LABEL, point, ends[:2], ends[2:], terms,
                                       [ConstantRandomizer(psi), None], None, DEGREE)
        return point, finals

    point, finals = t.masks.run(t, vf, sel + n, DEGREE, LABEL, rounds)
    if len(groups) == 1:
        es = [tuple(int(c) for c in finals[0])]
    else:
        z = vanishing(ext, point)
        x = point[sel:]
        es = []
        for g, n_g, b, row in zip(groups, sizes, bs, rows):
            value = as_ext(ext, evaluate(vf, vectors[g], x[:n_g]))
            v = ext.add(ext.mul(padding_factor(ext, x, n_g), value),
                        ext.mul(z, as_ext(ext, evaluate(vf, row, x[:b]))))
            es.append(tuple(int(c) for c in v))
    t.send_k(value_label(), es, vf.k)
    return point, es


def prove_hiding_opening(ctx, committed, first_block: int = FIRST_PROOF_BLOCK,
                         block: int | None = None, model_pcs: PCSProver | None = None) -> None:
    """Messages 1-5 of verifier/zk_opening.py on the advice and, with private weights, the
    model (``committed``: group -> Committed; at the reserved ``block``, or the certificate's
    when ``first_block`` is CERTIFICATE_BLOCK), with public weights that ``batched_model``
    takes the model's claims too (``model_pcs``: the key's scheme); the masks are the
    opening's own from here, off once the merge is done."""
    t, vf, plan = ctx.t, ctx.vf, ctx.plan
    ext, zk = ext_field(vf.k), plan.zk
    groups = hiding_groups(plan)
    model_block = next_block(plan, committed, first_block, block)
    if model_block is not None:
        t.send_bytes(BLOCK_LABEL, model_block.to_bytes(2, "big"))
    block = ctx.tables[OPENING_MASKS]
    on_opening: list[EvalClaim] = []
    t.masks = ProverMasks(ext, zk.opening, block[: 1 << zk.opening.n_vars(vf.k)],
                          point_sink(ext, zk.opening, lambda p, v: on_opening.append(
                              EvalClaim(zk.opening_point(vf.k, p), v))))
    point, _ = prove_merge_sumcheck(ctx, {g: committed[g].vector for g in groups},
                                       model_block)
    t.masks = None
    m = 1 << zk.opening_vars
    blind = np.stack([block[(c + 1) * m : (c + 2) * m] for c in range(vf.k)], axis=1)
    region = prove_blinded_merge_k(t, vf, block[:m], blind, on_opening, MASKS_LABEL)
    public = {}
    if model_pcs is not None and batched_model(plan, model_pcs.inner,
                                               bool(ctx.group_claims[MODEL])):
        c = committed[MODEL]
        public = {"public": (c.data, merged_point(ctx, c, ctx.group_claims[MODEL],
                                                  fresh=True))}
        ctx.group_claims[MODEL] = []
    z = vanishing(ext, point)
    _, x = selector_weights(ext, plan, point)
    sizes = [group_vars(plan, g) for g in groups]
    forms = hiding_forms(ext, plan, x, sizes[0], z, region)
    hiding_pcs(zk).inner.open_forms(committed[ADVICE].data, forms, t, **public)
    if model_block is not None:
        form = model_form(ext, plan, x, sizes[1], model_block, z)
        pcs_prover(hiding_config(plan.model_hiding)).inner.open_forms(
            committed[MODEL].data, [form], t, block=model_block)
    for g in groups:
        ctx.group_claims[g] = []
    ctx.randomized.clear()
    ctx.mask_claims.clear()
    ctx.round_claims.clear()
