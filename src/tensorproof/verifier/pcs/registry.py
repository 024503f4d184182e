"""The commitment schemes, behind one registry: the verifier's side.

A scheme is one module pair, ``verifier/pcs/<module>.py`` and ``prover/pcs/<module>.py``, plus
one line of ``SCHEMES`` (configuration name -> module). The verifier module defines ``SCHEME``,
a ``VerifierScheme``; the prover module of the same name defines its ``ProverScheme``
(prover/pcs/registry.py, which reads this table: the verifier never imports the prover).

A proof configuration is a dict ``{"k": K's degree, "pcs": scheme name, **parameters}``; the
scheme owns its parameter fields (``defaults``), checks them (``check``: supported and at the
required security level, recomputed, never trusted) and builds the ``OpeningVerifier``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ...errors import ConfigError
from .commitment import Commitment

SCHEMES: dict[str, str] = {
    "ligero": "ligero",
    "ligero-zk": "ligero_zk",
    "raw": "raw",
    "whir": "whir",
    "whir-zk": "whir_zk",
}
"""Every commitment scheme: configuration name -> module name (in verifier/pcs and prover/pcs)."""


@runtime_checkable
class OpeningVerifier(Protocol):
    """Checks openings of one commitment (``verifier/pcs/commitment.py``: the statement)."""

    def verify(self, commitment: Commitment, points: Sequence[Sequence[Any]],
               values: Sequence[Any], transcript: Any) -> None:
        """VerificationError unless T~(points[j]) = values[j] (ProofFormatError: bad bytes).
        Soundness: the caller has absorbed ``commitment`` and ends with check_eof."""


@runtime_checkable
class BatchOpeningVerifier(Protocol):
    """Optional: an ``OpeningVerifier`` that also checks one opening of several commitments
    (verifier/commitments.py uses it when two or more groups have claims; the prover's side
    then has ``open_batch``)."""

    def verify_batch(self, commitments: Sequence[Commitment],
                     points_per: Sequence[Sequence[Sequence[Any]]],
                     values_per: Sequence[Sequence[Any]], transcript: Any) -> None:
        """VerificationError unless T_g~(points_per[g][j]) = values_per[g][j] for all g, j.
        Soundness: the caller has absorbed every commitment and ends with check_eof."""


@runtime_checkable
class VerifierScheme(Protocol):
    """A registry entry on the verifier's side."""

    name: str
    defaults: Mapping[str, Any]
    """The configuration fields the scheme reads besides "k" and "pcs", with default values."""
    ignored: frozenset[str]
    """Fields a configuration may carry that the scheme does not read (bound by the model id)."""

    def check(self, config: dict) -> None:
        """ConfigError (one line) unless the parameters are supported and secure enough."""

    def commitment_extra(self, config: dict) -> int:
        """Bytes of scheme data a commitment carries after its root (``Commitment.extra``)."""

    def verifier(self, config: dict) -> OpeningVerifier:
        """The verifier of a checked configuration."""


def verifier_scheme(name: object) -> VerifierScheme:
    """The registered scheme ``name``; ConfigError naming the known ones otherwise."""
    if not isinstance(name, str) or name not in SCHEMES:
        raise ConfigError(f"unknown commitment scheme {name!r} "
                          f"(known: {', '.join(sorted(SCHEMES))})")
    return importlib.import_module(f"{__package__}.{SCHEMES[name]}").SCHEME
