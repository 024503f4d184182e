"""Throughput of the field layer (F, K2, K3) on one core: M operations per second.

Imported by the core benchmark; also runnable: ``python benchmarks/field_bench.py [--log-n 20 22]``.
Each figure is the best of ``repeats`` timed calls after one warm-up call (compilation and cache
loading excluded); an "operation" is one field multiplication (or one term of a sum/inner).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from tensorproof.field import vec_field

DEFAULT_LOG_NS = (20, 21, 22)


def _best_seconds(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of this thread) over ``repeats`` calls.

    The kernels are single-threaded, so the CPU figure is the run time without interference
    from other processes on a shared machine; both are reported.
    """
    fn()  # warm-up: compile / load the numba cache
    wall = cpu = float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.thread_time()
        fn()
        cpu = min(cpu, time.thread_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    return wall, cpu


def bench_op(op: str, k: int, log_n: int, repeats: int = 10, seed: int = 0) -> dict:
    """Time one VecField op (mul, square, add, inv_batch, sum, inner, mul_base) on 2^log_n elements.

    Returns {"op", "k", "log_n", "n", "seconds", "mops", "mops_cpu"}: M elements per second by
    wall time and by thread CPU time.
    """
    vf = vec_field(k)
    n = 1 << log_n
    rng = np.random.default_rng(seed)
    a, b = vf.random(n, rng), vf.random(n, rng)
    f = vec_field(1).random(n, rng)
    calls: dict[str, Callable[[], object]] = {
        "mul": lambda: vf.mul(a, b),
        "square": lambda: vf.square(a),
        "add": lambda: vf.add(a, b),
        "inv_batch": lambda: vf.inv_batch(a),
        "sum": lambda: vf.sum(a),
        "inner": lambda: vf.inner(a, b),
        "mul_base": lambda: vf.mul_base(a, f),
    }
    wall, cpu = _best_seconds(calls[op], repeats)
    return {"op": op, "k": k, "log_n": log_n, "n": n, "seconds": wall,
            "mops": n / wall / 1e6, "mops_cpu": n / cpu / 1e6}


def bench_mul(k: int, log_n: int = 20, repeats: int = 10) -> dict:
    """M multiplications per second in the degree-k field (k = 1 is F) on 2^log_n arrays."""
    return bench_op("mul", k, log_n, repeats)


def bench_field(log_ns: tuple[int, ...] = DEFAULT_LOG_NS, repeats: int = 10) -> list[dict]:
    """mul for F, K2, K3 at each size, plus square/sum/inner/inv_batch/mul_base at the smallest."""
    rows = [bench_mul(k, log_n, repeats) for log_n in log_ns for k in (1, 2, 3)]
    for op in ("square", "add", "sum", "inner", "inv_batch", "mul_base"):
        rows += [bench_op(op, k, log_ns[0], repeats) for k in (1, 2, 3)]
    return rows


def import_seconds() -> float:
    """Wall time of ``import tensorproof.field`` in a fresh interpreter (numba cache warm)."""
    code = "import time; t = time.perf_counter(); import tensorproof.field; " \
           "print(time.perf_counter() - t)"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # warm cache
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-n", type=int, nargs="+", default=list(DEFAULT_LOG_NS))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = bench_field(tuple(args.log_n), args.repeats)
    result = {"import_seconds": import_seconds(), "rows": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"import tensorproof.field: {result['import_seconds']:.3f} s")
    for r in rows:
        print(f"{r['op']:>10} k={r['k']} n=2^{r['log_n']}: {r['mops']:8.1f} M/s wall, "
              f"{r['mops_cpu']:8.1f} M/s cpu")


if __name__ == "__main__":
    main()
