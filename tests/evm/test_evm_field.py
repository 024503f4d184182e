"""The Solidity field library (contracts/Field.sol) against the Python spec (field.scalar,
poly.univariate, poly.ntt): every operation on edge values and random ones."""

from __future__ import annotations

import random

import pytest

from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.poly.ntt import root_of_unity
from tensorproof.poly.univariate import interpolate_eval
from tensorproof.solidity.abi import decode_uint_array, encode_call, pack_k, unpack_k

K3 = ext_field(3)
EDGE = [0, 1, 2, P - 1, P - 2, (P + 1) // 2, 2**32, 2**32 - 1, 2**63, 7]


def _k_values(rng: random.Random, n: int) -> list[tuple[int, int, int]]:
    edge = [(a, b, c) for a in EDGE[:4] for b in EDGE[:3] for c in (0, P - 1)]
    return edge + [tuple(rng.randrange(P) for _ in range(3)) for _ in range(n - len(edge))]


def _apply(evm, deployed, op: int, *cols: list[int]) -> list[int]:
    n = len(cols[0])
    cols = list(cols) + [[0] * n] * (4 - len(cols))
    out = evm.call(deployed("FieldProbe"),
                   encode_call("run", ["uint256", "uint256[]", "uint256[]", "uint256[]",
                                         "uint256[]"], [op, *cols]), static=True)
    return decode_uint_array(out.output)


@pytest.fixture(scope="module")
def pairs():
    rng = random.Random(5)
    a = _k_values(rng, 120)
    b = list(reversed(_k_values(rng, 120)))
    return a, b


@pytest.mark.parametrize("op,spec", [(0, K3.add), (1, K3.sub), (2, K3.mul)])
def test_k_arithmetic_matches_the_spec(evm, deployed, pairs, op, spec):
    a, b = pairs
    got = _apply(evm, deployed, op, [pack_k(x) for x in a], [pack_k(y) for y in b])
    assert [unpack_k(w) for w in got] == [spec(x, y) for x, y in zip(a, b)]


def test_k_times_f_and_eq_match_the_spec(evm, deployed, pairs):
    a, b = pairs
    fs = [y[0] for y in b]
    got = _apply(evm, deployed, 3, [pack_k(x) for x in a], fs)
    assert [unpack_k(w) for w in got] == [K3.mul_base(x, f) for x, f in zip(a, fs)]
    one = (1, 0, 0)
    expect = [K3.add(K3.mul(x, y), K3.mul(K3.sub(one, x), K3.sub(one, y))) for x, y in zip(a, b)]
    got = _apply(evm, deployed, 4, [pack_k(x) for x in a], [pack_k(y) for y in b])
    assert [unpack_k(w) for w in got] == expect


def test_f_arithmetic_and_powers_match_the_spec(evm, deployed):
    rng = random.Random(9)
    a = EDGE + [rng.randrange(P) for _ in range(40)]
    b = list(reversed(EDGE)) + [rng.randrange(P) for _ in range(40)]
    assert _apply(evm, deployed, 5, a, b) == [(x + y) % P for x, y in zip(a, b)]
    assert _apply(evm, deployed, 6, a, b) == [(x - y) % P for x, y in zip(a, b)]
    assert _apply(evm, deployed, 7, a, b) == [x * y % P for x, y in zip(a, b)]
    e = [0, 1, 2, P - 2, P - 1] + [rng.randrange(2**64) for _ in range(len(a) - 5)]
    assert _apply(evm, deployed, 8, a, e) == [pow(x, y, P) for x, y in zip(a, e)]
    ks = _k_values(rng, 30)
    e = [rng.randrange(1 << 20) for _ in ks]
    got = _apply(evm, deployed, 9, [pack_k(x) for x in ks], e)
    assert [unpack_k(w) for w in got] == [K3.pow(x, y) for x, y in zip(ks, e)]


def test_roots_of_unity_match_the_ntt(evm, deployed):
    logs = list(range(33))
    assert _apply(evm, deployed, 10, logs) == [root_of_unity(1 << s) for s in logs]


def test_a_subgroup_beyond_two_adicity_reverts(evm, deployed):
    from tensorproof.solidity.evm import EVMRevertError

    with pytest.raises(EVMRevertError):
        _apply(evm, deployed, 10, [33])


def test_the_round_polynomial_matches_lagrange_interpolation(evm, deployed):
    rng = random.Random(3)
    rows = [tuple(tuple(rng.randrange(P) for _ in range(3)) for _ in range(4)) for _ in range(30)]
    rows += [((0, 0, 0), (1, 0, 0), (P - 1, 0, 0), (2, 0, 0))]
    cols = [[pack_k(r[j]) for r in rows] for j in range(4)]
    got = _apply(evm, deployed, 11, *cols)
    assert [unpack_k(w) for w in got] == [interpolate_eval(K3, list(r[:3]), r[3]) for r in rows]
