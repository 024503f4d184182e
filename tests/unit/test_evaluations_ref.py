"""The evaluations seam (verifier/evaluations.py, numpy) against its pure-int reference
(verifier/evaluations_ref.py): every function gives the same values on the same vectors, and
whole verifications run on the reference give the same verdicts and outputs, in each proof
profile (raw, Ligero, WHIR), on a model with a lookup table and on one with a conv, a max pool
and a reshape that re-pads (the sparse wiring's eq tables)."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from e2e.test_golden_proofs import CONFIGS, MODELS
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.params import P
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier import evaluations, evaluations_ref
from tensorproof.verifier.verify import verify


def _k_point(rng: random.Random, n: int, k: int) -> list[tuple[int, ...]]:
    return [tuple(rng.randrange(P) for _ in range(k)) for _ in range(n)]


def _f_vec(rng: np.random.Generator, *shape) -> np.ndarray:
    return rng.integers(0, P, size=shape, dtype=np.uint64)


@pytest.mark.parametrize("k", [2, 3])
def test_eq_table_evaluate_inner(k):
    rng, nrng = random.Random(k), np.random.default_rng(k)
    for n in (0, 1, 4):
        z = _k_point(rng, n, k)
        scale = _k_point(rng, 1, k)[0]
        assert np.array_equal(evaluations.eq_table(k, z), evaluations_ref.eq_table(k, z))
        assert np.array_equal(evaluations.eq_table(k, z, scale),
                              evaluations_ref.eq_table(k, z, scale))
        table = _f_vec(nrng, 1 << n)
        assert tuple(evaluations.evaluate(k, table, z)) == evaluations_ref.evaluate(k, table, z)
        w = evaluations.eq_table(k, z)
        assert evaluations.inner_base(w, table) == evaluations_ref.inner_base(w, table)


def test_inner_base_past_the_exact_matrix_product_length(monkeypatch):
    """A vector longer than fmatmul's exact length is summed in parts of that length (the
    bound lowered to 8 here: 8 parts and a remainder)."""
    from tensorproof.field import npfield

    monkeypatch.setattr(npfield, "MATMUL_MAX_INNER", 8)
    rng, nrng = random.Random(5), np.random.default_rng(5)
    z = _k_point(rng, 6, 3)
    w, table = evaluations.eq_table(3, z), _f_vec(nrng, 64)
    assert evaluations.inner_base(w, table) == evaluations_ref.inner_base(w, table)
    assert evaluations.inner_base(w[:61], table[:61]) == evaluations_ref.inner_base(w[:61],
                                                                                  table[:61])
    with pytest.raises(ValueError, match="inner dimension"):
        npfield.fmatmul(table[None, :9], w[:9])


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize(("m", "L", "n"), [(1, 0, 5), (6, 3, 11), (30, 2, 21), (4, 7, 7),
                                        (40, 1, 33)])
def test_eq_split_sum(k, m, L, n):
    """Heads of K values and of 0/1 (embedding bits in a head), tails over 0 to 4 eq tables
    (TAIL_CHUNK = 10), tails that share their high bits or are all equal, and the extremes
    (p - 1 everywhere, the top tail) against the scalar definition; eq_combination over the
    same whole points agrees."""
    rng, nrng = random.Random(m * n + k), np.random.default_rng(m + L + k)
    coeffs, heads = _f_vec(nrng, m, k), _f_vec(nrng, m, L, k)
    heads[: m // 2, : L // 2] = 0
    heads[: m // 2, : L // 2, 0] = nrng.integers(0, 2, size=(m // 2, L // 2))
    heads[-1] = P - 1
    tails = nrng.integers(0, 1 << (n - L), size=m)
    tails[-1] = (1 << (n - L)) - 1
    r = _k_point(rng, n, k)
    got = evaluations.eq_split_sum(k, coeffs, heads, tails, r)
    assert got == evaluations_ref.eq_split_sum(k, coeffs, heads, tails, r)
    for shared in (tails[:1].repeat(m), (tails & 5) | ((1 << (n - L)) - 1 & ~7)):
        # tails all equal (no table), and tails whose high bits are shared (one scalar factor)
        assert (evaluations.eq_split_sum(k, coeffs, heads, shared, r)
                == evaluations_ref.eq_split_sum(k, coeffs, heads, shared, r))
    points = [[tuple(int(c) for c in z) for z in heads[j]]
              + [(int(tails[j]) >> i & 1,) + (0,) * (k - 1) for i in range(n - L)]
              for j in range(m)]
    assert got == evaluations.eq_combination(
        k, [tuple(int(c) for c in row) for row in coeffs], points, r)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("scalar_terms", [0, 10**9])
def test_eq_split_sum_scalar_and_vector_paths(k, scalar_terms, monkeypatch):
    """Either path on every size (SCALAR_TERMS 0: numpy always; huge: Python ints always)."""
    monkeypatch.setattr(evaluations, "SCALAR_TERMS", scalar_terms)
    for m, L, n in ((1, 0, 5), (6, 3, 11), (30, 2, 21), (3, 12, 12)):
        rng, nrng = random.Random(m + n), np.random.default_rng(m * L + k)
        coeffs, heads = _f_vec(nrng, m, k), _f_vec(nrng, m, L, k)
        tails = nrng.integers(0, 1 << (n - L), size=m)
        r = _k_point(rng, n, k)
        assert (evaluations.eq_split_sum(k, coeffs, heads, tails, r)
                == evaluations_ref.eq_split_sum(k, coeffs, heads, tails, r))


def test_eq_split_sum_refuses_malformed_terms():
    one = np.array([1, 0], dtype=np.uint64)
    ok = (np.tile(one, (2, 1)), np.tile(one, (2, 3, 1)), np.array([0, 3]), [(1, 0)] * 5)
    assert evaluations.eq_split_sum(2, *ok) == (1, 0)  # eq(1, 1) = 1, eq(0, 1) = 0
    for bad in ((ok[0], ok[1], np.array([0, 4]), ok[3]),  # a tail past 2^(n - L)
                (ok[0], ok[1], np.array([0, -1]), ok[3]),
                (ok[0][:1], *ok[1:]),  # one coefficient for two terms
                (ok[0], ok[1], ok[2], ok[3][:2]),  # a point shorter than the heads
                (ok[0], ok[1], ok[2], [(P, 0)] * 5)):  # a coordinate not in [0, p)
        with pytest.raises(ValueError):
            evaluations.eq_split_sum(2, *bad)
    assert evaluations.eq_split_sum(2, ok[0][:0], ok[1][:0], ok[2][:0], ok[3]) == (0, 0)


@pytest.mark.parametrize("n", [8, 64])
def test_rs_encode_at_and_combine_rows(n):
    """Both of rs_encode_at's paths (the NTT at n = 8, direct evaluation at n = 64) against
    Horner at w^j."""
    nrng = np.random.default_rng(3)
    rows = _f_vec(nrng, 3, n)
    for blowup in (1, 2, 4):
        idx = np.sort(nrng.choice(n * blowup, size=min(7, n * blowup), replace=False))
        assert np.array_equal(evaluations.rs_encode_at(rows, blowup, idx),
                              evaluations_ref.rs_encode_at(rows, blowup, idx))
    idx = np.array([0, 1, 4 * n - 1])
    assert np.array_equal(evaluations.rs_encode_at(rows[0], 4, idx),
                          evaluations_ref.rs_encode_at(rows[0], 4, idx))
    vectors, mat = _f_vec(nrng, 2, 5, 3), _f_vec(nrng, 5, 7)
    assert np.array_equal(evaluations.combine_rows(vectors, mat),
                          evaluations_ref.combine_rows(vectors, mat))


def test_hash_rows():
    rows = np.random.default_rng(4).integers(0, 256, size=(5, 37), dtype=np.uint8)
    for prefix in (None, 0, 1):
        assert np.array_equal(evaluations.hash_rows(rows, prefix),
                              evaluations_ref.hash_rows(rows, prefix))


def test_reference_is_installed_only_inside_the_block():
    before = evaluations.eq_table
    with evaluations_ref.reference():
        assert evaluations.eq_table is evaluations_ref.eq_table
    assert evaluations.eq_table is before


ZK_CONFIGS = {**CONFIGS, "ligero-zk": {**CONFIGS["ligero"], "zk": True}}
"""The golden profiles, and Ligero with zero knowledge (masked sumchecks, the hiding
opening's weight by eq_split_sum)."""


@pytest.mark.parametrize("config", ["raw", "ligero", "whir", "ligero-zk"])
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_whole_verification_on_the_reference(model, config, monkeypatch):
    calls: list[str] = []
    for name in evaluations_ref.SEAM:  # count the reference's calls: it must be the one used
        fn = getattr(evaluations_ref, name)
        monkeypatch.setattr(evaluations_ref, name,
                            lambda *a, _f=fn, _n=name, **kw: calls.append(_n) or _f(*a, **kw))
    compiled, inputs = MODELS[model]()
    pk = setup(compiled, dict(ZK_CONFIGS[config]))
    proof = prove(pk, inputs)
    outputs = verify(pk.vk, proof)
    stream = bytearray(proof.stream)
    stream[len(stream) // 3] ^= 0x01
    tampered = replace(proof, stream=bytes(stream))
    with evaluations_ref.reference():
        again = verify(pk.vk, proof)
        with pytest.raises((VerificationError, ProofFormatError)):
            verify(pk.vk, tampered)
    assert "evaluate" in calls  # the public input's and output's MLEs
    if config.startswith("ligero"):
        assert {"rs_encode_at", "combine_rows", "hash_rows"} <= set(calls)
    if config == "ligero-zk":
        assert "eq_split_sum" in calls
    assert outputs.keys() == again.keys()
    for name in outputs:
        assert np.array_equal(outputs[name], again[name])
