"""Sumcheck prover benchmark: sum_x f(x) g(x) for two F tables of 2^n entries, challenges in K.

Imported by the core benchmark (``bench_product``, ``run``) and runnable on its own:
    python benchmarks/sumcheck_bench.py [--k 2] [--sizes 16 20 22] [--repeats 3]
Timings are warm (numba kernels compiled or loaded from cache first), single process.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, verify_sumcheck

DOMAIN = b"tensorproof/bench/sumcheck"
TERMS = [(1, [0, 1])]
DEFAULT_SIZES = (16, 20, 22)


def warm_up(k: int = 2) -> None:
    """Compile (or load) every kernel the sumcheck touches, on a tiny instance."""
    bench_product(4, k=k, repeats=1, verify=True)


def bench_product(log_size: int, k: int = 2, repeats: int = 3, verify: bool = True) -> dict:
    """Time proving (best of ``repeats``) and verifying one product sumcheck of 2^log_size entries.

    Returns a dict: log_size, entries, k, prove_s (best), prove_all_s, verify_s, proof_bytes.
    """
    rng = np.random.default_rng(log_size)
    fv, vf, ext = vec_field(1), vec_field(k), ext_field(k)
    tables = [fv.random(1 << log_size, rng), fv.random(1 << log_size, rng)]
    claim = sum_of_products(vf, tables, TERMS)
    runs, proof, finals = [], b"", []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pt = ProverTranscript(DOMAIN)
        _, finals = prove_sumcheck(pt, vf, tables, TERMS, 2, "product")
        runs.append(time.perf_counter() - t0)
        proof = pt.proof_bytes()
    verify_s = None
    if verify:
        t0 = time.perf_counter()
        vt = VerifierTranscript(DOMAIN, proof)
        sub = verify_sumcheck(vt, ext, claim, log_size, 2, "product")
        check_subclaim(ext, sub, TERMS, finals, "product")
        vt.check_eof()
        verify_s = time.perf_counter() - t0
    return {
        "log_size": log_size,
        "entries": 1 << log_size,
        "k": k,
        "prove_s": min(runs),
        "prove_all_s": runs,
        "verify_s": verify_s,
        "proof_bytes": len(proof),
    }


def run(sizes=DEFAULT_SIZES, k: int = 2, repeats: int = 3) -> list[dict]:
    """Warm up, then :func:`bench_product` for each log size."""
    warm_up(k)
    return [bench_product(n, k=k, repeats=repeats) for n in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=2, choices=[2, 3])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for row in run(args.sizes, args.k, args.repeats):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
