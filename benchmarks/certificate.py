"""Cost of the weight range certificate (verifier/certificate.py): prove time (once, at setup),
verify time (once, when a key is loaded) and size, beside the setup's commitment itself. Prints
a table and writes JSON. Medians of --repeats warm runs (numba compiled before timing).

    python benchmarks/certificate.py [--repeats 3] [--json benchmarks/results/certificate.json]
"""

from __future__ import annotations

import argparse
import math
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
from tensorproof.prover.certificate import prove_certificate  # noqa: E402
from tensorproof.prover.model import setup  # noqa: E402
from tensorproof.verifier.certificate import certificate_plan, verify_certificate  # noqa: E402


def _cases():
    onnx_bytes, data = bundled()
    yield "digits CNN (bundled demo)", onnx_bytes, data["calibration"]
    for name in ("mlp_784_128_10", "lenet_5"):
        m = build(name)
        yield m.description, m.onnx_bytes, m.calibration


def run(repeats: int) -> list[dict]:
    rows = []
    for name, onnx_bytes, calib in _cases():
        model = api.compile(onnx_bytes, calib)
        setup(model, certify=False)  # warm-up (numba)
        setup_s, pk = _median(lambda m=model: setup(m, certify=False), repeats)
        cp = certificate_plan(pk.vk.graph)
        prove_certificate(pk)  # warm-up
        prove_s, cert = _median(lambda pk=pk: prove_certificate(pk), repeats)
        verify_s, _ = _median(lambda vk=pk.vk, c=cert: verify_certificate(vk, c), repeats)
        rows.append({
            "model": name, "weights": sum(math.prod(c.layout.shape) for c in cp.consts),
            "constants": len(cp.consts), "limbed": sum(bool(c.widths) for c in cp.consts),
            "advice_entries": sum(lay.size for lay in cp.plan.advice_layouts().values()),
            "commit_s": setup_s, "prove_s": prove_s, "verify_s": verify_s,
            "certificate_bytes": len(cert)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default="benchmarks/results/certificate.json")
    args = ap.parse_args()
    rows = run(args.repeats)
    print(f"# tensorproof weight certificate — {time.strftime('%Y-%m-%d')} — "
          f"{platform.machine()}, {os.cpu_count()} cores, medians of {args.repeats}\n")
    print("| model | committed entries | constants (limbed) | setup commit | certificate prove "
          "| certificate verify | certificate size |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['weights']} | {r['constants']} ({r['limbed']}) "
              f"| {r['commit_s'] * 1e3:.0f} ms | {r['prove_s'] * 1e3:.0f} ms "
              f"| {r['verify_s'] * 1e3:.0f} ms | {r['certificate_bytes'] / 1024:.0f} KiB |")
    save_rows(args.json, rows)


if __name__ == "__main__":
    main()
