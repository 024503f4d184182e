"""Gather wirings committed with the weights (verifier/wiring_commit.py): a large reshape that
re-pads is not summed wire by wire; its predicate is the prover's value, proven by a sumcheck
over the committed indicator V and index bits S_i, which are opened with the weights and bound
to the key's graph by the weight certificate's check (T).

- a flatten of 897 wires is committed (constants of the model group, the same at every batch),
  a reshape of 15 wires is not; the constants encode exactly the wires;
- honest proofs verify and give the reshaped input;
- a changed a(z, ρ), sumcheck round or constant value at τ is rejected, at the model level and
  (every byte, with the threshold lowered) at the step level;
- a model author who commits another wiring (one index bit flipped: the key's graph still says
  reshape) gets no certificate: verify_certificate rejects it, while the honest key's passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from protocol.step_harness import (
    build_plan,
    compiled,
    flip_byte,
    graph,
    node,
    prove_step,
    random_point,
    spec,
    verify_step,
    witness_of,
)
from soundness.lying_prover import bump, rejects
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.prover.certificate import prove_certificate
from tensorproof.prover.model import ProvingKey, setup
from tensorproof.prover.pcs_config import pcs_prover
from tensorproof.verifier import wiring_commit
from tensorproof.verifier.certificate import verify_certificate
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.names import Internal
from tensorproof.verifier.plan import MODEL
from tensorproof.verifier.verify import verify
from tensorproof.verifier.wiring_commit import CommittedWiring

SHAPE, FLAT = (3, 13, 23), 3 * 13 * 23
X = {"x": np.random.default_rng(4).integers(-128, 128, (2, *SHAPE))}


def flatten_model():
    return graph(["x"], ["y"], [spec("x", SHAPE), spec("y", (FLAT,))],
                 [node("reshape", ["x"], "y", shape=(FLAT,))])


def small_reshape():
    return graph(["x"], ["y"], [spec("x", (3, 5)), spec("y", (5, 3))],
                 [node("reshape", ["x"], "y", shape=(5, 3))])


def _form(plan):
    (step,) = [s for s in plan.steps if s.op == "gather"]
    (form,) = step.attrs["wiring_forms"]
    return step, form


def test_large_wiring_committed_small_one_not():
    plan = build_plan(flatten_model(), 1)
    step, cw = _form(plan)
    assert isinstance(cw, CommittedWiring) and (cw.n_out, cw.n_in) == (10, 11)
    assert FLAT > wiring_commit.INLINE_WIRES
    assert all(plan.group_of(n) == MODEL for n in cw.names)
    assert set(plan.defined_consts) == set(cw.names)
    # the constants hold exactly the wires: V marks the read outputs, the S_i their sources
    ((out_pos, in_pos),) = step.attrs["wirings"]
    valid = plan.defined_consts[cw.valid]
    sigma = sum(plan.defined_consts[b] << i for i, b in enumerate(cw.bits))
    assert np.array_equal(np.flatnonzero(valid), np.sort(out_pos))
    assert np.array_equal(sigma[out_pos], in_pos) and not sigma[valid == 0].any()
    # batch-independent: the model commitment is the same for every batch size
    other = build_plan(flatten_model(), 3)
    assert _form(other)[1] == cw
    assert all(np.array_equal(other.defined_consts[n], plan.defined_consts[n]) for n in cw.names)
    _, small = _form(build_plan(small_reshape(), 1))
    assert small is None


def test_eligibility_rules():
    n = wiring_commit.INLINE_WIRES + 1
    out_pos, in_pos = np.arange(n), np.arange(n)[::-1].copy()
    assert wiring_commit.eligible((out_pos, in_pos), 10, 10)
    assert not wiring_commit.eligible((out_pos[:-1], in_pos[:-1]), 10, 10)  # too few wires
    dup = out_pos.copy()
    dup[1] = 0  # an output read twice is a sum, not a map
    assert not wiring_commit.eligible((dup, in_pos), 10, 10)
    assert not wiring_commit.eligible((out_pos, in_pos), 9, 10)  # outside the layout


def test_honest_proof_verifies(lying):
    lie = lying(flatten_model(), X)
    assert np.array_equal(verify(lie.vk, lie.proof)["y"], X["x"].reshape(2, -1))
    assert lie.find("source0/wiring/values")


@pytest.mark.parametrize("fragment,element", [("source0/wiring", 0),
                                              ("source0/wiring/round", 0),
                                              ("source0/wiring/values", 0),
                                              ("source0/wiring/values", 5)])
def test_changed_wiring_message_rejected(lying, fragment, element):
    lie = lying(flatten_model(), X)
    rejects(lie.vk, bump(lie, lie.find(fragment)[0], element))


# ---- step level, with the threshold lowered so that a 15-wire reshape is committed ---------


@pytest.fixture
def committed_small(monkeypatch, k):
    monkeypatch.setattr(wiring_commit, "INLINE_WIRES", 4)
    g = small_reshape()
    plan = build_plan(g, 2)
    assert isinstance(_form(plan)[1], CommittedWiring)
    ints = witness_of(g, plan, {"x": np.random.default_rng(2).integers(-128, 128, (2, 3, 5))})
    n = plan.tensors[plan.steps[0].output].layout.n_vars
    return plan, ints, prove_step(plan, 0, ints, random_point(n, 0, k), (), k)


def _rejected(plan, ints, sp, proof) -> bool:
    try:
        verify_step(plan, 0, ints, sp.output_claims, proof, sp.k)
    except (VerificationError, ProofFormatError):
        return True
    return False


def test_every_byte_flip_rejected_step_level(committed_small):
    plan, ints, sp = committed_small
    verify_step(plan, 0, ints, sp.output_claims, sp.proof, sp.k)
    assert sp.find("/wiring/values")
    for pos in range(len(sp.proof)):
        assert _rejected(plan, ints, sp, flip_byte(sp.proof, pos, 0x80)), f"byte {pos} accepted"


# ---- a key committing another wiring --------------------------------------------------------


@dataclass
class OtherWiringKey(ProvingKey):
    """A model author's key committing the flatten's wiring with one index bit flipped."""

    def consts(self, plan):
        out = dict(super().consts(plan))
        (bit0,) = [n for n in out if isinstance(n, Internal) and (n.role, n.index) == ("bit", 0)]
        col = out[bit0].copy()
        col[3] ^= 1
        out[bit0] = col
        return out


def test_certificate_rejects_a_key_committing_another_wiring(config):
    pk = setup(compiled(flatten_model()), config, certify=False)
    verify_certificate(pk.vk, prove_certificate(pk))
    forged = OtherWiringKey(pk.model, None)  # type: ignore[arg-type]
    vector = forged.model_vector(build_plan(pk.vk.graph, 1))
    commitment, forged.prover_data[MODEL] = pcs_prover(pk.vk.config).commit(vector)
    forged.vk = VerifyingKey(pk.vk.graph, pk.vk.inputs, pk.vk.outputs, commitment,
                             pk.vk.config)
    assert forged.vk.commitment != pk.vk.commitment
    with pytest.raises(VerificationError):
        verify_certificate(forged.vk, prove_certificate(forged))
