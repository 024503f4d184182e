// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {Whir} from "./Whir.sol";

/// @title One WHIR opening, verified as a transaction (tests, golden vectors and gas)
/// @notice Replays tests/protocol/test_whir_vectors.py: a transcript over `domain` absorbs the
/// commitment ("pcs/commitment"), then Whir.verify checks the opening and the proof must end.
/// `config` = [folding, ood, m, finalVars, nRounds, then per round nVars, logDomain, queries,
/// powBits, ood]; `params` = WhirParams.to_bytes(). Both are trusted inputs here (the model
/// verifier takes them from registered data); points and values are packed K elements.
contract WhirOpeningVerifier {
    error BadCommitment();

    uint256 internal constant L_COMMITMENT = uint256(bytes32("pcs/commitment")) | 14;

    function verifyOpening(
        bytes memory domain,
        bytes memory params,
        uint256[] memory config,
        bytes calldata commitment,
        uint256[] memory points,
        uint256[] memory values,
        bytes calldata proof
    ) external pure returns (bool) {
        Whir.Config memory c = decodeConfig(params, config);
        Whir.Commitment memory com = decodeCommitment(commitment, c.ood);
        FS.T memory t = FS.init(domain, proof);
        FS.absorbPublic(t, L_COMMITMENT, commitment);
        Whir.verify(t, c, com, points, values);
        FS.checkEof(t);
        return true;
    }

    /// u8 version (1) ‖ u8 n_vars ‖ root ‖ ood K answers (verifier.pcs.commitment).
    function decodeCommitment(bytes calldata commitment, uint256 ood) internal pure returns (Whir.Commitment memory com) {
        if (commitment.length != 34 + 24 * ood || uint8(commitment[0]) != 1) revert BadCommitment();
        com.n = uint8(commitment[1]);
        com.root = bytes32(commitment[2:34]);
        com.oodAnswers = new uint256[](ood);
        uint256 extra;
        assembly ("memory-safe") {
            extra := add(commitment.offset, 34)
        }
        for (uint256 j = 0; j < ood; j++) com.oodAnswers[j] = FS.kAt(extra, j);
    }

    function decodeConfig(bytes memory params, uint256[] memory config) internal pure returns (Whir.Config memory c) {
        c.params = params;
        c.folding = config[0];
        c.ood = config[1];
        c.m = config[2];
        c.finalVars = config[3];
        uint256 nRounds = config[4];
        require(config.length == 5 + 5 * nRounds, "config length");
        c.rounds = new Whir.Round[](nRounds);
        for (uint256 i = 0; i < nRounds; i++) {
            uint256 b = 5 + 5 * i;
            c.rounds[i] = Whir.Round(config[b], config[b + 1], config[b + 2], config[b + 3], config[b + 4]);
        }
    }
}
