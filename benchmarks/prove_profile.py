"""Prove/verify timings and hotspots of the three benchmark models (issue 5's speed targets).

For each model: compile, setup, one warm-up prove/verify (numba caches, lazy imports), then the
median wall and CPU time of ``--repeats`` proves and verifies, the proof size, and (unless
``--no-profile``) the top cProfile hotspots of one prove and one verify by own time.

    python benchmarks/prove_profile.py [--models mlp_784_128_10,...] [--repeats 7] [--top 25]

CPU time (process_time, all threads) is the steadier figure on a loaded machine, its minimum
the steadiest; wall time is what a user sees.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from models import build  # noqa: E402
from tensorproof import api  # noqa: E402

MODELS = ("mlp_784_128_10", "mlp_784_512_512_10", "cnn_mnist")


def _timed(fn, repeats: int) -> tuple[float, float, float]:
    """Median wall, median CPU and least CPU seconds of ``repeats`` calls of fn()."""
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), min(cpus)


def _hotspots(fn, top: int) -> str:
    prof = cProfile.Profile(time.process_time)
    prof.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def run_model(name: str, repeats: int, top: int, profile: bool) -> dict:
    m = build(name)
    model = api.compile(m.onnx_bytes, m.calibration)
    pk = api.setup(model)
    proof = api.prove(pk, m.x)  # warm-up: kernels loaded, caches filled
    api.verify(pk.vk, proof)
    prove_w, prove_c, prove_min = _timed(lambda: api.prove(pk, m.x), repeats)
    verify_w, verify_c, verify_min = _timed(lambda: api.verify(pk.vk, proof), repeats)
    row = {"model": name, "prove_s": prove_w, "prove_cpu_s": prove_c, "prove_min_cpu_s": prove_min,
           "verify_s": verify_w, "verify_cpu_s": verify_c, "verify_min_cpu_s": verify_min,
           "proof_bytes": len(proof.to_bytes())}
    if profile:
        row["prove_profile"] = _hotspots(lambda: api.prove(pk, m.x), top)
        row["verify_profile"] = _hotspots(lambda: api.verify(pk.vk, proof), top)
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args(argv)
    rows = [run_model(n, args.repeats, args.top, not args.no_profile)
            for n in args.models.split(",")]
    for r in rows:
        if "prove_profile" in r:
            print(f"===== {r['model']}: prove hotspots (own time) =====")
            print(r["prove_profile"])
            print(f"===== {r['model']}: verify hotspots (own time) =====")
            print(r["verify_profile"])
    print(f"| model | prove wall | prove CPU (min) | verify wall | verify CPU (min) | proof bytes "
          f"|  (medians of {args.repeats})")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['prove_s'] * 1e3:.0f} ms | {r['prove_cpu_s'] * 1e3:.0f} "
              f"({r['prove_min_cpu_s'] * 1e3:.0f}) ms | {r['verify_s'] * 1e3:.0f} ms | "
              f"{r['verify_cpu_s'] * 1e3:.0f} ({r['verify_min_cpu_s'] * 1e3:.0f}) ms | "
              f"{r['proof_bytes']:,} |")


if __name__ == "__main__":
    main()
