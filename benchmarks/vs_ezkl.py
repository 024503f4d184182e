"""tensorproof vs EZKL: the same ONNX models proven by both systems in one run (issue 5).

    python benchmarks/vs_ezkl.py [--models a,b] [--repeats 3] [--ezkl-repeats N] [--skip-ezkl]
                                 [--tp-configs int8,int16,compact] [--quick] [--out DIR]

tensorproof runs in three configurations (--tp-configs): int8 (its default: 8-bit activations
and weights, the "fast" profile), int16 (16-bit activations and weights, as accurate as EZKL or
more), so that speed is also compared at equal accuracy, and compact (int8 in the "compact"
profile: WHIR commitments over F_p^3, the proof sizes meant for the chain). Every step of each
system runs in a fresh child process, timed inside the child around the call only; the child
reports its peak RSS (VmHWM) as it exits.
tensorproof's prove child does only: load the proving key (.tpk), prove (and once more, warm).
EZKL's steps run in benchmarks/ezkl_runner.py. A failure of one system on one model is recorded
with its reason; the run goes on. Writes DIR/vs_ezkl.md and
DIR/vs_ezkl.json (default benchmarks/results; --quick writes to a temporary folder unless --out
is given). EZKL is optional: `pip install ezkl==23.0.5` (never a dependency of tensorproof).

Profile tensorproof's prove on one model (the child entry point is reusable):
    python benchmarks/vs_ezkl.py --models mlp_784_512_512_10 --skip-ezkl --keep WORK
    python -m cProfile -o prove.prof benchmarks/vs_ezkl.py --child prove \
        WORK/mlp_784_512_512_10/tensorproof
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_PROVE, TARGET_MEM = 100.0, 10.0  # issue 5: prove ≥ 100× faster, peak memory ≤ 1/10
TP_CONFIGS = {"int8": {"bits": 8, "weight_bits": 8}, "int16": {"bits": 16, "weight_bits": 16},
              "compact": {"bits": 8, "weight_bits": 8, "profile": "compact"},
              "private": {"bits": 8, "weight_bits": 8, "input_visibility": "private"},
              "hashed": {"bits": 8, "weight_bits": 8, "input_visibility": "hashed"},
              "compact_private": {"bits": 8, "weight_bits": 8, "profile": "compact",
                                  "input_visibility": "private"},
              "compact_hashed": {"bits": 8, "weight_bits": 8, "profile": "compact",
                                 "input_visibility": "hashed"},
              "masked": {"bits": 8, "weight_bits": 8, "input_visibility": "private",
                         "zk": True},
              "compact_masked": {"bits": 8, "weight_bits": 8, "profile": "compact",
                                 "input_visibility": "private", "zk": True},
              "hashed_masked": {"bits": 8, "weight_bits": 8, "input_visibility": "hashed",
                                "zk": True},
              "weights_private": {"bits": 8, "weight_bits": 8, "weights": "private"},
              "masked_weights": {"bits": 8, "weight_bits": 8, "input_visibility": "private",
                                 "zk": True, "weights": "private"},
              "compact_weights_private": {"bits": 8, "weight_bits": 8, "profile": "compact",
                                          "weights": "private"},
              "compact_masked_weights": {"bits": 8, "weight_bits": 8, "profile": "compact",
                                         "input_visibility": "private", "zk": True,
                                         "weights": "private"}}
"""tensorproof's configurations: int8 is its default (the "fast" profile: Ligero, K = F_p^2);
int16 matches EZKL's accuracy; compact is int8 in the "compact" profile (WHIR, K = F_p^3: the
small proofs meant for the chain); private, hashed and their compact twins are int8 with a
private or hashed input (benchmarks/visibility.py compares them); masked and hashed_masked are
private and hashed with zero knowledge (setup's zero_knowledge option), weights_private the
public input with private weights (setup's weights="private": zero knowledge, a hiding model
id, the default proof budget), masked_weights the private input with both; the compact_ twins
are the same in the compact profile (whir-zk hiding commitments)."""
DATA_FILES = ("network.onnx", "x.npy", "calibration.npy")


def tp_system(config: str) -> str:
    """The results key of a tensorproof configuration ("tensorproof" for the default int8)."""
    return "tensorproof" if config == "int8" else f"tensorproof_{config}"


def tp_config(system: str) -> str:
    """The configuration of a tensorproof results key (the inverse of :func:`tp_system`)."""
    return "int8" if system == "tensorproof" else system.removeprefix("tensorproof_")


def tp_label(system: str) -> str:
    return f"tensorproof ({tp_config(system)})"


# ---------------------------------------------------------------- tensorproof's child steps
def _tp_compile(tp, d: Path) -> dict:
    import numpy as np

    from tensorproof.ir.modelfile import save_model

    calibration = np.load(d / "calibration.npy")
    bits = json.loads((d / "tp_config.json").read_text()) if (d / "tp_config.json").exists() \
        else {}
    profile = bits.pop("profile", "fast")
    masked = bits.pop("zk", False)
    weights = bits.pop("weights", "public")
    t0 = time.perf_counter()
    model = tp.compile(str(d / "network.onnx"), calibration, **bits)
    t1 = time.perf_counter()
    if weights == "private":  # zero knowledge with a hiding model id
        pk = tp.setup(model, profile, zero_knowledge=masked, weights="private")
    elif masked:  # zero knowledge, the public option (ligero-zk or whir-zk)
        pk = tp.setup(model, profile, zero_knowledge=True)
    else:
        pk = tp.setup(model, profile)
    t2 = time.perf_counter()
    save_model(model, d / "model.tpm")
    tp.save_pk(pk, d / "model.tpk")
    tp.save_vk(pk.vk, d / "vk.bin")
    return {"quantize_s": t1 - t0, "commit_s": t2 - t1, "compile_s": t2 - t0,
            "model_id": pk.vk.model_id.hex()}


def _tp_prove(tp, d: Path) -> dict:
    """Load the proving key (model + the weight commitment's prover data), prove; then once
    more in the same process (warm)."""
    import numpy as np

    from ezkl_runner import cpu_seconds  # stdlib only

    x = np.load(d / "x.npy")
    t0, cpu = time.perf_counter(), cpu_seconds()
    pk = tp.load_pk(d / "model.tpk")
    t1 = time.perf_counter()
    proof = tp.prove(pk, x)
    t2, cpu = time.perf_counter(), cpu_seconds() - cpu
    if pk.vk.model_id != tp.load_vk(d / "vk.bin").model_id:  # a check, not part of proving
        raise RuntimeError("the proving key and the verifying key disagree")
    tp.save_proof(proof, d / "proof.bin")
    t3 = time.perf_counter()
    tp.prove(pk, x)
    t4 = time.perf_counter()
    return {"load_s": t1 - t0, "prove_call_s": t2 - t1, "prove_s": t2 - t0, "prove_cpu_s": cpu,
            "prove_warm_s": t4 - t3, "proof_bytes": len(proof.to_bytes())}


def _tp_verify(tp, d: Path) -> dict:
    """Verify once (fresh process), then 3 more times (warm, median); the verified outputs."""
    vk, proof = tp.load_vk(d / "vk.bin"), tp.load_proof(d / "proof.bin")
    t0 = time.perf_counter()
    out = tp.verify(vk, proof)
    t1 = time.perf_counter()
    warm = []
    for _ in range(3):
        t2 = time.perf_counter()
        tp.verify(vk, proof)
        warm.append(time.perf_counter() - t2)
    return {"verify_s": t1 - t0, "verify_warm_s": statistics.median(warm),
            "outputs": {k: [float(v) for v in a.ravel()] for k, a in out.values.items()}}


def tp_child(step: str, d: Path) -> dict:
    """One tensorproof step in this (child) process; returns its measurements."""
    import tensorproof

    if step == "import":
        return {}
    import tensorproof.api as tp

    steps = {"import-api": lambda tp, d: {}, "compile": _tp_compile, "prove": _tp_prove,
             "verify": _tp_verify}
    if step not in steps:
        raise SystemExit(f"unknown tensorproof step {step!r}")
    return {**steps[step](tp, d), "version": tensorproof.__version__}


# ---------------------------------------------------------------- running children
@dataclass
class Child:
    ok: bool
    result: dict
    reason: str
    peak_mib: float


def _reason(log: str, rc: int) -> str:
    """The one line of a failed child's output that says why (its last exception line)."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    errs = [ln for ln in lines if ("Error" in ln or "Exception" in ln or "panicked" in ln)
            and not ln.startswith(("File ", "Traceback", "raise "))]
    line = errs[-1] if errs else (lines[-1] if lines else f"exit status {rc}, no output")
    return line[:300]


def run_child(cmd: list[str], timeout: float, log_path: Path) -> Child:
    """Run `python *cmd` with a wall-clock limit; its RESULT line, reason, and peak RSS."""
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        p = subprocess.Popen([sys.executable, *cmd], stdout=log, stderr=subprocess.STDOUT,
                             cwd=HERE.parent)
        killed = threading.Event()
        timer = threading.Timer(timeout, lambda: (killed.set(), p.kill()))
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = rc = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    text = log_path.read_text(errors="replace")
    peak = usage.ru_maxrss / 1024  # KiB; counts our own RSS at fork (ezkl_runner.peak_rss_mib)
    results = [ln[7:] for ln in text.splitlines() if ln.startswith("RESULT ")]
    if rc == 0 and results:
        result = json.loads(results[-1])
        result["ru_maxrss_mib"] = peak
        result["process_wall_s"] = wall
        return Child(True, result, "", result.get("vm_hwm_mib") or peak)
    reason = (f"timed out after {timeout:.0f} s" if killed.is_set()
              else f"killed by signal {-rc} (out of memory?)" if rc < 0 else _reason(text, rc))
    return Child(False, {}, reason, peak)


def child_main(step: str, d: str) -> int:
    from ezkl_runner import peak_rss_mib  # stdlib only

    result = tp_child(step, Path(d))
    print("RESULT " + json.dumps({**result, "vm_hwm_mib": peak_rss_mib()}), flush=True)
    return 0


# ---------------------------------------------------------------- one system on one model
TP_STEPS = ("compile", "prove", "verify")
EZKL_STEPS = ("compile", "setup", "witness", "prove", "verify")


def run_system(system: str, d: Path, repeats: int, timeout: float) -> dict:
    """All steps of one system on the model in `d`; stops at the first failing step."""
    rec: dict = {"runs": {}, "error": None}
    is_tp = system.startswith("tensorproof")
    if is_tp:  # each tensorproof configuration works in its own folder beside EZKL's files
        d = tp_folder(d, system)
    steps = TP_STEPS if is_tp else EZKL_STEPS
    for step in steps:
        n = repeats if step == "prove" or (is_tp and step == "verify") else 1
        for i in range(n):
            cmd = ([__file__, "--child", step, str(d)] if is_tp
                   else [str(HERE / "ezkl_runner.py"), step, str(d)])
            if not _run_step(rec, system, step, cmd, d, i, n, timeout):
                return rec
    return rec


def _run_step(rec: dict, system: str, step: str, cmd: list[str], d: Path, i: int, n: int,
              timeout: float) -> bool:
    """Run one child of ``system``'s ``step`` (repeat i of n) in folder ``d``; its result
    appended to ``rec``'s runs, or its failure set as ``rec``'s error (False)."""
    say(f"  {system} {step}" + (f" ({i + 1}/{n})" if n > 1 else ""))
    load = os.getloadavg()[0]
    c = run_child(cmd, timeout, d / f"{system}-{step}.log")
    c.result["load_avg_1min_before"] = load
    if not c.ok:
        rec["error"] = f"{step}: {c.reason}"
        say(f"    failed: {c.reason}")
        return False
    rec["runs"].setdefault(step, []).append({**c.result, "peak_rss_mib": c.peak_mib})
    return True


def run_interleaved(systems: list[str], d: Path, repeats: int, timeout: float) -> dict:
    """``run_system`` for several tensorproof configurations of one model, interleaved: each
    is compiled, then every repeat proves with each in turn, then every repeat verifies with
    each in turn, so a burst of load on a shared machine lands on all of them alike rather
    than on one (their ratios are what the overhead tables report). A configuration stops at
    its first failing step; the others go on. {system: its record, as run_system's}."""
    recs: dict = {s: {"runs": {}, "error": None} for s in systems}
    folders = {s: tp_folder(d, s) for s in systems}
    for step in TP_STEPS:
        n = 1 if step == "compile" else repeats
        for i in range(n):
            for system in systems:
                if not recs[system]["error"]:
                    f = folders[system]
                    _run_step(recs[system], system, step, [__file__, "--child", step, str(f)],
                              f, i, n, timeout)
    return recs


def tp_folder(d: Path, system: str) -> Path:
    """d/<system>, holding the model's data files and that configuration's tp_config.json."""
    sub = d / system
    sub.mkdir(exist_ok=True)
    for f in DATA_FILES:
        if not (sub / f).exists():
            shutil.copyfile(d / f, sub / f)
    (sub / "tp_config.json").write_text(json.dumps(TP_CONFIGS[tp_config(system)]))
    return sub


def _max_err(outputs, ref) -> float | None:
    import numpy as np

    if outputs is None or ref is None:
        return None
    out = np.asarray(outputs, dtype=float).ravel()
    return float(np.abs(out - ref.ravel()).max()) if out.size == ref.size else None


def summarize(system: str, rec: dict, ref) -> dict:
    """Medians and peaks of a system's runs (None where a step did not run)."""
    runs = rec["runs"]

    def first(step, key):
        return runs[step][0].get(key) if step in runs else None

    def med(step, key):
        return statistics.median(r[key] for r in runs[step]) if step in runs else None

    s = {"error": rec["error"], "compile_s": first("compile", "compile_s"),
         "prove_s": med("prove", "prove_s"), "verify_s": med("verify", "verify_s"),
         "prove_runs_s": [r["prove_s"] for r in runs.get("prove", [])],
         "prove_cpu_s": med("prove", "prove_cpu_s"),
         "prove_process_s": med("prove", "process_wall_s"),
         "proof_bytes": first("prove", "proof_bytes"),
         "peak_rss_mib": max((r["peak_rss_mib"] for r in runs.get("prove", [])), default=None),
         "steps": runs}
    if system.startswith("tensorproof"):
        outs = first("verify", "outputs")
        s.update(setup_s=None, commit_s=first("compile", "commit_s"),
                 prove_warm_s=med("prove", "prove_warm_s"),
                 verify_warm_s=med("verify", "verify_warm_s"),
                 max_abs_err=_max_err(next(iter(outs.values())) if outs else None, ref))
    else:
        outs = first("witness", "outputs")
        s.update(setup_s=first("setup", "setup_s"), gen_srs_s=first("setup", "gen_srs_s"),
                 witness_s=first("witness", "witness_s"),
                 logrows=first("compile", "logrows"), pk_bytes=first("setup", "pk_bytes"),
                 max_abs_err=_max_err(outs[0] if outs else None, ref))
    return s


# ---------------------------------------------------------------- the run
def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def prepare(m, d: Path):
    """Write the model and its data into `d`; return onnxruntime's float output (or None)."""
    import numpy as np

    d.mkdir(parents=True, exist_ok=True)
    (d / "network.onnx").write_bytes(m.onnx_bytes)
    (d / "input.json").write_text(m.ezkl_input_json())
    np.save(d / "x.npy", m.x)
    np.save(d / "calibration.npy", m.calibration)
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    sess = ort.InferenceSession(m.onnx_bytes, providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, {m.input_name: m.x})[0], dtype=float)


def baselines(work: Path, with_ezkl: bool) -> dict:
    """Peak RSS of children that only import (the interpreter and library overhead)."""
    out = {}
    cmds = {"import tensorproof": [__file__, "--child", "import", str(work)],
            "import tensorproof.api": [__file__, "--child", "import-api", str(work)]}
    if with_ezkl:
        cmds["import ezkl"] = [str(HERE / "ezkl_runner.py"), "import", str(work)]
    for name, cmd in cmds.items():
        c = run_child(cmd, 600, work / f"baseline-{name.replace(' ', '_')}.log")
        out[name] = c.peak_mib if c.ok else None
    return out


def run(names: list[str], repeats: int, ezkl_repeats: int, skip_ezkl: str | None,
        work: Path, timeout: float, warm_up: bool = True, checkpoint=None,
        tp_configs: tuple[str, ...] = ("int8",)) -> dict:
    """Benchmark every model with both systems; the results document (JSON-ready).
    ``checkpoint(report)``, if given, is called after each model (partial results survive an
    interrupted run)."""
    import models

    report = {"environment": environment(), "options": {
        "models": names, "repeats": repeats, "ezkl_repeats": ezkl_repeats, "batch": 1,
        "ezkl_skipped": skip_ezkl, "timeout_s": timeout,
        "tp_configs": {c: TP_CONFIGS[c] for c in tp_configs}}, "models": []}
    report["environment"]["load_avg_start"] = os.getloadavg()
    if warm_up:  # load (or rebuild) numba's on-disk cache once, unmeasured
        say("warm-up: tensorproof on the smallest model (not measured)")
        prepare(models.build(models.QUICK_MODEL), work / "_warm_up")
        for config in tp_configs:
            run_system(tp_system(config), work / "_warm_up", 1, timeout)
    say("baselines (import-only children)")
    report["baselines_mib"] = baselines(work, skip_ezkl is None)
    for name in names:
        say(f"model {name}")
        row: dict = {"name": name}
        try:
            m = models.build(name)
            row.update(description=m.description, params=m.params, source=m.source,
                       input_shape=list(m.x.shape))
            ref = prepare(m, work / name)
        except Exception as e:  # a model that cannot even be built is a row, not a crash
            row["error"] = f"{type(e).__name__}: {e}"
            report["models"].append(row)
            continue
        row["float_output"] = None if ref is None else ref.ravel().tolist()
        for config in tp_configs:
            system = tp_system(config)
            row[system] = summarize(system, run_system(system, work / name, repeats, timeout),
                                    ref)
        if skip_ezkl is None:
            row["ezkl"] = summarize("ezkl", run_system(
                "ezkl", work / name, ezkl_repeats, timeout), ref)
            row["targets"] = {tp_system(c): targets(row, tp_system(c)) for c in tp_configs}
        report["models"].append(row)
        if checkpoint:
            checkpoint(report)
    report["environment"]["load_avg_end"] = os.getloadavg()
    report["complete"] = True
    return report


def ezkl_available() -> str | None:
    """Why EZKL is skipped, or None when it can run."""
    return None if importlib.util.find_spec("ezkl") else "ezkl is not installed"


def _version(pkg: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return pages * size / 2**30


def environment() -> dict:
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, cwd=HERE).stdout.strip()
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gib": _ram_gib(),
                        "os": f"{platform.system()} {platform.release()}"},
            "versions": {"python": platform.python_version(),
                         **{p: _version(p) for p in ("numpy", "numba", "tensorproof", "ezkl",
                                                     "onnx", "onnxruntime")}},
            "git_commit": git or None,
            "tensorproof_path": getattr(importlib.util.find_spec("tensorproof"), "origin", None)}


# ---------------------------------------------------------------- the report
def _t(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def _b(n: int | None) -> str:
    if n is None:
        return "—"
    return (f"{n:,} B" if n < 10_000 else f"{n / 1e3:,.0f} kB" if n < 10_000_000
            else f"{n / 1e6:,.0f} MB")


def _m(mib: float | None) -> str:
    return "—" if mib is None else f"{mib:,.0f} MiB"


def _e(x: float | None) -> str:
    return "—" if x is None else f"{x:.2g}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def targets(row: dict, system: str = "tensorproof") -> dict:
    """Issue 5's targets for one model and tensorproof configuration (met / missed / n/a), with
    the ratios behind them."""
    tp, ez = row.get(system) or {}, row.get("ezkl") or {}
    rp = _ratio(ez.get("prove_s"), tp.get("prove_s"))
    rm = _ratio(ez.get("peak_rss_mib"), tp.get("peak_rss_mib"))
    rv = _ratio(ez.get("verify_s"), tp.get("verify_s"))

    def judge(ok: bool | None) -> str:
        return "n/a" if ok is None else "met" if ok else "missed"

    return {"prove_ratio": rp, "memory_ratio": rm, "verify_ratio": rv,
            "prove": judge(None if rp is None else rp >= TARGET_PROVE),
            "memory": judge(None if rm is None else rm >= TARGET_MEM),
            "verify": judge(None if rv is None else rv >= 1.0),
            "no_setup": judge(None if tp.get("compile_s") is None else True)}


def _system_row(row: dict, system: str, label: str, base: float | None) -> str:
    s = row[system]
    peak = _m(s["peak_rss_mib"])
    if s["peak_rss_mib"] is not None and base:
        peak += f" ({s['peak_rss_mib'] - base:+,.0f})"
    setup = "none" if system.startswith("tensorproof") else _t(s.get("setup_s"))
    status = "ok" if not s["error"] else "failed: " + s["error"][:70].replace("|", "/")
    return (f"| {row.get('description', row['name'])} | {row.get('params', 0):,} | {label} | "
            f"{_t(s['compile_s'])} | {setup} | {_t(s['prove_s'])} | {_t(s['verify_s'])} | "
            f"{_b(s['proof_bytes'])} | {peak} | {_e(s['max_abs_err'])} | "
            f"{status} |")


def render(r: dict) -> str:
    env, opt = r["environment"], r["options"]
    mach, v = env["machine"], env["versions"]
    ez_label = f"EZKL {v.get('ezkl')}" if v.get("ezkl") else "EZKL"
    base = r.get("baselines_mib", {})
    lines = [
        "# tensorproof vs EZKL: the same ONNX models, one run", "",
        f"{env['date']} · {mach['cpu']}, {mach['cores']} cores, {mach['ram_gib'] or 0:.0f} GiB "
        f"RAM, {mach['os']} · load average {env['load_avg_start'][0]:.1f} at start, "
        f"{env['load_avg_end'][0]:.1f} at end · python {v['python']}, numpy {v['numpy']}, "
        f"numba {v['numba']}, tensorproof {v['tensorproof']} (git {env['git_commit']}), "
        f"ezkl {v.get('ezkl') or 'not installed'}, onnxruntime {v.get('onnxruntime')}", "",
        f"Batch 1. Prove: median of {opt['repeats']} fresh child processes for tensorproof"
        + ("" if opt["ezkl_skipped"] else f", {opt['ezkl_repeats']} for EZKL") + ".", ""]
    if opt["ezkl_skipped"]:
        lines += [f"**EZKL was skipped** ({opt['ezkl_skipped']}): tensorproof alone.", ""]
    lines += ["| model | params | system | compile | setup | prove | verify | proof | "
              "prove peak RSS (+ over import) | max abs err vs onnxruntime | status |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["models"]:
        if "error" in row:
            lines.append(f"| {row['name']} | — | — | — | — | — | — | — | — | — | "
                         f"model not built: {row['error'][:80]} |")
            continue
        for system in _tp_systems(row):
            lines.append(_system_row(row, system, tp_label(system),
                                     base.get("import tensorproof.api")))
        if "ezkl" in row:
            lines.append(_system_row(row, "ezkl", ez_label, base.get("import ezkl")))
    if not opt["ezkl_skipped"]:
        lines += _targets_section(r)
    lines += _details(r)
    lines += _notes(r)
    return "\n".join(lines) + "\n"


def _tp_systems(row: dict) -> list[str]:
    return [k for k in row if k.startswith("tensorproof")]


def _targets_section(r: dict) -> list[str]:
    out = ["", "## Ratios (EZKL / tensorproof) and issue 5's targets", "",
           f"Targets: prove ≥ {TARGET_PROVE:.0f}× faster, prove peak memory ≤ 1/{TARGET_MEM:.0f},"
           " no setup beyond compile, verify no slower than EZKL's. The last column compares "
           "accuracy (max abs error against onnxruntime).", "",
           "| model | tensorproof | prove ratio | prove ≥ 100× | memory ratio | memory ≤ 1/10 | "
           "verify ratio | verify ≤ EZKL | no setup beyond compile | max abs err: tp / EZKL |",
           "|---|---|---|---|---|---|---|---|---|---|"]

    def x(v):
        return "—" if v is None else f"{v:,.1f}×"

    for row in r["models"]:
        if "ezkl" not in row:
            continue
        for system in _tp_systems(row):
            t = row["targets"][system]
            out.append(f"| {row.get('description', row['name'])} | {tp_config(system)} | "
                       f"{x(t['prove_ratio'])} | {t['prove']} | {x(t['memory_ratio'])} | "
                       f"{t['memory']} | {x(t['verify_ratio'])} | {t['verify']} | "
                       f"{t['no_setup']} | {_e(row[system]['max_abs_err'])} / "
                       f"{_e(row['ezkl']['max_abs_err'])} |")
    return out


def _cpu(tp: float | None, ez: float | None) -> str:
    r = _ratio(ez, tp)
    return f"{_t(tp)} / {_t(ez)}" + (f" ({r:,.0f}×)" if r else "")


def _details(r: dict) -> list[str]:
    out = ["", "## Details", "", "CPU time (user + system, all threads) of the prove call is "
           "less sensitive than wall time to other load on the machine.", "",
           "| model | tensorproof | tp commitment (in compile) | tp prove, warm process | "
           "tp verify, warm | "
           "prove CPU time: tp / EZKL (ratio) | prove child, whole process: tp / EZKL "
           "(ratio) | EZKL logrows | EZKL pk | EZKL gen_srs "
           "(local, not counted) | EZKL gen_witness (not counted) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["models"]:
        for system in _tp_systems(row):
            out.append(_details_row(row, system))
    return out


def _details_row(row: dict, system: str) -> str:
    tp, ez = row.get(system) or {}, row.get("ezkl") or {}
    gen = ez.get("gen_srs_s")
    return (f"| {row.get('description', row['name'])} | {tp_config(system)} | "
            f"{_t(tp.get('commit_s'))} | "
            f"{_t(tp.get('prove_warm_s'))} | {_t(tp.get('verify_warm_s'))} | "
            f"{_cpu(tp.get('prove_cpu_s'), ez.get('prove_cpu_s'))} | "
            f"{_cpu(tp.get('prove_process_s'), ez.get('prove_process_s'))} | "
            f"{ez.get('logrows') or '—'} | {_b(ez.get('pk_bytes'))} | "
            f"{_t(gen) if gen is not None else 'shared' if ez.get('setup_s') else '—'} | "
            f"{_t(ez.get('witness_s'))} |")


def _notes(r: dict) -> list[str]:
    b = r.get("baselines_mib", {})
    base = ", ".join(f"`{k}` {_m(v)}" for k, v in b.items())
    fails = [f"- {row['name']} / {sys_}: {row[sys_]['error']}" for row in r["models"]
             for sys_ in (*_tp_systems(row), "ezkl") if (row.get(sys_) or {}).get("error")]
    notes = ["", "## Notes", "",
             "- Every step runs in a fresh child process; times are measured inside it around the "
             "call (imports excluded); peak RSS is the prove child's high-water mark (VmHWM, "
             "read by the child as it exits: `ru_maxrss` would include the parent's RSS at "
             "fork; the JSON keeps it as `ru_maxrss_mib`). "
             f"Import-only children, the interpreter baseline of that column: {base}.",
             "- tensorproof runs in two quantizations: **int8** (its default: 8-bit activations "
             "and per-channel weights) and **int16** (`bits=16, weight_bits=16`: 16-bit "
             "activations and weights, the accuracy of EZKL's calibrated fixed point or better), "
             "so that speed is also compared at equal accuracy; both in the fast profile "
             "(Ligero, K = F_p^2). **compact** is int8 in the compact profile (WHIR, "
             "K = F_p^3), whose proofs are meant for the chain.",
             "- tensorproof *compile* = quantization + weight commitment (`setup`, i.e. the "
             "model commitment; it has no other setup); compile writes the proving key file "
             "(`.tpk`: the model and the commitment's prover data). *prove* = load the proving "
             "key, prove (a fresh process: numba loads its cached kernels on first use). The "
             "JSON also has `prove_warm_s`, a second proof in the same process. *verify* = "
             "first verification in a fresh process, the median of as many fresh processes as "
             "prove (one sample moves by 10-30 % on this machine). *Whole process* "
             "(Details) is the prove child's wall time from spawn to exit: interpreter start, "
             "imports (numba's, for tensorproof), reading the key, proving, writing the proof.",
             "- EZKL: default visibility (public input and output, fixed params), "
             "`calibrate_settings(target=\"resources\")` on the proving input; *compile* = "
             "gen_settings + calibrate_settings + compile_circuit; *setup* = `ezkl.setup` (proving "
             "and verifying keys). **The SRS is generated locally by `ezkl.gen_srs`** "
             "(insecure, for testing: nothing can be downloaded here), one file per logrows "
             "shared by the models of the run; its time is in Details, not in *setup*, since a "
             "deployment downloads a public SRS. *prove* = `ezkl.prove` (it reads the "
             "proving key from disk) without `gen_witness` (its time is in the JSON). EZKL's "
             "proof size is the raw Halo2/KZG proof without its public instances (inputs and "
             "outputs, 32 bytes each); tensorproof's proof bytes include the claimed outputs.",
             "- Max abs err: the verified (dequantized) output of each system against the float "
             "model run by onnxruntime on the same input.",
             "- Models built here use seeded random weights (benchmarks/models.py); the others "
             "are EZKL's example models (../shared/peer-corpus/ezkl-examples) on their "
             "input.json."]
    if fails:
        notes += ["", "### Failures (step: reason)", "", *fails]
    return notes


# ---------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=None, help="comma-separated names (default: all)")
    ap.add_argument("--repeats", type=int, default=3, help="prove runs per system (median)")
    ap.add_argument("--ezkl-repeats", type=int, default=None, help="default: --repeats")
    ap.add_argument("--skip-ezkl", action="store_true", help="benchmark tensorproof alone")
    ap.add_argument("--tp-configs", default="int8,int16,compact",
                    help=f"tensorproof quantizations, of {','.join(TP_CONFIGS)} (--quick: int8)")
    ap.add_argument("--quick", action="store_true",
                    help="CI smoke test: smallest model, 1 repeat, no EZKL")
    ap.add_argument("--out", default=None, help="results folder (default benchmarks/results)")
    ap.add_argument("--keep", default=None, help="keep the work files in this folder")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per child step")
    ap.add_argument("--corpus", default=None, help="EZKL examples folder (default: "
                    "../shared/peer-corpus/ezkl-examples beside the repository)")
    ap.add_argument("--child", nargs=2, metavar=("STEP", "DIR"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child_main(*a.child)
    sys.path.insert(0, str(HERE))
    import models
    from report import write_atomic

    if a.corpus:
        models.CORPUS = Path(a.corpus).resolve()
    names = ([models.QUICK_MODEL] if a.quick and not a.models
             else a.models.split(",") if a.models else list(models.BUILDERS))
    repeats = 1 if a.quick else a.repeats
    tp_configs = ("int8",) if a.quick else tuple(a.tp_configs.split(","))
    if any(c not in TP_CONFIGS for c in tp_configs):
        ap.error(f"--tp-configs: choose among {', '.join(TP_CONFIGS)}")
    skip = ("--quick mode" if a.quick else "--skip-ezkl given") if a.quick or a.skip_ezkl \
        else ezkl_available()
    out = Path(a.out) if a.out else (Path(tempfile.mkdtemp(prefix="vs_ezkl_quick_")) if a.quick
                                     else HERE / "results")
    with tempfile.TemporaryDirectory(prefix="vs_ezkl_") as tmp:
        work = Path(a.keep) if a.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        out.mkdir(parents=True, exist_ok=True)
        r = run(names, repeats, a.ezkl_repeats or repeats, skip, work, a.timeout,
                warm_up=not a.quick, tp_configs=tp_configs, checkpoint=lambda rep: write_atomic(
                    out / "vs_ezkl.partial.json", json.dumps(rep, indent=1, default=str)))
    text = render(r)
    write_atomic(out / "vs_ezkl.md", text)
    write_atomic(out / "vs_ezkl.json", json.dumps(r, indent=1, default=str) + "\n")
    (out / "vs_ezkl.partial.json").unlink(missing_ok=True)
    print(text)
    say(f"wrote {out / 'vs_ezkl.md'} and {out / 'vs_ezkl.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
