// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FS} from "./Transcript.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// Test-only: one sumcheck on a fresh transcript over `domain`; returns [value, point..].
contract SumcheckProbe {
    function run(bytes memory domain, uint256 claim, uint256 nVars, uint256 degree, bytes memory label, bytes calldata proof)
        external
        pure
        returns (uint256[] memory out)
    {
        FS.T memory t = FS.init(domain, proof);
        (uint256[] memory point, uint256 value) = Sumcheck.verify(t, claim, nVars, degree, label);
        FS.checkEof(t);
        out = new uint256[](1 + point.length);
        out[0] = value;
        for (uint256 i = 0; i < point.length; i++) out[1 + i] = point[i];
    }
}
