"""The verifier's bookkeeping while it walks the plan backwards: where each claim goes.

A claim T~(z) = v lands according to T's visibility (plan.py):
  committed     (per proof or per model) collected under T's commitment group, opened once per
                group at the end (verifier/commitments.py);
  public        the verifier evaluates T~(z) itself and rejects on a mismatch;
  virtual       pending until the step that produced T reduces it (several are merged first).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..errors import PlanError, VerificationError
from ..field.scalar import ExtField
from ..field.vec import vec_field
from ..poly.mle import as_ext, evaluate
from . import evaluations
from .claims import EvalClaim
from .layers import step_module
from .merge import verify_merge
from .plan import ADVICE, Plan, Step
from .zk_finals import value_slot, verify_hiding_merge
from .zk_masks import MASKS, claim_value, round_point
from .zk_weights import hides


class ClaimBook:
    """Routing shared by the prover's and the verifier's contexts."""

    backend = "numba"
    """Vector backend of the public evaluations made here (the verifier's: numpy)."""

    def __init__(self, transcript, ext: ExtField, plan: Plan):
        if not plan.commitments:
            raise PlanError("the plan declares no commitment groups (Plan.declare_commitments)")
        self.t, self.ext, self.plan, self.k = transcript, ext, plan, ext.k
        self.pending: dict[str, list[EvalClaim]] = defaultdict(list)
        self.group_claims: dict[str, list[tuple[str, EvalClaim]]] = {
            g: [] for g in plan.commitments}
        """Claims on committed tensors, by commitment group, in the order they were made."""
        self.randomized: list[tuple[str, EvalClaim]] = []
        """Randomized claims on committed advice tensors, T~(point) + sum c psi = value
        (EvalClaim.randomizer), for the hiding opening (zk_opening.py)."""
        self.mask_claims: list[tuple[tuple, tuple]] = []
        """Claims on M alone, sum c psi = value: (value, ((c, slot), ..)) (a discharged
        randomizer, zk_finals.py; a randomized claim on a public tensor)."""
        self.round_claims: list[tuple[int, int, tuple, tuple]] = []
        """The masked sumchecks' claims on M, (slot, degree, r, gamma) (``claim_round``), for
        the hiding opening."""
        self._expected: dict = defaultdict(list)

    @property
    def hiding(self) -> bool:
        """A zero-knowledge plan with a hiding opening: its finals are randomized."""
        return self.plan.zk is not None and self.plan.zk.hiding is not None

    def claim_round(self, slot: int, degree: int, r, gamma) -> None:
        """A masked round's claim D M~(round_point(slot, degree, r)) = gamma (zk_masks.py):
        kept as is for the hiding opening, which weighs them in vectors (zk_opening.py);
        stated at its point on M otherwise."""
        if self.hiding:
            self.round_claims.append((slot, degree, r, gamma))
        else:
            self.claim(MASKS, round_point(self.ext, self.plan.zk.capacity, slot, degree, r),
                       claim_value(self.ext, gamma))

    def expect(self, tensor: str, slot: int, z) -> None:
        """The next claim on ``tensor`` states its randomized extension T~ + z psi, psi the
        value of M's value slot ``slot`` (zk_finals.py)."""
        self._expected[tensor].append((z, slot))

    def unclaimed_randomized(self) -> list:
        """Tensors a randomized sumcheck announced (``expect``) but no step claimed: a step
        module and its declared tables disagree (both sides run the same plan)."""
        return [t for t, q in self._expected.items() if q]

    def claim(self, tensor: str, point, value, randomizer: tuple = ()) -> None:
        """Record T~(point) = value for plan tensor `tensor`; with ``randomizer`` (or when a
        randomized sumcheck announced it: ``expect``) the randomized claim T~(point) +
        sum c psi = value (EvalClaim.randomizer). A randomized claim goes to the hiding
        opening (committed T), to M alone (public T: sum c psi = value - T~(point), which the
        verifier computes), or pending for T's producer (virtual T), which discharges it."""
        if self._expected.get(tensor):
            randomizer = (*randomizer, self._expected[tensor].pop(0))
        c = EvalClaim(list(point), tuple(value), tuple(randomizer))
        group = self.plan.group_of(tensor)
        public = group is None and self.plan.tensors[tensor].kind in ("input", "output")
        if randomizer and group is not None:
            if group != ADVICE and not hides(self.plan, tensor):
                raise PlanError(f"randomized claim on {tensor!r}, which is not in the advice")
            self.randomized.append((tensor, c))
        elif hides(self.plan, tensor):
            raise PlanError(f"plain claim on the private weight {tensor!r}: it would reveal "
                            "it (a step that uses it must randomize it)")
        elif randomizer and public:
            known = self.public_value(self.public_table(tensor), c.point)
            self.mask_claims.append((self.ext.sub(c.value, known), c.randomizer))
        elif group is not None:
            self.group_claims[group].append((tensor, c))
        elif public:
            self.check_public(tensor, c)
        else:
            self.pending[tensor].append(c)

    def const_claim(self, const: str, point, value, randomizer: tuple = ()) -> None:
        """Record c~(point) = value for model constant `const` (committed in its group); a
        hidden weight's (zk_weights.hides) claim is randomized (``claim``), or a PlanError."""
        if randomizer or self._expected.get(const) or hides(self.plan, const):
            self.claim(const, point, value, randomizer)
            return
        group = self.plan.group_of(const)
        if group is None:
            raise PlanError(f"constant {const!r} is in no commitment group")
        self.group_claims[group].append((const, EvalClaim(list(point), tuple(value))))

    def check_public(self, tensor: str, c: EvalClaim) -> None:
        """Public tensors: nothing to prove on the prover's side."""

    def public_table(self, tensor: str) -> np.ndarray:
        """A public tensor's padded F table."""
        raise NotImplementedError

    def claim_outputs(self, table_of) -> None:
        """A random point on each output that a claim-reducing step computes, pending for that
        step. A public output's value comes from its padded table (`table_of(name)`); a private
        one's is the prover's message "output <j> value", also claimed on its commitment
        (private.py); in a plan with randomized finals that value is randomized by a value
        slot of its own (zk_finals.py), which the producer then discharges."""
        producers = {s.output: s for s in self.plan.steps}
        for j, name in enumerate(self.plan.outputs):
            step = producers.get(name)
            if step is None or not step_module(step.op).REDUCES_CLAIMS:
                continue
            z = self.challenge_point(f"output {j}", self.plan.tensors[name].layout.n_vars)
            if self.plan.group_of(name) is None:
                value = self.public_value(table_of(name), z)
                self.pending[name].append(EvalClaim(list(z), value))
                continue
            label = f"output {j} value"
            randomizer = value_slot(self.t.masks, self.ext, label) if self.hiding else ()
            value = self.committed_value(label, name, z, randomizer)
            self.claim(name, z, value, randomizer)
            self.pending[name].append(EvalClaim(list(z), value, randomizer))

    def committed_value(self, label: str, tensor: str, point, randomizer: tuple = ()) -> tuple:
        """T~(point) (+ sum c psi: ``randomizer``) of a committed tensor: sent by the prover
        (its side computes it)."""
        raise NotImplementedError

    def public_value(self, table: np.ndarray, point) -> tuple:
        """T~(point) of a public F table, in K."""
        return as_ext(self.ext, evaluate(vec_field(1, self.backend), table, point))

    @staticmethod
    def label(step_index: int, step: Step, what: str) -> str:
        return f"{step_index}:{step.op}:{what}"

    def challenge_point(self, label: str, n: int) -> list:
        return [tuple(x) for x in self.t.challenges_k(label, n, self.k)] if n else []


class VerifierContext(ClaimBook):
    """Claim routing on the verifier's side; public tensors are padded F vectors."""

    backend = evaluations.BACKEND

    def __init__(self, transcript, ext: ExtField, plan: Plan, public: dict[str, np.ndarray]):
        super().__init__(transcript, ext, plan)
        self.public = public

    def public_value(self, table: np.ndarray, point) -> tuple:
        """T~(point) through the evaluations seam (evaluations.py)."""
        return evaluations.evaluate(self.k, table, point)

    def check_public(self, tensor: str, c: EvalClaim) -> None:
        expected = self.public_value(self.public[tensor], c.point)
        if not self.ext.eq(expected, c.value):
            raise VerificationError(f"claim on public tensor {tensor!r} does not match its values")

    def committed_value(self, label: str, tensor: str, point, randomizer: tuple = ()) -> tuple:
        return self.recv(label)[0]

    def public_table(self, tensor: str) -> np.ndarray:
        return self.public[tensor]

    def recv(self, label: str, n: int = 1) -> list:
        return [tuple(x) for x in self.t.recv_k(label, n, self.k)]

    def take(self, tensor: str, label: str) -> EvalClaim | None:
        """All pending claims on `tensor` merged into one (None if nothing was claimed)."""
        claims = self.pending.pop(tensor, [])
        if not claims:
            return None
        if self.hiding and len(claims) > 1:
            return verify_hiding_merge(self, tensor, claims, label)
        n = self.plan.tensors[tensor].layout.n_vars
        return verify_merge(self.t, self.ext, n, claims, label)
