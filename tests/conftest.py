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
