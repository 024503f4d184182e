"""The Solidity transcript (contracts/Transcript.sol) and Merkle multi-openings
(contracts/Merkle.sol) against the Python spec (transcript.base, verifier.merkle): the same
states, challenges and verdicts on random inputs, and rejection of what Python rejects."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.solidity.abi import decode_uint, decode_uint_array, encode_call, pack_k
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.transcript import VerifierTranscript
from tensorproof.verifier.merkle import LEAF_PREFIX, hash_leaf, hash_node

RUN = ["bytes", "bytes", "uint256", "uint256", "uint256", "uint256", "bytes"]


def _python_run(domain, pub, msg, n_f, n_q, bound):
    t = VerifierTranscript(domain, msg)
    s0 = int.from_bytes(t.state, "big")
    t.absorb_bytes("probe/public", pub)
    raw = t.recv_bytes("probe/msg", len(msg))
    s1 = int.from_bytes(t.state, "big")
    fs = [int.from_bytes(raw[8 * i:8 * i + 8], "big") for i in range(n_f)]
    f = t.challenge_f("probe/f")
    k = pack_k(t.challenge_k("probe/k", 3))
    q = sorted(set(t.challenge_indices("probe/q", n_q, bound)))
    t.check_eof()
    return [s0, s1, *fs, f, k, *q]


def _evm_run(evm, deployed, domain, pub, msg, n_f, n_q, bound):
    out = evm.call(deployed("TranscriptProbe"),
                   encode_call("run", RUN, [domain, pub, len(msg), n_f, n_q, bound, msg]))
    return decode_uint_array(out.output)


@pytest.mark.parametrize("seed", range(6))
def test_states_and_challenges_are_byte_exact(evm, deployed, seed):
    rng = random.Random(seed)
    domain = bytes(rng.randrange(256) for _ in range(rng.choice([0, 5, 31, 32, 33, 100])))
    pub = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 64, 300])))
    n_f = rng.choice([0, 1, 7])
    msg = b"".join(rng.randrange(P).to_bytes(8, "big") for _ in range(n_f)) + bytes(
        rng.randrange(256) for _ in range(rng.choice([0, 3, 40])))
    n_q, bound = rng.choice([(1, 1), (20, 16), (43, 1 << 13), (60, 1 << 30)])
    args = (domain, pub, msg, n_f, n_q, bound)
    assert _evm_run(evm, deployed, *args) == _python_run(*args)


def test_a_non_canonical_element_truncation_and_trailing_bytes_revert(evm, deployed):
    good = (1).to_bytes(8, "big") + (P - 1).to_bytes(8, "big")
    _evm_run(evm, deployed, b"d", b"", good, 2, 1, 4)
    with pytest.raises(EVMRevertError):  # an F value >= p
        _evm_run(evm, deployed, b"d", b"", good[:8] + P.to_bytes(8, "big"), 2, 1, 4)
    out = encode_call("run", RUN, [b"d", b"", 17, 2, 1, 4, good])  # reads past the end
    with pytest.raises(EVMRevertError):
        evm.call(deployed("TranscriptProbe"), out)
    out = encode_call("run", RUN, [b"d", b"", 15, 1, 1, 4, good])  # leaves a byte unread
    with pytest.raises(EVMRevertError):
        evm.call(deployed("TranscriptProbe"), out)


# ---- Merkle ------------------------------------------------------------------------------------
def _tree(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [[hash_leaf(x) for x in leaves]]
    while len(levels[-1]) > 1:
        lv = levels[-1]
        levels.append([hash_node(lv[i], lv[i + 1]) for i in range(0, len(lv), 2)])
    return levels


def _multi_proof(levels: list[list[bytes]], pos: list[int]) -> list[bytes]:
    nodes, known = [], sorted(set(pos))
    for lv in levels[:-1]:
        ks = set(known)
        nodes += [lv[i ^ 1] for i in known if i ^ 1 not in ks]
        known = sorted({i >> 1 for i in known})
    return nodes


def _merkle_call(root, depth, pos, leaf_len, leaves, nodes):
    return encode_call("verify", ["bytes32", "uint256", "uint256[]", "uint256", "bytes", "bytes"],
                       [root, depth, pos, leaf_len, b"".join(leaves), b"".join(nodes)])


@pytest.mark.parametrize("depth,n_open", [(0, 1), (1, 1), (1, 2), (4, 3), (7, 20), (10, 43)])
def test_multi_openings_verify_as_in_python(evm, deployed, depth, n_open):
    from tensorproof.verifier.merkle import verify_multi

    rng = random.Random(depth * 100 + n_open)
    leaves = [bytes(rng.randrange(256) for _ in range(24)) for _ in range(1 << depth)]
    levels = _tree(leaves)
    pos = sorted(rng.sample(range(1 << depth), n_open))
    nodes = _multi_proof(levels, pos)
    root = levels[-1][0]
    verify_multi(root, 1 << depth, pos, [levels[0][i] for i in pos], nodes)  # the spec accepts
    out = evm.call(deployed("MerkleProbe"),
                   _merkle_call(root, depth, pos, 24, [leaves[i] for i in pos], nodes))
    assert decode_uint(out.output) == len(nodes)
    # a changed leaf, node or root is rejected
    bad_leaf = [leaves[i] for i in pos]
    bad_leaf[-1] = bytes([bad_leaf[-1][0] ^ 1]) + bad_leaf[-1][1:]
    with pytest.raises(EVMRevertError):
        evm.call(deployed("MerkleProbe"), _merkle_call(root, depth, pos, 24, bad_leaf, nodes))
    if nodes:
        bad_nodes = list(nodes)
        j = rng.randrange(len(nodes))
        bad_nodes[j] = bytes(32 - 1) + bytes([bad_nodes[j][-1] ^ 0x80])
        with pytest.raises(EVMRevertError):
            evm.call(deployed("MerkleProbe"),
                     _merkle_call(root, depth, pos, 24, [leaves[i] for i in pos], bad_nodes))
    with pytest.raises(EVMRevertError):
        evm.call(deployed("MerkleProbe"), _merkle_call(bytes(32), depth, pos, 24,
                                                       [leaves[i] for i in pos], nodes))
    assert LEAF_PREFIX == b"\x00" and np.all(np.array(pos) < (1 << depth))


def test_the_node_count_matches_the_python_rule(evm, deployed):
    from tensorproof.verifier.pcs.ligero import multi_proof_len

    rng = random.Random(1)
    for depth, n in [(3, 8), (9, 1), (9, 60), (12, 43)]:
        pos = sorted(rng.sample(range(1 << depth), n))
        leaves = [bytes([i % 256]) * 8 for i in range(1 << depth)]
        levels = _tree(leaves)
        nodes = _multi_proof(levels, pos)
        assert len(nodes) == multi_proof_len(depth, np.array(pos, dtype=np.int64))
        out = evm.call(deployed("MerkleProbe"), _merkle_call(
            levels[-1][0], depth, pos, 8, [leaves[i] for i in pos], nodes))
        assert decode_uint(out.output) == len(nodes)
