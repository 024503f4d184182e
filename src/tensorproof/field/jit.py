"""Lazily compiled numba kernels: ``@kernel(sig, **options)`` is ``njit(sig, cache=True,
**options)``, compiled (or loaded from numba's on-disk cache) on the kernel's first call rather
than at import.

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

    Callable from Python only (numba code calls ``@njit(inline="always")`` helpers instead)."""

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

    def __call__(self, *args):
        d = self._dispatcher
        if d is None:
            d = self.dispatcher()
        return d(*args)


def kernel(sig, **options):
    """Decorator: ``njit(sig, cache=True, **options)``, compiled lazily (see LazyKernel)."""
    return lambda fn: LazyKernel(fn, sig, options)
