// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title Window maximum y[p] = max over the valid u of x[p, u]
/// @notice verifier/layers/max_reduce.py; attributes (solidity/steps/max_reduce.py): u16 d |
/// y's layout | u8 U | per u < U: u16 n | n boxes of (u32 lo, u32 hi) per sample axis of y |
/// monomials over [e_0.., e_(U−1), y, G, 1]. "point" ρ = (ρ_u | ρ_p), "opening" x~(ρ), d~(ρ),
/// "lambda" λ, "sumcheck" over p (degree max(U, 2) + 1, claim λ(x + d)), "finals" d~(u, r) for
/// u < U and y~(r), "window point" ρ_w. The validity mask V~(u, r) is [b < B]~ · Σ_box Π_axes
/// (P(hi) − P(lo)) with P the prefix indicators: no O(size) work. Claims: x at ρ, d at ρ and at
/// (ρ_w | r), y at r.
library StepMaxReduce {
    error MaxMismatch(uint256 step);

    struct A {
        uint256 d; // the gap tensor
        uint256 sh; // calldata offset of y's layout
        uint256 U;
        uint256 uBits;
        uint256 nP; // variables of y
        uint256 boxes; // calldata offset of the boxes
    }

    function _attrs(MC.Ctx memory c, MC.Step memory s) private pure returns (A memory a) {
        if (s.inputs.length != 1) revert MC.BadCircuit();
        a.d = MC.u16(s.attrs);
        a.sh = s.attrs + 2;
        uint256 off = a.sh + MC.shapeBytes(a.sh);
        a.U = MC.u8(off);
        a.boxes = off + 1;
        uint256 n = MC.nVarsOf(c, s.inputs[0]);
        a.nP = MC.nVarsOf(c, s.output);
        if (a.U == 0 || n < a.nP || MC.u8(a.sh) == 0) revert MC.BadCircuit();
        a.uBits = n - a.nP;
        if (a.uBits != MC.bitsOf(a.U)) revert MC.BadCircuit();
    }

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
        A memory a = _attrs(c, s);
        uint256[] memory rho = MC.challengePoint(c, MC.label(i, s, "point"), a.uBits + a.nP);
        uint256[] memory xd = MC.recvK(c, MC.label(i, s, "opening"), 2);
        uint256 lam = FSL.challengeK(c.t, MC.label(i, s, "lambda"));
        uint256 deg = (a.U > 2 ? a.U : 2) + 1;
        (uint256[] memory r, uint256 value) =
            _sc(c.t, GF.kmul(lam, GF.kadd(xd[0], xd[1])), a.nP, deg, MC.label(i, s, "sumcheck"));
        uint256[] memory fin = MC.recvK(c, MC.label(i, s, "finals"), a.U + 1);
        uint256 end;
        uint256 sum;
        {
            uint256[] memory vals;
            (vals, end) = _values(a, rho, r, fin);
            (sum, end) = MC.monomials(end, lam, vals);
        }
        if (end != s.attrs + s.attrsLen) revert MC.BadCircuit();
        if (GF.kmul(MC.eqEval(MC.slice(rho, a.uBits, a.nP), r), sum) != value) revert MaxMismatch(i);
        uint256[] memory rw = MC.challengePoint(c, MC.label(i, s, "window point"), a.uBits);
        uint256 dw = 0;
        for (uint256 u = 0; u < a.U; u++) dw = GF.kadd(dw, GF.kmul(MC.eqIndex(rw, 0, a.uBits, u), fin[u]));
        MC.claim(c, s.inputs[0], rho, xd[0]);
        MC.claim(c, a.d, rho, xd[1]);
        MC.claim(c, a.d, MC.concat(rw, r), dw);
        MC.claim(c, s.output, r, fin[a.U]);
    }

    /// [e_0.., e_(U−1), y, G, 1] at r: e_u = d_u + 1 − V_u, G = Σ_u eq(ρ_u, u) V_u; returns the
    /// calldata offset after the boxes (the monomials').
    function _values(A memory a, uint256[] memory rho, uint256[] memory r, uint256[] memory fin)
        private
        pure
        returns (uint256[] memory vals, uint256 off)
    {
        (uint256 one, uint256 used) = MC.realIndicator(a.sh, r, 0);
        if (used != a.nP) revert MC.BadCircuit();
        uint256 batchBits = MC.bitsOf(MC.u32(a.sh + 1));
        uint256 scale = MC.prefixIndicator(r, a.nP - batchBits, batchBits, MC.u32(a.sh + 1));
        vals = new uint256[](a.U + 3);
        uint256 g = 0;
        off = a.boxes;
        for (uint256 u = 0; u < a.U; u++) {
            uint256 v;
            (v, off) = _mask(off, a.sh, r);
            v = GF.kmul(v, scale);
            g = GF.kadd(g, GF.kmul(MC.eqIndex(rho, 0, a.uBits, u), v));
            vals[u] = GF.ksub(GF.kadd(fin[u], one), v);
        }
        vals[a.U] = fin[a.U];
        vals[a.U + 1] = g;
        vals[a.U + 2] = one;
    }

    /// Σ over the boxes at `off` of Π over y's sample axes (last axis lowest in r) of
    /// P(hi) − P(lo), P the axis's prefix indicator; returns the offset after them.
    function _mask(uint256 off, uint256 sh, uint256[] memory r) private pure returns (uint256 acc, uint256 end) {
        uint256 nBoxes = MC.u16(off);
        uint256 rank = MC.u8(sh);
        end = off + 2;
        for (uint256 b = 0; b < nBoxes; b++) {
            uint256 prod = 1;
            uint256 from = 0;
            for (uint256 ax = rank - 1; ax > 0; ax--) {
                uint256 bits = MC.bitsOf(MC.u32(sh + 1 + 4 * ax));
                uint256 at = end + 8 * (ax - 1);
                uint256 hi = MC.prefixIndicator(r, from, bits, MC.u32(at + 4));
                prod = GF.kmul(prod, GF.ksub(hi, MC.prefixIndicator(r, from, bits, MC.u32(at))));
                from += bits;
            }
            end += 8 * (rank - 1);
            acc = GF.kadd(acc, prod);
        }
    }
}
