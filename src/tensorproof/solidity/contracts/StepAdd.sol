// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FSL} from "./Labels.sol";
import {MC} from "./ModelContext.sol";

/// @title add, add_const: the prover states one part of each claim
/// @notice verifier/layers/add.py; attributes (solidity/steps/add.py): add_const: u8 n_sample
/// | u32 batch. Claim j on Y: "<i>:<op>:part<j>" = A~(z) (add) or C~(z_sample) (add_const).
library StepAdd {
    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        (MC.Claim[] memory list, uint256 count) = MC.takeAll(c, s.output);
        bool isAdd = keccak256(s.op) == keccak256("add");
        if (isAdd ? s.attrsLen != 0 : s.attrsLen != 5) revert MC.BadCircuit();
        for (uint256 j = 0; j < count; j++) {
            MC.Claim memory cl = list[j];
            uint256 part = MC.recv1(c, MC.label(i, s, abi.encodePacked("part", FSL.decimal(j))));
            if (isAdd) {
                MC.claim(c, s.inputs[0], cl.point, part);
                MC.claim(c, s.inputs[1], cl.point, GF.ksub(cl.value, part));
            } else {
                uint256 nSample = MC.u8(s.attrs);
                uint256 batch = MC.u32(s.attrs + 1);
                if (nSample > cl.point.length) revert MC.BadCircuit();
                uint256 nb = cl.point.length - nSample;
                uint256 ind = MC.prefixIndicator(cl.point, nSample, nb, batch);
                MC.claim(c, s.consts[0], MC.slice(cl.point, 0, nSample), part);
                MC.claim(c, s.inputs[0], cl.point, GF.ksub(cl.value, GF.kmul(part, ind)));
            }
        }
    }
}
