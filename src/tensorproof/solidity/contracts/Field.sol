// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Goldilocks F_p and its cubic extension K = F_p[X]/(X^3 - 2)
/// @notice Mirrors tensorproof.field (params.py, scalar.py). An F element is a uint256 < p.
/// A K element c0 + c1 X + c2 X^2 is packed in one word, c0 | c1 << 64 | c2 << 128 (every
/// coefficient < p < 2^64), so K values travel on the stack like F values. Products of two
/// coefficients are < 2^128, so a sum of a few of them needs one `mod` at the end.
library GF {
    uint256 internal constant P = 0xffffffff00000001; // 2^64 - 2^32 + 1
    uint256 internal constant M64 = 0xffffffffffffffff;
    uint256 internal constant INV2 = 0x7fffffff80000001; // (p + 1) / 2
    /// 7^((p-1)/2^32): a primitive 2^32-th root of unity (poly.ntt.root_of_unity)
    uint256 internal constant ROOT_2_32 = 0x185629dcda58878c;
    /// ROOT_2_32^-1 (so that roots of unity and their inverses both come from squarings)
    uint256 internal constant ROOT_2_32_INV = 0x76b6b635b6fc8719;

    // ---- F ----------------------------------------------------------------------------------
    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        return addmod(a, b, P);
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            return addmod(a, P - b, P);
        }
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256) {
        return mulmod(a, b, P);
    }

    /// a^e by square-and-multiply.
    function pow(uint256 a, uint256 e) internal pure returns (uint256 r) {
        r = 1;
        assembly ("memory-safe") {
            for {} gt(e, 0) { e := shr(1, e) } {
                if and(e, 1) { r := mulmod(r, a, P) }
                a := mulmod(a, a, P)
            }
        }
    }

    /// A primitive 2^logN-th root of unity, 7^((p-1)/2^logN) (logN <= 32).
    function rootOfUnity(uint256 logN) internal pure returns (uint256 w) {
        require(logN <= 32, "GF: no such subgroup");
        w = ROOT_2_32;
        assembly ("memory-safe") {
            for { let i := logN } lt(i, 32) { i := add(i, 1) } { w := mulmod(w, w, P) }
        }
    }

    /// The inverse of rootOfUnity(logN): (7^((p-1)/2^32))^-1 squared 32 - logN times.
    function rootOfUnityInv(uint256 logN) internal pure returns (uint256 w) {
        require(logN <= 32, "GF: no such subgroup");
        w = ROOT_2_32_INV;
        assembly ("memory-safe") {
            for { let i := logN } lt(i, 32) { i := add(i, 1) } { w := mulmod(w, w, P) }
        }
    }

    // ---- K (packed) -------------------------------------------------------------------------
    function fromBase(uint256 a) internal pure returns (uint256) {
        return a;
    }

    function pack(uint256 c0, uint256 c1, uint256 c2) internal pure returns (uint256) {
        return c0 | (c1 << 64) | (c2 << 128);
    }

    function kadd(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := or(or(addmod(shr(192, shl(192, a)), shr(192, shl(192, b)), P),
                       shl(64, addmod(shr(192, shl(128, a)), shr(192, shl(128, b)), P))),
                    shl(128, addmod(shr(128, a), shr(128, b), P)))
        }
    }

    function ksub(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := or(or(addmod(shr(192, shl(192, a)), sub(P, shr(192, shl(192, b))), P),
                       shl(64, addmod(shr(192, shl(128, a)), sub(P, shr(192, shl(128, b))), P))),
                    shl(128, addmod(shr(128, a), sub(P, shr(128, b)), P)))
        }
    }

    /// (a0 + a1 X + a2 X^2)(b0 + b1 X + b2 X^2) mod X^3 - 2.
    function kmul(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            let a0 := shr(192, shl(192, a))
            let a1 := shr(192, shl(128, a))
            let a2 := shr(128, a)
            let b0 := shr(192, shl(192, b))
            let b1 := shr(192, shl(128, b))
            let b2 := shr(128, b)
            let c0 := mod(add(mul(a0, b0), shl(1, add(mul(a1, b2), mul(a2, b1)))), P)
            let c1 := mod(add(add(mul(a0, b1), mul(a1, b0)), shl(1, mul(a2, b2))), P)
            let c2 := mod(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), P)
            r := or(or(c0, shl(64, c1)), shl(128, c2))
        }
    }

    /// a * x for a in K and x in F.
    function kmulBase(uint256 a, uint256 x) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := or(or(mulmod(shr(192, shl(192, a)), x, P), shl(64, mulmod(shr(192, shl(128, a)), x, P))),
                    shl(128, mulmod(shr(128, a), x, P)))
        }
    }

    /// a^e in K by square-and-multiply.
    function kpow(uint256 a, uint256 e) internal pure returns (uint256 r) {
        r = 1;
        while (e > 0) {
            if (e & 1 == 1) r = kmul(r, a);
            a = kmul(a, a);
            e >>= 1;
        }
    }

    /// eq(a, b) = a b + (1 - a)(1 - b) = 1 - a - b + 2ab.
    function keq(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 ab = kmul(a, b);
        return kadd(ksub(ksub(kadd(ab, ab), a), b), 1);
    }

    /// e · prod_(i < n) eq(x_i, y_i) for packed K words x_i at memory px + 32 i and y_i at
    /// py + 32 i (keq, kmul: eq(x, y) = 2 x y - x - y + 1; x = 0 or 1 gives 1 - y or y, no
    /// product). Canonical inputs (every K value of the verifier is).
    function eqProdMem(uint256 px, uint256 py, uint256 n, uint256 e) internal pure returns (uint256) {
        return eqScan(px, py, n, e, 0);
    }

    /// eqProdMem that also writes the running product after factor i to memory out + 32 i
    /// (out != 0).
    function eqScan(uint256 px, uint256 py, uint256 n, uint256 e, uint256 out) internal pure returns (uint256 r) {
        // (nothing to multiply; the exit also keeps this loop out of line, on a stack of its own)
        if (n == 0) return e;
        assembly ("memory-safe") {
            // 2^64 - 1 held in a variable: the optimizer would rebuild the literal from shifts
            // at every use (the free memory pointer is never 0)
            let m := sub(shl(64, gt(mload(0x40), 0)), 1)
            let e0 := and(e, m)
            let e1 := and(shr(64, e), m)
            let e2 := shr(128, e)
            for {} n {
                n := sub(n, 1)
                px := add(px, 32)
                py := add(py, 32)
            } {
                let x := mload(px)
                let q := mload(py)
                switch x
                case 0 {
                    // 1 - y (coefficients <= p + 1 < 2^64)
                    q := or(or(sub(add(P, 1), and(q, m)), shl(64, sub(P, and(shr(64, q), m)))), shl(128, sub(P, shr(128, q))))
                }
                case 1 {}
                default {
                    // 2 x y + 2p + 1 - x - y per coefficient (< 2^132), one mod each
                    let x0 := and(x, m)
                    let x1 := and(shr(64, x), m)
                    x := shr(128, x)
                    let y0 := and(q, m)
                    let y1 := and(shr(64, q), m)
                    let y2 := shr(128, q)
                    q := or(or(
                        mod(add(shl(1, add(mul(x0, y0), shl(1, add(mul(x1, y2), mul(x, y1))))), sub(add(shl(1, P), 1), add(x0, y0))), P),
                        shl(64, mod(add(shl(1, add(add(mul(x0, y1), mul(x1, y0)), shl(1, mul(x, y2)))), sub(shl(1, P), add(x1, y1))), P))),
                        shl(128, mod(add(shl(1, add(add(mul(x0, y2), mul(x1, y1)), mul(x, y0))), sub(shl(1, P), add(x, y2))), P)))
                }
                // e <- e q
                {
                    let q0 := and(q, m)
                    let q1 := and(shr(64, q), m)
                    q := shr(128, q)
                    let t0 := mod(add(mul(e0, q0), shl(1, add(mul(e1, q), mul(e2, q1)))), P)
                    let t1 := mod(add(add(mul(e0, q1), mul(e1, q0)), shl(1, mul(e2, q))), P)
                    e2 := mod(add(add(mul(e0, q), mul(e1, q1)), mul(e2, q0)), P)
                    e0 := t0
                    e1 := t1
                }
                if out {
                    mstore(out, or(or(e0, shl(64, e1)), shl(128, e2)))
                    out := add(out, 32)
                }
            }
            r := or(or(e0, shl(64, e1)), shl(128, e2))
        }
    }

    /// h(r) for the degree-2 polynomial with h(0), h(1), h(2). Lagrange on {0, 1, 2},
    /// h0 (r-1)(r-2)/2 - h1 r(r-2) + h2 r(r-1)/2, is the same polynomial as Newton's form
    /// h0 + r (d1 + (r - 1) d2) with d1 = h1 - h0, d2 = (h2 - 2 h1 + h0) / 2 (2 K products).
    function quadAt(uint256 h0, uint256 h1, uint256 h2, uint256 r) internal pure returns (uint256) {
        uint256 d1 = ksub(h1, h0);
        uint256 d2 = kmulBase(kadd(ksub(h2, kadd(h1, h1)), h0), INV2);
        return kadd(h0, kmul(r, kadd(d1, kmul(ksub(r, 1), d2))));
    }
}
