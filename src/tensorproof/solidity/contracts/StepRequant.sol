// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FSL} from "./Labels.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title Requantization: one zero-check of the relation's monomials
/// @notice verifier/layers/requant.py; attributes (solidity/steps/requant.py): x's layout | u8
/// flags (1 pad, 2 λ, 4 y stated) | u16 q | u8 L | u16 limbs | u8 channel offset, length |
/// monomials over [x, M, 1, q, limbs…, (y)]. "point" ρ, ("lambda" λ), a degree-3 zero-check
/// "sumcheck", "finals" (x, M, q, limbs, (y)); eq(ρ, r)·Σ monomials = the subclaim.
library StepRequant {
    error RequantMismatch(uint256 step);

    struct A {
        uint256 flags;
        uint256 q;
        uint256 nLimbs;
        uint256 limbs; // calldata offset of the limb ids
        uint256 chanOff;
        uint256 chanLen;
        uint256 terms; // calldata offset of the monomials
    }

    function _attrs(MC.Step memory s) private pure returns (A memory a) {
        uint256 off = s.attrs + MC.shapeBytes(s.attrs);
        a.flags = MC.u8(off);
        a.q = MC.u16(off + 1);
        a.nLimbs = MC.u8(off + 3);
        a.limbs = off + 4;
        off = a.limbs + 2 * a.nLimbs;
        a.chanOff = MC.u8(off);
        a.chanLen = MC.u8(off + 1);
        a.terms = off + 2;
    }

    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        A memory a = _attrs(s);
        uint256 n = MC.nVarsOf(c, s.inputs[0]);
        uint256[] memory rho = MC.challengePoint(c, MC.label(i, s, "point"), n);
        uint256 lam = (a.flags & 2) != 0 ? FSL.challengeK(c.t, MC.label(i, s, "lambda")) : 0;
        (uint256[] memory r, uint256 value) = Sumcheck.verify(c.t, 0, n, 3, MC.label(i, s, "sumcheck"));
        uint256 extraY = (a.flags & 4) != 0 ? 1 : 0;
        uint256[] memory fin = MC.recvK(c, MC.label(i, s, "finals"), 3 + a.nLimbs + extraY);
        (uint256 one, uint256 used) = MC.realIndicator(s.attrs, r, 0);
        if (used != n) revert MC.BadCircuit();
        uint256[] memory vals = new uint256[](fin.length + 1);
        vals[0] = fin[0];
        vals[1] = fin[1];
        vals[2] = one;
        for (uint256 j = 2; j < fin.length; j++) vals[j + 1] = fin[j];
        (uint256 sum, uint256 end) = MC.monomials(a.terms, lam, vals);
        if (end != s.attrs + s.attrsLen) revert MC.BadCircuit();
        if (GF.kmul(MC.eqEval(rho, r), sum) != value) revert RequantMismatch(i);
        MC.claim(c, s.inputs[0], r, fin[0]);
        MC.claim(c, s.consts[0], MC.slice(r, a.chanOff, a.chanLen), fin[1]);
        MC.claim(c, a.q, r, fin[2]);
        for (uint256 j = 0; j < a.nLimbs; j++) MC.claim(c, MC.u16(a.limbs + 2 * j), r, fin[3 + j]);
        if (extraY == 1) MC.claim(c, s.output, r, fin[3 + a.nLimbs]);
    }
}
