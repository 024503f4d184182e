"""Field axioms in F, K2, K3 (Hypothesis), for the scalar reference and the vectorized twin.

The vectorized checks draw short vectors, so each example also exercises the kernels' loops.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorproof.field import P, ext_field, f_add, f_inv, f_mul, f_neg, f_sub, vec_field

EDGE = [0, 1, P - 1, P - 2, 2**32 - 1, 2**32, 2**32 + 1, 2**63, 2**64 - 2**32]
coeff = st.one_of(st.sampled_from(EDGE), st.integers(0, P - 1))


def element(k):
    return coeff if k == 1 else st.tuples(*[coeff] * k)


def nonzero(k):
    return element(k).filter(lambda x: x != 0 and x != (0,) * k)


class _F:
    """The base field behind the ExtField method names, for one axiom test over all k."""

    zero, one = 0, 1
    add, sub, neg = staticmethod(f_add), staticmethod(f_sub), staticmethod(f_neg)
    mul, inv = staticmethod(f_mul), staticmethod(f_inv)


def scalar_field(k):
    return _F if k == 1 else ext_field(k)


KS = [1, 2, 3]


@pytest.mark.parametrize("k", KS)
@settings(max_examples=80)
@given(data=st.data())
def test_scalar_ring_axioms(k, data):
    F = scalar_field(k)
    a, b, c = (data.draw(element(k)) for _ in range(3))
    zero, one = tuple(F.zero) if k > 1 else 0, tuple(F.one) if k > 1 else 1
    assert F.add(a, b) == F.add(b, a)
    assert F.mul(a, b) == F.mul(b, a)
    assert F.add(F.add(a, b), c) == F.add(a, F.add(b, c))
    assert F.mul(F.mul(a, b), c) == F.mul(a, F.mul(b, c))
    assert F.mul(a, F.add(b, c)) == F.add(F.mul(a, b), F.mul(a, c))
    assert F.add(a, zero) == a and F.mul(a, one) == a
    assert F.add(a, F.neg(a)) == zero
    assert F.sub(a, b) == F.add(a, F.neg(b))


@pytest.mark.parametrize("k", KS)
@settings(max_examples=80)
@given(data=st.data())
def test_scalar_multiplicative_inverse(k, data):
    F = scalar_field(k)
    a = data.draw(nonzero(k))
    one = tuple(F.one) if k > 1 else 1
    assert F.mul(a, F.inv(a)) == one


def _vectors(k, n):
    return st.lists(element(k), min_size=n, max_size=n)


@pytest.mark.parametrize("k", KS)
@settings(max_examples=40)
@given(data=st.data())
def test_vec_ring_axioms(k, data):
    vf = vec_field(k)
    n = data.draw(st.integers(1, 20))
    a, b, c = (vf.from_scalars(data.draw(_vectors(k, n))) for _ in range(3))
    eq = np.array_equal
    assert eq(vf.add(a, b), vf.add(b, a))
    assert eq(vf.mul(a, b), vf.mul(b, a))
    assert eq(vf.add(vf.add(a, b), c), vf.add(a, vf.add(b, c)))
    assert eq(vf.mul(vf.mul(a, b), c), vf.mul(a, vf.mul(b, c)))
    assert eq(vf.mul(a, vf.add(b, c)), vf.add(vf.mul(a, b), vf.mul(a, c)))
    assert eq(vf.add(a, vf.zeros(n)), a) and eq(vf.mul(a, vf.ones(n)), a)
    assert not vf.add(a, vf.neg(a)).any()
    assert eq(vf.square(a), vf.mul(a, a))
    assert vf.inner(a, b) == vf.sum(vf.mul(a, b))


@pytest.mark.parametrize("k", KS)
@settings(max_examples=40)
@given(data=st.data())
def test_vec_multiplicative_inverse(k, data):
    vf = vec_field(k)
    a = vf.from_scalars(data.draw(st.lists(nonzero(k), min_size=1, max_size=40)))
    assert np.array_equal(vf.mul(a, vf.inv_batch(a)), vf.ones(a.shape[0]))
