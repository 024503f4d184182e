"""Make tests/ importable (shared test helpers such as graphs.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests: numba kernels load (or compile) on first use, so no per-example deadline.
settings.register_profile("tensorproof", deadline=None)
settings.load_profile("tensorproof")


@pytest.fixture
def np_rng() -> np.random.Generator:
    """A seeded numpy Generator (deterministic tests)."""
    return np.random.default_rng(20240601)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory):
    """Tests never write the user's cache: `tensorproof verify` (in process or in a child
    process, which inherits the environment) records keys that passed their checks, and the
    EVM tooling its compiled contracts, under $TENSORPROOF_CACHE_DIR: here one folder per test
    worker."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TENSORPROOF_CACHE_DIR", str(tmp_path_factory.mktemp("tensorproof-cache")))
        # the fused sumcheck kernel always (compiled in the foreground when not cached), not the
        # default policy's background compile (prover/fused_policy.py; tested on its own)
        mp.setenv("TENSORPROOF_FUSED", "on")
        yield
