// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title Rounded division y = ⌊(a·2^s + ⌊b/2⌋)/b⌋: one zero-check of the relation's monomials
/// @notice verifier/layers/div_round.py; attributes (solidity/steps/div_round.py): y's layout |
/// u8 L | u16 limbs (r…, d…, v…) | monomials over [a, b, y, 1, limbs…]. "point" ρ, "lambda" λ,
/// a degree-3 zero-check "sumcheck", "finals" (a, b, y, limbs); eq(ρ, r)·Σ monomials = the
/// subclaim; 1 = the real-entry indicator (prefix indicators). Claims on a, b, y, limbs at r.
library StepDivRound {
    error DivRoundMismatch(uint256 step);

    /// Sumcheck.verify through a function pointer, which the optimizer cannot inline: one copy of
    /// its (large) body serves both steps of StepsC (EIP-170; 1.3 KB less).
    function _sc(FS.T memory t, uint256 claim, uint256 n, uint256 deg, bytes memory label)
        private
        pure
        returns (uint256[] memory, uint256)
    {
        function(FS.T memory, uint256, uint256, uint256, bytes memory) internal pure returns (uint256[] memory, uint256) f = Sumcheck.verify;
        return f(t, claim, n, deg, label);
    }

    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        if (s.inputs.length != 2) revert MC.BadCircuit();
        uint256 off = s.attrs + MC.shapeBytes(s.attrs);
        uint256 nLimbs = MC.u8(off);
        uint256 limbs = off + 1;
        uint256 n = MC.nVarsOf(c, s.output);
        uint256[] memory rho = MC.challengePoint(c, MC.label(i, s, "point"), n);
        uint256 lam = FSL.challengeK(c.t, MC.label(i, s, "lambda"));
        (uint256[] memory r, uint256 value) = _sc(c.t, 0, n, 3, MC.label(i, s, "sumcheck"));
        uint256[] memory fin = MC.recvK(c, MC.label(i, s, "finals"), 3 + nLimbs);
        (uint256 one, uint256 used) = MC.realIndicator(s.attrs, r, 0);
        if (used != n) revert MC.BadCircuit();
        uint256[] memory vals = new uint256[](fin.length + 1);
        for (uint256 j = 0; j < fin.length; j++) vals[j < 3 ? j : j + 1] = fin[j];
        vals[3] = one;
        (uint256 sum, uint256 end) = MC.monomials(limbs + 2 * nLimbs, lam, vals);
        if (end != s.attrs + s.attrsLen) revert MC.BadCircuit();
        if (GF.kmul(MC.eqEval(rho, r), sum) != value) revert DivRoundMismatch(i);
        MC.claim(c, s.inputs[0], r, fin[0]);
        MC.claim(c, s.inputs[1], r, fin[1]);
        MC.claim(c, s.output, r, fin[2]);
        for (uint256 j = 0; j < nLimbs; j++) MC.claim(c, MC.u16(limbs + 2 * j), r, fin[3 + j]);
    }
}
