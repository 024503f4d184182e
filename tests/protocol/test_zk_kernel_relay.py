"""The masked sumcheck's rounds inside the fused kernel (``MaskedTranscript.kernel_plan``,
``Shifted.kernel_plan``, ``sumcheck_kernels._relay``): byte for byte what the relay sends round by
round through Python, for the plain masked sumcheck, a discharge (whose rounds go through
``Shifted`` first), tables large enough that the generic engine hands over mid-way, and a
whole masked model proof; and a relay plan that is off by anything gives a proof the verifier
rejects."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from protocol.test_zk_discharge import DEGREE as D_DEGREE
from protocol.test_zk_discharge import DOMAIN as D_DOMAIN
from protocol.test_zk_discharge import LABEL as D_LABEL
from protocol.test_zk_discharge import TERMS as D_TERMS
from protocol.test_zk_discharge import check as check_discharge
from protocol.test_zk_discharge import instance as discharge_instance
from protocol.test_zk_discharge import mask_layout as discharge_layout
from protocol.test_zk_discharge import stated_value
from protocol.test_zk_sumcheck import DOMAIN, LABEL, layout_of, make_instance, true_finals, verify
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.field.params import P
from tensorproof.field.sampling import Randomness
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.sumcheck_fused import FUSED_MAX_ENTRIES
from tensorproof.prover.zk_discharge import prove_discharge
from tensorproof.prover.zk_sumcheck import (
    HashMaskCommitter,
    Mask,
    MaskedTranscript,
    Shifted,
    prove_zk_sumcheck,
    sample_mask,
)
from tensorproof.transcript import ProverTranscript

REJECTED = (VerificationError, ProofFormatError)


class Seeded(Randomness):
    """TEST ONLY: a deterministic byte source, so that two provers draw the same secrets."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def read(self, n: int) -> bytes:
        return self.rng.bytes(n)


@pytest.fixture
def plans(monkeypatch):
    """Counts the kernel plans the relays hand out (those not refused)."""
    made = []
    original = MaskedTranscript.kernel_plan

    def counting(self, *args):
        plan = original(self, *args)
        if plan is not None:
            made.append(plan)
        return plan

    monkeypatch.setattr(MaskedTranscript, "kernel_plan", counting)
    return made


def per_round(monkeypatch):
    """Refuse every kernel plan: the relay then sends each round through Python."""
    monkeypatch.setattr(MaskedTranscript, "kernel_plan", lambda self, *args: None)


def copy(mask: Mask) -> Mask:
    return Mask(mask.layout, mask.coeffs)  # a mask serves one sumcheck: a fresh object


def masked_proof(k, tables, terms, degree, z, Rs, mask, seed):
    pt, committer = ProverTranscript(DOMAIN), HashMaskCommitter(Seeded(seed))
    out = prove_zk_sumcheck(pt, vec_field(k), tables, terms, degree, LABEL, copy(mask), committer,
                            eq_point=z, randomizers=Rs)
    return pt.proof_bytes(), out, committer


CASES = [(k, n, degree, randomize, eq)
         for k in (2, 3) for n in (1, 2, 5, 11) for degree in (1, 2, 3, 4)
         for randomize in (False, True) for eq in (False, True) if degree > eq]


@pytest.mark.parametrize("k, n, degree, randomize, eq", CASES)
def test_masked_rounds_in_the_kernel_send_the_relays_bytes(k, n, degree, randomize, eq, plans,
                                                            monkeypatch):
    tables, terms, z, Rs, claim = make_instance(k, n, degree, randomize, eq, 7 * n + degree)
    mask = sample_mask(layout_of(k, n, degree, terms, Rs))
    fast, out, committer = masked_proof(k, tables, terms, degree, z, Rs, mask, 1)
    # the engine's rounds (all but a randomized last one) ran in the kernel, from round 0 or,
    # past FUSED_MAX_ENTRIES, after the generic engine's first rounds
    engine_rounds = n - 1 if randomize else n
    assert bool(plans) == (engine_rounds > 0)
    if len(tables[0]) >> randomize > FUSED_MAX_ENTRIES:  # the engine's tables (halves)
        assert plans and all(p.labels[0] != f"{LABEL}/round0" for p in plans)
    verify(k, fast, claim, terms, layout_of(k, n, degree, terms, Rs), z, out.finals, committer,
           tables, Rs)
    per_round(monkeypatch)
    slow, out_slow, _ = masked_proof(k, tables, terms, degree, z, Rs, mask, 1)
    assert fast == slow
    assert (out.point, out.finals, out.gammas) == (out_slow.point, out_slow.finals,
                                                   out_slow.gammas)


@pytest.mark.parametrize("k, n, randomize_next", [(2, 1, False), (2, 4, True), (3, 3, False),
                                                  (3, 6, True), (2, 11, False)])
def test_discharge_rounds_in_the_kernel_send_the_relays_bytes(k, n, randomize_next, plans,
                                                              monkeypatch):
    """A discharge's engine rounds pass through ``Shifted`` (v -> v/2 + shift) before the mask:
    the kernel's plan composes both."""
    ext = ext_field(k)
    f, z, R, Rs = discharge_instance(k, n, 3 * n + k, randomize_next)
    lay = discharge_layout(k, n, Rs)
    mask = sample_mask(lay)

    def run():
        t, committer = ProverTranscript(D_DOMAIN), HashMaskCommitter(Seeded(2))
        proof, psi = prove_discharge(t, vec_field(k), [f], D_TERMS, D_DEGREE, D_LABEL,
                                     copy(mask), committer, z, R, eq_point=z, randomizers=Rs)
        return t.proof_bytes(), proof, psi, committer

    fast, proof, psi, committer = run()
    # engine round j is the discharge's round j + 1 (round 0 is w's), from j = 0 unless the
    # generic engine ran the first rounds
    assert plans and plans[0].labels[0] == f"{D_LABEL}/round{1 + (n > 10)}"
    check_discharge(k, fast, stated_value(ext, f, z, R), z, lay, committer, proof.finals, R)
    per_round(monkeypatch)
    slow, proof_slow, psi_slow, _ = run()
    assert fast == slow and psi == psi_slow and proof.gammas == proof_slow.gammas


def _bump(x):
    return (int(x) + 1) % P


BUMPS = {
    "rho": lambda plan: replace(plan, rho=(_bump(plan.rho[0]), *plan.rho[1:])),
    "prefix": lambda plan: replace(plan, prefix=(_bump(plan.prefix[0]), *plan.prefix[1:])),
    "scale": lambda plan: replace(plan, scale=2),
    "first": lambda plan: replace(plan, first=plan.first + 1),
    "coeff of this round": lambda plan: _coeff(plan, plan.first, 1),
    "coeff of a later round": lambda plan: _coeff(plan, plan.first + 1, 0),
    "coeff of the last round": lambda plan: _coeff(plan, len(plan.coeffs) - 1, 0),
}


def _coeff(plan, row, e):
    coeffs = plan.coeffs.copy()
    coeffs[row, e, 0] = _bump(coeffs[row, e, 0])
    return replace(plan, coeffs=coeffs)


@pytest.mark.parametrize("part", sorted(BUMPS))
def test_a_relay_plan_off_by_anything_is_rejected(part, monkeypatch):
    """Each part of the plan matters: one value bumped and the proof fails (the round
    messages, the gammas, or the mask claims stop matching). The last round (randomized, sent
    by Python) enters the kernel's rounds through B_i alone."""
    k, n, degree = 3, 5, 3
    tables, terms, z, Rs, claim = make_instance(k, n, degree, True, True, 11)
    mask = sample_mask(layout_of(k, n, degree, terms, Rs))
    original = MaskedTranscript.kernel_plan

    def bumped(self, *args):
        plan = original(self, *args)
        return None if plan is None else BUMPS[part](plan)

    monkeypatch.setattr(MaskedTranscript, "kernel_plan", bumped)
    proof, out, committer = masked_proof(k, tables, terms, degree, z, Rs, mask, 3)
    with pytest.raises(REJECTED):
        verify(k, proof, claim, terms, layout_of(k, n, degree, terms, Rs), z,
               true_finals(ext_field(k), vec_field(k), tables, out.point, Rs), committer, tables,
               Rs)


@pytest.mark.parametrize("part", ["shift", "shift_exp"])
def test_a_discharge_plan_with_another_shift_is_rejected(part, monkeypatch):
    k, n = 3, 4
    ext = ext_field(k)
    f, z, R, Rs = discharge_instance(k, n, 8, False)
    lay = discharge_layout(k, n, Rs)
    original = Shifted.kernel_plan

    def bumped(self, *args):
        plan = original(self, *args)
        if plan is None:
            return None
        if part == "shift":
            return replace(plan, shift=(_bump(plan.shift[0]), *plan.shift[1:]))
        return replace(plan, shift_exp=plan.shift_exp + 1)

    monkeypatch.setattr(Shifted, "kernel_plan", bumped)
    t, committer = ProverTranscript(D_DOMAIN), HashMaskCommitter()
    proof, _ = prove_discharge(t, vec_field(k), [f], D_TERMS, D_DEGREE, D_LABEL, sample_mask(lay),
                               committer, z, R, eq_point=z, randomizers=Rs)
    with pytest.raises(REJECTED):
        check_discharge(k, t.proof_bytes(), stated_value(ext, f, z, R), z, lay, committer,
                        proof.finals, R)


def test_a_watching_transcript_gets_every_round(plans):
    """A subclass of ProverTranscript (tests' fixed challenges, a view recorder) is never
    bypassed: the relay refuses the kernel plan and every round reaches its send_k."""
    k, n, degree = 2, 6, 2
    tables, terms, z, Rs, _ = make_instance(k, n, degree, False, False, 5)

    class Watching(ProverTranscript):
        def __init__(self, domain):
            super().__init__(domain)
            self.labels = []

        def send_k(self, label, xs, k):
            self.labels.append(label)
            super().send_k(label, xs, k)

    t = Watching(DOMAIN)
    prove_zk_sumcheck(t, vec_field(k), tables, terms, degree, LABEL,
                      sample_mask(layout_of(k, n, degree, terms, Rs)), HashMaskCommitter())
    assert not plans
    assert [x for x in t.labels if "/round" in x] == [f"{LABEL}/round{i}" for i in range(n)]


def test_a_whole_masked_proof_is_the_same_with_the_kernel(plans, monkeypatch):
    """A masked model proof (fast profile, private input, every masked sumcheck through the
    kernel) has the bytes of the round-by-round relay's, given the same secret randomness."""
    from protocol.step_harness import compiled
    from soundness.test_zk_virtual_claims import FAST_ZK, mixer
    from tensorproof.field import sampling
    from tensorproof.prover.model import setup
    from tensorproof.prover.prove import prove
    from tensorproof.verifier.verify import verify as verify_model

    pk = setup(compiled(mixer()), FAST_ZK, certify=False)
    x = np.random.default_rng(4).integers(-8, 8, (1, 3, 4))

    def proof_bytes():
        rng = np.random.default_rng(9)
        with monkeypatch.context() as m:
            m.setattr(sampling.Randomness, "read", lambda self, n: rng.bytes(n))
            return prove(pk, {"x": x})

    fast = proof_bytes()
    assert plans  # its masked sumchecks ran in the kernel
    verify_model(pk.vk, fast)
    per_round(monkeypatch)
    slow = proof_bytes()
    assert fast.to_bytes() == slow.to_bytes()


def test_a_subclass_of_either_relay_is_never_bypassed(plans):
    """A relay's subclass (a watcher, or a test's lying prover) may override send_k: the kernel
    would skip it, so neither relay hands out a plan unless it is exactly itself."""
    from tensorproof.prover.sumcheck import prove_sumcheck
    from tensorproof.verifier.sumcheck import challenge_label, round_label
    from tensorproof.verifier.zk_sumcheck import MaskLayout

    k, n = 2, 5
    ext = ext_field(k)
    T = vec_field(k).random(1 << n, np.random.default_rng(2))
    seen = []

    class SpyMasked(MaskedTranscript):
        def send_k(self, label, xs, k):
            seen.append(label)
            super().send_k(label, xs, k)

    relay = SpyMasked(ProverTranscript(DOMAIN), ext, "L", sample_mask(MaskLayout(n, (1,) * n, k)),
                      (1, 2))
    prove_sumcheck(relay, vec_field(k), [T], [(1, [0])], 1, "L")
    assert seen == [f"L/round{i}" for i in range(n)]

    class SpyShifted(Shifted):
        def send_k(self, label, xs, k):
            seen.append(label)
            super().send_k(label, xs, k)

    seen.clear()
    relay = MaskedTranscript(ProverTranscript(DOMAIN), ext, "L",
                             sample_mask(MaskLayout(n + 1, (1,) * (n + 1), k)), (1, 2))
    relay.send_k(round_label("L", 0), [(3, 4)], k)  # the discharge's w round
    relay.challenge_k(challenge_label("L", 0), k)
    prove_sumcheck(SpyShifted(relay, ext, "L", n, (5, 6)), vec_field(k), [T], [(1, [0])], 1, "L")
    assert seen == [f"L/round{i}" for i in range(n)] and not plans


@pytest.mark.parametrize("bad", ["first past the mask", "short rho", "shift exponent"])
def test_a_plan_that_would_read_past_its_arrays_is_refused(bad, monkeypatch):
    """The kernel does not check its indices: a plan that does not fit is refused first."""
    k, n, degree = 2, 4, 2
    tables, terms, z, Rs, _ = make_instance(k, n, degree, False, False, 6)
    original = MaskedTranscript.kernel_plan

    def broken(self, *args):
        plan = original(self, *args)
        if bad == "first past the mask":
            return replace(plan, first=plan.first + 1)
        if bad == "short rho":
            return replace(plan, rho=plan.rho[:1])
        return replace(plan, shift=(1, 2), shift_exp=len(plan.labels) // 2 - 2)

    monkeypatch.setattr(MaskedTranscript, "kernel_plan", broken)
    with pytest.raises(ValueError, match="relay plan"):
        prove_zk_sumcheck(ProverTranscript(DOMAIN), vec_field(k), tables, terms, degree, LABEL,
                          sample_mask(layout_of(k, n, degree, terms, Rs)), HashMaskCommitter())
