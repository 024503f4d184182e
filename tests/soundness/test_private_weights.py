"""Private weights (verifier/zk_weights.py): the weights hidden behind a hiding model id, every
claim on them randomized, the model opened by ligero-zk (fast profile) or whir-zk (compact)
once per proof from a counted budget.

- honest keys certify (a zero-knowledge certificate, checked when the key is loaded), prove
  and verify to the reference outputs; the model id of the same weights differs per setup (a
  guessed weight set cannot be confirmed against it);
- soundness: every message of the joint opening and of the model's opening, bumped, is
  rejected, as is a prover that computes with other weights than the committed ones, and a
  proof presented under another key; a forged zero-knowledge certificate of weights outside
  their declared ranges is rejected, and flipped certificate bytes are;
- the budget: proofs past it are refused before any work; a key loaded from a file records
  each proof's block there first, so two loads of one file never use one block;
- configuration: private weights need zero knowledge, a profile's commitment and a budget in
  [1, 63]; a plain claim on a hidden weight is refused by the claim routing;
- the compact profile (whir-zk for the model and the advice): honest keys certify, load from a
  file and prove to the reference outputs; every whir-zk message of the model's opening, e_M
  and the randomized layer messages bumped, another block, another key, other weights and a
  proof past the budget are refused.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from protocol.step_harness import compiled
from protocol.test_certificate import model_of, wide_model
from soundness.lying_prover import bump, lying_proof, rejects, rejects_bumped_ends
from soundness.test_certificate_tamper import const, forged, rejects_wrapped_offsets
from soundness.test_private_tensors import X, mlp
from tensorproof import api
from tensorproof.errors import (
    BoundError,
    ConfigError,
    PlanError,
    ProofFormatError,
    ProverError,
    VerificationError,
)
from tensorproof.field.scalar import ext_field
from tensorproof.ir.graph import Node, TensorSpec
from tensorproof.ir.model import CompiledModel
from tensorproof.prover.keyfile import _opened_on_disk
from tensorproof.prover.model import coarse_key_graph, declare_const_ranges, setup
from tensorproof.prover.prove import prove
from tensorproof.quant.executor import execute
from tensorproof.verifier.certificate import certificate_plan, verify_certificate
from tensorproof.verifier.context import ClaimBook
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.pcs_config import check_config, profile_config
from tensorproof.verifier.plan import MODEL
from tensorproof.verifier.verify import verify
from tensorproof.verifier.zk_weights import BLOCK_LABEL, hides

pytestmark = pytest.mark.fast_profile_only  # private weights: fast-profile keys

PRIVATE = {**profile_config("fast"), "zk": True, "private_weights": 3}
REJECTED = (VerificationError, ProofFormatError)


@pytest.fixture(scope="module")
def key():
    return setup(compiled(mlp()), PRIVATE)


def test_private_weights_prove_the_reference_outputs(key):
    vk = VerifyingKey.from_bytes(key.vk.to_bytes())  # checks the zero-knowledge certificate
    assert vk.zero_knowledge and vk.config["private_weights"] == 3
    out = verify(vk, prove(key, X))
    ref = execute(key.model.graph, X)
    assert all(np.array_equal(out[n], ref[n]) for n in ("h", "y"))


@pytest.mark.parametrize("budget", [1, 2, 5])
def test_keys_of_any_budget_load_and_prove(budget):
    """Budgets whose openings are not a power of two too: the randomizer's rows (rounded up)
    are all real entries for the certificate's zero-check."""
    pk = setup(compiled(mlp()), {**PRIVATE, "private_weights": budget})
    vk = VerifyingKey.from_bytes(pk.vk.to_bytes())
    verify(vk, prove(pk, X))


def test_the_model_id_hides_the_weights():
    """Two setups of the same weights: different commitments (salted, randomized rows), so the
    model id confirms no guessed weight set; the key holds only zero placeholders."""
    a, b = (setup(compiled(mlp()), PRIVATE, certify=False) for _ in range(2))
    assert a.vk.commitment != b.vk.commitment and a.vk.model_id != b.vk.model_id
    assert all(not np.any(v) for n in a.vk.graph.nodes for v in n.consts.values())


@pytest.fixture(scope="module")
def lie():
    mp = pytest.MonkeyPatch()
    try:
        yield lying_proof(mp, mlp(), X, config=PRIVATE)
    finally:
        mp.undo()


def test_the_lying_harness_is_honest_without_a_lie(lie):
    verify(lie.vk, lie.proof)


@pytest.mark.parametrize("fragment", ["open advice/value", "open advice/round",
                                      "open masks", "ligero-zk/y", "ligero-zk/u0",
                                      "ligero-zk/u_evals", "ligero-zk/columns", ":bias",
                                      ":finals"])
def test_bumped_messages_are_rejected(lie, fragment):
    """The first and last of each: the joint merge's values (e_B, e_M), its rounds, the model's
    opening (the last ligero-zk messages), the linear layer's randomized bias and finals."""
    rejects_bumped_ends(lie, fragment)


def test_the_model_values_element_is_bound(lie):
    """e_M, the second value of "open advice/value", bumped alone."""
    (message,) = lie.find("open advice/value")
    rejects(lie.vk, bump(lie, message, 1))


@pytest.mark.parametrize("block", [0, 2, 4, 65535])
def test_another_block_is_rejected(lie, block):
    """The block the proof names: the certificate's (0), one the opening did not use, past
    the budget."""
    (message,) = lie.find(BLOCK_LABEL)
    stream = bytearray(lie.proof.stream)
    stream[message.start:message.end] = block.to_bytes(2, "big")
    rejects(lie.vk, replace(lie.proof, stream=bytes(stream)))


def test_a_proof_under_another_key_is_rejected(key):
    other = setup(compiled(mlp()), PRIVATE, certify=False)
    rejects(other.vk, prove(key, X))


def test_a_prover_computing_with_other_weights_is_rejected(monkeypatch):
    """The witness's W (and so every claim the layers make on it) moved by one at an entry,
    the commitment the honest one: the merged claims disagree with the opened model."""
    def ints_fn(plan, ints):
        w = next(n for n in plan.consts if hides(plan, n) and ints[n].ndim == 2)
        ints[w] = ints[w].copy()
        ints[w].flat[0] += 1
    bad = lying_proof(monkeypatch, mlp(), X, ints_fn=ints_fn, config=PRIVATE)
    rejects(bad.vk, bad.proof)


# ---- the zero-knowledge certificate ----------------------------------------------------------


def wide_private(seed: int = 0) -> CompiledModel:
    """x (6,) -> linear (8-bit W, 20-bit b: limbs once coarse) -> requant (12-bit per-channel
    mult) -> reshape (2, 2) -> add_const -> mul_const (scalar 3): test_certificate's wide
    model at sizes whose coarse ranges (whole bytes) stay far from 2^62."""
    rng = np.random.default_rng(seed)
    nodes = [
        Node("linear", "fc", ("x",), "h", {}, {"W": rng.integers(-127, 128, (6, 4)),
                                                 "b": rng.integers(-(2**19), 2**19, 4)}),
        Node("requant", "rq", ("h",), "r", {"shift": 30, "lo": -127, "hi": 127, "axis": 0},
             {"mult": rng.integers(2**11, 2**12, 4)}),
        Node("reshape", "rs", ("r",), "s", {"shape": [2, 2]}),
        Node("add_const", "addc", ("s",), "a", {}, {"c": rng.integers(-300, 300, (2, 1))}),
        Node("mul_const", "mulc", ("a",), "y", {}, {"c": np.array([3])}),
    ]
    shapes = {"h": (4,), "r": (4,), "s": (2, 2), "a": (2, 2), "y": (2, 2)}
    return model_of(nodes, TensorSpec("x", (6,), -128, 127), shapes)


def out_of_range_private(node_index: int, key: str, value: int) -> CompiledModel:
    """wide_private with the key's coarse ranges declared first, then constant ``key`` of
    node ``node_index`` set to ``value`` at one entry (outside its class)."""
    model = wide_private()
    g = coarse_key_graph(declare_const_ranges(model.graph))
    nodes = list(g.nodes)
    n = nodes[node_index]
    c = n.consts[key].copy()
    c.flat[0] = value
    nodes[node_index] = Node(n.op, n.name, n.inputs, n.output, n.attrs, {**n.consts, key: c})
    return CompiledModel(replace(g, nodes=nodes), model.inputs, model.outputs, model.info)


def test_coarse_ranges_hide_the_extremes():
    """The key's declared ranges are classes (sign, whole bytes): two weight sets of one
    class give one key graph, the requant windows included; a scalar constant is no longer
    declared to its exact value."""
    a, b = (setup(wide_private(seed), PRIVATE, certify=False).vk.graph for seed in (0, 1))
    assert [n.attrs for n in a.nodes] == [n.attrs for n in b.nodes]
    assert a.tensors == b.tensors
    mul = next(n for n in a.nodes if n.op == "mul_const")
    assert mul.attrs["const_ranges"]["c"] == [0, 8]
    plain = setup(wide_private(), profile_config("fast"), certify=False).vk.graph
    assert next(n for n in plain.nodes if n.op == "mul_const").attrs["const_ranges"]["c"][1] == 0


def test_coarse_ranges_that_would_overflow_are_refused_in_one_line():
    with pytest.raises(BoundError, match="coarse ranges"):
        setup(wide_model(), PRIVATE, certify=False)


@pytest.fixture(scope="module")
def certified():
    pk = setup(wide_private(), PRIVATE)
    return pk.vk, pk.vk.certificate


def test_flipped_certificate_bytes_are_rejected(certified):
    vk, data = certified
    verify_certificate(vk, data)
    for pos in np.linspace(0, len(data) - 1, 40).astype(int):
        b = bytearray(data)
        b[pos] ^= 0x01
        with pytest.raises(REJECTED):
            verify_certificate(vk, bytes(b))


def test_a_plain_certificate_does_not_pass_for_a_private_key(certified):
    vk, _ = certified
    plain = setup(wide_private(), profile_config("fast"))
    with pytest.raises(REJECTED):
        verify_certificate(vk, plain.vk.certificate)


def test_wrapped_offsets_rejected():
    rejects_wrapped_offsets(setup(out_of_range_private(0, "W", 128), PRIVATE, certify=False))


def test_wrapped_limbs_rejected():
    pk = setup(out_of_range_private(0, "b", 2**23 + 12345), PRIVATE, certify=False)
    cp = certificate_plan(pk.vk.graph, pk.vk.config)
    assert const(cp, 0, "b").widths == [8, 8, 8]  # the limbs path
    with pytest.raises(VerificationError):
        verify_certificate(pk.vk, forged(pk, lambda ints, cp: None))


def test_the_honest_prover_refuses_weights_outside_their_range():
    with pytest.raises(ProverError, match="outside its declared range"):
        setup(out_of_range_private(0, "W", 128), PRIVATE)


# ---- the budget ------------------------------------------------------------------------------


def test_proofs_past_the_budget_are_refused_before_any_work(monkeypatch):
    pk = setup(compiled(mlp()), {**PRIVATE, "private_weights": 2})
    for _ in range(2):
        verify(pk.vk, prove(pk, X))
    from tensorproof.prover import prove as prove_mod
    monkeypatch.setattr(prove_mod, "witness", lambda *a: pytest.fail("work began"))
    with pytest.raises(ProverError, match="budget of 2 .* used up"):
        prove(pk, X)


def test_a_key_file_records_every_block_before_the_proof(tmp_path: Path):
    """Two loads of one .tpk (two processes): the second proves at the next block, read from
    the file; the file counts both; a third load past the budget is refused."""
    pk = setup(compiled(mlp()), {**PRIVATE, "private_weights": 2})
    path = tmp_path / "m.tpk"
    api.save_pk(pk, path)
    assert _opened_on_disk(path) == 1  # the certificate's block
    a, b = api.load_pk(path), api.load_pk(path)
    pa, pb = prove(a, X), prove(b, X)
    assert _opened_on_disk(path) == 3
    for p in (pa, pb):
        verify(pk.vk, p)
    # each proof left its key one past the block it used: 1 for the first, 2 for the second
    assert [int(k.prover_data[MODEL].opened[0]) for k in (a, b)] == [2, 3]
    with pytest.raises(ProverError, match="used up"):
        prove(api.load_pk(path), X)


# ---- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize("config, match", [
    ({**profile_config("fast"), "private_weights": 3}, "needs 'zk'"),
    ({**PRIVATE, "private_weights": 0}, r"\[1, 63\]"),
    ({**PRIVATE, "private_weights": 64}, r"\[1, 63\]"),
    ({**PRIVATE, "private_weights": True}, r"\[1, 63\]"),
    ({"k": 2, "pcs": "raw", "zk": True, "private_weights": 3}, "'ligero' or 'whir'"),
])
def test_bad_configurations_are_refused(config, match):
    with pytest.raises(ConfigError, match=match):
        check_config(config)


def test_the_api_refuses_private_weights_it_cannot_hide():
    model = compiled(mlp())
    with pytest.raises(ConfigError, match="no hiding opening"):
        api.setup(model, pcs="raw", weights="private")
    with pytest.raises(ConfigError, match="'public' or 'private'"):
        api.setup(model, weights="secret")
    with pytest.raises(ConfigError, match=r"\[1, 63\]"):
        api.setup(model, weights="private", proof_budget=100)


def test_a_plain_claim_on_a_hidden_weight_is_refused():
    plan = build_plan(compiled(mlp()).graph, 1, PRIVATE)
    ext = ext_field(2)
    book = ClaimBook(None, ext, plan)
    w = next(n for n in plan.consts if hides(plan, n))
    point = [ext.zero()] * plan.consts[w].n_vars
    with pytest.raises(PlanError, match="private weight"):
        book.const_claim(w, point, ext.zero())
    with pytest.raises(PlanError, match="private weight"):
        book.claim(w, point, ext.zero())


def test_only_the_block_counter_is_outside_the_key_files_checksum(tmp_path: Path):
    """The counter is raised in place (no rewrite of the whole key); any other byte, and a
    header that calls another array mutable, are caught when the key is loaded."""
    from tensorproof.errors import KeyFileError
    from tensorproof.ir.modelfile import frame, unframe
    from tensorproof.prover.keyfile import MAGIC, VERSION, _counter

    pk = setup(compiled(mlp()), PRIVATE)
    path = tmp_path / "m.tpk"
    api.save_pk(pk, path)
    offset, value, _ = _counter(path)
    blob = bytearray(path.read_bytes())
    blob[offset] = 2  # the counter: still a valid key, one more block spent
    path.write_bytes(bytes(blob))
    assert int(api.load_pk(path).prover_data[MODEL].opened[0]) == 2
    bad = bytearray(blob)
    bad[offset + 8] ^= 1  # the byte after it
    path.write_bytes(bytes(bad))
    with pytest.raises(KeyFileError, match="checksum"):
        api.load_pk(path)
    head, body = unframe(bytes(blob), MAGIC, VERSION, "proving key", KeyFileError)
    import json
    header = json.loads(head)
    for mutable in (["pads"], ["opened", "pads"], "opened"):
        path.write_bytes(frame(MAGIC, VERSION, json.dumps({**header, "mutable": mutable})
                               .encode(), bytes(body)))
        with pytest.raises(KeyFileError, match="mutable"):
            api.load_pk(path)


def test_threads_sharing_one_key_open_distinct_blocks(tmp_path: Path, monkeypatch):
    """Two threads proving with one loaded key (a server): each proof opens the block its
    reservation got (an adversarial review found the shared counter let one proof open the
    other's block, and the file then miscounted); the file counts both."""
    import threading

    from tensorproof.prover import prove as prove_mod
    from tensorproof.prover.pcs import ligero_zk as lzk

    pk = setup(compiled(mlp()), PRIVATE)
    path = tmp_path / "m.tpk"
    api.save_pk(pk, path)
    shared = api.load_pk(path)
    opened, reserved = [], []
    real_open, real_reserve = lzk.LigeroZkPCS._open_rows, prove_mod.reserve_block
    both = threading.Barrier(2)

    def reserve(key):
        block = real_reserve(key)
        reserved.append(block)
        both.wait(timeout=60)  # both reserved before either opens: the interleaving found
        return block

    def open_rows(self, data, eq_rows, eq_cols, transcript, absorb, reserved_block=None):
        if self.params.openings > 1:  # the model's commitment (the advice's has one opening)
            opened.append(reserved_block)
        return real_open(self, data, eq_rows, eq_cols, transcript, absorb, reserved_block)

    monkeypatch.setattr(prove_mod, "reserve_block", reserve)
    monkeypatch.setattr(lzk.LigeroZkPCS, "_open_rows", open_rows)
    proofs = []
    threads = [threading.Thread(target=lambda: proofs.append(prove(shared, X)))
               for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert len(proofs) == 2 and sorted(reserved) == [1, 2] and sorted(opened) == [1, 2]
    assert _opened_on_disk(path) == 3
    for p in proofs:
        verify(pk.vk, p)


def test_saving_a_stale_key_never_rolls_the_count_back(tmp_path: Path):
    """Another instance proved from the file; saving the stale key over it keeps the file's
    count (a review found save_pk reset it, and the next load reused a block)."""
    pk = setup(compiled(mlp()), {**PRIVATE, "private_weights": 4})
    path = tmp_path / "m.tpk"
    api.save_pk(pk, path)
    other = api.load_pk(path)
    for _ in range(2):
        prove(other, X)
    assert _opened_on_disk(path) == 3
    api.save_pk(pk, path)  # pk itself never proved: its counter is 1
    assert _opened_on_disk(path) == 3 and int(pk.prover_data[MODEL].opened[0]) == 3


@pytest.mark.parametrize("offset", [2**70, 1e30, -8, 3, "8", True])
def test_a_malformed_counter_entry_is_a_typed_error(tmp_path: Path, offset):
    import json

    from tensorproof.errors import KeyFileError
    from tensorproof.ir.modelfile import frame, unframe
    from tensorproof.prover.keyfile import MAGIC, VERSION

    pk = setup(compiled(mlp()), PRIVATE, certify=False)
    path = tmp_path / "m.tpk"
    api.save_pk(pk, path)
    head, body = unframe(path.read_bytes(), MAGIC, VERSION, "proving key", KeyFileError)
    header = json.loads(head)
    for a in header["arrays"]:
        if a["name"] == "opened":
            a["offset"] = offset
    path.write_bytes(frame(MAGIC, VERSION, json.dumps(header).encode(), bytes(body)))
    with pytest.raises(KeyFileError):
        prove(pk, X)  # pk.source is the edited file: the reservation reads its header


def test_the_key_holds_no_scale_and_classes_of_the_values():
    """Every tensor's float scale in a private key is a placeholder (with the public shifts
    they gave the multipliers); a one-sided bias gets the class of its values, not of the
    compiler's fitted range ([1, 200] and [0, 200] were two classes)."""
    def with_bias(b):
        g = mlp()
        n = g.nodes[0]
        nodes = [Node(n.op, n.name, n.inputs, n.output, n.attrs, {**n.consts, "b": b}),
                 *g.nodes[1:]]
        return compiled(replace(g, nodes=nodes))
    graphs = [setup(with_bias(np.array(b)), PRIVATE, certify=False).vk.graph
              for b in ([1, 200, 50, 7], [0, 200, 50, 7])]
    assert all(t.scale == 1.0 for g in graphs for t in g.tensors.values())
    assert graphs[0].nodes[0].attrs == graphs[1].nodes[0].attrs
    assert graphs[0].tensors == graphs[1].tensors


# ---- the compact profile (whir-zk) -------------------------------------------------------------

COMPACT = {**profile_config("compact"), "zk": True, "private_weights": 2}


@pytest.fixture(scope="module")
def compact_lie():
    """The honest compact proof the bumped-message tests copy, verified once."""
    mp = pytest.MonkeyPatch()
    try:
        honest = lying_proof(mp, mlp(), X, config=COMPACT)
        verify(honest.vk, honest.proof)
        yield honest
    finally:
        mp.undo()


def test_compact_private_weights_prove_the_reference_outputs(tmp_path: Path):
    pk = setup(compiled(mlp()), COMPACT)
    path = tmp_path / "c.tpk"
    api.save_pk(pk, path)
    loaded = api.load_pk(path)
    vk = VerifyingKey.from_bytes(pk.vk.to_bytes())  # checks the zero-knowledge certificate
    assert vk.zero_knowledge and vk.config["pcs"] == "whir"
    out = verify(vk, prove(loaded, X))
    ref = execute(pk.model.graph, X)
    assert all(np.array_equal(out[n], ref[n]) for n in ("h", "y"))
    assert _opened_on_disk(path) == 2
    verify(vk, prove(api.load_pk(path), X))
    with pytest.raises(ProverError, match="budget of 2 .* used up"):
        prove(api.load_pk(path), X)
    other = setup(compiled(mlp()), COMPACT, certify=False)  # the same weights, another key
    assert other.vk.model_id != pk.vk.model_id
    rejects(other.vk, prove(setup(compiled(mlp()), COMPACT, certify=False), X))


@pytest.mark.parametrize("fragment", ["open advice/value", "whir-zk/mask_root",
                                      "whir-zk/cross", "whir-zk/fibers", "whir-zk/salts",
                                      ":bias", ":finals"])
def test_compact_bumped_messages_are_rejected(compact_lie, fragment):
    """The first and last of each: e_B and e_M, both whir-zk openings (the advice's first, the
    model's last), the linear layer's randomized bias and finals."""
    rejects_bumped_ends(compact_lie, fragment)


@pytest.mark.parametrize("block", [0, 2, 65535])
def test_compact_another_block_is_rejected(compact_lie, block):
    (message,) = compact_lie.find(BLOCK_LABEL)
    stream = bytearray(compact_lie.proof.stream)
    stream[message.start:message.end] = block.to_bytes(2, "big")
    rejects(compact_lie.vk, replace(compact_lie.proof, stream=bytes(stream)))


def test_compact_prover_computing_with_other_weights_is_rejected(monkeypatch):
    def ints_fn(plan, ints):
        w = next(n for n in plan.consts if hides(plan, n) and ints[n].ndim == 2)
        ints[w] = ints[w].copy()
        ints[w].flat[0] += 1
    bad = lying_proof(monkeypatch, mlp(), X, ints_fn=ints_fn, config=COMPACT)
    rejects(bad.vk, bad.proof)
