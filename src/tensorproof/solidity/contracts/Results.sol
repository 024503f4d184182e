// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title The results root of a batch of inferences, as tensorproof.solidity.results
/// @notice Sample b of a proven batch is the leaf
///     leaf_b = keccak256(u32 b ‖ inputHash_b ‖ outputHash_b)        (b big-endian, 68 bytes)
/// where inputHash_b (outputHash_b) is keccak256 of sample b's public input (output) bytes: each
/// public tensor's slice b (int64 big-endian values, row-major), inputs in sorted-name order,
/// then the outputs in sorted-name order. The root is the binary Merkle tree over the leaves
/// padded with bytes32(0) to a power of two, node = keccak256(left ‖ right) (64 bytes: never a
/// leaf's 68); a batch of one has root = leaf_0. A consuming contract that trusts a root (from a
/// verified proof's event) checks one sample with `verifySample` / `verifyMember`, given the
/// batch size and the sibling path of `membershipProof` (Python).
library Results {
    error EmptyBatch();
    error BadResultsLayout();

    /// keccak256(u32 index ‖ inputHash ‖ outputHash).
    function leaf(uint32 index, bytes32 inputHash, bytes32 outputHash) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, index))
            mstore(add(p, 4), inputHash)
            mstore(add(p, 36), outputHash)
            h := keccak256(p, 68)
        }
    }

    /// keccak256(left ‖ right).
    function node(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            h := keccak256(0x00, 0x40)
        }
    }

    /// ⌈log2 n⌉: the depth of the tree over n ≥ 1 leaves.
    function depth(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) d++;
    }

    /// The root over `leaves` (not modified), padded with bytes32(0) to a power of two. A level
    /// of odd length pairs its last node with the root of an all-padding subtree of that height
    /// (0, node(0, 0), …), which is what the padded tree holds there.
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) revert EmptyBatch();
        bytes32[] memory level = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) level[i] = leaves[i];
        bytes32 pad = bytes32(0);
        while (n > 1) {
            uint256 half = (n + 1) >> 1;
            for (uint256 i = 0; i < half; i++) {
                uint256 j = i << 1;
                level[i] = node(level[j], j + 1 < n ? level[j + 1] : pad);
            }
            pad = node(pad, pad);
            n = half;
        }
        return level[0];
    }

    /// Whether `leaf` is leaf `index` of the tree over `nLeaves` leaves with root `root`;
    /// `siblings` lists the path's other nodes from the leaf up (⌈log2 nLeaves⌉ of them). False
    /// for an index outside the batch (a padding leaf is no sample) or a path of another length.
    function verifyMember(bytes32 root_, uint256 index, uint256 nLeaves, bytes32 leaf_, bytes32[] calldata siblings)
        internal
        pure
        returns (bool)
    {
        if (index >= nLeaves || siblings.length != depth(nLeaves)) return false;
        bytes32 h = leaf_;
        for (uint256 i = 0; i < siblings.length; i++) {
            h = (index >> i) & 1 == 0 ? node(h, siblings[i]) : node(siblings[i], h);
        }
        return h == root_;
    }

    /// Whether sample `index` of a verified batch of `nLeaves` (root `root_`) had the public
    /// inputs and outputs of these hashes: verifyMember on leaf(index, inputHash, outputHash).
    function verifySample(
        bytes32 root_,
        uint256 index,
        uint256 nLeaves,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32[] calldata siblings
    ) internal pure returns (bool) {
        if (index >= nLeaves || index > type(uint32).max) return false;
        return verifyMember(root_, index, nLeaves, leaf(uint32(index), inputHash, outputHash), siblings);
    }

    /// The leaves of a batch from its public tensors: `values` holds each tensor's int64
    /// big-endian values (batch axis first), the `nInputs` inputs first, in the statement's
    /// order; tensor t takes batch · sliceBytes[t] bytes (sliceBytes[t] = 8 · its size per
    /// sample). BadResultsLayout unless `values` is exactly that long.
    function sampleLeaves(bytes calldata values, uint256 batch, uint256[] memory sliceBytes, uint256 nInputs)
        internal
        pure
        returns (bytes32[] memory leaves)
    {
        uint256 nt = sliceBytes.length;
        if (batch == 0) revert EmptyBatch();
        if (nInputs > nt || batch > type(uint32).max) revert BadResultsLayout();
        uint256[] memory start = new uint256[](nt);
        uint256 total = 0;
        uint256 inBytes = 0;
        uint256 outBytes = 0;
        for (uint256 t = 0; t < nt; t++) {
            start[t] = total;
            total += batch * sliceBytes[t];
            if (t < nInputs) inBytes += sliceBytes[t];
            else outBytes += sliceBytes[t];
        }
        if (total != values.length) revert BadResultsLayout();
        leaves = new bytes32[](batch);
        bytes memory buf = new bytes(inBytes > outBytes ? inBytes : outBytes);
        for (uint256 b = 0; b < batch; b++) {
            bytes32 hIn = _gather(values, start, sliceBytes, 0, nInputs, b, buf);
            bytes32 hOut = _gather(values, start, sliceBytes, nInputs, nt, b, buf);
            leaves[b] = leaf(uint32(b), hIn, hOut);
        }
    }

    /// The root of `sampleLeaves`.
    function rootOfSamples(bytes calldata values, uint256 batch, uint256[] memory sliceBytes, uint256 nInputs)
        internal
        pure
        returns (bytes32)
    {
        return root(sampleLeaves(values, batch, sliceBytes, nInputs));
    }

    /// keccak256 of slice b of tensors from..to-1, concatenated (in `buf`, long enough).
    function _gather(
        bytes calldata values,
        uint256[] memory start,
        uint256[] memory sliceBytes,
        uint256 from,
        uint256 to,
        uint256 b,
        bytes memory buf
    ) private pure returns (bytes32 h) {
        uint256 w = 0;
        for (uint256 t = from; t < to; t++) {
            uint256 s = sliceBytes[t];
            uint256 src = start[t] + b * s;
            assembly ("memory-safe") {
                calldatacopy(add(add(buf, 0x20), w), add(values.offset, src), s)
            }
            w += s;
        }
        assembly ("memory-safe") {
            h := keccak256(add(buf, 0x20), w)
        }
    }
}
