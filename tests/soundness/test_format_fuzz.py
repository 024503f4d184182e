"""Mutation fuzzing of every file parser (tests/fuzzing.py; long runs: scripts/fuzz_formats.py).

Over 10^4 mutations of real proofs, verifying keys, proving keys and model files (two models,
under the raw commitment and under each proof profile: Ligero over F_p^2, WHIR over F_p^3): each
must parse or raise a TensorProofError subclass, with its address space capped 100 MiB above the
process's; a sample of the proofs that parse is verified, which must raise a TensorProofError or
accept only the original bytes.
"""

from __future__ import annotations

import json
import struct
import time
from collections import Counter

import numpy as np
import pytest

import fuzzing
from tensorproof.errors import ProofFormatError, TensorProofError
from tensorproof.verifier.proof import Proof

SEED = 20240913
BUDGET = {"proof": 3500, "vk": 3500, "tpk": 2500, "tpm": 2500}
"""Mutations per format (its systematic ones, then random ones; 12,000 in all)."""
CHECK_EVERY = {"proof": 5}
"""Every 5th proof that parses is also verified."""


@pytest.fixture(scope="module")
def targets():
    return fuzzing.build_targets()


def test_seed_files_parse_and_reframed_regions_still_parse(targets):
    """The fuzzer's layouts match the formats: an unchanged region put back (re-framed, JSON
    re-encoded) parses, so mutations reach the parser of the region they edit."""
    for fmt, t in targets.items():
        for name, seed in t.seeds.items():
            t.parse(seed)
            for r in fuzzing.regions(fmt, seed):
                t.parse(r.put(r.data))
                if r.kind == "json":
                    t.parse(r.put(fuzzing.json_bytes(json.loads(r.data))))
            if fmt == "proof":
                assert t.after[name](Proof.from_bytes(seed)) is None


def test_proof_field_offsets_match_the_parser(targets):
    for seed in targets["proof"].seeds.values():
        proof = Proof.from_bytes(seed)
        fields = {f.name: f for f in fuzzing._proof_fields(seed)}
        assert struct.unpack_from(">I", seed, fields["batch"].offset)[0] == proof.batch
        last = fields["stream length"]
        assert struct.unpack_from(">Q", seed, last.offset)[0] == len(proof.stream)
        assert last.offset + 8 + len(proof.stream) == len(seed)


@pytest.mark.parametrize("fmt", fuzzing.FORMATS)
def test_every_mutation_parses_or_raises_a_typed_error(targets, fmt):
    others = [b for t in targets.values() for b in t.seeds.values()]
    kinds = Counter()
    report = fuzzing.fuzz(targets[fmt], BUDGET[fmt], seed=SEED, others=others,
                          check_every=CHECK_EVERY.get(fmt, 0), seconds=5.0,
                          on_each=lambda m, *_: kinds.update([m.systematic]))
    assert report.total == BUDGET[fmt] and sum(BUDGET.values()) >= 10_000
    assert kinds[True] and kinds[False] >= 500, "every systematic mutation, then random ones"
    if fmt == "proof":
        assert report.outcomes["proof checked"] >= 100
    if report.failures:
        pytest.fail(f"{len(report.failures)} of {report.total} mutations failed:\n" + "\n".join(
            f"{m.desc}\n    -> {err}" for m, err in report.failures[:25]), pytrace=False)


def test_mutations_are_deterministic(targets):
    t = targets["proof"]
    a = [m.data for m in fuzzing.mutations("proof", t.seeds, [], 1500, seed=1)]
    b = [m.data for m in fuzzing.mutations("proof", t.seeds, [], 1500, seed=1)]
    c = [m.data for m in fuzzing.mutations("proof", t.seeds, [], 1500, seed=2)]
    assert a == b and a != c and len(set(a)) > 1200


def test_the_check_reports_what_it_must():
    """The harness can fail: untyped exceptions, allocations over the cap, timeouts and an
    ``after`` check's complaint are failures; a TensorProofError is not."""
    def typed(_):
        raise ProofFormatError("bad")

    with fuzzing.limits():
        assert fuzzing.check(typed, b"") == ("rejected", None)
        assert fuzzing.check(lambda b: int(b), b"x")[1].startswith("ValueError")
        assert fuzzing.check(lambda b: {}[b], b"k")[1].startswith("KeyError")
        # 3.2 GB: far beyond any freed heap a worker may still have mapped
        big = fuzzing.check(lambda b: np.ones(400 * 2**20), b"", max_bytes=100 * 2**20)[1]
        assert big is not None and "MemoryError" in big
        assert fuzzing.check(lambda b: time.sleep(2), b"", seconds=0.2)[1].startswith("took")
        assert fuzzing.check(len, b"ab", after=lambda v: "changed") == ("checked", "changed")
        assert fuzzing.check(len, b"ab", after=lambda v: None) == ("checked", None)
    with fuzzing.limits(trace=True):
        err = fuzzing.check(lambda b: bytearray(30 * 2**20), b"", max_bytes=10 * 2**20)[1]
        assert err is not None and ("allocated" in err or "MemoryError" in err)
    assert issubclass(ProofFormatError, TensorProofError)
