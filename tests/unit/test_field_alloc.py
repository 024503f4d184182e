"""field.alloc: the glibc allocator tuning is idempotent and honours the opt-outs."""

from __future__ import annotations

import pytest

from tensorproof.field import alloc


def test_tuning_is_idempotent():
    first = alloc.tune_allocator()
    assert isinstance(first, bool)
    assert alloc.tune_allocator() is first


@pytest.mark.parametrize("env", [{"TENSORPROOF_MALLOC_TUNING": "0"},
                                 {"MALLOC_MMAP_THRESHOLD_": "131072"},
                                 {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_opt_outs_leave_malloc_alone(env, monkeypatch):
    monkeypatch.setattr(alloc, "_state", {})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert alloc.tune_allocator() is False
