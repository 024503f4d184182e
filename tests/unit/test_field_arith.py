"""One suite for every implementation of F_p and K = F_p[X]/(X^k - W), k = 1 (F), 2, 3.

Each implementation (the pure-int reference ``scalar`` and the numpy/numba ``vec``) is driven
through the adapters below and compared with an independent big-integer model written here
(polynomial product, then long division by X^k - W), on edge values and random elements.
Elements are tuples of k ints throughout the test; the adapters convert.
"""

from __future__ import annotations

import itertools
import random
from functools import reduce

import numpy as np
import pytest

from tensorproof.errors import FieldError
from tensorproof.field import (
    check_canonical,
    ext_field,
    f_add,
    f_inv,
    f_mul,
    f_neg,
    f_pow,
    f_square,
    f_sub,
    from_signed,
    to_signed,
    vec_field,
)

# ---- the independent model ----------------------------------------------------------------

P = 2**64 - 2**32 + 1
W = {1: 0, 2: 7, 3: 2}  # from the issue, not from params.py
EDGE = [0, 1, P - 1, P - 2, 2**32 - 1, 2**32, 2**32 + 1, 2**63, 2**64 - 2**32]


def m_add(a, b):
    return tuple((x + y) % P for x, y in zip(a, b))


def m_sub(a, b):
    return tuple((x - y) % P for x, y in zip(a, b))


def m_mul(a, b):
    """Product of the polynomials a, b, then reduce mod X^k - W from the top degree down."""
    k = len(a)
    prod = [0] * (2 * k - 1)
    for i, j in itertools.product(range(k), range(k)):
        prod[i + j] += a[i] * b[j]
    for d in range(2 * k - 2, k - 1, -1):  # X^d = W X^(d-k)
        prod[d - k] += W[k] * prod[d]
        prod[d] = 0
    return tuple(c % P for c in prod[:k])


def m_one(k):
    return (1,) + (0,) * (k - 1)


def m_pow(a, e):
    result, base = m_one(len(a)), a
    while e:
        if e & 1:
            result = m_mul(result, base)
        base = m_mul(base, base)
        e >>= 1
    return result


# ---- adapters: every implementation behind one interface on lists of k-tuples -------------


class ScalarImpl:
    """``tensorproof.field.scalar``: f_* functions for k = 1, ExtField for k >= 2."""

    def __init__(self, k):
        self.k = k
        if k == 1:
            self.ops = dict(add=f_add, sub=f_sub, neg=f_neg, mul=f_mul, square=f_square,
                            inv=f_inv, pow=f_pow, mul_base=f_mul)
        else:
            e = ext_field(k)
            self.ops = dict(add=e.add, sub=e.sub, neg=e.neg, mul=e.mul, square=e.square,
                            inv=e.inv, pow=e.pow, mul_base=e.mul_base)

    def _in(self, xs):
        return [x[0] for x in xs] if self.k == 1 else list(xs)

    def _out(self, ys):
        return [(y,) for y in ys] if self.k == 1 else list(ys)

    def elementwise(self, op, *args):
        fn = self.ops[op]
        return self._out([fn(*t) for t in zip(*(self._in(a) for a in args))])

    def mul_base(self, xs, fs):
        return self._out([self.ops["mul_base"](x, f) for x, f in zip(self._in(xs), fs)])

    def inv_batch(self, xs):
        return self.elementwise("inv", xs)

    def pow(self, xs, e):
        return self._out([self.ops["pow"](x, e) for x in self._in(xs)])

    def sum(self, xs):
        return self._out([reduce(self.ops["add"], self._in(xs), self._in([(0,) * self.k])[0])])[0]

    def inner(self, xs, ys):
        prods = self.elementwise("mul", xs, ys)
        return self.sum(prods)

    def scale(self, xs, s):
        return self.elementwise("mul", xs, [s] * len(xs))

    def add_scalar(self, xs, s):
        return self.elementwise("add", xs, [s] * len(xs))


class VecImpl:
    """``tensorproof.field.vec``: VecField(k) on uint64 arrays (numba kernels)."""

    backend = "numba"

    def __init__(self, k):
        self.k = k
        self.vf = vec_field(k, self.backend)

    def _in(self, xs):
        return self.vf.from_scalars([x[0] for x in xs] if self.k == 1 else list(xs))

    def _s(self, x):
        return x[0] if self.k == 1 else x

    def _out(self, arr):
        return [(y,) if self.k == 1 else y for y in self.vf.to_scalars(arr)]

    def elementwise(self, op, *args):
        if op == "inv":
            return self.inv_batch(*args)
        return self._out(getattr(self.vf, op)(*(self._in(a) for a in args)))

    def mul_base(self, xs, fs):
        return self._out(self.vf.mul_base(self._in(xs), np.array(fs, dtype=np.uint64)))

    def inv_batch(self, xs):
        return self._out(self.vf.inv_batch(self._in(xs)))

    def pow(self, xs, e):
        return self._out(self.vf.pow(self._in(xs), e))

    def sum(self, xs):
        s = self.vf.sum(self._in(xs))
        return (s,) if self.k == 1 else s

    def inner(self, xs, ys):
        s = self.vf.inner(self._in(xs), self._in(ys))
        return (s,) if self.k == 1 else s

    def scale(self, xs, s):
        return self._out(self.vf.scale(self._in(xs), self._s(s)))

    def add_scalar(self, xs, s):
        return self._out(self.vf.add_scalar(self._in(xs), self._s(s)))


class NumpyVecImpl(VecImpl):
    """VecField(k, backend="numpy"): the numpy twins of the kernels (``field/npfield.py``)."""

    backend = "numpy"


IMPLS = {"scalar": ScalarImpl, "vec": VecImpl, "vec-numpy": NumpyVecImpl}


@pytest.fixture(params=[(name, k) for name in IMPLS for k in (1, 2, 3)],
                ids=lambda p: f"{p[0]}-k{p[1]}")
def impl(request):
    name, k = request.param
    return IMPLS[name](k)


def elements(k, n_random=40, seed=1):
    """Edge elements (all edge coefficients, in every position and mixed) plus random ones."""
    rng = random.Random(seed * 10 + k)
    if k == 1:
        xs = [(e,) for e in EDGE]
    elif k == 2:
        xs = list(itertools.product(EDGE, repeat=2))
    else:
        xs = [tuple(e if i == j else 0 for i in range(3)) for e in EDGE for j in range(3)]
        xs += [tuple(rng.choice(EDGE) for _ in range(3)) for _ in range(40)]
    return xs + [tuple(rng.randrange(P) for _ in range(k)) for _ in range(n_random)]


def pairs(k):
    xs = elements(k)
    return xs, xs[3:] + xs[:3]  # every element meets a different partner, edges included


# ---- arithmetic vs the model ------------------------------------------------------------


def test_add_sub_neg(impl):
    xs, ys = pairs(impl.k)
    zero = [(0,) * impl.k] * len(xs)
    assert impl.elementwise("add", xs, ys) == [m_add(x, y) for x, y in zip(xs, ys)]
    assert impl.elementwise("sub", xs, ys) == [m_sub(x, y) for x, y in zip(xs, ys)]
    assert impl.elementwise("neg", xs) == [m_sub(z, x) for z, x in zip(zero, xs)]


def test_mul_square(impl):
    xs, ys = pairs(impl.k)
    assert impl.elementwise("mul", xs, ys) == [m_mul(x, y) for x, y in zip(xs, ys)]
    assert impl.elementwise("square", xs) == [m_mul(x, x) for x in xs]


def test_inv_and_batch_inverse(impl):
    xs = [x for x in elements(impl.k) if any(x)]
    one = m_one(impl.k)
    for inv_fn in (lambda v: impl.elementwise("inv", v), impl.inv_batch):
        invs = inv_fn(xs)
        assert [m_mul(x, y) for x, y in zip(xs, invs)] == [one] * len(xs)


def test_inverse_of_zero_raises(impl):
    zero = (0,) * impl.k
    with pytest.raises(FieldError):
        impl.elementwise("inv", [zero])
    with pytest.raises(FieldError):
        impl.inv_batch([m_one(impl.k), zero, m_one(impl.k)])


@pytest.mark.parametrize("e", [0, 1, 2, 3, 7, P - 2, P - 1, P, 2**64 + 5, -1, -3])
def test_pow(impl, e):
    xs = [x for x in elements(impl.k, n_random=6) if any(x)][::3]
    group_order = P**impl.k - 1
    expected = [m_pow(x, e % group_order if e >= 0 else (-e) * (group_order - 1)) for x in xs]
    assert impl.pow(xs, e) == expected


def test_pow_of_zero(impl):
    zero = (0,) * impl.k
    assert impl.pow([zero], 0) == [m_one(impl.k)]
    assert impl.pow([zero], 5) == [zero]
    assert impl.pow([zero], P**impl.k - 1) == [zero]


def test_pow_by_group_order_is_one(impl):
    xs = [x for x in elements(impl.k, n_random=8) if any(x)]
    assert impl.pow(xs, P**impl.k - 1) == [m_one(impl.k)] * len(xs)


def test_sum_and_inner(impl):
    xs, ys = pairs(impl.k)
    zero = (0,) * impl.k
    assert impl.sum(xs) == reduce(m_add, xs, zero)
    assert impl.inner(xs, ys) == reduce(m_add, (m_mul(x, y) for x, y in zip(xs, ys)), zero)
    assert impl.sum([]) == zero
    assert impl.inner([], []) == zero


def test_mul_base_scale_add_scalar(impl):
    xs = elements(impl.k)
    fs = [EDGE[i % len(EDGE)] if i % 2 else random.Random(i).randrange(P) for i in range(len(xs))]
    assert impl.mul_base(xs, fs) == [m_mul(x, (f,) + (0,) * (impl.k - 1)) for x, f in zip(xs, fs)]
    for s in elements(impl.k, n_random=2)[-4:]:
        assert impl.scale(xs, s) == [m_mul(x, s) for x in xs]
        assert impl.add_scalar(xs, s) == [m_add(x, s) for x in xs]


# ---- vec only: sizes around kernel block/lane boundaries, layouts, input validation -----


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 2, 15, 16, 17, 33, 1023, 1024, 1025, 2100])
def test_vec_sizes_match_model(k, n, np_rng):
    vf = vec_field(k)
    a = vf.random(n, np_rng)
    a[: min(n, 3)] = P - 1  # worst case for the lazy accumulators
    b = vf.random(n, np_rng)
    xs = [tuple(r) for r in a.reshape(n, k).tolist()]
    ys = [tuple(r) for r in b.reshape(n, k).tolist()]
    zero = (0,) * k
    scal = (lambda v: (v,)) if k == 1 else (lambda v: v)
    assert scal(vf.sum(a)) == reduce(m_add, xs, zero)
    assert scal(vf.inner(a, b)) == reduce(m_add, (m_mul(x, y) for x, y in zip(xs, ys)), zero)
    if n:
        inv = vf.inv_batch(a).reshape(n, k).tolist()
        assert all(m_mul(x, tuple(y)) == m_one(k) for x, y in zip(xs, inv))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vec_batch_inverse_reports_first_zero(k, np_rng):
    vf = vec_field(k)
    a = vf.random(100, np_rng)
    a[[41, 77]] = 0
    with pytest.raises(FieldError, match="element 41"):
        vf.inv_batch(a)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vec_multidimensional_and_broadcast(k, np_rng):
    vf = vec_field(k)
    shape = (3, 5) + ((k,) if k > 1 else ())
    a, b = vf.random((3, 5), np_rng), vf.random((3, 5), np_rng)
    flat = vf.mul(a.reshape((15,) + shape[2:]), b.reshape((15,) + shape[2:]))
    assert vf.mul(a, b).shape == shape
    assert np.array_equal(vf.mul(a, b).reshape(flat.shape), flat)
    row = b[0, :1]  # broadcast one element against all
    assert np.array_equal(vf.add(a, row), vf.add(a, np.broadcast_to(row, a.shape).copy()))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vec_from_base_zeros_ones(k, np_rng):
    vf = vec_field(k)
    f = vec_field(1).random(7, np_rng)
    assert vf.to_scalars(vf.from_base(f)) == [
        int(x) if k == 1 else (int(x),) + (0,) * (k - 1) for x in f
    ]
    assert not vf.zeros(4).any()
    assert vf.to_scalars(vf.ones(2)) == [1 if k == 1 else m_one(k)] * 2


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vec_rejects_wrong_dtype_shape_and_scalars(k):
    vf = vec_field(k)
    good = vf.zeros(4)
    with pytest.raises(FieldError, match="uint64"):
        vf.add(good.astype(np.int64), good)
    with pytest.raises(FieldError):
        vf.add([0] * 4, good)
    if k > 1:
        with pytest.raises(FieldError, match="shape"):
            vf.mul(np.zeros((4, k + 1), dtype=np.uint64), np.zeros((4, k + 1), dtype=np.uint64))
    with pytest.raises(FieldError):
        vf.add(good, vf.zeros(5))  # shapes do not broadcast
    bad = P if k == 1 else (P,) + (0,) * (k - 1)
    with pytest.raises(FieldError, match="canonical"):
        vf.scale(good, bad)
    with pytest.raises(FieldError):
        vf.add_scalar(good, (1,) * (k + 1))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_vec_canonical_boundaries(k):
    vf = vec_field(k)
    raw = np.array([0, 1, P - 1, P, P + 1, 2**64 - 1] * k, dtype=np.uint64)
    raw = raw.reshape(-1, k) if k > 1 else raw
    with pytest.raises(FieldError, match="non-canonical"):
        check_canonical(raw)
    reduced = vf.from_uint64(raw)
    check_canonical(reduced)
    assert np.array_equal(reduced, (raw.astype(object) % P).astype(np.uint64))
    with pytest.raises(FieldError):
        vf.from_scalars([P] if k == 1 else [(P,) + (0,) * (k - 1)])
    with pytest.raises(FieldError):
        vf.from_scalars([-1] if k == 1 else [(-1,) + (0,) * (k - 1)])
    with pytest.raises(FieldError):
        vf.from_scalars([1.5] if k == 1 else [(1.5,) + (0,) * (k - 1)])
    with pytest.raises(FieldError):
        vec_field(4)


def test_unsupported_degree():
    with pytest.raises(FieldError):
        ext_field(4)


# ---- signed integers ----------------------------------------------------------------------

HALF = (P - 1) // 2
SIGNED = [0, 1, -1, 2, -2, 2**31, -(2**31), 2**62, -(2**62), HALF, -HALF, 12345, -98765]


def test_from_signed_is_the_centered_lift():
    x = np.array(SIGNED, dtype=np.int64)
    f = from_signed(x)
    assert f.tolist() == [v % P for v in SIGNED]
    assert to_signed(f).tolist() == SIGNED
    assert to_signed(f, bound=HALF).tolist() == SIGNED
    small = np.array([[-3, 4], [0, -1]], dtype=np.int8)  # any integer dtype and shape
    assert to_signed(from_signed(small)).tolist() == small.tolist()


@pytest.mark.parametrize("bad", [HALF + 1, -HALF - 1, 2**63 - 1, -(2**63)])
def test_from_signed_rejects_values_outside_the_injective_range(bad):
    with pytest.raises(FieldError, match="index 1"):
        from_signed(np.array([0, bad], dtype=np.int64))


def test_from_signed_rejects_non_integers_and_huge_unsigned():
    with pytest.raises(FieldError):
        from_signed(np.array([1.0, 2.0]))
    with pytest.raises(FieldError):
        from_signed(np.array([2**63], dtype=np.uint64))


@pytest.mark.parametrize("bound", [0, 1, 100, 2**31, HALF - 1])
def test_to_signed_bound(bound):
    inside = np.array([0, bound, -bound], dtype=np.int64)
    assert to_signed(from_signed(inside), bound=bound).tolist() == inside.tolist()
    for v in (bound + 1, -bound - 1):
        with pytest.raises(FieldError, match="exceeds the bound"):
            to_signed(from_signed(np.array([0, 0, v], dtype=np.int64)), bound=bound)


def test_to_signed_rejects_non_canonical_and_negative_bound():
    with pytest.raises(FieldError, match="non-canonical"):
        to_signed(np.array([1, P], dtype=np.uint64))
    with pytest.raises(FieldError):
        to_signed(np.array([1], dtype=np.uint64), bound=-1)
    with pytest.raises(FieldError):
        to_signed(np.array([1], dtype=np.int64))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_random_is_canonical_and_seeded(k):
    vf = vec_field(k)
    for make in (lambda: np.random.default_rng(7), lambda: random.Random(7)):
        a, b = vf.random(500, make()), vf.random(500, make())
        assert np.array_equal(a, b) and a.shape == ((500, k) if k > 1 else (500,))
        check_canonical(a)
        assert len(np.unique(a)) > 400 * k  # not degenerate
    if k > 1:
        ext = ext_field(k)
        for rng in (np.random.default_rng(3), random.Random(3)):
            x = ext.random(rng)
            assert len(x) == k and all(isinstance(c, int) and 0 <= c < P for c in x)


@pytest.mark.parametrize("k", [2, 3])
def test_unrolled_k_arithmetic_matches_the_generic_methods(k):
    """ext_field(k)'s add/sub/mul are unrolled twins of the class's generic methods."""
    from tensorproof.field.scalar import ExtField

    ext, rng = ext_field(k), random.Random(40 + k)
    values = [tuple(rng.choice(EDGE + [rng.randrange(P)]) for _ in range(k)) for _ in range(60)]
    for a, b in itertools.product(values[:30], values[30:]):
        for op in ("add", "sub", "mul"):
            assert getattr(ext, op)(a, b) == getattr(ExtField, op)(ext, a, b)
