"""Make tests/ importable (shared test helpers such as graphs.py); one solc cache for the
test workers and runs, warmed in the background where the EVM tests must run."""

import os
import signal
import subprocess
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


def _solc_cache(config) -> str | None:
    """The tests' solc output cache: pytest's cache folder (.pytest_cache/d/solc), shared by
    the workers and the runs of one checkout (solc's output is content-addressed by its
    input; a compile of the shipped contracts takes a minute)."""
    cache = getattr(config, "cache", None)
    return None if cache is None else str(cache.mkdir("solc"))


_WARM: list[subprocess.Popen] = []


def pytest_sessionstart(session):
    """Where the EVM tests must run (TENSORPROOF_REQUIRE_EVM=1, as in CI), the controller
    compiles the shipped contracts into the shared cache in a child process while the workers
    start on other tests; a worker that needs them meanwhile waits on the compiler's lock
    (solidity/compiler.py) instead of compiling them again."""
    config = session.config
    shared = _solc_cache(config)
    if (hasattr(config, "workerinput") or shared is None
            or os.environ.get("TENSORPROOF_REQUIRE_EVM") != "1"):
        return
    env = {**os.environ, "TENSORPROOF_SOLC_CACHE_DIR": shared}
    _WARM.append(subprocess.Popen(
        [sys.executable, "-c", "from tensorproof.solidity.compiler import compile_contracts; "
                               "compile_contracts()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))


def pytest_sessionfinish(session):
    for proc in _WARM:  # a short run may end first: stop the compile, the cache stays whole
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()


EVM_LAST = ("tests/evm/", "tests/e2e/test_cli_evm.py")
"""Tests that need the compiled contracts: collected last, so that the warm-up compile
(``pytest_sessionstart``) is done before a worker asks for them rather than idling on its
lock."""


def pytest_collection_modifyitems(config, items):
    """The tests marked ``slow`` first, those of EVM_LAST last (a stable sort: the same order
    in every xdist worker), so that the two workers do not end on one long test each while the
    other idles, nor wait for the contracts' compile."""
    def rank(item) -> int:
        if item.get_closest_marker("slow") is not None:
            return 0
        path = Path(os.path.relpath(item.path, config.rootpath)).as_posix()
        return 2 if path.startswith(EVM_LAST) else 1

    items.sort(key=rank)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory, pytestconfig):
    """Tests never write the user's cache: `tensorproof verify` (in process or in a child
    process, which inherits the environment) records keys that passed their checks under
    $TENSORPROOF_CACHE_DIR: here one folder per test worker. Compiled contracts go to the
    shared solc cache of the checkout (``_solc_cache``) or, without one, the worker's
    folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TENSORPROOF_CACHE_DIR", str(tmp_path_factory.mktemp("tensorproof-cache")))
        shared = _solc_cache(pytestconfig)
        if shared is not None:
            mp.setenv("TENSORPROOF_SOLC_CACHE_DIR", shared)
        # the fused sumcheck kernel always (compiled in the foreground when not cached), not the
        # default policy's background compile (prover/fused_policy.py; tested on its own)
        mp.setenv("TENSORPROOF_FUSED", "on")
        yield
