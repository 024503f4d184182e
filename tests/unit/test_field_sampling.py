"""Fresh OS randomness as field elements (field/sampling.py): range, exact rejection (no modulo
bias), freshness, a chi-square test on low bits, and a broken source caught."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from tensorproof.errors import FieldError
from tensorproof.field.params import P
from tensorproof.field.sampling import (
    OS_RANDOMNESS,
    REJECTION_BOUND_LOG2,
    Randomness,
    words_to_field,
)

TOP = 2**64 - 1


class Words(Randomness):
    """Test source: serves the given 64-bit words (little-endian) in order, then zero words."""

    def __init__(self, words) -> None:
        self.words = list(words)
        self.reads: list[int] = []

    def read(self, n: int) -> bytes:
        self.reads.append(n)
        m = n // 8
        take, self.words = self.words[:m], self.words[m:]
        return np.array(take + [0] * (m - len(take)), dtype="<u8").tobytes()


class LowBitZero(Randomness):
    """A biased source (mutation for the chi-square test): every word's low bit cleared."""

    def read(self, n: int) -> bytes:
        w = np.frombuffer(os.urandom(n), dtype="<u8") & np.uint64(TOP - 1)
        return w.astype("<u8").tobytes()


def chi_square_low_bits(x: np.ndarray, bits: int = 8) -> float:
    """Pearson's statistic of the low ``bits`` bits of x against the uniform law."""
    counts = np.bincount((x & np.uint64((1 << bits) - 1)).astype(np.int64), minlength=1 << bits)
    expected = len(x) / (1 << bits)
    return float(((counts - expected) ** 2 / expected).sum())


def chi_square_bound(df: int, z: float = 6.0) -> float:
    """Upper quantile of chi^2(df) at ~z standard deviations (Wilson-Hilferty): z = 6 is a
    false-alarm probability ~1e-9 per run."""
    c = 2 / (9 * df)
    return df * (1 - c + z * math.sqrt(c)) ** 3


def test_f_vector_is_canonical_uint64():
    x = OS_RANDOMNESS.f_vector(10_000)
    assert x.dtype == np.uint64 and x.shape == (10_000,)
    assert int(x.max()) < P


def test_k_vector_and_scalars():
    v = OS_RANDOMNESS.k_vector(7, 3)
    assert v.shape == (7, 3) and int(v.max()) < P
    s = OS_RANDOMNESS.k_scalar(2)
    assert isinstance(s, tuple) and len(s) == 2 and all(0 <= c < P for c in s)
    assert 0 <= OS_RANDOMNESS.f_scalar() < P
    assert OS_RANDOMNESS.f_vector(0).shape == (0,)


def test_rejection_keeps_accepted_words_exactly_and_in_order():
    """Words >= p are dropped, words < p are kept unchanged (no reduction mod p)."""
    src = Words([P, TOP, 5, P - 1, P + 7, 0, 2**63])
    assert src.f_vector(4).tolist() == [5, P - 1, 0, 2**63]
    assert words_to_field(np.array([P - 1, P, 3], dtype="<u8").tobytes()).tolist() == [P - 1, 3]


def test_a_source_of_only_words_above_p_is_reported_broken():
    with pytest.raises(FieldError, match="broken"):
        Words([TOP] * 10_000).f_vector(3)


def test_short_reads_are_refused():
    class Short(Randomness):
        def read(self, n: int) -> bytes:
            return b"\x00" * (n - 1)

    with pytest.raises(FieldError):
        Short().bytes(32)
    with pytest.raises(FieldError):
        words_to_field(b"\x00" * 7)


def test_rejection_probability_bound():
    assert (2**64 - P) / 2**64 < 2.0**REJECTION_BOUND_LOG2


def test_distinct_calls_and_instances_differ():
    assert OS_RANDOMNESS.bytes(32) != OS_RANDOMNESS.bytes(32)
    a, b = Randomness().f_vector(4), Randomness().f_vector(4)
    assert a.tolist() != b.tolist()
    assert len(set(OS_RANDOMNESS.f_vector(1000).tolist())) == 1000


def test_production_source_reads_the_os():
    assert type(OS_RANDOMNESS) is Randomness
    assert Randomness.read is not Words.read  # tests override; production does not


@pytest.mark.parametrize("shift", [0, 32, 56])
def test_chi_square_of_bits_is_uniform(shift):
    x = OS_RANDOMNESS.f_vector(1 << 16) >> np.uint64(shift)
    assert chi_square_low_bits(x) < chi_square_bound(255)


def test_chi_square_catches_a_biased_source():
    """The statistic above can fail: a source with its low bit stuck at 0 is far beyond it."""
    x = LowBitZero().f_vector(1 << 16)
    assert chi_square_low_bits(x) > 10 * chi_square_bound(255)
