"""Smoke test of the side-by-side benchmark: `benchmarks/vs_ezkl.py --quick` runs end to end.

It benchmarks tensorproof alone on the smallest model (MLP 784-128-10, batch 1, one repeat) and
must pass whether or not ezkl is installed: quick mode never runs EZKL and says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "vs_ezkl.py"


def test_vs_ezkl_quick_writes_its_table(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    table = (tmp_path / "vs_ezkl.md").read_text()
    assert "EZKL was skipped" in table
    assert "| MLP 784-128-10 (ReLU) | 101,770 | tensorproof (int8) |" in table
    assert table in done.stdout  # the table is also printed

    (row,) = json.loads((tmp_path / "vs_ezkl.json").read_text())["models"]
    tp = row["tensorproof"]
    assert tp["error"] is None, tp["error"]  # compiled, proved and verified
    assert "ezkl" not in row
    assert tp["prove_s"] > 0 and tp["verify_s"] > 0 and tp["proof_bytes"] > 0
    assert tp["peak_rss_mib"] > 0
    assert tp["max_abs_err"] is not None and tp["max_abs_err"] < 0.25  # int8 vs float model
