"""Weight certificate: the named tamper suite (issue 9, finding 4).

- bytes: a flipped byte in every region of a certificate, a truncated or extended one, and a
  certificate presented with another model's key are rejected;
- the attack: committed weights outside their declared ranges (the key's graph still looks
  fine, and passes the structure validation) make accumulators wrap modulo p. The honest prover
  refuses to certify them (ProverError), and the certificates a cheating prover builds — wrapped
  offsets, wrapped limbs, limbs out of their range, wrong multiplicities, nonzero padding in
  the committed vector — are rejected by verify_certificate (production prover code on a forged
  witness: prove_from_witness).

Every case runs under each proof profile (conftest.py): its field degree and its commitment scheme
(Ligero, WHIR), whose messages are regions of the certificate too.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

from protocol.step_harness import raw_config
from protocol.test_certificate import wide_model
from tensorproof.errors import ProofFormatError, ProverError, VerificationError
from tensorproof.ir.graph import ACC_LIMIT, IntGraph, Node, TensorSpec
from tensorproof.ir.model import CompiledModel
from tensorproof.ir.ranges import infer_range
from tensorproof.ir.validate import validate_graph
from tensorproof.prover.certificate import (
    certificate_witness,
    prove_certificate,
    prove_from_witness,
    with_multiplicities,
)
from tensorproof.prover.model import declare_const_ranges, setup
from tensorproof.prover.pcs_config import pcs_prover
from tensorproof.transcript import ProverTranscript
from tensorproof.verifier.certificate import DOMAIN, certificate_plan, verify_certificate
from tensorproof.verifier.keys import VerifyingKey
from tensorproof.verifier.lookups import MULT
from tensorproof.verifier.pcs_config import PROFILES, profile_config
from tensorproof.verifier.plan import MODEL

REJECTED = (VerificationError, ProofFormatError)


class Recording(ProverTranscript):
    """Remembers (region, start, end) of every message; the commitment scheme's messages are
    named after the opening they belong to (advice, then model)."""

    def __init__(self, domain: bytes):
        super().__init__(domain)
        self.regions: list[tuple[str, int, int]] = []
        self.n, self.opening = 0, ""

    def send_bytes(self, label: str, data) -> None:
        data = bytes(data)
        region = re.sub(r"\d+", "#", label)
        if region.startswith("open "):
            self.opening = region.split()[1].split("/")[0] + " "
        if region.split("/")[0] in SCHEME_REGIONS:
            region = self.opening + region
        self.regions.append((region, self.n, self.n + len(data)))
        self.n += len(data)
        super().send_bytes(label, data)


SCHEME_REGIONS = {
    "ligero": ["u#", "u_evals", "columns", "merkle"],
    "whir": ["batch_evals", "sumcheck", "final", "pow", "fibers", "merkle"],
}
"""The messages of each commitment scheme's opening (WHIR: one batched opening of both groups
after the last merge, "open model": its cross-evaluations, one folding round, then the final
polynomial, at these sizes)."""


def regions(profile: str) -> list[str]:
    """Every region of a certificate under the profile's commitment scheme (Ligero opens each
    group after merging its claims; WHIR merges both, then opens them in one batch)."""
    scheme = PROFILES[profile]["pcs"]
    batched = scheme == "whir"
    openings = [[f"open {opening}/round#", f"open {opening}/value",
                 *(f"{opening} {scheme}/{m}" for m in SCHEME_REGIONS[scheme]
                   if not batched or opening == "model")]
                for opening in ("advice", "model")]
    return [
        "advice commitment", "lookup/witness/root", "lookup/witness/layer#/sumcheck/round#",
        "lookup/witness/layer#/children", "lookup/use#/columns", "lookup/table/root",
        "lookup/table/layer#/sumcheck/round#", "lookup/table/layer#/children", "const # limbs",
        "padding sumcheck/round#", "padding final", *openings[0], *openings[1],
    ]


@functools.cache
def honest_certificate(profile: str):
    """(key, certificate, recorded regions) of the wide model under the profile's commitment (W
    large enough that an opening leaves columns unopened: Merkle nodes in both openings). Cached
    per profile: the region tests, parametrized by (profile, region), do not run grouped."""
    pk = setup(wide_model(n_in=300), profile_config(profile), certify=False)
    cp = certificate_plan(pk.vk.graph)
    t = Recording(DOMAIN)
    data = prove_from_witness(pk, cp, with_multiplicities(cp, certificate_witness(pk, cp)), t)
    verify_certificate(pk.vk, data)
    return pk.vk, data, t.regions


@pytest.fixture
def honest(profile):
    return honest_certificate(profile)


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


def test_every_region_of_the_certificate_is_covered_by_the_suite(honest, profile):
    assert sorted({r for r, _, _ in honest[2]}) == sorted(regions(profile))


@pytest.mark.parametrize("profile, region", [(p, r) for p in PROFILES for r in regions(p)],
                         indirect=["profile"])
def test_flipped_byte_in_region_rejected(honest, region):
    vk, data, regions = honest
    spans = [(start, end) for name, start, end in regions if name == region]
    assert spans, f"no message in region {region}"
    if not any(end > start for start, end in spans):  # e.g. no Merkle node: every column opened
        pytest.skip(f"every message of region {region} is empty for this model")
    start, end = next((start, end) for start, end in spans if end > start)
    for pos in sorted({start, (start + end) // 2, end - 1}):
        with pytest.raises(REJECTED):
            verify_certificate(vk, flip(data, pos))


@pytest.mark.parametrize("cut", [1, 8, 100])
def test_truncated_certificate_rejected(honest, cut):
    vk, data, _ = honest
    with pytest.raises(ProofFormatError, match="truncated"):
        verify_certificate(vk, data[:-cut])


def test_empty_certificate_rejected(honest):
    with pytest.raises(ProofFormatError, match="truncated"):
        verify_certificate(honest[0], b"")


@pytest.mark.parametrize("extra", [b"\0", b"\x01" * 32])
def test_extended_certificate_rejected(honest, extra):
    vk, data, _ = honest
    with pytest.raises(ProofFormatError, match="trailing bytes"):
        verify_certificate(vk, data + extra)


def test_certificate_for_another_models_key_rejected(honest, config):
    vk, data, _ = honest
    other = setup(wide_model(seed=5), config, certify=False)  # same structure, other weights
    with pytest.raises(REJECTED):
        verify_certificate(other.vk, data)
    with pytest.raises(REJECTED):
        verify_certificate(vk, prove_certificate(other))


@pytest.mark.parametrize("other", ["profile", "field degree"])
def test_certificate_for_the_same_weights_under_another_configuration_rejected(
        config, other_profile, other):
    """The key of the other profile, or of the raw commitment over the other profile's K."""
    other_config = (profile_config(other_profile) if other == "profile"
                    else raw_config(PROFILES[other_profile]["k"]))
    pk = setup(wide_model(), config, certify=False)
    pk_other = setup(wide_model(), other_config, certify=False)
    with pytest.raises(REJECTED):
        verify_certificate(pk_other.vk, prove_certificate(pk))


# ---- committed weights outside their declared ranges ---------------------------------------


def out_of_range_model(node_index: int, key: str, value: int) -> CompiledModel:
    """wide_model with its declared ranges fixed first, then constant ``key`` of node
    ``node_index`` set to ``value`` at one entry: the key still declares the honest ranges."""
    model = wide_model()
    g = declare_const_ranges(model.graph)
    nodes = list(g.nodes)
    n = nodes[node_index]
    c = n.consts[key].copy()
    c.flat[0] = value
    nodes[node_index] = Node(n.op, n.name, n.inputs, n.output, n.attrs, {**n.consts, key: c})
    bad = IntGraph(g.inputs, g.outputs, g.tensors, nodes, g.meta)
    return CompiledModel(bad, model.inputs, model.outputs, model.info)


def forged(pk, edit) -> bytes:
    """A cheating prover's certificate: the true witness (no range check), edited by ``edit``
    (ints, certificate plan), then proven by the production code."""
    cp = certificate_plan(pk.vk.graph, pk.vk.config)
    ints = certificate_witness(pk, cp, check=False)
    edit(ints, cp)
    if MULT not in ints:
        ints = with_multiplicities(cp, ints)
    return prove_from_witness(pk, cp, ints)


def const(cp, node_index: int, key: str):
    return next(c for c in cp.consts if cp.plan.const_sources[c.name][:2] == (node_index, key))


@pytest.mark.parametrize("node_index, key, value", [(0, "W", 128), (0, "W", -(2**40)),
                                                     (0, "b", 2**41), (1, "mult", -1)])
def test_honest_prover_refuses_weights_outside_their_declared_range(config, node_index, key,
                                                                    value):
    model = out_of_range_model(node_index, key, value)
    with pytest.raises(ProverError, match="outside its declared range"):
        setup(model, config)
    pk = setup(model, config, certify=False)
    with pytest.raises(ProverError, match="outside its declared range"):
        prove_certificate(pk)


def rejects_wrapped_offsets(pk) -> None:
    """W[0] = lo + 2^w in ``pk``: the cheating prover looks up u mod 2^w (in range) instead
    of u, and the certificate is rejected."""
    def edit(ints, cp):
        c = const(cp, 0, "W")
        ints[c.offset] = ints[c.offset] % (1 << c.w)

    with pytest.raises(VerificationError):
        verify_certificate(pk.vk, forged(pk, edit))


def test_wrapped_offsets_rejected(config):
    rejects_wrapped_offsets(setup(out_of_range_model(0, "W", 128), config, certify=False))


def test_wrong_multiplicities_rejected(config):
    """The true offset (256, off the range8 table) with multiplicities that count a row of the
    table instead: the LogUp sums differ."""
    pk = setup(out_of_range_model(0, "W", 128), config, certify=False)

    def edit(ints, cp):
        c = const(cp, 0, "W")
        true = ints[c.offset].copy()
        ints[c.offset] = np.clip(true, 0, (1 << c.w) - 1)
        ints.update(with_multiplicities(cp, ints))
        ints[c.offset] = true

    with pytest.raises(VerificationError, match="lookup"):
        verify_certificate(pk.vk, forged(pk, edit))


def test_wrapped_limbs_rejected(config):
    """A 42-bit bias under a 41-bit declared range: limbs of u mod 2^41 recompose to another
    constant than the committed one."""
    pk = setup(out_of_range_model(0, "b", 2**41 + 12345), config, certify=False)
    with pytest.raises(VerificationError):
        verify_certificate(pk.vk, forged(pk, lambda ints, cp: None))


def test_limb_out_of_its_range_rejected(config):
    """u = 2^41 written as limbs that recompose exactly (top limb 2 in a 1-bit limb): the top
    limb is off its range1 table, whatever multiplicities the prover commits."""
    pk = setup(out_of_range_model(0, "b", 2**41 - 2**40), config, certify=False)

    def edit(ints, cp):
        c = const(cp, 0, "b")
        top = c.limbs[-1]
        assert ints[top].flat[0] == 0  # the mask dropped the carry
        ints[top].flat[0] = 2
        shown = ints[top].copy()
        ints[top].flat[0] = 1
        ints.update(with_multiplicities(cp, ints))
        ints[top] = shown

    with pytest.raises(VerificationError, match="lookup"):
        verify_certificate(pk.vk, forged(pk, edit))


@pytest.mark.parametrize("where", ["weight padding", "vector tail"])
def test_nonzero_padding_of_the_committed_vector_rejected(where, config):
    """A value in W's padding rows (a sum over the padded axis would add it) or in the packed
    vector's tail: the honest prover's zero-check fails, whatever the certificate says."""
    pk = setup(wide_model(), config, certify=False)
    cp = certificate_plan(pk.vk.graph)
    vector = pk.model_vector(cp.plan).copy()
    w = const(cp, 0, "W")
    assert w.layout.shape == (6, 4) and w.layout.padded == (8, 4)
    slot = cp.model.slot(w.name)
    vector[slot.offset + 6 * 4 if where == "weight padding" else -1] = 7
    commitment, data = pcs_prover(config).commit(vector)
    pk.vk = VerifyingKey(pk.vk.graph, pk.vk.inputs, pk.vk.outputs, commitment, config)
    pk.prover_data[MODEL] = data
    pk.model_vector = lambda plan: vector
    with pytest.raises(VerificationError, match="not zero outside its constants"):
        verify_certificate(pk.vk, prove_certificate(pk))


def test_finding_4_wrapping_accumulator_caught_by_the_certificate(config):
    """The key declares W ∈ [-128, 127] and every tensor range derived from it: the structure
    validation passes. The committed W holds 2^45: x·W·mult reaches past 2^62 and wraps mod p
    in the requant relation. No honest certificate exists; a forged one is rejected."""
    model = out_of_range_model(0, "W", 2**45)
    pk = setup(model, config, certify=False)
    validate_graph(pk.vk.graph, values=False)  # the key alone looks fine
    g = pk.model.graph
    h = infer_range(g.nodes[0], [g.tensors["x"]], exact=True)
    rq = infer_range(g.nodes[1], [TensorSpec("h", (4,), h[0], h[1])], exact=True)
    assert rq[2] >= ACC_LIMIT  # the real weights overflow the accumulator limit
    with pytest.raises(ProverError):
        prove_certificate(pk)

    def edit(ints, cp):
        c = const(cp, 0, "W")
        ints[c.offset] = ints[c.offset] % (1 << c.w)

    with pytest.raises(VerificationError):
        verify_certificate(pk.vk, forged(pk, edit))
    with pytest.raises(VerificationError):
        VerifyingKey.from_bytes(pk.vk.with_certificate(forged(pk, edit)).to_bytes())
