// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Results} from "./Results.sol";

/// Test-only entry points over the Results library (tests/evm/test_results.py).
contract ResultsProbe {
    function leaf(uint32 index, bytes32 inputHash, bytes32 outputHash) external pure returns (bytes32) {
        return Results.leaf(index, inputHash, outputHash);
    }

    function root(bytes32[] calldata leaves) external pure returns (bytes32) {
        return Results.root(leaves);
    }

    function verifyMember(bytes32 root_, uint256 index, uint256 nLeaves, bytes32 leaf_, bytes32[] calldata siblings)
        external
        pure
        returns (bool)
    {
        return Results.verifyMember(root_, index, nLeaves, leaf_, siblings);
    }

    function verifySample(
        bytes32 root_,
        uint256 index,
        uint256 nLeaves,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32[] calldata siblings
    ) external pure returns (bool) {
        return Results.verifySample(root_, index, nLeaves, inputHash, outputHash, siblings);
    }

    function sampleLeaves(bytes calldata values, uint256 batch, uint256[] calldata sliceBytes, uint256 nInputs)
        external
        pure
        returns (bytes32[] memory)
    {
        return Results.sampleLeaves(values, batch, sliceBytes, nInputs);
    }

    function rootOfSamples(bytes calldata values, uint256 batch, uint256[] calldata sliceBytes, uint256 nInputs)
        external
        pure
        returns (bytes32)
    {
        return Results.rootOfSamples(values, batch, sliceBytes, nInputs);
    }
}
