// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";

/// @title The Keccak-256 Fiat-Shamir transcript, byte-exact with tensorproof.transcript.base
/// @notice State s (32 bytes), u32/u64 big-endian, ‖ concatenation:
///   init:      s0 = keccak256(0^32 ‖ 0x01 ‖ u32(6) ‖ "domain" ‖ u64(|domain|) ‖ domain)
///   absorb:    s  = keccak256(s ‖ tag ‖ u32(|label|) ‖ label ‖ u64(|data|) ‖ data),
///              tag 0x02 public data, 0x03 a prover message (read from the proof in calldata)
///   challenge: out_i = keccak256(s ‖ 0x04 ‖ u32(|label|) ‖ label ‖ u32(i)), i < m, then
///              s = keccak256(s ‖ 0x05 ‖ u32(|label|) ‖ label ‖ u32(m))
/// A label is a compile-time word: its ASCII bytes left-aligned, its length in the low byte
/// (labels are at most 31 bytes), e.g. `uint256(bytes32("whir/fold")) | 9`.
/// The proof is a calldata byte string read front to back (`pos` .. `end`); reading past its
/// end reverts with ProofTruncated, a field element >= p with NonCanonical.
library FS {
    error ProofTruncated();
    error NonCanonical();
    error TrailingBytes();
    error BadBound();

    uint256 private constant P = 0xffffffff00000001; // GF.P

    struct T {
        bytes32 state;
        uint256 pos; // calldata offset of the next unread proof byte
        uint256 end; // calldata offset just past the proof
    }

    uint256 internal constant L_DOMAIN = uint256(bytes32("domain")) | 6;

    /// A transcript over `domain`, reading the proof `proof` (calldata).
    function init(bytes memory domain, bytes calldata proof) internal pure returns (T memory t) {
        uint256 off;
        assembly ("memory-safe") {
            off := proof.offset
        }
        t.pos = off;
        t.end = off + proof.length;
        t.state = bytes32(0);
        absorbMem(t, 0x01, L_DOMAIN, domain);
    }

    /// Absorb memory bytes with a tag (0x01 domain, 0x02 public data).
    function absorbMem(T memory t, uint256 tag, uint256 label, bytes memory data) internal pure {
        bytes32 s = t.state;
        assembly ("memory-safe") {
            let len := and(label, 0xff)
            let n := mload(data)
            let p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), tag)
            mstore(add(p, 33), shl(224, len))
            mstore(add(p, 37), and(label, not(0xff)))
            let q := add(add(p, 37), len)
            mstore(q, shl(192, n))
            mcopy(add(q, 8), add(data, 32), n)
            s := keccak256(p, add(add(45, len), n))
        }
        t.state = s;
    }

    /// Absorb public data (tag 0x02): what both sides know, not part of the proof.
    function absorbPublic(T memory t, uint256 label, bytes memory data) internal pure {
        absorbMem(t, 0x02, label, data);
    }

    /// Read the next n proof bytes as a message (tag 0x03) and return their calldata offset.
    function recv(T memory t, uint256 label, uint256 n) internal pure returns (uint256 off) {
        off = t.pos;
        if (n > t.end - off) revert ProofTruncated();
        bytes32 s = t.state;
        assembly ("memory-safe") {
            let len := and(label, 0xff)
            let p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), 0x03)
            mstore(add(p, 33), shl(224, len))
            mstore(add(p, 37), and(label, not(0xff)))
            let q := add(add(p, 37), len)
            mstore(q, shl(192, n))
            calldatacopy(add(q, 8), off, n)
            s := keccak256(p, add(add(45, len), n))
        }
        t.state = s;
        t.pos = off + n;
    }

    /// Reject trailing bytes after the last message.
    function checkEof(T memory t) internal pure {
        if (t.pos != t.end) revert TrailingBytes();
    }

    /// The i-th 8-byte big-endian F element at calldata offset `off`; NonCanonical if >= p.
    function fAt(uint256 off, uint256 i) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := shr(192, calldataload(add(off, shl(3, i))))
        }
        if (x >= GF.P) revert NonCanonical();
    }

    /// The i-th K element (three F elements, X^0 first) at calldata offset `off`, packed.
    function kAt(uint256 off, uint256 i) internal pure returns (uint256) {
        uint256 j = 3 * i;
        return fAt(off, j) | (fAt(off, j + 1) << 64) | (fAt(off, j + 2) << 128);
    }

    /// The m 256-bit outputs of one draw, written to out[0..m), then the state advances.
    function squeezeInto(T memory t, uint256 label, uint256[] memory out, uint256 m) internal pure {
        bytes32 s = t.state;
        assembly ("memory-safe") {
            let len := and(label, 0xff)
            let p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), 0x04)
            mstore(add(p, 33), shl(224, len))
            mstore(add(p, 37), and(label, not(0xff)))
            let q := add(add(p, 37), len)
            let size := add(41, len)
            for { let i := 0 } lt(i, m) { i := add(i, 1) } {
                mstore(q, shl(224, i))
                mstore(add(add(out, 32), shl(5, i)), keccak256(p, size))
            }
            mstore8(add(p, 32), 0x05)
            mstore(q, shl(224, m))
            s := keccak256(p, size)
        }
        t.state = s;
    }

    /// One challenge in F (one output mod p).
    function challengeF(T memory t, uint256 label) internal pure returns (uint256) {
        uint256[] memory out = new uint256[](1);
        squeezeInto(t, label, out, 1);
        return out[0] % GF.P;
    }

    /// One challenge in K (three outputs mod p, X^0 first), packed.
    function challengeK(T memory t, uint256 label) internal pure returns (uint256 k) {
        bytes32 s = t.state;
        assembly ("memory-safe") {
            // squeezeInto with m = 3, the outputs reduced mod p and packed as they come
            let len := and(label, 0xff)
            let p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), 0x04)
            mstore(add(p, 33), shl(224, len))
            mstore(add(p, 37), and(label, not(0xff)))
            let q := add(add(p, 37), len)
            let size := add(41, len)
            mstore(q, 0)
            k := mod(keccak256(p, size), P)
            mstore(q, shl(224, 1))
            k := or(k, shl(64, mod(keccak256(p, size), P)))
            mstore(q, shl(224, 2))
            k := or(k, shl(128, mod(keccak256(p, size), P)))
            mstore8(add(p, 32), 0x05)
            mstore(q, shl(224, 3))
            s := keccak256(p, size)
        }
        t.state = s;
    }

    /// n challenges in K from one draw of 3n outputs.
    function challengesK(T memory t, uint256 label, uint256 n) internal pure returns (uint256[] memory ks) {
        ks = new uint256[](n);
        bytes32 s = t.state;
        assembly ("memory-safe") {
            // squeezeInto with m = 3n: output 3i + c is coefficient c of ks[i]
            let len := and(label, 0xff)
            let p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), 0x04)
            mstore(add(p, 33), shl(224, len))
            mstore(add(p, 37), and(label, not(0xff)))
            let q := add(add(p, 37), len)
            let size := add(41, len)
            let o := 0
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let k := 0
                for { let c := 0 } lt(c, 3) { c := add(c, 1) } {
                    mstore(q, shl(224, o))
                    k := or(k, shl(shl(6, c), mod(keccak256(p, size), P)))
                    o := add(o, 1)
                }
                mstore(add(add(ks, 32), shl(5, i)), k)
            }
            mstore8(add(p, 32), 0x05)
            mstore(q, shl(224, o))
            s := keccak256(p, size)
        }
        t.state = s;
    }

    /// n indices in [0, bound) from one draw, sorted, duplicates removed
    /// (verifier.pcs.commitment.distinct_indices: sorted(set(draw mod bound))).
    function distinctIndices(T memory t, uint256 label, uint256 n, uint256 bound)
        internal
        pure
        returns (uint256[] memory idx)
    {
        if (bound == 0) revert BadBound();
        idx = new uint256[](n);
        squeezeInto(t, label, idx, n);
        sortDistinctMod(idx, bound);
    }

    /// In place: a <- sorted(set(x mod bound for x in a)) (the length word shrinks).
    function sortDistinctMod(uint256[] memory a, uint256 bound) internal pure {
        uint256 n = a.length;
        // (nothing to sort; the exit also keeps the loops below out of line, on a stack of
        // their own: the optimizer inlines exit-free functions called once)
        if (n == 0) return;
        assembly ("memory-safe") {
            let base := add(a, 32)
            let end := add(base, shl(5, n))
            // insertion sort of the values mod bound: a[0..i) is sorted when a[i] comes in;
            // a binary search finds the first entry > v, mcopy moves the rest up one word
            for { let p := base } lt(p, end) { p := add(p, 32) } {
                let v := mod(mload(p), bound)
                let lo := base
                let hi := p
                for {} lt(lo, hi) {} {
                    // the middle word of [lo, hi) (byte offsets are multiples of 32)
                    let mid := add(lo, and(shr(1, sub(hi, lo)), not(31)))
                    switch gt(mload(mid), v)
                    case 0 { lo := add(mid, 32) }
                    default { hi := mid }
                }
                mcopy(add(lo, 32), lo, sub(p, lo))
                mstore(lo, v)
            }
            // drop repeats in place: `last` is the last kept entry
            let last := base
            for { let p := add(base, 32) } lt(p, end) { p := add(p, 32) } {
                let v := mload(p)
                if iszero(eq(v, mload(last))) {
                    last := add(last, 32)
                    mstore(last, v)
                }
            }
            mstore(a, add(1, shr(5, sub(last, base))))
        }
    }
}
