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


def test_configurations_are_interleaved_and_a_failure_stops_only_its_own(tmp_path, monkeypatch):
    """visibility.py's overheads compare configurations measured round-robin
    (vs_ezkl.run_interleaved): every repeat runs each configuration's step in turn, and a
    configuration whose step fails stops there while the others finish."""
    sys.path.insert(0, str(BENCH.parent))
    import vs_ezkl

    calls = []

    def child(cmd, timeout, log_path):
        step, folder = cmd[2], Path(cmd[3])
        calls.append((folder.name, step))
        ok = not (folder.name == "tensorproof_private" and step == "prove" and
                  sum(c == (folder.name, "prove") for c in calls) == 2)
        return vs_ezkl.Child(ok, {f"{step}_s": 1.0}, "" if ok else "boom", 1.0)

    monkeypatch.setattr(vs_ezkl, "run_child", child)
    monkeypatch.setattr(vs_ezkl, "DATA_FILES", ())
    recs = vs_ezkl.run_interleaved(["tensorproof", "tensorproof_private", "tensorproof_masked"],
                                   tmp_path, 3, 10)
    steps = [f"{s}:{n.removeprefix('tensorproof').lstrip('_') or 'int8'}" for n, s in calls]
    assert steps == ["compile:int8", "compile:private", "compile:masked",
                     "prove:int8", "prove:private", "prove:masked",
                     "prove:int8", "prove:private", "prove:masked",  # private fails here
                     "prove:int8", "prove:masked",
                     "verify:int8", "verify:masked"] + ["verify:int8", "verify:masked"] * 2
    assert recs["tensorproof_private"]["error"] == "prove: boom"
    assert len(recs["tensorproof_private"]["runs"]["prove"]) == 1
    assert recs["tensorproof_masked"]["error"] is None
    assert len(recs["tensorproof_masked"]["runs"]["verify"]) == 3
