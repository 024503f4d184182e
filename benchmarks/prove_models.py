"""Prove/verify figures of the reference models (issue 4's closing figures): prints a table and
writes JSON. Medians of --repeats warm runs (numba compiled before timing).

    python benchmarks/prove_models.py [--repeats 3] [--json benchmarks/results/prove_models.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from models import build  # noqa: E402
from report import median_time as _median  # noqa: E402
from report import save_rows  # noqa: E402
from tensorproof import api  # noqa: E402
from tensorproof.api.demo import bundled  # noqa: E402


def _cases():
    onnx_bytes, data = bundled()
    yield "digits CNN (bundled demo)", onnx_bytes, data["calibration"], data["test"], (1, 16)
    for name, batches in (("mlp_784_128_10", (1, 16)), ("lenet_5", (1,))):
        m = build(name)
        x = m.x if len(m.x) >= max(batches) else None
        if x is None:
            rng = __import__("numpy").random.default_rng(0)
            x = m.calibration[rng.integers(0, len(m.calibration), max(batches))]
        yield m.description, m.onnx_bytes, m.calibration, x, batches


def run(repeats: int) -> list[dict]:
    rows = []
    for name, onnx_bytes, calib, x, batches in _cases():
        t0 = time.perf_counter()
        model = api.compile(onnx_bytes, calib)
        t1 = time.perf_counter()
        pk = api.setup(model)
        t2 = time.perf_counter()
        for b in batches:
            xb = x[:b]
            api.verify(pk.vk, api.prove(pk, xb))  # warm-up
            prove_s, proof = _median(lambda xb=xb, pk=pk: api.prove(pk, xb), repeats)
            verify_s, _ = _median(lambda p=proof, vk=pk.vk: api.verify(vk, p), repeats)
            rows.append({"model": name, "batch": b, "compile_s": t1 - t0, "setup_s": t2 - t1,
                         "prove_s": prove_s, "verify_s": verify_s,
                         "proof_bytes": len(proof.to_bytes())})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default="benchmarks/results/prove_models.json")
    args = ap.parse_args()
    rows = run(args.repeats)
    print(f"# tensorproof prove/verify — {time.strftime('%Y-%m-%d')} — {platform.machine()}, "
          f"{os.cpu_count()} cores, medians of {args.repeats}\n")
    print("| model | batch | compile | setup | prove | verify | proof size |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['batch']} | {r['compile_s']:.2f} s | {r['setup_s']:.2f} s "
              f"| {r['prove_s'] * 1e3:.0f} ms | {r['verify_s'] * 1e3:.0f} ms "
              f"| {r['proof_bytes'] / 1024:.0f} KiB |")
    save_rows(args.json, rows)


if __name__ == "__main__":
    main()
