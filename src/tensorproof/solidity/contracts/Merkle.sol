// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Keccak Merkle multi-openings, as tensorproof.verifier.merkle
/// @notice Leaf hash keccak256(0x00 ‖ leaf), node hash keccak256(0x01 ‖ left ‖ right). For sorted
/// distinct leaf positions S_0 the proof lists, level by level from the leaves up and within a
/// level by increasing position, the sibling of every known position whose sibling is not
/// known; S_(l+1) = {i >> 1}. The nodes are read from calldata (32 bytes each).
library Merkle {
    error MerkleMismatch();

    /// keccak256(0x00 ‖ calldata[off : off + n]).
    function leafHash(uint256 off, uint256 n) internal pure returns (bytes32 h) {
        assembly {
            let p := mload(0x40)
            mstore8(p, 0)
            calldatacopy(add(p, 1), off, n)
            h := keccak256(p, add(n, 1))
        }
    }

    /// The number of proof nodes of the canonical multi-opening of sorted distinct `pos` in a
    /// tree of 2^depth leaves (ligero.multi_proof_len).
    function countNodes(uint256 depth, uint256[] memory pos) internal pure returns (uint256 total) {
        uint256 n = pos.length;
        uint256[] memory cur = new uint256[](n);
        for (uint256 i = 0; i < n; i++) cur[i] = pos[i];
        for (uint256 d = 0; d < depth; d++) {
            uint256 w = 0;
            uint256 i = 0;
            while (i < n) {
                if (i + 1 < n && cur[i + 1] == cur[i] ^ 1) {
                    i += 2;
                } else {
                    total++;
                    i += 1;
                }
                uint256 parent = cur[i - 1] >> 1;
                if (w == 0 || cur[w - 1] != parent) cur[w++] = parent;
            }
            n = w;
        }
    }

    /// Check the leaves `hashes` at sorted distinct `pos` against `root`, with the proof's
    /// nodes at calldata `nodesOff` (exactly countNodes(depth, pos) of them; the caller read
    /// that many). `pos` and `hashes` are overwritten.
    function verify(bytes32 root, uint256 depth, uint256[] memory pos, bytes32[] memory hashes, uint256 nodesOff)
        internal
        pure
    {
        uint256 n = pos.length;
        uint256 used = 0;
        for (uint256 d = 0; d < depth; d++) {
            uint256 w = 0;
            uint256 i = 0;
            while (i < n) {
                uint256 p = pos[i];
                bytes32 left;
                bytes32 right;
                if (i + 1 < n && pos[i + 1] == p ^ 1) {
                    left = hashes[i];
                    right = hashes[i + 1];
                    i += 2;
                } else {
                    bytes32 node;
                    assembly {
                        node := calldataload(add(nodesOff, shl(5, used)))
                    }
                    used++;
                    (left, right) = p & 1 == 0 ? (hashes[i], node) : (node, hashes[i]);
                    i += 1;
                }
                bytes32 h;
                assembly {
                    let q := mload(0x40)
                    mstore8(q, 1)
                    mstore(add(q, 1), left)
                    mstore(add(q, 33), right)
                    h := keccak256(q, 65)
                }
                pos[w] = p >> 1;
                hashes[w] = h;
                w++;
            }
            n = w;
        }
        if (n != 1 || hashes[0] != root) revert MerkleMismatch();
    }
}
