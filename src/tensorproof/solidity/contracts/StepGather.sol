// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FSL} from "./Labels.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title Gather (im2col, pooling windows, pad, slice, concat, broadcast, reshape) by a sumcheck
/// over the wiring predicate
/// @notice verifier/layers/gather.py; attributes (solidity/steps/gather.py): per source, a
/// wiring record (route 0 sparse wires, 1 patch, 2 axis map, 3 committed with the weights). The merged claim Y~(z_s, z_b) = v
/// (z_b: the batch's ceil(log2 batch) top coordinates): with several sources "parts" v_s adding
/// up to v; per source a degree-2 sumcheck "source<s>" of v_s over the source's per-sample
/// variables (ρ), "source<s>/value" x = X_s~(ρ, z_b), and x · a_s(z_s, ρ) = the subclaim, where
/// a_s = Σ_wires eq(z_s, out)·eq(ρ, in) is evaluated as verifier/wiring_forms.py does: patches
/// and axis maps in closed form, O(axis sizes); a committed wiring by the prover's value and
/// its sumcheck, O(log #wires); the sparse wires (at most wiring_commit.INLINE_WIRES) in
/// O(#wires + eq tables).
library StepGather {
    error GatherMismatch(uint256 step);

    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        (bool has, MC.Claim memory cl) = MC.take(c, s.output, MC.label(i, s, "merge"));
        if (!has) return;
        uint256 n = s.inputs.length;
        uint256 nb = MC.bitsOf(c.batch);
        if (nb > cl.point.length || n == 0) revert MC.BadCircuit();
        uint256[] memory zs = MC.slice(cl.point, 0, cl.point.length - nb);
        uint256[] memory zb = MC.slice(cl.point, zs.length, nb);
        uint256[] memory parts;
        if (n == 1) {
            parts = new uint256[](1);
            parts[0] = cl.value;
        } else {
            parts = MC.recvK(c, MC.label(i, s, "parts"), n);
            uint256 total = 0;
            for (uint256 j = 0; j < n; j++) total = GF.kadd(total, parts[j]);
            if (total != cl.value) revert GatherMismatch(i);
        }
        uint256 at = s.attrs;
        for (uint256 j = 0; j < n; j++) at = _source(c, i, s, j, parts[j], zs, zb, at);
        if (at != s.attrs + s.attrsLen) revert MC.BadCircuit();
    }

    /// Source j: its sumcheck of v_j, x = X_j~(ρ, z_b), x · a_j(z_s, ρ) = the subclaim; the
    /// wiring record at `at` (returns the offset after it).
    function _source(MC.Ctx memory c, uint256 i, MC.Step memory s, uint256 j, uint256 part, uint256[] memory zs, uint256[] memory zb, uint256 at)
        private
        pure
        returns (uint256 end)
    {
        bytes memory lbl = MC.label(i, s, abi.encodePacked("source", FSL.decimal(j)));
        uint256 id = s.inputs[j];
        uint256 nIn = MC.nVarsOf(c, id);
        if (nIn < zb.length) revert MC.BadCircuit();
        (uint256[] memory rho, uint256 value) = Sumcheck.verify(c.t, part, nIn - zb.length, 2, lbl);
        uint256 x = MC.recv1(c, abi.encodePacked(lbl, "/value"));
        uint256 a;
        if (MC.u8(at) == 3) (a, end) = _committed(c, i, lbl, zs, rho, at);
        else (a, end) = weight(zs, rho, at);
        if (GF.kmul(x, a) != value) revert GatherMismatch(i);
        MC.claim(c, id, MC.concat(rho, zb), x);
    }

    /// Route 3, a wiring committed with the weights (verifier/wiring_commit.py): u8 3 | u8 n_out
    /// | u8 n_in | u16 V id | n_in × u16 S_i ids. "<source>/wiring" a; its degree n_in + 2
    /// sumcheck over the output's n_out per-sample variables (τ); "<source>/wiring/values"
    /// V~(τ), S_i~(τ) with eq(z, τ)·V·Π_i (ρ_i S_i + (1 − ρ_i)(1 − S_i)) = the subclaim; claims
    /// on V and the S_i at τ (opened with the weights).
    function _committed(MC.Ctx memory c, uint256 i, bytes memory lbl, uint256[] memory z, uint256[] memory rho, uint256 at)
        private
        pure
        returns (uint256 a, uint256 end)
    {
        uint256 nIn = MC.u8(at + 2);
        if (MC.u8(at + 1) != z.length || nIn != rho.length) revert MC.BadCircuit();
        end = at + 5 + 2 * nIn;
        bytes memory wl = abi.encodePacked(lbl, "/wiring");
        a = MC.recv1(c, wl);
        (uint256[] memory tau, uint256 sub) = Sumcheck.verify(c.t, a, z.length, nIn + 2, wl);
        uint256[] memory vals = MC.recvK(c, abi.encodePacked(wl, "/values"), nIn + 1);
        // eq(ρ, S(τ)) = Π_k (ρ_k S_k + (1 − ρ_k)(1 − S_k))
        uint256 acc = GF.kmul(GF.kmul(MC.eqEval(z, tau), vals[0]), MC.eqEval(rho, MC.slice(vals, 1, nIn)));
        if (acc != sub) revert GatherMismatch(i);
        for (uint256 k = 0; k <= nIn; k++) MC.claim(c, MC.u16(at + 3 + 2 * k), tau, vals[k]);
    }

    /// a(z, ρ) of the wiring record at `at` and the offset after it.
    function weight(uint256[] memory z, uint256[] memory rho, uint256 at) internal pure returns (uint256 a, uint256 end) {
        uint256 route = MC.u8(at);
        if (route == 0) {
            // u32 n | n × (u32 out_pos, u32 in_pos): Σ_j eq(z, out_j)·eq(ρ, in_j)
            uint256 nw = MC.u32(at + 1);
            end = at + 5 + 8 * nw;
            if (nw == 0) return (0, end);
            uint256[] memory eo = MC.eqTable(z);
            uint256[] memory ei = MC.eqTable(rho);
            for (uint256 p = at + 5; p < end; p += 8) a = GF.kadd(a, GF.kmul(eo[MC.u32(p)], ei[MC.u32(p + 4)]));
        } else if (route == 1) {
            // 7 × (u8 off, u8 bits): z_oh, z_ow, z_c, z_u, ρ_c, ρ_h, ρ_w | u32 C, H, W, KH, KW,
            // SH, SW, top, left, OH, OW
            uint256 q = at + 15;
            uint256 kh = MC.u32(q + 12);
            uint256 kw = MC.u32(q + 16);
            uint256[] memory ah = axisWeights(_sub(z, at + 1), _sub(rho, at + 11), MC.u32(q + 36), MC.u32(q + 4), MC.u32(q + 20), MC.u32(q + 28), kh);
            uint256[] memory aw = axisWeights(_sub(z, at + 3), _sub(rho, at + 13), MC.u32(q + 40), MC.u32(q + 8), MC.u32(q + 24), MC.u32(q + 32), kw);
            uint256[] memory eu = MC.eqTable(_sub(z, at + 7));
            for (uint256 r = 0; r < kh; r++) {
                uint256 row = 0;
                for (uint256 t = 0; t < kw; t++) row = GF.kadd(row, GF.kmul(eu[r * kw + t], aw[t]));
                a = GF.kadd(a, GF.kmul(row, ah[r]));
            }
            a = GF.kmul(a, diagonalSum(_sub(z, at + 5), _sub(rho, at + 9), MC.u32(q)));
            end = q + 44;
        } else if (route == 2) {
            // u8 rank | per output axis: u8 z off, z bits, ρ off, ρ bits | u32 lo, count, offset,
            // step: Π_j Σ_{i<count} eq(z_j, lo + i)·eq(ρ_j, offset + step·i)
            uint256 rank = MC.u8(at + 1);
            a = 1;
            end = at + 2;
            for (uint256 j = 0; j < rank; j++) {
                a = GF.kmul(a, axisSum(_sub(z, end), _sub(rho, end + 2), end + 4));
                end += 20;
            }
        } else {
            revert MC.BadCircuit();
        }
    }

    /// The coordinates of point `p` named by (u8 offset, u8 bits) at calldata `at`.
    function _sub(uint256[] memory p, uint256 at) private pure returns (uint256[] memory) {
        return MC.slice(p, MC.u8(at), MC.u8(at + 1));
    }

    /// wiring_forms.axis_sum with (u32 lo, count, offset, step) at calldata `at`.
    function axisSum(uint256[] memory z, uint256[] memory rho, uint256 at) internal pure returns (uint256) {
        uint256 lo = MC.u32(at);
        uint256 count = MC.u32(at + 4);
        uint256 offset = MC.u32(at + 8);
        uint256 step = MC.u32(at + 12);
        if (lo == 0 && offset == 0 && step == 1) return diagonalSum(z, rho, count);
        if (step == 0) {
            uint256 block = GF.ksub(MC.prefixIndicator(z, 0, z.length, lo + count), MC.prefixIndicator(z, 0, z.length, lo));
            if (offset >> rho.length != 0) revert MC.BadCircuit();
            return GF.kmul(block, MC.eqIndex(rho, 0, rho.length, offset));
        }
        return tableSum(MC.eqTable(z), MC.eqTable(rho), lo, count, offset, step);
    }

    /// Σ_{i<count} ez[lo + i]·er[offset + step·i].
    function tableSum(uint256[] memory ez, uint256[] memory er, uint256 lo, uint256 count, uint256 offset, uint256 step)
        internal
        pure
        returns (uint256 acc)
    {
        for (uint256 i = 0; i < count; i++) acc = GF.kadd(acc, GF.kmul(ez[lo + i], er[offset + step * i]));
    }

    /// wiring_forms.axis_weights: A(t) = Σ_{o<nOut, 0 ≤ o·stride + t − pad < nIn}
    /// eq(z, o)·eq(ρ, o·stride + t − pad) for t < k.
    function axisWeights(uint256[] memory z, uint256[] memory rho, uint256 nOut, uint256 nIn, uint256 stride, uint256 pad, uint256 k)
        internal
        pure
        returns (uint256[] memory w)
    {
        uint256[] memory ez = MC.eqTable(z);
        uint256[] memory er = MC.eqTable(rho);
        w = new uint256[](k);
        if (stride == 0) revert MC.BadCircuit();
        for (uint256 t = 0; t < k; t++) {
            uint256 lo = t >= pad ? 0 : (pad - t + stride - 1) / stride;
            uint256 hi = nIn + pad <= t ? 0 : (nIn - 1 + pad - t) / stride + 1;
            if (hi > nOut) hi = nOut;
            if (hi > lo) w[t] = tableSum(ez, er, lo, hi - lo, lo * stride + t - pad, stride);
        }
    }

    /// wiring_forms.diagonal_sum: Σ_{c<n} eq(z, c)·eq(ρ, c), the prefix sum of the product
    /// weight lo_i = (1 − z_i)(1 − ρ_i), hi_i = z_i ρ_i (the shorter point extended by zeros),
    /// built from the lowest variable up: r ← r·hi_i + lo_i·F0_i where bit i of n is set, else
    /// r ← r·lo_i, with F0_i = Π_{j<i} (lo_j + hi_j); n = 2^width gives F0_width.
    function diagonalSum(uint256[] memory z, uint256[] memory rho, uint256 n) internal pure returns (uint256 r) {
        uint256 width = z.length > rho.length ? z.length : rho.length;
        uint256 f0 = 1;
        for (uint256 i = 0; i < width; i++) {
            uint256 zi = i < z.length ? z[i] : 0;
            uint256 ri = i < rho.length ? rho[i] : 0;
            uint256 hi = GF.kmul(zi, ri);
            uint256 lo = GF.kmul(GF.ksub(1, zi), GF.ksub(1, ri));
            r = (n >> i) & 1 == 1 ? GF.kadd(GF.kmul(r, hi), GF.kmul(lo, f0)) : GF.kmul(r, lo);
            f0 = GF.kmul(f0, GF.kadd(lo, hi));
        }
        if (n >> width != 0) {
            if (n != uint256(1) << width) revert MC.BadCircuit();
            r = f0;
        }
    }
}
