"""The fused-kernel policy (prover/fused_policy.py): without the kernel the prover writes the
same bytes; auto mode never compiles it in the foreground, compiles it once in a background
process, and a later process loads it from numba's cache without compiling."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from rich.console import Console

import tensorproof.prover.sumcheck as sc
from tensorproof.cli import firstrun
from tensorproof.errors import ConfigError
from tensorproof.field.vec import vec_field
from tensorproof.prover import fused_policy
from tensorproof.prover.fraction_gkr import prove_fraction_sum
from tensorproof.prover.sumcheck import prove_sumcheck
from tensorproof.transcript import ProverTranscript

DOMAIN = b"tensorproof/test/fused-policy"


def _proofs(monkeypatch, mode: str) -> list[bytes]:
    """Proof bytes of a sumcheck with a zero tail and a handover, and of a fraction sum."""
    monkeypatch.setenv(fused_policy.ENV, mode)
    monkeypatch.setattr(sc, "FUSED_MAX_ENTRIES", 16)  # generic rounds first, then small ones
    rng = np.random.default_rng(7)
    vf = vec_field(3)
    a, b = vec_field(1).random(1 << 7, rng), vf.random(1 << 7, rng)
    a[100:] = 0  # a zero tail (packed vectors end in padding)
    z = [tuple(int(c) for c in row) for row in vf.random(7, rng)]
    out = []
    t = ProverTranscript(DOMAIN)
    prove_sumcheck(t, vf, [a, b], [(1, [0, 1])], 3, "sc", eq_point=z)
    out.append(t.proof_bytes())
    t = ProverTranscript(DOMAIN)
    prove_fraction_sum(t, vf, vf.random(1 << 9, rng), vf.random(1 << 9, rng), "fs")
    out.append(t.proof_bytes())
    return out


def test_the_prover_writes_the_same_bytes_with_and_without_the_kernel(monkeypatch):
    assert _proofs(monkeypatch, "on") == _proofs(monkeypatch, "off")


def test_modes(monkeypatch):
    for value, expected in [("", "auto"), ("AUTO", "auto"), (" on ", "on"), ("off", "off")]:
        monkeypatch.setenv(fused_policy.ENV, value)
        assert fused_policy.mode() == expected
    monkeypatch.setenv(fused_policy.ENV, "yes")
    with pytest.raises(ConfigError, match="TENSORPROOF_FUSED='yes'.*auto, on, off"):
        fused_policy.mode()
    monkeypatch.setenv(fused_policy.ENV, "off")
    assert fused_policy.fused_ready() is False


def test_one_compile_at_a_time_and_a_stale_lock_expires(tmp_path):
    lock = str(tmp_path / "sub" / fused_policy.LOCK_NAME)
    assert fused_policy._take_lock(lock)
    assert not fused_policy._take_lock(lock)  # a live compile holds it
    old = time.time() - fused_policy.LOCK_STALE_S - 1
    os.utime(lock, (old, old))
    assert fused_policy._take_lock(lock)  # a crashed compile's lock is replaced


def test_no_cache_folder_no_background_compile(monkeypatch):
    monkeypatch.setattr(fused_policy, "_lock_path", lambda: None)
    assert fused_policy._spawn_compile() == 0


def test_the_cli_says_once_that_a_background_compile_runs(monkeypatch):
    monkeypatch.setattr(firstrun, "_BACKGROUND_SHOWN", [])
    monkeypatch.setitem(fused_policy._state, "spawned", 4242)
    buf = io.StringIO()
    console = Console(file=buf, width=300)
    for _ in range(2):
        with firstrun.compile_progress(console):
            pass
    assert buf.getvalue().count("in the background (pid 4242)") == 1


_CHILD = r"""
import json, sys, time
from numba.core import event
from tensorproof.prover import fused_policy
from tensorproof.prover.fused_kernel import fused_kernel

compiled = []
class L(event.Listener):
    def on_start(self, e):
        compiled.append(getattr(e.data.get("dispatcher"), "py_func", None).__name__)
    def on_end(self, e):
        pass
event.register("numba:compile", L())
t0 = time.perf_counter()
ready = fused_policy.fused_ready()
print(json.dumps({"ready": ready, "compiled_here": fused_kernel.compiled, "events": compiled,
                  "pid": fused_policy.background_compile(), "s": time.perf_counter() - t0}))
"""


def _child(env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_auto_compiles_in_the_background_and_a_later_process_loads_it(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               TENSORPROOF_CACHE_DIR=str(tmp_path / "tp"), TENSORPROOF_FUSED="auto")
    first = _child(env)
    # no kernel yet: the generic path, nothing compiled here, one background compile started
    assert first["ready"] is False and first["compiled_here"] is False
    assert first["events"] == [] and first["pid"]
    lock = tmp_path / "tp" / fused_policy.LOCK_NAME
    deadline = time.monotonic() + 280
    while lock.exists():  # the background process drops the lock when it is done
        assert time.monotonic() < deadline, "the background compile did not finish"
        time.sleep(0.5)
    second = _child(env)
    # loaded from numba's cache: ready, no compile event, no second background compile
    assert second["ready"] is True and second["compiled_here"] is True
    assert second["events"] == [] and second["pid"] is None
