// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";

/// @title The sumcheck verifier, as tensorproof.verifier.sumcheck.verify_sumcheck
/// @notice Round i reads s(0), s(2), .., s(d) (message "<label>/round<i>", d K elements),
/// sets s(1) = C_i - s(0), draws r_i ("<label>/r<i>", one K element) and C_(i+1) = s(r_i).
/// Returns the subclaim (point, value); the caller must check it (verify_sumcheck's contract).
library Sumcheck {
    error BadDegree();

    function verify(FS.T memory t, uint256 claim, uint256 nVars, uint256 degree, bytes memory label)
        internal
        pure
        returns (uint256[] memory point, uint256 value)
    {
        if (degree == 0 || degree > 32) revert BadDegree();
        uint256[] memory w = lagrangeWeights(degree);
        uint256[] memory evals = new uint256[](degree + 1);
        point = new uint256[](nVars);
        value = claim;
        for (uint256 i = 0; i < nVars; i++) {
            bytes memory digits = FSL.decimal(i);
            uint256 off = FSL.recv(t, abi.encodePacked(label, "/round", digits), 24 * degree);
            evals[0] = FS.kAt(off, 0);
            evals[1] = GF.ksub(value, evals[0]);
            for (uint256 j = 2; j <= degree; j++) evals[j] = FS.kAt(off, j - 1);
            uint256 r = FSL.challengeK(t, abi.encodePacked(label, "/r", digits));
            point[i] = r;
            value = interpolate(evals, w, r);
        }
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
