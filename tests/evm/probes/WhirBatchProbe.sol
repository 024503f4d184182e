// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FS} from "./Transcript.sol";
import {Whir} from "./Whir.sol";

/// Test-only entry points over the batched opening's helpers (tests/evm/test_evm_whir_batch.py).
contract WhirBatchProbe {
    /// Whir.canonicalF over `data` read as 8-byte big-endian F values (len a multiple of 8).
    function canonicalF(bytes calldata data) external pure returns (bool) {
        uint256 off;
        assembly ("memory-safe") {
            off := data.offset
        }
        return Whir.canonicalF(off, data.length / 8);
    }

    /// FS.sortDistinctMod: sorted(set(x mod bound for x in a)).
    function sortDistinctMod(uint256[] memory a, uint256 bound) external pure returns (uint256[] memory) {
        FS.sortDistinctMod(a, bound);
        return a;
    }
}
