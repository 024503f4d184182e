"""The first-run notice: printed before numba compiles a kernel, silent when nothing compiles."""

from __future__ import annotations

import io

import numpy as np
from numba import njit
from rich.console import Console

from tensorproof.cli import firstrun
from tensorproof.cli.firstrun import NOTICE, compile_progress
from tensorproof.field.jit import LazyKernel, kernel


class _Status:
    def __init__(self) -> None:
        self.status, self.seen = "working...", []

    def update(self, msg: str) -> None:
        self.seen.append(msg)
        self.status = msg


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=300), buf


def test_notice_and_progress_on_a_compile(monkeypatch) -> None:
    monkeypatch.setattr(firstrun, "_NOTICE_SHOWN", [])
    console, buf = _console()
    status = _Status()

    def twice(x):
        return 2 * x

    with compile_progress(console, status) as progress:
        assert njit(twice)(21) == 42  # a fresh function: numba compiles it now
    assert NOTICE in buf.getvalue()
    assert any("compiling numba kernel 1 (test_firstrun.twice)" in m for m in status.seen)
    assert status.status == "working..."  # restored once the compile ends
    assert progress.count == 1 and "compiled 1 numba kernel" in progress.summary()
    console2, buf2 = _console()
    with compile_progress(console2):
        assert njit(lambda x: x - 1)(1) == 0
    assert buf2.getvalue() == ""  # the notice is shown once a process


def test_silent_without_a_compile() -> None:
    console, buf = _console()
    fn = njit(lambda x: x + 1)
    fn(1)  # compiled before the block
    with compile_progress(console) as progress:
        assert fn(2) == 3
    assert buf.getvalue() == "" and progress.summary() is None


def test_lazy_kernel_compiles_on_first_call_only() -> None:
    @kernel("void(int64[::1])")
    def inc(a):
        for i in range(a.shape[0]):
            a[i] += 1

    assert isinstance(inc, LazyKernel) and inc._dispatcher is None
    a = np.zeros(3, dtype=np.int64)
    inc(a)
    inc(a)
    assert a.tolist() == [2, 2, 2] and inc.dispatcher() is inc._dispatcher
