"""The commitment prover selected by a proof configuration, through the scheme registry
(prover/pcs/registry.py; see verifier/pcs_config.py)."""

from __future__ import annotations

import numpy as np

from .pcs.registry import CommitmentProver, prover_scheme


class PCSProver:
    """commit(vector) -> (commitment bytes, prover data); open(data, points, transcript)."""

    def __init__(self, config: dict):
        self.inner: CommitmentProver = prover_scheme(config.get("pcs")).prover(config)

    def commit(self, vector: np.ndarray):
        c, data = self.inner.commit(vector)
        return c.to_bytes(), data

    @property
    def batched(self) -> bool:
        """Whether the scheme opens several commitments together (``open_batch``)."""
        return hasattr(self.inner, "open_batch")

    def open(self, data, points, transcript):
        return self.inner.open(data, points, transcript)

    def open_batch(self, datas, points, transcript):
        """One batched opening of several commitments (a ``batched`` scheme only)."""
        return self.inner.open_batch(datas, points, transcript)


def pcs_prover(config: dict) -> PCSProver:
    return PCSProver(config)
