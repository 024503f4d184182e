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
///
/// Gas: the per-query work (Merkle paths, folds, powers of the query points, evaluations of
/// f_M) is inline assembly over raw memory; every such block says what it computes and why it
/// equals the Python's arithmetic. Field conventions there: F values are words < p; a K value
/// is either packed (GF: c0 | c1 << 64 | c2 << 128) or held as three words c0, c1, c2; sums of
/// a few products of canonical coefficients (< 2^130) are reduced by one `mod` at the end.
/// A query point y_j = w^j enters only through u_j = 1/y_j, which the fold computes anyway
/// (x_j^-(2^kappa)): see _checkFinal and _queryValue for the identities used.
library Whir {
    error FoldMismatch();
    error FinalMismatch();
    error PowFailed();
    error BadStatement();
    error BadConfig();

    uint256 private constant P = 0xffffffff00000001; // GF.P
    uint256 private constant PM1 = 0xffffffff00000000; // p - 1: x is canonical iff x <= PM1
    uint256 private constant M64 = 0xffffffffffffffff;
    /// p 2^100: a multiple of p above every unreduced fold value (< 2^150), so lo + BIG - hi
    /// is lo - hi mod p and never negative
    uint256 private constant BIG = 0x0ffffffff000000010000000000000000000000000;

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
    /// (round 0, full points), the power points (y, y^2, ..) of the OOD samples, and those of
    /// the query points, which are kept as u = 1/y with the coefficient gamma^l y^(2^m_r) / y
    /// (see _queryValue), r the round the term came in.
    struct Terms {
        uint256[] claimCoef;
        uint256[] powY; // OOD points (K)
        uint256[] powCoef;
        uint256[] powRound;
        uint256 nPow;
        uint256[] qU; // query points, inverted (F)
        uint256[] qCoef;
        uint256[] qRound;
        uint256 nQ;
        uint256[] alphas; // every folding challenge, in order
        uint256[] alphas3; // the same as three words each (c0, c1, c2)
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
        // the Python verifier rejects non-canonical coordinates and values (normalize_points)
        if (!canonicalK(points) || !canonicalK(values) || !canonicalK(com.oodAnswers)) revert BadStatement();
        checkConfig(c);
        FS.absorbPublic(t, L_STATEMENT, statementBytes(abi.encodePacked(SCHEME_TAG, c.params), n, points, values));
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
        Batch memory single;
        State memory st = runRounds(t, c, terms, com.root, sigma, single);
        if (finalValue(c, terms, points, n, st) != st.sigma) revert FinalMismatch();
    }

    /// Whether every word is a canonical packed K element (three coefficients < p, nothing
    /// above bit 191).
    function canonicalK(uint256[] memory ks) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let bad := 0
            let p := add(ks, 32)
            for { let end := add(p, shl(5, mload(ks))) } lt(p, end) { p := add(p, 32) } {
                let x := mload(p)
                bad := or(bad, or(or(gt(shr(192, shl(192, x)), PM1), gt(shr(192, shl(128, x)), PM1)), gt(shr(128, x), PM1)))
            }
            ok := iszero(bad)
        }
    }

    /// The schedule must be one whir_params.schedule can produce (the assembly below relies on
    /// it): kappa >= 1, round i folds m_i = m - i kappa variables on a domain of at most 2^32
    /// points, of rate 2^-(logDomain - m_i) <= 1/2, and f_M keeps finalVars = m - M kappa.
    function checkConfig(Config memory c) internal pure {
        uint256 kappa = c.folding;
        uint256 nr = c.rounds.length;
        if (nr == 0 || kappa == 0 || kappa > 16 || c.finalVars > 24) revert BadConfig();
        uint256 m = c.m;
        for (uint256 i = 0; i < nr; i++) {
            Round memory r = c.rounds[i];
            if (r.nVars != m || m < kappa || r.logDomain > 32 || r.logDomain <= m) revert BadConfig();
            m -= kappa;
        }
        if (m != c.finalVars) revert BadConfig();
    }

    function newTerms(Config memory c, uint256 nClaims) internal pure returns (Terms memory terms) {
        uint256 nOod = c.ood;
        uint256 nQ = 0;
        uint256 nAlpha = 0;
        for (uint256 i = 0; i < c.rounds.length; i++) {
            nOod += c.rounds[i].ood;
            nQ += c.rounds[i].queries;
            nAlpha += c.folding;
        }
        terms.claimCoef = new uint256[](nClaims);
        terms.powY = new uint256[](nOod);
        terms.powCoef = new uint256[](nOod);
        terms.powRound = new uint256[](nOod);
        terms.qU = new uint256[](nQ);
        terms.qCoef = new uint256[](nQ);
        terms.qRound = new uint256[](nQ);
        terms.alphas = new uint256[](nAlpha);
        terms.alphas3 = new uint256[](3 * nAlpha);
    }

    function _addPow(Terms memory terms, uint256 y, uint256 coef, uint256 rnd) private pure {
        uint256 i = terms.nPow++;
        terms.powY[i] = y;
        terms.powCoef[i] = coef;
        terms.powRound[i] = rnd;
    }

    /// u8 |scheme| ‖ scheme ‖ u8 n ‖ u8 k ‖ u32 J ‖ points ‖ values (commitment.absorb_statement),
    /// scheme = "whir-v1" ‖ params (a batched opening's tables: "whir-batch-v1" ‖ params); K
    /// elements as three u64 big-endian, X^0 first.
    function statementBytes(bytes memory scheme, uint256 n, uint256[] memory points, uint256[] memory values)
        internal
        pure
        returns (bytes memory out)
    {
        bytes memory head =
            abi.encodePacked(uint8(scheme.length), scheme, uint8(n), uint8(3), uint32(values.length));
        out = new bytes(head.length + 24 * (points.length + values.length));
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(head, 32), mload(head))
        }
        uint256 pos = head.length;
        pos = _writeK(out, pos, points);
        _writeK(out, pos, values);
    }

    /// Write K elements as 24 bytes each (three u64 big-endian, X^0 first) from `pos`: each
    /// 32-byte store spills 8 zero bytes that the next one overwrites (the buffer ends there).
    function _writeK(bytes memory out, uint256 pos, uint256[] memory ks) private pure returns (uint256) {
        assembly ("memory-safe") {
            let o := add(add(out, 32), pos)
            let p := add(ks, 32)
            for { let end := add(p, shl(5, mload(ks))) } lt(p, end) { p := add(p, 32) } {
                let x := mload(p)
                mstore(o, or(or(shl(192, shr(192, shl(192, x))), shl(128, shr(192, shl(128, x)))), shl(64, shr(128, x))))
                o := add(o, 24)
            }
            pos := sub(o, add(out, 32))
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
        uint256[] finalU; // f_M's monomial coefficients c_0, c_1, .. (last round), three words each
        uint256[] finalG; // the same reversed, in blocks for _hornerF (_receive)
    }

    /// Round 0 of a batched opening (WhirBatch): the tables' roots in order, their shifts
    /// Delta_g = m - m_g and beta^g (packed K). Empty (no root) for a single opening.
    struct Batch {
        bytes32[] roots;
        uint256[] shifts;
        uint256[] betas;
    }

    /// Steps 2-3 from the first sumcheck on, for f_0 with the running claim `sigma` (the
    /// initial combination done by the caller, its terms in `terms`): f_0 is committed by `root`,
    /// or, for a batched opening (`b` has roots), is h = sum_g beta^g T_g,ext, whose round-0
    /// fibers come from the tables' trees (_batchFibers). The caller checks the final claim
    /// (finalValue).
    function runRounds(FS.T memory t, Config memory c, Terms memory terms, bytes32 root, uint256 sigma, Batch memory b)
        internal
        pure
        returns (State memory st)
    {
        st.sigma = sigma;
        st.root = root;
        for (uint256 i = 0; i < c.rounds.length; i++) {
            _round(t, c, terms, st, i, b);
        }
    }

    /// Round i: kappa sumcheck rounds, the next commitment (or the final polynomial), the proof
    /// of work, the queries and their fibers, then the combination of the new claims.
    function _round(FS.T memory t, Config memory c, Terms memory terms, State memory st, uint256 i, Batch memory b)
        private
        pure
    {
        Round memory rnd = c.rounds[i];
        bool last = i == c.rounds.length - 1;
        // this round's alphas: three words each from terms.alphas3[3 nAlpha] on
        uint256 ap = _ptr(terms.alphas3) + 32 + 96 * terms.nAlpha;
        st.sigma = _sumcheck(t, c.folding, terms, st.sigma);
        _receive(t, rnd, rnd.nVars - c.folding, last, st);
        _checkPow(t, rnd.powBits);
        uint256 logLeaves = rnd.logDomain - c.folding;
        uint256[] memory idx = FS.distinctIndices(t, L_QUERIES, rnd.queries, 1 << logLeaves);
        // the terms of the next round need y^(2^m_(i+1)) = w_(2^rate)^j, rate = log2 |L_i| - m_i
        uint256 rate = last ? 0 : rnd.logDomain - rnd.nVars;
        // the fibers (unit: bytes per value, F in calldata in round 0, K after; 32, packed K in
        // memory), and a factor and terms for their folds (a batched opening's round 0)
        uint256 off;
        uint256 unit;
        uint256 scale = 1;
        uint256[] memory post;
        if (i == 0 && b.roots.length != 0) {
            // round 0 of a batched opening: h's fibers come from every table's tree
            (off, unit, scale, post) = _batchFibers(t, b, idx, c.folding, logLeaves);
        } else {
            // "whir/fibers" and "whir/merkle" against f_i's root
            unit = i == 0 ? 8 : 24;
            off = FS.recv(t, L_FIBERS, idx.length * (unit << c.folding));
            _checkLeaves(t, st.root, idx, off, unit << c.folding, logLeaves);
        }
        (uint256[] memory folded, uint256[] memory us, uint256[] memory phis) =
            _foldAll(off, idx, rnd.logDomain, c.folding, unit, ap, rate);
        if (scale != 1 || post.length != 0) _adjust(folded, scale, post);
        if (last) {
            _checkFinal(folded, us, st.finalG, c.finalVars);
            // (this exit keeps _round out of line, on a stack of its own, see Merkle)
            return;
        }
        _combine(t, terms, st, rnd.ood, folded, us, phis, i + 1);
        st.root = st.nextRoot;
    }

    /// The last round: each folded value must be f_M(y_j) (whir.py, "last"). With u = 1/y and
    /// D = 2^m_M coefficients, f_M(y) u^(D-1) = sum_i c_i u^(D-1-i) =: g(u), the polynomial
    /// with the coefficients in reverse order; u^(D-1) != 0, so f_M(y_j) = folded_j exactly when
    /// g(u_j) = folded_j u_j^(D-1), u^(D-1) = u u^2 u^4 .. u^(2^(m_M - 1)).
    function _checkFinal(uint256[] memory folded, uint256[] memory us, uint256[] memory nat, uint256 fv) private pure {
        for (uint256 j = 0; j < folded.length; j++) {
            uint256 u = us[j];
            uint256 uD;
            assembly ("memory-safe") {
                uD := 1
                let w := u
                for { let k := 0 } lt(k, fv) { k := add(k, 1) } {
                    uD := mulmod(uD, w, P)
                    w := mulmod(w, w, P)
                }
            }
            if (_hornerF(nat, u) != GF.kmulBase(folded[j], uD)) revert FinalMismatch();
        }
    }

    /// "whir/combine" gamma: sigma += sum_l gamma^(l+1) u_l over the OOD answers then the
    /// folded values; their power points join the weight as terms of round `next`.
    function _combine(
        FS.T memory t,
        Terms memory terms,
        State memory st,
        uint256 nOod,
        uint256[] memory folded,
        uint256[] memory us,
        uint256[] memory phis,
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
        st.sigma = _combineQueries(terms, folded, us, phis, coef, gamma, next, sigma);
    }

    /// The queries' part of _combine: query term nQ + j gets (u_j, coef gamma^j phi_j, next)
    /// and sigma gains coef gamma^j folded_j.
    function _combineQueries(
        Terms memory terms,
        uint256[] memory folded,
        uint256[] memory us,
        uint256[] memory phis,
        uint256 coef,
        uint256 gamma,
        uint256 next,
        uint256 sigma
    ) private pure returns (uint256) {
        uint256 q = folded.length;
        // (nothing to add; the exit also keeps this loop out of line, see Merkle)
        if (q == 0) return sigma;
        uint256 at = terms.nQ;
        uint256[] memory qU = terms.qU;
        uint256[] memory qCoef = terms.qCoef;
        uint256[] memory qRound = terms.qRound;
        require(at + q <= qU.length); // newTerms reserved rounds[i].queries >= q
        terms.nQ = at + q;
        assembly ("memory-safe") {
            let o := shl(5, add(at, 1))
            mcopy(add(qU, o), add(us, 32), shl(5, q))
            for { let p := add(qRound, o) } lt(p, add(qRound, shl(5, add(at, add(q, 1))))) { p := add(p, 32) } {
                mstore(p, next)
            }
            let cp := add(qCoef, o)
            let phip := sub(phis, folded)
            let pf := add(folded, 32)
            for { let end := add(pf, shl(5, q)) } lt(pf, end) { pf := add(pf, 32) } {
                let c0 := shr(192, shl(192, coef))
                let c1 := shr(192, shl(128, coef))
                let c2 := shr(128, coef)
                // the term's coefficient: coef phi_j (GF.kmulBase)
                let f := mload(add(pf, phip))
                mstore(cp, or(or(mulmod(c0, f, P), shl(64, mulmod(c1, f, P))), shl(128, mulmod(c2, f, P))))
                cp := add(cp, 32)
                // sigma += coef folded_j (GF.kmul then GF.kadd: sigma's coefficient (< p) and
                // the product's (< 2^130) are summed, then reduced once)
                let u := mload(pf)
                let u0 := shr(192, shl(192, u))
                let u1 := shr(192, shl(128, u))
                u := shr(128, u)
                sigma := or(or(
                    mod(add(shr(192, shl(192, sigma)), add(mul(c0, u0), shl(1, add(mul(c1, u), mul(c2, u1))))), P),
                    shl(64, mod(add(shr(192, shl(128, sigma)), add(add(mul(c0, u1), mul(c1, u0)), shl(1, mul(c2, u)))), P))),
                    shl(128, mod(add(shr(128, sigma), add(add(mul(c0, u), mul(c1, u1)), mul(c2, u0))), P)))
                // coef *= gamma (GF.kmul)
                u0 := shr(192, shl(192, gamma))
                u1 := shr(192, shl(128, gamma))
                u := shr(128, gamma)
                coef := or(or(
                    mod(add(mul(c0, u0), shl(1, add(mul(c1, u), mul(c2, u1)))), P),
                    shl(64, mod(add(add(mul(c0, u1), mul(c1, u0)), shl(1, mul(c2, u))), P))),
                    shl(128, mod(add(add(mul(c0, u), mul(c1, u1)), mul(c2, u0)), P)))
            }
        }
        return sigma;
    }

    /// Not last: "whir/root", the OOD points "whir/ood", "whir/ood_answers"; last: "whir/final"
    /// (the 2^mNext coefficients of f_M).
    function _receive(FS.T memory t, Round memory rnd, uint256 mNext, bool last, State memory st) private pure {
        if (!last) {
            uint256 off = FS.recv(t, L_ROOT, 32);
            bytes32 r;
            assembly ("memory-safe") {
                r := calldataload(off)
            }
            st.nextRoot = r;
            st.oodY = FS.challengesK(t, L_OOD, rnd.ood);
            st.oodOff = FS.recv(t, L_OOD_ANSWERS, 24 * rnd.ood);
        } else {
            uint256 d = 1 << mNext;
            uint256 off = FS.recv(t, L_FINAL, 24 * d);
            uint256[] memory f = new uint256[](3 * d);
            // g_k = c_(D-1-k) (_checkFinal) in blocks of four for _hornerF: A = ceil(D/4) blocks,
            // highest first, block a = g_(4a), .., g_(4a+3) (zero past D), three words each
            uint256 nb = (d + 3) >> 2;
            uint256[] memory nat = new uint256[](12 * nb);
            bool bad;
            assembly ("memory-safe") {
                // coefficient j: the 24 bytes at off + 24 j, three u64 big-endian (FS.kAt);
                // at f[3j..3j+2], and as g_k (k = D-1-j) at word 3 ((A-1-k/4) 4 + k%4) of nat
                let base := add(nat, 32)
                for { let j := 0 } lt(j, d) { j := add(j, 1) } {
                    let cd := add(off, mul(24, j))
                    let c0 := shr(192, calldataload(cd))
                    let c1 := shr(192, calldataload(add(cd, 8)))
                    let c2 := shr(192, calldataload(add(cd, 16)))
                    bad := or(bad, or(or(gt(c0, PM1), gt(c1, PM1)), gt(c2, PM1)))
                    let r := add(add(f, 32), mul(96, j))
                    mstore(r, c0)
                    mstore(add(r, 32), c1)
                    mstore(add(r, 64), c2)
                    let k := sub(sub(d, 1), j)
                    r := add(base, mul(96, add(shl(2, sub(sub(nb, 1), shr(2, k))), and(k, 3))))
                    mstore(r, c0)
                    mstore(add(r, 32), c1)
                    mstore(add(r, 64), c2)
                }
            }
            if (bad) revert FS.NonCanonical();
            st.finalU = f;
            st.finalG = nat;
        }
    }

    /// kappa rounds of the sumcheck of sum_b w(b) f(b): P sends h(0), h(2); h(1) = sigma - h(0).
    function _sumcheck(FS.T memory t, uint256 folding, Terms memory terms, uint256 sigma)
        private
        pure
        returns (uint256)
    {
        uint256[] memory alphas = terms.alphas;
        uint256[] memory alphas3 = terms.alphas3;
        for (uint256 r = 0; r < folding; r++) {
            uint256 off = FS.recv(t, L_SUMCHECK, 48);
            uint256 alpha = FS.challengeK(t, L_FOLD);
            uint256 at = terms.nAlpha++;
            bool bad;
            assembly ("memory-safe") {
                mstore(add(alphas, shl(5, add(at, 1))), alpha)
                let a0 := shr(192, shl(192, alpha))
                let a1 := shr(192, shl(128, alpha))
                let a2 := shr(128, alpha)
                let o := add(add(alphas3, 32), mul(96, at))
                mstore(o, a0)
                mstore(add(o, 32), a1)
                mstore(add(o, 64), a2)
                // h(alpha) for the degree-2 h with h(0) = h0, h(1) = sigma - h0, h(2) = h2:
                // Newton's form (GF.quadAt) h0 + a (d1 + (a - 1) d2), d1 = sigma - 2 h0,
                // d2 = (h2 + 3 h0 - 2 sigma) / 2, coefficient by coefficient (h0, h2 at calldata
                // off, off + 24: FS.kAt, three u64 each, canonical)
                function coef(at_, c_) -> x_ {
                    x_ := shr(192, calldataload(add(at_, shl(3, c_))))
                }
                function lane(k_, c_) -> x_ {
                    x_ := shr(192, shl(sub(192, shl(6, c_)), k_))
                }
                for { let c := 0 } lt(c, 6) { c := add(c, 1) } {
                    bad := or(bad, gt(coef(off, c), PM1))
                }
                let d2_0 := mulmod(add(add(coef(off, 3), mul(3, coef(off, 0))), sub(shl(1, P), shl(1, lane(sigma, 0)))), 0x7fffffff80000001, P)
                let d2_1 := mulmod(add(add(coef(off, 4), mul(3, coef(off, 1))), sub(shl(1, P), shl(1, lane(sigma, 1)))), 0x7fffffff80000001, P)
                let d2_2 := mulmod(add(add(coef(off, 5), mul(3, coef(off, 2))), sub(shl(1, P), shl(1, lane(sigma, 2)))), 0x7fffffff80000001, P)
                // t = d1 + (a - 1) d2 (GF.kmul's formula, d1_c added before the mod)
                let b0 := addmod(a0, PM1, P)
                let t0 := mod(add(add(lane(sigma, 0), sub(shl(1, P), shl(1, coef(off, 0)))),
                                  add(mul(b0, d2_0), shl(1, add(mul(a1, d2_2), mul(a2, d2_1))))), P)
                let t1 := mod(add(add(lane(sigma, 1), sub(shl(1, P), shl(1, coef(off, 1)))),
                                  add(add(mul(b0, d2_1), mul(a1, d2_0)), shl(1, mul(a2, d2_2)))), P)
                let t2 := mod(add(add(lane(sigma, 2), sub(shl(1, P), shl(1, coef(off, 2)))),
                                  add(add(mul(b0, d2_2), mul(a1, d2_1)), mul(a2, d2_0))), P)
                // h0 + a t
                sigma := or(or(
                    mod(add(coef(off, 0), add(mul(a0, t0), shl(1, add(mul(a1, t2), mul(a2, t1))))), P),
                    shl(64, mod(add(coef(off, 1), add(add(mul(a0, t1), mul(a1, t0)), shl(1, mul(a2, t2)))), P))),
                    shl(128, mod(add(coef(off, 2), add(add(mul(a0, t2), mul(a1, t1)), mul(a2, t0))), P)))
            }
            if (bad) revert FS.NonCanonical();
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
        assembly ("memory-safe") {
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

    /// The "whir/merkle" multi-opening of the queried leaves (leaf j: the leafBytes bytes at
    /// off + j leafBytes). The node count depends on the positions alone, so the nodes are
    /// read (from the unread proof) while checking, then received as one message of exactly
    /// that many nodes (ProofTruncated if the proof is shorter), then the root compared.
    function _checkLeaves(FS.T memory t, bytes32 root, uint256[] memory idx, uint256 off, uint256 leafBytes, uint256 depth)
        private
        pure
    {
        (bool ok, uint256 used) = Merkle.verifyCalldataLeaves(root, depth, idx, off, leafBytes, t.pos);
        FS.recv(t, L_MERKLE, 32 * used);
        if (!ok) revert Merkle.MerkleMismatch();
    }

    /// Round 0 of a batched opening (whir.py verify_batch, its open0): for each table g in
    /// order, its leaves j mod N'_g of the queries j (distinct, sorted; N'_g = 2^depth_g leaves,
    /// depth_g = logLeaves - Delta_g): "whir/fibers" (F values) and "whir/merkle" against g's
    /// root. h's fiber value l at query j is sum_g beta^g v_g,l with v_g,l = (leaf j mod N'_g
    /// of g)[(j div N'_g + l 2^Delta_g) mod 2^kappa] (BatchLayout.leaf_map), folded by
    /// _foldAll from memory (_gather). Where Delta_g >= kappa, v_g,l is the same value c for
    /// every l, and folding is linear with Fold(c, .., c) = c: such a table is left out of the
    /// fibers and beta^g c added to the folded value (_constant). If that leaves one table g,
    /// with Delta_g = 0 (its leaf j is query j's), h's fibers are beta^g times its F fibers in
    /// calldata, folded as they are. Returns for _foldAll the fibers (`off`, `unit`: the
    /// leaves' calldata offset and 8, or the address of q 2^kappa canonical packed K values
    /// in memory, query by query, and 32), then the factor of the folded values and what to
    /// add to each (empty: nothing).
    function _batchFibers(FS.T memory t, Batch memory b, uint256[] memory idx, uint256 kappa, uint256 logLeaves)
        private
        pure
        returns (uint256 off, uint256 unit, uint256 scale, uint256[] memory post)
    {
        // (no query; the exit also keeps this function out of line, see Merkle)
        if (idx.length == 0) return (0, 8, 1, post);
        uint256 leafBytes = 8 << kappa;
        // the tables in h's fibers; one of them (Delta_g = 0, since m = max m_g): read directly
        uint256 nFib = 0;
        for (uint256 g = 0; g < b.roots.length; g++) if (b.shifts[g] < kappa) nFib++;
        uint256[] memory h = new uint256[](nFib == 1 ? 0 : idx.length << kappa);
        (off, unit, scale) = (_ptr(h) + 32, 32, 1);
        for (uint256 g = 0; g < b.roots.length; g++) {
            uint256 sh = b.shifts[g];
            uint256 depth = logLeaves - sh;
            uint256[] memory leaves = idx;
            if (sh != 0) {
                // the queries mod N'_g, sorted, repeats removed (idx itself when Delta_g = 0)
                leaves = new uint256[](idx.length);
                for (uint256 j = 0; j < idx.length; j++) leaves[j] = idx[j];
                FS.sortDistinctMod(leaves, 1 << depth);
            }
            uint256 at = FS.recv(t, L_FIBERS, leaves.length * leafBytes);
            // every value of the message is canonical (recv_f_array), used by h or not
            if (!canonicalF(at, leaves.length << kappa)) revert FS.NonCanonical();
            _checkLeaves(t, b.roots[g], leaves, at, leafBytes, depth);
            if (sh >= kappa) {
                if (post.length == 0) post = new uint256[](idx.length);
                _constant(post, idx, leaves, at, depth, kappa, b.betas[g]);
            } else if (nFib == 1) {
                (off, unit, scale) = (at, 8, b.betas[g]);
            } else {
                _gather(h, idx, leaves, at, depth, sh, kappa, b.betas[g], g == 0);
            }
        }
    }

    /// folded_j <- scale folded_j + post_j (post empty: nothing added).
    function _adjust(uint256[] memory folded, uint256 scale, uint256[] memory post) private pure {
        for (uint256 j = 0; j < folded.length; j++) {
            uint256 v = scale == 1 ? folded[j] : GF.kmul(scale, folded[j]);
            folded[j] = post.length == 0 ? v : GF.kadd(v, post[j]);
        }
    }

    /// A table with Delta_g >= kappa (_batchFibers): post[j] += beta^g (leaf x mod 2^depth)[(x div
    /// 2^depth) mod 2^kappa] for the query x = idx[j], its leaf at slot s of `leaves` (2^kappa
    /// canonical F values at calldata off + s 2^kappa 8).
    function _constant(
        uint256[] memory post,
        uint256[] memory idx,
        uint256[] memory leaves,
        uint256 off,
        uint256 depth,
        uint256 kappa,
        uint256 beta
    ) private pure {
        for (uint256 j = 0; j < idx.length; j++) {
            uint256 x = idx[j];
            uint256 s = _slot(leaves, x & ((1 << depth) - 1));
            uint256 at = off + (s << (kappa + 3)) + (((x >> depth) & ((1 << kappa) - 1)) << 3);
            uint256 v;
            assembly ("memory-safe") {
                v := shr(192, calldataload(at))
            }
            post[j] = GF.kadd(post[j], GF.kmulBase(beta, v));
        }
    }

    /// The index of r in the sorted distinct `leaves` that hold it (the first entry >= r).
    function _slot(uint256[] memory leaves, uint256 r) private pure returns (uint256 lo) {
        assembly ("memory-safe") {
            let hi := mload(leaves)
            let lb := add(leaves, 32)
            for {} lt(lo, hi) {} {
                let mid := shr(1, add(lo, hi))
                switch lt(mload(add(lb, shl(5, mid))), r)
                case 0 { hi := mid }
                default { lo := add(mid, 1) }
            }
        }
    }

    /// Whether the n 8-byte values at calldata `off` are all < p. Four at a time: a value x is
    /// >= p = 2^64 - 2^32 + 1 exactly when x + 2^32 - 1 carries out of its 64 bits; the two
    /// lanes of a word at bits 0 and 128 are added at once (their carries land in the zeroed
    /// lanes above them), then the two at bits 64 and 192, shifted down.
    function canonicalF(uint256 off, uint256 n) internal pure returns (bool ok) {
        // (nothing to check; the exit also keeps the loops out of line, see Merkle)
        if (n == 0) return true;
        assembly ("memory-safe") {
            let lanes := 0xffffffffffffffff0000000000000000ffffffffffffffff
            let c := 0xffffffff000000000000000000000000ffffffff
            let carry := 0x1000000000000000000000000000000010000000000000000
            let bad := 0
            let end := add(off, shl(3, n))
            for {} iszero(gt(add(off, 32), end)) { off := add(off, 32) } {
                let w := calldataload(off)
                bad := or(bad, or(and(add(and(w, lanes), c), carry), and(add(and(shr(64, w), lanes), c), carry)))
            }
            for {} lt(off, end) { off := add(off, 8) } {
                bad := or(bad, gt(shr(192, calldataload(off)), PM1))
            }
            ok := iszero(bad)
        }
    }

    /// Table g's part of h's round-0 fibers (_batchFibers): for query j (leaf x = idx[j] of
    /// L's tree), its leaf x mod 2^depth of g's tree at slot s of `leaves` (the F values at
    /// calldata off + s 2^kappa 8, canonical), value l of h's fiber gains beta^g times value
    /// (x div 2^depth + l 2^sh) mod 2^kappa. The `first` table's (beta^0 = 1) values are stored
    /// as they are (h is still zero).
    function _gather(
        uint256[] memory h,
        uint256[] memory idx,
        uint256[] memory leaves,
        uint256 off,
        uint256 depth,
        uint256 sh,
        uint256 kappa,
        uint256 beta,
        bool first
    ) private pure {
        uint256 q = idx.length;
        // (nothing to gather; the exit also keeps this loop out of line, see Merkle)
        if (q == 0) return;
        assembly ("memory-safe") {
            // One query: its leaf at calldata `leaf`, its fiber in h at `hp`, a = x div 2^depth.
            function one(hp, leaf, a, sh_, kappa_, beta_, first_) {
                if iszero(hp) { leave } // (never: keeps this loop out of line)
                let w := shl(kappa_, 1)
                let kmask := sub(w, 1)
                let end := add(hp, shl(5, w))
                switch first_
                case 1 {
                    for { let l := 0 } lt(hp, end) { hp := add(hp, 32) } {
                        mstore(hp, shr(192, calldataload(add(leaf, shl(3, and(add(a, shl(sh_, l)), kmask))))))
                        l := add(l, 1)
                    }
                }
                default {
                    let b0 := and(beta_, M64)
                    let b1 := and(shr(64, beta_), M64)
                    let b2 := shr(128, beta_)
                    for { let l := 0 } lt(hp, end) { hp := add(hp, 32) } {
                        let v := shr(192, calldataload(add(leaf, shl(3, and(add(a, shl(sh_, l)), kmask)))))
                        let cur := mload(hp)
                        // cur + beta v, coefficient by coefficient (< p + 2^128: one mod each)
                        mstore(hp, or(or(mod(add(and(cur, M64), mul(b0, v)), P),
                                         shl(64, mod(add(and(shr(64, cur), M64), mul(b1, v)), P))),
                                      shl(128, mod(add(shr(128, cur), mul(b2, v)), P))))
                        l := add(l, 1)
                    }
                }
            }
            let mask := sub(shl(depth, 1), 1)
            let leafBytes := shl(add(kappa, 3), 1)
            let nl := mload(leaves)
            let lb := add(leaves, 32)
            let hp := add(h, 32)
            for { let j := 0 } lt(j, q) { j := add(j, 1) } {
                let x := mload(add(idx, shl(5, add(j, 1))))
                // the slot of x mod 2^depth in leaves (sorted, distinct, holding it): j when
                // sh = 0 (leaves = idx), else the first entry >= it, by binary search
                let s := j
                if sh {
                    let r := and(x, mask)
                    let lo := 0
                    let hi := nl
                    for {} lt(lo, hi) {} {
                        let mid := shr(1, add(lo, hi))
                        switch lt(mload(add(lb, shl(5, mid))), r)
                        case 0 { hi := mid }
                        default { lo := add(mid, 1) }
                    }
                    s := lo
                }
                one(hp, add(off, mul(s, leafBytes)), shr(depth, x), sh, kappa, beta, first)
                hp := add(hp, shl(add(kappa, 5), 1))
            }
        }
    }

    /// For every query j (leaf idx[j] of N' = 2^(logDomain - kappa)), Fold(f_i, alphas)(y_j)
    /// from its fiber at `off` (whir_fold.fold_fibers), u_j = 1/y_j (y_j = w_N'^idx[j]) and, if
    /// rate > 0, phi_j = w_(2^rate)^idx[j] u_j; the alphas are three words each from memory `ap`
    /// on. The fibers, 2^kappa values each, query after query: `unit` = 8, F values in calldata;
    /// 24, K values in calldata (reverts NonCanonical on a value >= p); 32, canonical packed K
    /// values in memory (a batched opening's round 0, _batchFibers).
    ///
    /// fold_fibers halves each level: v_l <- (lo + hi)/2 + alpha (lo - hi)/(2 x zeta^l) with
    /// lo, hi = v_l, v_(l+h). Here each level computes twice that, (lo + hi) + alpha (lo - hi)
    /// / (x zeta^l): the map is linear, so after kappa levels the value is 2^kappa times
    /// fold_fibers', and one product by 2^-kappa at the end gives the same element. The level
    /// values are not reduced mod p in between (they stay < 2^150: each level at most doubles
    /// them and adds alpha e < 5 p^2 < 2^131); lo - hi is taken as lo + BIG - hi, BIG a
    /// multiple of p, and every product that feeds a later one goes through mulmod.
    ///
    /// A level's values sit in bit-reversed order (_foldEntries): the pair (l, l + h) of
    /// fold_fibers is then the adjacent entries 2i, 2i + 1 (i = br(l)), whose result is entry i
    /// of the next level, and zeta^-(2^t l) at level t is the same word zeta^-br_(h0)(i) for
    /// every level.
    function _foldAll(
        uint256 off,
        uint256[] memory idx,
        uint256 logDomain,
        uint256 kappa,
        uint256 unit,
        uint256 ap,
        uint256 rate
    ) private pure returns (uint256[] memory folded, uint256[] memory us, uint256[] memory phis) {
        uint256 q = idx.length;
        folded = new uint256[](q);
        us = new uint256[](q);
        phis = new uint256[](rate == 0 ? 0 : q);
        // (nothing to fold; the exit also keeps this loop out of line, see Merkle)
        if (q == 0) return (folded, us, phis);
        // the words the per-query code reads (cx below): x_j^-1 = w_N^-j by 4-bit windows
        // (j < 2^(logDomain - kappa)); w_(2^rate)^j from the low rate bits of j (rate > 0)
        uint256[] memory cx = new uint256[](12);
        {
            uint256[] memory v = _foldEntries(GF.rootOfUnityInv(kappa), kappa - 1, unit);
            uint256[] memory tabX = _windows(GF.rootOfUnityInv(logDomain), (logDomain - kappa + 3) >> 2);
            uint256[] memory tabR = _windows(GF.rootOfUnity(rate), (rate + 3) >> 2);
            uint256 h0 = v.length / 5;
            cx[0] = _ptr(v) + 32; // the level buffer
            cx[1] = h0;
            cx[2] = ap;
            cx[3] = _ptr(tabX);
            cx[4] = unit;
            cx[5] = h0 * unit; // hoff: value l + h0 is this many bytes after value l
            cx[6] = GF.pow(GF.INV2, kappa);
            cx[7] = _ptr(tabR);
            cx[8] = rate;
            cx[9] = _ptr(folded);
            cx[10] = _ptr(us);
            cx[11] = _ptr(phis);
        }
        uint256 leafBytes = unit << kappa;
        bool bad;
        assembly ("memory-safe") {
            // g^e from _windows(g, nw): the product over windows w of g^(e_w 16^w), e_w the
            // w-th 4-bit digit of e
            function winPow(tab, e) -> r {
                r := 1
                let p := add(tab, 32)
                for { let end := add(p, shl(5, mload(tab))) } lt(p, end) { p := add(p, 512) } {
                    r := mulmod(r, mload(add(p, shl(5, and(e, 15)))), P)
                    e := shr(4, e)
                }
            }
            // Level 0 of an F fiber (values of 8 bytes at calldata `at`): for entry i (value l
            // = br(i), offset word 4 of the entry), lo, hi = values l, l + h0 (hoff bytes
            // apart), e = (lo - hi) / (x zeta^l) in F and entry i <- (lo + hi) + alpha e, only
            // the c0 lane with an F sum; alpha = the three words at `al`. Returns whether a
            // value is >= p.
            function level0F(at, hoff, xInv, vp, n, al) -> nc {
                if iszero(n) { leave } // (never: keeps this loop out of line)
                let a0 := mload(al)
                let a1 := mload(add(al, 32))
                let a2 := mload(add(al, 64))
                for { let end := add(vp, mul(160, n)) } lt(vp, end) { vp := add(vp, 160) } {
                    let p := add(at, mload(add(vp, 128)))
                    let lo := shr(192, calldataload(p))
                    let hi := shr(192, calldataload(add(p, hoff)))
                    nc := or(nc, or(gt(lo, PM1), gt(hi, PM1)))
                    let e := mulmod(add(lo, sub(P, hi)), mulmod(xInv, mload(add(vp, 96)), P), P)
                    mstore(vp, add(add(lo, hi), mul(a0, e)))
                    mstore(add(vp, 32), mul(a1, e))
                    mstore(add(vp, 64), mul(a2, e))
                }
            }
            // One pair of level 0 of a K fiber (values of 24 bytes: c0, c1, c2 at bytes 0, 8, 16
            // of a value), lo at calldata p, hi at p + hoff, inv = 1/(x zeta^l), alpha the
            // three words at al: e_c = (lo_c - hi_c) inv, entry `out` <- (lo + hi) + alpha e by
            // GF.kmul's formula (X^3 = 2), accumulated one e_c at a time. Returns whether a value
            // is >= p.
            function pairK(p, hoff, inv, al, out) -> nc {
                if iszero(out) { leave } // (never: keeps this code out of line, on its own stack)
                let a0 := mload(al)
                let a1 := mload(add(al, 32))
                let a2 := mload(add(al, 64))
                let x := shr(192, calldataload(p))
                let y := shr(192, calldataload(add(p, hoff)))
                nc := or(gt(x, PM1), gt(y, PM1))
                let e := mulmod(add(x, sub(P, y)), inv, P)
                let r0 := add(add(x, y), mul(a0, e))
                let r1 := mul(a1, e)
                let r2 := mul(a2, e)
                p := add(p, 8)
                x := shr(192, calldataload(p))
                y := shr(192, calldataload(add(p, hoff)))
                nc := or(nc, or(gt(x, PM1), gt(y, PM1)))
                e := mulmod(add(x, sub(P, y)), inv, P)
                r0 := add(r0, shl(1, mul(a2, e)))
                r1 := add(add(r1, add(x, y)), mul(a0, e))
                r2 := add(r2, mul(a1, e))
                p := add(p, 8)
                x := shr(192, calldataload(p))
                y := shr(192, calldataload(add(p, hoff)))
                nc := or(nc, or(gt(x, PM1), gt(y, PM1)))
                e := mulmod(add(x, sub(P, y)), inv, P)
                mstore(out, add(r0, shl(1, mul(a1, e))))
                mstore(add(out, 32), add(r1, shl(1, mul(a2, e))))
                mstore(add(out, 64), add(add(r2, add(x, y)), mul(a0, e)))
            }
            // Level 0 of a K fiber at calldata `at`: pairK for every entry i (value l = br(i)).
            function level0K(at, hoff, xInv, vp, n, al) -> nc {
                if iszero(n) { leave } // (never: keeps this loop out of line)
                for { let end := add(vp, mul(160, n)) } lt(vp, end) { vp := add(vp, 160) } {
                    nc := or(nc, pairK(add(at, mload(add(vp, 128))), hoff, mulmod(xInv, mload(add(vp, 96)), P), al, vp))
                }
            }
            // One pair of level 0 of a packed K fiber in memory: pairK's arithmetic on the
            // canonical coefficients of lo = the word at p and hi = the word at p + hoff.
            function pairM(p, hoff, inv, al, out) {
                if iszero(out) { leave } // (never: keeps this code out of line, on its own stack)
                let lo := mload(p)
                let hi := mload(add(p, hoff))
                let a0 := mload(al)
                let a1 := mload(add(al, 32))
                let a2 := mload(add(al, 64))
                let x := and(lo, M64)
                let y := and(hi, M64)
                let e := mulmod(add(x, sub(P, y)), inv, P)
                let r0 := add(add(x, y), mul(a0, e))
                let r1 := mul(a1, e)
                let r2 := mul(a2, e)
                x := and(shr(64, lo), M64)
                y := and(shr(64, hi), M64)
                e := mulmod(add(x, sub(P, y)), inv, P)
                r0 := add(r0, shl(1, mul(a2, e)))
                r1 := add(add(r1, add(x, y)), mul(a0, e))
                r2 := add(r2, mul(a1, e))
                x := shr(128, lo)
                y := shr(128, hi)
                e := mulmod(add(x, sub(P, y)), inv, P)
                mstore(out, add(r0, shl(1, mul(a1, e))))
                mstore(add(out, 32), add(r1, shl(1, mul(a2, e))))
                mstore(add(out, 64), add(add(r2, add(x, y)), mul(a0, e)))
            }
            // Level 0 of a packed K fiber in memory at `at`: pairM for every entry i.
            function level0M(at, hoff, xInv, vp, n, al) {
                if iszero(n) { leave } // (never: keeps this loop out of line)
                for { let end := add(vp, mul(160, n)) } lt(vp, end) { vp := add(vp, 160) } {
                    pairM(add(at, mload(add(vp, 128))), hoff, mulmod(xInv, mload(add(vp, 96)), P), al, vp)
                }
            }
            // A later level, xt = x^-(2^t), alpha at `al`: entries 2i, 2i + 1 -> entry i, i < n.
            function levelK(vp, n, xt, al) {
                if iszero(n) { leave } // (never: keeps this loop out of line)
                let a0 := mload(al)
                let a1 := mload(add(al, 32))
                let a2 := mload(add(al, 64))
                let pin := vp
                for { let end := add(vp, mul(160, n)) } lt(vp, end) { vp := add(vp, 160) } {
                    let inv := mulmod(xt, mload(add(vp, 96)), P)
                    let x := mload(pin)
                    let y := mload(add(pin, 160))
                    let e := mulmod(add(x, sub(BIG, y)), inv, P)
                    let r0 := add(add(x, y), mul(a0, e))
                    let r1 := mul(a1, e)
                    let r2 := mul(a2, e)
                    x := mload(add(pin, 32))
                    y := mload(add(pin, 192))
                    e := mulmod(add(x, sub(BIG, y)), inv, P)
                    r0 := add(r0, shl(1, mul(a2, e)))
                    r1 := add(add(r1, add(x, y)), mul(a0, e))
                    r2 := add(r2, mul(a1, e))
                    x := mload(add(pin, 64))
                    y := mload(add(pin, 224))
                    e := mulmod(add(x, sub(BIG, y)), inv, P)
                    mstore(vp, add(r0, shl(1, mul(a1, e))))
                    mstore(add(vp, 32), add(r1, shl(1, mul(a2, e))))
                    mstore(add(vp, 64), add(add(r2, add(x, y)), mul(a0, e)))
                    pin := add(pin, 320)
                }
            }
            // Query j (o = 32 (j + 1)): its fiber at calldata `at`, position pos; writes
            // folded[j], us[j] (and phis[j]) from the words at cx, returns whether a fiber value
            // is >= p.
            function foldOne(ctx, at, pos, o) -> nc {
                if iszero(at) { leave } // (never: keeps this code out of line)
                let vp := mload(add(ctx, 32))
                let al := mload(add(ctx, 96))
                let xInv := winPow(mload(add(ctx, 128)), pos)
                switch mload(add(ctx, 160))
                case 8 { nc := level0F(at, mload(add(ctx, 192)), xInv, vp, mload(add(ctx, 64)), al) }
                case 24 { nc := level0K(at, mload(add(ctx, 192)), xInv, vp, mload(add(ctx, 64)), al) }
                default { level0M(at, mload(add(ctx, 192)), xInv, vp, mload(add(ctx, 64)), al) }
                for { let n := shr(1, mload(add(ctx, 64))) } n { n := shr(1, n) } {
                    xInv := mulmod(xInv, xInv, P)
                    al := add(al, 96)
                    levelK(vp, n, xInv, al)
                }
                // u_j = x_j^-(2^kappa) = 1/y_j; phi_j = y_j^(2^m_(i+1)) u_j
                xInv := mulmod(xInv, xInv, P)
                mstore(add(mload(add(ctx, 352)), o), xInv)
                if mload(add(ctx, 288)) {
                    mstore(add(mload(add(ctx, 384)), o), mulmod(winPow(mload(add(ctx, 256)), pos), xInv, P))
                }
                // 2^-kappa times entry 0, reduced and packed
                let c := mload(add(ctx, 224))
                mstore(add(mload(add(ctx, 320)), o), or(or(mulmod(mload(vp), c, P), shl(64, mulmod(mload(add(vp, 32)), c, P))),
                                                      shl(128, mulmod(mload(add(vp, 64)), c, P))))
            }
            let end := shl(5, add(q, 1))
            for { let o := 32 } lt(o, end) { o := add(o, 32) } {
                bad := or(bad, foldOne(cx, off, mload(add(idx, o)), o))
                off := add(off, leafBytes)
            }
        }
        if (bad) revert FS.NonCanonical();
    }

    /// The memory address of an array (its length word).
    function _ptr(uint256[] memory a) private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := a
        }
    }

    /// 16 nw words: entry 16 w + d = g^(d 16^w) (d < 16), for winPow.
    function _windows(uint256 g, uint256 nw) private pure returns (uint256[] memory tab) {
        tab = new uint256[](16 * nw);
        assembly ("memory-safe") {
            let p := add(tab, 32)
            for { let w := 0 } lt(w, nw) { w := add(w, 1) } {
                let x := 1
                for { let d := 0 } lt(d, 16) { d := add(d, 1) } {
                    mstore(p, x)
                    p := add(p, 32)
                    x := mulmod(x, g, P)
                }
                g := x // g^16: the next window's base
            }
        }
    }

    /// The level buffer of _foldAll: h = 2^logH entries of five words [c0, c1, c2, z, o], entry
    /// i with z = zInv^br(i) and o = br(i) unit (the calldata offset of fiber value br(i)),
    /// br reversing logH bits.
    function _foldEntries(uint256 zInv, uint256 logH, uint256 unit) private pure returns (uint256[] memory v) {
        uint256 h = 1 << logH;
        v = new uint256[](5 * h);
        assembly ("memory-safe") {
            let x := 1 // zInv^l
            for { let l := 0 } lt(l, h) { l := add(l, 1) } {
                let b := 0
                for { let k := 0 } lt(k, logH) { k := add(k, 1) } {
                    b := or(b, shl(sub(sub(logH, 1), k), and(shr(k, l), 1)))
                }
                // entry b (= br(l)) holds value l's twiddle and offset
                let e := add(add(v, 32), mul(160, b))
                mstore(add(e, 96), x)
                mstore(add(e, 128), mul(l, unit))
                x := mulmod(x, zInv, P)
            }
        }
    }

    /// g(v) = sum_k g_k v^k, g_k = c_(D-1-k) (f_M's coefficients in reverse order, see
    /// _checkFinal) for v in F, from `nat` (_receive: blocks of four coefficients g_(4a..4a+3),
    /// highest block first, three words each): Horner over blocks, r <- r v^4 + g_(4a) +
    /// g_(4a+1) v + g_(4a+2) v^2 + g_(4a+3) v^3, per coefficient of K. A block's sum of four
    /// products (< 2^130) plus the reduced r v^4 stays far below 2^256; mulmod reduces it.
    function _hornerF(uint256[] memory nat, uint256 v) private pure returns (uint256 r) {
        // (an empty polynomial is 0; the exit also keeps this loop out of line, see Merkle)
        if (nat.length == 0) return 0;
        assembly ("memory-safe") {
            let v2 := mulmod(v, v, P)
            let v3 := mulmod(v2, v, P)
            let v4 := mulmod(v2, v2, P)
            let r0 := 0
            let r1 := 0
            let r2 := 0
            let p := add(nat, 32)
            for { let end := add(p, shl(5, mload(nat))) } lt(p, end) { p := add(p, 384) } {
                r0 := add(mulmod(r0, v4, P), add(add(mload(p), mul(mload(add(p, 96)), v)),
                                                 add(mul(mload(add(p, 192)), v2), mul(mload(add(p, 288)), v3))))
                r1 := add(mulmod(r1, v4, P), add(add(mload(add(p, 32)), mul(mload(add(p, 128)), v)),
                                                 add(mul(mload(add(p, 224)), v2), mul(mload(add(p, 320)), v3))))
                r2 := add(mulmod(r2, v4, P), add(add(mload(add(p, 64)), mul(mload(add(p, 160)), v)),
                                                 add(mul(mload(add(p, 256)), v2), mul(mload(add(p, 352)), v3))))
            }
            r := or(or(mod(r0, P), shl(64, mod(r1, P))), shl(128, mod(r2, P)))
        }
    }

    /// f_M(y) = sum_i c_i y^i for y in K, from the coefficients as three words each (finalU):
    /// acc <- acc y + c_i from the highest degree down, GF.kmul's formula with the coefficient
    /// added before the mod.
    function _hornerK(uint256[] memory fU, uint256 y) private pure returns (uint256 r) {
        // (an empty polynomial is 0; the exit also keeps this loop out of line, see Merkle)
        if (fU.length == 0) return 0;
        assembly ("memory-safe") {
            let y0 := shr(192, shl(192, y))
            let y1 := shr(192, shl(128, y))
            let y2 := shr(128, y)
            let a0 := 0
            let a1 := 0
            let a2 := 0
            let base := add(fU, 32)
            for { let p := add(base, shl(5, mload(fU))) } gt(p, base) {} {
                p := sub(p, 96)
                let t0 := mod(add(add(mul(a0, y0), shl(1, add(mul(a1, y2), mul(a2, y1)))), mload(p)), P)
                let t1 := mod(add(add(add(mul(a0, y1), mul(a1, y0)), shl(1, mul(a2, y2))), mload(add(p, 32))), P)
                a2 := mod(add(add(add(mul(a0, y2), mul(a1, y1)), mul(a2, y0)), mload(add(p, 64))), P)
                a0 := t0
                a1 := t1
            }
            r := or(or(a0, shl(64, a1)), shl(128, a2))
        }
    }

    /// Step 3: sum over the weight terms of coef * eq(p_head, alphas since its round) * f^_M(p_tail).
    function finalValue(Config memory c, Terms memory terms, uint256[] memory points, uint256 n, State memory st)
        internal
        pure
        returns (uint256)
    {
        uint256 v = _claimsValue(c, terms, points, n, st.finalU);
        v = GF.kadd(v, _powValue(terms, c.folding, st.finalU));
        return GF.kadd(v, _queryValue(terms, c.folding, st.finalG));
    }

    /// The claimed points' terms: m coordinates (n given, then zeros), head = every alpha.
    function _claimsValue(Config memory c, Terms memory terms, uint256[] memory points, uint256 n, uint256[] memory fU)
        private
        pure
        returns (uint256 total)
    {
        uint256 nClaims = terms.claimCoef.length;
        // (no claim; the exit also keeps this loop out of line, see Merkle)
        if (nClaims == 0) return 0;
        uint256 nAlpha = terms.nAlpha;
        uint256[] memory alphas = terms.alphas;
        uint256[] memory tail = new uint256[](c.finalVars);
        uint256[] memory scratch = new uint256[](fU.length);
        // the head's padded coordinates: eq(0, a) = 1 - a, the same for every claim
        uint256 ePad = 1;
        for (uint256 s = n; s < nAlpha; s++) ePad = GF.kmul(ePad, GF.ksub(1, alphas[s]));
        for (uint256 j = 0; j < nClaims; j++) {
            uint256 e = GF.kmul(ePad, _eqProd(points, j * n, alphas, n < nAlpha ? n : nAlpha));
            for (uint256 s = 0; s < c.finalVars; s++) {
                uint256 at = nAlpha + s;
                tail[s] = at < n ? points[j * n + at] : 0;
            }
            total = GF.kadd(total, GF.kmul(GF.kmul(terms.claimCoef[j], e), _multilinear(fU, tail, scratch)));
        }
    }

    /// prod_{s < cnt} eq(z_(at+s), alphas[s]) for K coordinates z (GF.keq, GF.kmul).
    function _eqProd(uint256[] memory z, uint256 at, uint256[] memory alphas, uint256 cnt)
        private
        pure
        returns (uint256 e)
    {
        assembly ("memory-safe") {
            let e0 := 1
            let e1 := 0
            let e2 := 0
            let zp := add(add(z, 32), shl(5, at))
            let ap := add(alphas, 32)
            for { let end := add(ap, shl(5, cnt)) } lt(ap, end) { ap := add(ap, 32) } {
                let x := mload(zp)
                let a := mload(ap)
                zp := add(zp, 32)
                let x0 := shr(192, shl(192, x))
                let x1 := shr(192, shl(128, x))
                let x2 := shr(128, x)
                let a0 := shr(192, shl(192, a))
                let a1 := shr(192, shl(128, a))
                let a2 := shr(128, a)
                // q = eq(x, a) = 2 x a - x - a + 1, coefficient by coefficient (2p - x_c - a_c
                // keeps it positive; one mod each)
                let q0 := mod(add(shl(1, add(mul(x0, a0), shl(1, add(mul(x1, a2), mul(x2, a1))))), sub(add(shl(1, P), 1), add(x0, a0))), P)
                let q1 := mod(add(shl(1, add(add(mul(x0, a1), mul(x1, a0)), shl(1, mul(x2, a2)))), sub(shl(1, P), add(x1, a1))), P)
                let q2 := mod(add(shl(1, add(add(mul(x0, a2), mul(x1, a1)), mul(x2, a0))), sub(shl(1, P), add(x2, a2))), P)
                // e <- e q (GF.kmul)
                let t0 := mod(add(mul(e0, q0), shl(1, add(mul(e1, q2), mul(e2, q1)))), P)
                let t1 := mod(add(add(mul(e0, q1), mul(e1, q0)), shl(1, mul(e2, q2))), P)
                e2 := mod(add(add(mul(e0, q2), mul(e1, q1)), mul(e2, q0)), P)
                e0 := t0
                e1 := t1
            }
            e := or(or(e0, shl(64, e1)), shl(128, e2))
        }
    }

    /// The OOD points' terms (y, y^2, y^4, ..) of round r: head = the alphas of rounds r..,
    /// tail = f_M at y^(2^|head|).
    function _powValue(Terms memory terms, uint256 kappa, uint256[] memory fU) private pure returns (uint256 total) {
        uint256 nPow = terms.nPow;
        // (no term; the exit also keeps this loop out of line, see Merkle)
        if (nPow == 0) return 0;
        uint256 nAlpha = terms.nAlpha;
        uint256[] memory alphas3 = terms.alphas3;
        for (uint256 j = 0; j < nPow; j++) {
            (uint256 e, uint256 y) = _eqPowK(terms.powCoef[j], terms.powY[j], alphas3, terms.powRound[j] * kappa, nAlpha);
            total = GF.kadd(total, GF.kmul(e, _hornerK(fU, y)));
        }
    }

    /// coef prod_(from <= s < to) eq(y^(2^(s-from)), alphas[s]) for y in K (GF.keq, GF.kmul:
    /// eq(y, a) = 2 y a - y - a + 1), and y^(2^(to-from)).
    function _eqPowK(uint256 coef, uint256 y, uint256[] memory alphas3, uint256 from, uint256 to)
        private
        pure
        returns (uint256 e, uint256 yOut)
    {
        assembly ("memory-safe") {
            let e0 := shr(192, shl(192, coef))
            let e1 := shr(192, shl(128, coef))
            let e2 := shr(128, coef)
            let y0 := shr(192, shl(192, y))
            let y1 := shr(192, shl(128, y))
            let y2 := shr(128, y)
            let ap := add(add(alphas3, 32), mul(96, from))
            for { let end := add(add(alphas3, 32), mul(96, to)) } lt(ap, end) { ap := add(ap, 96) } {
                let a0 := mload(ap)
                let a1 := mload(add(ap, 32))
                let a2 := mload(add(ap, 64))
                // q = 2 y a - y - a + 1 (2p - y_c - a_c keeps each coefficient positive)
                let q0 := mod(add(shl(1, add(mul(y0, a0), shl(1, add(mul(y1, a2), mul(y2, a1))))), sub(add(shl(1, P), 1), add(y0, a0))), P)
                let q1 := mod(add(shl(1, add(add(mul(y0, a1), mul(y1, a0)), shl(1, mul(y2, a2)))), sub(shl(1, P), add(y1, a1))), P)
                let q2 := mod(add(shl(1, add(add(mul(y0, a2), mul(y1, a1)), mul(y2, a0))), sub(shl(1, P), add(y2, a2))), P)
                // e <- e q
                a0 := mod(add(mul(e0, q0), shl(1, add(mul(e1, q2), mul(e2, q1)))), P)
                a1 := mod(add(add(mul(e0, q1), mul(e1, q0)), shl(1, mul(e2, q2))), P)
                e2 := mod(add(add(mul(e0, q2), mul(e1, q1)), mul(e2, q0)), P)
                e0 := a0
                e1 := a1
                // y <- y^2
                a0 := mod(add(mul(y0, y0), shl(2, mul(y1, y2))), P)
                a1 := mod(add(shl(1, mul(y0, y1)), shl(1, mul(y2, y2))), P)
                y2 := mod(add(shl(1, mul(y0, y2)), mul(y1, y1)), P)
                y0 := a0
                y1 := a1
            }
            e := or(or(e0, shl(64, e1)), shl(128, e2))
            yOut := or(or(y0, shl(64, y1)), shl(128, y2))
        }
    }

    /// The query points' terms. A query y of round r - 1 (y in F, of order 2^L) came in with
    /// the weight coef eq((y, y^2, .., y^(2^(h-1))), alphas of rounds r..) f_M(y^(2^h)), h =
    /// the number of those alphas, m_r = h + m_M. With u = 1/y, D = 2^m_M:
    ///   eq(y', a) = (1 - a) + y' (2a - 1) = y' ((2a - 1) + (1 - a)/y'),
    ///   so prod_(t<h) eq(y^(2^t), a_t) = y^(2^h - 1) prod_t ((2a_t - 1) + u^(2^t) (1 - a_t)),
    ///   f_M(y^(2^h)) = y^(2^h (D-1)) g(u^(2^h)) (g: _hornerF),
    /// and the powers of y multiply to y^(2^h D - 1) = y^(2^m_r) u, the phi of _foldAll, which
    /// _combineQueries folded into the coefficient. So the term is
    ///   qCoef prod_t ((2a_t - 1) + u^(2^t) (1 - a_t)) g(u^(2^h)).
    function _queryValue(Terms memory terms, uint256 kappa, uint256[] memory g) private pure returns (uint256 total) {
        uint256 nQ = terms.nQ;
        // (no term; the exit also keeps this loop out of line, see Merkle)
        if (nQ == 0) return 0;
        uint256 nAlpha = terms.nAlpha;
        // per alpha s: 2a - 1 and 1 - a, six words (three coefficients each)
        uint256[] memory bc = new uint256[](6 * nAlpha);
        {
            uint256[] memory alphas = terms.alphas;
            assembly ("memory-safe") {
                let o := add(bc, 32)
                for { let s := 0 } lt(s, nAlpha) { s := add(s, 1) } {
                    let a := mload(add(alphas, shl(5, add(s, 1))))
                    let a0 := shr(192, shl(192, a))
                    let a1 := shr(192, shl(128, a))
                    let a2 := shr(128, a)
                    mstore(o, addmod(add(a0, a0), PM1, P))
                    mstore(add(o, 32), addmod(a1, a1, P))
                    mstore(add(o, 64), addmod(a2, a2, P))
                    mstore(add(o, 96), addmod(1, sub(P, a0), P))
                    mstore(add(o, 128), sub(P, a1))
                    mstore(add(o, 160), sub(P, a2))
                    o := add(o, 192)
                }
            }
        }
        for (uint256 j = 0; j < nQ; j++) {
            (uint256 e, uint256 v) = _eqInv(terms.qCoef[j], terms.qU[j], bc, terms.qRound[j] * kappa, nAlpha);
            total = GF.kadd(total, GF.kmul(e, _hornerF(g, v)));
        }
    }

    /// coef prod_(from <= s < to) (B_s + u^(2^(s-from)) C_s) for u in F, B_s = 2 a_s - 1 and
    /// C_s = 1 - a_s from `bc` (_queryValue), and u^(2^(to-from)). A factor's coefficients
    /// B_c + u C_c (< 2^129) enter GF.kmul's formula unreduced (products < 2^194, sums < 2^197).
    function _eqInv(uint256 coef, uint256 u, uint256[] memory bc, uint256 from, uint256 to)
        private
        pure
        returns (uint256 e, uint256 v)
    {
        assembly ("memory-safe") {
            let e0 := shr(192, shl(192, coef))
            let e1 := shr(192, shl(128, coef))
            let e2 := shr(128, coef)
            let p := add(add(bc, 32), mul(192, from))
            for { let end := add(add(bc, 32), mul(192, to)) } lt(p, end) { p := add(p, 192) } {
                let q0 := add(mload(p), mul(u, mload(add(p, 96))))
                let q1 := add(mload(add(p, 32)), mul(u, mload(add(p, 128))))
                let q2 := add(mload(add(p, 64)), mul(u, mload(add(p, 160))))
                // e <- e q (GF.kmul)
                let t0 := mod(add(mul(e0, q0), shl(1, add(mul(e1, q2), mul(e2, q1)))), P)
                let t1 := mod(add(add(mul(e0, q1), mul(e1, q0)), shl(1, mul(e2, q2))), P)
                e2 := mod(add(add(mul(e0, q2), mul(e1, q1)), mul(e2, q0)), P)
                e0 := t0
                e1 := t1
                u := mulmod(u, u, P)
            }
            e := or(or(e0, shl(64, e1)), shl(128, e2))
            v := u
        }
    }

    /// f^_M(q) = sum_S c_S prod_{t in S} q_t for monomial coefficients c (bit t of S: q_t;
    /// three words each, finalU), folding the last coordinate first: a_i <- a_i + q_t a_(i+len)
    /// (GF.kmul's formula with a_i's coefficient added before the mod). `a` is scratch of
    /// fU.length words; a zero coordinate (a padded point) leaves a_i as it is.
    function _multilinear(uint256[] memory fU, uint256[] memory q, uint256[] memory a)
        private
        pure
        returns (uint256 r)
    {
        assembly ("memory-safe") {
            let len := mload(fU) // words
            let ap := add(a, 32)
            mcopy(ap, add(fU, 32), shl(5, len))
            for { let s := mload(q) } gt(s, 0) { s := sub(s, 1) } {
                len := shr(1, len)
                let qt := mload(add(q, shl(5, s)))
                if qt {
                    let b0 := shr(192, shl(192, qt))
                    let b1 := shr(192, shl(128, qt))
                    let b2 := shr(128, qt)
                    let hs := shl(5, len)
                    for { let p := ap } lt(p, add(ap, hs)) { p := add(p, 96) } {
                        let x := add(p, hs)
                        let x0 := mload(x)
                        let x1 := mload(add(x, 32))
                        let x2 := mload(add(x, 64))
                        mstore(p, mod(add(mload(p), add(mul(x0, b0), shl(1, add(mul(x1, b2), mul(x2, b1))))), P))
                        mstore(add(p, 32), mod(add(mload(add(p, 32)), add(add(mul(x0, b1), mul(x1, b0)), shl(1, mul(x2, b2)))), P))
                        mstore(add(p, 64), mod(add(mload(add(p, 64)), add(add(mul(x0, b2), mul(x1, b1)), mul(x2, b0))), P))
                    }
                }
            }
            r := or(or(mload(ap), shl(64, mload(add(ap, 32)))), shl(128, mload(add(ap, 64))))
        }
    }
}
