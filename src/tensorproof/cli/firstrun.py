"""The first run: a notice before numba compiles anything, and progress while it does.

tensorproof's kernels are numba functions cached on disk (``cache=True``): the first run on a
machine compiles the ones a command uses (tens of seconds), later runs load them. Inside
:func:`compile_progress`, the first kernel compile prints one line saying so, and each compile
updates the command's status line (which kernel, how many so far, elapsed time); a run whose
kernels are all cached prints nothing. It listens to numba's ``numba:compile`` event, which
numba raises only when it really compiles (never for a kernel loaded from the cache).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

NOTICE = "first run: compiling numba kernels (cached afterwards)…"
_NOTICE_SHOWN: list[bool] = []
_BACKGROUND_SHOWN: list[bool] = []


class _Progress:
    """What a numba:compile listener does: drive a status line (see compile_progress)."""

    def __init__(self, console, status) -> None:
        self.console, self.status = console, status
        self.depth = self.count = 0
        self.t0: float | None = None
        self.saved = None

    def on_start(self, event) -> None:
        self.depth += 1
        if self.depth > 1:  # a helper compiled inside a kernel: part of that kernel
            return
        self.count += 1
        if self.t0 is None:
            self.t0 = time.perf_counter()
            if not _NOTICE_SHOWN:  # once a process, whatever the blocks
                _NOTICE_SHOWN.append(True)
                self.console.print(NOTICE, style="yellow", highlight=False)
        fn = getattr(event.data.get("dispatcher"), "py_func", None)
        name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}" if fn is not None else "?"
        msg = (f"first run: compiling numba kernel {self.count} ({name}), "
               f"{time.perf_counter() - self.t0:.0f} s so far…")
        if self.status is not None:
            if self.saved is None:
                self.saved = self.status.status
            self.status.update(msg)

    def on_end(self, event) -> None:
        self.depth = max(self.depth - 1, 0)
        if self.depth == 0 and self.status is not None and self.saved is not None:
            self.status.update(self.saved)
            self.saved = None

    def summary(self) -> str | None:
        """One line on what was compiled, or None if nothing was."""
        if self.t0 is None:
            return None
        return (f"compiled {self.count} numba kernel{'s' if self.count != 1 else ''} in "
                f"{time.perf_counter() - self.t0:.0f} s (cached for the next runs)")


@contextmanager
def compile_progress(console, status=None):
    """Report numba compiles inside the block on ``console`` (and ``status``, a rich Status)."""
    from numba.core import event

    class Listener(_Progress, event.Listener):
        pass

    progress = Listener(console, status)
    event.register("numba:compile", progress)
    try:
        yield progress
    finally:
        event.unregister("numba:compile", progress)
        _background_notice(console)


BACKGROUND = ("compiling the fused sumcheck kernel in the background (pid {pid}); "
              "later runs load it and prove faster")


def _background_notice(console) -> None:
    """One line, once a process, when the prover started the background compile of its fused
    kernel (prover/fused_policy.py; never imported here just to ask)."""
    policy = sys.modules.get("tensorproof.prover.fused_policy")
    pid = policy.background_compile() if policy is not None else None
    if pid and not _BACKGROUND_SHOWN:
        _BACKGROUND_SHOWN.append(True)
        console.print(BACKGROUND.format(pid=pid), style="dim", highlight=False)
