"""The fraction-sum GKR prover's numba layers (prover/fraction_gkr_kernels.py) write the same
proof, state and leaf claims as its Python layers, for every leaf count, numerator kind and
extension degree, and the verifier accepts the result."""

from __future__ import annotations

import numpy as np
import pytest

import tensorproof.prover.fraction_gkr as fg
from protocol.transcript_doubles import Relay, Watching
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.fraction_gkr import prove_fraction_sum
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.fraction_gkr import verify_fraction_sum

DOMAIN = b"tensorproof/test/fraction-gkr-kernels"


def _tables(k, m, kind, rng):
    den = vec_field(k).random(1 << m, rng)
    num = {"none": None, "f": vec_field(1).random(1 << m, rng),
           "k": vec_field(k).random(1 << m, rng)}[kind]
    return num, den


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("m", [0, 1, 2, 4, 7])
@pytest.mark.parametrize("kind", ["none", "f", "k"])
def test_numba_layers_match_python_layers(k, m, kind):
    vf = vec_field(k)
    num, den = _tables(k, m, kind, np.random.default_rng(100 * k + 10 * m + len(kind)))
    fast, slow = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    res = prove_fraction_sum(fast, vf, num, den, "g")
    assert res == prove_fraction_sum(Relay(slow), vf, num, den, "g")
    assert fast.proof_bytes() == slow.proof_bytes() and fast.state == slow.state
    vt = VerifierTranscript(DOMAIN, fast.proof_bytes())
    sub = verify_fraction_sum(vt, ext_field(k), m, "g")
    vt.check_eof()
    assert (sub.point, sub.num_value, sub.den_value) == (res.point, res.num_eval, res.den_eval)


@pytest.mark.parametrize("kind", ["f", "k"])
def test_handover_from_numba_to_python_layers(kind, monkeypatch):
    """More layers than SMALL_LAYERS: the numba layers stop part-way, Python finishes."""
    monkeypatch.setattr(fg, "SMALL_LAYERS", 3)
    vf = vec_field(2)
    num, den = _tables(2, 6, kind, np.random.default_rng(7))
    fast, slow = ProverTranscript(DOMAIN), ProverTranscript(DOMAIN)
    assert prove_fraction_sum(fast, vf, num, den, "g") == prove_fraction_sum(Relay(slow), vf,
                                                                              num, den, "g")
    assert fast.proof_bytes() == slow.proof_bytes()


def test_a_transcript_subclass_sees_every_layer_message():
    t = Watching(DOMAIN)
    prove_fraction_sum(t, vec_field(2), None, vec_field(2).random(8, np.random.default_rng(1)),
                       "g")
    assert t.labels == ["g/root", "g/layer0/children", "g/layer1/sumcheck/round0",
                        "g/layer1/children", "g/layer2/sumcheck/round0",
                        "g/layer2/sumcheck/round1", "g/layer2/children"]
