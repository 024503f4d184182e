// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {Merkle} from "./Merkle.sol";

/// @title Verifier of a WHIR opening over Goldilocks, challenges in K = F_p^3
/// @notice Mirrors tensorproof.verifier.pcs.whir.WhirVerifier.verify step by step (its docstring
/// is the protocol; docs/internals.md, "WHIR", the byte layout). The schedule (rounds, query
/// counts, proof-of-work bits) is an input computed off chain by whir_params.schedule: the
/// caller must bind it, with the parameters, to what it registered (a verifying key or model
/// id), since the number of queries is what makes the opening sound.
library Whir {
    error FoldMismatch();
    error FinalMismatch();
    error PowFailed();
    error BadStatement();

    uint256 internal constant MAX_CLAIMS = 1 << 20;
    bytes7 internal constant SCHEME_TAG = "whir-v1";
    uint256 internal constant L_STATEMENT = uint256(bytes32("pcs/statement")) | 13;
    uint256 internal constant L_ROOT = uint256(bytes32("whir/root")) | 9;
    uint256 internal constant L_OOD = uint256(bytes32("whir/ood")) | 8;
    uint256 internal constant L_OOD_ANSWERS = uint256(bytes32("whir/ood_answers")) | 16;
    uint256 internal constant L_COMBINE = uint256(bytes32("whir/combine")) | 12;
    uint256 internal constant L_SUMCHECK = uint256(bytes32("whir/sumcheck")) | 13;
    uint256 internal constant L_FOLD = uint256(bytes32("whir/fold")) | 9;
    uint256 internal constant L_FINAL = uint256(bytes32("whir/final")) | 10;
    uint256 internal constant L_POW = uint256(bytes32("whir/pow")) | 8;
    uint256 internal constant L_QUERIES = uint256(bytes32("whir/queries")) | 12;
    uint256 internal constant L_FIBERS = uint256(bytes32("whir/fibers")) | 11;
    uint256 internal constant L_MERKLE = uint256(bytes32("whir/merkle")) | 11;

    struct Round {
        uint256 nVars; // m_i before this round's fold
        uint256 logDomain; // log2 |L_i|
        uint256 queries; // t_i
        uint256 powBits;
        uint256 ood; // OOD samples of the next commitment (0 in the last round)
    }

    /// A commitment: the table's n_vars, the Merkle root, the answers at its OOD points.
    struct Commitment {
        uint256 n;
        bytes32 root;
        uint256[] oodAnswers;
    }

    struct Config {
        bytes params; // WhirParams.to_bytes() (10 bytes): absorbed, and names the OOD points
        uint256 folding; // kappa
        uint256 ood; // s: OOD answers a commitment carries
        uint256 m; // padded number of variables of the table
        uint256 finalVars; // m_M
        Round[] rounds;
    }

    /// The weight terms of the running claim (Constraints in whir.py): the claimed points
    /// (round 0, full points) and the power points (y, y^2, ..) of OOD and query samples.
    struct Terms {
        uint256[] claimCoef;
        uint256[] powY; // K (a query's y lifted from F)
        uint256[] powCoef;
        uint256[] powRound;
        uint256 nPow;
        uint256[] alphas; // every folding challenge, in order
        uint256 nAlpha;
    }

    /// Check T~(z_j) = values[j] for the commitment `com`, whose bytes the caller absorbed
    /// already. `points` holds the J points' n coordinates (K, packed) row by row. Reverts
    /// unless the opening is valid.
    function verify(
        FS.T memory t,
        Config memory c,
        Commitment memory com,
        uint256[] memory points,
        uint256[] memory values
    ) internal pure {
        uint256 n = com.n;
        uint256 nClaims = values.length;
        if (nClaims == 0 || nClaims > MAX_CLAIMS || points.length != nClaims * n) revert BadStatement();
        if (com.oodAnswers.length != c.ood || n > c.m) revert BadStatement();
        FS.absorbPublic(t, L_STATEMENT, statementBytes(c.params, n, points, values));
        uint256[] memory oodY = commitmentOod(c, n, com.root);
        Terms memory terms = newTerms(c, nClaims);
        uint256 gamma = FS.challengeK(t, L_COMBINE);
        uint256 coef = 1;
        uint256 sigma = 0;
        for (uint256 j = 0; j < nClaims; j++) {
            terms.claimCoef[j] = coef;
            sigma = GF.kadd(sigma, GF.kmul(coef, values[j]));
            coef = GF.kmul(coef, gamma);
        }
        for (uint256 j = 0; j < c.ood; j++) {
            _addPow(terms, oodY[j], coef, 0);
            sigma = GF.kadd(sigma, GF.kmul(coef, com.oodAnswers[j]));
            coef = GF.kmul(coef, gamma);
        }
        uint256[] memory finalCoeffs;
        (sigma, finalCoeffs) = _rounds(t, c, terms, com.root, sigma);
        if (_finalValue(c, terms, points, n, finalCoeffs) != sigma) revert FinalMismatch();
    }

    function newTerms(Config memory c, uint256 nClaims) internal pure returns (Terms memory terms) {
        uint256 cap = c.ood;
        uint256 nAlpha = 0;
        for (uint256 i = 0; i < c.rounds.length; i++) {
            cap += c.rounds[i].ood + c.rounds[i].queries;
            nAlpha += c.folding;
        }
        terms.claimCoef = new uint256[](nClaims);
        terms.powY = new uint256[](cap);
        terms.powCoef = new uint256[](cap);
        terms.powRound = new uint256[](cap);
        terms.alphas = new uint256[](nAlpha);
    }

    function _addPow(Terms memory terms, uint256 y, uint256 coef, uint256 rnd) private pure {
        uint256 i = terms.nPow++;
        terms.powY[i] = y;
        terms.powCoef[i] = coef;
        terms.powRound[i] = rnd;
    }

    /// u8 |scheme| ‖ scheme ‖ u8 n ‖ u8 k ‖ u32 J ‖ points ‖ values (commitment.absorb_statement),
    /// scheme = "whir-v1" ‖ params; K elements as three u64 big-endian, X^0 first.
    function statementBytes(bytes memory params, uint256 n, uint256[] memory points, uint256[] memory values)
        internal
        pure
        returns (bytes memory out)
    {
        bytes memory head = abi.encodePacked(
            uint8(7 + params.length), SCHEME_TAG, params, uint8(n), uint8(3), uint32(values.length)
        );
        out = new bytes(head.length + 24 * (points.length + values.length));
        assembly {
            mcopy(add(out, 32), add(head, 32), mload(head))
        }
        uint256 pos = head.length;
        pos = _writeK(out, pos, points);
        _writeK(out, pos, values);
    }

    /// Write K elements as 24 bytes each (three u64 big-endian, X^0 first) from `pos`: each
    /// 32-byte store spills 8 zero bytes that the next one overwrites (the buffer ends there).
    function _writeK(bytes memory out, uint256 pos, uint256[] memory ks) private pure returns (uint256) {
        for (uint256 i = 0; i < ks.length; i++) {
            uint256 x = ks[i];
            uint256 word = ((x & GF.M64) << 192) | (((x >> 64) & GF.M64) << 128) | ((x >> 128) << 64);
            assembly {
                mstore(add(add(out, 32), pos), word)
            }
            pos += 24;
        }
        return pos;
    }

    /// The commitment's OOD points: "whir/ood" of a transcript over "tensorproof/whir-commitment"
    /// that absorbed "whir/root" = "whir-v1" ‖ params ‖ u8 n ‖ root (whir.commitment_ood_points).
    function commitmentOod(Config memory c, uint256 n, bytes32 root) internal pure returns (uint256[] memory) {
        FS.T memory t2;
        FS.absorbMem(t2, 0x01, FS.L_DOMAIN, bytes("tensorproof/whir-commitment"));
        FS.absorbPublic(t2, L_ROOT, abi.encodePacked(SCHEME_TAG, c.params, uint8(n), root));
        return FS.challengesK(t2, L_OOD, c.ood);
    }

    /// The running state of steps 2-3 between rounds.
    struct State {
        uint256 sigma;
        bytes32 root; // of f_i
        bytes32 nextRoot; // of f_(i+1), sent in round i
        uint256[] oodY; // the next commitment's OOD points
        uint256 oodOff; // calldata offset of their answers
        uint256[] finalCoeffs; // f_M's monomial coefficients (last round)
    }

    function _rounds(FS.T memory t, Config memory c, Terms memory terms, bytes32 root, uint256 sigma)
        private
        pure
        returns (uint256, uint256[] memory)
    {
        State memory st;
        st.sigma = sigma;
        st.root = root;
        for (uint256 i = 0; i < c.rounds.length; i++) {
            _round(t, c, terms, st, i);
        }
        return (st.sigma, st.finalCoeffs);
    }

    /// Round i: kappa sumcheck rounds, the next commitment (or the final polynomial), the proof
    /// of work, the queries and their fibers, then the combination of the new claims.
    function _round(FS.T memory t, Config memory c, Terms memory terms, State memory st, uint256 i)
        private
        pure
    {
        Round memory rnd = c.rounds[i];
        bool last = i == c.rounds.length - 1;
        uint256 a0 = terms.nAlpha;
        st.sigma = _sumcheck(t, c.folding, terms, st.sigma);
        _receive(t, rnd, rnd.nVars - c.folding, last, st);
        _checkPow(t, rnd.powBits);
        uint256 logLeaves = rnd.logDomain - c.folding;
        uint256[] memory idx = FS.distinctIndices(t, L_QUERIES, rnd.queries, 1 << logLeaves);
        uint256[] memory folded = _openAndFold(t, c, st.root, idx, rnd.logDomain, i == 0, terms.alphas, a0);
        uint256 wLeaves = GF.rootOfUnity(logLeaves);
        if (last) {
            for (uint256 j = 0; j < idx.length; j++) {
                if (_horner(st.finalCoeffs, GF.pow(wLeaves, idx[j])) != folded[j]) revert FinalMismatch();
            }
        } else {
            _combine(t, terms, st, rnd.ood, idx, folded, wLeaves, i + 1);
            st.root = st.nextRoot;
        }
    }

    /// "whir/combine" gamma: sigma += sum_l gamma^(l+1) u_l over the OOD answers then the
    /// folded values; their power points join the weight as terms of round `next`.
    function _combine(
        FS.T memory t,
        Terms memory terms,
        State memory st,
        uint256 nOod,
        uint256[] memory idx,
        uint256[] memory folded,
        uint256 wLeaves,
        uint256 next
    ) private pure {
        uint256 gamma = FS.challengeK(t, L_COMBINE);
        uint256 coef = gamma;
        uint256 sigma = st.sigma;
        for (uint256 j = 0; j < nOod; j++) {
            _addPow(terms, st.oodY[j], coef, next);
            sigma = GF.kadd(sigma, GF.kmul(coef, FS.kAt(st.oodOff, j)));
            coef = GF.kmul(coef, gamma);
        }
        for (uint256 j = 0; j < idx.length; j++) {
            _addPow(terms, GF.pow(wLeaves, idx[j]), coef, next);
            sigma = GF.kadd(sigma, GF.kmul(coef, folded[j]));
            coef = GF.kmul(coef, gamma);
        }
        st.sigma = sigma;
    }

    /// Not last: "whir/root", the OOD points "whir/ood", "whir/ood_answers"; last: "whir/final"
    /// (the 2^mNext coefficients of f_M).
    function _receive(FS.T memory t, Round memory rnd, uint256 mNext, bool last, State memory st) private pure {
        if (!last) {
            uint256 off = FS.recv(t, L_ROOT, 32);
            bytes32 r;
            assembly {
                r := calldataload(off)
            }
            st.nextRoot = r;
            st.oodY = FS.challengesK(t, L_OOD, rnd.ood);
            st.oodOff = FS.recv(t, L_OOD_ANSWERS, 24 * rnd.ood);
        } else {
            uint256 off = FS.recv(t, L_FINAL, 24 << mNext);
            uint256[] memory f = new uint256[](1 << mNext);
            for (uint256 j = 0; j < f.length; j++) f[j] = FS.kAt(off, j);
            st.finalCoeffs = f;
        }
    }

    /// kappa rounds of the sumcheck of sum_b w(b) f(b): P sends h(0), h(2); h(1) = sigma - h(0).
    function _sumcheck(FS.T memory t, uint256 folding, Terms memory terms, uint256 sigma)
        private
        pure
        returns (uint256)
    {
        for (uint256 r = 0; r < folding; r++) {
            uint256 off = FS.recv(t, L_SUMCHECK, 48);
            uint256 h0 = FS.kAt(off, 0);
            uint256 h2 = FS.kAt(off, 1);
            uint256 alpha = FS.challengeK(t, L_FOLD);
            sigma = GF.quadAt(h0, GF.ksub(sigma, h0), h2, alpha);
            terms.alphas[terms.nAlpha++] = alpha;
        }
        return sigma;
    }

    /// The proof of work: keccak256(s ‖ 0x06 ‖ u32(8) ‖ "whir/pow" ‖ nonce) has powBits leading
    /// zero bits, s the state before the nonce (whir.pow_digest); then the nonce is a message.
    function _checkPow(FS.T memory t, uint256 powBits) private pure {
        if (powBits == 0) return;
        if (t.end - t.pos < 8) revert FS.ProofTruncated();
        bytes32 s = t.state;
        uint256 at = t.pos;
        bytes32 d;
        assembly {
            let p := mload(0x40)
            mstore(p, s)
            mstore8(add(p, 32), 0x06)
            mstore(add(p, 33), shl(224, 8))
            mstore(add(p, 37), "whir/pow")
            calldatacopy(add(p, 45), at, 8)
            d := keccak256(p, 53)
        }
        if (uint256(d) >> (256 - powBits) != 0) revert PowFailed();
        FS.recv(t, L_POW, 8);
    }

    /// The queried leaves of one round: positions, domain, where their fibers sit in calldata.
    struct Leaves {
        uint256[] idx;
        uint256 logDomain;
        uint256 off; // calldata offset of the "whir/fibers" message
        uint256 leafBytes;
        bool base; // F values (round 0), else K
    }

    /// Read the fibers at idx (F in round 0, K after) and their Merkle opening against root;
    /// fold each with this round's alphas (whir_fold.fold_fibers).
    function _openAndFold(
        FS.T memory t,
        Config memory c,
        bytes32 root,
        uint256[] memory idx,
        uint256 logDomain,
        bool base,
        uint256[] memory alphas,
        uint256 a0
    ) private pure returns (uint256[] memory) {
        Leaves memory lv = Leaves(idx, logDomain, 0, (8 << c.folding) * (base ? 1 : 3), base);
        lv.off = FS.recv(t, L_FIBERS, idx.length * lv.leafBytes);
        _checkLeaves(t, root, lv, logDomain - c.folding);
        return _foldAll(lv, c.folding, alphas, a0);
    }

    /// The "whir/merkle" multi-opening of the leaves (their bytes hashed from calldata).
    function _checkLeaves(FS.T memory t, bytes32 root, Leaves memory lv, uint256 depth) private pure {
        uint256 q = lv.idx.length;
        bytes32[] memory hashes = new bytes32[](q);
        uint256[] memory pos = new uint256[](q);
        for (uint256 j = 0; j < q; j++) {
            hashes[j] = Merkle.leafHash(lv.off + j * lv.leafBytes, lv.leafBytes);
            pos[j] = lv.idx[j];
        }
        uint256 nodesOff = FS.recv(t, L_MERKLE, 32 * Merkle.countNodes(depth, lv.idx));
        Merkle.verify(root, depth, pos, hashes, nodesOff);
    }

    function _foldAll(Leaves memory lv, uint256 folding, uint256[] memory alphas, uint256 a0)
        private
        pure
        returns (uint256[] memory folded)
    {
        uint256 q = lv.idx.length;
        uint256 width = 1 << folding;
        folded = new uint256[](q);
        uint256 wInv = GF.pow(GF.rootOfUnity(lv.logDomain), (1 << lv.logDomain) - 1);
        uint256 zetaInv = GF.pow(wInv, (1 << lv.logDomain) >> folding);
        uint256[] memory v = new uint256[](width);
        for (uint256 j = 0; j < q; j++) {
            uint256 at = lv.off + j * lv.leafBytes;
            for (uint256 l = 0; l < width; l++) v[l] = lv.base ? FS.fAt(at, l) : FS.kAt(at, l);
            folded[j] = _fold(v, GF.pow(wInv, lv.idx[j]), zetaInv, alphas, a0, folding);
        }
    }

    /// Fold(f, alphas)(y) from the fiber's 2^kappa values: kappa times, with x the fiber's
    /// first point, f_e(x^2) = (f(x) + f(-x)) / 2, f_o(x^2) = (f(x) - f(-x)) / (2x), then
    /// f_e + alpha f_o.
    function _fold(uint256[] memory v, uint256 xInv, uint256 zetaInv, uint256[] memory alphas, uint256 a0, uint256 kappa)
        private
        pure
        returns (uint256)
    {
        uint256 h = v.length;
        for (uint256 r = 0; r < kappa; r++) {
            h >>= 1;
            uint256 alpha = alphas[a0 + r];
            uint256 zl = 1;
            for (uint256 l = 0; l < h; l++) {
                uint256 invY2 = mulmod(mulmod(xInv, zl, GF.P), GF.INV2, GF.P);
                uint256 lo = v[l];
                uint256 hi = v[l + h];
                uint256 even = GF.kmulBase(GF.kadd(lo, hi), GF.INV2);
                uint256 odd = GF.kmulBase(GF.ksub(lo, hi), invY2);
                v[l] = GF.kadd(even, GF.kmul(alpha, odd));
                zl = mulmod(zl, zetaInv, GF.P);
            }
            xInv = mulmod(xInv, xInv, GF.P);
            zetaInv = mulmod(zetaInv, zetaInv, GF.P);
        }
        return v[0];
    }

    /// sum_i c_i y^i (f_M at a point y of K; an F point is a K element with c1 = c2 = 0).
    function _horner(uint256[] memory coeffs, uint256 y) private pure returns (uint256 acc) {
        for (uint256 i = coeffs.length; i > 0; i--) {
            acc = GF.kadd(GF.kmul(acc, y), coeffs[i - 1]);
        }
    }

    /// Step 3: sum over the weight terms of coef * eq(p_head, alphas since its round) * f^_M(p_tail).
    function _finalValue(Config memory c, Terms memory terms, uint256[] memory points, uint256 n, uint256[] memory coeffs)
        private
        pure
        returns (uint256 total)
    {
        uint256 nAlpha = terms.nAlpha;
        // the claimed points: m coordinates (n given, zero-padded), head = every alpha
        uint256[] memory tail = new uint256[](c.finalVars);
        for (uint256 j = 0; j < terms.claimCoef.length; j++) {
            uint256 e = 1;
            for (uint256 s = 0; s < nAlpha; s++) {
                uint256 z = s < n ? points[j * n + s] : 0;
                e = GF.kmul(e, GF.keq(z, terms.alphas[s]));
            }
            for (uint256 s = 0; s < c.finalVars; s++) {
                uint256 at = nAlpha + s;
                tail[s] = at < n ? points[j * n + at] : 0;
            }
            total = GF.kadd(total, GF.kmul(GF.kmul(terms.claimCoef[j], e), _multilinear(coeffs, tail)));
        }
        // the power points (y, y^2, y^4, ..) of round r: head = the alphas of rounds r..
        for (uint256 j = 0; j < terms.nPow; j++) {
            uint256 y = terms.powY[j];
            uint256 e = 1;
            for (uint256 s = terms.powRound[j] * c.folding; s < nAlpha; s++) {
                e = GF.kmul(e, GF.keq(y, terms.alphas[s]));
                y = GF.kmul(y, y);
            }
            total = GF.kadd(total, GF.kmul(GF.kmul(terms.powCoef[j], e), _horner(coeffs, y)));
        }
    }

    /// f^_M(q) = sum_S c_S prod_{t in S} q_t for monomial coefficients c (bit t of S: q_t).
    function _multilinear(uint256[] memory coeffs, uint256[] memory q) private pure returns (uint256) {
        uint256 len = coeffs.length;
        uint256[] memory a = new uint256[](len);
        for (uint256 i = 0; i < len; i++) a[i] = coeffs[i];
        for (uint256 s = q.length; s > 0; s--) {
            len >>= 1;
            uint256 qt = q[s - 1];
            for (uint256 i = 0; i < len; i++) a[i] = GF.kadd(a[i], GF.kmul(qt, a[i + len]));
        }
        return a[0];
    }
}
