"""Where a fresh process's first proof and first verification spend the time a warm one saves.

vs_ezkl.py measures each prove and verify in a fresh child process, as a command-line user runs
them. On the smallest models that figure is several times the warm one. This script splits it:
in fresh children it times `import tensorproof.api`, loading the proving key, the first and a
second (warm) proof, and in another child the first and a second verification; it counts the
numba kernels each phase loads from numba's on-disk cache and the time that takes (by wrapping
numba's cache loader: a measurement hook, never used by the library), and the peak RSS.

    python benchmarks/fresh_process.py [--models mlp_784_128_10,4l_relu_conv_fc] [--repeats 3]

Writes benchmarks/results/fresh_process.{md,json} (medians over --repeats children).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_MODELS = ("mlp_784_128_10", "4l_relu_conv_fc", "variable_cnn")


def _hook(log: list, phase: list) -> None:
    """Record (phase, kernel, ms) for every kernel numba loads from its cache from now on."""
    import numba.core.caching as caching

    orig = caching.Cache.load_overload

    def load(self, sig, target_context):
        t = time.perf_counter()
        out = orig(self, sig, target_context)
        name = getattr(self, "_name", "?").split(" at ")[0].replace("<function ", "")
        log.append((phase[0], name, (time.perf_counter() - t) * 1e3))
        return out

    caching.Cache.load_overload = load


def _rss_mib() -> float:
    """Peak RSS so far (VmHWM: ru_maxrss would count the parent's RSS at fork)."""
    from ezkl_runner import peak_rss_mib  # stdlib only

    return peak_rss_mib() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(step: str, d: Path) -> dict:
    """One fresh process: 'prove' or 'verify' on the files in d."""
    log: list = []
    phase = ["import"]
    t0 = time.perf_counter()
    _hook(log, phase)
    import numpy as np

    import tensorproof.api as tp

    times = {"import": time.perf_counter() - t0}
    rss = {"import": _rss_mib()}
    if step == "prove":
        x = np.load(d / "x.npy")
        phase[0] = "load"
        t = time.perf_counter()
        pk = tp.load_pk(d / "model.tpk")
        times["load"] = time.perf_counter() - t
        for name in ("first", "warm"):
            phase[0] = name
            t = time.perf_counter()
            proof = tp.prove(pk, x)
            times[name] = time.perf_counter() - t
        tp.save_proof(proof, d / "proof.bin")
    else:
        phase[0] = "load"
        t = time.perf_counter()
        vk, proof = tp.load_vk(d / "vk.bin"), tp.load_proof(d / "proof.bin")
        times["load"] = time.perf_counter() - t
        for name in ("first", "warm"):
            phase[0] = name
            t = time.perf_counter()
            tp.verify(vk, proof)
            times[name] = time.perf_counter() - t
    rss["end"] = _rss_mib()
    loads = {}
    for ph, name, ms in log:
        entry = loads.setdefault(ph, {"n": 0, "ms": 0.0, "kernels": {}})
        entry["n"] += 1
        entry["ms"] += ms
        entry["kernels"][name] = entry["kernels"].get(name, 0.0) + ms
    return {"times_s": times, "rss_mib": rss, "kernel_loads": loads}


def run_child(step: str, d: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", step, str(d)],
                         capture_output=True, text=True, cwd=HERE.parent)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if out.returncode or not lines:
        raise SystemExit(f"{step} child failed in {d}:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1][7:])


def prepare(name: str, d: Path) -> None:
    """Compile the model, write its proving key, verifying key and input into d."""
    import numpy as np

    import models
    import tensorproof.api as tp

    m = models.build(name)
    model = tp.compile(m.onnx_bytes, m.calibration)
    pk = tp.setup(model)
    tp.save_pk(pk, d / "model.tpk")
    tp.save_vk(pk.vk, d / "vk.bin")
    np.save(d / "x.npy", m.x)


def _median(runs: list[dict], *path) -> float:
    vals = []
    for r in runs:
        v = r
        for p in path:
            v = v.get(p, {}) if isinstance(v, dict) else {}
        vals.append(v if isinstance(v, int | float) else 0.0)
    return statistics.median(vals)


def summarize(runs: list[dict]) -> dict:
    phases = ("import", "load", "first", "warm")
    s = {"times_s": {p: _median(runs, "times_s", p) for p in phases},
         "loads_n": {p: _median(runs, "kernel_loads", p, "n") for p in phases},
         "loads_ms": {p: _median(runs, "kernel_loads", p, "ms") for p in phases},
         "rss_mib": {p: _median(runs, "rss_mib", p) for p in ("import", "end")}}
    top = runs[0].get("kernel_loads", {}).get("first", {}).get("kernels", {})
    s["first_top_kernels_ms"] = dict(sorted(top.items(), key=lambda kv: -kv[1])[:4])
    return s


def render(report: dict) -> str:
    lines = ["# Fresh process vs warm: where the first proof's extra time goes", "",
             f"{report['date']} · git {report['git_commit']} · medians of {report['repeats']} "
             "fresh children per step. *Kernel loads*: numba kernels loaded from numba's "
             "on-disk cache during that phase (count, ms).", "",
             "| model | step | import tensorproof.api (kernel loads) | load files | first call "
             "(kernel loads) | warm call | first − warm | peak RSS after import / end | "
             "slowest kernel loads in the first call |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m in report["models"]:
        for step in ("prove", "verify"):
            s = m[step]
            t, n, ms = s["times_s"], s["loads_n"], s["loads_ms"]
            top = ", ".join(f"{k} {v:.0f}" for k, v in s["first_top_kernels_ms"].items())
            lines.append(
                f"| {m['name']} | {step} | {t['import'] * 1e3:.0f} ms ({n['import']:.0f}, "
                f"{ms['import']:.0f} ms) | {t['load'] * 1e3:.0f} ms | {t['first'] * 1e3:.0f} ms "
                f"({n['first']:.0f}, {ms['first']:.0f} ms) | {t['warm'] * 1e3:.0f} ms | "
                f"{(t['first'] - t['warm']) * 1e3:.0f} ms | {s['rss_mib']['import']:.0f} / "
                f"{s['rss_mib']['end']:.0f} MiB | {top or '—'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--corpus", default=None, help="EZKL examples folder (default: "
                    "../shared/peer-corpus/ezkl-examples beside the repository)")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--child", nargs=2, metavar=("STEP", "DIR"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        sys.path.insert(0, str(HERE))
        print("RESULT " + json.dumps(child(a.child[0], Path(a.child[1]))), flush=True)
        return 0
    sys.path.insert(0, str(HERE))
    import models

    if a.corpus:
        models.CORPUS = Path(a.corpus).resolve()
    from report import write_atomic
    from vs_ezkl import environment

    env = environment()
    report = {"date": env["date"], "git_commit": env["git_commit"], "repeats": a.repeats,
              "machine": env["machine"], "models": []}
    with tempfile.TemporaryDirectory(prefix="fresh_") as tmp:
        for name in a.models.split(","):
            d = Path(tmp) / name
            d.mkdir()
            print(f"model {name}", file=sys.stderr, flush=True)
            prepare(name, d)
            run_child("prove", d)  # once unmeasured: numba's cache is built if it was cold
            run_child("verify", d)
            runs = {s: [run_child(s, d) for _ in range(a.repeats)] for s in ("prove", "verify")}
            report["models"].append({"name": name, **{s: summarize(r) for s, r in runs.items()},
                                     "runs": runs})
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    text = render(report)
    write_atomic(out / "fresh_process.md", text)
    write_atomic(out / "fresh_process.json", json.dumps(report, indent=1) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
