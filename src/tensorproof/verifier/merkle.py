"""Merkle trees over Keccak-256: hashing rules and the multi-opening verifier.

A tree over n = 2^d leaves (d >= 0) has levels 0 (leaf hashes) .. d (the root); node i of level
l + 1 hashes nodes 2i and 2i + 1 of level l:
  leaf hash:  keccak256(0x00 ‖ leaf bytes)
  node hash:  keccak256(0x01 ‖ left ‖ right)
The one-byte prefixes separate the two domains, so no leaf can be presented as an inner node
(second-preimage attacks on unprefixed trees). The tree binds its leaves (collision resistance
of Keccak-256).

Multi-opening (``verify_multi``): for a set of leaf indices S_0 (sorted, deduplicated), the proof
is the list of sibling hashes the verifier cannot compute itself, in this canonical order: level
by level from the leaves up, and within a level by increasing position. At level l the known
positions are S_l; every i in S_l whose sibling i ^ 1 is not in S_l takes the next proof node;
S_{l+1} = {i >> 1 : i in S_l}. The same rule (a sorted queue per level) is what a Solidity
verifier implements; here each level's hashes are computed by one ``keccak256_rows_py`` call
(pycryptodome: the verifier never imports numba).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

import numpy as np

from ..errors import ProofFormatError, VerificationError
from ..transcript.keccak import HASH_BYTES, keccak256, keccak256_rows_py

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def hash_leaf(data: bytes) -> bytes:
    """keccak256(0x00 ‖ data): the hash of one leaf."""
    return keccak256(LEAF_PREFIX, data)


def hash_node(left: bytes, right: bytes) -> bytes:
    """keccak256(0x01 ‖ left ‖ right): the hash of an inner node."""
    return keccak256(NODE_PREFIX, left, right)


def tree_depth(n_leaves: int) -> int:
    """d with n_leaves = 2^d; VerificationError unless n_leaves is a power of two."""
    if isinstance(n_leaves, bool | float) or not isinstance(n_leaves, int | np.integer):
        raise VerificationError(f"number of Merkle leaves must be an integer, got {n_leaves!r}")
    n = int(n_leaves)
    if n < 1 or n & (n - 1):
        raise VerificationError(f"number of Merkle leaves must be a power of two, got {n}")
    return n.bit_length() - 1


def _hash32(h: bytes, what: str) -> bytes:
    if not isinstance(h, bytes | bytearray) or len(h) != HASH_BYTES:
        raise ProofFormatError(f"{what} must be {HASH_BYTES} bytes")
    return bytes(h)


def _leaf_map(
    n_leaves: int, indices: Sequence[int], leaf_hashes: Sequence[bytes]
) -> dict[int, bytes]:
    """Position -> leaf hash; checks range and that a repeated index repeats its hash."""
    if len(indices) != len(leaf_hashes):
        raise VerificationError(f"{len(indices)} indices but {len(leaf_hashes)} leaf hashes")
    if len(indices) == 0:
        raise VerificationError("empty Merkle multi-opening")
    known: dict[int, bytes] = {}
    for raw, h in zip(indices, leaf_hashes):
        if isinstance(raw, bool | float) or not isinstance(raw, int | np.integer):
            raise VerificationError(f"Merkle leaf index must be an integer, got {raw!r}")
        i, h = int(raw), _hash32(h, "leaf hash")
        if not 0 <= i < n_leaves:
            raise VerificationError(f"Merkle leaf index {i} out of range [0, {n_leaves})")
        if known.setdefault(i, h) != h:
            raise VerificationError(f"Merkle leaf index {i} opened twice with different hashes")
    return known


def verify_multi(
    root: bytes,
    n_leaves: int,
    indices: Sequence[int],
    leaf_hashes: Sequence[bytes],
    proof_nodes: Sequence[bytes],
) -> None:
    """Check that the leaves at ``indices`` hash to ``leaf_hashes`` in the tree with ``root``.

    ``leaf_hashes[j]`` is the hash (``hash_leaf``) of leaf ``indices[j]``; indices may come in
    any order and may repeat (a repeat must carry the same hash). ``proof_nodes`` must be exactly
    the canonical sibling list (module docstring): too few or unused nodes are rejected.
    Raises VerificationError on any mismatch (ProofFormatError on a hash of the wrong length).
    """
    root = _hash32(root, "Merkle root")
    depth = tree_depth(n_leaves)
    level = _leaf_map(1 << depth, indices, leaf_hashes)
    nodes = [_hash32(h, "Merkle proof node") for h in proof_nodes]
    positions = np.array(sorted(level), dtype=np.int64)
    hashes = _as_rows(b"".join(level[i] for i in positions), len(positions))
    verify_multi_rows(root, depth, positions, hashes, _as_rows(b"".join(nodes), len(nodes)))


def _as_rows(data: bytes, n: int) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(n, HASH_BYTES)


def verify_multi_rows(
    root: bytes, depth: int, positions: np.ndarray, hashes: np.ndarray, nodes: np.ndarray
) -> None:
    """``verify_multi`` on checked arrays: sorted distinct int64 ``positions`` (in range, at
    least one), their (n, 32) uint8 leaf ``hashes`` and the (m, 32) uint8 proof ``nodes``
    (``climb_rows`` up to the root, every node used)."""
    _, top, used = climb_rows(depth, positions, hashes, nodes)
    if used != len(nodes):
        raise VerificationError(f"Merkle multi-opening has {len(nodes) - used} unused proof nodes")
    if not hmac.compare_digest(top[0].tobytes(), root):
        raise VerificationError("Merkle multi-opening does not match the root")


def climb_rows(
    levels: int, positions: np.ndarray, hashes: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """The first ``levels`` levels of a multi-opening's check: the known positions and hashes
    at that level, and how many of ``nodes`` were taken (the first, in canonical order). Up to
    the root it is ``verify_multi_rows``; fewer levels check a forest of equal trees whose
    roots sit in a larger tree's leaves (whir-zk's sub-trees of G's values).

    Level by level, all hashes of a level in one ``keccak256_rows_py`` call: known positions i whose
    sibling i ^ 1 is known pair up; every other one takes the next proof node (in increasing
    order of i, the canonical order); the parents are the distinct i >> 1.
    """
    used = 0
    for _ in range(levels):
        paired = np.zeros(len(positions), dtype=bool)
        siblings = positions[1:] == (positions[:-1] ^ 1)  # neighbours 2j, 2j + 1
        paired[:-1] |= siblings
        paired[1:] |= siblings
        lonely = np.flatnonzero(~paired)
        if used + len(lonely) > len(nodes):
            raise VerificationError("Merkle multi-opening has too few proof nodes")
        parent = positions >> 1
        first = np.ones(len(positions), dtype=bool)
        first[1:] = parent[1:] != parent[:-1]
        slot = np.cumsum(first) - 1  # row of each position's parent
        pairs = np.empty((int(slot[-1]) + 1, 2, HASH_BYTES), dtype=np.uint8)
        pairs[slot, positions & 1] = hashes
        pairs[slot[lonely], 1 - (positions[lonely] & 1)] = nodes[used : used + len(lonely)]
        used += len(lonely)
        positions = parent[first]
        hashes = keccak256_rows_py(pairs.reshape(len(positions), 2 * HASH_BYTES), NODE_PREFIX[0])
    return positions, hashes, used
