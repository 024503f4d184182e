"""Masked model proofs (key config "zk": verifier/zk_masks.py, zk_capacity.py): every sumcheck
of the lookups, the private inputs' padding checks, the steps and their claim merges is masked
by round slots of the advice tensor M; the openings' merges stay plain. Work toward zero
knowledge (docs/internals.md, "The integration plan", steps 1 and 3), in both profiles:

- honest masked proofs verify, with the plain proof's outputs, for a model with private
  inputs and outputs (linear, requant, lookups), a hashed input (its Keccak proof and link
  masked, the same digests, a wrong digest rejected) and the digits CNN (gathers, max
  pooling, requant, linear); the capacity the plan computes covers every sumcheck;
- the flag is bound by the model id (a masked proof under the same weights' plain key, and
  the reverse, are rejected; plain keys keep their ids);
- soundness: the masked messages (mask sum, rounds, mask values) and M's commitment bumped are
  rejected, and a lying prover (an out-of-range private input, a wrong requant output) is
  still caught through the masks;
- fresh masks: two proofs of one input share no round message; the mutation test shows that a
  zeroed M would make them equal (and is caught by this check);
- both profiles open the advice with the hiding forms of verifier/zk_opening.py (ligero-zk,
  whir-zk), every message of which, bumped, is rejected.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import compiled, graph, node, raw_config, spec
from soundness.lying_prover import bump, lying_proof, rejects
from soundness.test_private_tensors import X, mlp, private, recompute
from soundness.test_step_div_round_tamper import Y_LO, E, V, _set_limbs, model_a
from soundness.test_step_div_round_tamper import X as DIV_X
from tensorproof.api.demo import bundled, compile_model
from tensorproof.errors import ConfigError, ProverError, UnsupportedOpError, VerificationError
from tensorproof.ir.visibility import HASHED
from tensorproof.prover import zk_opening as zk_witness_mod
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.solidity.circuit import encode_circuit
from tensorproof.verifier import zk_opening as zk_opening_v
from tensorproof.verifier.context import ClaimBook
from tensorproof.verifier.hashing import mask_rounds as hashed_mask_rounds
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.pcs_config import check_config, profile_config
from tensorproof.verifier.verify import verify
from tensorproof.verifier.zk_capacity import mask_rounds
from tensorproof.verifier.zk_masks import MASKS, OPENING_MASKS, RANDOMIZER


def zk(config: dict) -> dict:
    return {**config, "zk": True}


@pytest.fixture(scope="module")
def digits():
    onnx_bytes, data = bundled()
    return compile_model(onnx_bytes, data["calibration"]), data["test"][:2]


@pytest.fixture(scope="module")
def cnn_keys(digits, config):
    """A plain and a zero-knowledge key of one model (plain even when the suites run on
    zero-knowledge configurations: TENSORPROOF_TAMPER_ZK=1)."""
    model, _ = digits
    plain = {f: v for f, v in config.items() if f != "zk"}
    return setup(model, plain, certify=False), setup(model, zk(plain), certify=False)


def test_masked_cnn_proof_verifies_with_the_plain_outputs(digits, cnn_keys):
    _, x = digits
    plain_pk, zk_pk = cnn_keys
    x = {plain_pk.vk.graph.inputs[0]: plain_pk.model.quantize_inputs(
        {plain_pk.model.graph.inputs[0]: x})[plain_pk.model.graph.inputs[0]]}
    plain, masked = prove(plain_pk, x), prove(zk_pk, x)
    out = verify(zk_pk.vk, masked)
    assert out.keys() == plain.outputs.keys()
    for name in out:
        assert np.array_equal(out[name], plain.outputs[name])
    plan = build_plan(zk_pk.vk.graph, 2, zk_pk.vk.zk_config)
    assert plan.zk.capacity.rounds == sum(max(n, 1) for n, _ in mask_rounds(plan))
    if plan.zk.hiding is not None:  # the advice merge's own slots
        assert plan.zk.opening.rounds >= plan.commitments["advice"].packing.n_vars
    assert MASKS in plan.commitments["advice"].members


def test_the_flag_is_bound_by_the_model_id(digits, cnn_keys):
    plain_pk, zk_pk = cnn_keys
    assert plain_pk.vk.commitment == zk_pk.vk.commitment
    assert plain_pk.vk.model_id != zk_pk.vk.model_id
    assert "zk" not in plain_pk.vk.config  # plain keys: the same ids as before
    model, x = digits
    feeds = model.quantize_inputs({model.graph.inputs[0]: x})
    for a, b in ((plain_pk, zk_pk), (zk_pk, plain_pk)):
        rejects(a.vk, prove(b, feeds))
    forged = VerifyingKey(zk_pk.vk.graph, zk_pk.vk.inputs, zk_pk.vk.outputs,
                          zk_pk.vk.commitment, dict(plain_pk.vk.config))
    rejects(forged, prove(zk_pk, feeds))


def test_the_flag_takes_only_true():
    for bad in (False, 1, "yes", None):
        with pytest.raises(ConfigError, match="zk"):
            check_config({**raw_config(2), "zk": bad})
    check_config(zk(raw_config(2)))


@pytest.fixture(scope="module")
def private_keys(config):
    g = private(mlp(), "x", "y")
    return g, setup(compiled(g), zk(config))


def test_masked_private_tensors_verify(private_keys):
    g, pk = private_keys
    proof = prove(pk, X)
    assert sorted(verify(pk.vk, proof)) == ["h"]


@pytest.fixture(scope="module")
def honest_lie(k):
    """An honest masked proof with its message map (the lying prover, changing nothing)."""
    with pytest.MonkeyPatch.context() as mp:
        return lying_proof(mp, private(mlp(), "x"), X, config=zk(raw_config(k)))


def test_honest_masked_proof_verifies(honest_lie):
    verify(honest_lie.vk, honest_lie.proof)


@pytest.mark.parametrize("fragment", ["mask sum", "round0", "round1", "mask values"])
def test_bumped_masked_messages_are_rejected(honest_lie, fragment):
    found = [m for m in honest_lie.find(fragment) if "open " not in m.label]
    assert len(found) >= 3
    for message in (found[0], found[len(found) // 2], found[-1]):
        rejects(honest_lie.vk, bump(honest_lie, message))


def test_every_masked_sumcheck_has_its_mask_messages(honest_lie):
    labels = [m.label for m in honest_lie.messages]
    masked = {lab.rsplit("/", 1)[0] for lab in labels if lab.endswith("/mask sum")}
    rounds = {lab.rsplit("/", 1)[0] for lab in labels if lab.rsplit("/", 1)[-1] == "round0"}
    assert masked and rounds - masked == {lab for lab in rounds if lab.startswith("open ")}
    assert all(f"{lab}/mask values" in labels for lab in masked)


def test_lying_private_input_is_still_caught(k):
    def widen(plan, ints):
        ints["x"] = ints["x"].copy()
        ints["x"][0, 1, 2] = 8  # hi + 1
        recompute(plan, ints)

    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, private(mlp(), "x"), X, ints_fn=widen, config=zk(raw_config(k)))
    rejects(lie.vk, lie.proof, "not in its table")


def test_lying_requant_output_is_still_caught(k):
    def shift(plan, ints):
        ints["y"] = ints["y"].copy()
        ints["y"][1, 2, 3] += 1  # in range, but not the requantized value

    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, mlp(), X, ints_fn=shift, config=zk(raw_config(k)))
    rejects(lie.vk, lie.proof)


def round_messages(lie) -> dict[str, bytes]:
    stream = lie.proof.stream
    return {m.label: stream[m.start:m.end] for m in lie.messages
            if "/round" in m.label and not m.label.startswith("open ")}


def test_two_proofs_share_no_round_message_and_a_zeroed_mask_would(k, monkeypatch):
    def two():
        out = []
        for _ in range(2):
            with pytest.MonkeyPatch.context() as mp:
                out.append(round_messages(lying_proof(mp, mlp(), X, config=zk(raw_config(k)))))
        return out

    a, b = two()
    assert a.keys() == b.keys() and all(a[lab] != b[lab] for lab in a)
    monkeypatch.setattr(zk_witness_mod, "sample_masks",
                        lambda k_, cap: np.zeros(1 << cap.n_vars(k_), dtype=np.uint64))
    a, b = two()
    assert a == b  # what the check above catches: no fresh randomness, the same messages


# ---- the advice's hiding opening (fast profile: verifier/zk_opening.py) ---------------------


HIDING_LABELS = {"fast": ("ligero-zk/u_evals", ["ligero-zk/y", "ligero-zk/u0",
                                                 "ligero-zk/u_evals", "ligero-zk/columns"]),
                 "compact": ("whir-zk/cross", ["whir-zk/cross", "whir-zk/fibers",
                                               "whir-zk/salts", "whir-zk/merkle",
                                               "whir-zk/public_cross", "whir/fibers",
                                               "whir/sumcheck", "whir/final"])}
"""The advice's hiding opening's messages: its whir-zk commitment is joint (one opening: G is
in the commitment, no "whir-zk/mask_root" or "whir-zk/mask_ood"; a model with private
weights has them, tests/soundness/test_private_weights.py); in the compact profile the
model's merged claim is batched into it (its values at every point, "whir-zk/public_cross",
and its round-0 leaves, "whir/fibers")."""


@pytest.fixture(scope="module", params=["fast", "compact"])
def hiding_lie(request):
    """An honest masked proof under a profile's real configuration (its advice committed with
    ligero-zk or whir-zk)."""
    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, private(mlp(), "x"), X, config=zk(profile_config(request.param)))
    return request.param, lie


def test_both_profiles_open_the_advice_with_hiding_forms(hiding_lie):
    profile, lie = hiding_lie
    verify(lie.vk, lie.proof)
    labels = [m.label for m in lie.messages]
    assert "open advice/value" in labels and HIDING_LABELS[profile][0] in labels
    assert any(lab.startswith("open masks") for lab in labels)
    assert not any(lab.startswith("open advice/round") and "mask" in lab for lab in labels)
    if profile == "compact":  # a joint whir-zk commitment: its G is committed with it
        assert not any(lab.startswith("whir-zk/mask") for lab in labels)
        # the model's claims merged before the advice's opening and opened in it: one run
        model = [i for i, lab in enumerate(labels) if lab.startswith("open model")]
        assert model and max(model) < labels.index("whir-zk/cross")
        assert labels.count("whir/final") == 1 and "whir-zk/public_cross" in labels
    plan = build_plan(lie.vk.graph, 2, lie.vk.zk_config)
    assert {RANDOMIZER, OPENING_MASKS} <= set(plan.commitments["advice"].members)


@pytest.mark.parametrize("fragment", ["open advice/mask sum", "open advice/round",
                                      "open advice/value", "open advice/mask values",
                                      "open masks/blind", "open masks/round",
                                      "open masks/value", "open model", "pcs"])
def test_bumped_hiding_opening_messages_are_rejected(hiding_lie, fragment):
    profile, lie = hiding_lie
    fragments = HIDING_LABELS[profile][1] if fragment == "pcs" else [fragment]
    for frag in fragments:
        found = lie.find(frag)
        assert found, frag
        for message in found[:2]:
            rejects(lie.vk, bump(lie, message))


def test_a_model_too_large_to_batch_is_opened_on_its_own(monkeypatch):
    """Where the model's table does not fit the advice's whir-zk opening (``public_fits``:
    more WHIR variables than f^), both sides open it after, in a plain WHIR run of its own."""
    monkeypatch.setattr(zk_opening_v, "public_fits", lambda *a, **k: False)
    lie = lying_proof(monkeypatch, private(mlp(), "x"), X,
                      config=zk(profile_config("compact")))
    verify(lie.vk, lie.proof)
    labels = [m.label for m in lie.messages]
    model = [i for i, lab in enumerate(labels) if lab.startswith("open model")]
    assert "whir-zk/public_cross" not in labels and labels.count("whir/final") == 2
    assert min(model) > labels.index("whir-zk/cross")  # merged after the hiding opening
    for frag in ("open model", "whir/fibers"):
        for message in lie.find(frag)[-1:]:
            rejects(lie.vk, bump(lie, message))


def test_a_prover_that_does_not_batch_the_model_is_rejected(monkeypatch):
    """The prover alone deciding not to batch (its model opened in a run of its own): the
    verifier, which batches, reads other messages and rejects."""
    monkeypatch.setattr(zk_witness_mod, "batched_model", lambda *a: False)
    lie = lying_proof(monkeypatch, private(mlp(), "x"), X,
                      config=zk(profile_config("compact")))
    assert "whir-zk/public_cross" not in [m.label for m in lie.messages]
    rejects(lie.vk, lie.proof)


def wide():
    """x (1, 256) -> linear -> h -> requant -> y: weights of 2^16 entries (a model table of
    2^17), more than the advice's table (2^14)."""
    w = np.random.default_rng(5).integers(-4, 5, (256, 256))
    return graph(["x"], ["y"], [spec("x", (1, 256), -8, 7), spec("h", (1, 256), -40000, 40000),
                                spec("y", (1, 256))],
                 [node("linear", ["x"], "h", {"W": w, "b": np.zeros(256)}),
                  node("requant", ["h"], "y", {"mult": [3]}, shift=9, lo=-128, hi=127,
                       axis=-1)])


WIDE_X = {"x": np.random.default_rng(1).integers(-8, 8, (1, 1, 256))}


def test_a_model_larger_than_the_advice_is_opened_in_the_same_run(monkeypatch):
    """The model's table (2^17) is larger than the advice's f^ (2^14): the advice is
    committed for the model's run (pcs/whir_zk.py, "Embedded in a larger run": G of the run's
    size, f^ embedded), and the model joins the hiding opening, one WHIR run in the proof."""
    from tensorproof.verifier.pcs import whir_zk as vzk
    from tensorproof.verifier.plan import ADVICE, MODEL

    lie = lying_proof(monkeypatch, private(wide(), "x"), WIDE_X,
                      config=zk(profile_config("compact")))
    verify(lie.vk, lie.proof)
    plan = build_plan(lie.vk.graph, 1, lie.vk.zk_config)
    adv, model = plan.commitments[ADVICE].packing, plan.commitments[MODEL].packing
    run = zk_opening_v.advice_run(plan)
    assert run == model.n_vars > vzk.table_vars(plan.zk.hiding, adv.n_vars, adv.used)
    assert zk_opening_v.used_arg(plan) == {"used": adv.used, "run": run}
    labels = [m.label for m in lie.messages]
    assert labels.count("whir/final") == 1 and "whir-zk/public_cross" in labels
    for frag in ("open model", "whir/fibers", "whir-zk/fibers", "whir-zk/cross"):
        for message in lie.find(frag)[:1] + lie.find(frag)[-1:]:
            rejects(lie.vk, bump(lie, message))


def test_a_prover_that_commits_the_advice_for_its_own_size_is_rejected(monkeypatch):
    """The prover alone committing the advice without the model's run (so that the model
    no longer fits and is opened on its own): the verifier reads the run's layout and
    rejects."""
    monkeypatch.setattr(zk_witness_mod, "used_arg", lambda plan: {
        "used": plan.commitments["advice"].packing.used})
    monkeypatch.setattr(zk_witness_mod, "batched_model", lambda *a: False)
    lie = lying_proof(monkeypatch, private(wide(), "x"), WIDE_X,
                      config=zk(profile_config("compact")))
    assert [m.label for m in lie.messages].count("whir/final") == 2
    rejects(lie.vk, lie.proof)


@pytest.mark.slow
def test_masked_hashed_input_verifies_with_its_digests(config):
    g = replace(mlp(), visibility={"x": HASHED})
    plain = setup(compiled(g), dict(config))
    masked = setup(compiled(g), zk(config))
    a, b = prove(plain, X), prove(masked, X)
    assert a.digests == b.digests
    verify(masked.vk, b)
    labels_plan = build_plan(masked.vk.graph, 2, masked.vk.zk_config)
    keccak = sum(n for n, _ in hashed_mask_rounds(labels_plan))
    assert keccak > 0 and labels_plan.zk.capacity.rounds >= keccak
    bad = replace(b, digests={"x": (bytes(32),) + tuple(b.digests["x"][1:])})
    rejects(masked.vk, bad)


def test_the_evm_circuit_refuses_masked_keys(cnn_keys, profile):
    _, zk_pk = cnn_keys
    want = "masked" if profile == "compact" else "compact profile"
    with pytest.raises(UnsupportedOpError, match=want):
        encode_circuit(zk_pk.vk, 1)


def test_an_announced_randomized_final_must_be_claimed(private_keys, monkeypatch):
    """A step whose randomized sumcheck announces a table it then never claims (a module out
    of step with its declared tables) is refused by both sides, not silently mis-routed."""
    g, pk = private_keys
    assert build_plan(pk.vk.graph, 2, pk.vk.zk_config).zk.hiding is not None
    proof = prove(pk, X)
    real = ClaimBook.claim

    def drop_padding(self, tensor, point, value, randomizer=()):
        if self._expected.get(tensor) and tensor == "x":
            return None  # the padding check's claim, lost
        return real(self, tensor, point, value, randomizer)

    monkeypatch.setattr(ClaimBook, "claim", drop_padding)
    with pytest.raises(VerificationError, match="never reduced"):
        verify(pk.vk, proof)
    with pytest.raises(ProverError, match="never claimed"):
        prove(pk, X)


def test_masked_div_round_with_randomized_finals(k):
    """div_round's zero-check with its committed tables randomized (both profiles: hiding
    opening): the honest proof verifies, a quotient moved by one with
    its limbs following (only the relation catches it) is rejected."""
    config = zk(profile_config("fast" if k == 2 else "compact"))
    with pytest.MonkeyPatch.context() as mp:
        honest = lying_proof(mp, model_a(), DIV_X, config=config)
    verify(honest.vk, honest.proof)

    def shift(plan, ints):
        ints["y"][E] += 1
        _set_limbs(ints, V, E, int(ints["y"][E]) - Y_LO)
        ints["z"] = ints["y"].reshape(2, -1).copy()

    with pytest.MonkeyPatch.context() as mp:
        lie = lying_proof(mp, model_a(), DIV_X, ints_fn=shift, config=config)
    rejects(lie.vk, lie.proof)


@pytest.mark.parametrize("which", ["inside", "outside"])
def test_the_whir_zk_region_lies_past_every_advice_claim(monkeypatch, digits, which):
    """The compact profile's hiding region (pcs/whir_zk.py: f^'s top 2^a entries) lies past
    every slot of the advice packing, so no claim on a named tensor reaches it (soundness
    does not depend on what a prover writes there): the digits CNN's advice has room for it
    in its zero tail (f^ of the advice's own size); with a region forced larger than that
    tail, f^ takes one more variable on both sides. A prover whose region is all ones still
    proves and verifies."""
    from tensorproof.prover.pcs.whir_zk import WhirZkPCS
    from tensorproof.verifier.pcs import whir_zk as vzk
    from tensorproof.verifier.plan import ADVICE

    config = zk(profile_config("compact"))
    pk = setup(digits[0], config, certify=False)
    name = pk.model.graph.inputs[0]
    x = {pk.vk.graph.inputs[0]: pk.model.quantize_inputs({name: digits[1][:1]})[name]}
    plan = build_plan(pk.model.graph, 1, pk.vk.zk_config)
    packing, hiding = plan.commitments[ADVICE].packing, plan.zk.hiding
    n, used = packing.n_vars, packing.used
    if which == "outside":
        monkeypatch.setattr(vzk, "class_bound", lambda *a: (1 << n) - used + 1)
    m = vzk.table_vars(hiding, n, used)
    assert m == (n if which == "inside" else n + 1)
    assert all(s.offset + s.size <= used for s in packing.slots)
    assert used <= vzk.region_start(hiding, n, m)
    monkeypatch.setattr(WhirZkPCS, "_mask", lambda self, size: np.ones(size, dtype=np.uint64))
    verify(pk.vk, prove(pk, x))
