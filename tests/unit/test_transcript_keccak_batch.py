"""The numba Keccak-256 kernels (batched rows, single buffers, transcript squeezes) match
pycryptodome's Keccak-256 byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.transcript.keccak import RATE_BYTES, keccak256
from tensorproof.transcript.keccak_batch import keccak256_rows, keccak256_small, keccak256_squeeze

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
