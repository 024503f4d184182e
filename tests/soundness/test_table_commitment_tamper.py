"""Lookup-table columns committed with the weights (verifier/lookups.py ``committed_columns``):
an activation table of many segments is not evaluated by the verifier but opened from the model
commitment, and the weight certificate's check (T) binds the committed column to the public
table of the key's graph.

- the sigmoid table's output column is committed (a constant of the model group), the range
  and tag columns are not; honest proofs verify, under every profile;
- a changed value of "lookup/table/columns" (the committed column at the table point) is
  rejected;
- a model author who commits another table (one row changed: the key's graph still says
  sigmoid) gets no certificate: verify_certificate rejects it, while the honest key's passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from protocol.step_harness import compiled
from soundness.lying_prover import bump, rejects
from soundness.test_step_lookup_tamper import TABLE, X_LO, X, lookup_model
from tensorproof.errors import VerificationError
from tensorproof.prover.certificate import prove_certificate
from tensorproof.prover.model import ProvingKey, setup
from tensorproof.prover.pcs_config import pcs_prover
from tensorproof.verifier.certificate import verify_certificate
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.lookups import INLINE_SEGMENTS, column_segments, committed_columns
from tensorproof.verifier.lookups import table_column as column_name
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.plan import MODEL
from tensorproof.verifier.verify import verify

OUT = 2
"""The combined table's second column: the sigmoid's outputs."""


def test_the_activation_column_is_committed_with_the_weights():
    plan = build_plan(lookup_model(), 1)
    segs = column_segments(plan.lookup_uses)
    assert len(segs[OUT]) > INLINE_SEGMENTS >= max(len(segs[0]), len(segs[1]))
    assert committed_columns(plan.lookup_uses) == (OUT,)
    name = column_name(OUT)
    assert plan.group_of(name) == MODEL
    assert np.array_equal(plan.defined_consts[name][: len(TABLE)], TABLE)


def test_honest_proof_verifies(lying):
    lie = lying(lookup_model(), X)
    assert np.array_equal(verify(lie.vk, lie.proof)["z"],
                          TABLE[X["x"] - X_LO].reshape(len(X["x"]), -1))
    (message,) = lie.find("lookup/table/columns")
    assert message.end > message.start


def test_changed_committed_column_value_rejected(lying):
    lie = lying(lookup_model(), X)
    (message,) = lie.find("lookup/table/columns")
    rejects(lie.vk, bump(lie, message))


@dataclass
class OtherTableKey(ProvingKey):
    """A model author's key committing the sigmoid table with one output changed."""

    def consts(self, plan):
        out = dict(super().consts(plan))
        name = column_name(OUT)
        if name in out:
            col = out[name].copy()
            col[7] += 1
            out[name] = col
        return out


def _other_table_key(pk: ProvingKey) -> ProvingKey:
    forged = OtherTableKey(pk.model, None)  # type: ignore[arg-type]
    vector = forged.model_vector(build_plan(pk.vk.graph, 1))
    commitment, forged.prover_data[MODEL] = pcs_prover(pk.vk.config).commit(vector)
    forged.vk = VerifyingKey(pk.vk.graph, pk.vk.inputs, pk.vk.outputs, commitment,
                             pk.vk.config)
    return forged


def test_certificate_rejects_a_key_committing_another_table(config):
    pk = setup(compiled(lookup_model()), config, certify=False)
    verify_certificate(pk.vk, prove_certificate(pk))
    forged = _other_table_key(pk)
    assert forged.vk.commitment != pk.vk.commitment
    cert = prove_certificate(forged)
    with pytest.raises(VerificationError):
        verify_certificate(forged.vk, cert)
