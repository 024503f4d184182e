"""Verifier of RawPCS: the "commitment" is a hash of the table and the opening is the table.

For testing the protocols above the PCS (Plonky3's ``TrivialPcs`` idea): binding by Keccak-256
collision resistance, perfect soundness for evaluations (the verifier evaluates T~ itself), and
proofs as large as the table. root = keccak256("tensorproof/raw-pcs" ‖ u8 n_vars ‖ T as 8-byte
big-endian F elements).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ...errors import VerificationError
from ...field.encoding import encode_f_array
from ...transcript import keccak256
from .. import evaluations as ev
from .commitment import Commitment, absorb_statement, check_k, normalize_points, normalize_values

SCHEME_TAG = b"raw-v1"
_ROOT_DOMAIN = b"tensorproof/raw-pcs"


def raw_root(table: np.ndarray, n_vars: int) -> bytes:
    """The RawPCS commitment root of an F table of length 2^n_vars."""
    return keccak256(_ROOT_DOMAIN, bytes([n_vars]), encode_f_array(table))


class RawVerifier:
    """Checks RawPCS openings: reads the whole table, re-hashes it, evaluates every point."""

    def __init__(self, k: int = 2) -> None:
        self.k = check_k(k)

    def verify(
        self,
        commitment: Commitment,
        points: Sequence[Sequence[Any]],
        values: Sequence[Any],
        transcript: Any,
    ) -> None:
        """Check T~(z_j) = values[j]; raises VerificationError (ProofFormatError on bad bytes).
        Soundness: ``commitment`` must already be absorbed by the caller."""
        n, k = commitment.n_vars, self.k
        pts = normalize_points(points, n, k)
        vals = normalize_values(values, len(pts), k)
        absorb_statement(transcript, SCHEME_TAG, n, k, pts, vals)
        table = transcript.recv_f_array("raw/table", 1 << n)
        if not hmac.compare_digest(raw_root(table, n), commitment.root):
            raise VerificationError("raw pcs: the opened table does not match the commitment")
        for j, (z, v) in enumerate(zip(pts, vals)):
            if tuple(ev.evaluate(k, table, list(z))) != v:
                raise VerificationError(f"raw pcs: value {j} is not the table's evaluation")


class RawScheme:
    """RawPCS in the registry: no parameters (tests only: proofs as large as the table)."""

    name = "raw"
    defaults: MappingProxyType = MappingProxyType({})
    ignored = frozenset({"blowup", "queries"})
    """api.setup(pcs="raw") keeps the default configuration's Ligero fields."""

    def check(self, config: dict) -> None:
        """Nothing to check: the scheme is exact."""

    def commitment_extra(self, config: dict) -> int:
        return 0

    def verifier(self, config: dict) -> RawVerifier:
        return RawVerifier(int(config["k"]))


SCHEME = RawScheme()
