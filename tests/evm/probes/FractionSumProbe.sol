// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FS} from "./Transcript.sol";
import {FractionSum} from "./FractionSum.sol";

/// Test-only: one fraction-sum GKR on a fresh transcript; returns [P, Q, num, den, point..].
contract FractionSumProbe {
    function run(bytes memory domain, uint256 nVars, bytes memory label, bytes calldata proof)
        external
        pure
        returns (uint256[] memory out)
    {
        FS.T memory t = FS.init(domain, proof);
        FractionSum.Subclaim memory c = FractionSum.verify(t, nVars, label);
        FS.checkEof(t);
        out = new uint256[](4 + c.point.length);
        (out[0], out[1], out[2], out[3]) = (c.p, c.q, c.num, c.den);
        for (uint256 i = 0; i < c.point.length; i++) out[4 + i] = c.point[i];
    }
}
