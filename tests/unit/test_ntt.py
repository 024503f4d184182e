"""NTT and Reed-Solomon encoding against a naive big-int DFT; inverse after forward is identity."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import MULTIPLICATIVE_GENERATOR, TWO_ADICITY, P
from tensorproof.poly.ntt import intt, ntt, root_of_unity, rs_encode, rs_encode_at, rs_encode_ext


def naive_eval(coeffs, n_points):
    """sum_m c_m w^(m x) for x < n_points, w a primitive n_points-th root: plain Python ints."""
    w = pow(MULTIPLICATIVE_GENERATOR, (P - 1) // n_points, P)
    return [sum(int(c) * pow(w, m * x, P) for m, c in enumerate(coeffs)) % P
            for x in range(n_points)]


def random_rows(rng, rows, n):
    return rng.integers(0, P, size=(rows, n), dtype=np.uint64)


@pytest.mark.parametrize("log_n", range(0, 6))
def test_ntt_matches_naive_dft(log_n):
    rng = np.random.default_rng(log_n)
    a = random_rows(rng, 3, 1 << log_n)
    assert ntt(a).tolist() == [naive_eval(row, 1 << log_n) for row in a]


def test_ntt_of_one_row_equals_batched():
    rng = np.random.default_rng(1)
    a = random_rows(rng, 4, 64)
    assert np.array_equal(ntt(a[2]), ntt(a)[2])


@pytest.mark.parametrize("log_n", [0, 1, 2, 7, 12])
def test_intt_inverts_ntt(log_n):
    rng = np.random.default_rng(10 + log_n)
    a = random_rows(rng, 3, 1 << log_n)
    assert np.array_equal(intt(ntt(a)), a)
    assert np.array_equal(ntt(intt(a)), a)


def test_ntt_edge_values():
    """p - 1 everywhere (largest canonical value) and zero."""
    a = np.full((2, 16), P - 1, dtype=np.uint64)
    a[1] = 0
    assert ntt(a).tolist() == [naive_eval(row, 16) for row in a]


@pytest.mark.parametrize("blowup", [2, 4, 8])
@pytest.mark.parametrize("log_n", [0, 1, 3, 4])
def test_rs_encode_matches_naive(blowup, log_n):
    rng = np.random.default_rng(blowup * 100 + log_n)
    a = random_rows(rng, 3, 1 << log_n)
    assert rs_encode(a, blowup).tolist() == [naive_eval(row, blowup << log_n) for row in a]


def test_rs_codewords_have_low_degree():
    """Interpolating a codeword of n * blowup symbols gives back c followed by zeros."""
    rng = np.random.default_rng(3)
    a = random_rows(rng, 5, 256)
    coeffs = intt(rs_encode(a, 4))
    assert np.array_equal(coeffs[:, :256], a)
    assert not coeffs[:, 256:].any()


def test_rs_encode_ext_is_coefficientwise():
    rng = np.random.default_rng(4)
    u = rng.integers(0, P, size=(32, 3), dtype=np.uint64)
    enc = rs_encode_ext(u, 4)
    assert enc.shape == (128, 3)
    for j in range(3):
        assert np.array_equal(enc[:, j], rs_encode(np.ascontiguousarray(u[:, j]), 4))


@pytest.mark.parametrize("log_n", [1, 5, 20, TWO_ADICITY])
def test_root_of_unity_has_exact_order(log_n):
    w = root_of_unity(1 << log_n)
    assert pow(w, 1 << log_n, P) == 1
    assert pow(w, 1 << (log_n - 1), P) == P - 1  # so the order is exactly 2^log_n


def test_bad_inputs_rejected():
    with pytest.raises(ValueError):
        ntt(np.zeros(6, dtype=np.uint64))
    with pytest.raises(ValueError):
        ntt(np.zeros(8, dtype=np.int64))
    with pytest.raises(ValueError):
        rs_encode(np.zeros(8, dtype=np.uint64), 3)
    with pytest.raises(ValueError):
        root_of_unity(1 << (TWO_ADICITY + 1))


@pytest.mark.parametrize("parts", [1, 2, 4, 16])
@pytest.mark.parametrize("blowup,log_n", [(2, 6), (4, 12), (8, 3), (16, 13)])
def test_in_row_parallel_encode_matches_numpy(parts, blowup, log_n):
    """The kernel that encodes one long row in parallel (blocks of the row, then stages split
    across threads) gives the numpy backend's codeword for every split, blocks shorter than a
    blowup included."""
    from tensorproof.poly import ntt as ntt_mod
    from tensorproof.poly.ntt_kernels import encode_row_kernel

    rng = np.random.default_rng(parts * 1000 + log_n)
    n = 1 << log_n
    a = random_rows(rng, 1, n)[0]
    out = np.empty(n * blowup, dtype=np.uint64)
    encode_row_kernel(a, out, ntt_mod._bit_reverse(n), ntt_mod._twiddles(n * blowup, False,
                                                                          "numba"), blowup, parts)
    assert np.array_equal(out, rs_encode(a, blowup, backend="numpy"))


def test_rs_encode_of_few_long_rows_matches_numpy():
    """rs_encode's path for rows that do not fill the threads (one, three) at a length that
    takes the in-row parallel kernel."""
    rng = np.random.default_rng(7)
    for rows in (1, 3):
        a = random_rows(rng, rows, 1 << 13)
        assert np.array_equal(rs_encode(a, 4), rs_encode(a, 4, backend="numpy"))
    u = random_rows(rng, 1 << 13, 3)
    assert np.array_equal(rs_encode_ext(u, 4), rs_encode(u.T.copy(), 4, backend="numpy").T)


@pytest.mark.parametrize("shape, blowup, q", [((6, 1024), 8, 112), ((3, 2048), 2, 158),
                                              ((1, 64), 4, 256), ((2, 8), 2, 3)])
def test_rs_encode_at_matches_the_codeword(shape, blowup, q):
    """rs_encode_at is rs_encode's codeword at the positions, on every path (direct
    evaluation in exact float64 limbs, the numpy NTT, numba), with the extreme values p - 1
    and 2^32 - 1 in every limb and a zero-padded tail (skipped by the direct path)."""
    rng = np.random.default_rng(shape[1] + q)
    a = random_rows(rng, *shape)
    a[0] = P - 1
    a[-1, : shape[1] // 2] = (1 << 32) - 1
    a[:, shape[1] - shape[1] // 3 :] = 0
    idx = np.sort(rng.choice(shape[1] * blowup, size=q, replace=False))
    want = rs_encode(a, blowup)[:, idx]
    for backend in ("numpy", "numba"):
        assert np.array_equal(rs_encode_at(a, blowup, idx, backend=backend), want)
        assert np.array_equal(rs_encode_at(a[0], blowup, idx, backend=backend), want[0])
    from tensorproof.poly import ntt as ntt_mod

    assert np.array_equal(ntt_mod._evaluate_at(a, shape[1] * blowup, idx), want)


def test_rs_encode_at_rejects_positions_off_the_code():
    a = np.ones((2, 8), dtype=np.uint64)
    for idx in ([16], [-1], [[1, 2]]):
        with pytest.raises(ValueError, match="positions"):
            rs_encode_at(a, 2, np.array(idx))
