"""Prover of verifier/zk_discharge.py (the spec): a masked sumcheck that discharges a claim on a
randomized extension, and its witness-free simulator.

The engine (prove_sumcheck, or zk_sumcheck's randomized last round) runs the plain sum P over
x; ``Shifted`` (zk_sumcheck.py) relays its round j as round j + 1 with every value s mapped to
s/2 + Z(z) psi 2^(-1-j) (psi = R(z_0, w*)), after this module has sent round 0 (w) itself;
zk_sumcheck's ``MaskedTranscript`` then adds the mask, so the layers compose without touching
the engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..field.params import HALF
from ..field.sampling import OS_RANDOMNESS, Randomness
from ..field.scalar import ExtField, ext_field
from ..field.vec import VecField
from ..poly.mle import Scalar, as_ext, eq_eval, log2_exact
from ..verifier.sumcheck import Terms, challenge_label, evaluate_terms, round_label
from ..verifier.zk_discharge import constant_weight, layout, randomizer_label
from ..verifier.zk_sumcheck import (
    MaskLayout,
    mask_challenge_label,
    mask_sum_label,
    vanishing,
)
from .sumcheck import sum_of_products
from .zk_sumcheck import (
    Mask,
    MaskCommitter,
    MaskedTranscript,
    Randomizer,
    Shifted,
    ZkSumcheckProof,
    _finish,
    run_rounds,
    simulated_gammas,
    simulated_rounds,
)

K = tuple[int, ...]


def prove_discharge(transcript, vf: VecField, tables: Sequence[np.ndarray], terms: Terms,
                    degree: int, label: str, mask: Mask, committer: MaskCommitter,
                    z: Sequence[Scalar], randomizer: Randomizer | Callable[[Scalar], K], *,
                    eq_point: Sequence | None = None,
                    randomizers: Sequence[Randomizer | None] | None = None,
                    weight: Scalar | None = None,
                    fused: bool = True) -> tuple[ZkSumcheckProof, K]:
    """Prove the stated claim f^(z) = f~(z) + Z(z) Rb(z_0) (``randomizer`` = f's R) through the
    plain sum f~(z) = sum_x [eq] g(tables(x)) (verifier/zk_discharge.py); ``mask`` has the
    layout :func:`verifier.zk_discharge.layout`. ``randomizer`` may instead be any affine
    function of w, with ``weight`` its public factor in place of Z(z) (a stated value
    f~(z) + weight (r(0) + r(1))). Returns (the masked sumcheck's record, with the full point
    (w*, rho), psi = the randomizer at w*)."""
    ext = ext_field(vf.k)
    n = log2_exact(len(tables[0]))
    randomizers = list(randomizers) if randomizers is not None else [None] * len(tables)
    r_degrees = [None if R is None else R.degree for R in randomizers]
    expected = layout(n, degree, terms, r_degrees, vf.k)
    if mask.layout != expected:
        raise ValueError(f"mask layout {mask.layout} does not match this discharge ({expected})")
    plain = as_ext(ext, sum_of_products(vf, tables, terms, eq_point))
    z0 = as_ext(ext, z[0])
    r_of = ((lambda w: randomizer.value(ext, z0, w)) if isinstance(randomizer, Randomizer)
            else randomizer)  # an affine function of w (the caller's randomized extension)
    mask.spend()
    committer.commit(transcript, label, mask)
    transcript.send_k(mask_sum_label(label), [mask.total(ext)], vf.k)
    rho = tuple(transcript.challenge_k(mask_challenge_label(label), vf.k))
    t = MaskedTranscript(transcript, ext, label, mask, rho)
    zz = vanishing(ext, z) if weight is None else as_ext(ext, weight)
    s0 = ext.add(ext.mul_base(plain, HALF), ext.mul(zz, r_of(0)))
    t.send_k(round_label(label, 0), [s0], vf.k)  # round 0 (w), degree 1: s_0(0) alone
    w = tuple(t.challenge_k(challenge_label(label, 0), vf.k))
    psi = r_of(w)
    shifted = Shifted(t, ext, label, n, ext.mul(constant_weight(ext, z, n, weight), psi))
    point, finals = run_rounds(shifted, vf, tables, terms, degree, label, eq_point,
                               randomizers, mask.layout.degrees[-1], fused)
    proof = _finish(transcript, ext, label, mask.layout, committer, [w, *point], finals, rho,
                    t.gammas)
    transcript.send_k(randomizer_label(label), [psi], vf.k)
    return proof, psi


def simulate_discharge(transcript, ext: ExtField, stated: Scalar, z: Sequence[Scalar],
                       mask_layout: MaskLayout, label: str, terms: Terms,
                       committer: MaskCommitter, *, given_finals: Sequence[Scalar],
                       eq_point: Sequence | None = None,
                       rand: Randomness = OS_RANDOMNESS) -> tuple[ZkSumcheckProof, K]:
    """The discharge's messages from public data (``stated``, z) and the finals: G, every sent
    round value, psi and gamma_0..gamma_{n-1} uniform, gamma_n fixed by the verifier's final
    equation. Reads ``rand`` in that order; commits to the zero mask (hiding), whose claims it
    states falsely, as a simulator must."""
    k = ext.k
    rho, running, point = simulated_rounds(transcript, ext, stated, mask_layout, label,
                                           committer, rand)
    psi = rand.k_scalar(k)
    finals = [as_ext(ext, v) for v in given_finals]
    target = evaluate_terms(ext, terms, finals)
    if eq_point is not None:
        target = ext.mul(eq_eval(ext, eq_point, point[1:]), target)
    n = mask_layout.n_vars - 1
    target = ext.add(ext.mul_base(target, HALF), ext.mul(constant_weight(ext, z, n), psi))
    gammas = simulated_gammas(ext, running, target, rho, mask_layout.n_vars, rand)
    proof = _finish(transcript, ext, label, mask_layout, committer, point, finals, rho, gammas)
    transcript.send_k(randomizer_label(label), [psi], k)
    return proof, psi
