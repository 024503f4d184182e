"""The proof configuration (challenge field degree, commitment scheme and its parameters) and
the commitment verifier it selects. The configuration is part of the model id."""

from __future__ import annotations

from ..errors import ProofFormatError, VerificationError
from .pcs.commitment import COMMITMENT_BYTES, Commitment
from .pcs.ligero import LigeroVerifier
from .pcs.params import DEFAULT_BLOWUP, DEFAULT_N_QUERIES, LigeroParams
from .pcs.raw import RawVerifier

SCHEMES = ("ligero", "raw")


def default_config(k: int = 2) -> dict:
    """Ligero with the proven-bound defaults (verifier/pcs/params.py), K = F_p^k."""
    return {"k": k, "pcs": "ligero", "blowup": DEFAULT_BLOWUP, "queries": DEFAULT_N_QUERIES}


def commitment_bytes(config: dict) -> int:
    return COMMITMENT_BYTES


def ligero_params(config: dict) -> LigeroParams:
    return LigeroParams(blowup=int(config["blowup"]), n_queries=int(config["queries"]),
                        k=int(config["k"]))


class PCSVerifier:
    """Verify openings of a serialized commitment of a vector of 2^n_vars entries."""

    def __init__(self, config: dict):
        scheme = config.get("pcs")
        if scheme == "ligero":
            self.inner = LigeroVerifier(ligero_params(config))
        elif scheme == "raw":
            self.inner = RawVerifier(int(config["k"]))
        else:
            raise ProofFormatError(f"unknown commitment scheme {scheme!r} (known: {SCHEMES})")

    def verify(self, commitment: bytes, n_vars: int, points, values, transcript) -> None:
        c = Commitment.from_bytes(commitment)
        if c.n_vars != n_vars:
            raise VerificationError(f"commitment is to 2^{c.n_vars} entries, the plan needs "
                                    f"2^{n_vars}")
        self.inner.verify(c, points, values, transcript)


def pcs_verifier(config: dict) -> PCSVerifier:
    return PCSVerifier(config)
