"""Polynomial commitment verifiers, commitments and parameters (see docs/internals.md).

``Commitment`` (versioned bytes), ``LigeroParams`` with the proven soundness bound
(``security_bits``), and the verifiers ``RawVerifier`` and ``LigeroVerifier``, each with
verify(commitment, points, values, transcript). The provers live in ``tensorproof.prover.pcs``.
Schemes are selected by name through ``registry`` (one module pair and one line per scheme).
"""

from .commitment import COMMITMENT_BYTES, MAX_N_VARS, Commitment, absorb_commitment
from .ligero import LigeroVerifier
from .params import (
    DEFAULT_BLOWUP,
    DEFAULT_N_QUERIES,
    TARGET_SECURITY_BITS,
    LigeroParams,
    matrix_shape,
    security_bits,
)
from .raw import RawVerifier

__all__ = [
    "COMMITMENT_BYTES",
    "DEFAULT_BLOWUP",
    "DEFAULT_N_QUERIES",
    "MAX_N_VARS",
    "TARGET_SECURITY_BITS",
    "Commitment",
    "LigeroParams",
    "LigeroVerifier",
    "RawVerifier",
    "absorb_commitment",
    "matrix_shape",
    "security_bits",
]
