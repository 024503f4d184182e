// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MC} from "./ModelContext.sol";

/// @title Placeholder: the EVM verifier does not verify this step yet (the circuit encoder
/// refuses models that use it)
library StepMaxReduce {
    error Unsupported();

    function verify(MC.Ctx memory, uint256, MC.Step memory) internal pure {
        revert Unsupported();
    }
}
