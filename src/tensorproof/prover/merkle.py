"""Merkle tree construction and canonical multi-openings (the prover's side of verifier/merkle.py).

Hashing rules and the proof-node order are specified in ``tensorproof.verifier.merkle``. Leaves
and every level of inner nodes are hashed by one batched numba Keccak call each
(``keccak256_rows``), so building a tree costs no Python work per node.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import KeyFileError
from ..transcript.keccak import HASH_BYTES
from ..transcript.keccak_batch import keccak256_rows
from ..verifier.merkle import LEAF_PREFIX, NODE_PREFIX, hash_leaf


def hash_leaves(leaves: np.ndarray | Sequence[bytes]) -> np.ndarray:
    """Leaf hashes keccak256(0x00 ‖ leaf) of many leaves -> (n, 32) uint8.

    ``leaves`` is an (n, L) uint8 matrix (one leaf per row: the fast, batched path) or a list of
    byte strings (batched when all have one length, else one Keccak call per leaf).
    """
    if isinstance(leaves, np.ndarray):
        if leaves.ndim != 2 or leaves.dtype != np.uint8:
            raise ValueError(f"leaves must be an (n, L) uint8 matrix, got {leaves.dtype} "
                             f"{leaves.shape}")
        return keccak256_rows(leaves, LEAF_PREFIX[0])
    leaves = [bytes(b) for b in leaves]
    lengths = {len(b) for b in leaves}
    if len(lengths) <= 1:
        width = lengths.pop() if lengths else 0
        matrix = np.frombuffer(b"".join(leaves), dtype=np.uint8).reshape(len(leaves), width)
        return keccak256_rows(matrix, LEAF_PREFIX[0])
    flat = b"".join(hash_leaf(b) for b in leaves)
    return np.frombuffer(flat, dtype=np.uint8).reshape(len(leaves), HASH_BYTES).copy()


class MerkleTree:
    """A Keccak Merkle tree over 2^d leaves; keeps every level for openings.

    ``levels[0]`` holds the (n, 32) leaf hashes, ``levels[d]`` the (1, 32) root.
    """

    def __init__(self, leaves: np.ndarray | Sequence[bytes]) -> None:
        n = len(leaves)
        if n < 1 or n & (n - 1):
            raise ValueError(f"number of Merkle leaves must be a power of two, got {n}")
        self.levels: list[np.ndarray] = MerkleTree.over_hashes(hash_leaves(leaves)).levels

    @classmethod
    def over_hashes(cls, leaf_hashes: np.ndarray, depth: int | None = None) -> MerkleTree:
        """The tree over leaves whose hashes keccak256(0x00 ‖ leaf) are given ((n, 32) uint8):
        for leaves hashed where they lie (``keccak256_gathered``). With ``depth`` only that
        many levels are built: a forest of n / 2^depth equal trees, their roots the last
        level (``open_multi_bytes`` then opens up to them: verifier.merkle.climb_rows)."""
        n = len(leaf_hashes)
        if n < 1 or n & (n - 1) or leaf_hashes.shape[1:] != (HASH_BYTES,):
            raise ValueError(f"leaf hashes must be (2^d, {HASH_BYTES}), got {leaf_hashes.shape}")
        top = 1 if depth is None else n >> depth
        if top < 1:
            raise ValueError(f"a forest of depth {depth} over {n} leaves")
        tree = cls.__new__(cls)
        tree.levels = [leaf_hashes]
        while len(tree.levels[-1]) > top:
            pairs = tree.levels[-1].reshape(-1, 2 * HASH_BYTES)
            tree.levels.append(keccak256_rows(pairs, NODE_PREFIX[0]))
        return tree

    @classmethod
    def from_levels(cls, levels: list[np.ndarray]) -> MerkleTree:
        """A tree from its stored levels (leaf hashes first, root last), unchecked: the caller
        checks them (prover/keyfile.py)."""
        tree = cls.__new__(cls)
        tree.levels = list(levels)
        return tree

    @classmethod
    def checked(cls, levels: list, n_leaves: int, root: bytes) -> MerkleTree:
        """A tree from stored levels (a proving key's), checked: (n, 32) uint8 levels from
        ``n_leaves`` leaf hashes down to one root equal to ``root``, each level hashing to the
        next. KeyFileError (one line) otherwise; the leaf hashes themselves are the prover's own
        data (a wrong one only makes the verifier reject)."""
        if (not levels or any(not isinstance(lv, np.ndarray) or lv.dtype != np.uint8
                              or lv.ndim != 2 for lv in levels) or len(levels[0]) != n_leaves):
            raise KeyFileError("the proving key's commitment data has the wrong shape")
        for lo, hi in zip(levels, levels[1:], strict=False):
            if lo.shape != (2 * len(hi), HASH_BYTES) or not np.array_equal(
                    keccak256_rows(np.ascontiguousarray(lo).reshape(-1, 2 * HASH_BYTES),
                                   NODE_PREFIX[0]), hi):
                raise KeyFileError("the proving key's Merkle tree is inconsistent")
        tree = cls.from_levels(levels)
        if len(levels[-1]) != 1 or tree.root != root:
            raise KeyFileError("the proving key's Merkle root is not its commitment")
        return tree

    @property
    def n_leaves(self) -> int:
        return len(self.levels[0])

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    @property
    def root(self) -> bytes:
        """The 32-byte root (ValueError on a forest: ``over_hashes(.., depth)``)."""
        if len(self.levels[-1]) != 1:
            raise ValueError(f"a forest of {len(self.levels[-1])} trees has no single root")
        return self.levels[-1][0].tobytes()

    def leaf_hashes(self, indices: Sequence[int] | np.ndarray) -> list[bytes]:
        """The leaf hashes at ``indices``, in the order given."""
        idx = self._check_indices(indices)
        return [self.levels[0][i].tobytes() for i in idx]

    def open_multi(self, indices: Sequence[int] | np.ndarray) -> list[bytes]:
        """The canonical proof nodes opening all ``indices`` together (order, dedup: see
        ``tensorproof.verifier.merkle``). Repeated indices are opened once."""
        raw = self.open_multi_bytes(indices)
        return [raw[i : i + HASH_BYTES] for i in range(0, len(raw), HASH_BYTES)]

    def open_multi_bytes(self, indices: Sequence[int] | np.ndarray) -> bytes:
        """The nodes of ``open_multi`` concatenated (32 bytes each), as the proof carries them."""
        known = np.unique(self._check_indices(indices))
        parts = []
        for level in self.levels[:-1]:
            paired = np.zeros(len(known), dtype=bool)
            siblings = known[1:] == (known[:-1] ^ 1)  # sorted: siblings are neighbours
            paired[:-1] |= siblings
            paired[1:] |= siblings
            parts.append(level[known[~paired] ^ 1])  # siblings not computable, ascending
            parent = known >> 1
            known = parent[np.concatenate(([True], parent[1:] != parent[:-1]))]
        return np.concatenate(parts).tobytes() if parts else b""

    def _check_indices(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        idx = np.asarray(indices)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError("indices must be a non-empty 1-D sequence of integers")
        if idx.min() < 0 or idx.max() >= self.n_leaves:
            raise ValueError(f"leaf index out of range [0, {self.n_leaves})")
        return idx.astype(np.int64)
