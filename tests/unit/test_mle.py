"""Multilinear tables: fold / evaluate / eq against the definition T~(z) = sum_x T[x] eq(z, x)."""

from __future__ import annotations

import doctest
import random

import numpy as np
import pytest

import tensorproof.poly.mle as mle_module
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import (
    eq_eval,
    eq_eval_index,
    eq_table,
    evaluate,
    evaluate_scalar,
    fold,
    fold_low,
)

KS = (2, 3)


def naive_eq_bits(ext, z, index):
    """prod_j (z_j if bit j of index else 1 - z_j), straight from the definition."""
    acc = ext.one()
    for j, zj in enumerate(z):
        acc = ext.mul(acc, zj if (index >> j) & 1 else ext.sub(ext.one(), zj))
    return acc


def naive_mle(ext, values, z):
    """sum_x T[x] eq(z, x) over the whole hypercube, in big-int scalar arithmetic."""
    acc = ext.zero()
    for x, v in enumerate(values):
        v = ext.from_base(v) if isinstance(v, int) else v
        acc = ext.add(acc, ext.mul(v, naive_eq_bits(ext, z, x)))
    return acc


def random_table(k, n, base, rng):
    """An F table (base=True) or a K table of length 2^n, as (array, list of scalars)."""
    vf = vec_field(1 if base else k)
    T = vf.random(1 << n, rng)
    return T, vf.to_scalars(T)


def random_point(k, n, rng):
    ext = ext_field(k)
    return [ext.random(rng) for _ in range(n)]


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("base", [True, False])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_evaluate_matches_definition(k, base, n):
    rng = np.random.default_rng(1000 * k + 10 * n + base)
    ext, vf = ext_field(k), vec_field(k)
    T, values = random_table(k, n, base, rng)
    z = random_point(k, n, rng)
    expected = naive_mle(ext, values, z)
    assert evaluate(vf, T, z) == expected
    assert evaluate_scalar(ext, values, z) == expected


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("base", [True, False])
def test_fold_fixes_first_variable(k, base):
    rng = np.random.default_rng(7 + k + base)
    ext, vf = ext_field(k), vec_field(k)
    T, values = random_table(k, 4, base, rng)
    r, *rest = random_point(k, 4, rng)
    folded = fold(vf, T, r)
    assert folded.shape == (8, k)
    assert evaluate(vf, folded, rest) == naive_mle(ext, values, [r, *rest])


def test_fold_in_base_field_selects_halves():
    FV = vec_field(1)
    T = FV.from_scalars([10, 20, 30, 40])
    assert FV.to_scalars(fold(FV, T, 0)) == [10, 30]
    assert FV.to_scalars(fold(FV, T, 1)) == [20, 40]
    assert FV.to_scalars(fold(FV, T, 2)) == [30, 50]  # 10 + 2*(20-10), 30 + 2*(40-30)


def test_variable_order_is_lsb_first():
    """Index bit j is x_j: T~ at a Boolean point is the entry at sum_j x_j 2^j."""
    ext = ext_field(2)
    values = list(range(100, 108))
    for index in range(8):
        bits = [ext.from_base((index >> j) & 1) for j in range(3)]
        assert evaluate_scalar(ext, values, bits) == ext.from_base(values[index])
        assert evaluate(vec_field(2), vec_field(1).from_scalars(values), bits) == ext.from_base(
            values[index]
        )


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("n", [0, 1, 4, 6])
def test_eq_table_matches_definition(k, n):
    rng = np.random.default_rng(n + 31 * k)
    ext, vf = ext_field(k), vec_field(k)
    z = random_point(k, n, rng)
    table = eq_table(vf, z)
    assert table.shape == (1 << n, k)
    assert vf.to_scalars(table) == [naive_eq_bits(ext, z, x) for x in range(1 << n)]
    assert vf.sum(table) == ext.one()  # sum_x eq(z, x) = 1


@pytest.mark.parametrize("k", KS)
def test_scaled_eq_table_is_the_scalar_times_eq(k):
    rng = np.random.default_rng(7 + k)
    ext, vf = ext_field(k), vec_field(k)
    z, a = random_point(k, 5, rng), ext.random(rng)
    assert vf.to_scalars(eq_table(vf, z, scale=a)) == vf.to_scalars(vf.scale(eq_table(vf, z), a))
    assert vec_field(1).to_scalars(eq_table(vec_field(1), [3, 5], scale=2)) == [
        2 * (1 - 3) * (1 - 5) % P, 2 * 3 * (1 - 5) % P, 2 * (1 - 3) * 5 % P, 2 * 15 % P]


@pytest.mark.parametrize("k", KS)
def test_inner_with_eq_table_is_evaluation(k):
    rng = np.random.default_rng(99 + k)
    vf = vec_field(k)
    T, _ = random_table(k, 6, False, rng)
    z = random_point(k, 6, rng)
    assert vf.inner(T, eq_table(vf, z)) == evaluate(vf, T, z)


def test_eq_table_in_base_field_at_boolean_point_is_one_hot():
    FV = vec_field(1)
    table = FV.to_scalars(eq_table(FV, [1, 0, 1]))
    assert table == [0, 0, 0, 0, 0, 1, 0, 0]


@pytest.mark.parametrize("k", KS)
def test_eq_eval_matches_definition(k):
    rng = np.random.default_rng(5 + k)
    ext = ext_field(k)
    a, b = random_point(k, 5, rng), random_point(k, 5, rng)
    # eq(a, b) = sum_x eq(a, x) eq(b, x)
    expected = ext.zero()
    for x in range(32):
        expected = ext.add(expected, ext.mul(naive_eq_bits(ext, a, x), naive_eq_bits(ext, b, x)))
    assert eq_eval(ext, a, b) == expected
    assert eq_eval(ext, a, b) == eq_eval(ext, b, a)


@pytest.mark.parametrize("k", KS)
def test_eq_eval_index_is_eq_with_bits(k):
    rng = np.random.default_rng(17 + k)
    ext = ext_field(k)
    z = random_point(k, 4, rng)
    for index in range(16):
        bits = [(index >> j) & 1 for j in range(4)]
        assert eq_eval_index(ext, z, index) == eq_eval(ext, z, bits)
        assert eq_eval_index(ext, z, index) == naive_eq_bits(ext, z, index)


def test_scalar_side_accepts_ints():
    ext = ext_field(3)
    rng = random.Random(3)
    values = [rng.randrange(P) for _ in range(8)]
    z = [rng.randrange(P) for _ in range(3)]
    lifted = [ext.from_base(v) for v in values]
    assert evaluate_scalar(ext, values, z) == evaluate_scalar(
        ext, lifted, [ext.from_base(c) for c in z]
    )


def test_bad_shapes_raise_value_error():
    ext, vf = ext_field(2), vec_field(2)
    with pytest.raises(ValueError):
        evaluate_scalar(ext, [1, 2, 3], [ext.one()] * 2)
    with pytest.raises(ValueError):
        evaluate_scalar(ext, [1, 2, 3, 4], [ext.one()])
    with pytest.raises(ValueError):
        evaluate(vf, vec_field(1).from_scalars([1, 2]), [])
    with pytest.raises(ValueError):
        eq_eval(ext, [ext.one()], [])
    with pytest.raises(ValueError):
        eq_eval_index(ext, [ext.one()], 2)


def test_module_doctest():
    assert doctest.testmod(mle_module).failed == 0


@pytest.mark.parametrize("k", KS)
def test_base_vec_field_with_extension_point_gives_extension_value(k):
    """evaluate/fold/eq_table with vf = F and a K point work in K (promote)."""
    rng = np.random.default_rng(60 + k)
    FV, vf = vec_field(1), vec_field(k)
    T, values = random_table(k, 3, True, rng)
    z = random_point(k, 3, rng)
    assert evaluate(FV, T, z) == evaluate(vf, T, z) == naive_mle(ext_field(k), values, z)
    assert np.array_equal(fold(FV, T, z[0]), fold(vf, T, z[0]))
    assert np.array_equal(eq_table(FV, z), eq_table(vf, z))


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("base", [False, True])
def test_fold_low_is_repeated_folding(k, base):
    """fold_low (one kernel call) equals folding x_0, x_1, ... one at a time by definition."""
    rng = np.random.default_rng(3 * k + base)
    vf = vec_field(k)
    T, _ = random_table(k, 5, base, rng)
    z = random_point(k, 3, rng)
    expected = T
    for r in z:
        lo, hi = expected[0::2], expected[1::2]
        lo = vf.from_base(lo) if lo.ndim == 1 else lo
        hi = vf.from_base(hi) if hi.ndim == 1 else hi
        expected = vf.add(lo, vf.scale(vf.sub(hi, lo), r))
    assert vf.to_scalars(fold_low(vf, T, z)) == vf.to_scalars(expected)
    assert vf.to_scalars(fold_low(vf, T, [])) == vf.to_scalars(
        vf.from_base(T) if T.ndim == 1 else T)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_row_products_multiply_each_row(k, backend):
    """mle.row_products (pairwise halves, the middle column kept when odd) against the plain
    product of each row, for every width 0..9."""
    vf, rng = vec_field(k, backend), np.random.default_rng(k)
    ext = ext_field(k) if k > 1 else None
    for c in range(10):
        shape = (5, c, k) if k > 1 else (5, c)
        f = rng.integers(0, P, size=shape, dtype=np.uint64)
        got = mle_module.row_products(vf, f)
        for j in range(5):
            want = (1,) + (0,) * (k - 1)
            for i in range(c):
                x = tuple(int(v) for v in np.atleast_1d(f[j, i]))
                want = ext.mul(want, x) if ext else ((want[0] * x[0]) % P,)
            assert tuple(int(v) for v in np.atleast_1d(got[j])) == want


def test_whir_eq_points_is_the_product_of_eq_factors():
    """verifier.pcs.whir_fold.eq_points (every factor in one product) against mle.eq_eval."""
    from tensorproof.poly.mle import eq_eval
    from tensorproof.verifier.pcs.whir_fold import eq_points

    k, rng = 3, np.random.default_rng(11)
    ext, vf = ext_field(k), vec_field(k, "numpy")
    for n in (0, 1, 7):
        a = rng.integers(0, P, size=(4, n, k), dtype=np.uint64)
        a[0, : n // 2] = 0  # Boolean and F coordinates too
        b = rng.integers(0, P, size=(n, k), dtype=np.uint64)
        got = eq_points(vf, a, b)
        for j in range(4):
            want = eq_eval(ext, [tuple(map(int, z)) for z in a[j]], [tuple(map(int, z)) for z in b])
            assert tuple(int(v) for v in got[j]) == want
