// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {Whir} from "./Whir.sol";
import {WhirBatch} from "./WhirBatch.sol";

/// @title WHIR openings, verified as transactions (tests, golden vectors and gas)
/// @notice Replays tests/protocol/test_whir_vectors.py: a transcript over `domain` absorbs the
/// commitments ("pcs/commitment", in order), then Whir.verify checks one opening
/// (verifyOpening), or WhirBatch.verify / Whir.verify per table a batch of them
/// (verifyBatchOpening, WhirVerifier.verify_batch), and the proof must end. A single opening's
/// `config` = [folding, ood, m, finalVars, nRounds, then per round nVars, logDomain, queries,
/// powBits, ood] (solidity/whir.py: config_words); `params` = WhirParams.to_bytes(). Both are
/// trusted inputs here (the model verifier takes them from registered data); points and values
/// are packed K elements.
contract WhirOpeningVerifier {
    error BadCommitment();
    error BadBatch();

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
        Whir.Commitment memory com = decodeCommitment(commitment, 34 + 24 * c.ood);
        FS.T memory t = FS.init(domain, proof);
        FS.absorbPublic(t, L_COMMITMENT, commitment);
        Whir.verify(t, c, com, points, values);
        FS.checkEof(t);
        return true;
    }

    /// G tables opened by one proof (WhirVerifier.verify_batch). `config`
    /// (solidity/whir.py: batch_config_words) = [G, 1, n_0..n_(G-1), m_0..m_(G-1), then the
    /// single-opening words of the largest table's schedule] for one batched opening
    /// (WhirBatch), or [G, 0, then each table's single-opening words] where the tables are
    /// opened one by one (verify_batch's fallback, batch_supported false: one table, more than
    /// MAX_BATCH, or batch terms below the level). `commitments`: their bytes, concatenated;
    /// counts[g] = J_g, the number of points of table g; `points` (n_g coordinates each) and
    /// `values`: table by table.
    function verifyBatchOpening(
        bytes memory domain,
        bytes memory params,
        uint256[] memory config,
        bytes calldata commitments,
        uint256[] memory counts,
        uint256[] memory points,
        uint256[] memory values,
        bytes calldata proof
    ) external pure returns (bool) {
        FS.T memory t = FS.init(domain, proof);
        _batch(t, params, config, commitments, counts, points, values, true);
        return true;
    }

    /// The last phase of a model proof (ModelVerifier): the transcript at `state` (every
    /// commitment already bound), the proof's unread bytes `rest`, then verifyBatchOpening's
    /// openings (without absorbing the commitments again) and the end of the proof.
    function continueOpening(
        bytes32 state,
        bytes memory params,
        uint256[] memory config,
        bytes calldata commitments,
        uint256[] memory counts,
        uint256[] memory points,
        uint256[] memory values,
        bytes calldata rest
    ) external pure returns (bool) {
        FS.T memory t;
        uint256 off;
        assembly ("memory-safe") {
            off := rest.offset
        }
        t.state = state;
        t.pos = off;
        t.end = off + rest.length;
        _batch(t, params, config, commitments, counts, points, values, false);
        return true;
    }

    function _batch(
        FS.T memory t,
        bytes memory params,
        uint256[] memory config,
        bytes calldata commitments,
        uint256[] memory counts,
        uint256[] memory points,
        uint256[] memory values,
        bool absorb
    ) private pure {
        if (config.length < 2 || counts.length != config[0] || config[1] > 1) revert BadBatch();
        uint256 nTab = counts.length;
        // the tables' configurations: one schedule (batched) or one per table
        Whir.Config[] memory cs = new Whir.Config[](config[1] == 1 ? 1 : nTab);
        uint256 at = 2;
        if (config[1] == 1) {
            at += 2 * nTab;
            (cs[0], at) = decodeConfigAt(params, config, at);
        } else {
            for (uint256 g = 0; g < nTab; g++) (cs[g], at) = decodeConfigAt(params, config, at);
        }
        if (at != config.length) revert BadBatch();
        // the tables, their commitments absorbed in order
        WhirBatch.Table[] memory tabs = new WhirBatch.Table[](nTab);
        uint256 cAt = 0;
        uint256 pAt = 0;
        uint256 vAt = 0;
        for (uint256 g = 0; g < nTab; g++) {
            uint256 size = 34 + 24 * cs[config[1] == 1 ? 0 : g].ood;
            if (commitments.length < cAt + size) revert BadCommitment();
            bytes calldata raw = commitments[cAt:cAt + size];
            cAt += size;
            if (absorb) FS.absorbPublic(t, L_COMMITMENT, raw);
            WhirBatch.Table memory tb = tabs[g];
            tb.com = decodeCommitment(raw, size);
            if (config[1] == 1) {
                if (tb.com.n != config[2 + g]) revert BadBatch();
                tb.m = config[2 + nTab + g];
            }
            uint256 nPoints = counts[g];
            tb.points = _slice(points, pAt, nPoints * tb.com.n);
            tb.values = _slice(values, vAt, nPoints);
            pAt += nPoints * tb.com.n;
            vAt += nPoints;
        }
        if (cAt != commitments.length || pAt != points.length || vAt != values.length) revert BadBatch();
        if (config[1] == 1) {
            WhirBatch.verify(t, cs[0], tabs);
        } else {
            for (uint256 g = 0; g < nTab; g++) {
                // what an opening allocates is dead once it returns: the next reuses that
                // memory (the EVM charges memory by its high-water mark)
                uint256 fmp;
                assembly ("memory-safe") {
                    fmp := mload(0x40)
                }
                Whir.verify(t, cs[g], tabs[g].com, tabs[g].points, tabs[g].values);
                assembly ("memory-safe") {
                    mstore(0x40, fmp)
                }
            }
        }
        FS.checkEof(t);
    }

    /// a[from .. from + n) as a new array (BadBatch past a's end).
    function _slice(uint256[] memory a, uint256 from, uint256 n) private pure returns (uint256[] memory out) {
        if (from + n > a.length) revert BadBatch();
        out = new uint256[](n);
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(add(a, 32), shl(5, from)), shl(5, n))
        }
    }

    /// u8 version (1) ‖ u8 n_vars ‖ root ‖ ood K answers (verifier.pcs.commitment).
    function decodeCommitment(bytes calldata commitment, uint256 size) internal pure returns (Whir.Commitment memory com) {
        if (commitment.length != size || uint8(commitment[0]) != 1) revert BadCommitment();
        uint256 ood = (size - 34) / 24;
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
        uint256 next;
        (c, next) = decodeConfigAt(params, config, 0);
        require(next == config.length, "config length");
    }

    /// The single-opening words from config[at] on -> the configuration and the index just
    /// past its words.
    function decodeConfigAt(bytes memory params, uint256[] memory config, uint256 at)
        internal
        pure
        returns (Whir.Config memory c, uint256 next)
    {
        require(config.length >= at + 5, "config length");
        c.params = params;
        c.folding = config[at];
        c.ood = config[at + 1];
        c.m = config[at + 2];
        c.finalVars = config[at + 3];
        uint256 nRounds = config[at + 4];
        require(nRounds <= 64 && config.length >= at + 5 + 5 * nRounds, "config length");
        c.rounds = new Whir.Round[](nRounds);
        for (uint256 i = 0; i < nRounds; i++) {
            uint256 b = at + 5 + 5 * i;
            c.rounds[i] = Whir.Round(config[b], config[b + 1], config[b + 2], config[b + 3], config[b + 4]);
        }
        next = at + 5 + 5 * nRounds;
    }
}
