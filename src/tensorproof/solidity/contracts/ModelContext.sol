// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title The model verifier's bookkeeping, as tensorproof.verifier.context (ClaimBook)
/// @notice The circuit data (solidity/circuit.py) and the statement are calldata; tensors are
/// u16 ids into the circuit's tensor table. A claim T~(z) = v lands by T's kind: committed,
/// embedded in its group's packed vector (point ‖ the slot's selector bits, packing.embed) and
/// kept for the group's opening; public, checked at once against the statement's values;
/// virtual, pending until the step computing T merges and reduces it (merge.verify_merge).
library MC {
    error BadCircuit();
    error PublicClaimMismatch(uint256 tensor);
    error MergeMismatch();
    error Unreduced(uint256 tensor);

    uint256 internal constant VIRTUAL = 0;
    uint256 internal constant PUBLIC = 1;
    uint256 internal constant COMMITTED = 2;
    uint256 private constant P = 0xffffffff00000001; // GF.P

    struct Claim {
        uint256[] point; // K elements, x_0 first
        uint256 value;
    }

    struct Ctx {
        FS.T t;
        uint256 tensors; // calldata offset of the tensor records (8 bytes each)
        uint256 nTensors;
        uint256 batch;
        uint256[] stmtVals; // per public tensor: calldata offset of its int64 values
        uint256[] stmtShape; // per public tensor: calldata offset of its rank byte (circuit)
        Claim[][] pending; // per tensor id (dense), or per entry of `slots` (a window)
        uint256[] nPending;
        Claim[][] groups; // per commitment group: claims on its packed vector
        uint256[] nGroup;
        uint256[] groupVars; // per group: variables of its packed vector
        uint256[] slots; // empty: dense; else the window, the increasing ids it holds lists of
    }

    /// The context as it travels between ModelVerifier and its executors (abi-encoded): the
    /// claim book sparse (only the tensors with pending claims, increasing ids) and every list
    /// cut to its claims, so that its size follows the claims, not the plan's tensors. A
    /// non-empty `window` (increasing ids: the tensors a run of steps reads and writes) makes
    /// the receiver's claim book hold lists for those tensors only, so that its memory follows
    /// the run, not the plan (a claim on a virtual tensor outside it reverts).
    struct Wire {
        FS.T t;
        uint256 tensors;
        uint256 nTensors;
        uint256 batch;
        uint256[] stmtVals;
        uint256[] stmtShape;
        uint256[] ids;
        Claim[][] pending;
        Claim[][] groups;
        uint256[] groupVars;
        uint256[] window;
    }

    /// A step record of the circuit: op name, tensor ids, attribute bytes (calldata offset).
    struct Step {
        bytes op;
        uint256 output;
        uint256[] inputs;
        uint256[] consts;
        uint256 attrs;
        uint256 attrsLen;
    }

    // ---- calldata reading ---------------------------------------------------------------------
    function u8(uint256 off) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := shr(248, calldataload(off))
        }
    }

    function u16(uint256 off) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := shr(240, calldataload(off))
        }
    }

    function u32(uint256 off) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := shr(224, calldataload(off))
        }
    }

    function u64(uint256 off) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := shr(192, calldataload(off))
        }
    }

    /// A field element of the circuit (u64, checked < p).
    function fc(uint256 off) internal pure returns (uint256 x) {
        x = u64(off);
        if (x >= GF.P) revert BadCircuit();
    }

    // ---- tensors --------------------------------------------------------------------------
    /// (kind, n_vars, aux, block) of tensor `id`.
    function tensor(Ctx memory c, uint256 id) internal pure returns (uint256 kind, uint256 nVars, uint256 aux, uint256 block) {
        if (id >= c.nTensors) revert BadCircuit();
        uint256 off = c.tensors + 8 * id;
        return (u8(off), u8(off + 1), u16(off + 2), u32(off + 4));
    }

    function nVarsOf(Ctx memory c, uint256 id) internal pure returns (uint256 n) {
        (, n,,) = tensor(c, id);
    }

    /// The step record at calldata `off` (solidity/circuit.py, steps).
    function readStep(uint256 off) internal pure returns (Step memory s) {
        uint256 opLen = u8(off);
        s.op = new bytes(opLen);
        bytes memory op = s.op;
        assembly ("memory-safe") {
            calldatacopy(add(op, 32), add(off, 1), opLen)
        }
        off += 1 + opLen;
        s.output = u16(off);
        off += 2;
        s.inputs = new uint256[](u8(off));
        off += 1;
        for (uint256 j = 0; j < s.inputs.length; j++) s.inputs[j] = u16(off + 2 * j);
        off += 2 * s.inputs.length;
        s.consts = new uint256[](u8(off));
        off += 1;
        for (uint256 j = 0; j < s.consts.length; j++) s.consts[j] = u16(off + 2 * j);
        off += 2 * s.consts.length;
        s.attrsLen = u32(off);
        s.attrs = off + 4;
    }

    /// Move the context's calldata offsets between two calls' calldata: subtract the bases
    /// (circuit, statement, proof) of the sender, or add those of the receiver (`toAbs`), so
    /// that it travels as data (abi.encode) to a step executor and back.
    function rebase(Ctx memory c, uint256 circ, uint256 stmt, uint256 proof, bool toAbs) internal pure {
        unchecked {
            (uint256 dc, uint256 ds, uint256 dp) = toAbs ? (circ, stmt, proof) : (0 - circ, 0 - stmt, 0 - proof);
            c.t.pos += dp;
            c.t.end += dp;
            c.tensors += dc;
            for (uint256 j = 0; j < c.stmtVals.length; j++) {
                c.stmtVals[j] += ds;
                c.stmtShape[j] += dc;
            }
        }
    }

    // ---- the context as data ------------------------------------------------------------------
    /// The context abi-encoded as a Wire (its calldata offsets already made relative: rebase).
    function encode(Ctx memory c) internal pure returns (bytes memory) {
        return abi.encode(toWire(c));
    }

    /// The context back from encode's bytes (in memory: ModelVerifier).
    function decode(bytes memory b) internal pure returns (Ctx memory) {
        return fromWire(abi.decode(b, (Wire)));
    }

    function toWire(Ctx memory c) internal pure returns (Wire memory w) {
        uint256 n = c.nPending.length;
        if (c.pending.length != n || n != (c.slots.length == 0 ? c.nTensors : c.slots.length) || c.nGroup.length != c.groups.length) revert BadCircuit();
        uint256 k = 0;
        for (uint256 j = 0; j < n; j++) if (c.nPending[j] != 0) k++;
        w.ids = new uint256[](k);
        w.pending = new Claim[][](k);
        k = 0;
        for (uint256 j = 0; j < n; j++) {
            uint256 m = c.nPending[j];
            if (m == 0) continue;
            w.ids[k] = c.slots.length == 0 ? j : c.slots[j];
            w.pending[k] = exact(c.pending[j], m);
            k++;
        }
        w.groups = new Claim[][](c.groups.length);
        for (uint256 g = 0; g < c.groups.length; g++) w.groups[g] = exact(c.groups[g], c.nGroup[g]);
        wireHeader(c, w);
    }

    /// The context's fields that travel unchanged (transcript, tensor table, batch, statement,
    /// group sizes) into `w`.
    function wireHeader(Ctx memory c, Wire memory w) internal pure {
        w.t = c.t;
        w.tensors = c.tensors;
        w.nTensors = c.nTensors;
        w.batch = c.batch;
        w.stmtVals = c.stmtVals;
        w.stmtShape = c.stmtShape;
        w.groupVars = c.groupVars;
    }

    function fromWire(Wire memory w) internal pure returns (Ctx memory c) {
        uint256 n = w.nTensors;
        if (w.ids.length != w.pending.length) revert BadCircuit();
        c.nTensors = n;
        c.slots = w.window;
        for (uint256 j = 0; j < w.window.length; j++) {
            if (w.window[j] >= n || (j > 0 && w.window[j] <= w.window[j - 1])) revert BadCircuit();
        }
        uint256 size = w.window.length == 0 ? n : w.window.length;
        c.pending = new Claim[][](size);
        c.nPending = new uint256[](size);
        for (uint256 k = 0; k < w.ids.length; k++) {
            uint256 id = w.ids[k];
            if (id >= n || (k > 0 && id <= w.ids[k - 1])) revert BadCircuit();
            uint256 j = slot(c, id);
            c.pending[j] = w.pending[k];
            c.nPending[j] = w.pending[k].length;
        }
        c.groups = w.groups;
        c.nGroup = new uint256[](w.groups.length);
        for (uint256 g = 0; g < w.groups.length; g++) c.nGroup[g] = w.groups[g].length;
        c.t = w.t;
        c.tensors = w.tensors;
        c.batch = w.batch;
        c.stmtVals = w.stmtVals;
        c.stmtShape = w.stmtShape;
        c.groupVars = w.groupVars;
    }

    /// Where the claim book keeps tensor `id`'s pending claims: `id` itself (dense), or its
    /// place in the window (binary search; BadCircuit if the window lacks it).
    function slot(Ctx memory c, uint256 id) internal pure returns (uint256) {
        uint256[] memory s = c.slots;
        if (s.length == 0) return id;
        uint256 lo = 0;
        uint256 hi = s.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            uint256 v = s[mid];
            if (v == id) return mid;
            if (v < id) lo = mid + 1;
            else hi = mid;
        }
        revert BadCircuit();
    }

    /// The first m claims of a list (the list itself when it holds exactly m).
    function exact(Claim[] memory a, uint256 m) internal pure returns (Claim[] memory out) {
        if (m > a.length) revert BadCircuit();
        if (m == a.length) return a;
        out = new Claim[](m);
        for (uint256 i = 0; i < m; i++) out[i] = a[i];
    }

    // ---- claims ---------------------------------------------------------------------------
    function push(Claim[] memory arr, uint256 n, Claim memory x) internal pure returns (Claim[] memory) {
        if (n == arr.length) {
            Claim[] memory bigger = new Claim[](n == 0 ? 4 : 2 * n);
            for (uint256 i = 0; i < n; i++) bigger[i] = arr[i];
            arr = bigger;
        }
        arr[n] = x;
        return arr;
    }

    /// Record T~(point) = value for tensor `id` (ClaimBook.claim; constants alike).
    function claim(Ctx memory c, uint256 id, uint256[] memory point, uint256 value) internal pure {
        (uint256 kind, uint256 nVars, uint256 aux, uint256 block) = tensor(c, id);
        if (point.length != nVars) revert BadCircuit();
        if (kind == COMMITTED) {
            if (aux >= c.groups.length) revert BadCircuit();
            uint256 total = c.groupVars[aux];
            if (total < nVars || (total - nVars < 256 && block >> (total - nVars) != 0)) revert BadCircuit();
            uint256[] memory p = new uint256[](total);
            for (uint256 i = 0; i < nVars; i++) p[i] = point[i];
            for (uint256 j = 0; j < total - nVars; j++) p[nVars + j] = (block >> j) & 1;
            c.groups[aux] = push(c.groups[aux], c.nGroup[aux], Claim(p, value));
            c.nGroup[aux] += 1;
        } else if (kind == PUBLIC) {
            if (evalPublic(c, aux, point) != value) revert PublicClaimMismatch(id);
        } else {
            uint256 j = slot(c, id);
            c.pending[j] = push(c.pending[j], c.nPending[j], Claim(point, value));
            c.nPending[j] += 1;
        }
    }

    /// Every pending claim on `id`, removed from the book (add and the relabels reduce them
    /// one by one, without a merge).
    /// The emptied list is the zero slot, not an allocation (ModelVerifier frees what a round
    /// trip allocates).
    function takeAll(Ctx memory c, uint256 id) internal pure returns (Claim[] memory list, uint256 count) {
        uint256 j = slot(c, id);
        count = c.nPending[j];
        list = c.pending[j];
        if (count == 0) return (list, 0);
        Claim[] memory none;
        c.nPending[j] = 0;
        c.pending[j] = none;
    }

    /// Pending claims on `id`, merged into one (ctx.take); has = false when there are none.
    function take(Ctx memory c, uint256 id, bytes memory label) internal pure returns (bool has, Claim memory out) {
        (Claim[] memory list, uint256 n) = takeAll(c, id);
        if (n == 0) return (false, out);
        return (true, merge(c.t, nVarsOf(c, id), list, n, label));
    }

    /// merge.verify_merge: one claim from n (a single one unchanged).
    function merge(FS.T memory t, uint256 nVars, Claim[] memory list, uint256 n, bytes memory label)
        internal
        pure
        returns (Claim memory)
    {
        if (n == 1) return list[0];
        uint256 alpha = FSL.challengeK(t, abi.encodePacked(label, "/alpha"));
        uint256 total = 0;
        uint256 a = 1;
        for (uint256 i = 0; i < n; i++) {
            total = GF.kadd(total, GF.kmul(a, list[i].value));
            a = GF.kmul(a, alpha);
        }
        (uint256[] memory rho, uint256 value) = Sumcheck.verify(t, total, nVars, 2, label);
        uint256 v = FS.kAt(FSL.recv(t, abi.encodePacked(label, "/value"), 24), 0);
        if (GF.kmul(v, _eqSum(list, n, rho, alpha)) != value) revert MergeMismatch();
        return Claim(rho, v);
    }

    /// Σ_(i<n) α^i eq(list[i].point, rho) (BadCircuit for a point of another length than rho).
    /// A point's product continues the previous point's over the coordinates where they agree
    /// from x_0 on (the claims of one step share its point; a group's claims differ in their
    /// slot bits, the last coordinates): pre[k] holds the previous point's first k factors.
    function _eqSum(Claim[] memory list, uint256 n, uint256[] memory rho, uint256 alpha)
        private
        pure
        returns (uint256 w)
    {
        if (n > list.length) revert BadCircuit();
        uint256 m = rho.length;
        uint256[] memory pre = new uint256[](m + 1);
        pre[0] = 1;
        uint256 prev; // the previous point (0: none)
        uint256 a = 1;
        for (uint256 i = 0; i < n; i++) {
            uint256[] memory pt = list[i].point;
            if (pt.length != m) revert BadCircuit();
            uint256 j;
            uint256 e;
            assembly ("memory-safe") {
                if prev {
                    for {} lt(j, m) { j := add(j, 1) } {
                        let o := shl(5, add(j, 1))
                        if iszero(eq(mload(add(pt, o)), mload(add(prev, o)))) { break }
                    }
                }
                prev := pt
                e := mload(add(pre, shl(5, add(j, 1))))
            }
            unchecked {
                uint256 o = 32 * (j + 1);
                uint256 pp;
                uint256 pr;
                uint256 po;
                assembly ("memory-safe") {
                    pp := add(pt, o)
                    pr := add(rho, o)
                    po := add(add(pre, o), 32)
                }
                e = GF.eqScan(pp, pr, m - j, e, po);
            }
            w = GF.kadd(w, GF.kmul(a, e));
            a = GF.kmul(a, alpha);
        }
    }

    /// Reverts unless every pending claim was reduced.
    function checkReduced(Ctx memory c) internal pure {
        for (uint256 i = 0; i < c.nPending.length; i++) if (c.nPending[i] != 0) revert Unreduced(i);
    }

    // ---- transcript helpers -----------------------------------------------------------------
    /// "<i>:<op>:<what>" (VerifierContext.label).
    function label(uint256 i, Step memory s, bytes memory what) internal pure returns (bytes memory) {
        return abi.encodePacked(FSL.decimal(i), ":", s.op, ":", what);
    }

    /// n K elements received as one message.
    function recvK(Ctx memory c, bytes memory lbl, uint256 n) internal pure returns (uint256[] memory out) {
        uint256 off = FSL.recv(c.t, lbl, 24 * n);
        out = new uint256[](n);
        for (uint256 i = 0; i < n; i++) out[i] = FS.kAt(off, i);
    }

    function recv1(Ctx memory c, bytes memory lbl) internal pure returns (uint256) {
        return FS.kAt(FSL.recv(c.t, lbl, 24), 0);
    }

    function challengePoint(Ctx memory c, bytes memory lbl, uint256 n) internal pure returns (uint256[] memory) {
        if (n == 0) return new uint256[](0);
        return FSL.challengesK(c.t, lbl, n);
    }

    // ---- closed forms ------------------------------------------------------------------------
    /// eq(a, b) = prod_i (a_i b_i + (1 - a_i)(1 - b_i)).
    function eqEval(uint256[] memory a, uint256[] memory b) internal pure returns (uint256 e) {
        if (a.length != b.length) revert BadCircuit();
        uint256 pa;
        uint256 pb;
        assembly ("memory-safe") {
            pa := add(a, 32)
            pb := add(b, 32)
        }
        e = GF.eqProdMem(pa, pb, a.length, 1);
    }

    /// eq(z, bits of idx) over z's coordinates (poly.mle.eq_eval_index).
    function eqIndex(uint256[] memory z, uint256 from, uint256 n, uint256 idx) internal pure returns (uint256 e) {
        e = 1;
        if (n == 0) return e;
        if (from + n > z.length) revert BadCircuit();
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                uint256 zi = z[from + i];
                e = GF.kmul(e, (idx >> i) & 1 == 1 ? zi : GF.ksub(1, zi));
            }
        }
    }

    /// layout.prefix_indicator: MLE at z[from .. from + m) of [i < n] over [0, 2^m).
    function prefixIndicator(uint256[] memory z, uint256 from, uint256 m, uint256 n) internal pure returns (uint256) {
        uint256 acc = 0; // sum of the finished branches
        uint256 mult = 1;
        while (true) {
            if (n == 0) return acc;
            if (m == 0 || n >= (uint256(1) << m)) return GF.kadd(acc, mult);
            uint256 top = z[from + m - 1];
            uint256 half = uint256(1) << (m - 1);
            if (n <= half) {
                mult = GF.kmul(mult, GF.ksub(1, top));
            } else {
                acc = GF.kadd(acc, GF.kmul(mult, GF.ksub(1, top)));
                mult = GF.kmul(mult, top);
                n -= half;
            }
            m -= 1;
        }
        return acc;
    }

    /// Variables of an axis of d entries (layout.ceil_log2).
    function bitsOf(uint256 d) internal pure returns (uint256 b) {
        while ((uint256(1) << b) < d) b++;
    }

    /// layout.real_indicator for the layout whose rank byte is at calldata `shapeOff`
    /// (u8 rank | u32 dims): the product of the axes' prefix indicators, last axis lowest.
    function realIndicator(uint256 shapeOff, uint256[] memory point, uint256 from) internal pure returns (uint256 acc, uint256 used) {
        uint256 rank = u8(shapeOff);
        acc = 1;
        for (uint256 a = rank; a > 0; a--) {
            uint256 d = u32(shapeOff + 1 + 4 * (a - 1));
            uint256 b = bitsOf(d);
            acc = GF.kmul(acc, prefixIndicator(point, from + used, b, d));
            used += b;
        }
    }

    /// Bytes of a shape record (u8 rank | u32 dims).
    function shapeBytes(uint256 shapeOff) internal pure returns (uint256) {
        return 1 + 4 * u8(shapeOff);
    }

    /// The MLE of public tensor j (its int64 statement values, padded per axis) at `point`.
    function evalPublic(Ctx memory c, uint256 j, uint256[] memory point) internal pure returns (uint256 acc) {
        if (j >= c.stmtVals.length) revert BadCircuit();
        uint256 sh = c.stmtShape[j];
        uint256 rank = u8(sh);
        uint256[] memory dims = new uint256[](rank);
        uint256[] memory bits = new uint256[](rank);
        uint256 nv = 0;
        uint256 size = 1;
        for (uint256 a = 0; a < rank; a++) {
            dims[a] = u32(sh + 1 + 4 * a);
            bits[a] = bitsOf(dims[a]);
            nv += bits[a];
            size *= dims[a];
        }
        if (nv != point.length) revert BadCircuit();
        acc = _sumPublic(point, c.stmtVals[j], dims, bits, size);
    }

    /// Σ_e values[e] · eq(point, padded index of e) over the tensor's real entries (row-major),
    /// split at L = max(ceil(n/2), bits of the last axis) variables: Σ_hi eq(z_H, hi) Σ_lo
    /// v[hi, lo] eq(z_L, lo). A row of the last axis lies in one hi block (L covers its bits),
    /// so its entries are summed in three words, one F × K product each, unreduced (each
    /// < 2^128, at most 2^32 of them), the multi-index advanced once per row; the outer sum
    /// folds the blocks by z_H. 2^L + 2^H K products instead of 2^n.
    function _sumPublic(uint256[] memory point, uint256 vals, uint256[] memory dims, uint256[] memory bits, uint256 size)
        private
        pure
        returns (uint256 acc)
    {
        // (no value; the exit also keeps this function out of line, on a stack of its own)
        if (size == 0) return 0;
        uint256 rank = dims.length;
        if (rank == 0) revert BadCircuit();
        uint256 nv = point.length;
        uint256 lBits = (nv + 1) / 2;
        if (lBits < bits[rank - 1]) lBits = bits[rank - 1];
        uint256 hBits = nv - lBits;
        uint256[] memory eqL = eqTable(slice(point, 0, lBits));
        uint256[] memory inner = new uint256[](3 << hBits);
        uint256[] memory idx = new uint256[](rank);
        _rowSums(vals, dims, bits, idx, eqL, inner, lBits, size / dims[rank - 1]);
        acc = _foldBlocks(point, inner, lBits, hBits);
    }

    /// The inner sums of _sumPublic: per row of the last axis (`rows` of them, in order from
    /// calldata `vals`), Σ_i v_i eq(z_L, lo + i) into inner[hi] (three unreduced words).
    function _rowSums(
        uint256 vals,
        uint256[] memory dims,
        uint256[] memory bits,
        uint256[] memory idx,
        uint256[] memory eqL,
        uint256[] memory inner,
        uint256 lBits,
        uint256 rows
    ) private pure {
        assembly ("memory-safe") {
            // 2^64 - 1 in a variable (the optimizer would rebuild the literal at every use)
            let m := sub(shl(64, gt(mload(0x40), 0)), 1)
            let rank := mload(dims)
            let lowMask := sub(shl(lBits, 1), 1)
            let rowBytes := shl(3, mload(add(dims, shl(5, rank))))
            let e := vals
            for { let r := 0 } lt(r, rows) { r := add(r, 1) } {
                // the padded position of the row's first entry (row-major, each axis padded)
                let pos := 0
                for { let a := 0 } lt(a, rank) { a := add(a, 1) } {
                    let o := shl(5, add(a, 1))
                    pos := or(shl(mload(add(bits, o)), pos), mload(add(idx, o)))
                }
                let s0 := 0
                let s1 := 0
                let s2 := 0
                let wp := add(add(eqL, 32), shl(5, and(pos, lowMask)))
                for { let end := add(e, rowBytes) } lt(e, end) {
                    e := add(e, 8)
                    wp := add(wp, 32)
                } {
                    let v := shr(192, calldataload(e))
                    if v {
                        // an int64 v < 0 is p - (2^64 - v) = v - (2^32 - 1) in F
                        v := sub(v, mul(shr(63, v), 0xffffffff))
                        let w := mload(wp)
                        s0 := add(s0, mul(v, and(w, m)))
                        s1 := add(s1, mul(v, and(shr(64, w), m)))
                        s2 := add(s2, mul(v, shr(128, w)))
                    }
                }
                let q := add(add(inner, 32), mul(96, shr(lBits, pos)))
                mstore(q, add(mload(q), s0))
                mstore(add(q, 32), add(mload(add(q, 32)), s1))
                mstore(add(q, 64), add(mload(add(q, 64)), s2))
                // the next row: the multi-index over the axes before the last
                for { let a := sub(rank, 1) } gt(a, 0) { a := sub(a, 1) } {
                    let o := shl(5, a)
                    let x := add(mload(add(idx, o)), 1)
                    if lt(x, mload(add(dims, o))) {
                        mstore(add(idx, o), x)
                        break
                    }
                    mstore(add(idx, o), 0)
                }
            }
        }
    }

    /// Σ_hi eq(z_H, hi) inner[hi] (z_H = point[lBits..]): the blocks reduced and packed, then
    /// folded by z_L, z_(L+1), ..
    function _foldBlocks(uint256[] memory point, uint256[] memory inner, uint256 lBits, uint256 hBits)
        private
        pure
        returns (uint256 acc)
    {
        assembly ("memory-safe") {
            let m := sub(shl(64, gt(mload(0x40), 0)), 1)
            // g[y] = the inner sum of hi = y, reduced and packed, in place (word y <= word 3y)
            let g := add(inner, 32)
            let nH := shl(hBits, 1)
            for { let y := 0 } lt(y, nH) { y := add(y, 1) } {
                let q := add(g, mul(96, y))
                let x := or(or(mod(mload(q), P), shl(64, mod(mload(add(q, 32)), P))), shl(128, mod(mload(add(q, 64)), P)))
                mstore(add(g, shl(5, y)), x)
            }
            // fold by z_L, z_(L+1), ..: g[y] <- g[2y] + z (g[2y+1] - g[2y])
            for { let i := 0 } lt(i, hBits) { i := add(i, 1) } {
                let z := mload(add(point, shl(5, add(add(lBits, i), 1))))
                let z0 := and(z, m)
                let z1 := and(shr(64, z), m)
                z := shr(128, z)
                nH := shr(1, nH)
                for { let y := 0 } lt(y, nH) { y := add(y, 1) } {
                    let lo := mload(add(g, shl(6, y)))
                    let hi := mload(add(g, add(shl(6, y), 32)))
                    let a0 := and(lo, m)
                    let a1 := and(shr(64, lo), m)
                    let a2 := shr(128, lo)
                    let d0 := sub(add(and(hi, m), P), a0)
                    let d1 := sub(add(and(shr(64, hi), m), P), a1)
                    let d2 := sub(add(shr(128, hi), P), a2)
                    a0 := mod(add(a0, add(mul(z0, d0), shl(1, add(mul(z1, d2), mul(z, d1))))), P)
                    a1 := mod(add(a1, add(add(mul(z0, d1), mul(z1, d0)), shl(1, mul(z, d2)))), P)
                    a2 := mod(add(a2, add(add(mul(z0, d2), mul(z1, d1)), mul(z, d0))), P)
                    mstore(add(g, shl(5, y)), or(or(a0, shl(64, a1)), shl(128, a2)))
                }
            }
            acc := mload(g)
        }
    }

    /// eq(point, x) for x in [0, 2^n) (bit i of x is variable i).
    function eqTable(uint256[] memory point) internal pure returns (uint256[] memory t) {
        uint256 n = point.length;
        t = new uint256[](uint256(1) << n);
        t[0] = 1;
        // (a constant; the exit also keeps this function out of line, on a stack of its own)
        if (n == 0) return t;
        assembly ("memory-safe") {
            // 2^64 - 1 in a variable (the optimizer would rebuild the literal at every use)
            let m := sub(shl(64, gt(mload(0x40), 0)), 1)
            let base := add(t, 32)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let z := mload(add(point, shl(5, add(i, 1))))
                let z0 := and(z, m)
                let z1 := and(shr(64, z), m)
                z := shr(128, z)
                let hb := shl(5, shl(i, 1))
                for { let p := base } lt(p, add(base, hb)) { p := add(p, 32) } {
                    // hi = t[x] z (GF.kmul), t[x + h] = hi, t[x] = t[x] - hi (GF.ksub)
                    let x := mload(p)
                    let x0 := and(x, m)
                    let x1 := and(shr(64, x), m)
                    x := shr(128, x)
                    let h0 := mod(add(mul(x0, z0), shl(1, add(mul(x1, z), mul(x, z1)))), P)
                    let h1 := mod(add(add(mul(x0, z1), mul(x1, z0)), shl(1, mul(x, z))), P)
                    let h2 := mod(add(add(mul(x0, z), mul(x1, z1)), mul(x, z0)), P)
                    mstore(add(p, hb), or(or(h0, shl(64, h1)), shl(128, h2)))
                    mstore(p, or(or(addmod(x0, sub(P, h0), P), shl(64, addmod(x1, sub(P, h1), P))),
                                 shl(128, addmod(x, sub(P, h2), P))))
                }
            }
        }
    }

    /// Σ_t c_t λ^(e_t) Π values[S_t] for the monomials at calldata `off` (steps/fields.py).
    function monomials(uint256 off, uint256 lam, uint256[] memory values) internal pure returns (uint256 acc, uint256 end) {
        uint256 n = u16(off);
        off += 2;
        uint256[6] memory lp;
        lp[0] = 1;
        for (uint256 e = 1; e < 6; e++) lp[e] = GF.kmul(lp[e - 1], lam);
        for (uint256 t = 0; t < n; t++) {
            uint256 coef = fc(off);
            uint256 e = u8(off + 8);
            uint256 k = u8(off + 9);
            off += 10;
            uint256 prod = e < 6 ? GF.kmulBase(lp[e], coef) : GF.kmulBase(GF.kpow(lam, e), coef);
            for (uint256 j = 0; j < k; j++) {
                uint256 idx = u8(off + j);
                if (idx >= values.length) revert BadCircuit();
                prod = GF.kmul(prod, values[idx]);
            }
            off += k;
            acc = GF.kadd(acc, prod);
        }
        end = off;
    }

    /// a[from .. from + n) as a new array.
    function slice(uint256[] memory a, uint256 from, uint256 n) internal pure returns (uint256[] memory out) {
        if (from + n > a.length) revert BadCircuit();
        out = new uint256[](n);
        for (uint256 i = 0; i < n; i++) out[i] = a[from + i];
    }

    /// a ‖ b.
    function concat(uint256[] memory a, uint256[] memory b) internal pure returns (uint256[] memory out) {
        out = new uint256[](a.length + b.length);
        for (uint256 i = 0; i < a.length; i++) out[i] = a[i];
        for (uint256 i = 0; i < b.length; i++) out[a.length + i] = b[i];
    }
}
