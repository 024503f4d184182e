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
        uint256 off = FSL.recv(t, abi.encodePacked(label, "/root"), 48);
        c.p = FS.kAt(off, 0);
        c.q = FS.kAt(off, 1);
        if (c.q == 0) revert ZeroDenominator();
        c.num = c.p;
        c.den = c.q;
        c.point = new uint256[](0);
        for (uint256 l = 0; l < nVars; l++) {
            _layer(t, c, l, abi.encodePacked(label, "/layer", FSL.decimal(l), "/"));
        }
    }

    /// Reduce N_l~(rho) = c.num, D_l~(rho) = c.den to level l + 1 at [mu] ‖ rho'.
    function _layer(FS.T memory t, Subclaim memory c, uint256 l, bytes memory prefix) private pure {
        uint256 lam = FSL.challengeK(t, abi.encodePacked(prefix, "lambda"));
        (uint256[] memory rho2, uint256 value) = Sumcheck.verify(
            t, GF.kadd(c.num, GF.kmul(lam, c.den)), l, 3, abi.encodePacked(prefix, "sumcheck")
        );
        uint256 off = FSL.recv(t, abi.encodePacked(prefix, "children"), 96);
        uint256 n0 = FS.kAt(off, 0);
        uint256 n1 = FS.kAt(off, 1);
        uint256 d0 = FS.kAt(off, 2);
        uint256 d1 = FS.kAt(off, 3);
        uint256 inner = GF.kadd(GF.kadd(GF.kmul(n0, d1), GF.kmul(n1, d0)), GF.kmul(lam, GF.kmul(d0, d1)));
        if (GF.kmul(eqEval(c.point, rho2), inner) != value) revert LayerMismatch(l);
        uint256 mu = FSL.challengeK(t, abi.encodePacked(prefix, "mu"));
        c.num = GF.kadd(n0, GF.kmul(mu, GF.ksub(n1, n0)));
        c.den = GF.kadd(d0, GF.kmul(mu, GF.ksub(d1, d0)));
        uint256[] memory point = new uint256[](l + 1);
        point[0] = mu;
        for (uint256 i = 0; i < l; i++) point[i + 1] = rho2[i];
        c.point = point;
    }

    /// eq(a, b) = prod_i (a_i b_i + (1 - a_i)(1 - b_i)) (1 for empty points).
    function eqEval(uint256[] memory a, uint256[] memory b) internal pure returns (uint256 e) {
        e = 1;
        for (uint256 i = 0; i < a.length; i++) e = GF.kmul(e, GF.keq(a[i], b[i]));
    }
}
