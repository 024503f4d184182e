// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {MC} from "./ModelContext.sol";

/// @title alias, transpose, reduce_sum: claims move to the input at a mapped point
/// @notice verifier/layers/relabel.py; attributes (solidity/steps/relabel.py): u8 n | n bytes
/// map (0xFF: ½) | u64 factor. Every pending claim moves (no merge, no message).
library StepRelabel {
    uint256 internal constant HALF = 0x7fffffff80000001; // (p + 1) / 2

    function verify(MC.Ctx memory c, uint256, MC.Step memory s) internal pure {
        uint256 n = MC.u8(s.attrs);
        if (s.attrsLen != 9 + n) revert MC.BadCircuit();
        uint256 factor = MC.fc(s.attrs + 1 + n);
        (MC.Claim[] memory list, uint256 count) = MC.takeAll(c, s.output);
        for (uint256 j = 0; j < count; j++) {
            uint256[] memory point = new uint256[](n);
            for (uint256 i = 0; i < n; i++) {
                uint256 src = MC.u8(s.attrs + 1 + i);
                if (src == 0xFF) {
                    point[i] = HALF;
                } else {
                    if (src >= list[j].point.length) revert MC.BadCircuit();
                    point[i] = list[j].point[src];
                }
            }
            MC.claim(c, s.inputs[0], point, GF.kmulBase(list[j].value, factor));
        }
    }
}
