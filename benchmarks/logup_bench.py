"""LogUp-GKR benchmark: 2^m witness rows (with selector padding) looked up in a 2^n-row table.

Imported by the core benchmark (``bench_lookup``) and runnable on its own:
    python benchmarks/logup_bench.py [--m 20] [--n 16] [--columns 1 2] [--k 2] [--repeats 3]
The table is {(t, relu(t))} for t in [-2^(n-1), 2^(n-1)) (one column: t only); witness rows are
uniform table rows, the last 1/16 of them padding. Timings are warm (numba kernels compiled or
loaded from cache first), single process; multiplicities are timed separately from the proof.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import from_signed, vec_field
from tensorproof.prover.logup import compute_multiplicities, prove_lookup
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.logup import verify_lookup

DOMAIN = b"tensorproof/bench/logup"


def _instance(m: int, n: int, n_columns: int, seed: int = 0):
    """(columns, selector, table_columns) of the benchmark lookup."""
    t = np.arange(1 << n, dtype=np.int64) - (1 << (n - 1))
    table = [from_signed(t), from_signed(np.maximum(t, 0))][:n_columns]
    idx = np.random.default_rng(seed).integers(0, 1 << n, 1 << m)
    cols = [c[idx] for c in table]
    selector = np.ones(1 << m, dtype=np.uint64)
    selector[(1 << m) - (1 << m) // 16 :] = 0
    return cols, selector, table


def bench_lookup(
    m: int = 20, n: int = 16, n_columns: int = 1, k: int = 2, repeats: int = 3
) -> dict:
    """Time multiplicities, proving (best of ``repeats``) and verifying one lookup.

    Returns a dict: m, n, rows, table_rows, columns, k, multiplicities_s, prove_s (best),
    prove_all_s, verify_s, proof_bytes.
    """
    vf, ext = vec_field(k), ext_field(k)
    cols, selector, table = _instance(m, n, n_columns)
    small = _instance(4, 3, n_columns)
    prove_lookup(ProverTranscript(DOMAIN), vf, small[0], small[1], small[2], "lk")  # warm-up
    t0 = time.perf_counter()
    mult = compute_multiplicities(cols, table, selector)
    mult_s = time.perf_counter() - t0
    runs, proof = [], b""
    for _ in range(repeats):
        t0 = time.perf_counter()
        pt = ProverTranscript(DOMAIN)
        prove_lookup(pt, vf, cols, selector, table, "lk", multiplicities=mult)
        runs.append(time.perf_counter() - t0)
        proof = pt.proof_bytes()
    t0 = time.perf_counter()
    vt = VerifierTranscript(DOMAIN, proof)
    verify_lookup(vt, ext, m, n, n_columns, "lk")
    vt.check_eof()
    verify_s = time.perf_counter() - t0
    return {
        "m": m,
        "n": n,
        "rows": 1 << m,
        "table_rows": 1 << n,
        "columns": n_columns,
        "k": k,
        "multiplicities_s": mult_s,
        "prove_s": min(runs),
        "prove_all_s": runs,
        "verify_s": verify_s,
        "proof_bytes": len(proof),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--columns", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for c in args.columns:
        print(json.dumps(bench_lookup(args.m, args.n, c, args.k, args.repeats)))


if __name__ == "__main__":
    main()
