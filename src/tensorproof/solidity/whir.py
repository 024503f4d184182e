"""The Python side of the Solidity WHIR verifier (``contracts/Whir.sol``): the configuration
words it takes, and the calldata of ``WhirOpeningVerifier.verifyOpening`` for one opening.

The configuration is computed here, off chain, from the parameters and the table size
(``whir_params.schedule``), so the contract never evaluates the soundness bound's floating-point
arithmetic: it takes the rounds' sizes, query counts and proof-of-work bits as integers. A model
verifier must take them from data bound to the registered model, never from the prover.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..verifier.pcs.commitment import Commitment, normalize_points, normalize_values
from ..verifier.pcs.whir import whir_schedule
from ..verifier.pcs.whir_params import WhirParams
from .abi import encode_call, pack_k

VERIFY_OPENING = ("verifyOpening",
                  ("bytes", "bytes", "uint256[]", "bytes", "uint256[]", "uint256[]", "bytes"))


def config_words(params: WhirParams, n_vars: int) -> list[int]:
    """[folding, ood, m, final_vars, #rounds, then per round n_vars, log_domain, queries,
    pow_bits, ood]: the schedule of a table of 2^n_vars entries (``Whir.Config``)."""
    if params.k != 3:
        raise ValueError("the Solidity WHIR verifier takes K = F_p^3 (k = 3, the compact profile)")
    sch = whir_schedule(params, n_vars)
    words = [params.folding, params.ood, sch.n_vars, sch.final_vars, len(sch.rounds)]
    for r in sch.rounds:
        words += [r.n_vars, r.log_domain, r.queries, r.pow_bits, r.ood]
    return words


def opening_calldata(domain: bytes, params: WhirParams, commitment: Commitment,
                     points: Sequence[Sequence], values: Sequence, proof: bytes) -> bytes:
    """Calldata of ``verifyOpening``: a transcript over ``domain`` absorbs the commitment, then
    the opening of ``points`` to ``values`` is checked against ``proof`` (to its last byte)."""
    pts = normalize_points(points, commitment.n_vars, params.k)
    vals = normalize_values(values, len(pts), params.k)
    name, types = VERIFY_OPENING
    return encode_call(name, types, [
        bytes(domain), params.to_bytes(), config_words(params, commitment.n_vars),
        commitment.to_bytes(), [pack_k(x) for z in pts for x in z], [pack_k(v) for v in vals],
        bytes(proof)])


__all__ = ["VERIFY_OPENING", "config_words", "opening_calldata"]
