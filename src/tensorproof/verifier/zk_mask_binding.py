"""The masked sumcheck's mask bound by the hiding Ligero PCS (the spec; prover/zk_mask_binding.py).

Replaces the salted-hash test model (``HashMaskBinding``) of verifier/zk_sumcheck.py: the mask
table M (``MaskLayout``, 2^(s+b+a) F entries) is committed with ``ligero-zk`` and the n mask
claims M~(z_i) = gamma_i / D (``mask_claims``) are discharged by a hiding opening of M at
exactly those n points (PCS parameter ``points`` = n up to 16, message 5), with no batching.

Messages, in transcript order (label L; the masked sumcheck's messages 1-4 are unchanged):
 0. "L/mask commitment": the 34-byte ligero-zk ``Commitment`` of M (n_vars = s + b + a), fresh
    pads, mask rows and salts (OS randomness), absorbed before "L/mask sum" and "L/rho".
 1-4. the masked sumcheck (verifier/zk_sumcheck.py): G, rho, the rounds, gamma_0..gamma_{n-1}.
 5. right after the gammas, B = ``mask_openings`` ligero-zk openings of M (its messages, labels
    "ligero-zk/*"), opening j at the claims of chunk j (``claim_chunks``: consecutive, at most
    ``MAX_POINTS`` = 16 each), each statement (points, values gamma_i / D) absorbed first by the
    PCS. B = 1 for n <= 16 (one opening); n > 16 needs ceil(n / 16) blocks of one commitment
    because ligero_zk caps ``points`` at 16 (raising MAX_POINTS there makes it one opening).

Why no batching (random combination + a small sumcheck over M's variables): the masked
sumcheck's ZK argument spends every coefficient of the mask (c -> view is injective, image of
dimension dim view - 1), so the view determines c given the witness; any further linear
functional of M (a batching sumcheck's round messages, M~ at a new point) is then a function
of the witness, i.e. a leak. Opening at the claim points reveals only the values gamma_i / D,
already in the view.

Soundness (C false). Ligero is an argument of knowledge for a unique-decoding code: if the
committed matrix is e-far from RS (x) K the opening's proximity test fails except with the PCS
error; otherwise it decodes to one table M, fixed when the root is absorbed (message 0), before
G and rho. M defines g_i of degree <= 2^b - 1 whatever its structural zeros, which is what the
masked sumcheck's bound assumes; each opening then catches a false gamma_i except with its
bound (*ZK). Union bound, Keccak collision resistance of the Merkle root aside:

    eps <= (1 + sum_i max(d_i, 2^b - 1)) / |K|  +  B eps_ZK(M's layout),
    eps_ZK = (N + 1)/|K| + (1 - e/N)^t, 2e <= N - C'   (verifier/pcs/ligero_zk.py, (*ZK)),

recomputed by ``soundness_bits``; each opening's t is set for target + ceil(log2 B) bits.
Under Fiat-Shamir the query term is grindable as for every Ligero opening in this code base.

Zero knowledge (honest verifier, ROM for the salted leaves and the root). Fix the witness and
every challenge (rho, r, the PCS's gamma, r, r', query sets S). The view is V = (u, v): u the
sumcheck's field messages (affine in the mask c only), v each opening's field elements (y, u_0,
u_j, opened columns), affine in (M(c), pads, PCS mask rows). By the PCS's argument, for a FIXED
table v is uniform on an affine space A(values) fixed by the shape, points, values and
challenges; its values are gamma_i / D, coordinates of u. So V is distributed as: u by the
masked sumcheck's law (uniform on the hyperplane H), then v uniform on A(gamma / D). The
composed simulator (prover ``SimulatedMaskCommitter`` with ``simulate_zk_sumcheck``) samples u
by the sumcheck simulator and v by ``simulate_opening`` at gamma / D: the same law; its
commitment is to the zero table, identically distributed (salted leaves, ROM). The B openings of
one commitment use B distinct mask blocks and pads l = B t (the PCS's budget), one commitment
per sumcheck: a mask committed for one sumcheck is never opened for another.
tests/protocol/test_zk_mask_binding.py checks this by exact rank.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProofFormatError, VerificationError
from .claims import EvalClaim
from .pcs.commitment import COMMITMENT_BYTES, Commitment
from .pcs.ligero_zk import MAX_POINTS, LigeroZkParams, LigeroZkVerifier, security_bits
from .pcs.params import DEFAULT_BLOWUP, TARGET_SECURITY_BITS
from .zk_sumcheck import MaskLayout, mask_commitment_label
from .zk_sumcheck import soundness_bits as masked_sumcheck_bits


def mask_openings(layout: MaskLayout) -> int:
    """B: openings of the mask commitment, ceil(n / MAX_POINTS) (1 for n <= 16)."""
    return -(-layout.n_vars // MAX_POINTS)


def mask_pcs_params(layout: MaskLayout, target_bits: int = TARGET_SECURITY_BITS,
                    blowup: int = DEFAULT_BLOWUP) -> LigeroZkParams:
    """ligero-zk parameters of one mask commitment: B openings of ceil(n / B) points each, each
    at target_bits + ceil(log2 B) bits so that the union over the B openings meets the target."""
    b = mask_openings(layout)
    return LigeroZkParams(blowup=blowup, points=-(-layout.n_vars // b), openings=b, k=layout.k,
                          target_bits=target_bits + (b - 1).bit_length())


def claim_chunks(claims: Sequence[EvalClaim], params: LigeroZkParams) -> list[list[EvalClaim]]:
    """The claims in consecutive groups of ``params.points``: one opening each."""
    m = params.points
    return [list(claims[i:i + m]) for i in range(0, len(claims), m)]


def soundness_bits(layout: MaskLayout, target_bits: int = TARGET_SECURITY_BITS,
                   blowup: int = DEFAULT_BLOWUP) -> float:
    """-log2 of the composed bound (module docstring): masked sumcheck + B ligero-zk openings."""
    eps_sc = 2.0 ** -masked_sumcheck_bits(layout)
    prm = mask_pcs_params(layout, target_bits, blowup)
    eps_pcs = mask_openings(layout) * 2.0 ** -security_bits(prm, layout.table_vars)
    return -math.log2(eps_sc + eps_pcs)


@dataclass
class LigeroZkMaskBinding:
    """``MaskBinding`` of verifier/zk_sumcheck.py by ligero-zk: ``bind`` reads and absorbs the
    commitment (message 0); ``defer`` verifies the opening(s) of message 5 at once on the same
    transcript, so ``verify_zk_sumcheck`` returns only with the mask claims discharged.
    ``discharged`` lists the labels whose claims were checked."""

    target_bits: int = TARGET_SECURITY_BITS
    blowup: int = DEFAULT_BLOWUP
    discharged: list[str] = field(default_factory=list)
    _bound: dict[str, tuple[Any, Commitment, LigeroZkParams]] = field(default_factory=dict)

    def bind(self, transcript: Any, label: str, layout: MaskLayout) -> None:
        if label in self._bound or label in self.discharged:
            raise VerificationError(f"masked sumcheck '{label}': a mask is bound twice")
        params = mask_pcs_params(layout, self.target_bits, self.blowup)
        raw = transcript.recv_bytes(mask_commitment_label(label), COMMITMENT_BYTES)
        commitment = Commitment.from_bytes(raw)
        if commitment.n_vars != layout.table_vars:
            raise ProofFormatError(f"masked sumcheck '{label}': mask commitment of "
                                   f"{commitment.n_vars} variables, the layout has "
                                   f"{layout.table_vars}")
        self._bound[label] = (transcript, commitment, params)

    def defer(self, label: str, layout: MaskLayout, claims: Sequence[EvalClaim]) -> None:
        if label not in self._bound:
            raise VerificationError(f"masked sumcheck '{label}': mask claims before a commitment")
        transcript, commitment, params = self._bound.pop(label)
        if len(claims) != layout.n_vars:
            raise VerificationError(f"masked sumcheck '{label}': {len(claims)} mask claims for "
                                    f"{layout.n_vars} rounds")
        verifier = LigeroZkVerifier(params)
        for chunk in claim_chunks(claims, params):
            verifier.verify(commitment, [c.point for c in chunk], [c.value for c in chunk],
                            transcript)
        self.discharged.append(label)
