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
        assembly ("memory-safe") {
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
        (bool ok,) = verifyNodes(root, depth, pos, hashes, nodesOff);
        if (!ok) revert MerkleMismatch();
    }

    /// The multi-opening of the leaves `hashes` at sorted distinct `pos` (each < 2^depth), the
    /// proof's nodes read in canonical order from calldata `nodesOff`: whether the root comes
    /// out, and how many nodes were read (countNodes(depth, pos): which positions take a node
    /// depends on `pos` alone). The caller must check that the proof holds `used` nodes there
    /// (a read past its end is harmless: the caller then rejects the proof). `pos` and `hashes`
    /// are overwritten.
    function verifyNodes(bytes32 root, uint256 depth, uint256[] memory pos, bytes32[] memory hashes, uint256 nodesOff)
        internal
        pure
        returns (bool ok, uint256 used)
    {
        assembly ("memory-safe") {
            let n := mload(pos)
            let pp := add(pos, 32)
            let hp := add(hashes, 32)
            // scratch 0x01 ‖ left ‖ right past the free memory pointer
            let buf := mload(0x40)
            mstore8(buf, 1)
            for { let d := 0 } lt(d, depth) { d := add(d, 1) } {
                // one level: the known positions in order; each pair (2i, 2i + 1) or lonely
                // position gives one parent, written in place at w (w <= i: parents are
                // distinct and sorted since the positions are)
                let w := 0
                for { let i := 0 } lt(i, n) {} {
                    let p := mload(add(pp, shl(5, i)))
                    let h := mload(add(hp, shl(5, i)))
                    let j := add(i, 1)
                    // (the read at j = n is of memory past the array, ignored then)
                    switch and(lt(j, n), eq(mload(add(pp, shl(5, j))), xor(p, 1)))
                    case 0 {
                        // the sibling is unknown: the next proof node
                        let node := calldataload(add(nodesOff, shl(5, used)))
                        used := add(used, 1)
                        switch and(p, 1)
                        case 0 {
                            mstore(add(buf, 1), h)
                            mstore(add(buf, 33), node)
                        }
                        default {
                            mstore(add(buf, 1), node)
                            mstore(add(buf, 33), h)
                        }
                        i := j
                    }
                    default {
                        // p even and p + 1 known: both children
                        mstore(add(buf, 1), h)
                        mstore(add(buf, 33), mload(add(hp, shl(5, j))))
                        i := add(j, 1)
                    }
                    mstore(add(pp, shl(5, w)), shr(1, p))
                    mstore(add(hp, shl(5, w)), keccak256(buf, 65))
                    w := add(w, 1)
                }
                n := w
            }
            ok := and(eq(n, 1), eq(mload(hp), root))
        }
    }

    /// The multi-opening of the leaves at sorted distinct `pos` (each < 2^depth), leaf j being
    /// the `leafBytes` bytes at calldata `leavesOff + j leafBytes`, with the proof's nodes read
    /// in canonical order from calldata `nodesOff`: whether the root comes out, and how many
    /// nodes were read (countNodes(depth, pos): which positions take a node depends on `pos`
    /// alone, so the caller can receive exactly that many afterwards; a read past the proof's
    /// end is harmless since the caller then rejects it).
    function verifyCalldataLeaves(
        bytes32 root,
        uint256 depth,
        uint256[] memory pos,
        uint256 leavesOff,
        uint256 leafBytes,
        uint256 nodesOff
    ) internal pure returns (bool ok, uint256 used) {
        uint256 n = pos.length;
        // (no leaf, no opening; this exit also keeps the loops below out of line, on a stack
        // of their own, where the optimizer inlines exit-free functions called once)
        if (n == 0) return (false, 0);
        assembly ("memory-safe") {
            // Past the free memory pointer: the known (position, hash) pairs of a level, 64
            // bytes each, then a sentinel pair, then the hashing scratch (prefix ‖ data).
            let wa := mload(0x40)
            let end := add(wa, shl(6, n))
            let buf := add(end, 64)
            let start := nodesOff
            // the leaves: keccak256(0x00 ‖ leaf)
            mstore8(buf, 0)
            let pp := add(pos, 32)
            for { let w := wa } lt(w, end) { w := add(w, 64) } {
                calldatacopy(add(buf, 1), leavesOff, leafBytes)
                mstore(w, mload(pp))
                mstore(add(w, 32), keccak256(buf, add(leafBytes, 1)))
                leavesOff := add(leavesOff, leafBytes)
                pp := add(pp, 32)
            }
            // the levels: keccak256(0x01 ‖ left ‖ right). In order of position, a pair 2i,
            // 2i + 1 of known nodes hashes together; any other known node takes the next proof
            // node as its sibling. The parents (distinct, in order) overwrite the front.
            mstore8(buf, 1)
            for {} depth { depth := sub(depth, 1) } {
                // positions are < 2^depth, so no position's sibling is the sentinel's
                mstore(end, not(0))
                let out := wa
                for { let w := wa } lt(w, end) {} {
                    let i := mload(w)
                    let h := mload(add(w, 32))
                    w := add(w, 64)
                    switch eq(mload(w), xor(i, 1))
                    case 0 {
                        // h on its side (i even: left), the proof node on the other
                        let side := shl(5, and(i, 1))
                        mstore(add(buf, add(1, side)), h)
                        mstore(add(buf, sub(33, side)), calldataload(nodesOff))
                        nodesOff := add(nodesOff, 32)
                    }
                    default {
                        mstore(add(buf, 1), h)
                        mstore(add(buf, 33), mload(add(w, 32)))
                        w := add(w, 64)
                    }
                    mstore(out, shr(1, i))
                    mstore(add(out, 32), keccak256(buf, 65))
                    out := add(out, 64)
                }
                end := out
            }
            used := shr(5, sub(nodesOff, start))
            ok := and(eq(end, add(wa, 64)), eq(mload(add(wa, 32)), root))
        }
    }
}
