"""The commitment prover selected by a proof configuration (see verifier/pcs_config.py)."""

from __future__ import annotations

import numpy as np

from ..verifier.pcs_config import ligero_params
from .pcs.ligero import LigeroPCS
from .pcs.raw import RawPCS


class PCSProver:
    """commit(vector) -> (commitment bytes, prover data); open(data, points, transcript)."""

    def __init__(self, config: dict):
        if config.get("pcs") == "raw":
            self.inner = RawPCS(int(config["k"]))
        else:
            self.inner = LigeroPCS(ligero_params(config))

    def commit(self, vector: np.ndarray):
        c, data = self.inner.commit(vector)
        return c.to_bytes(), data

    def open(self, data, points, transcript):
        return self.inner.open(data, points, transcript)


def pcs_prover(config: dict) -> PCSProver:
    return PCSProver(config)
