"""Shared harness for proof-step tests: step-level and model-level round trips.

Step level (one step of a Plan, the real step modules, fresh transcripts):
    prover_claims, verifier_claims = run_step(plan, i, ints, claim_point)
puts the claim Y~(claim_point) = true value on the step's output, runs the prover module's
``prove`` and the verifier module's ``verify`` over a ProverTranscript / VerifierTranscript, and
returns every claim each side routed (on tensors and on model constants) as RoutedClaim lists.
Public (input/output) claims are checked by the verifier's context against `ints` as usual.
For tamper suites use ``prove_step`` (proof bytes + the label and byte range of every message)
and ``verify_step`` (on any bytes, any claimed values, any plan).

Model level: ``prove_and_verify(graph, inputs)`` wraps an IntGraph in a CompiledModel and runs
setup / prove / verify with the raw (test) commitment.

Every function works over K = F_p^k for the k it is given (2 by default); a StepProof remembers
its k. ``raw_config(k)`` is the raw commitment's configuration over that K.

Build tiny graphs with ``spec``, ``node`` and ``graph``; plans with ``build_plan(graph, batch)``;
the witness (every plan tensor and constant) with ``witness_of(graph, plan, inputs)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.ir.graph import IntGraph, Node, TensorSpec
from tensorproof.ir.model import CompiledModel, InputQuant, OutputQuant
from tensorproof.poly.mle import as_ext, evaluate
from tensorproof.prover.context import ProverContext
from tensorproof.prover.layers import step_module as prover_step
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove, witness
from tensorproof.prover.vectors import const_arrays
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.claims import EvalClaim
from tensorproof.verifier.context import VerifierContext
from tensorproof.verifier.layers import step_module as verifier_step
from tensorproof.verifier.layout import padded_vector as padded
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.plan import Plan
from tensorproof.verifier.verify import verify

__all__ = [
    "DOMAIN", "Message", "RoutedClaim", "StepProof", "build_plan", "graph", "node",
    "prove_and_verify", "prove_step", "random_point", "run_step", "spec", "true_value",
    "verify_step", "witness_of", "assert_claims_true", "flip_byte", "RAW_CONFIG", "raw_config",
]

DOMAIN = b"tensorproof/test/step"
RAW_CONFIG = {"k": 2, "pcs": "raw"}


def raw_config(k: int = 2) -> dict:
    """The raw (test) commitment, which sends the table, with challenges in K = F_p^k."""
    return {"k": k, "pcs": "raw"}


# ---- tiny graphs ------------------------------------------------------------------------------


def spec(name: str, shape, lo: int = -128, hi: int = 127) -> TensorSpec:
    return TensorSpec(name, tuple(shape), int(lo), int(hi))


def node(op: str, inputs, output: str, consts=None, **attrs) -> Node:
    consts = {k: np.asarray(v, dtype=np.int64) for k, v in (consts or {}).items()}
    return Node(op, output, tuple(inputs), output, attrs, consts)


def graph(inputs, outputs, specs, nodes) -> IntGraph:
    return IntGraph(tuple(inputs), tuple(outputs), {s.name: s for s in specs}, list(nodes))


def witness_of(g: IntGraph, plan: Plan, inputs: dict) -> dict[str, np.ndarray]:
    """Every plan tensor (int64, batch first) and every model constant of `plan`."""
    return witness(plan, inputs, const_arrays(plan, g))


# ---- claims ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutedClaim:
    """A claim a step handed on: kind "tensor" (plan tensor) or "const" (model constant)."""

    kind: str
    name: str
    point: tuple
    value: tuple


def _norm(ext, point, value) -> tuple[tuple, tuple]:
    return tuple(as_ext(ext, c) for c in point), as_ext(ext, value)


class _Recorder:
    """Context mixin logging every routed claim before routing it as usual."""

    def claim(self, tensor, point, value, randomizer=()) -> None:
        self.log.append(RoutedClaim("tensor", tensor, *_norm(self.ext, point, value)))
        super().claim(tensor, point, value, randomizer)

    def const_claim(self, const, point, value, randomizer=()) -> None:
        self.log.append(RoutedClaim("const", const, *_norm(self.ext, point, value)))
        super().const_claim(const, point, value, randomizer)


class _ProverCtx(_Recorder, ProverContext):
    def __init__(self, *args):
        super().__init__(*args)
        self.log: list[RoutedClaim] = []


class _VerifierCtx(_Recorder, VerifierContext):
    def __init__(self, *args):
        super().__init__(*args)
        self.log: list[RoutedClaim] = []


def tables_of(plan: Plan, ints: dict) -> dict[str, np.ndarray]:
    """Padded F vectors of every plan tensor and constant present in `ints`."""
    layouts = {**{n: t.layout for n, t in plan.tensors.items()}, **plan.consts}
    return {n: padded(layouts[n], ints[n]) for n in layouts if n in ints}


def true_value(plan: Plan, ints: dict, name: str, point, k: int = 2) -> tuple:
    """T~(point) for plan tensor or constant `name`, from the witness."""
    table = tables_of(plan, {name: ints[name]})[name]
    return as_ext(ext_field(k), evaluate(vec_field(k), table, list(point)))


def assert_claims_true(plan: Plan, ints: dict, claims: list[RoutedClaim], k: int = 2) -> None:
    for c in claims:
        assert true_value(plan, ints, c.name, c.point, k) == c.value, f"false claim on {c.name}"


def random_point(n: int, seed: int = 0, k: int = 2) -> list[tuple]:
    rng = random.Random(seed)
    ext = ext_field(k)
    return [ext.random(rng) for _ in range(n)]


# ---- step-level round trips --------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    label: str
    start: int
    end: int


class _LoggingTranscript(ProverTranscript):
    """ProverTranscript remembering the label and byte range of every message."""

    def __init__(self, domain: bytes):
        super().__init__(domain)
        self.messages: list[Message] = []
        self._n = 0

    def send_bytes(self, label: str, data: bytes) -> None:
        data = bytes(data)
        self.messages.append(Message(label, self._n, self._n + len(data)))
        self._n += len(data)
        super().send_bytes(label, data)


@dataclass(frozen=True)
class StepProof:
    proof: bytes
    claims: list[RoutedClaim]
    messages: list[Message]
    output_claims: list[EvalClaim]
    k: int = 2
    """The degree of K, the field of the proof's challenges and claims."""

    def find(self, fragment: str) -> list[Message]:
        """Messages whose label contains `fragment`."""
        return [m for m in self.messages if fragment in m.label]


def _points(claim_point, more_points) -> list[list]:
    return [list(claim_point), *(list(p) for p in more_points)]


def prove_step(plan: Plan, i: int, ints: dict, claim_point, more_points=(), k: int = 2
               ) -> StepProof:
    """Prove step i of `plan` for the true claims at `claim_point` (and `more_points`)."""
    step = plan.steps[i]
    ext, vf = ext_field(k), vec_field(k)
    t = _LoggingTranscript(DOMAIN)
    ctx = _ProverCtx(t, ext, vf, plan, tables_of(plan, ints), ints)
    outputs = [EvalClaim(p, true_value(plan, ints, step.output, p, k))
               for p in _points(claim_point, more_points)]
    ctx.pending[step.output].extend(outputs)
    prover_step(step.op).prove(ctx, i, step)
    return StepProof(t.proof_bytes(), ctx.log, t.messages, outputs, k)


def verify_step(plan: Plan, i: int, ints: dict, output_claims: list[EvalClaim], proof: bytes,
                k: int = 2) -> list[RoutedClaim]:
    """Verify step i on `proof` for `output_claims`; public tensors are read from `ints`.
    Raises VerificationError / ProofFormatError; trailing bytes are rejected."""
    step = plan.steps[i]
    public = {n: padded(t.layout, ints[n]) for n, t in plan.tensors.items()
              if t.kind in ("input", "output") and n in ints}
    t = VerifierTranscript(DOMAIN, proof)
    ctx = _VerifierCtx(t, ext_field(k), plan, public)
    ctx.pending[step.output].extend(output_claims)
    verifier_step(step.op).verify(ctx, i, step)
    t.check_eof()
    return ctx.log


def run_step(plan: Plan, step_index: int, ints: dict, claim_point, more_points=(), k: int = 2
             ) -> tuple[list[RoutedClaim], list[RoutedClaim]]:
    """(prover's routed claims, verifier's routed claims) of an honest run of one step."""
    sp = prove_step(plan, step_index, ints, claim_point, more_points, k)
    return sp.claims, verify_step(plan, step_index, ints, sp.output_claims, sp.proof, k)


def flip_byte(proof: bytes, pos: int, mask: int = 0x01) -> bytes:
    b = bytearray(proof)
    b[pos] ^= mask
    return bytes(b)


# ---- model-level round trips -------------------------------------------------------------------


def compiled(g: IntGraph) -> CompiledModel:
    ins = tuple(InputQuant(n, g.tensors[n].shape, 1.0, 8, g.tensors[n].lo, g.tensors[n].hi)
                for n in g.inputs)
    outs = tuple(OutputQuant(n, n, g.tensors[n].shape, 1.0) for n in g.outputs)
    return CompiledModel(g, ins, outs)


def prove_and_verify(g: IntGraph, inputs: dict, config: dict | None = None):
    """setup → prove → verify with the raw commitment; returns (proof, verified outputs)."""
    pk = setup(compiled(g), dict(config or RAW_CONFIG))
    proof = prove(pk, inputs)
    return proof, verify(pk.vk, proof)
