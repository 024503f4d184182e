// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";

/// @title The sumcheck verifier, as tensorproof.verifier.sumcheck.verify_sumcheck
/// @notice Round i reads s(0), s(2), .., s(d) (message "<label>/round<i>", d K elements),
/// sets s(1) = C_i - s(0), draws r_i ("<label>/r<i>", one K element) and C_(i+1) = s(r_i).
/// Returns the subclaim (point, value); the caller must check it (verify_sumcheck's contract).
///
/// Gas: the rounds run in one assembly loop (`rounds`). The two records of a round are built in
/// one scratch buffer past the free memory pointer, nothing allocated: s ‖ tag ‖ u32(len) ‖
/// label once, then per round the suffix "/round<i>" ‖ u64(24 d) ‖ message, or "/r<i>" ‖
/// u32(c) (FSL.recv, FSL.challengeK byte for byte). s(r) comes from Newton's forward form
/// on the nodes 0..d, s(r) = sum_k Delta^k s(0) C(r, k), the same polynomial as the
/// barycentric form of `interpolate` (so the same value): d = 2, 3 in closed form with
/// constant 1/2, 1/6 (3 or 6 mulmod and 2 or 3 K products per round), other degrees by the
/// difference table and d!·s(r) in Horner form times 1/d! (computed once per call).
/// K values in the loop are three words c0, c1, c2 (GF's packing undone); products of
/// canonical coefficients are < 2^128, so a few of them plus small multiples of p are summed
/// before one `mod`, as in GF.kmul.
library Sumcheck {
    error BadDegree();

    uint256 private constant P = 0xffffffff00000001; // GF.P
    /// The largest degree (solidity/steps/max_reduce.MAX_DEGREE: max windows of 127 entries);
    /// `_generic`'s difference table costs O(degree^2) per round.
    uint256 internal constant MAX_DEGREE = 128;
    /// Degrees above this take `_barycentric` (O(degree) K products per round) rather than
    /// `_generic`'s difference table (O(degree^2) additions per round).
    uint256 private constant GENERIC_MAX = 8;
    uint256 private constant PM1 = 0xffffffff00000000; // p - 1: x is canonical iff x <= PM1
    uint256 private constant M64 = 0xffffffffffffffff;
    uint256 private constant INV2 = 0x7fffffff80000001; // 1/2 mod p
    uint256 private constant INV6 = 0xd555555480000001; // 1/6 mod p

    function verify(FS.T memory t, uint256 claim, uint256 nVars, uint256 degree, bytes memory label)
        internal
        pure
        returns (uint256[] memory point, uint256 value)
    {
        if (degree == 0 || degree > MAX_DEGREE) revert BadDegree();
        point = new uint256[](nVars);
        value = rounds(t, claim, nVars, degree, label, point, 0);
    }

    /// The rounds of `verify` (degree checked by the caller: 1 <= degree <= MAX_DEGREE), their
    /// challenges written to out[at .. at + nVars) (out must hold them); returns the last claim.
    function rounds(
        FS.T memory t,
        uint256 claim,
        uint256 nVars,
        uint256 degree,
        bytes memory label,
        uint256[] memory out,
        uint256 at
    ) internal pure returns (uint256 value) {
        value = claim;
        // (nothing to do; the exit also keeps the loops out of line, on a stack of their own)
        if (nVars == 0) return value;
        if (at + nVars > out.length) revert BadDegree();
        uint256 n = 24 * degree;
        uint256 m = t.pos;
        // the rounds' messages, read in turn (a proof too short is rejected at the first
        // message past its end: here before any, the verdict is the same)
        if (n * nVars > t.end - m) revert FS.ProofTruncated();
        uint256 op;
        assembly ("memory-safe") {
            op := add(add(out, 32), shl(5, at))
        }
        t.state = _transcript(t.state, m, n, nVars, label, op);
        t.pos = m + n * nVars;
        bool bad;
        if (degree == 2) (value, bad) = _quadratic(value, m, op, nVars);
        else if (degree == 3) (value, bad) = _cubic(value, m, op, nVars);
        else if (degree <= GENERIC_MAX) (value, bad) = _generic(value, m, op, nVars, degree);
        else (value, bad) = _barycentric(value, m, op, nVars, degree);
        if (bad) revert FS.NonCanonical();
    }

    /// The transcript part of the rounds (the challenges depend on the messages alone): per
    /// round "<label>/round<i>" absorbs the n bytes at calldata m + n i, "<label>/r<i>" draws
    /// r_i (outputs 0, 1, 2 mod p), stored at memory op + 32 i. Returns the new state.
    function _transcript(bytes32 s, uint256 m, uint256 n, uint256 nVars, bytes memory label, uint256 op)
        private
        pure
        returns (bytes32)
    {
        assembly ("memory-safe") {
            let L := mload(label)
            let p := mload(0x40)
            mcopy(add(p, 37), add(label, 32), L)
            let q := add(add(p, 37), L)
            for { let i := 0 } lt(i, nVars) { i := add(i, 1) } {
                // the decimal digits of i, left-aligned in dw (nd of them)
                let dw := 0
                let nd := 0
                for { let x := i } 1 {} {
                    dw := or(shr(8, dw), shl(248, add(48, mod(x, 10))))
                    nd := add(nd, 1)
                    x := div(x, 10)
                    if iszero(x) { break }
                }
                // s ‖ 0x03 ‖ u32(len) ‖ label "/round" i ‖ u64(n) ‖ the n proof bytes
                mstore(add(p, 5), or(shl(32, 3), add(L, add(6, nd))))
                mstore(p, s)
                mstore(q, "/round")
                mstore(add(q, 6), dw)
                let dq := add(add(q, 6), nd)
                mstore(dq, shl(192, n))
                calldatacopy(add(dq, 8), m, n)
                s := keccak256(p, add(sub(dq, p), add(8, n)))
                m := add(m, n)
                // s ‖ 0x04 ‖ u32(len) ‖ label "/r" i ‖ u32(c), c = 0, 1, 2; then 0x05, u32(3)
                mstore(add(p, 5), or(shl(32, 4), add(L, add(2, nd))))
                mstore(p, s)
                mstore(q, "/r")
                mstore(add(q, 2), dw)
                let cq := add(add(q, 2), nd)
                let size := add(sub(cq, p), 4)
                mstore(cq, 0)
                let r := mod(keccak256(p, size), P)
                mstore(cq, shl(224, 1))
                r := or(r, shl(64, mod(keccak256(p, size), P)))
                mstore(cq, shl(224, 2))
                r := or(r, shl(128, mod(keccak256(p, size), P)))
                mstore8(add(p, 32), 5)
                mstore(cq, shl(224, 3))
                s := keccak256(p, size)
                mstore(op, r)
                op := add(op, 32)
            }
        }
        return s;
    }

    /// Degree 2: s(r) = s0 + r (D1 + (r - 1) D2 / 2) with s(1) = v - s0, D1 = v - 2 s0,
    /// D2 = s2 + 3 s0 - 2 v, round by round (messages at calldata m, challenges at memory op);
    /// bad: a coefficient >= p was read.
    function _quadratic(uint256 value, uint256 m, uint256 op, uint256 nVars) private pure returns (uint256 v, bool bad) {
        assembly ("memory-safe") {
            // three words (reduced: a caller's claim may be any word)
            let v0 := mod(and(value, M64), P)
            let v1 := mod(and(shr(64, value), M64), P)
            let v2 := mod(shr(128, value), P)
            let fl := 0
            for { let end := add(op, shl(5, nVars)) } lt(op, end) {
                op := add(op, 32)
                m := add(m, 48)
            } {
                let e0 := shr(192, calldataload(m))
                let e1 := shr(192, calldataload(add(m, 8)))
                let e2 := shr(192, calldataload(add(m, 16)))
                let h0 := shr(192, calldataload(add(m, 24)))
                let h1 := shr(192, calldataload(add(m, 32)))
                let h2 := shr(192, calldataload(add(m, 40)))
                fl := or(fl, or(or(or(gt(e0, PM1), gt(e1, PM1)), gt(e2, PM1)), or(or(gt(h0, PM1), gt(h1, PM1)), gt(h2, PM1))))
                // h = D2 / 2 (reduced); D1 < 3p added unreduced
                h0 := mulmod(add(add(h0, mul(3, e0)), sub(shl(1, P), shl(1, v0))), INV2, P)
                h1 := mulmod(add(add(h1, mul(3, e1)), sub(shl(1, P), shl(1, v1))), INV2, P)
                h2 := mulmod(add(add(h2, mul(3, e2)), sub(shl(1, P), shl(1, v2))), INV2, P)
                let r := mload(op)
                let r1 := and(shr(64, r), M64)
                let r2 := shr(128, r)
                r := and(r, M64)
                // t = D1 + (r - 1) h
                let b0 := addmod(r, PM1, P)
                let t0 := mod(add(add(v0, sub(shl(1, P), shl(1, e0))),
                                  add(mul(b0, h0), shl(1, add(mul(r1, h2), mul(r2, h1))))), P)
                let t1 := mod(add(add(v1, sub(shl(1, P), shl(1, e1))),
                                  add(add(mul(b0, h1), mul(r1, h0)), shl(1, mul(r2, h2)))), P)
                h2 := mod(add(add(v2, sub(shl(1, P), shl(1, e2))),
                              add(add(mul(b0, h2), mul(r1, h1)), mul(r2, h0))), P)
                // s0 + r t
                v0 := mod(add(e0, add(mul(r, t0), shl(1, add(mul(r1, h2), mul(r2, t1))))), P)
                v1 := mod(add(e1, add(add(mul(r, t1), mul(r1, t0)), shl(1, mul(r2, h2)))), P)
                v2 := mod(add(e2, add(add(mul(r, h2), mul(r1, t1)), mul(r2, t0))), P)
            }
            v := or(or(v0, shl(64, v1)), shl(128, v2))
            bad := fl
        }
    }

    /// Degree 3: s(r) = s0 + r (D1 + (r - 1) (D2 / 2 + (r - 2) D3 / 6)) with s(1) = v - s0,
    /// D1 = v - 2 s0, D2 = s2 + 3 s0 - 2 v, D3 = s3 + 3 v - 3 s2 - 4 s0 (as _quadratic). K
    /// values packed between the steps (few live words: no stack spills or recomputation).
    function _cubic(uint256 value, uint256 m, uint256 op, uint256 nVars) private pure returns (uint256 v, bool bad) {
        assembly ("memory-safe") {
            // 2^64 - 1 in a variable (the optimizer would build the literal from shifts at
            // every use; the free memory pointer is never 0)
            let m64 := sub(shl(64, gt(mload(0x40), 0)), 1)
            // canonical coefficients (a caller's claim may be any word)
            v := or(or(mod(and(value, M64), P), shl(64, mod(and(shr(64, value), M64), P))), shl(128, mod(shr(128, value), P)))
            for { let end := add(op, shl(5, nVars)) } lt(op, end) {
                op := add(op, 32)
                m := add(m, 72)
            } {
                // k = D3 / 6, packed
                let k := 0
                for { let c := 0 } lt(c, 3) { c := add(c, 1) } {
                    let o := add(m, shl(3, c))
                    let e := shr(192, calldataload(o))
                    let f := shr(192, calldataload(add(o, 24)))
                    let g := shr(192, calldataload(add(o, 48)))
                    bad := or(bad, or(or(add(e, 0xffffffff), add(f, 0xffffffff)), add(g, 0xffffffff)))
                    let vc := and(shr(shl(6, c), v), m64)
                    k := or(k, shl(shl(6, c), mulmod(add(add(g, mul(3, vc)), sub(mul(7, P), add(mul(3, f), shl(2, e)))), INV6, P)))
                }
                let r := mload(op)
                // u = (r - 2) k + D2 / 2
                let u := 0
                {
                    let b0 := sub(add(and(r, m64), P), 2) // r0 - 2 + p < 2^65
                    let b1 := and(shr(64, r), m64)
                    let b2 := shr(128, r)
                    let k0 := and(k, m64)
                    let k1 := and(shr(64, k), m64)
                    k := shr(128, k)
                    u := mod(add(add(mul(b0, k0), shl(1, add(mul(b1, k), mul(b2, k1)))),
                                 mulmod(add(add(shr(192, calldataload(add(m, 24))), mul(3, shr(192, calldataload(m)))),
                                            sub(shl(1, P), shl(1, and(v, m64)))), INV2, P)), P)
                    u := or(u, shl(64, mod(add(add(add(mul(b0, k1), mul(b1, k0)), shl(1, mul(b2, k))),
                                 mulmod(add(add(shr(192, calldataload(add(m, 32))), mul(3, shr(192, calldataload(add(m, 8))))),
                                            sub(shl(1, P), shl(1, and(shr(64, v), m64)))), INV2, P)), P)))
                    u := or(u, shl(128, mod(add(add(add(mul(b0, k), mul(b1, k1)), mul(b2, k0)),
                                 mulmod(add(add(shr(192, calldataload(add(m, 40))), mul(3, shr(192, calldataload(add(m, 16))))),
                                            sub(shl(1, P), shl(1, shr(128, v)))), INV2, P)), P)))
                }
                // t = (r - 1) u + D1, D1 = v - 2 s0 (< 3p, unreduced)
                let t := 0
                {
                    let b0 := sub(add(and(r, m64), P), 1) // r0 - 1 + p < 2^65
                    let b1 := and(shr(64, r), m64)
                    let b2 := shr(128, r)
                    let u0 := and(u, m64)
                    let u1 := and(shr(64, u), m64)
                    u := shr(128, u)
                    t := mod(add(add(mul(b0, u0), shl(1, add(mul(b1, u), mul(b2, u1)))),
                                 add(and(v, m64), sub(shl(1, P), shl(1, shr(192, calldataload(m)))))), P)
                    t := or(t, shl(64, mod(add(add(add(mul(b0, u1), mul(b1, u0)), shl(1, mul(b2, u))),
                                 add(and(shr(64, v), m64), sub(shl(1, P), shl(1, shr(192, calldataload(add(m, 8))))))), P)))
                    t := or(t, shl(128, mod(add(add(add(mul(b0, u), mul(b1, u1)), mul(b2, u0)),
                                 add(shr(128, v), sub(shl(1, P), shl(1, shr(192, calldataload(add(m, 16))))))), P)))
                }
                // v = r t + s0
                {
                    let b0 := and(r, m64)
                    let b1 := and(shr(64, r), m64)
                    r := shr(128, r)
                    let t0 := and(t, m64)
                    let t1 := and(shr(64, t), m64)
                    t := shr(128, t)
                    v := mod(add(add(mul(b0, t0), shl(1, add(mul(b1, t), mul(r, t1)))), shr(192, calldataload(m))), P)
                    v := or(v, shl(64, mod(add(add(add(mul(b0, t1), mul(b1, t0)), shl(1, mul(r, t))),
                                              shr(192, calldataload(add(m, 8)))), P)))
                    v := or(v, shl(128, mod(add(add(add(mul(b0, t), mul(b1, t1)), mul(r, t0)),
                                               shr(192, calldataload(add(m, 16)))), P)))
                }
            }
            // a coefficient x >= p = 2^64 - 2^32 + 1 exactly when x + 2^32 - 1 >= 2^64
            bad := gt(shr(64, bad), 0)
        }
    }

    /// Other degrees: the table s(0), s(1) = v - s(0), s(2), .., s(d) (three words each, in
    /// scratch memory), in place to Delta^k s(0), then d! s(r) = A_0 with A_d = Delta^d s(0),
    /// A_(k-1) = (d!/(k-1)!) Delta^(k-1) s(0) + (r - k + 1) A_k, times 1/d!.
    function _generic(uint256 value, uint256 m, uint256 op, uint256 nVars, uint256 degree)
        private
        pure
        returns (uint256 v, bool bad)
    {
        uint256 invFact = _invFactorial(degree);
        assembly ("memory-safe") {
            let dt := mload(0x40)
            let v0 := mod(and(value, M64), P)
            let v1 := mod(and(shr(64, value), M64), P)
            let v2 := mod(shr(128, value), P)
            let fl := 0
            let n := mul(24, degree)
            let top := add(dt, mul(96, degree))
            for { let end := add(op, shl(5, nVars)) } lt(op, end) {
                op := add(op, 32)
                m := add(m, n)
            } {
                {
                    let e0 := shr(192, calldataload(m))
                    let e1 := shr(192, calldataload(add(m, 8)))
                    let e2 := shr(192, calldataload(add(m, 16)))
                    fl := or(fl, or(or(gt(e0, PM1), gt(e1, PM1)), gt(e2, PM1)))
                    mstore(dt, e0)
                    mstore(add(dt, 32), e1)
                    mstore(add(dt, 64), e2)
                    mstore(add(dt, 96), addmod(v0, sub(P, e0), P))
                    mstore(add(dt, 128), addmod(v1, sub(P, e1), P))
                    mstore(add(dt, 160), addmod(v2, sub(P, e2), P))
                }
                for { let j := 2 } iszero(gt(j, degree)) { j := add(j, 1) } {
                    let c := add(m, mul(24, sub(j, 1)))
                    let w := add(dt, mul(96, j))
                    let x0 := shr(192, calldataload(c))
                    let x1 := shr(192, calldataload(add(c, 8)))
                    let x2 := shr(192, calldataload(add(c, 16)))
                    fl := or(fl, or(or(gt(x0, PM1), gt(x1, PM1)), gt(x2, PM1)))
                    mstore(w, x0)
                    mstore(add(w, 32), x1)
                    mstore(add(w, 64), x2)
                }
                for { let k := 1 } iszero(gt(k, degree)) { k := add(k, 1) } {
                    for { let w := top } iszero(lt(w, add(dt, mul(96, k)))) { w := sub(w, 96) } {
                        mstore(w, addmod(mload(w), sub(P, mload(sub(w, 96))), P))
                        mstore(add(w, 32), addmod(mload(add(w, 32)), sub(P, mload(sub(w, 64))), P))
                        mstore(add(w, 64), addmod(mload(add(w, 64)), sub(P, mload(sub(w, 32))), P))
                    }
                }
                let r := mload(op)
                let r1 := and(shr(64, r), M64)
                let r2 := shr(128, r)
                r := and(r, M64)
                let w := top
                v0 := mload(w)
                v1 := mload(add(w, 32))
                v2 := mload(add(w, 64))
                let mult := 1
                for { let k := degree } gt(k, 0) { k := sub(k, 1) } {
                    mult := mulmod(mult, k, P)
                    w := sub(w, 96)
                    let b0 := addmod(r, sub(P, sub(k, 1)), P)
                    let x0 := mod(add(mul(mult, mload(w)), add(mul(b0, v0), shl(1, add(mul(r1, v2), mul(r2, v1))))), P)
                    let x1 := mod(add(mul(mult, mload(add(w, 32))), add(add(mul(b0, v1), mul(r1, v0)), shl(1, mul(r2, v2)))), P)
                    v2 := mod(add(mul(mult, mload(add(w, 64))), add(add(mul(b0, v2), mul(r1, v1)), mul(r2, v0))), P)
                    v0 := x0
                    v1 := x1
                }
                v0 := mulmod(v0, invFact, P)
                v1 := mulmod(v1, invFact, P)
                v2 := mulmod(v2, invFact, P)
            }
            v := or(or(v0, shl(64, v1)), shl(128, v2))
            bad := fl
        }
    }

    /// High degrees: per round the values s(0), s(1) = v - s(0), s(2), .., s(d) and s(r) by
    /// `interpolate` with the barycentric weights of the nodes 0..d (made once): the same
    /// polynomial, so the same value as the other routes. bad: a coefficient >= p was read.
    function _barycentric(uint256 value, uint256 m, uint256 op, uint256 nVars, uint256 degree)
        private
        pure
        returns (uint256 v, bool bad)
    {
        uint256[] memory w = lagrangeWeights(degree);
        uint256[] memory evals = new uint256[](degree + 1);
        v = _canonicalK(value);
        for (uint256 i = 0; i < nVars; i++) {
            uint256 base = m + i * 24 * degree;
            bool b;
            (evals[0], b) = _readK(base);
            bad = bad || b;
            evals[1] = GF.ksub(v, evals[0]);
            for (uint256 j = 2; j <= degree; j++) {
                (evals[j], b) = _readK(base + 24 * (j - 1));
                bad = bad || b;
            }
            uint256 r;
            assembly ("memory-safe") {
                r := mload(add(op, shl(5, i)))
            }
            v = interpolate(evals, w, r);
        }
    }

    /// The K element of three u64 at calldata `at`, and whether a coefficient is >= p.
    function _readK(uint256 at) private pure returns (uint256 k, bool bad) {
        assembly ("memory-safe") {
            let x0 := shr(192, calldataload(at))
            let x1 := shr(192, calldataload(add(at, 8)))
            let x2 := shr(192, calldataload(add(at, 16)))
            bad := or(or(gt(x0, PM1), gt(x1, PM1)), gt(x2, PM1))
            k := or(or(x0, shl(64, x1)), shl(128, x2))
        }
    }

    /// A packed K word with each coefficient reduced mod p (a caller's claim may be any word).
    function _canonicalK(uint256 x) private pure returns (uint256) {
        return (x & M64) % P | (((x >> 64) & M64) % P) << 64 | ((x >> 128) % P) << 128;
    }

    /// 1/d! in F (d <= MAX_DEGREE < p).
    function _invFactorial(uint256 d) private pure returns (uint256) {
        uint256 f = 1;
        for (uint256 k = 2; k <= d; k++) f = mulmod(f, k, P);
        return GF.pow(f, P - 2);
    }

    /// The barycentric weights w_i = 1 / prod_(j != i) (i - j) of the nodes 0..d (in F).
    function lagrangeWeights(uint256 d) internal pure returns (uint256[] memory w) {
        w = new uint256[](d + 1);
        for (uint256 i = 0; i <= d; i++) {
            uint256 den = 1;
            for (uint256 j = 0; j <= d; j++) {
                if (j != i) den = GF.mul(den, GF.sub(i, j));
            }
            w[i] = GF.pow(den, GF.P - 2);
        }
    }

    /// s(r) for the polynomial of degree <= d with s(i) = evals[i], i = 0..d:
    /// sum_i evals[i] w_i prod_(j != i) (r - j), the products from prefix and suffix products.
    function interpolate(uint256[] memory evals, uint256[] memory w, uint256 r) internal pure returns (uint256 acc) {
        uint256 n = evals.length;
        uint256[] memory suffix = new uint256[](n + 1);
        suffix[n] = 1;
        for (uint256 j = n; j > 0; j--) suffix[j - 1] = GF.kmul(suffix[j], GF.ksub(r, j - 1));
        uint256 prefix = 1;
        for (uint256 i = 0; i < n; i++) {
            uint256 basis = GF.kmulBase(GF.kmul(prefix, suffix[i + 1]), w[i]);
            acc = GF.kadd(acc, GF.kmul(evals[i], basis));
            prefix = GF.kmul(prefix, GF.ksub(r, i));
        }
    }
}
