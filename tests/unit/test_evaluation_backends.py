"""The verifier's numpy evaluations (``verifier/evaluations.py``) against the prover's numba
kernels and the scalar reference: eq tables, folds and MLE evaluations (``poly/mle.py``), the
NTT and Reed-Solomon encoding (``poly/ntt.py``), row combinations (``verifier/pcs/combine.py``)
and Keccak rows (``transcript``). Same inputs, identical outputs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly import mle, ntt
from tensorproof.transcript import keccak
from tensorproof.transcript.keccak_batch import keccak256_rows
from tensorproof.verifier import evaluations as ev
from tensorproof.verifier.pcs.combine import combine_rows

EDGE = [0, 1, P - 1, P - 2, 2**32 - 1, 2**32, 2**32 + 1, 2**63, 2**64 - 2**32]


def k_point(rng: random.Random, n: int, k: int) -> list:
    """n coordinates in K (ints for k = 1), edge coefficients mixed in."""
    def coeff():
        return rng.choice(EDGE) if rng.random() < 0.3 else rng.randrange(P)
    return [coeff() if k == 1 else tuple(coeff() for _ in range(k)) for _ in range(n)]


def table(rng: np.random.Generator, n: int, k: int | None) -> np.ndarray:
    shape = (1 << n,) if k is None else (1 << n, k)
    t = rng.integers(0, P, size=shape, dtype=np.uint64)
    t.reshape(-1)[: len(EDGE)] = EDGE[: t.size]
    return t


# ---- multilinear tables ---------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 4, 5, 6, 7, 11])
def test_eq_table_backends_agree(k, n):
    rng = random.Random(100 * k + n)
    z, scale = k_point(rng, n, k), k_point(rng, 1, k)[0]
    nb, npf = vec_field(k), vec_field(k, "numpy")
    assert np.array_equal(mle.eq_table(nb, z), mle.eq_table(npf, z))
    assert np.array_equal(mle.eq_table(nb, z, scale), mle.eq_table(npf, z, scale))
    if k > 1:
        assert np.array_equal(ev.eq_table(k, z), mle.eq_table(nb, z))
        zf = k_point(rng, n, 1)  # an F point in K's table
        assert np.array_equal(mle.eq_table(nb, zf), mle.eq_table(npf, zf))


def test_eq_table_numpy_matches_eq_eval():
    ext, rng = ext_field(2), random.Random(5)
    z = k_point(rng, 7, 2)
    eq = ev.vec(2).to_scalars(ev.eq_table(2, z))
    for i in (0, 1, 37, 127):
        assert eq[i] == mle.eq_eval_index(ext, z, i)


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("base", [True, False])
def test_fold_and_evaluate_backends_agree(k, base):
    rng, nrng = random.Random(k), np.random.default_rng(k)
    nb, npf = vec_field(k), vec_field(k, "numpy")
    for n in (0, 1, 3, 6):
        T = table(nrng, n, None if base or k == 1 else k)
        z = k_point(rng, n, k)
        for nv in range(n + 1):
            want, got = mle.fold_low(nb, T, z[:nv]), mle.fold_low(npf, T, z[:nv])
            assert want.shape == got.shape and np.array_equal(want, got), (n, nv)
        assert mle.evaluate(nb, T, z) == mle.evaluate(npf, T, z)
        if base and k > 1:  # an F table at a K point from the F field's side
            assert mle.evaluate(vec_field(1), T, z) == mle.evaluate(vec_field(1, "numpy"), T, z)
            assert ev.evaluate(k, T, z) == mle.evaluate(nb, T, z)


def test_evaluate_numpy_matches_the_scalar_reference():
    ext, rng, nrng = ext_field(3), random.Random(9), np.random.default_rng(9)
    T = table(nrng, 5, None)
    z = k_point(rng, 5, 3)
    assert ev.evaluate(3, T, z) == mle.evaluate_scalar(ext, T.tolist(), z)


def test_inner_base_is_the_k_inner_product_with_a_lifted_vector():
    rng, nrng = random.Random(2), np.random.default_rng(2)
    w = ev.eq_table(2, k_point(rng, 6, 2))
    f = table(nrng, 6, None)
    kv = vec_field(2)
    assert ev.inner_base(w, f) == kv.inner(w, kv.from_base(f))


# ---- NTT, Reed-Solomon, row combinations --------------------------------------------------------


@pytest.mark.parametrize("log_n", [0, 1, 2, 5, 9])
def test_ntt_backends_agree(log_n):
    a = table(np.random.default_rng(log_n), log_n, None)
    rows = np.stack([a, a[::-1].copy(), np.full_like(a, P - 1)])
    assert np.array_equal(ntt.ntt(rows), ntt.ntt(rows, backend="numpy"))
    assert np.array_equal(ntt.intt(rows), ntt.intt(rows, backend="numpy"))
    assert np.array_equal(ntt.intt(ntt.ntt(rows, "numpy"), "numpy"), rows)
    for blowup in (1, 2, 4, 16):
        want = ntt.rs_encode(rows, blowup)
        assert np.array_equal(want, ntt.rs_encode(rows, blowup, backend="numpy"))
        assert np.array_equal(want[0], ntt.rs_encode(rows[0], blowup, backend="numpy"))
    u = np.ascontiguousarray(rows[:2].T)  # a K2 vector
    assert np.array_equal(ntt.rs_encode_ext(u, 4), ntt.rs_encode_ext(u, 4, backend="numpy"))


@pytest.mark.parametrize("n", [1, 4, 256, 2048])
def test_twiddle_tables_agree(n):
    for inverse in (False, True):
        want = ntt._twiddles(n, inverse, "numba")
        assert np.array_equal(want, ntt._twiddles(n, inverse, "numpy"))


def test_unknown_ntt_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        ntt.ntt(np.zeros(4, dtype=np.uint64), backend="gpu")


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("shape", [(1, 1), (3, 16), (16, 230), (64, 7)])
def test_combine_rows_backends_agree(k, shape):
    nrng = np.random.default_rng(shape[0] * k)
    rows, cols = shape
    mat = nrng.integers(0, P, size=(rows, cols), dtype=np.uint64)
    mat.reshape(-1)[: len(EDGE)] = EDGE[: mat.size]
    vectors = nrng.integers(0, P, size=(3, rows, k), dtype=np.uint64)
    vectors[0] = P - 1
    want = combine_rows(vectors, mat)
    assert np.array_equal(want, combine_rows(vectors, mat, backend="numpy"))
    assert np.array_equal(want, ev.combine_rows(vectors, mat))


def test_combine_rows_numpy_in_blocks(monkeypatch):
    """Blocks of rows (the memory bound of the numpy backend) give the same sums."""
    from tensorproof.verifier.pcs import combine

    nrng = np.random.default_rng(1)
    mat = nrng.integers(0, P, size=(40, 9), dtype=np.uint64)
    vectors = nrng.integers(0, P, size=(2, 40, 2), dtype=np.uint64)
    whole = combine_rows(vectors, mat, backend="numpy")
    monkeypatch.setattr(combine, "_NP_BLOCK_ENTRIES", 50)
    assert np.array_equal(whole, combine_rows(vectors, mat, backend="numpy"))
    assert np.array_equal(whole, combine_rows(vectors, mat))


# ---- Keccak ----------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [0, 1, 32, 64, 135, 136, 137, 300])
@pytest.mark.parametrize("prefix", [None, 0, 1, 255])
def test_keccak_rows_py_matches_the_kernel(width, prefix):
    rows = np.random.default_rng(width).integers(0, 256, size=(5, width), dtype=np.uint8)
    want = keccak256_rows(rows, prefix)
    got = keccak.keccak256_rows_py(rows, prefix)
    assert got.dtype == np.uint8 and got.shape == (5, 32) and np.array_equal(want, got)
    head = b"" if prefix is None else bytes([prefix])
    assert got[2].tobytes() == keccak._keccak256_objects(head + rows[2].tobytes())


def test_keccak_rows_py_empty_and_bad_arguments():
    assert keccak.keccak256_rows_py(np.zeros((0, 8), dtype=np.uint8), 1).shape == (0, 32)
    with pytest.raises(ValueError, match="one byte"):
        keccak.keccak256_rows_py(np.zeros((1, 8), dtype=np.uint8), 256)
    with pytest.raises(ValueError, match="2-D"):
        keccak.keccak256_rows_py(np.zeros(8, dtype=np.uint8), None)


def test_keccak256_one_state_per_call_matches_hash_objects():
    """The reused C state (reset per call) gives pycryptodome's digests for every input kind."""
    data = bytes(range(256)) * 3
    for n in (0, 1, 135, 136, 137, 500):
        parts = [data[:n], bytearray(data[n : n + 7]), memoryview(data)[n + 7 : n + 20]]
        assert keccak.keccak256(*parts) == keccak._keccak256_objects(data[: n + 20])
    assert keccak.keccak256(b"").hex().startswith("c5d24601")
