"""The Python side of the Solidity WHIR verifier (``contracts/Whir.sol``, ``WhirBatch.sol``): the
configuration words it takes, and the calldata of ``WhirOpeningVerifier.verifyOpening`` for one
opening and of ``verifyBatchOpening`` for a batch of tables (``WhirVerifier.verify_batch``).

The configuration is computed here, off chain, from the parameters and the table size
(``whir_params.schedule``), so the contract never evaluates the soundness bound's floating-point
arithmetic: it takes the rounds' sizes, query counts and proof-of-work bits as integers. A model
verifier must take them from data bound to the registered model, never from the prover.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..verifier.pcs.commitment import Commitment, normalize_points, normalize_values
from ..verifier.pcs.whir import whir_schedule
from ..verifier.pcs.whir_params import WhirParams, batch_supported
from .abi import encode_call, pack_k

VERIFY_OPENING = ("verifyOpening",
                  ("bytes", "bytes", "uint256[]", "bytes", "uint256[]", "uint256[]", "bytes"))
VERIFY_BATCH_OPENING = ("verifyBatchOpening",
                        ("bytes", "bytes", "uint256[]", "bytes", "uint256[]", "uint256[]",
                         "uint256[]", "bytes"))


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


def batch_config_words(params: WhirParams, sizes: Sequence[int]) -> list[int]:
    """The configuration of ``verifyBatchOpening`` for tables of 2^sizes[g] entries, in
    order, as ``WhirVerifier.verify_batch`` decides: when ``batch_supported`` (one batched
    opening) [G, 1, n_0..n_(G-1), m_0..m_(G-1), then ``config_words`` of the largest table]
    (m_g = each table's padded number of variables); otherwise (one table, more than
    MAX_BATCH, or a batch term below the level: one opening per table) [G, 0, then
    ``config_words`` of each table]."""
    sizes = [int(n) for n in sizes]
    if batch_supported(params, sizes):
        return ([len(sizes), 1, *sizes, *(whir_schedule(params, n).n_vars for n in sizes)]
                + config_words(params, max(sizes)))
    words = [len(sizes), 0]
    for n in sizes:
        words += config_words(params, n)
    return words


def batch_opening_calldata(domain: bytes, params: WhirParams, commitments: Sequence[Commitment],
                           points_per: Sequence[Sequence[Sequence]],
                           values_per: Sequence[Sequence], proof: bytes,
                           config: Sequence[int] | None = None) -> bytes:
    """Calldata of ``verifyBatchOpening``: a transcript over ``domain`` absorbs the commitments
    in order, then the openings of every table g at ``points_per[g]`` to ``values_per[g]`` are
    checked against ``proof`` (to its last byte). ``config`` defaults to ``batch_config_words``
    of the commitments' sizes; the lists are encoded as given (no check that they agree: the
    contract rejects a mismatch, as the Python verifier does)."""
    if config is None:
        config = batch_config_words(params, [c.n_vars for c in commitments])
    name, types = VERIFY_BATCH_OPENING
    return encode_call(name, types, [
        bytes(domain), params.to_bytes(), list(config),
        b"".join(c.to_bytes() for c in commitments), [len(pts) for pts in points_per],
        [pack_k(x) for pts in points_per for z in pts for x in z],
        [pack_k(v) for vals in values_per for v in vals], bytes(proof)])


__all__ = ["VERIFY_BATCH_OPENING", "VERIFY_OPENING", "batch_config_words",
           "batch_opening_calldata", "config_words", "opening_calldata"]
