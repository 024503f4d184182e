"""First run: the cold first proof of the demo model, `import tensorproof.api`, and a fresh
`tensorproof verify`, with numba's on-disk cache empty (cold) and filled (warm).

Every figure comes from a fresh child process whose NUMBA_CACHE_DIR points at a temporary
directory: an empty one for each cold measurement (so each pays for the kernels it compiles), and
one filled by a first proof and a verification for the warm ones. Measured:

- first proof: `import tensorproof.api`, then compile + setup + prove (a batch of --batch test
  digits) + verify of the bundled digits CNN through the API, each phase timed (what `tensorproof
  demo` does, without its warm-up and accuracy report);
- `import tensorproof.api`: wall time and peak RSS of a child that does only that;
- `tensorproof verify model.vk proof.tpp`: wall time (process start to exit, as a user sees it)
  and peak RSS of the real command, on the verifying key and a proof of --verify-batch digits;
- the kernels numba compiled (cache index files written) in each cold child, and in the cold
  first proof the compile time of each kernel Python called (``compile_s``: numba's
  ``numba:compile`` events, a kernel's helpers included in it);
- the fused sumcheck kernel's policy (prover/fused_policy.py, the default ``auto``): the cold
  first proof takes the generic path and starts its compile in a background process; the warm
  runs wait for that compile to end (``background_compile_wait_s``) and load the kernel.

    python benchmarks/cold_start.py [--label before|after] [--repeats 3] [--batch 16]

Writes (atomically) benchmarks/results/cold_start.json: one section per --label, others kept.
Targets (issue 10): cold first proof <= 20 s; warm fresh-process verify <= 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "cold_start.json"
TARGETS = {"cold_first_proof_s": 20.0, "warm_verify_wall_s": 0.3}


def _vmhwm_mib() -> float | None:
    from ezkl_runner import peak_rss_mib  # stdlib only

    return peak_rss_mib()


# ------------------------------------------------------------------ children (fresh processes)
def child_import() -> dict:
    t0 = time.perf_counter()
    import tensorproof.api  # noqa: F401

    return {"import_s": time.perf_counter() - t0, "rss_mib": _vmhwm_mib(),
            "numba_imported": "numba" in sys.modules}


class _CompileTimes:
    """numba:compile listener: seconds per outermost compile (a kernel with the helpers it
    compiles), keyed by module.function."""

    def __init__(self) -> None:
        self.depth, self.t0, self.seconds = 0, 0.0, {}

    def on_start(self, event) -> None:
        self.depth += 1
        if self.depth == 1:
            fn = getattr(event.data.get("dispatcher"), "py_func", None)
            self.name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}" if fn else "?"
            self.t0 = time.perf_counter()

    def on_end(self, event) -> None:
        self.depth -= 1
        if self.depth == 0:
            dt = time.perf_counter() - self.t0
            self.seconds[self.name] = self.seconds.get(self.name, 0.0) + dt


def _listen_compiles() -> _CompileTimes:
    from numba.core import event

    class Listener(_CompileTimes, event.Listener):
        pass

    times = Listener()
    event.register("numba:compile", times)
    return times


def child_first_proof(d: Path, batch: int, verify_batch: int) -> dict:
    t = {}
    t0 = time.perf_counter()
    import tensorproof.api as tp
    from tensorproof.api.demo import bundled

    t["import tensorproof.api"] = time.perf_counter() - t0
    compiles = _listen_compiles()  # after the timed import (it imports numba)
    onnx_bytes, data = bundled()
    t0 = time.perf_counter()
    model = tp.compile(onnx_bytes, data["calibration"])
    t["compile"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pk = tp.setup(model)
    t["setup (commitment + certificate)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    proof = tp.prove(pk, data["test"][:batch])
    t[f"prove (batch {batch})"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tp.verify(pk.vk, proof)
    t["verify"] = time.perf_counter() - t0
    tp.save_vk(pk.vk, d / "model.vk")
    small = proof if verify_batch == batch else tp.prove(pk, data["test"][:verify_batch])
    tp.save_proof(small, d / "proof.tpp")
    from tensorproof.prover import fused_policy
    from tensorproof.prover.fused_kernel import fused_kernel

    return {"phases_s": t, "first_proof_s": sum(t.values()), "rss_mib": _vmhwm_mib(),
            "fused_kernel": "loaded" if fused_kernel.compiled else "generic path",
            "background_compile": fused_policy.background_compile() is not None,
            "compile_total_s": sum(compiles.seconds.values()),
            "compile_s": dict(sorted(compiles.seconds.items(), key=lambda kv: -kv[1]))}


# ------------------------------------------------------------------ the parent
def _env(cache: Path) -> dict:
    """The children's environment: their own numba cache, and Python writing and reading its
    .pyc files as an installed package does (pip compiles them at install; a sandbox may set
    PYTHONDONTWRITEBYTECODE, which would make every child recompile every module)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1",
               TENSORPROOF_CACHE_DIR=str(cache / "tensorproof"))
    env.pop("NUMBA_DEBUG_CACHE", None)
    env.pop("TENSORPROOF_FUSED", None)  # the default policy
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _child(args: list[str], cache: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, cwd=HERE.parent, env=_env(cache))
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if out.returncode or not lines:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(lines[-1][7:])


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "tensorproof"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tensorproof.cli"]


def verify_cli(d: Path, cache: Path) -> dict:
    """Wall time and peak RSS of `tensorproof verify model.vk proof.tpp` (the real command)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([*_cli(), "verify", str(d / "model.vk"), str(d / "proof.tpp")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(cache))
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"tensorproof verify failed ({p.returncode}):\n{err.decode()[-2000:]}")
    return {"wall_s": wall, "stderr_lines": len(err.splitlines())}


def _kernels(cache: Path) -> dict:
    """Kernels compiled into a cache directory: count of index files, and their names."""
    names = sorted(p.name.rsplit("-", 1)[0] for p in cache.rglob("*.nbi"))
    return {"n_kernels": len(names), "n_overloads": sum(1 for _ in cache.rglob("*.nbc")),
            "kernels": names}


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def measure(repeats: int, batch: int, verify_batch: int) -> dict:
    res: dict = {"batch": batch, "verify_batch": verify_batch, "repeats": repeats}
    with tempfile.TemporaryDirectory(prefix="cold_start_") as tmp:
        tmp = Path(tmp)
        files, warm_cache = tmp / "files", tmp / "warm_cache"
        files.mkdir()
        # cold: every measurement with its own empty cache
        print("cold: import tensorproof.api", file=sys.stderr, flush=True)
        c = tmp / "cold_import"
        r = _child(["import"], c)
        res["cold_import"] = {**r, **_kernels(c)} if c.exists() else {**r, "n_kernels": 0}
        print("cold: first proof (compiles every kernel it needs)", file=sys.stderr, flush=True)
        r = _child(["first_proof", str(files), str(batch), str(verify_batch)], warm_cache)
        t0 = time.perf_counter()
        lock = warm_cache / "tensorproof" / "fused-kernel-compile.lock"  # fused_policy.LOCK_NAME
        while lock.exists():  # the fused kernel's background compile (prover/fused_policy.py)
            time.sleep(0.2)
        r["background_compile_wait_s"] = time.perf_counter() - t0
        res["cold_first_proof"] = {**r, **_kernels(warm_cache)}
        print("cold: tensorproof verify", file=sys.stderr, flush=True)
        c = tmp / "cold_verify"
        r = verify_cli(files, c)
        res["cold_verify"] = {**r, **(_kernels(c) if c.exists() else {"n_kernels": 0})}
        verify_cli(files, warm_cache)  # fills the warm cache with the verifier's kernels too
        # warm: the filled cache, medians of fresh children
        print("warm: import, first proof, verify", file=sys.stderr, flush=True)
        imps = [_child(["import"], warm_cache) for _ in range(repeats)]
        res["warm_import"] = {"import_s": _med([r["import_s"] for r in imps]),
                              "rss_mib": _med([r["rss_mib"] or 0.0 for r in imps]),
                              "numba_imported": imps[0]["numba_imported"]}
        wd = tmp / "warm_files"
        wd.mkdir()
        fps = [_child(["first_proof", str(wd), str(batch), str(verify_batch)], warm_cache)
               for _ in range(repeats)]
        res["warm_first_proof"] = {
            "first_proof_s": _med([r["first_proof_s"] for r in fps]),
            "fused_kernel": fps[0]["fused_kernel"],
            "phases_s": {k: _med([r["phases_s"][k] for r in fps]) for k in fps[0]["phases_s"]},
            "rss_mib": _med([r["rss_mib"] or 0.0 for r in fps])}
        vs = [verify_cli(files, warm_cache) for _ in range(max(repeats, 5))]
        res["warm_verify"] = {"wall_s": _med([v["wall_s"] for v in vs]),
                              "min_s": min(v["wall_s"] for v in vs)}
    res["targets"] = {
        "cold_first_proof_s": {"target": TARGETS["cold_first_proof_s"],
                               "value": res["cold_first_proof"]["first_proof_s"]},
        "warm_verify_wall_s": {"target": TARGETS["warm_verify_wall_s"],
                               "value": res["warm_verify"]["wall_s"]}}
    for v in res["targets"].values():
        v["met"] = v["value"] <= v["target"]
    return res


def _s(x: float) -> str:
    return f"{x * 1e3:.0f} ms" if x < 1 else f"{x:.2f} s"


def render(sections: dict) -> str:
    labels = list(sections)
    rows = [("cold first proof (import+compile+setup+prove+verify)",
             lambda r: _s(r["cold_first_proof"]["first_proof_s"])),
            ("warm first proof (fresh process)",
             lambda r: _s(r["warm_first_proof"]["first_proof_s"]))]
    for ph in sections[labels[-1]]["cold_first_proof"]["phases_s"]:
        for state in ("cold", "warm"):
            rows.append((f"  {state}: {ph}", lambda r, ph=ph, st=state:
                         _s(r[f"{st}_first_proof"]["phases_s"].get(ph, 0.0))))
    rows += [("  cold: numba compiling (all kernels)",
              lambda r: _s(r["cold_first_proof"]["compile_total_s"])),
             ("  cold: fused sumcheck kernel", lambda r: r["cold_first_proof"]["fused_kernel"]),
             ("  then: background compile, wait after the proof",
              lambda r: _s(r["cold_first_proof"]["background_compile_wait_s"])),
             ("  warm: fused sumcheck kernel", lambda r: r["warm_first_proof"]["fused_kernel"]),
             ("kernels compiled by the cold first proof",
              lambda r: str(r["cold_first_proof"]["n_kernels"])),
             ("cold import tensorproof.api", lambda r: _s(r["cold_import"]["import_s"])),
             ("  kernels compiled at import", lambda r: str(r["cold_import"].get("n_kernels", 0))),
             ("warm import tensorproof.api", lambda r: _s(r["warm_import"]["import_s"])),
             ("warm import peak RSS", lambda r: f"{r['warm_import']['rss_mib']:.0f} MiB"),
             ("numba imported by import tensorproof.api",
              lambda r: str(r["warm_import"]["numba_imported"])),
             ("cold `tensorproof verify` wall", lambda r: _s(r["cold_verify"]["wall_s"])),
             ("  kernels compiled by verify", lambda r: str(r["cold_verify"].get("n_kernels", 0))),
             ("warm `tensorproof verify` wall (median)", lambda r: _s(r["warm_verify"]["wall_s"]))]
    w = max(len(n) for n, _ in rows)
    out = [f"{'':{w}s} " + " ".join(f"{lb:>12s}" for lb in labels)]
    for name, f in rows:
        cells = []
        for lb in labels:
            try:
                cells.append(f(sections[lb]))
            except (KeyError, TypeError):
                cells.append("—")
        out.append(f"{name:{w}s} " + " ".join(f"{c:>12s}" for c in cells))
    for lb in labels:
        slow = list(sections[lb]["cold_first_proof"].get("compile_s", {}).items())[:6]
        if slow:
            out.append(f"{lb}: slowest compiles: " + ", ".join(f"{k} {_s(v)}" for k, v in slow))
    out.append(f"targets: cold first proof <= {TARGETS['cold_first_proof_s']:.0f} s, warm "
               f"fresh-process verify <= {TARGETS['warm_verify_wall_s']} s")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="after", help="section of the JSON to (re)write")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16, help="digits in the first proof")
    ap.add_argument("--verify-batch", type=int, default=1, help="digits in the verified proof")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    if a.child:
        kind, *rest = a.child
        r = child_import() if kind == "import" else \
            child_first_proof(Path(rest[0]), int(rest[1]), int(rest[2]))
        print("RESULT " + json.dumps(r), flush=True)
        return 0
    from report import write_atomic
    from vs_ezkl import environment

    out = Path(a.out)
    doc = json.loads(out.read_text()) if out.exists() else {}
    env = environment()
    res = measure(a.repeats, a.batch, a.verify_batch)
    res.update(date=env["date"], git_commit=env["git_commit"], machine=env["machine"],
               versions=env["versions"])
    doc[a.label] = res
    write_atomic(out, json.dumps(doc, indent=1) + "\n")
    print(render({k: doc[k] for k in ("before", "after") if k in doc} or {a.label: res}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
