"""The masked sumcheck's mask committed and opened with ligero-zk, prover side (the spec is
verifier/zk_mask_binding.py).

``LigeroZkMaskCommitter`` is a ``MaskCommitter`` (prover/zk_sumcheck.py): ``commit`` commits the
mask table M with fresh pads, mask rows and salts and sends the commitment (message 0);
``open`` writes the opening(s) at the n mask claims (message 5) right after the gammas.
``SimulatedMaskCommitter`` is the composed simulator's side: it commits to the zero table and
writes ``simulate_opening`` at the claimed values, so ``simulate_zk_sumcheck`` with it produces
the whole view (sumcheck + opening) from public data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProverError
from ..field.sampling import OS_RANDOMNESS, Randomness
from ..verifier.claims import EvalClaim
from ..verifier.pcs.params import DEFAULT_BLOWUP, TARGET_SECURITY_BITS
from ..verifier.zk_mask_binding import claim_chunks, mask_pcs_params
from ..verifier.zk_sumcheck import MaskLayout, mask_commitment_label
from .pcs.ligero_zk import LigeroZkPCS, LigeroZkProverData, simulate_opening
from .zk_sumcheck import Mask


def _values(claims: Sequence[EvalClaim]) -> list[tuple[int, ...]]:
    return [tuple(int(c) for c in x.value) for x in claims]


@dataclass
class LigeroZkMaskCommitter:
    """Commits each sumcheck's mask with its own ligero-zk commitment (``pcs_class`` is a test
    hook for broken provers) and opens it once per claim chunk; a label is committed once."""

    rand: Randomness = OS_RANDOMNESS
    target_bits: int = TARGET_SECURITY_BITS
    blowup: int = DEFAULT_BLOWUP
    pcs_class: type = LigeroZkPCS
    _pending: dict[str, tuple[Any, LigeroZkPCS, LigeroZkProverData]] = field(
        default_factory=dict)
    _used: set[str] = field(default_factory=set)

    def commit(self, transcript: Any, label: str, mask: Mask) -> None:
        if label in self._used:
            raise ProverError(f"masked sumcheck '{label}': a mask is committed twice")
        self._used.add(label)
        pcs = self.pcs_class(mask_pcs_params(mask.layout, self.target_bits, self.blowup),
                             self.rand)
        commitment, data = pcs.commit(mask.table())
        transcript.send_bytes(mask_commitment_label(label), commitment.to_bytes())
        self._pending[label] = (transcript, pcs, data)

    def open(self, label: str, claims: Sequence[EvalClaim]) -> None:
        transcript, pcs, data = self._pending.pop(label)
        for chunk in claim_chunks(claims, pcs.params):
            got = pcs.open(data, [c.point for c in chunk], transcript)
            if [tuple(int(c) for c in v) for v in got] != _values(chunk):
                raise ProverError(f"masked sumcheck '{label}': a mask claim is not the "
                                  "committed mask's value")


@dataclass
class SimulatedMaskCommitter:
    """The simulator's committer: a ligero-zk commitment to the zero table (``commit_rand``)
    and simulated openings at the (false) claims (``rand``). Its openings fail only the Merkle
    check, which a simulator programming the random oracle passes."""

    rand: Randomness = OS_RANDOMNESS
    commit_rand: Randomness = OS_RANDOMNESS
    target_bits: int = TARGET_SECURITY_BITS
    blowup: int = DEFAULT_BLOWUP
    _pending: dict[str, tuple[Any, MaskLayout]] = field(default_factory=dict)

    def commit(self, transcript: Any, label: str, mask: Mask) -> None:
        params = mask_pcs_params(mask.layout, self.target_bits, self.blowup)
        commitment, _ = LigeroZkPCS(params, self.commit_rand).commit(
            Mask.zero(mask.layout).table())
        transcript.send_bytes(mask_commitment_label(label), commitment.to_bytes())
        self._pending[label] = (transcript, mask.layout)

    def open(self, label: str, claims: Sequence[EvalClaim]) -> None:
        transcript, layout = self._pending.pop(label)
        params = mask_pcs_params(layout, self.target_bits, self.blowup)
        for block, chunk in enumerate(claim_chunks(claims, params)):
            simulate_opening(params, layout.table_vars, [c.point for c in chunk],
                             _values(chunk), transcript, self.rand, block)
