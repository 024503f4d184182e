"""The numba Keccak-256 kernels (batched rows, single buffers, transcript squeezes) match
pycryptodome's Keccak-256 byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.transcript.keccak import RATE_BYTES, keccak256
from tensorproof.transcript.keccak_batch import (
    keccak256_gathered,
    keccak256_rows,
    keccak256_small,
    keccak256_squeeze,
)

# Lengths around the 136-byte rate, where padding spills into a new block.
LENGTHS = [0, 1, 31, 32, 64, 134, 135, 136, 137, 2 * RATE_BYTES - 1, 2 * RATE_BYTES, 1000]


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("prefix", [None, 0, 1, 255])
def test_keccak256_rows_matches_reference(length, prefix):
    rows = np.random.default_rng(length).integers(0, 256, (7, length), dtype=np.uint8)
    head = b"" if prefix is None else bytes([prefix])
    expected = [keccak256(head + row.tobytes()) for row in rows]
    assert [h.tobytes() for h in keccak256_rows(rows, prefix)] == expected


def test_keccak256_rows_known_vectors():
    rows = np.frombuffer(b"abc", dtype=np.uint8).reshape(1, 3)
    assert keccak256_rows(rows)[0].tobytes().hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )
    empty = np.zeros((2, 0), dtype=np.uint8)
    assert keccak256_rows(empty)[1].tobytes() == keccak256(b"")


def test_keccak256_rows_accepts_non_contiguous_rows():
    rows = np.random.default_rng(0).integers(0, 256, (6, 50), dtype=np.uint8)[::2, 1:]
    assert [h.tobytes() for h in keccak256_rows(rows)] == [keccak256(r.tobytes()) for r in rows]


def test_keccak256_rows_rejects_bad_input():
    with pytest.raises(ValueError):
        keccak256_rows(np.zeros((2, 3), dtype=np.uint8), prefix=256)
    with pytest.raises(ValueError):
        keccak256_rows(np.zeros(3, dtype=np.uint8))


@pytest.mark.parametrize("length", LENGTHS + [3 * RATE_BYTES + 5, 1 << 12])
def test_keccak256_small_matches_reference(length):
    data = np.random.default_rng(length + 7).integers(0, 256, length, dtype=np.uint8).tobytes()
    assert keccak256_small(data) == keccak256(data)


@pytest.mark.parametrize("head_len", [0, 40, 131, 132, 133, 200])
@pytest.mark.parametrize("m", [0, 1, 3])
def test_keccak256_squeeze_matches_reference(head_len, m):
    rng = np.random.default_rng(head_len + 100 * m)
    head = rng.integers(0, 256, head_len, dtype=np.uint8).tobytes()
    advance = rng.integers(0, 256, head_len + 9, dtype=np.uint8).tobytes()
    expected = b"".join(keccak256(head, i.to_bytes(4, "big")) for i in range(m))
    assert keccak256_squeeze(head, m, advance) == expected + keccak256(advance)


def _gathered_rows(planes, groups, salts):
    """The rows keccak256_gathered hashes, built: salt ‖ BE(planes[c, g n + j]), g outer."""
    k, width = planes.shape
    n = width // groups
    words = np.swapaxes(planes.reshape(k, groups, n), 0, 2)  # (n, groups, k)
    be = np.ascontiguousarray(words, dtype=">u8").view(np.uint8).reshape(n, -1)
    return np.concatenate([salts, be], axis=1)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("groups", [1, 2, 16])
@pytest.mark.parametrize("salt", [0, 1, 7, 32, RATE_BYTES])
@pytest.mark.parametrize("prefix", [None, 0])
def test_keccak256_gathered_matches_reference(k, groups, salt, prefix):
    """Every alignment of the words against the lanes and the rate (salt lengths 0..136, with
    and without the prefix byte), one or many planes and groups; pycryptodome on the built
    rows."""
    rng = np.random.default_rng(k * 100 + groups * 10 + salt)
    n = 8
    planes = rng.integers(0, P, (k, groups * n), dtype=np.uint64)
    salts = rng.integers(0, 256, (n, salt), dtype=np.uint8)
    rows = _gathered_rows(planes, groups, salts)
    head = b"" if prefix is None else bytes([prefix])
    want = [keccak256(head + row.tobytes()) for row in rows]
    got = keccak256_gathered(planes, groups, salts if salt else None, prefix)
    assert [bytes(h) for h in got] == want


def test_keccak256_gathered_threaded_matches_rows():
    """Above the parallel threshold (row blocks on threads, each starting at its offset)."""
    rng = np.random.default_rng(3)
    planes = rng.integers(0, P, (3, 1 << 16), dtype=np.uint64)
    salts = rng.integers(0, 256, (1 << 12, 32), dtype=np.uint8)
    got = keccak256_gathered(planes, 16, salts, 0)
    assert np.array_equal(got, keccak256_rows(_gathered_rows(planes, 16, salts), 0))


@pytest.mark.parametrize("tail_k, tail_groups", [(3, 1), (1, 2), (3, 16)])
@pytest.mark.parametrize("salt", [0, 32, 35])
def test_keccak256_gathered_with_a_tail_matches_reference(tail_k, tail_groups, salt):
    """A tail of other planes after the fiber (whir-zk's joint leaves: salt ‖ f^'s fiber ‖
    G's values), at several alignments: the rows built and hashed one by one."""
    rng = np.random.default_rng(tail_k * 100 + tail_groups + salt)
    n = 8
    planes = rng.integers(0, P, (1, 16 * n), dtype=np.uint64)
    tail = rng.integers(0, P, (tail_k, tail_groups * n), dtype=np.uint64)
    salts = rng.integers(0, 256, (n, salt), dtype=np.uint8)
    rows = np.concatenate([_gathered_rows(planes, 16, salts),
                           _gathered_rows(tail, tail_groups, salts[:, :0])], axis=1)
    want = [keccak256(bytes([0]) + row.tobytes()) for row in rows]
    got = keccak256_gathered(planes, 16, salts if salt else None, 0, tail, tail_groups)
    assert [bytes(h) for h in got] == want
    big = rng.integers(0, P, (1, 1 << 16), dtype=np.uint64)  # threaded, offsets per block
    big_tail = rng.integers(0, P, (3, 1 << 12), dtype=np.uint64)
    big_salts = rng.integers(0, 256, (1 << 12, 32), dtype=np.uint8)
    rows = np.concatenate([_gathered_rows(big, 16, big_salts),
                           _gathered_rows(big_tail, 1, big_salts[:, :0])], axis=1)
    assert np.array_equal(keccak256_gathered(big, 16, big_salts, 0, big_tail),
                          keccak256_rows(rows, 0))


def test_keccak256_gathered_rejects_bad_input():
    planes = np.zeros((2, 12), dtype=np.uint64)
    with pytest.raises(ValueError, match="groups"):
        keccak256_gathered(planes, 5)
    with pytest.raises(ValueError, match="salts"):
        keccak256_gathered(planes, 4, np.zeros((2, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match="prefix"):
        keccak256_gathered(planes, 4, None, 256)
    with pytest.raises(ValueError, match="tail"):
        keccak256_gathered(planes, 4, None, 0, np.zeros((3, 4), dtype=np.uint64))
