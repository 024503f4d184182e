// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title Table lookups: the lookup phase checked the real entries; the zero-padding check
/// @notice verifier/layers/lookup.py; attributes (solidity/steps/lookup.py): u8 check | the
/// output's layout. Check: "pad point" ρ, a degree-3 zero-check "pad sumcheck", "pad final"
/// y~(r); eq(ρ, r)(1 − 1~(r)) y = the subclaim.
library StepLookup {
    error PaddingNotZero(uint256 step);

    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        if (s.attrsLen == 0) revert MC.BadCircuit();
        if (MC.u8(s.attrs) == 0) {
            if (s.attrsLen != 1) revert MC.BadCircuit();
            return;
        }
        if (s.attrsLen != 1 + MC.shapeBytes(s.attrs + 1)) revert MC.BadCircuit();
        verifyPadding(c, i, s, s.output, s.attrs + 1);
    }

    /// lookup.verify_padding for tensor `id` of the layout at `shapeOff`.
    function verifyPadding(MC.Ctx memory c, uint256 i, MC.Step memory s, uint256 id, uint256 shapeOff) internal pure {
        uint256 n = MC.nVarsOf(c, id);
        uint256[] memory rho = MC.challengePoint(c, MC.label(i, s, "pad point"), n);
        (uint256[] memory r, uint256 value) = Sumcheck.verify(c.t, 0, n, 3, MC.label(i, s, "pad sumcheck"));
        uint256 y = MC.recv1(c, MC.label(i, s, "pad final"));
        (uint256 one, uint256 used) = MC.realIndicator(shapeOff, r, 0);
        if (used != n) revert MC.BadCircuit();
        uint256 expected = GF.kmul(MC.eqEval(rho, r), GF.kmul(GF.ksub(1, one), y));
        if (expected != value) revert PaddingNotZero(i);
        MC.claim(c, id, r, y);
    }
}
