// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The gather wiring weight of StepGather on one record (tests/evm/test_model_gather.py).
import {StepGather} from "./StepGather.sol";

contract GatherWeightProbe {
    function weight(bytes calldata rec, uint256[] calldata z, uint256[] calldata rho)
        external pure returns (uint256 a, uint256 used)
    {
        uint256 off;
        assembly { off := rec.offset }
        uint256 end;
        (a, end) = StepGather.weight(z, rho, off);
        used = end - off;
    }
}
