"""Keccak Merkle trees: honest multi-openings verify; a named tamper suite is rejected."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.prover.merkle import MerkleTree, hash_leaves
from tensorproof.transcript.keccak import keccak256
from tensorproof.verifier.merkle import climb_rows, hash_leaf, hash_node, verify_multi
from tensorproof.verifier.pcs.ligero import multi_proof_len


def _tree(n_leaves: int, leaf_len: int = 24, seed: int = 0) -> tuple[np.ndarray, MerkleTree]:
    leaves = np.random.default_rng(seed).integers(0, 256, (n_leaves, leaf_len), dtype=np.uint8)
    return leaves, MerkleTree(leaves)


def _naive_root(leaves: list[bytes]) -> bytes:
    """Independent recursive definition: root of a list of leaves."""
    if len(leaves) == 1:
        return keccak256(b"\x00" + leaves[0])
    half = len(leaves) // 2
    return keccak256(b"\x01" + _naive_root(leaves[:half]) + _naive_root(leaves[half:]))


def _naive_opening(n_leaves: int, indices: list[int]) -> list[tuple[int, int]]:
    """(level, position) of the canonical proof nodes, by the documented rule, with sets."""
    known, out = set(indices), []
    for level in range(n_leaves.bit_length() - 1):
        out += [(level, i ^ 1) for i in sorted(known) if i ^ 1 not in known]
        known = {i >> 1 for i in known}
    return out


# --- hashing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_leaves", [1, 2, 4, 8, 32])
def test_root_matches_recursive_definition(n_leaves):
    leaves, tree = _tree(n_leaves, leaf_len=17)
    assert tree.root == _naive_root([row.tobytes() for row in leaves])


def test_leaf_and_node_hashes_are_domain_separated():
    a, b = bytes(32), bytes(range(32))
    assert hash_leaf(a + b) != hash_node(a, b)
    assert hash_leaf(b"x") == keccak256(b"\x00x") and hash_node(a, b) == keccak256(b"\x01" + a + b)


def test_list_of_bytes_leaves_equal_matrix_leaves():
    leaves, tree = _tree(8)
    assert MerkleTree([row.tobytes() for row in leaves]).root == tree.root


def test_unequal_length_leaves_hash_one_by_one():
    leaves = [b"a", b"bb", b"", b"dddd"]
    hashes = hash_leaves(leaves)
    assert [h.tobytes() for h in hashes] == [hash_leaf(x) for x in leaves]
    assert MerkleTree(leaves).root == _naive_root(leaves)


@pytest.mark.parametrize("n_leaves", [0, 3, 6])
def test_prover_rejects_non_power_of_two_leaf_count(n_leaves):
    with pytest.raises(ValueError):
        MerkleTree(np.zeros((n_leaves, 4), dtype=np.uint8))


# --- completeness -------------------------------------------------------------------------------

@pytest.mark.parametrize("n_leaves", [1, 2, 4, 16, 256, 1024])
def test_honest_multi_openings_verify(n_leaves):
    leaves, tree = _tree(n_leaves)
    rng = np.random.default_rng(n_leaves)
    index_sets = [[0], [n_leaves - 1], list(range(n_leaves))[:8]]
    index_sets += [rng.integers(0, n_leaves, rng.integers(1, 12)).tolist() for _ in range(10)]
    for idx in index_sets:
        nodes = tree.open_multi(idx)
        assert len(nodes) == len(_naive_opening(n_leaves, sorted(set(idx))))
        verify_multi(tree.root, n_leaves, idx, [hash_leaf(leaves[i].tobytes()) for i in idx], nodes)


def test_opening_nodes_follow_canonical_order():
    _, tree = _tree(64)
    idx = [50, 3, 2, 17, 63]
    expected = [tree.levels[lv][pos].tobytes() for lv, pos in _naive_opening(64, sorted(idx))]
    assert tree.open_multi(idx) == expected


def test_opening_bytes_and_proof_length_match_the_node_list():
    """open_multi_bytes is the concatenation of open_multi; Ligero's multi_proof_len counts it."""
    _, tree = _tree(256)
    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 60, 200, 256):
        idx = np.unique(rng.integers(0, 256, size))
        nodes = tree.open_multi(idx)
        assert tree.open_multi_bytes(idx) == b"".join(nodes)
        assert multi_proof_len(8, idx) == len(nodes) == len(_naive_opening(256, idx.tolist()))


def test_opening_every_leaf_needs_no_nodes():
    leaves, tree = _tree(16)
    assert tree.open_multi(range(16)) == []
    verify_multi(tree.root, 16, list(range(16)), tree.leaf_hashes(range(16)), [])


def test_repeated_index_with_same_hash_accepted():
    _, tree = _tree(16)
    idx = [5, 9, 5]
    assert tree.open_multi(idx) == tree.open_multi([5, 9])
    verify_multi(tree.root, 16, idx, tree.leaf_hashes(idx), tree.open_multi(idx))


def test_numpy_indices_and_leaf_hashes_accepted():
    _, tree = _tree(32)
    idx = np.array([3, 30], dtype=np.int64)
    verify_multi(tree.root, np.int64(32), idx, tree.leaf_hashes(idx), tree.open_multi(idx))


# --- tamper suite -------------------------------------------------------------------------------

N, IDX = 64, [1, 2, 40, 41, 63]


@pytest.fixture(name="opening")
def _opening():
    _, tree = _tree(N)
    return tree.root, tree.leaf_hashes(IDX), tree.open_multi(IDX)


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def test_wrong_leaf_rejected(opening):
    root, leaves, nodes = opening
    for j in range(len(IDX)):
        bad = leaves[:j] + [_flip(leaves[j])] + leaves[j + 1 :]
        with pytest.raises(VerificationError, match="does not match the root"):
            verify_multi(root, N, IDX, bad, nodes)


def test_wrong_sibling_rejected(opening):
    root, leaves, nodes = opening
    for j in range(len(nodes)):
        bad = nodes[:j] + [_flip(nodes[j])] + nodes[j + 1 :]
        with pytest.raises(VerificationError, match="does not match the root"):
            verify_multi(root, N, IDX, leaves, bad)


def test_swapped_siblings_rejected(opening):
    root, leaves, nodes = opening
    bad = [nodes[1], nodes[0]] + nodes[2:]
    with pytest.raises(VerificationError, match="does not match the root"):
        verify_multi(root, N, IDX, leaves, bad)


def test_swapped_leaf_hashes_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="does not match the root"):
        verify_multi(root, N, IDX, [leaves[1], leaves[0]] + leaves[2:], nodes)


def test_missing_node_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="too few proof nodes"):
        verify_multi(root, N, IDX, leaves, nodes[:-1])


def test_extra_node_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="1 unused proof nodes"):
        verify_multi(root, N, IDX, leaves, nodes + [bytes(32)])


def test_wrong_root_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="does not match the root"):
        verify_multi(_flip(root), N, IDX, leaves, nodes)


@pytest.mark.parametrize("bad_index", [-1, N, 2**64])
def test_index_out_of_range_rejected(opening, bad_index):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="out of range"):
        verify_multi(root, N, IDX[:-1] + [bad_index], leaves, nodes)


def test_wrong_index_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError):
        verify_multi(root, N, IDX[:-1] + [62], leaves, nodes)


@pytest.mark.parametrize("n_leaves", [N // 2, N * 2])
def test_wrong_n_leaves_rejected(opening, n_leaves):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError):
        verify_multi(root, n_leaves, IDX, leaves, nodes)


@pytest.mark.parametrize("n_leaves", [0, 3, 48, -4, 2.0, True])
def test_non_power_of_two_n_leaves_rejected(opening, n_leaves):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="Merkle leaves must be"):
        verify_multi(root, n_leaves, IDX, leaves, nodes)


def test_duplicated_index_with_conflicting_hashes_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="opened twice with different hashes"):
        verify_multi(root, N, IDX + [IDX[0]], leaves + [_flip(leaves[0])], nodes)


def test_empty_opening_rejected(opening):
    root, _, _ = opening
    with pytest.raises(VerificationError, match="empty"):
        verify_multi(root, N, [], [], [])


def test_count_mismatch_between_indices_and_leaves_rejected(opening):
    root, leaves, nodes = opening
    with pytest.raises(VerificationError, match="indices but"):
        verify_multi(root, N, IDX, leaves[:-1], nodes)


def test_short_hashes_are_format_errors(opening):
    root, leaves, nodes = opening
    with pytest.raises(ProofFormatError):
        verify_multi(root[:31], N, IDX, leaves, nodes)
    with pytest.raises(ProofFormatError):
        verify_multi(root, N, IDX, leaves, [nodes[0][:31]] + nodes[1:])
    with pytest.raises(ProofFormatError):
        verify_multi(root, N, IDX, [leaves[0] + b"\x00"] + leaves[1:], nodes)


def test_leaf_passed_off_as_node_rejected():
    """Second preimage: the 64 bytes (left ‖ right) of an inner node are not a leaf of the
    half-depth tree (they would be without the 0x00/0x01 prefixes)."""
    _, tree = _tree(4)
    left, right = tree.levels[0][0].tobytes(), tree.levels[0][1].tobytes()
    with pytest.raises(VerificationError, match="does not match the root"):
        verify_multi(tree.root, 2, [0], [hash_leaf(left + right)], [tree.levels[1][1].tobytes()])


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_a_forest_opens_up_to_its_roots(depth):
    """``over_hashes(.., depth)`` stops at 2^(5 - depth) roots, each the root of the tree over
    its own 2^depth leaves; ``open_multi_bytes`` then opens up to them (multi_proof_len's
    count), ``climb_rows`` recomputes the distinct roots above the opened leaves and uses every
    node; one changed node or a missing one changes a root or is refused."""
    rng = np.random.default_rng(depth)
    hashes = rng.integers(0, 256, (32, 32), dtype=np.uint8)
    forest = MerkleTree.over_hashes(hashes, depth)
    width = 1 << depth
    assert len(forest.levels[-1]) == 32 // width
    for j in (0, 32 // width - 1):
        assert forest.levels[-1][j].tobytes() == MerkleTree.over_hashes(
            hashes[j * width:(j + 1) * width]).root
    pos = np.unique(rng.choice(32, 9, replace=False)).astype(np.int64)
    raw = forest.open_multi_bytes(pos)
    nodes = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32)
    assert len(nodes) == multi_proof_len(depth, pos)
    tops, roots, used = climb_rows(depth, pos, hashes[pos], nodes)
    assert used == len(nodes) and np.array_equal(tops, np.unique(pos >> depth))
    assert np.array_equal(roots, forest.levels[-1][tops])
    if len(nodes):
        bad = nodes.copy()
        bad[0, 0] ^= 1
        assert not np.array_equal(climb_rows(depth, pos, hashes[pos], bad)[1], roots)
        with pytest.raises(VerificationError):
            climb_rows(depth, pos, hashes[pos], nodes[:-1])
    with pytest.raises(ValueError):
        MerkleTree.over_hashes(hashes, 6)
    with pytest.raises(ValueError):  # a forest has no single root
        _ = forest.root
