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
/// slot block | the column's layout | u8 table vars | u8 n_committed | 3 columns (tag, first,
/// second), each committed with the weights or piecewise-affine segments. β "lookup/beta",
/// γ "lookup/gamma", the witness fraction sum "lookup/witness", each use's column values
/// "lookup/use<j>/columns" (claims on the columns), the table fraction sum "lookup/table" (its
/// denominator from the committed columns' values "lookup/table/columns", claims on them, and
/// the others' segments in O(segments · vars): never O(rows)), a claim on the multiplicities,
/// and P_w Q_t = P_t Q_w.
library ModelLookups {
    error LookupMismatch(uint256 what);

    uint256 private constant P = 0xffffffff00000001; // GF.P
    uint256 private constant COMMITTED = 0xffffffff; // circuit.COMMITTED_COLUMN
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
        uint256 den;
        (num, den, off) = _uses(c, off, nUses, wVars, wit.point, beta);
        if (num != wit.num) revert LookupMismatch(0);
        if (GF.ksub(gamma, den) != wit.den) revert LookupMismatch(1);
        uint256 tVars = MC.u8(off);
        uint256 nCom = MC.u8(off + 1);
        off += 2;
        FractionSum.Subclaim memory tab = FractionSum.verify(c.t, tVars, "lookup/table");
        uint256 comb;
        (comb, off) = _tableColumns(c, off, tab.point, nCom, beta);
        if (GF.ksub(gamma, comb) != tab.den) revert LookupMismatch(2);
        MC.claim(c, multId, tab.point, tab.num);
        if (GF.kmul(wit.p, tab.q) != GF.kmul(tab.p, wit.q)) revert LookupMismatch(3);
        return off;
    }

    /// Σ_col β^col T_col~(point) over the combined table's columns (tag, first, second) at the
    /// table point: a committed column (u32 COMMITTED | u16 tensor id) by the next of the
    /// nCom values of "lookup/table/columns", a claim on that model constant; the others from
    /// their segments. Returns it and the offset past the columns.
    function _tableColumns(MC.Ctx memory c, uint256 off, uint256[] memory point, uint256 nCom, uint256 beta)
        private
        pure
        returns (uint256 comb, uint256)
    {
        uint256[] memory sent;
        if (nCom != 0) sent = MC.recvK(c, "lookup/table/columns", nCom);
        uint256 used = 0;
        uint256 bp = 1;
        for (uint256 col = 0; col < 3; col++) {
            uint256 v;
            if (MC.u32(off) == COMMITTED) {
                if (used == nCom) revert MC.BadCircuit();
                v = sent[used];
                used += 1;
                MC.claim(c, MC.u16(off + 4), point, v);
                off += 6;
            } else {
                (v, off) = segmentsMle(point, off);
            }
            comb = GF.kadd(comb, GF.kmul(bp, v));
            bp = GF.kmul(bp, beta);
        }
        if (used != nCom) revert MC.BadCircuit();
        return (comb, off);
    }

    /// The uses (circuit records from `off`): per use its columns' values at its slot's
    /// sub-point ("lookup/use<j>/columns", claims on the columns), and the witness leaves'
    /// numerator (Σ sel · 1_real) and denominator (Σ sel · (tag + Σ β^(k+1) v_k)) at the
    /// witness point. Returns them and the offset past the records.
    function _uses(MC.Ctx memory c, uint256 off, uint256 nUses, uint256 wVars, uint256[] memory wp, uint256 beta)
        private
        pure
        returns (uint256 num, uint256 den, uint256)
    {
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
            uint256[] memory sub = MC.slice(wp, 0, sv);
            uint256 sel = MC.eqIndex(wp, sv, wVars - sv, block);
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
        return (num, den, off);
    }

    /// The MLE at z of a column given as segments (u32 n | (u32 start, u32 length, u64 a,
    /// u64 b)…, value a + b (x − start)): Σ (a − b·start)(P0(end) − P0(start)) + b (P1(end) −
    /// P1(start)), with P0(n) = Σ_(x<n) eq(z, x) and P1(n) = Σ_(x<n) x eq(z, x). A segment
    /// starting where the previous one ended reuses that end's sums (the usual layout: the
    /// segments tile the column).
    function segmentsMle(uint256[] memory z, uint256 off) internal pure returns (uint256 acc, uint256 end) {
        uint256 n = MC.u32(off);
        off += 4;
        uint256 m = z.length;
        uint256[] memory s = new uint256[](m + 1); // s[j] = Σ_(l<j) 2^l z_l
        for (uint256 l = 0; l < m; l++) s[l + 1] = GF.kadd(s[l], GF.kmulBase(z[l], (uint256(1) << l) % GF.P));
        uint256 last = type(uint256).max; // the previous segment's end
        uint256 q0;
        uint256 q1;
        for (uint256 j = 0; j < n; j++) {
            uint256 start = MC.u32(off);
            uint256 len = MC.u32(off + 4);
            uint256 a = MC.fc(off + 8);
            uint256 b = MC.fc(off + 16);
            off += 24;
            if (start + len > (uint256(1) << m)) revert MC.BadCircuit();
            (uint256 p0a, uint256 p1a) = start == last ? (q0, q1) : prefixSums(z, s, start);
            last = start + len;
            (q0, q1) = prefixSums(z, s, last);
            uint256 c0 = GF.sub(a, GF.mul(b, start));
            acc = GF.kadd(acc, GF.kadd(GF.kmulBase(GF.ksub(q0, p0a), c0), GF.kmulBase(GF.ksub(q1, p1a), b)));
        }
        end = off;
    }

    /// (Σ_(x<n) eq(z, x), Σ_(x<n) x·eq(z, x)) in O(|z|), by the bits of n from the top: at a
    /// set bit i (below the top), the half x_i = 0 under the path so far is complete: it adds
    /// mult (1 − z_i) to P0 and mult (1 − z_i) (s[i] + offset) to P1 (s[i] = Σ_(l<i) 2^l z_l
    /// is its Σ x eq over the lower variables, offset the path's value so far). K values as
    /// three words; the sums' coefficients are added unreduced (< 2^140), reduced at the end.
    function prefixSums(uint256[] memory z, uint256[] memory s, uint256 n) internal pure returns (uint256 p0, uint256 p1) {
        uint256 i = z.length;
        if (s.length <= i) revert MC.BadCircuit();
        assembly ("memory-safe") {
            // 2^64 - 1 in a variable (the optimizer would rebuild the literal at every use)
            let m := sub(shl(64, gt(mload(0x40), 0)), 1)
            // P0 and P1's coefficients, unreduced, in scratch memory (few words on the stack)
            let acc := mload(0x40)
            mstore(acc, 0)
            mstore(add(acc, 32), 0)
            mstore(add(acc, 64), 0)
            mstore(add(acc, 96), 0)
            mstore(add(acc, 128), 0)
            mstore(add(acc, 160), 0)
            let u0 := 1
            let u1 := 0
            let u2 := 0
            let offset := 0
            for {} n {} {
                // n >= 2^i: every x of the remaining i variables (Σ eq = mult, Σ x eq = mult
                // (s[i] + offset)); 2^i = 0 for i >= 256, as in Solidity
                let whole := iszero(lt(n, shl(i, 1)))
                let l0 := u0
                let l1 := u1
                let l2 := u2
                let adds := whole
                if iszero(whole) {
                    i := sub(i, 1)
                    let t := mload(add(z, shl(5, add(i, 1))))
                    let t0 := sub(add(P, 1), and(t, m))
                    let t1 := sub(P, and(shr(64, t), m))
                    let t2 := sub(P, shr(128, t))
                    // low = mult (1 - z_i)
                    l0 := mod(add(mul(u0, t0), shl(1, add(mul(u1, t2), mul(u2, t1)))), P)
                    l1 := mod(add(add(mul(u0, t1), mul(u1, t0)), shl(1, mul(u2, t2))), P)
                    l2 := mod(add(add(mul(u0, t2), mul(u1, t1)), mul(u2, t0)), P)
                    let half := shl(i, 1)
                    switch gt(n, half)
                    case 0 {
                        // mult <- low
                        u0 := l0
                        u1 := l1
                        u2 := l2
                    }
                    default {
                        // the half below is complete; mult <- mult z_i
                        adds := 1
                        t0 := and(t, m)
                        t1 := and(shr(64, t), m)
                        t2 := shr(128, t)
                        let x0 := mod(add(mul(u0, t0), shl(1, add(mul(u1, t2), mul(u2, t1)))), P)
                        let x1 := mod(add(add(mul(u0, t1), mul(u1, t0)), shl(1, mul(u2, t2))), P)
                        u2 := mod(add(add(mul(u0, t2), mul(u1, t1)), mul(u2, t0)), P)
                        u0 := x0
                        u1 := x1
                        n := sub(n, half)
                    }
                }
                if adds {
                    // P0 += l; P1 += l (s[i] + offset)
                    mstore(acc, add(mload(acc), l0))
                    mstore(add(acc, 32), add(mload(add(acc, 32)), l1))
                    mstore(add(acc, 64), add(mload(add(acc, 64)), l2))
                    let w := mload(add(s, shl(5, add(i, 1))))
                    let w0 := addmod(and(w, m), offset, P)
                    let w1 := and(shr(64, w), m)
                    w := shr(128, w)
                    mstore(add(acc, 96), add(mload(add(acc, 96)), add(mul(l0, w0), shl(1, add(mul(l1, w), mul(l2, w1))))))
                    mstore(add(acc, 128), add(mload(add(acc, 128)), add(add(mul(l0, w1), mul(l1, w0)), shl(1, mul(l2, w)))))
                    mstore(add(acc, 160), add(mload(add(acc, 160)), add(add(mul(l0, w), mul(l1, w1)), mul(l2, w0))))
                    if whole { break }
                    offset := add(offset, shl(i, 1))
                }
            }
            p0 := or(or(mod(mload(acc), P), shl(64, mod(mload(add(acc, 32)), P))), shl(128, mod(mload(add(acc, 64)), P)))
            p1 := or(or(mod(mload(add(acc, 96)), P), shl(64, mod(mload(add(acc, 128)), P))), shl(128, mod(mload(add(acc, 160)), P)))
        }
    }
}
