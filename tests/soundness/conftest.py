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

**On chain** (by default wherever the EVM tests can run: pyrevm, Node.js and `npm ci`'s solc;
TENSORPROOF_TAMPER_ON_CHAIN=1 or TENSORPROOF_REQUIRE_EVM=1 requires it, =0 turns it off;
tests/evm/model_harness.ChainJudge): every call of the Python verifier in these suites is
also put to the EVM verifier (ModelVerifier on pyrevm), which must accept exactly the proofs
that Python accepts, with the results root of their statement; a disagreement fails the test.
The compact profile's suites then prove with its real configuration (WHIR: what the contract
opens) instead of the raw commitment. The fast profile's suites, a module marked
``fast_profile_only`` (its keys are all fast-profile ones: zero knowledge) and the
zero-knowledge replay (TENSORPROOF_TAMPER_ZK=1) run in Python alone: the contract checks none
of their proofs. Compact keys it does not check (an op not ported) are counted, not judged.
TENSORPROOF_TAMPER_ON_CHAIN_REPORT=DIR writes each worker's counts there as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
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


ZERO_KNOWLEDGE = os.environ.get("TENSORPROOF_TAMPER_ZK") == "1"
"""TENSORPROOF_TAMPER_ZK=1: every suite proves under zero-knowledge keys (``config`` and
``raw_config`` are the profile's real configuration with "zk": masked sumchecks, randomized
finals, the hiding ligero-zk or whir-zk opening), so the tamper suites run unchanged on
zero-knowledge proofs (issue 13; CI runs the fast profile's, -k fast: docs/internals.md)."""


ZK_SWITCHED = frozenset({"config", "raw_config", "lying", "zero_knowledge"})
"""The fixtures through which TENSORPROOF_TAMPER_ZK=1 reaches a test (its keys' configuration)."""


def pytest_collection_modifyitems(config, items):
    """Under TENSORPROOF_TAMPER_ZK=1, the suites' tests that no ZK_SWITCHED fixture reaches
    are deselected: they build their own keys and would only repeat the plain run."""
    if not ZERO_KNOWLEDGE:
        return
    here = os.path.dirname(__file__)
    keep, drop = [], []
    for item in items:
        inside = os.path.commonpath([here, str(item.path)]) == here
        reached = ZK_SWITCHED & set(getattr(item, "fixturenames", ()))
        (drop if inside and not reached else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def zero_knowledge() -> bool:
    """Whether the suites prove under zero-knowledge keys (TENSORPROOF_TAMPER_ZK=1)."""
    return ZERO_KNOWLEDGE


@pytest.fixture(scope="module")
def config(profile) -> dict:
    return {**profile_config(profile), "zk": True} if ZERO_KNOWLEDGE else profile_config(profile)


def _on_chain() -> bool:
    """Whether the suites judge on chain (module docstring): the EVM tools' presence unless
    TENSORPROOF_TAMPER_ON_CHAIN says; never under zero-knowledge keys (the contract checks
    none)."""
    from evm_chain import evm_unavailable

    wanted = os.environ.get("TENSORPROOF_TAMPER_ON_CHAIN", "auto")
    if ZERO_KNOWLEDGE or wanted == "0":
        return False
    why = evm_unavailable()
    if why is not None and "1" in (wanted, os.environ.get("TENSORPROOF_REQUIRE_EVM")):
        raise pytest.UsageError(f"judging the tamper suites on chain is required "
                                f"(TENSORPROOF_TAMPER_ON_CHAIN=1 or TENSORPROOF_REQUIRE_EVM=1) "
                                f"but the EVM tools are unavailable: {why}")
    return why is None


ON_CHAIN = _on_chain()


@pytest.fixture(scope="module")
def raw_config(k) -> dict:
    if ZERO_KNOWLEDGE:
        return {**profile_config("fast" if k == PROFILES["fast"]["k"] else "compact"), "zk": True}
    if ON_CHAIN and k == PROFILES["compact"]["k"]:
        return profile_config("compact")
    return raw_config_of(k)


_JUDGE: list = []
VERDICTS: Counter = Counter()
"""On chain: how the verifier calls of this worker ended (agreed accept / agreed reject / not
on chain, with the reason)."""


def _judged(original):
    """``original`` (verifier.verify.verify) with the EVM verifier's verdict beside it."""
    from evm.model_harness import ChainJudge
    from tensorproof.errors import TensorProofError, UnsupportedOpError
    from tensorproof.solidity.evm import BLOCK_GAS_LIMIT
    from tensorproof.solidity.results import proof_results_root

    if not _JUDGE:
        _JUDGE.append(ChainJudge())
    judge = _JUDGE[0]

    def verify(vk, proof):
        try:
            out, error = original(vk, proof), None
        except TensorProofError as e:
            out, error = None, e
        try:
            root, gas, why = judge.verdict(vk, proof)
        except UnsupportedOpError as e:
            VERDICTS[f"not on chain: {str(e)[:90]}"] += 1
        else:
            if error is None:
                assert root == proof_results_root(proof), (
                    f"Python accepts, the contract does not ({gas:,} gas): {why}")
                VERDICTS["accepted by both"] += 1
                if gas > BLOCK_GAS_LIMIT:
                    VERDICTS["accepted by both, over the block gas limit"] += 1
            else:
                assert root is None, f"the contract accepts what Python rejects: {error}"
                VERDICTS["rejected by both"] += 1
        if error is not None:
            raise error
        return out

    return verify


@pytest.fixture(autouse=True)
def _verdicts_on_chain(request, monkeypatch):
    """On chain: the Python verifier, wherever these suites imported it, judged on chain too;
    the tests of another profile than the compact one, and the fast-profile-only modules, run in
    Python alone (the EVM verifier checks the compact profile's proofs)."""
    judged_here = ON_CHAIN and not request.node.get_closest_marker("fast_profile_only") and (
        "profile" not in request.fixturenames
        or request.getfixturevalue("profile") == "compact")
    if judged_here:
        from tensorproof.verifier import verify as verify_mod

        original = verify_mod.verify
        judged = _judged(original)
        for mod in list(sys.modules.values()):
            try:
                found = getattr(mod, "verify", None) is original
            except Exception:  # a module with a lazy __getattr__
                found = False
            if found:
                monkeypatch.setattr(mod, "verify", judged)
    yield


def pytest_sessionfinish(session):
    out = os.environ.get("TENSORPROOF_TAMPER_ON_CHAIN_REPORT")
    if ON_CHAIN and out and VERDICTS:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, f"{worker}.json"), "w") as f:
            json.dump(dict(VERDICTS), f, indent=1)


@pytest.fixture
def lying(monkeypatch, raw_config):
    return partial(lying_proof, monkeypatch, config=raw_config)
