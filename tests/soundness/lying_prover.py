"""A lying prover for the model-level tamper suites (requant, lookup, max_reduce, div_round,
adversarial names): the real prove driver, run on a witness (or padded tables) the test changed,
with multiplicities counting only the rows that are in their tables, as a cheater would. The
proof it makes is then tampered with (``bump``) or verified as is; ``rejects`` expects the
verifier to refuse it.

conftest.py's ``lying`` fixture binds it to a profile's K (raw commitment).
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import pytest

from protocol.step_harness import Message, compiled, raw_config
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.encoding import F_BYTES, k_bytes
from tensorproof.field.params import P
from tensorproof.field.vec import to_signed
from tensorproof.prover import prove as prove_mod
from tensorproof.prover.layers import step_module
from tensorproof.prover.lookups import witness_columns
from tensorproof.prover.model import setup
from tensorproof.transcript import ProverTranscript
from tensorproof.verifier.lookups import MULT as MULT_TENSOR
from tensorproof.verifier.lookups import combined_table
from tensorproof.verifier.verify import verify

LOOKUP_MISS = "not in its table"
"""The combined LogUp's message when some looked-up row is missing from its table."""


class _Recording(ProverTranscript):
    """ProverTranscript remembering every message's label and byte range (the last one made)."""

    last: _Recording | None = None

    def __init__(self, domain: bytes):
        super().__init__(domain)
        self.messages: list[Message] = []
        self._n = 0
        _Recording.last = self

    def send_bytes(self, label: str, data: bytes) -> None:
        self.messages.append(Message(label, self._n, self._n + len(data)))
        self._n += len(data)
        super().send_bytes(label, data)


@dataclass(frozen=True)
class Lie:
    vk: object
    proof: object
    messages: list[Message]

    def find(self, fragment: str) -> list[Message]:
        found = [m for m in self.messages if fragment in m.label]
        assert found, f"no message labelled *{fragment}*"
        return found


def _row_keys(cols) -> np.ndarray:
    return np.ascontiguousarray(np.stack(cols, axis=1)).view(np.dtype((np.void, 24))).ravel()


def loose_multiplicities(plan, tables) -> dict[str, np.ndarray]:
    """Multiplicities of the rows that are in their tables; the others are left out (a cheater
    cannot count them anywhere)."""
    if not plan.lookup_uses:
        return {}
    *cols, selector = witness_columns(plan, tables, plan.lookup_uses)
    rows = _row_keys([to_signed(c)[selector.astype(bool)] for c in cols])
    table = _row_keys(combined_table(plan.lookup_uses))
    uniq, first = np.unique(table, return_index=True)
    pos = np.searchsorted(uniq, rows).clip(0, len(uniq) - 1)
    found = uniq[pos] == rows
    size = plan.tensors[MULT_TENSOR].layout.size  # a zero-knowledge plan reserves a row more
    return {MULT_TENSOR: np.bincount(first[pos[found]], minlength=size).astype(np.int64)}


_KEYS: OrderedDict[bytes, object] = OrderedDict()
"""Proving keys of the lies, by (graph, configuration): a key serves any number of proofs,
and its setup (the commitment, the weight certificate's proof) is most of a small lie's
cost. Setup reads nothing that a lie patches (the certificate has its own transcript,
witness and multiplicities)."""


def _key(g, config: dict):
    """setup(compiled(g), config), from _KEYS when made before (not with private weights:
    each proof spends one of the key's blocks)."""
    if config.get("private_weights"):
        return setup(compiled(g), config)
    fingerprint = hashlib.sha256(pickle.dumps((g, sorted(config.items(), key=str)))).digest()
    if fingerprint not in _KEYS:
        _KEYS[fingerprint] = setup(compiled(g), config)
        if len(_KEYS) > 64:
            _KEYS.popitem(last=False)
    _KEYS.move_to_end(fingerprint)
    return _KEYS[fingerprint]


def lying_proof(monkeypatch, g, inputs, ints_fn=None, tables_fn=None, config=None) -> Lie:
    """Prove with the real driver after ints_fn(plan, ints) changed the witness and
    tables_fn(plan, tables) the padded tables (both in place; tables_fn must be idempotent).
    ``config``: the proof configuration (default: the raw commitment, k = 2)."""
    real_witness, real_padded = prove_mod.witness, prove_mod._padded_all

    def padded_all(plan, ints):
        tables = real_padded(plan, ints)
        if tables_fn:
            tables_fn(plan, tables)
        return tables

    def witness(plan, inputs_, consts):
        ints = real_witness(plan, inputs_, consts)
        if ints_fn:
            ints_fn(plan, ints)
        ints.update(loose_multiplicities(plan, padded_all(plan, ints)))
        return ints

    monkeypatch.setattr(prove_mod, "witness", witness)
    monkeypatch.setattr(prove_mod, "_padded_all", padded_all)
    monkeypatch.setattr(prove_mod, "multiplicities", lambda plan, t, uses: {})
    monkeypatch.setattr(prove_mod, "ProverTranscript", _Recording)
    pk = _key(g, dict(config or raw_config()))
    proof = prove_mod.prove(pk, inputs)
    return Lie(pk.vk, proof, _Recording.last.messages)


def bump(lie: Lie, message: Message, element: int = 0):
    """The proof with K element `element` of `message` plus 1 (in its first coefficient: still
    canonical)."""
    stream = bytearray(lie.proof.stream)
    pos = message.start + k_bytes(lie.proof.k) * element
    assert pos + F_BYTES <= message.end
    v = (int.from_bytes(stream[pos:pos + F_BYTES], "big") + 1) % P
    stream[pos:pos + F_BYTES] = v.to_bytes(F_BYTES, "big")
    return replace(lie.proof, stream=bytes(stream))


def rejects(vk, proof, match: str | None = None) -> None:
    with pytest.raises((VerificationError, ProofFormatError), match=match):
        verify(vk, proof)


def rejects_bumped_ends(lie: Lie, fragment: str) -> None:
    """The first and the last message labelled *fragment*, each bumped (``bump``), are
    rejected."""
    found = lie.find(fragment)
    for message in (found[0], found[-1]):
        rejects(lie.vk, bump(lie, message))


def refit_from(plan, ints: dict, j: int) -> None:
    """After step j's output was changed in ints (in place): its advice refitted to the lie and
    every later step recomputed from it, so that only the lied-about relation can catch it."""
    for later in plan.steps[j:]:
        m = step_module(later.op)
        if later is not plan.steps[j]:
            ints[later.output] = m.forward(later, plan, ints)
        if hasattr(m, "advice_values"):
            ints.update(m.advice_values(later, plan, ints))


def in_range_lie(j: int):
    """An ints_fn: step j's output moved by one in its first entry, within the tensor's declared
    range (a flipped bit for a 0/1 tensor), then refitted downstream (``refit_from``)."""
    def ints_fn(plan, ints):
        step = plan.steps[j]
        flat = ints[step.output] = ints[step.output].copy()
        flat = flat.reshape(-1)
        tp = plan.tensors[step.output]
        flat[0] = flat[0] + 1 if flat[0] + 1 <= tp.hi or tp.lo == tp.hi else flat[0] - 1
        refit_from(plan, ints, j)
    return ints_fn


def honest_matches_reference(lying, cm, ints) -> None:
    """The lying harness without a lie: the proof verifies with the reference outputs."""
    from tensorproof.quant.executor import execute

    lie = lying(cm.graph, ints)
    out = verify(lie.vk, lie.proof)
    ref = execute(cm.graph, ints)
    for o in cm.graph.outputs:
        assert np.array_equal(out[o], ref[o]), o


def lie_at_rejected(lying, cm, ints, where: str) -> None:
    """An in-range lie at the plan's first, middle or last step is rejected."""
    def pick(plan, ints_):
        n = len(plan.steps)
        in_range_lie({"first": 0, "middle": n // 2, "last": n - 1}[where])(plan, ints_)
    lie = lying(cm.graph, ints, pick)
    rejects(lie.vk, lie.proof)


def forged_output_rejected(lying, cm, ints) -> None:
    """The last entry of the last public output moved by one, nothing else: rejected."""
    name = cm.graph.outputs[-1]

    def ints_fn(plan, ints_):
        y = ints_[name] = ints_[name].copy()
        y.reshape(-1)[-1] += 1
    lie = lying(cm.graph, ints, ints_fn)
    rejects(lie.vk, lie.proof)
