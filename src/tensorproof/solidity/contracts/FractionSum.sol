// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title GKR for a sum of fractions (LogUp-GKR), as tensorproof.verifier.fraction_gkr
/// @notice Reads the root (P, Q) ("<label>/root"), rejects Q = 0, then for each layer l < m:
/// lambda ("<label>/layer<l>/lambda"), a degree-3 sumcheck of l rounds
/// ("<label>/layer<l>/sumcheck") of a + lambda b, the children n0, n1, d0, d1
/// ("<label>/layer<l>/children") checked against eq(rho, rho') (n0 d1 + n1 d0 + lambda d0 d1),
/// mu ("<label>/layer<l>/mu"); the new point is [mu] ‖ rho'. Returns the leaf subclaim
/// n~(point) = num, d~(point) = den, which the caller MUST check.
///
/// Gas: the labels are written into one buffer ("<label>/layer<l>/" then each suffix), the
/// points live in two buffers of m words used in turn (rho' is written by the sumcheck at
/// index 1 of the other buffer, mu at 0), and eq(rho, rho') is one assembly loop.
library FractionSum {
    error ZeroDenominator();
    error LayerMismatch(uint256 layer);

    struct Subclaim {
        uint256 p;
        uint256 q;
        uint256[] point; // m K elements, x_0 first
        uint256 num;
        uint256 den;
    }

    function verify(FS.T memory t, uint256 nVars, bytes memory label) internal pure returns (Subclaim memory c) {
        uint256 L = label.length;
        // "<label>/layer<l>/" ‖ suffix (at most 78 digits, a suffix word of 32 bytes)
        bytes memory lb = new bytes(L + 128);
        assembly ("memory-safe") {
            mcopy(add(lb, 32), add(label, 32), L)
            mstore(add(add(lb, 32), L), "/root")
            mstore(lb, add(L, 5))
        }
        uint256 off = FSL.recv(t, lb, 48);
        c.p = FS.kAt(off, 0);
        c.q = FS.kAt(off, 1);
        if (c.q == 0) revert ZeroDenominator();
        c.num = c.p;
        c.den = c.q;
        uint256[] memory a = new uint256[](nVars);
        uint256[] memory b = new uint256[](nVars);
        for (uint256 l = 0; l < nVars; l++) {
            (uint256 dw, uint256 nd) = FSL.digitsWord(l);
            uint256 base = L + 7 + nd;
            assembly ("memory-safe") {
                let d := add(add(lb, 32), L)
                mstore(d, "/layer")
                mstore(add(d, 6), dw)
                mstore8(add(d, add(6, nd)), 0x2f) // "/"
            }
            _layer(t, c, l, lb, base, a, b);
            (a, b) = (b, a);
        }
        c.point = a;
    }

    /// Reduce N_l~(rho) = c.num, D_l~(rho) = c.den (rho = a[0 .. l)) to level l + 1 at
    /// [mu] ‖ rho' (written to b[0 .. l]); lb holds "<label>/layer<l>/" (base bytes).
    function _layer(
        FS.T memory t,
        Subclaim memory c,
        uint256 l,
        bytes memory lb,
        uint256 base,
        uint256[] memory a,
        uint256[] memory b
    ) private pure {
        _suffix(lb, base, bytes32("lambda"), 6);
        uint256 lam = FSL.challengeK(t, lb);
        _suffix(lb, base, bytes32("sumcheck"), 8);
        uint256 value = Sumcheck.rounds(t, GF.kadd(c.num, GF.kmul(lam, c.den)), l, 3, lb, b, 1);
        _suffix(lb, base, bytes32("children"), 8);
        uint256 off = FSL.recv(t, lb, 96);
        uint256 n0 = FS.kAt(off, 0);
        uint256 n1 = FS.kAt(off, 1);
        uint256 d0 = FS.kAt(off, 2);
        uint256 d1 = FS.kAt(off, 3);
        uint256 inner = GF.kadd(GF.kadd(GF.kmul(n0, d1), GF.kmul(n1, d0)), GF.kmul(lam, GF.kmul(d0, d1)));
        uint256 pa;
        uint256 pb;
        assembly ("memory-safe") {
            pa := add(a, 32)
            pb := add(b, 64)
        }
        if (GF.kmul(eqProd(pa, pb, l), inner) != value) revert LayerMismatch(l);
        _suffix(lb, base, bytes32("mu"), 2);
        uint256 mu = FSL.challengeK(t, lb);
        c.num = GF.kadd(n0, GF.kmul(mu, GF.ksub(n1, n0)));
        c.den = GF.kadd(d0, GF.kmul(mu, GF.ksub(d1, d0)));
        b[0] = mu;
    }

    /// lb <- its first `base` bytes ‖ the `len` bytes of the left-aligned word `sfx`.
    function _suffix(bytes memory lb, uint256 base, bytes32 sfx, uint256 len) private pure {
        assembly ("memory-safe") {
            mstore(add(add(lb, 32), base), sfx)
            mstore(lb, add(base, len))
        }
    }

    /// eq(a, b) = prod_i (a_i b_i + (1 - a_i)(1 - b_i)) (1 for empty points).
    function eqEval(uint256[] memory a, uint256[] memory b) internal pure returns (uint256 e) {
        require(b.length >= a.length);
        uint256 pa;
        uint256 pb;
        assembly ("memory-safe") {
            pa := add(a, 32)
            pb := add(b, 32)
        }
        e = eqProd(pa, pb, a.length);
    }

    /// prod_(i < n) eq(x_i, y_i) for the packed K words x_i at memory pa + 32 i, y_i at pb + 32 i.
    function eqProd(uint256 pa, uint256 pb, uint256 n) internal pure returns (uint256) {
        return GF.eqProdMem(pa, pb, n, 1);
    }
}
