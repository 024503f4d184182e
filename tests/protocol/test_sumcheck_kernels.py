"""The fused sumcheck rounds (prover/sumcheck_kernels.py) give the generic prover's proof bytes,
point and final values, for every table kind, term shape and eq factor, also when the generic
path hands over mid-way (large tables)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import tensorproof.prover.sumcheck as sc
from protocol.transcript_doubles import Relay, Watching
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.prover.sumcheck_kernels import MAX_DEGREE
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, verify_sumcheck

DOMAIN = b"tensorproof/test/sumcheck-kernels"

CASES = [
    ("ff", [(1, [0, 1])], 2),
    ("fk", [(1, [0, 1])], 2),
    ("kk", [(1, [0, 1])], 2),
    ("f", [(1, [0])], 1),
    ("kf", [(1, [0, 1])], 4),  # degree above g's
    ("fkk", [(3, [0, 1]), ((5, 7, 11), [1, 2]), (2, [0, 1, 2]), (9, [2])], 3),
    ("kfff", [(1, [0, 3]), (1, [1, 2]), ((4, 6, 8), [2, 3])], 2),  # a fraction-GKR layer
    ("ffffk", [(1, [0, 1]), (6, [2]), (2**64 - 2**32, [3]), ((0, 3, 1), [4, 0])], 2),  # requant
]


def _lift(terms, k):
    return [(c[:k] if isinstance(c, tuple) else c, s) for c, s in terms]


def _both(k, kinds, terms, degree, n, eq, seed):
    """(fused, generic) results: (point, finals, proof bytes)."""
    rng = np.random.default_rng(seed)
    ext, vf = ext_field(k), vec_field(k)
    tables = [vec_field(1 if c == "f" else k).random(1 << n, rng) for c in kinds]
    z = None
    if eq == "random":
        z = [ext.random(rng) for _ in range(n)]
    elif eq == "boolean":  # zero coordinates: q(1) cannot be derived from the claim
        z = [ext.from_base(int(b)) for b in rng.integers(0, 2, n)]
    degree += z is not None
    out = []
    for fused in (True, False):
        t = ProverTranscript(DOMAIN)
        point, finals = prove_sumcheck(t, vf, tables, terms, degree, "sc", eq_point=z,
                                       fused=fused)
        out.append((point, finals, t.proof_bytes()))
    return out, tables, z, degree


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kinds,terms,degree", CASES)
@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("eq", [None, "random", "boolean"])
def test_fused_rounds_match_generic(k, kinds, terms, degree, n, eq):
    (fused, generic), *_ = _both(k, kinds, _lift(terms, k), degree, n, eq,
                                 zlib.crc32(f"{k}{kinds}{n}{eq}".encode()))
    assert fused == generic


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("eq", [None, "random", "boolean"])
def test_handover_from_generic_to_fused_matches_generic(k, eq, monkeypatch):
    """Large tables: generic rounds first, then the fused ones from the same state."""
    monkeypatch.setattr(sc, "FUSED_MAX_ENTRIES", 8)
    kinds, terms, degree = CASES[5]
    (fused, generic), tables, z, degree = _both(k, kinds, _lift(terms, k), degree, 6, eq, k)
    assert fused == generic
    # and the proof verifies (verifier world)
    ext, vf = ext_field(k), vec_field(k)
    lifted = _lift(terms, k)
    vt = VerifierTranscript(DOMAIN, fused[2])
    sub = verify_sumcheck(vt, ext, sum_of_products(vf, tables, lifted, z), 6, degree, "sc")
    vt.check_eof()
    check_subclaim(ext, sub, lifted, fused[1], "sc", eq_point=z)


def test_degrees_above_the_kernel_use_the_generic_path():
    (fused, generic), *_ = _both(2, "kk", [(1, [0, 1])], MAX_DEGREE + 1, 3, None, 1)
    assert fused == generic


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("eq", [None, "random"])
def test_rounds_in_one_kernel_match_rounds_one_by_one(k, eq):
    rng = np.random.default_rng(k + 10 * (eq is None))
    ext, vf = ext_field(k), vec_field(k)
    kinds, terms, degree = CASES[5]
    terms = _lift(terms, k)
    tables = [vec_field(1 if c == "f" else k).random(1 << 5, rng) for c in kinds]
    z = [ext.random(rng) for _ in range(5)] if eq else None
    degree += z is not None
    one, many = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    res = prove_sumcheck(one, vf, tables, terms, degree, "sc", eq_point=z)
    assert res == prove_sumcheck(Relay(many), vf, tables, terms, degree, "sc", eq_point=z)
    assert one.proof_bytes() == many.proof_bytes() and one.state == many.state


def test_a_transcript_subclass_sees_every_round_message():
    """Subclasses of ProverTranscript may watch send_bytes; the one-kernel path (which bypasses
    it) is kept for the plain class."""

    vf = vec_field(2)
    tables = [vf.random(16, np.random.default_rng(0)) for _ in range(2)]
    t = Watching(DOMAIN)
    prove_sumcheck(t, vf, tables, [(1, [0, 1])], 2, "sc")
    assert t.labels == [f"sc/round{i}" for i in range(4)]


def _fused_and_reference(vf, tables, terms, degree, z) -> list:
    """[(result, proof bytes)] of the fused path (tails skipped) and of the reference."""
    out = []
    for fused in (True, False):
        t = ProverTranscript(DOMAIN)
        res = prove_sumcheck(t, vf, tables, terms, degree, "sc", eq_point=z, fused=fused)
        out.append((res, t.proof_bytes()))
    return out


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("eq", [None, "random", "boolean"])
@pytest.mark.parametrize("live", [1, 2, 3, 17, 40, 63])
def test_zero_tail_is_skipped_with_the_same_bytes(k, eq, live, monkeypatch):
    """Tables that are zero after their first `live` entries (packed vectors end in padding):
    the rounds over the live prefix give the reference prover's bytes."""
    monkeypatch.setattr(sc, "FUSED_MAX_ENTRIES", 4)
    kinds, terms, degree = CASES[5]
    rng = np.random.default_rng(live + 7 * k)
    ext, vf = ext_field(k), vec_field(k)
    tables = [vec_field(1 if c == "f" else k).random(64, rng) for c in kinds]
    for T in tables:
        T[live:] = 0
    z = {"random": [ext.random(rng) for _ in range(6)],
         "boolean": [ext.from_base(int(b)) for b in rng.integers(0, 2, 6)], None: None}[eq]
    degree += z is not None
    out = _fused_and_reference(vf, tables, _lift(terms, k), degree, z)
    assert out[0] == out[1]


TAIL_CASE = ("kfkk" "kfkk", [(1, [0, 3]), (1, [1, 2]), ((4, 6, 8), [2, 3]),
                             (1, [4, 7]), (1, [5, 6]), ((2, 9, 5), [6, 7])], 3)
"""Two fraction-GKR layers whose terms never mix (a masked sumcheck's split halves: the LogUp
tree's witness half and its table half), each its own part of ``sumcheck_tails``."""


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("eq", [None, "random"])
@pytest.mark.parametrize("lives", [(5, 40), (64, 3), (17, 17), (0, 64), (33, 1)])
def test_constant_tails_are_summed_with_the_same_bytes(k, eq, lives, monkeypatch):
    """Tables that end in a run of one nonzero value (a LogUp tree's padding: numerator 0,
    denominator gamma), two parts of different live prefixes, and values equal to the fill
    inside the live prefix: the closed-form tails give the reference prover's bytes, and the
    proof verifies."""
    monkeypatch.setattr(sc, "FUSED_MAX_ENTRIES", 4)
    kinds, terms, degree = TAIL_CASE
    rng = np.random.default_rng(sum(lives) + 5 * k)
    ext, vf = ext_field(k), vec_field(k)
    tables = [vec_field(1 if c == "f" else k).random(64, rng) for c in kinds]
    for j, T in enumerate(tables):
        live = lives[j // 4]
        fill = T[0] if j % 4 == 1 else T[-1]  # each table its own fill value
        T[live:] = fill
        if live > 4:
            T[live // 2] = fill  # the fill inside the live prefix: not part of the tail
    z = [ext.random(rng) for _ in range(6)] if eq else None
    degree += z is not None
    out = _fused_and_reference(vf, tables, _lift(terms, k), degree, z)
    assert out[0] == out[1]
    claim = sum_of_products(vf, tables, _lift(terms, k), z)
    vt = VerifierTranscript(DOMAIN, out[0][1])
    sub = verify_sumcheck(vt, ext, claim, 6, degree, "sc")
    check_subclaim(ext, sub, _lift(terms, k), out[0][0][1], "sc", eq_point=z)


def test_fill_end_finds_the_last_entry_unlike_the_fill():
    """``fill_end`` against a plain scan, for F and K tables, runs that cross the scan's blocks,
    and tables that are all fill."""
    from tensorproof.prover.sumcheck_tails import SCAN_BLOCK, fill_end

    rng = np.random.default_rng(3)
    n = 3 * SCAN_BLOCK
    for k in (1, 3):
        for end in (0, 1, 5, SCAN_BLOCK - 1, SCAN_BLOCK + 7, n - 1, n):
            T = vec_field(k).random(n, rng) if k > 1 else vec_field(1).random(n, rng)
            T[end:] = T[-1]
            if 0 < end < n:  # one coefficient off the fill is enough to end the tail
                T[end - 1] = T[-1]
                if k == 1:
                    T[end - 1] = (int(T[-1]) + 1) % 7
                else:
                    T[end - 1, 2] = (int(T[-1, 2]) + 1) % 7
            rows = T.reshape(n, -1)
            naive = max((i + 1 for i in range(n) if (rows[i] != rows[-1]).any()), default=0)
            assert fill_end(T) == naive
