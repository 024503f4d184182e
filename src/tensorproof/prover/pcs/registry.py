"""The commitment schemes, behind one registry: the prover's side.

The registry is ``verifier.pcs.registry.SCHEMES`` (name -> module): the prover module of a
scheme, ``prover/pcs/<module>.py``, defines ``SCHEME``, a ``ProverScheme`` — its committer and
opener (``CommitmentProver``) and the codec of the prover data that a proving key file keeps
(``ProverDataCodec``, prover/keyfile.py), so a fresh process proves without re-committing.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ...verifier.pcs.commitment import Commitment
from ...verifier.pcs.registry import SCHEMES, verifier_scheme


@runtime_checkable
class CommitmentProver(Protocol):
    """Commits to F tables and opens them (mirror of the scheme's OpeningVerifier)."""

    def commit(self, table: np.ndarray) -> tuple[Commitment, Any]:
        """(commitment, prover data) of a canonical F table of length 2^n."""

    def open(self, data: Any, points: Sequence[Sequence[Any]],
             transcript: Any) -> list[tuple[int, ...]]:
        """Write the opening at ``points`` into ``transcript``; return the values.
        Soundness: the caller has absorbed the commitment first."""


@runtime_checkable
class BatchCommitmentProver(Protocol):
    """Optional: a ``CommitmentProver`` that also opens several commitments at once (the twin
    of the verifier's ``BatchOpeningVerifier``)."""

    def open_batch(self, datas: Sequence[Any], points_per: Sequence[Sequence[Sequence[Any]]],
                   transcript: Any) -> list[list[tuple[int, ...]]]:
        """Write one opening of every ``datas[g]`` at ``points_per[g]``; return the values.
        Soundness: the caller has absorbed every commitment first."""


@runtime_checkable
class ProverDataCodec(Protocol):
    """The prover data of a commitment as named arrays (uint64 or uint8, rank 1 or 2)."""

    def encode(self, data: Any) -> dict[str, np.ndarray]:
        """The arrays to store (in this order); the committed table itself is never stored."""

    def decode(self, commitment: Commitment, table: np.ndarray,
               arrays: Mapping[str, np.ndarray], config: dict) -> Any:
        """The prover data of ``commitment`` to ``table`` (rebuilt from the model) from the
        stored arrays; KeyFileError (one line) if they do not belong to that commitment."""


@runtime_checkable
class ProverScheme(Protocol):
    """A registry entry on the prover's side."""

    codec: ProverDataCodec

    def prover(self, config: dict) -> CommitmentProver:
        """The committer/opener of a checked configuration."""


def prover_scheme(name: object) -> ProverScheme:
    """The prover side of registered scheme ``name`` (ConfigError for an unknown one)."""
    verifier_scheme(name)
    return importlib.import_module(f"{__package__}.{SCHEMES[name]}").SCHEME
