"""Fraction-sum GKR completeness: honest proofs verify, P/Q is the sum of fractions, and the leaf
claims are the MLEs of the prover's numerator and denominator tables at the returned point.

Prover world and verifier world are separate blocks; the verifier only sees the proof bytes.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from tensorproof.errors import ProverError, VerificationError
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import evaluate, lift_scalar
from tensorproof.prover.fraction_gkr import fraction_sum_value, prove_fraction_sum
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.fraction_gkr import soundness_error_bound, verify_fraction_sum

DOMAIN = b"tensorproof/test/fraction-sum"


def proof_elements(m: int) -> int:
    """K elements in a fraction-sum proof over 2^m leaves (module docstring of the verifier)."""
    return 3 * m * (m - 1) // 2 + 4 * m + 2  # 3 per round (s(1) implied), 4 children, root


def make_num(kind: str, vf, n: int, rng):
    """Numerators: 'k' a random K table, 'f' a random F table, 'none' all ones (None)."""
    if kind == "k":
        return vf.random(n, rng)
    if kind == "f":
        return vec_field(1).random(n, rng)
    return None


def direct_sum(vf, num, den):
    """sum_x num(x)/den(x) with the field's batch inverse (independent of the tree)."""
    inv = vf.inv_batch(den)
    if num is None:
        return vf.sum(inv)
    if num.ndim == 1:
        return vf.sum(vf.mul_base(inv, num))
    return vf.sum(vf.mul(num, inv))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("m", [0, 1, 2, 3, 6])
@pytest.mark.parametrize("kind", ["k", "f", "none"])
def test_honest_fraction_sum_verifies(k, m, kind):
    rng = np.random.default_rng(zlib.crc32(f"{k}{m}{kind}".encode()))
    vf, ext = vec_field(k), ext_field(k)
    num, den = make_num(kind, vf, 1 << m, rng), vf.random(1 << m, rng)
    # Prover world
    pt = ProverTranscript(DOMAIN)
    res = prove_fraction_sum(pt, vf, num, den, "fs")
    proof = pt.proof_bytes()
    assert len(proof) == proof_elements(m) * k * 8
    # Verifier world
    vt = VerifierTranscript(DOMAIN, proof)
    sub = verify_fraction_sum(vt, ext, m, "fs")
    vt.check_eof()
    # The root is the sum of fractions; the leaf claims are the tables' MLEs at the point.
    assert ext.mul(sub.P, ext.inv(sub.Q)) == tuple(direct_sum(vf, num, den))
    assert fraction_sum_value(vf, num, den) == (sub.P, sub.Q)
    ones = np.ones(1 << m, dtype=np.uint64)
    assert sub.num_value == lift_scalar(vf, evaluate(vf, ones if num is None else num, sub.point))
    assert sub.den_value == tuple(evaluate(vf, den, sub.point))
    assert (sub.point, sub.num_value, sub.den_value) == (res.point, res.num_eval, res.den_eval)
    assert (sub.P, sub.Q) == (res.P, res.Q)


def test_root_denominator_is_product_of_denominators():
    vf, ext = vec_field(2), ext_field(2)
    den = vf.random(8, np.random.default_rng(3))
    prod = ext.one
    for d in vf.to_scalars(den):
        prod = ext.mul(prod, d)
    assert fraction_sum_value(vf, None, den)[1] == prod


def test_zero_denominator_makes_prover_raise():
    vf = vec_field(2)
    den = vf.random(8, np.random.default_rng(4))
    den[5] = 0
    with pytest.raises(ProverError, match="denominator is zero"):
        prove_fraction_sum(ProverTranscript(DOMAIN), vf, None, den, "fs")


def test_transcript_labels_bind_the_proof():
    """A proof made under one label does not verify under another (Fiat-Shamir binding)."""
    vf, ext = vec_field(2), ext_field(2)
    rng = np.random.default_rng(5)
    num, den = vf.random(16, rng), vf.random(16, rng)
    pt = ProverTranscript(DOMAIN)
    prove_fraction_sum(pt, vf, num, den, "fs")
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    with pytest.raises(VerificationError):
        verify_fraction_sum(vt, ext, 4, "other")


def test_soundness_error_bound_is_negligible():
    assert soundness_error_bound(20, 2) < -115
    assert soundness_error_bound(30, 3) < -180


@pytest.mark.parametrize("kind", ["f", "k"])
@pytest.mark.parametrize("lives", [(5000, 1), (8192, 4097), (3, 8191), (0, 0)])
def test_tree_with_padded_blocks_matches_the_whole_computation(kind, lives):
    """``fraction_tree`` computes a block that ends in one repeated leaf (the combined LogUp
    tree's witness and table halves, each padded with (0, gamma)) on its live prefix: every
    level equals the tree computed whole, for odd and empty live prefixes and a padding value
    inside the live part."""
    import tensorproof.prover.fraction_gkr as fg

    rng = np.random.default_rng(sum(lives))
    vf = vec_field(3)
    n = 1 << 14
    num, den = make_num(kind, vf, n, rng), vf.random(n, rng)
    for b, live in enumerate(lives):
        lo, hi = b * n // 2, (b + 1) * n // 2
        num[lo + live : hi] = num[hi - 1] * 0 if kind == "f" else 0
        den[lo + live : hi] = den[hi - 1]
        if live > 10:
            den[lo + live // 2] = den[hi - 1]  # the padding's value among the live leaves
    levels = fg.fraction_tree(vf, num, den)
    N, D = num, den
    for got_n, got_d in reversed(levels[:-1]):
        N, D = fg._parent(vf, N, D)
        assert np.array_equal(got_n, N) and np.array_equal(got_d, D)
