"""Keep the prover's large numpy temporaries in the heap instead of fresh mmap'd pages (glibc).

glibc serves allocations above a threshold (128 KB, raised dynamically up to 32 MB) with mmap and
unmaps them on free, and returns the top of the heap to the OS when more than a trim threshold is
free. A sumcheck round over 2^18 entries allocates and frees a dozen arrays of 2-4 MB, so every
round pays page faults on fresh memory: measured, a 2^18-entry product sumcheck took 23 ms of CPU
with the defaults and 8.5 ms with both thresholds raised (MLP 784-128-10 prove: 58 -> 44 ms).
:func:`tune_allocator` raises them once per process with ``mallopt`` (freed memory is then
reused instead of returned to the OS, up to ``TRIM_THRESHOLD``); ``field.kernels`` calls it on
import, i.e. before the first vector operation. It does nothing off glibc, when the user set
``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` themselves, or when
``TENSORPROOF_MALLOC_TUNING=0``.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""mallopt parameter numbers (glibc's malloc.h)."""

MMAP_THRESHOLD = 32 << 20
"""Allocations below this come from the heap (glibc's maximum for this parameter)."""

TRIM_THRESHOLD = 512 << 20
"""Free memory at the top of the heap kept for reuse instead of being returned to the OS."""

_state: dict[str, bool] = {}


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds once (see the module docstring); True if set."""
    if "done" in _state:
        return _state["done"]
    _state["done"] = False
    env = os.environ
    if (not sys.platform.startswith("linux") or env.get("TENSORPROOF_MALLOC_TUNING") == "0"
            or "MALLOC_MMAP_THRESHOLD_" in env or "MALLOC_TRIM_THRESHOLD_" in env):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _state["done"] = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                          and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _state["done"]
