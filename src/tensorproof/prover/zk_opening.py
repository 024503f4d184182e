"""The prover of verifier/zk_opening.py (the spec): the advice committed with ligero-zk, the
masked merge of its claims over the randomized extension B^ = B~ + Z Row~(x_low), the
blinded merge of M's claims and one opening at two row forms."""

from __future__ import annotations

import numpy as np

from ..field.scalar import ext_field
from ..poly.mle import evaluate
from ..verifier.claims import EvalClaim
from ..verifier.pcs.ligero_zk import zk_layout
from ..verifier.plan import ADVICE
from ..verifier.zk_masks import OPENING_MASKS
from ..verifier.zk_opening import (
    DEGREE,
    LABEL,
    MASKS_LABEL,
    masks_form,
    merge_statement,
    randomizer_row,
    value_form,
    value_label,
)
from .merge import weight_table
from .pcs_config import PCSProver, pcs_prover
from .sumcheck import prove_sumcheck
from .zk_finals import ConstantRandomizer
from .zk_masks import ProverMasks
from .zk_merge import prove_blinded_merge_k
from .zk_sumcheck import randomized_last_round, split_last_variable


def hiding_pcs(zk) -> PCSProver:
    """The advice's committer under a hiding opening: ligero-zk through the registry."""
    return pcs_prover(zk.hiding_config)


def prove_advice_merge(ctx, B: np.ndarray):
    """Messages 1-3 of verifier/zk_opening.py (the masked merge over B^, ``ctx.t.masks`` on):
    (the point r, e = B^(r), B's hiding layout)."""
    t, vf, plan = ctx.t, ctx.vf, ctx.plan
    ext, zk = ext_field(vf.k), plan.zk
    group = plan.commitments[ADVICE]
    n = group.packing.n_vars
    _, parts, _ = merge_statement(ctx)
    W = weight_table(vf, n, [c for _, c, _ in parts], [coeff for _, _, coeff in parts],
                     [group.packing.region(name) for name, _, _ in parts])
    lay = zk_layout(n, zk.hiding)
    row = randomizer_row(plan, lay.b)
    row_table = B[row << lay.b : (row + 1) << lay.b]
    terms = [(1, [0, 1])]

    def rounds(relay):
        halves, split, _ = split_last_variable(ext, [B, W], terms, None)
        point, ends = prove_sumcheck(relay, vf, halves, split, DEGREE, LABEL)
        psi = evaluate(vf, row_table, point[: lay.b])
        finals = randomized_last_round(relay, ext, LABEL, point, ends[:2], ends[2:], terms,
                                       [ConstantRandomizer(psi), None], None, DEGREE)
        return point, finals

    point, finals = t.masks.run(t, vf, n, DEGREE, LABEL, rounds)
    e = tuple(int(c) for c in finals[0])
    t.send_k(value_label(), [e], vf.k)
    return point, e, lay


def prove_hiding_opening(ctx, committed) -> None:
    """Messages 1-5 of verifier/zk_opening.py; the masks are the opening's own from here, off
    once the advice merge is done."""
    t, vf, plan = ctx.t, ctx.vf, ctx.plan
    ext, zk = ext_field(vf.k), plan.zk
    block = ctx.tables[OPENING_MASKS]
    on_opening: list[EvalClaim] = []
    t.masks = ProverMasks(ext, zk.opening, block[: 1 << zk.opening.n_vars(vf.k)],
                          lambda p, v: on_opening.append(
                              EvalClaim(zk.opening_point(vf.k, p), v)))
    point, _, lay = prove_advice_merge(ctx, committed.vector)
    t.masks = None
    m = 1 << zk.opening_vars
    blind = np.stack([block[(c + 1) * m : (c + 2) * m] for c in range(vf.k)], axis=1)
    region = prove_blinded_merge_k(t, vf, block[:m], blind, on_opening, MASKS_LABEL)
    forms = [value_form(ext, plan, lay, point), masks_form(ext, plan, lay, region)]
    hiding_pcs(zk).inner.open_forms(committed.data, forms, t)
    ctx.group_claims[ADVICE] = []
    ctx.randomized.clear()
    ctx.mask_claims.clear()
