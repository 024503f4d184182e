"""What private and hashed inputs cost: tensorproof and EZKL in one run (issue 13).

    python benchmarks/visibility.py [--models a,b] [--repeats 3] [--skip-ezkl]
                                    [--ezkl-models a,b] [--masked] [--out DIR]

For each model of benchmarks/models.py (default: the vs_ezkl.py models), tensorproof proves the
same input in the fast and compact profiles with the input public, private and hashed
(vs_ezkl.TP_CONFIGS int8 / private / hashed, compact / compact_private / compact_hashed), and
EZKL with input_visibility public, private and hashed (benchmarks/ezkl_runner.py, params fixed,
output public). Every step runs in a fresh child process, a model's tensorproof configurations
in turn (vs_ezkl.run_interleaved: load on a shared machine lands on all of them alike); the
table takes each one's least run (``--repeats``). The table gives,
per system and visibility, prove, verify and proof size, and the overhead against the same
system with the input public. Writes DIR/visibility.md and DIR/visibility.json (default
benchmarks/results).

The private and hashed rows measure a statement without the input (committed, range-checked;
hashed: a Keccak-256 GKR and a link per sample), not zero-knowledge. ``--masked`` measures zero
knowledge against the private row (hashed-masked: against hashed), into
DIR/visibility_masked.md/.json (``--private-weights``: the weights private too, public+pw against
public and masked+pw against masked, into DIR/visibility_weights.md/.json): the
real thing (setup's zero_knowledge: every sumcheck masked, every private final randomized and
discharged, the Keccak proof of a hashed input randomized, the lookups' blinded tree, the advice's
hiding opening), in both profiles (ligero-zk, whir-zk). EZKL's public, private and hashed rows
come in the same run where it is installed.
Issue 13's targets: prove +25 %, size +15 %, verify +10 %.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import vs_ezkl  # noqa: E402 (benchmarks import each other by path)

TP_ROWS = {"fast": ("int8", "private", "hashed"),
           "compact": ("compact", "compact_private", "compact_hashed")}
MASKED_ROWS = {"fast": ("int8", "private", "masked", "hashed", "hashed_masked"),
               "compact": ("compact", "compact_private", "compact_masked")}
"""``--masked``: the private and hashed inputs with and without zero knowledge."""
WEIGHTS_ROWS = {"fast": ("int8", "private", "masked", "weights_private", "masked_weights"),
                "compact": ("compact", "compact_private", "compact_masked",
                            "compact_weights_private", "compact_masked_weights")}
"""``--private-weights``: private weights (a hiding model id, zero knowledge) with the input
public (against public) and private (against masked: zero knowledge with public weights)."""
EZKL_ROWS = ("public", "private", "hashed")
VIS = {"int8": "public", "private": "private", "hashed": "hashed", "compact": "public",
       "compact_private": "private", "compact_hashed": "hashed", "masked": "masked",
       "compact_masked": "masked", "hashed_masked": "hashed-masked",
       "weights_private": "public+pw", "masked_weights": "masked+pw",
       "compact_weights_private": "public+pw", "compact_masked_weights": "masked+pw"}
BASE = {"masked": "private", "hashed-masked": "hashed", "masked+pw": "masked"}
"""The row each visibility's overhead is against (public unless named here)."""


def ezkl_folder(d: Path, vis: str) -> Path:
    """d/ezkl_<vis> with the model's files and its visibility for ezkl_runner.py."""
    sub = d / f"ezkl_{vis}"
    sub.mkdir(exist_ok=True)
    for f in (*vs_ezkl.DATA_FILES, "input.json"):
        if not (sub / f).exists():
            shutil.copyfile(d / f, sub / f)
    (sub / "ezkl_visibility.json").write_text(json.dumps({"input": vis}))
    return sub


def measure(names: list[str], repeats: int, with_ezkl: bool | set, work: Path,
            timeout: float, rows: dict = TP_ROWS) -> dict:
    """The report; EZKL's rows for every model (``with_ezkl`` True) or those named in it."""
    import models

    report: dict = {"environment": vs_ezkl.environment(), "models": [],
                    "options": {"models": names, "repeats": repeats,
                                "ezkl": sorted(with_ezkl) if isinstance(with_ezkl, set)
                                else with_ezkl}}
    vs_ezkl.say("warm-up (not measured)")
    vs_ezkl.prepare(models.build(models.QUICK_MODEL), work / "_warm_up")
    for config in (*rows["fast"], *rows["compact"]):
        vs_ezkl.run_system(vs_ezkl.tp_system(config), work / "_warm_up", 1, timeout)
    for name in names:
        vs_ezkl.say(f"model {name}")
        m = models.build(name)
        ref = vs_ezkl.prepare(m, work / name)
        row: dict = {"name": name, "description": m.description, "systems": {}}
        for profile, configs in rows.items():
            systems = [vs_ezkl.tp_system(c) for c in configs]
            recs = vs_ezkl.run_interleaved(systems, work / name, repeats, timeout)
            for config, system in zip(configs, systems):
                row["systems"][f"tensorproof {profile} {VIS[config]}"] = _brief(
                    vs_ezkl.summarize(system, recs[system], ref))
        if with_ezkl is True or (isinstance(with_ezkl, set) and name in with_ezkl):
            for vis in EZKL_ROWS:
                rec = vs_ezkl.run_system("ezkl", ezkl_folder(work / name, vis), 1, timeout)
                row["systems"][f"ezkl {vis}"] = _brief(vs_ezkl.summarize("ezkl", rec, ref))
        report["models"].append(row)
    return report


def _brief(s: dict) -> dict:
    """The summary's figures the table uses, with the least of the runs (``*_min_s``) beside
    the medians: on a shared machine noise only adds time, so the least run is the least
    disturbed one."""
    runs = s.get("steps") or {}

    def least(step, key):
        vals = [r[key] for r in runs.get(step, []) if r.get(key) is not None]
        return min(vals) if vals else None

    return {**{k: s.get(k) for k in ("error", "prove_s", "prove_warm_s", "verify_s",
                                      "verify_warm_s", "proof_bytes", "peak_rss_mib")},
            "prove_min_s": least("prove", "prove_s"),
            "prove_warm_min_s": least("prove", "prove_warm_s"),
            "verify_min_s": least("verify", "verify_s"),
            "verify_warm_min_s": least("verify", "verify_warm_s")}


def _fig(s: dict, what: str):
    """The table's figure: the least run (a report written before ``*_min_s``: the median)."""
    least = s.get(f"{what}_min_s")
    return least if least is not None else s.get(f"{what}_s")


def _overhead(x, base) -> str:
    if x is None or not base:
        return "–"
    return f"{100 * (x / base - 1):+.0f} %"


def render(report: dict) -> str:
    lines = ["# Private and hashed inputs: what they cost", "",
             "Input visibility against the same system with the input public (masked: "
             "against private, hashed-masked: against hashed; batch 1; a model's "
             "configurations interleaved, each repeat running every one in turn; prove: the "
             "least of the runs (fresh processes: loading the key, the first proof); prove "
             "warm: the least of those processes' second proof (same key and input: no "
             "first-call costs); verify: the least of as many fresh processes' first "
             "verification; verify warm: the least of those processes' median of three more "
             "verifications; the least run is the least disturbed on a shared machine, and "
             "the JSON has the medians too; "
             "+pw: private weights, against the same input visibility with public weights). "
             "masked: zero-knowledge (both profiles: ligero-zk, whir-zk).", "",
             "| model | system | input | prove | prove warm | verify | verify warm | proof | "
             "prove Δ | prove warm Δ | verify Δ | verify warm Δ | proof Δ |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in report["models"]:
        for key, s in row["systems"].items():
            system, vis = key.rsplit(" ", 1)
            base = row["systems"].get(f"{system} {BASE.get(vis, 'public')}", {})
            if s["error"]:
                lines.append(f"| {row['name']} | {system} | {vis} | failed: {s['error'][:60]} "
                             "| | | | | | | | | |")
                continue
            lines.append(
                f"| {row['name']} | {system} | {vis} | {vs_ezkl._t(_fig(s, 'prove'))} | "
                f"{vs_ezkl._t(_fig(s, 'prove_warm'))} | "
                f"{vs_ezkl._t(_fig(s, 'verify'))} | {vs_ezkl._t(_fig(s, 'verify_warm'))} | "
                f"{vs_ezkl._b(s['proof_bytes'])} | "
                f"{_overhead(_fig(s, 'prove'), _fig(base, 'prove'))} | "
                f"{_overhead(_fig(s, 'prove_warm'), _fig(base, 'prove_warm'))} | "
                f"{_overhead(_fig(s, 'verify'), _fig(base, 'verify'))} | "
                f"{_overhead(_fig(s, 'verify_warm'), _fig(base, 'verify_warm'))} | "
                f"{_overhead(s['proof_bytes'], base.get('proof_bytes'))} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import models

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=None, help="comma-separated (default: vs_ezkl's)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-ezkl", action="store_true")
    ap.add_argument("--ezkl-models", default=None,
                    help="comma-separated: EZKL's rows for these models only (default: all)")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--masked", action="store_true",
                    help="the zero-knowledge rows instead (public, private, masked, hashed, "
                         "hashed-masked; EZKL's as without): writes visibility_masked.md/.json")
    ap.add_argument("--profile", choices=("both", "fast", "compact"), default="both",
                    help="measure one profile's rows only (the file name gains _<profile>)")
    ap.add_argument("--private-weights", action="store_true",
                    help="the private-weights rows instead (public, private, masked, public+pw, "
                         "masked+pw; both profiles): writes visibility_weights.md/.json")
    a = ap.parse_args(argv)
    names = a.models.split(",") if a.models else list(models.BUILDERS)
    with_ezkl: bool | set = not a.skip_ezkl and vs_ezkl.ezkl_available() is None
    if with_ezkl and a.ezkl_models:
        with_ezkl = set(a.ezkl_models.split(","))
    rows, stem = ((WEIGHTS_ROWS, "visibility_weights") if a.private_weights
                  else (MASKED_ROWS, "visibility_masked") if a.masked
                  else (TP_ROWS, "visibility"))
    if a.profile != "both":
        rows = {p: (v if p == a.profile else ()) for p, v in rows.items()}
        stem += f"_{a.profile}"
    with tempfile.TemporaryDirectory(prefix="tp-visibility-") as tmp:
        report = measure(names, a.repeats, with_ezkl, Path(tmp), a.timeout, rows)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    table = render(report)
    (out / f"{stem}.md").write_text(table)
    (out / f"{stem}.json").write_text(json.dumps(report, indent=1))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
