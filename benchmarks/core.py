"""Core proof-system benchmark (issue: foundation): prints a table and writes JSON.

Measures, on this machine: F, K2 and K3 multiplication throughput; the sumcheck prover for a
product of two tables at 2^16, 2^20, 2^22 entries; the Ligero PCS commit, open and verify times
and opening sizes at the same sizes; peak memory (max RSS) of the process.

    python benchmarks/core.py [--quick] [--json benchmarks/results/core.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from field_bench import bench_mul  # noqa: E402
from pcs_bench import bench_pcs  # noqa: E402
from report import write_atomic  # noqa: E402
from sumcheck_bench import bench_product, warm_up  # noqa: E402

SIZES = (16, 20, 22)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(sizes=SIZES, repeats: int = 3) -> dict:
    field = [bench_mul(k, 20, repeats) for k in (1, 2, 3)]
    warm_up(2)
    sumcheck = [bench_product(n, 2, repeats) for n in sizes]
    pcs = [bench_pcs(n, 2, 1, repeats) for n in sizes]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "field": field, "sumcheck": sumcheck, "pcs": pcs, "peak_rss_mib": _peak_mib(),
    }


def print_tables(r: dict) -> None:
    print(f"# tensorproof core benchmark — {r['date']} — {r['machine']}\n")
    print("| field | M mul/s (2^20 arrays) |\n|---|---|")
    for row, name in zip(r["field"], ("F", "K2", "K3")):
        print(f"| {name} | {row['mops']:.1f} |")
    print("\n| sumcheck (product of 2 tables, K2) | prove | verify | proof bytes |")
    print("|---|---|---|---|")
    for s in r["sumcheck"]:
        print(f"| 2^{s['log_size']} | {s['prove_s'] * 1e3:.1f} ms | {s['verify_s'] * 1e3:.1f} ms "
              f"| {s['proof_bytes']:,} |")
    print("\n| Ligero PCS (K2) | commit | open | verify | opening bytes | security |")
    print("|---|---|---|---|---|---|")
    for p in r["pcs"]:
        print(f"| 2^{p['log_n']} | {p['commit_s'] * 1e3:.0f} ms | {p['open_s'] * 1e3:.0f} ms | "
              f"{p['verify_s'] * 1e3:.1f} ms | {p['opening_bytes']:,} | "
              f"{p['security_bits']:.1f} bits |")
    print(f"\npeak memory (max RSS): {r['peak_rss_mib']:.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    ap.add_argument("--json", default="benchmarks/results/core.json")
    args = ap.parse_args()
    r = run((10, 12) if args.quick else SIZES, 1 if args.quick else 3)
    print_tables(r)
    write_atomic(Path(args.json), json.dumps(r, indent=2))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
