"""Private graph inputs and outputs (ir/visibility.py, verifier/private.py): kept out of the
statement, committed in the proof's advice commitment, proven in range.

- the visibility is bound by the model id: keys of the same weights with other visibilities
  have other ids and reject each other's proofs; a key file that edits it is refused;
- honest proofs verify in both profiles, with private inputs that have padding, private
  outputs of a claim-reducing step (matmul) and of a relation step (requant), and the statement
  carries no private tensor;
- a lying prover is caught: a private input outside its range [lo, hi], a nonzero padding of a
  private input, a committed private output that is not the computed one, a changed private
  output value, a proof that states a private tensor;
- the honest prover refuses an out-of-range private input.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import compiled, graph, node, spec
from soundness.lying_prover import bump, rejects
from tensorproof.errors import CompileError, ProofFormatError, ProverError, VerificationError
from tensorproof.ir.visibility import PRIVATE, with_visibility
from tensorproof.prover.context import ProverContext
from tensorproof.prover.layers import step_module
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.prover.zk_finals import with_randomizer
from tensorproof.verifier.keys import VerifyingKey, decode_vk_file, encode_vk_file
from tensorproof.verifier.layout import padded_vector
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.plan import ADVICE
from tensorproof.verifier.private import interval_table
from tensorproof.verifier.proof import Proof
from tensorproof.verifier.verify import verify

RNG = np.random.default_rng(7)
X = {"x": RNG.integers(-8, 8, (2, 3, 5))}


def mlp():
    """x (3, 5) → linear → h (3, 4) → requant → y (3, 4), with a second output s = h (matmul):
    x has padding (5 → 8), h is a claim-reducing step's output, y a relation step's."""
    w = np.random.default_rng(3).integers(-4, 5, (5, 4))
    return graph(["x"], ["h", "y"],
                 [spec("x", (3, 5), -8, 7), spec("h", (3, 4), -200, 200), spec("y", (3, 4))],
                 [node("linear", ["x"], "h", {"W": w, "b": np.zeros(4)}),
                  node("requant", ["h"], "y", {"mult": [3]}, shift=2, lo=-128, hi=127,
                       axis=-1)])


def private(g, *names):
    return replace(g, visibility=dict.fromkeys(names, PRIVATE))


@pytest.fixture(scope="module")
def models(config):
    out = {}
    for key, names in (("public", ()), ("x", ("x",)), ("all", ("x", "h", "y"))):
        pk = setup(compiled(private(mlp(), *names)), dict(config))
        out[key] = (pk, prove(pk, X))
    return out


def test_plan_commits_private_tensors():
    plan = build_plan(private(mlp(), "x", "h"), 2)
    assert plan.public_inputs == () and plan.public_outputs == ("y",)
    assert {plan.group_of(n) for n in ("x", "h")} == {ADVICE}
    assert plan.lookup_uses[0].table is interval_table(-8, 7)
    assert plan.lookup_uses[0].columns == ("x",)


def test_honest_proofs_verify_and_state_only_public_tensors(models):
    public_pk, public_proof = models["public"]
    for key, (pk, proof) in models.items():
        assert verify(pk.vk, proof).keys() == proof.outputs.keys()
        hidden = {"public": set(), "x": {"x"}, "all": {"x", "h", "y"}}[key]
        assert not hidden & (set(proof.inputs) | set(proof.outputs))
        for name in {"h", "y"} - hidden:
            assert np.array_equal(proof.outputs[name], public_proof.outputs[name])


def test_visibility_is_bound_by_the_model_id(models):
    ids = {key: pk.vk.model_id for key, (pk, _) in models.items()}
    assert len(set(ids.values())) == 3
    assert models["public"][0].vk.commitment == models["x"][0].vk.commitment
    for a, (pk, _) in models.items():
        for b, (_, proof) in models.items():
            if a != b:
                rejects(pk.vk, proof)


def test_key_file_with_edited_visibility_is_refused(models):
    pk, _ = models["x"]
    key_json, cert = decode_vk_file(pk.vk.to_bytes())
    for edit in ({"x": "public"}, {"x": "hashed"}, {"x": "secret"}, {"nope": "private"}, {},
                 {"x": "private", "h": "private"}, ["x"]):
        d = json.loads(key_json)
        d["graph"]["visibility"] = edit
        data = encode_vk_file(json.dumps(d).encode(), cert)
        with pytest.raises((ProofFormatError, VerificationError)):
            VerifyingKey.from_bytes(data)  # malformed, or another model id: no certificate


def test_statement_naming_a_private_tensor_is_refused(models):
    pk, proof = models["all"]
    for field_, name in (("inputs", "x"), ("outputs", "h")):
        changed = replace(proof, **{field_: {**getattr(proof, field_),
                                            name: X["x"] if name == "x" else np.zeros((2, 3, 4),
                                                                                     np.int64)}})
        with pytest.raises(ProofFormatError):
            verify(pk.vk, Proof.from_bytes(changed.to_bytes()))


def test_honest_prover_refuses_out_of_range_private_input(config):
    pk = setup(compiled(private(mlp(), "x")), dict(config))
    with pytest.raises(ProverError):
        prove(pk, {"x": np.full((1, 3, 5), 8)})


def test_out_of_range_private_input_is_rejected(lying):
    def widen(plan, ints):
        ints["x"] = ints["x"].copy()
        ints["x"][0, 1, 2] = 8  # hi + 1: every relation still holds on it
        recompute(plan, ints)

    lie = lying(private(mlp(), "x"), X, ints_fn=widen)
    rejects(lie.vk, lie.proof, "not in its table")


def recompute(plan, ints):
    """Every step's output and advice again, from the (changed) inputs."""
    for step in plan.steps:
        m = step_module(step.op)
        ints[step.output] = m.forward(step, plan, ints)
        if hasattr(m, "advice_values"):
            ints.update(m.advice_values(step, plan, ints))


def test_nonzero_padding_of_private_input_is_rejected(lying):
    def pad(plan, tables):
        layout = plan.tensors["x"].layout
        t = tables["x"].reshape(layout.padded)
        t[..., 6] = 1  # a column of the padding (5 → 8)

    lie = lying(private(mlp(), "x"), X, tables_fn=pad)
    rejects(lie.vk, lie.proof, "padding")


def test_committed_private_output_must_be_the_computed_one(lying, monkeypatch):
    """The prover commits h' = h + e (and proves y = requant(h') from it) but gives the linear
    step the computed h's value: only the claim of "output 0 value" on the commitment ties the
    committed h' to the computed h."""
    true_h = {}

    def change(plan, ints):
        true_h["h"] = padded_vector(plan.tensors["h"].layout, ints["h"])
        ints["h"] = ints["h"].copy()
        ints["h"][0, 0, 0] += 1
        m = step_module("requant")
        (step,) = [s for s in plan.steps if s.op == "requant"]
        ints["y"] = m.forward(step, plan, ints)
        ints.update(m.advice_values(step, plan, ints))

    def computed_value(ctx, label, tensor, point, randomizer=()):
        # the computed h's value, randomized as an honest zero-knowledge prover's would be
        value = with_randomizer(ctx, ctx.public_value(true_h[tensor], point), randomizer)
        ctx.send(label, [value])
        return value

    monkeypatch.setattr(ProverContext, "committed_value", computed_value)
    lie = lying(private(mlp(), "x", "h"), X, ints_fn=change)
    rejects(lie.vk, lie.proof, "open")


@pytest.mark.parametrize("fragment", ["output 0 value", "input 0:pad final",
                                      "input 0:pad sumcheck"])
def test_changed_private_messages_are_rejected(lying, fragment):
    lie = lying(private(mlp(), "x", "h"), X)
    verify(lie.vk, lie.proof)
    for message in lie.find(fragment):
        rejects(lie.vk, bump(lie, message))


def test_visibility_choices():
    cm = compiled(mlp())
    m = with_visibility(cm, "private", "y=private")
    assert m.graph.visibility == {"x": PRIVATE, "y": PRIVATE}
    assert with_visibility(cm, None, {"h": "public"}).graph.visibility == {}
    assert with_visibility(cm, "hashed", None).graph.visibility == {"x": "hashed"}
    for ins, outs, msg in (("open", None, "unknown"), ("secret", None, "unknown"),
                           (None, "z=private", "names 'z'"), ("x=hashed,private", None, "both"),
                           (None, "y=private,y=hashed", "twice"), (None, "y=open", "unknown")):
        with pytest.raises(CompileError, match=msg):
            with_visibility(cm, ins, outs)
    wide = graph(["x"], ["y"], [spec("x", (2,), 0, 1 << 21), spec("y", (2,), 0, 1 << 21)],
                 [node("add_const", ["x"], "y", {"c": np.zeros(2)})])
    with pytest.raises(CompileError, match="at most 2\\^20"):
        with_visibility(compiled(wide), "private")
