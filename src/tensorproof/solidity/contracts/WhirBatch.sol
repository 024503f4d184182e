// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {Whir} from "./Whir.sol";

/// @title Verifier of a batched WHIR opening: G tables committed separately, one proof
/// @notice Mirrors tensorproof.verifier.pcs.whir.WhirVerifier.verify_batch where the tables are
/// opened together (batch_supported; its docstring, "Batched opening", is the protocol, and
/// docs/internals.md the byte layout): B0 the statements, B1 the points of h and the
/// cross-evaluations, B2 beta; then Whir's rounds run on h = sum_g beta^g T_g,ext with the
/// schedule of the largest table, round 0 reading every table's own tree (Whir._batchFibers).
/// The schedule and each table's padded size m_g are inputs computed off chain
/// (solidity/whir.py: batch_config_words), bound by the caller like the single opening's.
///
/// T_g (m_g variables) is embedded as T_g,ext(X_1..X_m) = T_g~(X_(Delta_g+1)..X_m), Delta_g =
/// m - m_g, so a point of T_g is one of h prefixed with Delta_g zeros. Every point of h (the
/// tables' claimed points and their commitments' OOD power points) is a weight term of round 0
/// with all m coordinates written out (Whir.Terms.claimCoef, Whir.finalValue with n = m).
library WhirBatch {
    bytes13 internal constant BATCH_TAG = "whir-batch-v1";
    uint256 internal constant L_BATCH = uint256(bytes32("whir/batch")) | 10;
    uint256 internal constant L_BATCH_EVALS = uint256(bytes32("whir/batch_evals")) | 16;

    /// One table: its commitment (n_g, root, OOD answers), its padded number of variables m_g,
    /// its J_g claimed points (n_g coordinates each, packed K, row by row) and values.
    struct Table {
        Whir.Commitment com;
        uint256 m;
        uint256[] points;
        uint256[] values;
    }

    /// Check T_g~(z) = v for every table g and each of its points z and values v, the tables'
    /// commitments having been absorbed by the caller (in order). `c` is the schedule of the
    /// largest table (c.m = max m_g). Reverts unless the batched opening is valid.
    function verify(FS.T memory t, Whir.Config memory c, Table[] memory tabs) internal pure {
        uint256 nPts = _checkStatement(c, tabs);
        // B0: "whir/batch" = "whir-batch-v1" ‖ u8 G, then each table's statement
        FS.absorbPublic(t, L_BATCH, abi.encodePacked(BATCH_TAG, uint8(tabs.length)));
        bytes memory scheme = abi.encodePacked(BATCH_TAG, c.params);
        for (uint256 g = 0; g < tabs.length; g++) {
            Table memory tb = tabs[g];
            FS.absorbPublic(t, Whir.L_STATEMENT, Whir.statementBytes(scheme, tb.com.n, tb.points, tb.values));
        }
        if (nPts > Whir.MAX_CLAIMS) revert Whir.BadStatement();
        // B1: the points of h, then every table at every point of the others
        (uint256[] memory hPts, uint256[] memory owner, uint256[] memory own) = _points(c, tabs, nPts);
        uint256 cross = FS.recv(t, L_BATCH_EVALS, 24 * (tabs.length - 1) * nPts);
        // B2: beta; h's claimed value at each point is the beta sum of the tables' there
        Whir.Batch memory b = _batch(c.m, tabs, FS.challengeK(t, L_BATCH));
        uint256[] memory vals = _values(b.betas, owner, own, cross);
        // step 1 on h: "whir/combine" gamma, the claim sum_j gamma^j vals_j
        Whir.Terms memory terms = Whir.newTerms(c, nPts);
        uint256 gamma = FS.challengeK(t, Whir.L_COMBINE);
        uint256 coef = 1;
        uint256 sigma = 0;
        for (uint256 j = 0; j < nPts; j++) {
            terms.claimCoef[j] = coef;
            sigma = GF.kadd(sigma, GF.kmul(coef, vals[j]));
            coef = GF.kmul(coef, gamma);
        }
        // steps 2-3
        Whir.State memory st = Whir.runRounds(t, c, terms, bytes32(0), sigma, b);
        if (Whir.finalValue(c, terms, hPts, c.m, st) != st.sigma) revert Whir.FinalMismatch();
    }

    /// What normalize_points / normalize_values and the schedule require: at least one point
    /// per table, n_g coordinates each, canonical coordinates, values and answers; G >= 2 and
    /// n_g <= m_g <= m = max m_g with a tree of at least one leaf (Delta_g <= log2 of L's
    /// leaves). Returns the number of points of h, sum_g (J_g + s).
    function _checkStatement(Whir.Config memory c, Table[] memory tabs) private pure returns (uint256 nPts) {
        Whir.checkConfig(c);
        uint256 m = c.m;
        uint256 logLeaves = c.rounds[0].logDomain - c.folding;
        bool top = false;
        if (tabs.length < 2) revert Whir.BadConfig();
        for (uint256 g = 0; g < tabs.length; g++) {
            Table memory tb = tabs[g];
            uint256 n = tb.com.n;
            uint256 nClaims = tb.values.length;
            if (nClaims == 0 || tb.points.length != nClaims * n || tb.com.oodAnswers.length != c.ood) {
                revert Whir.BadStatement();
            }
            if (n > tb.m || tb.m > m || m - tb.m > logLeaves) revert Whir.BadConfig();
            top = top || tb.m == m;
            if (!Whir.canonicalK(tb.points) || !Whir.canonicalK(tb.values) || !Whir.canonicalK(tb.com.oodAnswers)) {
                revert Whir.BadStatement();
            }
            nPts += nClaims + c.ood;
        }
        if (!top) revert Whir.BadConfig();
    }

    /// BatchLayout.points: table by table, its claimed points (n_g coordinates, then zeros to
    /// m_g) and its commitment's OOD power points (y, y^2, .., y^(2^(m_g-1))), each prefixed
    /// with Delta_g zeros (nPts rows of m packed K words); the table of each point and its
    /// own value there (the claimed value, the committed answer).
    function _points(Whir.Config memory c, Table[] memory tabs, uint256 nPts)
        private
        pure
        returns (uint256[] memory hPts, uint256[] memory owner, uint256[] memory own)
    {
        uint256 m = c.m;
        hPts = new uint256[](nPts * m);
        owner = new uint256[](nPts);
        own = new uint256[](nPts);
        uint256 j = 0;
        for (uint256 g = 0; g < tabs.length; g++) {
            Table memory tb = tabs[g];
            uint256 n = tb.com.n;
            uint256 d = m - tb.m;
            for (uint256 a = 0; a < tb.values.length; a++) {
                for (uint256 s = 0; s < n; s++) hPts[j * m + d + s] = tb.points[a * n + s];
                owner[j] = g;
                own[j++] = tb.values[a];
            }
            uint256[] memory oodY = Whir.commitmentOod(c, n, tb.com.root);
            for (uint256 a = 0; a < c.ood; a++) {
                uint256 y = oodY[a];
                for (uint256 s = 0; s < tb.m; s++) {
                    hPts[j * m + d + s] = y;
                    y = GF.kmul(y, y);
                }
                owner[j] = g;
                own[j++] = tb.com.oodAnswers[a];
            }
        }
    }

    /// Round 0's view of the tables: roots, shifts Delta_g = m - m_g, beta^g.
    function _batch(uint256 m, Table[] memory tabs, uint256 beta) private pure returns (Whir.Batch memory b) {
        uint256 nTab = tabs.length;
        b.roots = new bytes32[](nTab);
        b.shifts = new uint256[](nTab);
        b.betas = new uint256[](nTab);
        uint256 pw = 1;
        for (uint256 g = 0; g < nTab; g++) {
            b.roots[g] = tabs[g].com.root;
            b.shifts[g] = m - tabs[g].m;
            b.betas[g] = pw;
            pw = GF.kmul(pw, beta);
        }
    }

    /// sum_g beta^g T_g,ext(p_j) for every point p_j of h (BatchLayout.value_table and
    /// _sum_groups): a table's own value at its own points, else the next cross-evaluation
    /// ("whir/batch_evals" at calldata `cross`: table by table, the points of the others in
    /// order; NonCanonical if a coefficient is >= p).
    function _values(uint256[] memory betas, uint256[] memory owner, uint256[] memory own, uint256 cross)
        private
        pure
        returns (uint256[] memory vals)
    {
        uint256 nPts = owner.length;
        vals = new uint256[](nPts);
        uint256 ci = 0;
        for (uint256 g = 0; g < betas.length; g++) {
            uint256 bg = betas[g];
            for (uint256 j = 0; j < nPts; j++) {
                uint256 v = owner[j] == g ? own[j] : FS.kAt(cross, ci++);
                vals[j] = GF.kadd(vals[j], GF.kmul(bg, v));
            }
        }
    }
}
