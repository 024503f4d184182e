"""Prover of RawPCS (mirrors ``verifier.pcs.raw``): commit hashes the table, open sends it.

For testing protocols above the PCS without the cost of a real commitment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import KeyFileError
from ...field.vec import vec_field
from ...poly.mle import evaluate
from ...verifier.pcs.commitment import Commitment, absorb_statement, normalize_points
from ...verifier.pcs.raw import SCHEME_TAG, RawVerifier, raw_root
from .ligero import check_table


@dataclass(frozen=True, eq=False)
class RawProverData:
    """The committed table itself."""

    commitment: Commitment
    table: np.ndarray


class RawPCS(RawVerifier):
    """commit / open / verify of the trivial PCS over challenge degree k."""

    def commit(self, table: np.ndarray) -> tuple[Commitment, RawProverData]:
        """Commit to an F table of length 2^n by hashing it."""
        n = check_table(table)
        table = np.ascontiguousarray(table).copy()
        commitment = Commitment(root=raw_root(table, n), n_vars=n)
        return commitment, RawProverData(commitment, table)

    def open(
        self, data: RawProverData, points: Sequence[Sequence[Any]], transcript: Any
    ) -> list[tuple[int, ...]]:
        """Send the whole table; return T~(z_j) for every point.
        Soundness: the caller must have absorbed ``data.commitment`` before this call."""
        n, k = data.commitment.n_vars, self.k
        pts = normalize_points(points, n, k)
        kv = vec_field(k)
        values = [tuple(evaluate(kv, data.table, list(z))) for z in pts]
        absorb_statement(transcript, SCHEME_TAG, n, k, pts, values)
        transcript.send_f("raw/table", data.table)
        return values


class RawCodec:
    """No arrays: the prover data is the committed table itself, re-committed on load."""

    def encode(self, data: RawProverData) -> dict[str, np.ndarray]:
        return {}

    def decode(self, commitment: Commitment, table: np.ndarray,
               arrays: Mapping[str, np.ndarray], config: dict) -> RawProverData:
        c, data = RawPCS(int(config["k"])).commit(table)
        if c != commitment:
            raise KeyFileError("the proving key's weights do not match its commitment")
        return data


class RawScheme:
    """RawPCS in the registry: the prover of a configuration and the .tpk codec."""

    codec = RawCodec()

    def prover(self, config: dict) -> RawPCS:
        return RawPCS(int(config["k"]))


SCHEME = RawScheme()
