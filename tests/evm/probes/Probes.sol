// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {Merkle} from "./Merkle.sol";

/// Test-only entry points over the verifier's libraries (tests/evm): each applies one library
/// function to arrays of inputs, so that Python can compare it with its own spec.
contract FieldProbe {
    /// op: 0 kadd, 1 ksub, 2 kmul, 3 kmulBase, 4 keq, 5 F add, 6 F sub, 7 F mul, 8 F pow,
    /// 9 K pow, 10 rootOfUnity(a), 11 quadAt(a, b, c, d)
    function run(uint256 op, uint256[] calldata a, uint256[] calldata b, uint256[] calldata c, uint256[] calldata d)
        external
        pure
        returns (uint256[] memory r)
    {
        r = new uint256[](a.length);
        for (uint256 i = 0; i < a.length; i++) {
            if (op == 0) r[i] = GF.kadd(a[i], b[i]);
            else if (op == 1) r[i] = GF.ksub(a[i], b[i]);
            else if (op == 2) r[i] = GF.kmul(a[i], b[i]);
            else if (op == 3) r[i] = GF.kmulBase(a[i], b[i]);
            else if (op == 4) r[i] = GF.keq(a[i], b[i]);
            else if (op == 5) r[i] = GF.add(a[i], b[i]);
            else if (op == 6) r[i] = GF.sub(a[i], b[i]);
            else if (op == 7) r[i] = GF.mul(a[i], b[i]);
            else if (op == 8) r[i] = GF.pow(a[i], b[i]);
            else if (op == 9) r[i] = GF.kpow(a[i], b[i]);
            else if (op == 10) r[i] = GF.rootOfUnity(a[i]);
            else r[i] = GF.quadAt(a[i], b[i], c[i], d[i]);
        }
    }
}

contract TranscriptProbe {
    uint256 internal constant L_PUBLIC = uint256(bytes32("probe/public")) | 12;
    uint256 internal constant L_MSG = uint256(bytes32("probe/msg")) | 9;
    uint256 internal constant L_F = uint256(bytes32("probe/f")) | 7;
    uint256 internal constant L_K = uint256(bytes32("probe/k")) | 7;
    uint256 internal constant L_Q = uint256(bytes32("probe/q")) | 7;

    /// init(domain); absorb "probe/public"; read "probe/msg" (nMsg bytes) and its nF F values;
    /// draw "probe/f", "probe/k", "probe/q" (nQ indices < bound); the proof must then end.
    /// Returns [state after init, state after the message, F values.., f, k, indices..].
    function run(bytes memory domain, bytes memory pub, uint256 nMsg, uint256 nF, uint256 nQ, uint256 bound, bytes calldata proof)
        external
        pure
        returns (uint256[] memory out)
    {
        FS.T memory t = FS.init(domain, proof);
        uint256 s0 = uint256(t.state);
        FS.absorbPublic(t, L_PUBLIC, pub);
        uint256 off = FS.recv(t, L_MSG, nMsg);
        uint256 s1 = uint256(t.state);
        uint256[] memory fs = new uint256[](nF);
        for (uint256 i = 0; i < nF; i++) fs[i] = FS.fAt(off, i);
        uint256 f = FS.challengeF(t, L_F);
        uint256 k = FS.challengeK(t, L_K);
        uint256[] memory q = FS.distinctIndices(t, L_Q, nQ, bound);
        FS.checkEof(t);
        out = new uint256[](4 + nF + q.length);
        out[0] = s0;
        out[1] = s1;
        for (uint256 i = 0; i < nF; i++) out[2 + i] = fs[i];
        out[2 + nF] = f;
        out[3 + nF] = k;
        for (uint256 i = 0; i < q.length; i++) out[4 + nF + i] = q[i];
    }
}

contract MerkleProbe {
    /// Leaves of leafLen bytes each at sorted distinct pos, checked against root with the
    /// canonical multi-opening `nodes` (exactly countNodes of them). Returns countNodes.
    function verify(bytes32 root, uint256 depth, uint256[] memory pos, uint256 leafLen, bytes calldata leaves, bytes calldata nodes)
        external
        pure
        returns (uint256 count)
    {
        count = Merkle.countNodes(depth, pos);
        require(nodes.length == 32 * count, "node count");
        require(leaves.length == leafLen * pos.length, "leaf bytes");
        bytes32[] memory hashes = new bytes32[](pos.length);
        uint256 lo;
        uint256 no;
        assembly {
            lo := leaves.offset
            no := nodes.offset
        }
        for (uint256 i = 0; i < pos.length; i++) hashes[i] = Merkle.leafHash(lo + i * leafLen, leafLen);
        Merkle.verify(root, depth, pos, hashes, no);
    }
}
