"""Named tamper suite of WHIR's batched opening (verifier/pcs/whir.py ``verify_batch``).

- every message of an honest batch (cross-evaluations, each table's round-0 fibers and Merkle
  nodes, the later rounds) tampered after the fact is rejected;
- consistent forgeries (``Forging``: later challenges follow the forged message): a forged
  cross-evaluation or sumcheck message is caught by the protocol's own checks;
- wrong statements: a wrong claimed value in either table, swapped commitments, a prover that
  opens another table than the committed one, a value claimed for the wrong table.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
import pytest

from soundness.test_whir_tamper import Forging, add_one, flip
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.params import P
from tensorproof.prover.pcs.whir import WhirPCS
from tensorproof.transcript import VerifierTranscript
from tensorproof.verifier.pcs import absorb_commitment
from tensorproof.verifier.pcs.whir_params import WhirParams, schedule

DOMAIN = b"tensorproof/test/whir-batch-tamper"
PARAMS = WhirParams(pow_bits=6)
SIZES = (13, 10)  # the advice (first) bigger than the weights: Delta = 0 and 3
REJECTED = (VerificationError, ProofFormatError)
F_MESSAGES = ("whir/ood_answers", "whir/sumcheck", "whir/final", "whir/fibers",
              "whir/batch_evals")


def world(seed=0, target=None, change=None, sizes=SIZES, swap_data=False):
    """(commitments, points, values, proof, spans) of a batched opening, possibly forged."""
    rng = np.random.default_rng(seed)
    pcs = WhirPCS(PARAMS)
    tables = [rng.integers(0, P, 1 << n, dtype=np.uint64) for n in sizes]
    committed = [pcs.commit(t) for t in tables]
    points = [[[tuple(int(c) for c in rng.integers(0, P, 3, dtype=np.uint64))
                for _ in range(n)]] for n in sizes]
    datas = [d for _, d in committed]
    if swap_data:  # the prover opens a fresh table of the same size in place of table 1
        other = rng.integers(0, P, 1 << sizes[1], dtype=np.uint64)
        datas[1] = pcs.commit(other)[1]
    pt = Forging(DOMAIN, target, change)
    for c, _ in committed:
        absorb_commitment(pt, c)
    values = pcs.open_batch(datas, points, pt)
    return [c for c, _ in committed], points, values, pt.proof_bytes(), pt.spans


def verify(commitments, points, values, proof):
    vt = VerifierTranscript(DOMAIN, proof)
    for c in commitments:
        absorb_commitment(vt, c)
    WhirPCS(PARAMS).verify_batch(commitments, points, values, vt)
    vt.check_eof()


@functools.cache
def honest():
    """The honest world, made once per module."""
    return world()


def test_the_honest_batch_verifies_and_reads_both_trees_in_round_0():
    commitments, points, values, proof, spans = honest()
    verify(commitments, points, values, proof)
    counts = Counter(label for label, _, _, _ in spans)
    rounds = len(schedule(PARAMS, max(SIZES)).rounds)
    assert counts["whir/batch_evals"] == 1
    assert counts["whir/fibers"] == counts["whir/merkle"] == len(SIZES) + rounds - 1


@pytest.mark.parametrize("position", ["first", "last"])
def test_every_message_tampered_after_the_fact_is_rejected(position):
    commitments, points, values, proof, spans = honest()
    for label, _, start, length in spans:
        f = label in F_MESSAGES
        off = start if position == "first" else start + length - (8 if f else 1)
        bad = add_one(proof, off) if f else flip(proof, off)
        with pytest.raises(REJECTED):
            verify(commitments, points, values, bad)


@pytest.mark.parametrize("table", [0, 1])
def test_each_tables_round_0_fibers_and_nodes_are_bound_to_its_root(table):
    commitments, points, values, proof, spans = honest()
    fib = [s for s in spans if s[0] == "whir/fibers"][table]
    mer = [s for s in spans if s[0] == "whir/merkle"][table]
    for label, _, start, length in (fib, mer):
        for off in (start, start + length // 2 - (start + length // 2 - start) % 8):
            bad = add_one(proof, off) if label == "whir/fibers" else flip(proof, off)
            with pytest.raises(VerificationError, match="Merkle|merkle"):
                verify(commitments, points, values, bad)


def test_forged_cross_evaluations_are_caught_by_the_protocol():
    """Each cross-evaluation forged while proving (beta and everything after follow it)."""
    n = (len(SIZES) - 1) * len(SIZES) * (1 + PARAMS.ood)
    for j in range(n):
        c, pts, vals, proof, _ = world(target=("whir/batch_evals", 0),
                                       change=lambda d, j=j: add_one(d, 8 * 3 * j))
        with pytest.raises(VerificationError, match="whir: (the final|folded)"):
            verify(c, pts, vals, proof)


@pytest.mark.parametrize("label", ["whir/sumcheck", "whir/ood_answers"])
def test_forged_round_messages_are_caught_by_the_protocol(label):
    c, pts, vals, proof, _ = world(target=(label, 0), change=add_one)
    with pytest.raises(VerificationError, match="whir: (the final|folded)"):
        verify(c, pts, vals, proof)


@pytest.mark.parametrize("table", [0, 1])
def test_a_wrong_claimed_value_in_either_table_is_rejected(table):
    commitments, points, values, proof, _ = honest()
    bad = [list(v) for v in values]
    bad[table][0] = ((bad[table][0][0] + 1) % P,) + bad[table][0][1:]
    with pytest.raises(REJECTED):
        verify(commitments, points, bad, proof)


def test_values_claimed_for_the_other_table_are_rejected():
    commitments, points, values, proof, _ = world(sizes=(11, 11))
    with pytest.raises(REJECTED):
        verify(commitments, points[::-1], values[::-1], proof)


@pytest.mark.parametrize("sizes", [(11, 11), SIZES])
def test_swapped_commitments_are_rejected(sizes):
    commitments, points, values, proof, _ = world(sizes=sizes)
    with pytest.raises(REJECTED):
        verify(commitments[::-1], points, values, proof)


def test_opening_another_table_than_the_committed_one_is_rejected():
    """The prover commits to T_1 but opens T_1' (its own codeword and tree): round 0's leaves
    of table 1 do not open against the committed root."""
    commitments, points, values, proof, _ = world(swap_data=True)
    with pytest.raises(VerificationError):
        verify(commitments, points, values, proof)


def test_a_forged_beta_independent_claim_is_rejected():
    """The claims of the two tables do not cancel: a value moved from one table to the other
    (v_0 + e, v_1 - e) keeps nothing beta-independent true."""
    commitments, points, values, proof, _ = world(sizes=(11, 11))
    bad = [list(v) for v in values]
    bad[0][0] = ((bad[0][0][0] + 1) % P,) + bad[0][0][1:]
    bad[1][0] = ((bad[1][0][0] - 1) % P,) + bad[1][0][1:]
    with pytest.raises(REJECTED):
        verify(commitments, points, bad, proof)
