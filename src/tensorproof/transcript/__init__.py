"""transcript layer of tensorproof: EVM-exact Keccak-256 and the Fiat-Shamir transcript.

See docs/internals.md ("Transcript" and "Transcript and Merkle byte layouts").
"""

from .base import Transcript
from .keccak import HASH_BYTES, keccak256
from .prover import ProverTranscript
from .verifier import VerifierTranscript

__all__ = ["HASH_BYTES", "ProverTranscript", "Transcript", "VerifierTranscript", "keccak256"]
