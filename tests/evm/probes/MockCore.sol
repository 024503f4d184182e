// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Results} from "./Results.sol";

/// A stand-in for the generic verifier core (ModelVerifier.verifyCircuit) in tests of the
/// registry, the node client and the CLI: it checks only the circuit's magic and batch, rejects a
/// proof that is empty or starts with 0xff, and returns the results root of the statement.
/// Mock statement: u32 batch ‖ u32 nInputs ‖ u32 nTensors ‖ u32 sliceBytes[nTensors] ‖ values
/// (Results.sampleLeaves' packing; tests/evm_helpers.py writes it).
contract MockModelVerifier {
    error MockRejected();
    error MockBadStatement();

    function verifyCircuit(bytes calldata circuit, bytes calldata statement, bytes calldata proof)
        external
        pure
        returns (bytes32)
    {
        if (circuit.length < 44 || bytes8(circuit[:8]) != "TPCIRC01") revert MockBadStatement();
        if (proof.length == 0 || proof[0] == 0xff) revert MockRejected();
        if (statement.length < 12) revert MockBadStatement();
        uint256 batch = uint32(bytes4(statement[0:4]));
        uint256 nInputs = uint32(bytes4(statement[4:8]));
        uint256 nt = uint32(bytes4(statement[8:12]));
        if (batch != uint32(bytes4(circuit[40:44])) || statement.length < 12 + 4 * nt) revert MockBadStatement();
        uint256[] memory sliceBytes = new uint256[](nt);
        for (uint256 t = 0; t < nt; t++) {
            sliceBytes[t] = uint32(bytes4(statement[12 + 4 * t:16 + 4 * t]));
        }
        return Results.rootOfSamples(statement[12 + 4 * nt:], batch, sliceBytes, nInputs);
    }
}
