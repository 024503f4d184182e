"""The results root of a proven batch: one 32-byte commitment to every sample's public inputs
and outputs, which the EVM verifier emits instead of storing anything per sample (the spec of
``contracts/Results.sol``).

Sample b (0 ≤ b < batch) is the leaf

    leaf_b = H(u32 b ‖ H(in_b) ‖ H(out_b))            (H = keccak256, u32 big-endian: 68 bytes)

where in_b (out_b) is, for each public input (output) in the code-point order of its name, the
tensor's slice b as int64 big-endian values in C order, concatenated. The root is the binary
Merkle tree over the leaves padded with 32 zero bytes to a power of two, node = H(left ‖ right)
(64 bytes, so a node is never mistaken for a leaf); a batch of one has root = leaf_0. A
consumer holding a verified root checks one sample with ``verify_member`` (Solidity:
``Results.verifyMember`` / ``verifySample``) and the ⌈log2 batch⌉ siblings of
``membership_proof``.

>>> r = results_root([leaf(0, bytes(32), bytes(32))])
>>> r == leaf(0, bytes(32), bytes(32))
True
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

import numpy as np

from ..transcript import keccak256

ZERO = bytes(32)
"""The padding leaf."""


def leaf(index: int, input_hash: bytes, output_hash: bytes) -> bytes:
    """H(u32 index ‖ input_hash ‖ output_hash)."""
    if len(input_hash) != 32 or len(output_hash) != 32:
        raise ValueError("input and output hashes are 32 bytes")
    return keccak256(struct.pack(">I", index), input_hash, output_hash)


def node(left: bytes, right: bytes) -> bytes:
    """H(left ‖ right)."""
    return keccak256(left, right)


def depth(n_leaves: int) -> int:
    """⌈log2 n_leaves⌉, the number of siblings on a path (n_leaves ≥ 1)."""
    if n_leaves < 1:
        raise ValueError("a batch has at least one sample")
    return (n_leaves - 1).bit_length()


def _batch_of(groups: Sequence[Mapping[str, np.ndarray]]) -> int:
    sizes = {np.shape(a)[0] for g in groups for a in g.values() if np.ndim(a) >= 1}
    if len(sizes) != 1 or any(np.ndim(a) < 1 for g in groups for a in g.values()):
        raise ValueError(f"every public tensor needs one common leading batch axis (got {sizes})")
    (batch,) = sizes
    if batch < 1:
        raise ValueError("a batch has at least one sample")
    return int(batch)


def _big_endian(arr) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(arr, dtype=np.int64).astype(">i8"))


def sample_bytes(inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]
                 ) -> list[tuple[bytes, bytes]]:
    """(in_b, out_b) for every sample b: the public tensors' slices b, each group in code-point
    order of the names (int64 big-endian, C order)."""
    batch = _batch_of([inputs, outputs])
    groups = [[_big_endian(g[name]) for name in sorted(g)] for g in (inputs, outputs)]
    return [tuple(b"".join(a[b].tobytes() for a in g) for g in groups)  # type: ignore[misc]
            for b in range(batch)]


def leaves(inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]) -> list[bytes]:
    """leaf_b of every sample of a batch of public inputs and outputs (name → (batch, …))."""
    return [leaf(b, keccak256(x), keccak256(y))
            for b, (x, y) in enumerate(sample_bytes(inputs, outputs))]


def tensor_values(inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]
                  ) -> tuple[bytes, int, list[int], int]:
    """(values, batch, slice_bytes, n_inputs): the packing ``sample_leaves`` (and the contract's
    ``Results.sampleLeaves``) reads: every tensor's int64 big-endian values, batch first, the
    inputs then the outputs, each group in code-point order of the names."""
    batch = _batch_of([inputs, outputs])
    tensors = [_big_endian(g[name]) for g in (inputs, outputs) for name in sorted(g)]
    return (b"".join(a.tobytes() for a in tensors), batch,
            [a.nbytes // batch for a in tensors], len(inputs))


def sample_leaves(values: bytes, batch: int, slice_bytes: Sequence[int], n_inputs: int
                  ) -> list[bytes]:
    """The leaves from the packing of ``tensor_values``; ValueError unless ``values`` is
    exactly batch · Σ slice_bytes bytes (as the contract's BadResultsLayout)."""
    if batch < 1 or not 0 <= n_inputs <= len(slice_bytes) or batch >= 1 << 32:
        raise ValueError("bad batch or number of inputs")
    starts, total = [], 0
    for s in slice_bytes:
        starts.append(total)
        total += batch * s
    if total != len(values):
        raise ValueError(f"the tensors take {total} bytes, not {len(values)}")

    def gather(ts: range, b: int) -> bytes:
        return keccak256(*(values[starts[t] + b * slice_bytes[t]:
                                  starts[t] + (b + 1) * slice_bytes[t]] for t in ts))

    return [leaf(b, gather(range(n_inputs), b), gather(range(n_inputs, len(slice_bytes)), b))
            for b in range(batch)]


def _levels(leaves_: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the padded tree, leaves first."""
    if not leaves_:
        raise ValueError("a batch has at least one sample")
    level = list(leaves_) + [ZERO] * ((1 << depth(len(leaves_))) - len(leaves_))
    out = [level]
    while len(level) > 1:
        level = [node(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        out.append(level)
    return out


def results_root(leaves_: Sequence[bytes]) -> bytes:
    """The root over the leaves padded with zeros to a power of two (one leaf: itself)."""
    return _levels(leaves_)[-1][0]


def proof_results_root(proof) -> bytes:
    """The results root of a proof's public inputs and outputs (a verifier.proof.Proof)."""
    return results_root(leaves(proof.inputs, proof.outputs))


def membership_proof(leaves_: Sequence[bytes], index: int) -> list[bytes]:
    """The siblings of leaf ``index`` from the leaf up (⌈log2 n⌉ of them)."""
    if not 0 <= index < len(leaves_):
        raise ValueError(f"sample {index} is not in a batch of {len(leaves_)}")
    return [level[(index >> i) ^ 1] for i, level in enumerate(_levels(leaves_)[:-1])]


def verify_member(root: bytes, index: int, n_leaves: int, leaf_: bytes,
                  siblings: Sequence[bytes]) -> bool:
    """Whether ``leaf_`` is leaf ``index`` of the tree over ``n_leaves`` leaves with ``root``.
    False for an index outside the batch or a path of another length than ⌈log2 n_leaves⌉."""
    if n_leaves < 1 or not 0 <= index < n_leaves or len(siblings) != depth(n_leaves):
        return False
    h = leaf_
    for i, s in enumerate(siblings):
        h = node(h, s) if (index >> i) & 1 == 0 else node(s, h)
    return h == root


__all__ = ["ZERO", "depth", "leaf", "leaves", "membership_proof", "node", "proof_results_root",
           "results_root", "sample_bytes", "sample_leaves", "tensor_values", "verify_member"]
