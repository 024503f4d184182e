"""When the prover runs the fused sumcheck kernel, and who compiles it.

``fused_kernel`` (the last rounds of every sumcheck and the small fraction-sum GKR layers in one
numba call) makes warm proofs 1.4-2x faster than the generic vectorized path, with the same
bytes, but compiling it takes ~18 s of a cold first proof's ~33 s (numba type inference over
the inlined rounds). A first proof should not wait for a speed-up it barely uses, so by default
(``TENSORPROOF_FUSED=auto``):

- the fused path runs once the kernel is ready: compiled in this process, or in numba's on-disk
  cache (``LazyKernel.load_cached``: a probe that never compiles, asked again at most every
  ``RECHECK_S`` seconds, so a long-running process picks the kernel up once it is there);
- until then the prover takes the generic path and starts, once per process, a background
  process that compiles the kernel into numba's cache (``python -m
  tensorproof.prover.fused_policy``; detached, output discarded, one at a time per cache folder
  through a lock file that ``LOCK_STALE_S`` expires), so later runs have it.

``TENSORPROOF_FUSED=on`` always runs the fused kernel (compiling it in the foreground when it is
not cached: the behaviour before this policy; the test suite uses it), ``off`` never does (no
background process either).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

from ..errors import ConfigError
from ..verifier.key_cache import cache_dir
from .fused_kernel import fused_kernel

ENV = "TENSORPROOF_FUSED"
MODES = ("auto", "on", "off")
RECHECK_S = 2.0
"""How often (seconds) a process without the kernel asks the on-disk cache again."""
LOCK_NAME = "fused-kernel-compile.lock"
LOCK_STALE_S = 600.0
"""A lock older than this is a crashed compile's (a compile takes ~20 s on 2 cores)."""

_state = {"checked_at": -float("inf"), "spawned": None}


def mode() -> str:
    """The policy from ``TENSORPROOF_FUSED`` (auto when unset or empty)."""
    m = os.environ.get(ENV, "").strip().lower() or "auto"
    if m not in MODES:
        raise ConfigError(f"{ENV}={m!r} is not a fused-kernel policy: use one of "
                          f"{', '.join(MODES)}")
    return m


def fused_ready() -> bool:
    """Whether the prover should run the fused kernel now (see the module docstring); in auto
    mode without a cached kernel, starts the background compile (once per process)."""
    m = mode()
    if m != "auto":
        return m == "on"
    if fused_kernel.compiled:
        return True
    now = time.monotonic()
    if now - _state["checked_at"] < RECHECK_S:
        return False
    _state["checked_at"] = now
    if fused_kernel.load_cached():
        return True
    if _state["spawned"] is None:
        _state["spawned"] = _spawn_compile()
    return False


def background_compile() -> int | None:
    """The pid of the background compile this process started, or None."""
    pid = _state["spawned"]
    return pid or None


def _lock_path() -> str | None:
    d = cache_dir()
    return None if d is None else os.path.join(d, LOCK_NAME)


def _take_lock(path: str) -> bool:
    """Create the lock file (False if a live compile holds it); a stale one is replaced."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                if time.time() - os.stat(path).st_mtime < LOCK_STALE_S:
                    return False
                os.unlink(path)
            except FileNotFoundError:
                pass
            continue
        os.close(fd)
        return True
    return False


def _spawn_compile() -> int:
    """Start the detached compile; its pid, or 0 if none was started (another holds the lock,
    no cache folder, or the process could not start: the generic path runs on regardless)."""
    path = _lock_path()
    try:
        if path is None or not _take_lock(path):
            return 0
    except OSError:  # an unwritable cache folder: no lock, no background compile
        return 0
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tensorproof.prover.fused_policy", path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
    except OSError:
        _unlink(path)
        return 0
    return proc.pid


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _compile_main(lock: str) -> None:
    """The background process: compile (or load) the kernel into numba's cache, drop the lock."""
    try:
        fused_kernel.dispatcher()
    finally:
        _unlink(lock)


if __name__ == "__main__":
    _compile_main(sys.argv[1])


__all__ = ["ENV", "MODES", "background_compile", "fused_ready", "mode"]
