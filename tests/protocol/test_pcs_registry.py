"""The commitment scheme registry (verifier/pcs/registry.py, prover/pcs/registry.py).

Every registered scheme implements the three Protocols, round-trips commit → open → verify at
both challenge degrees, and its codec round-trips the prover data through a .tpk (the loaded
key proves the same bytes). An unknown scheme fails at setup with one line, never later; a new
scheme is one module pair plus one registry line (a scheme added at test time proves, verifies
and saves its key with no other change).
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import tensorproof.api as tp
from graphs import linear_residual_model
from tensorproof.errors import ConfigError, ProofFormatError, VerificationError
from tensorproof.field.params import P
from tensorproof.prover.keyfile import parse_pk, pk_bytes
from tensorproof.prover.model import setup
from tensorproof.prover.pcs import raw as raw_prover
from tensorproof.prover.pcs.registry import (
    CommitmentProver,
    ProverDataCodec,
    ProverScheme,
    prover_scheme,
)
from tensorproof.prover.prove import prove
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.key_checks import check_config as check_key_config
from tensorproof.verifier.pcs import absorb_commitment
from tensorproof.verifier.pcs import raw as raw_verifier
from tensorproof.verifier.pcs.registry import (
    SCHEMES,
    OpeningVerifier,
    VerifierScheme,
    verifier_scheme,
)
from tensorproof.verifier.pcs_config import (
    NOT_SELECTABLE,
    check_config,
    default_config,
    profile_config,
)
from tensorproof.verifier.plan import MODEL
from tensorproof.verifier.verify import verify

DOMAIN = b"tensorproof/test/registry"
NAMES = sorted(SCHEMES)


def test_every_scheme_implements_the_protocols():
    for name in NAMES:
        config = default_config(3, name)
        v, p = verifier_scheme(name), prover_scheme(name)
        assert isinstance(v, VerifierScheme) and v.name == name
        assert isinstance(v.verifier(config), OpeningVerifier)
        assert isinstance(p, ProverScheme) and isinstance(p.codec, ProverDataCodec)
        assert isinstance(p.prover(config), CommitmentProver)
        if name in NOT_SELECTABLE:  # the hiding schemes back a profile, never a key alone
            v.check(config)
            with pytest.raises(ConfigError, match="not selectable"):
                check_config(config)
        else:
            assert check_config(config) is v


def test_whir_over_the_quadratic_extension_is_refused_at_setup():
    """WHIR's folding error at the Johnson bound needs |K| ~ 2^192 (whir_params.py)."""
    with pytest.raises(ConfigError, match="bits of security"):
        check_config(default_config(2, "whir"))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_every_scheme_round_trips_commit_open_verify(name, k):
    config = default_config(k, name)
    if name == "whir-zk" and k == 2:  # WHIR over F_p^2: refused (its mask's sizes miss 100 bits)
        with pytest.raises(ConfigError, match="bits"):
            verifier_scheme(name).check(config)
        return
    rng = np.random.default_rng(k)
    table = rng.integers(0, P, 1 << 7, dtype=np.uint64)
    points = [[tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64)) for _ in range(7)]
              for _ in range(2)]
    # Prover world
    commitment, data = prover_scheme(name).prover(config).commit(table)
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    values = prover_scheme(name).prover(config).open(data, points, pt)
    # Verifier world
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    absorb_commitment(vt, commitment)
    verifier_scheme(name).verifier(config).verify(commitment, points, values, vt)
    vt.check_eof()
    assert vt.state == pt.state
    wrong = [values[0], tuple((c + 1) % P for c in values[1])]
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    absorb_commitment(vt, commitment)
    with pytest.raises((VerificationError, ProofFormatError)):
        verifier_scheme(name).verifier(config).verify(commitment, points, wrong, vt)


@pytest.mark.parametrize("name", NAMES)
def test_every_codec_round_trips_through_a_proving_key_file(name):
    """A key of each scheme; the hiding ones (not selectable on their own) back a key with
    private weights, whose proofs are randomized: both verify instead of being equal."""
    model, _ = linear_residual_model()
    hiding = {"ligero-zk": "fast", "whir-zk": "compact"}.get(name)
    config = ({**profile_config(hiding), "zk": True, "private_weights": 2} if hiding
              else default_config(3, name))
    pk = setup(model, config)
    blob = pk_bytes(pk)
    loaded = parse_pk(blob)
    assert pk_bytes(loaded) == blob
    codec = prover_scheme(name).codec
    assert {n: a.tobytes() for n, a in codec.encode(loaded.prover_data[MODEL]).items()} == \
           {n: a.tobytes() for n, a in codec.encode(pk.prover_data[MODEL]).items()}
    x = {"x": np.random.default_rng(3).integers(-128, 128, (2, 12))}
    proof = prove(loaded, x)
    if hiding:
        verify(pk.vk, prove(pk, x))
    else:
        assert proof.to_bytes() == prove(pk, x).to_bytes()
    verify(pk.vk, proof)


def test_unknown_scheme_fails_at_setup_with_one_line():
    model, _ = linear_residual_model()
    for make in (lambda: setup(model, {"k": 2, "pcs": "bogus"}),
                 lambda: tp.setup(model, pcs="bogus")):
        with pytest.raises(ConfigError, match="unknown commitment scheme 'bogus'") as e:
            make()
        assert "\n" not in str(e.value) and "ligero" in str(e.value)


@pytest.mark.parametrize("config, match", [
    ({"k": 2, "pcs": "ligero", "blowup": 4, "queries": 20}, "bits of security"),
    ({"k": 2, "pcs": "ligero", "blowup": 4}, "configuration fields"),
    ({"k": 2, "pcs": "raw", "rate": 4}, "configuration fields"),
    ({"k": 5, "pcs": "raw"}, "field degree"),
    ({"k": 2}, "unknown commitment scheme None"),
], ids=["weak", "missing field", "unknown field", "field degree", "no scheme"])
def test_unusable_configuration_fails_at_setup(config, match):
    model, _ = linear_residual_model()
    with pytest.raises(ConfigError, match=match):
        setup(model, config)
    with pytest.raises(ProofFormatError, match=f"verifying key: .*{match}"):
        check_key_config(config)


# ---- a new scheme: one module pair plus one registry line --------------------------------------


class _MirrorVerifierScheme(raw_verifier.RawScheme):
    name = "mirror"
    ignored = frozenset()


class _MirrorCodec(raw_prover.RawCodec):
    """Stores the table (a codec with an array), checks it against the commitment on load."""

    def encode(self, data):
        return {"table": data.table}

    def decode(self, commitment, table, arrays, config):
        assert np.array_equal(arrays["table"], table)
        return super().decode(commitment, table, arrays, config)


class _MirrorProverScheme(raw_prover.RawScheme):
    codec = _MirrorCodec()


@pytest.fixture
def mirror(monkeypatch):
    """Registers "mirror" (RawPCS under another name) as a new module pair would."""
    for package, scheme in (("tensorproof.verifier.pcs", _MirrorVerifierScheme()),
                            ("tensorproof.prover.pcs", _MirrorProverScheme())):
        module = types.ModuleType(f"{package}.mirror")
        module.SCHEME = scheme
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(SCHEMES, "mirror", "mirror")
    return {"k": 2, "pcs": "mirror"}


def test_a_registered_module_pair_is_a_new_scheme(mirror):
    model, reference = linear_residual_model()
    pk = setup(model, mirror)
    x = np.random.default_rng(4).integers(-128, 128, (2, 12))
    loaded = parse_pk(pk_bytes(pk))
    proof = prove(loaded, {"x": x})
    assert np.array_equal(verify(pk.vk, proof)["y"], reference(x))
    assert default_config(3, "mirror") == {"k": 3, "pcs": "mirror"}
