"""Overhead of the zero-knowledge sumcheck against the plain one (prove, verify, proof bytes).

One product sumcheck sum_x A(x) B(x) (A an F table, B a K table, 2^n entries) followed by the
two final values, three ways:
  plain   prove_sumcheck / verify_sumcheck (the production engine, fused kernels)
  masked  Libra mask (verifier/zk_sumcheck.py): digest + G + n gamma values, same rounds
  zk      masked + randomized extensions of A and B (last round of degree 4 instead of 2)
The mask commitment is the test model (a salted Keccak digest); the cost of opening the n mask
claims belongs to the hiding PCS of the advice table and is not included.
    python benchmarks/zk_sumcheck.py [--k 2 3] [--sizes 10 16 20] [--repeats 5]
Writes benchmarks/results/zk_sumcheck.json. Warm timings, best of ``repeats``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.prover.zk_sumcheck import (
    HashMaskCommitter,
    prove_zk_sumcheck,
    sample_mask,
    sample_randomizer,
)
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.sumcheck import check_subclaim, verify_sumcheck
from tensorproof.verifier.zk_sumcheck import (
    HashMaskBinding,
    MaskLayout,
    round_degrees,
    verify_zk_sumcheck,
)

DOMAIN = b"tensorproof/bench/zk-sumcheck"
TERMS = [(1, [0, 1])]
DEGREE = 2
DEFAULT_SIZES = (10, 16, 20)
RESULTS = Path(__file__).resolve().parent / "results" / "zk_sumcheck.json"


def _best(fn, repeats: int):
    """(best seconds, last result) of ``repeats`` calls."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _plain(vf, ext, tables, claim, n, k, repeats):
    def prove():
        pt = ProverTranscript(DOMAIN)
        _, finals = prove_sumcheck(pt, vf, tables, TERMS, DEGREE, "sc")
        pt.send_k("sc/finals", finals, k)
        return pt.proof_bytes()

    def verify():
        vt = VerifierTranscript(DOMAIN, proof)
        sub = verify_sumcheck(vt, ext, claim, n, DEGREE, "sc")
        check_subclaim(ext, sub, TERMS, vt.recv_k("sc/finals", 2, k), "sc")
        vt.check_eof()

    prove_s, proof = _best(prove, repeats)
    verify_s, _ = _best(verify, repeats)
    return prove_s, verify_s, len(proof)


def _masked(vf, ext, tables, claim, n, k, repeats, randomize):
    def prove():
        Rs = [sample_randomizer(1, k), sample_randomizer(1, k)] if randomize else None
        degrees = round_degrees(n, DEGREE, TERMS, [0, 0] if randomize else None)
        mask = sample_mask(MaskLayout(n, degrees, k))
        pt = ProverTranscript(DOMAIN)
        out = prove_zk_sumcheck(pt, vf, tables, TERMS, DEGREE, "sc", mask, HashMaskCommitter(),
                                randomizers=Rs)
        pt.send_k("sc/finals", out.finals, k)
        return pt.proof_bytes(), mask.layout

    def verify():
        vt = VerifierTranscript(DOMAIN, proof)
        sub = verify_zk_sumcheck(vt, ext, claim, layout, "sc", HashMaskBinding())
        check_subclaim(ext, sub.subclaim, TERMS, vt.recv_k("sc/finals", 2, k), "sc")
        vt.check_eof()

    prove_s, (proof, layout) = _best(prove, repeats)
    verify_s, _ = _best(verify, repeats)
    return prove_s, verify_s, len(proof)


def bench(n: int, k: int = 2, repeats: int = 5) -> dict:
    """The three variants at 2^n entries; overheads relative to plain."""
    rng = np.random.default_rng(n)
    vf, ext = vec_field(k), ext_field(k)
    tables = [vec_field(1).random(1 << n, rng), vf.random(1 << n, rng)]
    claim = sum_of_products(vf, tables, TERMS)
    row: dict = {"log_size": n, "k": k}
    base = _plain(vf, ext, tables, claim, n, k, repeats)
    variants = {"plain": base,
                "masked": _masked(vf, ext, tables, claim, n, k, repeats, False),
                "zk": _masked(vf, ext, tables, claim, n, k, repeats, True)}
    for name, (p, v, size) in variants.items():
        row[name] = {"prove_s": p, "verify_s": v, "proof_bytes": size}
        if name != "plain":
            row[name]["prove_overhead"] = p / base[0] - 1
            row[name]["verify_overhead"] = v / base[1] - 1
            row[name]["bytes_overhead"] = size / base[2] - 1
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[2, 3], choices=[2, 3])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for k in args.k:
        bench(4, k, 1)  # warm-up: load every kernel
        rows += [bench(n, k, args.repeats) for n in args.sizes]
    print(f"{'k':>2} {'n':>3} {'variant':>7} {'prove ms':>9} {'verify ms':>9} {'bytes':>6} "
          f"{'prove':>7} {'verify':>7} {'bytes':>7}")
    for row in rows:
        for name in ("plain", "masked", "zk"):
            r = row[name]
            over = "" if name == "plain" else (
                f"{r['prove_overhead']:+7.0%} {r['verify_overhead']:+7.0%} "
                f"{r['bytes_overhead']:+7.0%}")
            print(f"{row['k']:>2} {row['log_size']:>3} {name:>7} {1e3 * r['prove_s']:9.2f} "
                  f"{1e3 * r['verify_s']:9.2f} {r['proof_bytes']:>6} {over}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "note": "warm, best of repeats; mask commitment = test model (salted Keccak digest); "
                "mask-claim openings (hiding PCS) not included",
        "rows": rows,
    }, indent=1) + "\n")


if __name__ == "__main__":
    main()
