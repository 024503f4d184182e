"""The numpy twins of the numba field kernels (``field/npfield.py``, ``vec_field(k, "numpy")``).

Each twin is compared with the pure-int reference (``field/scalar.py``, Python ints) and with the
numba kernel of the same name, on edge values (0, 1, p - 1, the 2^32 boundaries, values whose
limbs carry) crossed with each other and on random elements. Results must be identical arrays:
canonical, same shape, same dtype.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from tensorproof.errors import FieldError
from tensorproof.field import kernels, npfield
from tensorproof.field.params import NONRESIDUE, P
from tensorproof.field.scalar import ext_field, f_add, f_mul, f_sub
from tensorproof.field.vec import BACKENDS, vec_field

EDGE = [0, 1, 2, P - 1, P - 2, (P - 1) // 2, (P + 1) // 2, 2**31, 2**32 - 1, 2**32, 2**32 + 1,
        2**63 - 1, 2**63, 2**64 - 2**32, 2**64 - 2**32 - 1, 0xFFFFFFFF00000000 - 1]


def edge_pairs(n_random: int = 300, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of edge values, then random pairs (uint64 arrays of equal length)."""
    rng = random.Random(seed)
    xs, ys = zip(*itertools.product(EDGE, EDGE))
    xs = list(xs) + [rng.randrange(P) for _ in range(n_random)]
    ys = list(ys) + [rng.randrange(P) for _ in range(n_random)]
    return np.array(xs, dtype=np.uint64), np.array(ys, dtype=np.uint64)


def rows(a: np.ndarray, k: int) -> np.ndarray:
    m = len(a) // k * k
    return a[:m].reshape(-1, k) if k > 1 else a[:m]


def scalars(vf, a):
    return vf.to_scalars(a)


# ---- elementwise F arithmetic against Python ints ------------------------------------------


def test_edge_values_are_canonical():
    assert all(0 <= e < P for e in EDGE)


@pytest.mark.parametrize("op, ref", [(npfield.fmul, f_mul), (npfield.fadd, f_add),
                                     (npfield.fsub, f_sub)])
def test_f_ops_match_python_ints(op, ref):
    a, b = edge_pairs()
    got = op(a, b)
    assert got.dtype == np.uint64 and got.shape == a.shape
    assert got.tolist() == [ref(int(x), int(y)) for x, y in zip(a, b)]


def test_mul128_is_the_exact_product():
    a, b = edge_pairs()
    hi, lo = npfield.mul128(a, b)
    assert [(int(h) << 64) + int(low) for h, low in zip(hi, lo)] == \
        [int(x) * int(y) for x, y in zip(a, b)]


def test_reduce128_of_any_128_bit_value():
    rng = random.Random(3)
    values = [0, 1, P, P - 1, 2**64 - 1, 2**96, 2**96 - 1, 2**128 - 1, (P - 1) ** 2]
    values += [rng.randrange(2**128) for _ in range(500)]
    hi = np.array([v >> 64 for v in values], dtype=np.uint64)
    lo = np.array([v & (2**64 - 1) for v in values], dtype=np.uint64)
    assert npfield.reduce128(hi, lo).tolist() == [v % P for v in values]


def test_scalar_and_broadcast_arguments():
    """0-d operands (no numpy scalar-overflow warnings) and broadcasting give exact results."""
    x, y = np.uint64(P - 1), np.uint64(2**63)
    with np.errstate(all="raise"):
        assert int(npfield.fmul(x, y)) == (P - 1) * 2**63 % P
        assert int(npfield.fadd(x, y)) == (P - 1 + 2**63) % P
        assert int(npfield.fsub(np.uint64(0), x)) == 1
    a, _ = edge_pairs(20)
    assert npfield.fmul(a, y).tolist() == [int(v) * 2**63 % P for v in a]
    grid = npfield.fmul(a[:, None], a[None, :5])
    assert grid.shape == (len(a), 5)
    assert grid.tolist() == [[int(u) * int(v) % P for v in a[:5]] for u in a]


@pytest.mark.parametrize("n", [0, 1, 17, 1000])
def test_fsum_whole_and_along_an_axis(n):
    rng = np.random.default_rng(n)
    a = rng.integers(0, P, size=(n, 3), dtype=np.uint64)
    a[: min(n, 4)] = P - 1  # the 32-bit halves carry
    assert npfield.fsum(a) == sum(int(v) for v in a.reshape(-1)) % P
    assert npfield.fsum(a, axis=0).tolist() == [sum(int(v) for v in a[:, j]) % P
                                                for j in range(3)]
    assert npfield.fsum(a, axis=1).tolist() == [sum(int(v) for v in r) % P for r in a]


@pytest.mark.parametrize("k", [2, 3])
def test_k_prod_matches_the_scalar_extension(k):
    ext = ext_field(k)
    a, b = edge_pairs()
    a, b = rows(a, k), rows(b, k)
    got = npfield.k_prod(a, b, k)
    assert [tuple(r) for r in got.tolist()] == [ext.mul(tuple(map(int, x)), tuple(map(int, y)))
                                               for x, y in zip(a, b)]
    for lo in range(0, len(a), npfield.K_SCALAR_ROWS):  # every edge pair on the Python path
        small = npfield.k_prod(a[lo : lo + npfield.K_SCALAR_ROWS],
                               b[lo : lo + npfield.K_SCALAR_ROWS], k)
        assert np.array_equal(small, got[lo : lo + npfield.K_SCALAR_ROWS])
    one = npfield.k_prod(a[0], b[0], k)  # a single element (shape (k,))
    assert tuple(one.tolist()) == ext.mul(tuple(map(int, a[0])), tuple(map(int, b[0])))
    assert NONRESIDUE[k] == ext.w


@pytest.mark.parametrize("k", [2, 3])
def test_k_prod_in_blocks_and_broadcast(k):
    """Rows across ``K_BLOCK`` boundaries (every coefficient p - 1 in the first and last rows:
    the limb sums' largest values), and broadcast operands of different shapes."""
    ext = ext_field(k)
    rng = np.random.default_rng(3)
    m = 2 * npfield.K_BLOCK + 3
    a = rng.integers(0, P, size=(m, k), dtype=np.uint64)
    b = rng.integers(0, P, size=(m, k), dtype=np.uint64)
    a[[0, -1]] = b[[0, -1]] = P - 1
    got = npfield.k_prod(a, b, k)
    pick = [0, 1, npfield.K_BLOCK - 1, npfield.K_BLOCK, m - 2, m - 1]
    assert got.shape == (m, k)
    assert [tuple(got[i].tolist()) for i in pick] == [
        ext.mul(tuple(map(int, a[i])), tuple(map(int, b[i]))) for i in pick]
    x, y = a[:6].reshape(2, 3, 1, k), b[:4].reshape(1, 1, 4, k)
    grid = npfield.k_prod(x, y, k)
    assert grid.shape == (2, 3, 4, k)
    assert tuple(grid[1, 2, 3].tolist()) == ext.mul(tuple(map(int, x[1, 2, 0])),
                                                     tuple(map(int, y[0, 0, 3])))
    with pytest.raises(ValueError, match="last axis"):  # a broadcast coefficient axis
        npfield.k_prod(a[:, :1], b, k)

def _matmul_ref(a: np.ndarray, b: np.ndarray) -> list:
    al, bl = a.tolist(), b.tolist()
    return [[sum(x * bl[t][j] for t, x in enumerate(row)) % P for j in range(b.shape[1])]
            for row in al]


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 2), (4, 7, 8), (5, 7, 7), (33, 16, 1),
                                   (0, 4, 3), (4, 0, 2), (40, 300, 3)])
def test_fmatmul_is_the_exact_product_mod_p(shape):
    """Against Python ints on every edge value, both weighings (Python ints for at most
    MATMUL_SCALAR_OUT entries: 32 = 4 x 8; 35 and 33 past it; numpy's above)."""
    r, n, c = shape
    edge = np.array(EDGE, dtype=np.uint64)
    rng = np.random.default_rng(r * 1000 + n)
    a = edge[rng.integers(0, len(EDGE), size=(r, n))]
    b = edge[rng.integers(0, len(EDGE), size=(n, c))]
    got = npfield.fmatmul(a, b)
    assert got.dtype == np.uint64 and got.shape == (r, c)
    assert got.tolist() == _matmul_ref(a, b)


def test_fmatmul_is_exact_at_its_longest_inner_dimension():
    """MATMUL_MAX_INNER terms of limbs near 2^16 - 1 (x = 2^64 - 2^32 - 1 - 2^32, canonical):
    each limb-pair sum reaches ~2^53, where a float64 would first round."""
    n, x = npfield.MATMUL_MAX_INNER, 2**64 - 2**33 - 1
    assert x < P
    a = np.full((1, n), x, dtype=np.uint64)
    assert npfield.fmatmul(a, a.T).tolist() == [[n * x * x % P]]
    with pytest.raises(ValueError, match="inner dimension"):
        npfield.fmatmul(np.zeros((1, n + 1), np.uint64), np.zeros((n + 1, 1), np.uint64))
    with pytest.raises(ValueError, match="do not multiply"):
        npfield.fmatmul(np.zeros((2, 3), np.uint64), np.zeros((2, 3), np.uint64))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_inner_on_both_sides_of_its_matmul_threshold(k):
    """sum_i a_i b_i by k_prod and a sum below INNER_MATMUL_ROWS rows, by fmatmul from it."""
    mul = (lambda u, v: u[0] * v[0] % P) if k == 1 else ext_field(k).mul
    a, b = edge_pairs()
    a, b = rows(a, k).reshape(-1, k), rows(b, k).reshape(-1, k)
    name = {1: "f_inner", 2: "k2_inner", 3: "k3_inner"}[k]
    for m in (1, npfield.INNER_MATMUL_ROWS - 1, npfield.INNER_MATMUL_ROWS, 40, len(a)):
        x, y = np.ascontiguousarray(a[-m:]), np.ascontiguousarray(b[-m:])
        want = [0] * k
        for u, v in zip(x.tolist(), y.tolist()):
            prod = mul(tuple(u), tuple(v))
            want = [(s + t) % P for s, t in zip(want, (prod,) if k == 1 else prod)]
        got = getattr(npfield, name)(x.reshape(-1), y.reshape(-1))
        assert np.asarray(got).reshape(-1).tolist() == want


# ---- the kernels' interface: each twin against the numba kernel of the same name --------------


@pytest.mark.parametrize("name", ["f_add", "f_sub", "f_mul", "k2_mul", "k3_mul", "mul_base"])
def test_binary_kernels_match_numba(name):
    a, b = edge_pairs()
    a, b = a[: len(a) // 6 * 6], b[: len(b) // 6 * 6]
    if name == "mul_base":
        b = b[: len(a) // 2]  # K2 rows times F elements
    want, got = np.empty_like(a), np.empty_like(a)
    getattr(kernels, name)(a, b, want)
    getattr(npfield, name)(a, b, got)
    assert np.array_equal(want, got)


@pytest.mark.parametrize("name", ["f_neg", "f_square", "k2_square", "k3_square"])
def test_unary_kernels_match_numba(name):
    a, _ = edge_pairs()
    a = a[: len(a) // 6 * 6]
    want, got = np.empty_like(a), np.empty_like(a)
    getattr(kernels, name)(a, want)
    getattr(npfield, name)(a, got)
    assert np.array_equal(want, got)


@pytest.mark.parametrize("name, k", [("f_scale", 1), ("k2_scale", 2), ("k3_scale", 3)])
def test_scale_kernels_match_numba(name, k):
    a, b = edge_pairs()
    a = a[: len(a) // 6 * 6]
    for s in (b[:k], np.array([P - 1] * k, dtype=np.uint64), np.zeros(k, dtype=np.uint64)):
        want, got = np.empty_like(a), np.empty_like(a)
        getattr(kernels, name)(a, s, want)
        getattr(npfield, name)(a, s, got)
        assert np.array_equal(want, got)


@pytest.mark.parametrize("name", ["f_inner", "k2_inner", "k3_inner"])
def test_inner_kernels_match_numba(name):
    a, b = edge_pairs()
    a, b = a[: len(a) // 6 * 6], b[: len(b) // 6 * 6]
    assert np.array_equal(getattr(kernels, name)(a, b), getattr(npfield, name)(a, b))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_sum_rows_and_map_cols_match_numba(k):
    a, b = edge_pairs()
    a = np.ascontiguousarray(rows(a, k).reshape(-1, k))
    assert np.array_equal(kernels.sum_rows(a), npfield.sum_rows(a))
    c = b[:k].copy()
    for mul in (False, True):
        want, got = np.empty(a.size, np.uint64), np.empty(a.size, np.uint64)
        kernels.map_cols(a.reshape(-1), c, want, mul)
        npfield.map_cols(a.reshape(-1), c, got, mul)
        assert np.array_equal(want, got)


def test_pow_and_batch_inverse_match_numba():
    a, _ = edge_pairs(100)
    bits = np.array([int(c) for c in bin(P - 3)[2:]], dtype=np.uint8)
    want, got = np.empty_like(a), np.empty_like(a)
    kernels.f_pow_bits(a, bits, want)
    npfield.f_pow_bits(a, bits, got)
    assert np.array_equal(want, got)
    nonzero = a[a != 0]
    want, got = np.empty_like(nonzero), np.empty_like(nonzero)
    assert kernels.f_inv_batch(nonzero, want) == npfield.f_inv_batch(nonzero, got) == -1
    assert np.array_equal(want, got)
    assert npfield.f_inv_batch(a, np.empty_like(a)) == kernels.f_inv_batch(a, np.empty_like(a))


def test_to_signed_matches_numba():
    a, _ = edge_pairs(100)
    for bound in (0, 100, 2**31, 2**63 - 2**31, 2**64 - 1):
        want, got = np.zeros(len(a), np.int64), np.zeros(len(a), np.int64)
        code = kernels.to_signed(a, np.uint64(bound), want)
        assert tuple(code) == npfield.to_signed(a, np.uint64(bound), got)
        if code[0] == 0:
            assert np.array_equal(want, got)
    bad = np.array([5, P, 7], dtype=np.uint64)
    assert npfield.to_signed(bad, np.uint64(10), np.zeros(3, np.int64)) == (1, 1)


# ---- VecField on both backends ------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vec_field_backends_agree(k):
    nb, npf = vec_field(k), vec_field(k, "numpy")
    assert npf.backend == "numpy" and nb.backend == "numba" and BACKENDS == ("numba", "numpy")
    a, b = edge_pairs()
    a, b = rows(a, k), rows(b, k)
    for op in ("add", "sub", "mul"):
        assert np.array_equal(getattr(nb, op)(a, b), getattr(npf, op)(a, b)), op
    for op in ("neg", "square"):
        assert np.array_equal(getattr(nb, op)(a), getattr(npf, op)(a)), op
    assert nb.sum(a) == npf.sum(a) and nb.inner(a, b) == npf.inner(a, b)
    s = nb.to_scalars(b[:1])[0]
    assert np.array_equal(nb.scale(a, s), npf.scale(a, s))
    assert np.array_equal(nb.add_scalar(a, s), npf.add_scalar(a, s))
    f = edge_pairs()[1][: len(a)]
    assert np.array_equal(nb.mul_base(a, f), npf.mul_base(a, f))
    nonzero = a[np.any(a.reshape(len(a), -1) != 0, axis=1)]
    assert np.array_equal(nb.inv_batch(nonzero), npf.inv_batch(nonzero))
    for e in (0, 1, 5, P - 2, -2):
        assert np.array_equal(nb.pow(nonzero, e), npf.pow(nonzero, e))
    with pytest.raises(FieldError, match="zero"):
        npf.inv_batch(npf.zeros(3))


def test_vec_field_numpy_matches_the_scalar_reference():
    ext, kv = ext_field(2), vec_field(2, "numpy")
    a, b = edge_pairs()
    a, b = rows(a, 2), rows(b, 2)
    assert scalars(kv, kv.mul(a, b)) == [ext.mul(x, y) for x, y in
                                         zip(scalars(kv, a), scalars(kv, b))]
    assert kv.inner(a, b) == _ksum(ext, [ext.mul(x, y) for x, y in
                                        zip(scalars(kv, a), scalars(kv, b))])


def _ksum(ext, xs):
    total = ext.zero()
    for x in xs:
        total = ext.add(total, x)
    return total


def test_unknown_backend_is_refused():
    with pytest.raises(FieldError, match="backend"):
        vec_field(2, "cuda")
