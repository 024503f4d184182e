// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";
import {FractionSum} from "./FractionSum.sol";
import {MC} from "./ModelContext.sol";

/// @title All lookups of a proof in one LogUp-GKR, as tensorproof.verifier.lookups.verify_lookups
/// @notice Circuit section (solidity/circuit.py, "lookups"): u16 n_uses | u16 multiplicities id
/// | u8 witness vars | per use: u16 tag | u8 n_columns | u16 column ids | u8 slot vars | u32
/// slot block | the column's layout | u8 table vars | 3 columns (tag, first, second) of
/// piecewise-affine segments. β "lookup/beta", γ "lookup/gamma", the witness fraction sum
/// "lookup/witness", each use's column values "lookup/use<j>/columns" (claims on the columns),
/// the table fraction sum "lookup/table" (whose denominator the verifier evaluates from the
/// segments in O(segments · vars), never O(rows)), a claim on the multiplicities, and
/// P_w Q_t = P_t Q_w.
library ModelLookups {
    error LookupMismatch(uint256 what);

    uint256 internal constant L_BETA = uint256(bytes32("lookup/beta")) | 11;
    uint256 internal constant L_GAMMA = uint256(bytes32("lookup/gamma")) | 12;

    /// Returns the calldata offset just past the section.
    function verify(MC.Ctx memory c, uint256 off) internal pure returns (uint256) {
        uint256 nUses = MC.u16(off);
        if (nUses == 0) return off + 2;
        uint256 multId = MC.u16(off + 2);
        uint256 wVars = MC.u8(off + 4);
        off += 5;
        uint256 beta = FS.challengeK(c.t, L_BETA);
        uint256 gamma = FS.challengeK(c.t, L_GAMMA);
        FractionSum.Subclaim memory wit = FractionSum.verify(c.t, wVars, "lookup/witness");
        uint256 num = 0;
        uint256 den = 0;
        for (uint256 j = 0; j < nUses; j++) {
            uint256 tag = MC.u16(off);
            uint256 nCols = MC.u8(off + 2);
            uint256 ids = off + 3;
            off = ids + 2 * nCols;
            uint256 sv = MC.u8(off);
            uint256 block = MC.u32(off + 1);
            uint256 shapeOff = off + 5;
            off = shapeOff + MC.shapeBytes(shapeOff);
            if (sv > wVars) revert MC.BadCircuit();
            uint256[] memory sub = MC.slice(wit.point, 0, sv);
            uint256 sel = MC.eqIndex(wit.point, sv, wVars - sv, block);
            uint256[] memory vals = MC.recvK(c, abi.encodePacked("lookup/use", FSL.decimal(j), "/columns"), nCols);
            (uint256 ind, uint256 used) = MC.realIndicator(shapeOff, sub, 0);
            if (used != sv) revert MC.BadCircuit();
            num = GF.kadd(num, GF.kmul(sel, ind));
            uint256 row = tag;
            uint256 bp = 1;
            for (uint256 k = 0; k < nCols; k++) {
                bp = GF.kmul(bp, beta);
                row = GF.kadd(row, GF.kmul(bp, vals[k]));
                MC.claim(c, MC.u16(ids + 2 * k), sub, vals[k]);
            }
            den = GF.kadd(den, GF.kmul(sel, row));
        }
        if (num != wit.num) revert LookupMismatch(0);
        if (GF.ksub(gamma, den) != wit.den) revert LookupMismatch(1);
        uint256 tVars = MC.u8(off);
        off += 1;
        FractionSum.Subclaim memory tab = FractionSum.verify(c.t, tVars, "lookup/table");
        uint256 comb = 0;
        uint256 bp2 = 1;
        for (uint256 col = 0; col < 3; col++) {
            uint256 v;
            (v, off) = segmentsMle(tab.point, off);
            comb = GF.kadd(comb, GF.kmul(bp2, v));
            bp2 = GF.kmul(bp2, beta);
        }
        if (GF.ksub(gamma, comb) != tab.den) revert LookupMismatch(2);
        MC.claim(c, multId, tab.point, tab.num);
        if (GF.kmul(wit.p, tab.q) != GF.kmul(tab.p, wit.q)) revert LookupMismatch(3);
        return off;
    }

    /// The MLE at z of a column given as segments (u32 n | (u32 start, u32 length, u64 a,
    /// u64 b)…, value a + b (x − start)): Σ (a − b·start)(P0(end) − P0(start)) + b (P1(end) −
    /// P1(start)), with P0(n) = Σ_(x<n) eq(z, x) and P1(n) = Σ_(x<n) x eq(z, x).
    function segmentsMle(uint256[] memory z, uint256 off) internal pure returns (uint256 acc, uint256 end) {
        uint256 n = MC.u32(off);
        off += 4;
        uint256 m = z.length;
        uint256[] memory s = new uint256[](m + 1); // s[j] = Σ_(l<j) 2^l z_l
        for (uint256 l = 0; l < m; l++) s[l + 1] = GF.kadd(s[l], GF.kmulBase(z[l], (uint256(1) << l) % GF.P));
        for (uint256 j = 0; j < n; j++) {
            uint256 start = MC.u32(off);
            uint256 len = MC.u32(off + 4);
            uint256 a = MC.fc(off + 8);
            uint256 b = MC.fc(off + 16);
            off += 24;
            if (start + len > (uint256(1) << m)) revert MC.BadCircuit();
            (uint256 p0a, uint256 p1a) = prefixSums(z, s, start);
            (uint256 p0b, uint256 p1b) = prefixSums(z, s, start + len);
            uint256 c0 = GF.sub(a, GF.mul(b, start));
            acc = GF.kadd(acc, GF.kadd(GF.kmulBase(GF.ksub(p0b, p0a), c0), GF.kmulBase(GF.ksub(p1b, p1a), b)));
        }
        end = off;
    }

    /// (Σ_(x<n) eq(z, x), Σ_(x<n) x·eq(z, x)) in O(|z|), by the bits of n from the top.
    function prefixSums(uint256[] memory z, uint256[] memory s, uint256 n) internal pure returns (uint256 p0, uint256 p1) {
        uint256 mult = 1;
        uint256 offset = 0;
        uint256 i = z.length;
        while (true) {
            if (n == 0) return (p0, p1);
            if (n >= (uint256(1) << i)) {
                // every x of the remaining i variables: Σ eq = 1, Σ x eq = s[i]
                return (GF.kadd(p0, mult), GF.kadd(p1, GF.kmul(mult, GF.kadd(s[i], offset))));
            }
            i -= 1;
            uint256 top = z[i];
            uint256 half = uint256(1) << i;
            uint256 low = GF.kmul(mult, GF.ksub(1, top));
            if (n <= half) {
                mult = low;
            } else {
                p0 = GF.kadd(p0, low);
                p1 = GF.kadd(p1, GF.kmul(low, GF.kadd(s[i], offset)));
                mult = GF.kmul(mult, top);
                offset += half;
                n -= half;
            }
        }
    }
}
