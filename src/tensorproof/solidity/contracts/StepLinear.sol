// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title Linear layers by Thaler's matmul sumcheck
/// @notice verifier/layers/linear.py; attributes (solidity/steps/linear.py): u8 n_bits | u8
/// k_bits | the rows' layout. Claim Y~(z_n, z_rows) = v: "bias" b~(z_n); a degree-2 sumcheck of
/// v − b·1_rows~(z_rows) over k_bits; "finals" X~(ρ, z_rows), W~(z_n, ρ); X·W = the subclaim.
library StepLinear {
    error LinearMismatch(uint256 step);

    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        (bool has, MC.Claim memory cl) = MC.take(c, s.output, MC.label(i, s, "merge"));
        if (!has) return;
        uint256 nBits = MC.u8(s.attrs);
        uint256 kBits = MC.u8(s.attrs + 1);
        if (s.attrsLen != 2 + MC.shapeBytes(s.attrs + 2) || nBits > cl.point.length) revert MC.BadCircuit();
        uint256[] memory zn = MC.slice(cl.point, 0, nBits);
        uint256[] memory zRows = MC.slice(cl.point, nBits, cl.point.length - nBits);
        uint256 b = MC.recv1(c, MC.label(i, s, "bias"));
        (uint256 ind, uint256 used) = MC.realIndicator(s.attrs + 2, zRows, 0);
        if (used != zRows.length) revert MC.BadCircuit();
        uint256 target = GF.ksub(cl.value, GF.kmul(b, ind));
        (uint256[] memory rho, uint256 value) = Sumcheck.verify(c.t, target, kBits, 2, MC.label(i, s, "sumcheck"));
        uint256[] memory fin = MC.recvK(c, MC.label(i, s, "finals"), 2);
        if (GF.kmul(fin[0], fin[1]) != value) revert LinearMismatch(i);
        MC.claim(c, s.inputs[0], MC.concat(rho, zRows), fin[0]);
        MC.claim(c, s.consts[0], MC.concat(zn, rho), fin[1]);
        MC.claim(c, s.consts[1], zn, b);
    }
}
