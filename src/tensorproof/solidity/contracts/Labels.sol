// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FS} from "./Transcript.sol";

/// @title Transcript records with labels built at run time
/// @notice The same records as FS (Transcript.sol), for labels held as byte strings in memory,
/// of any length: the sumcheck's "<label>/round<i>" and "<label>/r<i>", the steps'
/// "<index>:<op>:<what>" (verifier.context.label). u32(|label|) ‖ label as in FS.
library FSL {
    uint256 private constant P = 0xffffffff00000001; // GF.P

    /// Write s ‖ tag ‖ u32(|label|) ‖ label at the free memory pointer p (scratch, not
    /// allocated); q is where the record's data goes.
    function _header(bytes32 s, uint256 tag, bytes memory label) private pure returns (uint256 p, uint256 q) {
        assembly ("memory-safe") {
            let len := mload(label)
            p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), tag)
            mstore(add(p, 33), shl(224, len))
            mcopy(add(p, 37), add(label, 32), len)
            q := add(add(p, 37), len)
        }
    }

    /// FS.recv with a byte-string label: absorb the next n proof bytes as a message (0x03).
    function recv(FS.T memory t, bytes memory label, uint256 n) internal pure returns (uint256 off) {
        off = t.pos;
        if (n > t.end - off) revert FS.ProofTruncated();
        (uint256 p, uint256 q) = _header(t.state, 0x03, label);
        bytes32 s;
        assembly ("memory-safe") {
            mstore(q, shl(192, n))
            calldatacopy(add(q, 8), off, n)
            s := keccak256(p, add(sub(q, p), add(8, n)))
        }
        t.state = s;
        t.pos = off + n;
    }

    /// FS.challengeK with a byte-string label: outputs 0, 1, 2 (0x04 records) mod p, packed,
    /// then the state advances (0x05 record with u32(3)).
    function challengeK(FS.T memory t, bytes memory label) internal pure returns (uint256 k) {
        (uint256 p, uint256 q) = _header(t.state, 0x04, label);
        bytes32 s;
        assembly ("memory-safe") {
            let size := add(sub(q, p), 4)
            for { let c := 0 } lt(c, 3) { c := add(c, 1) } {
                mstore(q, shl(224, c))
                k := or(k, shl(shl(6, c), mod(keccak256(p, size), P)))
            }
            mstore8(add(p, 32), 0x05)
            mstore(q, shl(224, 3))
            s := keccak256(p, size)
        }
        t.state = s;
    }

    /// FS.challengesK with a byte-string label: n K elements from one draw of 3n outputs.
    function challengesK(FS.T memory t, bytes memory label, uint256 n) internal pure returns (uint256[] memory ks) {
        ks = new uint256[](n);
        (uint256 p, uint256 q) = _header(t.state, 0x04, label);
        bytes32 s;
        assembly ("memory-safe") {
            let size := add(sub(q, p), 4)
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

    /// The decimal ASCII digits of i (Python's str(i)).
    function decimal(uint256 i) internal pure returns (bytes memory s) {
        (uint256 w, uint256 n) = digitsWord(i);
        assembly ("memory-safe") {
            // one word for the length, one for at most 32 digits (i < 10^32), more past that
            s := mload(0x40)
            mstore(s, n)
            mstore(add(s, 32), w)
            mstore(0x40, add(add(s, 32), and(add(n, 31), not(31))))
        }
        if (n > 32) {
            // (not reached for round and step numbers) the long way, digit by digit
            for (uint256 x = i; x > 0; x /= 10) s[--n] = bytes1(uint8(48 + (x % 10)));
        }
    }

    /// The decimal ASCII digits of i left-aligned in a word (the first 32 of them) and their
    /// count.
    function digitsWord(uint256 i) internal pure returns (uint256 w, uint256 n) {
        assembly ("memory-safe") {
            for { let x := i } 1 {} {
                w := or(shr(8, w), shl(248, add(48, mod(x, 10))))
                n := add(n, 1)
                x := div(x, 10)
                if iszero(x) { break }
            }
        }
    }
}
