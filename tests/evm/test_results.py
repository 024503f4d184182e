"""The batch results root: contracts/Results.sol against its Python spec (solidity/results.py).
The same leaves and roots on random batches, membership proofs accepted by both, and a wrong
index, sibling, leaf, batch size or path length rejected by both."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tensorproof.solidity import results as res
from tensorproof.solidity.abi import decode_uint, encode_args, selector
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.transcript import keccak256

BATCHES = [1, 2, 3, 16, 17]


def _call(evm, deployed, sig: str, types: list[str], values: list) -> bytes:
    return evm.call(deployed("ResultsProbe"), selector(sig) + encode_args(types, values)).output


def _words(output: bytes) -> list[bytes]:
    """A single bytes32[] return value."""
    n = int.from_bytes(output[32:64], "big")
    return [output[64 + 32 * i: 96 + 32 * i] for i in range(n)]


def _bytes32_array(items: list[bytes]) -> list[int]:
    return [int.from_bytes(x, "big") for x in items]


def _sol_root(evm, deployed, leaves: list[bytes]) -> bytes:
    return _call(evm, deployed, "root(bytes32[])", ["uint256[]"], [_bytes32_array(leaves)])


def _sol_member(evm, deployed, root, index, n, leaf, siblings) -> bool:
    out = _call(evm, deployed, "verifyMember(bytes32,uint256,uint256,bytes32,bytes32[])",
                ["bytes32", "uint256", "uint256", "bytes32", "uint256[]"],
                [root, index, n, leaf, _bytes32_array(siblings)])
    return bool(decode_uint(out))


def _batch(rng: np.random.Generator, batch: int):
    """Public inputs and outputs of a random batch; names chosen so that sorting matters."""
    inputs = {"x": rng.integers(-2**63, 2**63 - 1, size=(batch, 3, 2), dtype=np.int64),
              "B": rng.integers(-128, 128, size=(batch, 5), dtype=np.int64)}
    outputs = {"logits": rng.integers(-2**40, 2**40, size=(batch, 10), dtype=np.int64),
               "idx": rng.integers(0, 10, size=(batch, 1), dtype=np.int64)}
    return inputs, outputs


def test_leaf_and_node_layout():
    ih, oh = keccak256(b"in"), keccak256(b"out")
    assert res.leaf(5, ih, oh) == keccak256((5).to_bytes(4, "big") + ih + oh)
    assert res.node(ih, oh) == keccak256(ih + oh)
    inputs = {"b": np.array([[1, -2]]), "a": np.array([[3]])}
    outputs = {"y": np.array([[7]])}
    (x, y), = res.sample_bytes(inputs, outputs)
    assert x == (3).to_bytes(8, "big") + (1).to_bytes(8, "big") + (-2).to_bytes(8, "big",
                                                                                 signed=True)
    assert y == (7).to_bytes(8, "big")
    assert res.results_root(res.leaves(inputs, outputs)) == res.leaf(0, keccak256(x), keccak256(y))


def test_padding_is_explicit_zero_leaves():
    ls = [keccak256(bytes([i])) for i in range(3)]
    z = res.ZERO
    assert res.results_root(ls) == res.node(res.node(ls[0], ls[1]), res.node(ls[2], z))
    five = [*ls, keccak256(b"3"), keccak256(b"4")]
    assert res.results_root(five) == res.node(
        res.node(res.node(five[0], five[1]), res.node(five[2], five[3])),
        res.node(res.node(five[4], z), res.node(z, z)))


@pytest.mark.parametrize("batch", BATCHES)
def test_python_and_solidity_agree_on_random_batches(evm, deployed, batch):
    rng = np.random.default_rng(batch)
    inputs, outputs = _batch(rng, batch)
    leaves = res.leaves(inputs, outputs)
    root = res.results_root(leaves)
    assert _sol_root(evm, deployed, leaves) == root
    values, b, slices, n_in = res.tensor_values(inputs, outputs)
    assert b == batch and n_in == 2
    assert res.sample_leaves(values, b, slices, n_in) == leaves
    args = (["bytes", "uint256", "uint256[]", "uint256"], [values, b, slices, n_in])
    assert _words(_call(evm, deployed, "sampleLeaves(bytes,uint256,uint256[],uint256)",
                        *args)) == leaves
    assert _call(evm, deployed, "rootOfSamples(bytes,uint256,uint256[],uint256)",
                 *args) == root
    ih, oh = keccak256(b"i"), keccak256(b"o")
    assert _call(evm, deployed, "leaf(uint32,bytes32,bytes32)", ["uint256", "bytes32", "bytes32"],
                 [batch, ih, oh]) == res.leaf(batch, ih, oh)


@pytest.mark.parametrize("batch", BATCHES)
def test_membership_proofs_accepted_and_tampering_rejected(evm, deployed, batch):
    rng = random.Random(batch)
    leaves = [rng.randbytes(32) for _ in range(batch)]
    root = res.results_root(leaves)
    for index in sorted({0, batch - 1, rng.randrange(batch)}):
        sib = res.membership_proof(leaves, index)
        assert len(sib) == res.depth(batch)
        cases = {"honest": (root, index, batch, leaves[index], sib)}
        if batch > 1:
            other = (index + 1) % batch
            cases["wrong index"] = (root, other, batch, leaves[index], sib)
            j = rng.randrange(len(sib))
            bad = list(sib)
            bad[j] = bytes([sib[j][0] ^ 1]) + sib[j][1:]
            cases["wrong sibling"] = (root, index, batch, leaves[index], bad)
            cases["short path"] = (root, index, batch, leaves[index], sib[:-1])
            cases["other leaf"] = (root, index, batch, leaves[other], sib)
        cases["long path"] = (root, index, batch, leaves[index], [*sib, res.ZERO])
        cases["wrong leaf"] = (root, index, batch, keccak256(leaves[index]), sib)
        cases["wrong root"] = (keccak256(root), index, batch, leaves[index], sib)
        cases["index past the batch"] = (root, index + batch, batch, leaves[index], sib)
        cases["empty batch"] = (root, index, 0, leaves[index], sib)
        for what, args in cases.items():
            want = what == "honest"
            assert res.verify_member(*args) is want, what
            assert _sol_member(evm, deployed, *args) is want, what


def test_padding_leaves_are_no_samples(evm, deployed):
    """The padding leaf 3 of a batch of 3 is refused given the true batch size (a consumer
    must take the batch from the registered circuit; verifySample's leaves are never zero)."""
    leaves = [keccak256(bytes([i])) for i in range(3)]
    root = res.results_root(leaves)
    sib = [leaves[2], res.node(leaves[0], leaves[1])]  # the path of padding leaf 3
    assert not res.verify_member(root, 3, 3, res.ZERO, sib)
    assert not _sol_member(evm, deployed, root, 3, 3, res.ZERO, sib)
    assert res.verify_member(root, 3, 4, res.ZERO, sib)  # the tree itself does hold it
    assert _sol_member(evm, deployed, root, 3, 4, res.ZERO, sib)


def test_verify_sample_checks_the_hashes(evm, deployed):
    rng = np.random.default_rng(7)
    inputs, outputs = _batch(rng, 5)
    samples = res.sample_bytes(inputs, outputs)
    leaves = res.leaves(inputs, outputs)
    root = res.results_root(leaves)
    sig = "verifySample(bytes32,uint256,uint256,bytes32,bytes32,bytes32[])"
    types = ["bytes32", "uint256", "uint256", "bytes32", "bytes32", "uint256[]"]
    for b, (x, y) in enumerate(samples):
        sib = _bytes32_array(res.membership_proof(leaves, b))
        ok = _call(evm, deployed, sig, types, [root, b, 5, keccak256(x), keccak256(y), sib])
        assert decode_uint(ok) == 1
        (x2, y2) = samples[(b + 1) % 5]
        bad = _call(evm, deployed, sig, types, [root, b, 5, keccak256(x), keccak256(y2), sib])
        assert decode_uint(bad) == 0
        bad = _call(evm, deployed, sig, types, [root, b, 5, keccak256(x2), keccak256(y), sib])
        assert decode_uint(bad) == 0


def test_bad_layouts_revert_and_raise(evm, deployed):
    values, b, slices, n_in = res.tensor_values(*_batch(np.random.default_rng(3), 3))
    sig = "sampleLeaves(bytes,uint256,uint256[],uint256)"
    types = ["bytes", "uint256", "uint256[]", "uint256"]
    for args in ([values[:-1], b, slices, n_in], [values + b"\0", b, slices, n_in],
                 [values, b + 1, slices, n_in], [values, 0, slices, n_in],
                 [values, b, slices, len(slices) + 1]):
        with pytest.raises(EVMRevertError):
            _call(evm, deployed, sig, types, args)
        with pytest.raises(ValueError):
            res.sample_leaves(*args)
    with pytest.raises(EVMRevertError):
        _sol_root(evm, deployed, [])
    with pytest.raises(ValueError):
        res.results_root([])
    with pytest.raises(ValueError):
        res.leaves({"x": np.zeros((2, 1))}, {"y": np.zeros((3, 1))})
