"""The proof profiles of the tamper suites.

A test, or a module-scoped fixture, that asks for ``profile`` (or for a fixture below, which
derive from it) runs once per profile of ``verifier/pcs_config.PROFILES``: "fast" (Ligero,
K = F_p^2) and "compact" (WHIR, K = F_p^3); test ids end in [fast] / [compact]. A module whose
every test must run per profile without naming it uses
``pytestmark = pytest.mark.usefixtures("profile")``; a test that pairs profiles with other
parameters parametrizes ``profile`` itself (``indirect=["profile"]``).

- ``other_profile``: the other profile (a proof or key of one presented to the other).
- ``k``: the profile's challenge field degree; ``elem``: the bytes of one K element in a proof.
- ``config``: the profile's real configuration (its commitment scheme with default parameters),
  for the suites that set a model up.
- ``raw_config``: the raw (test) commitment over the profile's K, for the suites that tamper with
  the proof steps: the steps depend on k, not on the commitment scheme.
- ``lying``: ``lying(g, inputs, ints_fn=None, tables_fn=None)``, the lying prover of
  lying_prover.py (the real prove driver on a changed witness) with ``raw_config``.
"""

from __future__ import annotations

from functools import partial

import pytest

from protocol.step_harness import raw_config as raw_config_of
from soundness.lying_prover import lying_proof
from tensorproof.field.encoding import k_bytes
from tensorproof.verifier.pcs_config import PROFILES, profile_config


@pytest.fixture(scope="module", params=list(PROFILES))
def profile(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def other_profile(profile) -> str:
    (other,) = (p for p in PROFILES if p != profile)
    return other


@pytest.fixture(scope="module")
def k(profile) -> int:
    return PROFILES[profile]["k"]


@pytest.fixture(scope="module")
def elem(k) -> int:
    return k_bytes(k)


@pytest.fixture(scope="module")
def config(profile) -> dict:
    return profile_config(profile)


@pytest.fixture(scope="module")
def raw_config(k) -> dict:
    return raw_config_of(k)


@pytest.fixture
def lying(monkeypatch, raw_config):
    return partial(lying_proof, monkeypatch, config=raw_config)
