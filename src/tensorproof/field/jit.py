"""Lazily compiled numba kernels: ``@kernel(sig, **options)`` is ``njit(sig, cache=True,
**options)``, compiled (or loaded from numba's on-disk cache) on the kernel's first call rather
than at import; ``@helper`` marks a function that only numba code calls.

An eager ``njit(sig)`` compiles when its module is imported: a cold import then compiled every
kernel, used or not, before the command line could say anything. Lazily, a process pays only for
the kernels it calls, and the command line can report each compile as it happens
(``cli/firstrun.py``). This module does not import numba; the first call does.
"""

from __future__ import annotations

import threading

_LOCK = threading.Lock()


class LazyKernel:
    """A top-level kernel with an explicit signature, built on its first call (thread-safe).

    Callable from Python only (numba code calls ``@helper`` functions instead)."""

    def __init__(self, fn, sig, options: dict) -> None:
        self.py_func, self.sig, self.options = fn, sig, options
        self._dispatcher = None
        self.__name__, self.__qualname__ = fn.__name__, fn.__qualname__
        self.__module__, self.__doc__ = fn.__module__, fn.__doc__

    def dispatcher(self):
        """The numba dispatcher, compiled or loaded from the cache now if it is not yet."""
        if self._dispatcher is None:
            with _LOCK:
                if self._dispatcher is None:
                    from numba import njit

                    self._dispatcher = njit(self.sig, cache=True, **self.options)(self.py_func)
        return self._dispatcher

    @property
    def compiled(self) -> bool:
        """Whether the kernel is ready in this process (compiled or loaded)."""
        return self._dispatcher is not None

    def load_cached(self) -> bool:
        """Make the kernel ready from numba's on-disk cache if it is there, never compiling;
        True when it can now run without a compile (loaded here or earlier).

        The probe is numba's own (``Dispatcher.compile`` asks ``_cache.load_overload`` with the
        same signature before it compiles); should a numba release change that internal, the
        answer is False and the caller takes its path without this kernel (slower, the same
        result), never a compile."""
        if self._dispatcher is not None:
            return True
        with _LOCK:
            if self._dispatcher is not None:
                return True
            try:
                from numba import njit

                d = njit(cache=True, **self.options)(self.py_func)  # no signature: no compile
                if d._cache.load_overload(self.sig, d.targetctx) is None:
                    return False
                d.compile(self.sig)  # from the cache, as numba's own path loads it
                d.disable_compile()  # as njit(sig) leaves it: no compile for other types
            except Exception:  # noqa: BLE001 - a probe: any failure means "not cached"
                return False
            self._dispatcher = d
            return True

    def __call__(self, *args):
        d = self._dispatcher
        if d is None:
            d = self.dispatcher()
        return d(*args)


def kernel(sig, **options):
    """Decorator: ``njit(sig, cache=True, **options)``, compiled lazily (see LazyKernel)."""
    return lambda fn: LazyKernel(fn, sig, options)


def helper(fn):
    """``njit(cache=True)`` without the Python and C entry points: a function only numba code
    calls (compiled, once per argument types, by the first kernel compile that calls it).

    Why (compile time of a cold first run, numba 0.6x): numba builds each dispatcher as its own
    LLVM module, links the modules of all its callees into it and optimizes the whole, so the
    entry points that make a function callable from Python are dead weight in every module
    that links it (~1000 IR lines for a many-argument function). ``@njit(inline="always")``
    instead copies the callee's numba IR into each call site (a deepcopy of its whole variable
    scope per basic block, ~0.5 s a site for the sumcheck's helpers): it pays only for a small
    function or one with a single call site, where it saves a module. Callers must keep the
    argument types fixed (a literal 0 where another site passes an int64 compiles it again)."""
    from numba import njit

    return njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)(fn)
