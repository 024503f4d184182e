"""Ligero PCS: commit / open / verify time and opening size at 2^16, 2^20, 2^22 entries.

Imported by the core benchmark (``bench_pcs``, ``bench_pcs_sizes``); also runnable:
``python benchmarks/pcs_bench.py [--log-n 16 20 22] [--threads 1] [--json]``.
Each time is the best of ``repeats`` calls after one warm-up call (numba compilation and cache
loading excluded), as wall seconds and as CPU seconds of the process (summed over threads: with
``threads=1`` it is the one-core time, robust to other load on the machine). The opening is one
point (the DESIGN batches every claim into one opening); its size is the bytes it adds to the
proof. ``threads`` limits numba's threads (1 = one core).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numba
import numpy as np

from tensorproof.field.params import P
from tensorproof.prover.pcs import LigeroPCS
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import LigeroParams, absorb_commitment, matrix_shape, security_bits

DEFAULT_LOG_NS = (16, 20, 22)
_DOMAIN = b"tensorproof/pcs-bench"


def _best(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """(best wall seconds, best CPU seconds, last result) over ``repeats`` warm calls."""
    result = fn()  # warm-up
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def bench_pcs(
    log_n: int, k: int = 2, n_points: int = 1, repeats: int = 3, threads: int | None = None
) -> dict:
    """Time commit, open and verify of a random table of 2^log_n entries.

    Returns {"log_n", "k", "n_points", "rows", "cols", "blowup", "n_queries", "security_bits",
    "commit_s", "open_s", "verify_s" (wall), "commit_cpu_s", "open_cpu_s", "verify_cpu_s",
    "opening_bytes", "threads"}.
    """
    if threads is not None:
        numba.set_num_threads(threads)
    params = LigeroParams(k=k)
    pcs = LigeroPCS(params)
    rng = np.random.default_rng(log_n)
    table = rng.integers(0, P, size=1 << log_n, dtype=np.uint64)
    points = [[tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64)) for _ in range(log_n)]
              for _ in range(n_points)]
    commit_s, commit_cpu, (commitment, data) = _best(lambda: pcs.commit(table), repeats)

    def prove() -> tuple[bytes, list]:
        tr = ProverTranscript(_DOMAIN)
        absorb_commitment(tr, commitment)
        values = pcs.open(data, points, tr)
        return tr.proof_bytes(), values

    open_s, open_cpu, (proof, values) = _best(prove, repeats)

    def check() -> None:
        tr = VerifierTranscript(_DOMAIN, proof)
        absorb_commitment(tr, commitment)
        pcs.verify(commitment, points, values, tr)
        tr.check_eof()

    verify_s, verify_cpu, _ = _best(check, repeats)
    a, b = matrix_shape(log_n, params)
    return {
        "log_n": log_n, "k": k, "n_points": n_points, "rows": 1 << a, "cols": 1 << b,
        "blowup": params.blowup, "n_queries": params.n_queries,
        "security_bits": security_bits(params, n_vars=log_n),
        "commit_s": commit_s, "open_s": open_s, "verify_s": verify_s,
        "commit_cpu_s": commit_cpu, "open_cpu_s": open_cpu, "verify_cpu_s": verify_cpu,
        "opening_bytes": len(proof), "threads": numba.get_num_threads(),
    }


def bench_pcs_sizes(
    log_ns: tuple[int, ...] = DEFAULT_LOG_NS, k: int = 2, repeats: int = 3,
    threads: int | None = None,
) -> list[dict]:
    """``bench_pcs`` at each size."""
    return [bench_pcs(log_n, k, 1, repeats, threads) for log_n in log_ns]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-n", type=int, nargs="+", default=list(DEFAULT_LOG_NS))
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = bench_pcs_sizes(tuple(args.log_n), args.k, args.repeats, args.threads)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print(f"2^{r['log_n']} ({r['rows']}x{r['cols']}, k={r['k']}, {r['threads']} threads, "
              f"{r['security_bits']:.1f} bits): opening {r['opening_bytes'] / 1024:.1f} KiB")
        for step in ("commit", "open", "verify"):
            print(f"    {step:>6}: {r[step + '_s'] * 1e3:8.1f} ms wall "
                  f"{r[step + '_cpu_s'] * 1e3:8.1f} ms cpu")


if __name__ == "__main__":
    main()
