// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MC} from "./ModelContext.sol";
import {StepMul} from "./StepMul.sol";

/// @title matmul of two activations (attention's Q·Kᵀ): StepMul's product sumcheck
/// @notice verifier/layers/matmul.py; attributes (solidity/steps/matmul.py, the layout of
/// steps/mul.py): n_sum = k_bits + the leading axes' bits (ρ = ρ_k ‖ ρ_l), eq(z_l, ρ_l), A at
/// ρ_k ‖ z_m ‖ ρ_l and B at z_n ‖ ρ_k ‖ ρ_l.
library StepMatmul {
    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        StepMul.verify(c, i, s);
    }
}
