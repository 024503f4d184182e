"""The circuit data: everything the generic EVM verifier (``contracts/ModelVerifier.sol``) needs
about one model at one batch size, as one byte string, and the statement and calldata of a proof.

The Python verifier derives the plan from the verifying key's graph (``verifier/lowering.py``);
a contract cannot, so the plan is encoded here, off chain, deterministically from the key and
the batch size, and the contract reads it as data. Registering it (``Registry.sol``) names it
by ``circuit_id`` = keccak256 of the bytes, which holds the model id and the batch: a consumer
pins the circuit id it computed itself with ``tensorproof evm export`` from the key it trusts.

Layout (big-endian; ids are u16 indices into the tensor table; K constants are packed words of
``abi.pack_k``; F constants are u64 < p):

    header    "TPCIRC01" | model id (32) | u32 batch | u8 k | u16 protocol version | key hash
              (32: VerifyingKey.key_hash, model id = keccak256(u16 version ‖ model commitment ‖
              key hash)) | u16 len | WHIR params bytes
    tensors   u16 n | n records of 8 bytes: u8 kind (0 virtual, 1 public, 2 committed)
              | u8 n_vars | u16 aux (public: statement index; committed: group) | u32 block
              (committed: the slot's offset >> n_vars in its group's packed vector)
    statement u16 n | per public tensor, in absorb order (inputs, then outputs, each sorted by
              name): u8 what (0 input, 1 output) | u16 tensor id | u16 len | name (UTF-8)
              | u8 rank | u32 dims | u64 lo | u64 hi (two's complement int64)
              | u16 n_pass | (u16 input index, u16 output index) pairs that must be equal
    groups    u8 n | per group: u16 len | name (ASCII) | u8 per_proof | u8 n_vars (packed)
              | u16 len | commitment bytes (per model: the key's, which the contract checks
              against the model id; per proof: empty) | u16 commitment size (per proof)
    opening   u16 n_words | u32 words of ``whir.batch_config_words`` for every non-empty group
              | per group: u16 n_words | u32 words of ``whir.config_words``
    lookups   u16 n_uses | (n_uses > 0:) u16 multiplicities id | u8 witness vars | per use:
              u16 tag | u8 n_columns | u16 column ids | u8 slot n_vars | u32 slot block | u8 rank
              | u32 dims (the column's layout, for the real-entry indicator) | u8 table vars
              | u8 n_committed | 3 columns (tag, first, second), each either committed with
              the weights (``lookups.committed_columns``): u32 0xFFFFFFFF | u16 tensor id (its
              value is the next of the n_committed K values of "lookup/table/columns", a claim
              on that model constant), or u32 n_segments | (u32 start, u32 length, u64 a,
              u64 b) each: value(x) = a + b (x − start) mod p on [start, start + length)
    outputs   u8 n | (u16 j, u16 tensor id): a random point on output j ("output {j}")
    steps     u16 n | per step, forward order: u8 len | op (ASCII) | u16 output | u8 n_in
              | u16 inputs | u8 n_const | u16 consts | u32 len | attributes (per op,
              ``solidity/steps``)

The statement (``statement_bytes``) is every public tensor's int64 values, big-endian,
row-major, in the statement order above; the contract rebuilds the absorbed records from it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

from ..errors import ProofFormatError, UnsupportedOpError
from ..field.params import P
from ..transcript import keccak256
from ..verifier.keys import PROTOCOL_VERSION, VerifyingKey
from ..verifier.layers import step_module
from ..verifier.lookups import (
    MULT,
    column_segments,
    combined_table,
    committed_columns,
    table_column,
    tag_of,
    use_packing,
)
from ..verifier.lowering import build_plan
from ..verifier.pcs.whir_params import WhirParams
from ..verifier.pcs_config import commitment_bytes
from ..verifier.plan import PER_PROOF, Plan
from ..verifier.proof import Proof
from .abi import encode_call
from .steps import encode_step
from .whir import batch_config_words, config_words

MAGIC = b"TPCIRC01"
VIRTUAL, PUBLIC, COMMITTED = 0, 1, 2
COMMITTED_COLUMN = 0xFFFFFFFF
"""In the lookups section, a table column committed with the weights instead of segments."""
VERIFY_CIRCUIT = ("verifyCircuit", ("bytes", "bytes", "bytes"))
VERIFIER_PARTS = ("WhirOpeningVerifier", "LookupsExecutor", "StepsA", "StepsB", "StepsC")
"""The contracts ModelVerifier's constructor takes, in order (deployed before it)."""


class Writer:
    """Big-endian fields appended to one byte string."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def u8(self, x: int) -> None:
        self.parts.append(struct.pack(">B", x))

    def u16(self, x: int) -> None:
        self.parts.append(struct.pack(">H", x))

    def u32(self, x: int) -> None:
        self.parts.append(struct.pack(">I", x))

    def u64(self, x: int) -> None:
        self.parts.append(struct.pack(">Q", x % (1 << 64)))

    def f(self, x: int) -> None:
        """A field element (any int, reduced mod p)."""
        self.u64(int(x) % P)

    def raw(self, b: bytes) -> None:
        self.parts.append(bytes(b))

    def blob16(self, b: bytes) -> None:
        self.u16(len(b))
        self.raw(b)

    def bytes(self) -> bytes:
        return b"".join(self.parts)


class TensorIds:
    """u16 ids of the plan's tensors and constants (and the lookup multiplicities)."""

    def __init__(self, plan: Plan) -> None:
        names = list(plan.tensors) + [c for c in plan.consts if c not in plan.tensors]
        if len(names) >= 1 << 16:
            raise UnsupportedOpError(f"the plan has {len(names)} tensors: over the EVM "
                                     "verifier's 65,535")
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}

    def __getitem__(self, name) -> int:
        return self.index[name]


def statement_order(plan: Plan) -> list[tuple[int, str]]:
    """(0 input / 1 output, name) in the order ``verify.absorb_statement`` absorbs them."""
    return ([(0, n) for n in sorted(plan.inputs)] + [(1, n) for n in sorted(plan.outputs)])


def _whir_params(vk: VerifyingKey) -> WhirParams:
    from ..verifier.pcs_config import pcs_verifier

    inner = pcs_verifier(vk.config).inner
    params = getattr(inner, "params", None)
    if not isinstance(params, WhirParams):
        raise UnsupportedOpError("the EVM verifier checks WHIR openings: compile with the "
                                 "compact profile (--profile compact)")
    return params


def encode_circuit(vk: VerifyingKey, batch: int) -> bytes:
    """The circuit data of ``vk``'s model at batch size ``batch`` (the module docstring)."""
    if vk.k != 3:
        raise UnsupportedOpError("the EVM verifier works over K = F_p^3: compile with the "
                                 "compact profile (--profile compact)")
    params = _whir_params(vk)
    if vk.graph.visibility:
        raise UnsupportedOpError(
            f"the EVM verifier checks models whose inputs and outputs are all public; this one "
            f"keeps {sorted(vk.graph.visibility)} out of its statement (private or hashed): "
            "verify its proofs in Python")
    if vk.masked:
        raise UnsupportedOpError("the EVM verifier does not check masked (zero-knowledge) "
                                 "proofs yet: verify them in Python")
    plan = build_plan(vk.graph, batch)
    ids = TensorIds(plan)
    w = Writer()
    w.raw(MAGIC)
    w.raw(vk.model_id)
    w.u32(batch)
    w.u8(vk.k)
    w.u16(PROTOCOL_VERSION)
    w.raw(vk.key_hash)
    w.blob16(params.to_bytes())
    order = statement_order(plan)
    stmt_index: dict = {}
    for j, (_, name) in enumerate(order):  # an input passed through keeps its input's index
        stmt_index.setdefault(name, j)
    _tensors(w, plan, ids, stmt_index)
    _statement(w, plan, ids, order)
    groups = list(plan.commitments.values())
    w.u8(len(groups))
    for g in groups:
        per_proof = g.visibility == PER_PROOF
        w.blob16(g.name.encode("ascii"))
        w.u8(int(per_proof))
        w.u8(g.packing.n_vars)
        w.blob16(b"" if per_proof else vk.commitments[g.name])
        w.u16(commitment_bytes(vk.config) if per_proof and g.packing.slots else 0)
    sizes = [g.packing.n_vars for g in groups if g.packing.slots]
    words = batch_config_words(params, sizes) if len(sizes) > 1 else []
    _words(w, words)
    for g in groups:
        _words(w, config_words(params, g.packing.n_vars) if g.packing.slots else [])
    _lookups(w, plan, ids)
    _outputs(w, plan, ids)
    w.u16(len(plan.steps))
    for step in plan.steps:
        op = step.op.encode("ascii")
        w.u8(len(op))
        w.raw(op)
        w.u16(ids[step.output])
        w.u8(len(step.inputs))
        for n in step.inputs:
            w.u16(ids[n])
        w.u8(len(step.consts))
        for n in step.consts:
            w.u16(ids[n])
        attrs = encode_step(plan, step, ids)
        w.u32(len(attrs))
        w.raw(attrs)
    return w.bytes()


def _words(w: Writer, words: Sequence[int]) -> None:
    w.u16(len(words))
    for x in words:
        w.u32(int(x))


def _tensors(w: Writer, plan: Plan, ids: TensorIds, stmt_index: dict) -> None:
    w.u16(len(ids.names))
    for name in ids.names:
        layout = plan.tensors[name].layout if name in plan.tensors else plan.consts[name]
        group = plan.group_of(name)
        if group is not None:
            g = plan.commitments[group]
            slot = g.packing.slot(name)
            w.u8(COMMITTED)
            w.u8(layout.n_vars)
            w.u16(list(plan.commitments).index(group))
            w.u32(slot.offset >> slot.n_vars)
        elif name in stmt_index:
            w.u8(PUBLIC)
            w.u8(layout.n_vars)
            w.u16(stmt_index[name])
            w.u32(0)
        else:
            w.u8(VIRTUAL)
            w.u8(layout.n_vars)
            w.u16(0)
            w.u32(0)


def _statement(w: Writer, plan: Plan, ids: TensorIds, order) -> None:
    w.u16(len(order))
    for what, name in order:
        t = plan.tensors[name]
        w.u8(what)
        w.u16(ids[name])
        w.blob16(name.encode("utf-8"))
        w.u8(len(t.layout.shape))
        for d in t.layout.shape:
            w.u32(d)
        w.u64(t.lo)
        w.u64(t.hi)
    index = {(what, name): j for j, (what, name) in enumerate(order)}
    both = sorted(set(plan.inputs) & set(plan.outputs))
    w.u16(len(both))
    for name in both:
        w.u16(index[(0, name)])
        w.u16(index[(1, name)])


def _lookups(w: Writer, plan: Plan, ids: TensorIds) -> None:
    uses = plan.lookup_uses
    w.u16(len(uses))
    if not uses:
        return
    packing = use_packing(plan, uses)
    tags = tag_of(uses)
    w.u16(ids[MULT])
    w.u8(packing.n_vars)
    for j, use in enumerate(uses):
        slot = packing.slot(str(j))
        w.u16(tags[use.table.key])
        w.u8(len(use.columns))
        for c in use.columns:
            w.u16(ids[c])
        w.u8(slot.n_vars)
        w.u32(slot.offset >> slot.n_vars)
        layout = plan.tensors[use.columns[0]].layout
        w.u8(len(layout.shape))
        for d in layout.shape:
            w.u32(d)
    cols = combined_table(uses)
    w.u8(max(len(cols[0]) - 1, 0).bit_length())
    committed = committed_columns(uses)
    w.u8(len(committed))
    found = column_segments(uses)
    for c in range(len(cols)):
        if c in committed:
            w.u32(COMMITTED_COLUMN)
            w.u16(ids[table_column(c)])
            continue
        segs = found[c]
        w.u32(len(segs))
        for start, length, a, b in segs:
            w.u32(start)
            w.u32(length)
            w.f(a)
            w.f(b)


def _outputs(w: Writer, plan: Plan, ids: TensorIds) -> None:
    producers = {s.output: s for s in plan.steps}
    pairs = []
    for j, name in enumerate(plan.outputs):
        step = producers.get(name)
        if step is not None and step_module(step.op).REDUCES_CLAIMS:
            pairs.append((j, ids[name]))
    w.u8(len(pairs))
    for j, tid in pairs:
        w.u16(j)
        w.u16(tid)


def statement_bytes(vk: VerifyingKey, proof: Proof) -> bytes:
    """The public inputs and outputs of ``proof`` as the contract reads them (the module
    docstring): int64 big-endian, row-major, in the statement order."""
    if proof.digests:
        raise ProofFormatError(f"the proof states the digests of {sorted(proof.digests)}: the "
                               "EVM statement carries public inputs and outputs only")
    plan = build_plan(vk.graph, proof.batch)
    parts = []
    for what, name in statement_order(plan):
        arr = (proof.inputs if what == 0 else proof.outputs)[name]
        parts.append(np.asarray(arr, dtype=np.int64).astype(">i8").tobytes())
    return b"".join(parts)


def circuit_id(circuit: bytes) -> bytes:
    """The registered name of a circuit: keccak256 of its bytes."""
    return keccak256(circuit)


def verify_calldata(circuit: bytes, statement: bytes, stream: bytes) -> bytes:
    """Calldata of ``ModelVerifier.verifyCircuit(circuit, statement, proof)``; ``stream`` is the
    proof's transcript messages (``Proof.stream``)."""
    name, types = VERIFY_CIRCUIT
    return encode_call(name, types, [circuit, statement, stream])


__all__ = ["MAGIC", "VERIFIER_PARTS", "circuit_id", "encode_circuit", "statement_bytes",
           "verify_calldata"]
