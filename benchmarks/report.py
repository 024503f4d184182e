"""Shared by the benchmarks: timing medians, atomic result files, one dated JSON of rows."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write atomically (a temporary file beside it, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_rows(path: str | os.PathLike, rows: list[dict]) -> None:
    """``{"date", "rows"}`` as indented JSON at ``path`` (atomically)."""
    write_atomic(Path(path), json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"),
                                         "rows": rows}, indent=2))


def median_time(fn, repeats: int) -> tuple[float, object]:
    """(median wall seconds of ``repeats`` calls of ``fn``, the last call's result)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
