"""Overhead of the hiding Ligero PCS (``ligero-zk``) against the plain one (``ligero``).

For each size: commit, open (one point, as the protocol opens every group at one merged point)
and verify times, and the opening's bytes, for
  ligero        LigeroParams() (blowup 4, 241 queries)
  ligero-zk     the registry default (points 2, openings 2: the setup certificate + 1 proof)
  ligero-zk/1   points 1, openings 1 (a per-proof group: opened once at one point)
Warm timings, best of ``repeats``; ``--threads`` limits numba's threads (1 = one core, robust
to other load). ligero-zk's open uses a mask block per call: the timing loop resets the count.
    python benchmarks/ligero_zk.py [--log-n 12 16 20] [--k 2] [--repeats 3] [--threads 1]
Prints a table and writes benchmarks/results/ligero_zk.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np

from tensorproof.field.params import P
from tensorproof.prover.pcs import LigeroPCS
from tensorproof.prover.pcs.ligero_zk import LigeroZkPCS
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import LigeroParams, absorb_commitment
from tensorproof.verifier.pcs.ligero_zk import LigeroZkParams, security_bits, zk_layout

RESULTS = Path(__file__).resolve().parent / "results" / "ligero_zk.json"
_DOMAIN = b"tensorproof/ligero-zk-bench"


def _best(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """(best wall seconds, last result) over ``repeats`` warm calls."""
    result = fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _schemes(k: int) -> dict[str, object]:
    return {"ligero": LigeroPCS(LigeroParams(k=k)),
            "ligero-zk": LigeroZkPCS(LigeroZkParams(k=k)),
            "ligero-zk/1": LigeroZkPCS(LigeroZkParams(k=k, points=1, openings=1))}


def bench(name: str, pcs, log_n: int, k: int, repeats: int) -> dict:
    """One scheme at one size: times, opening bytes and shape."""
    rng = np.random.default_rng(log_n)
    table = rng.integers(0, P, size=1 << log_n, dtype=np.uint64)
    points = [[tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64))
               for _ in range(log_n)]]
    commit_s, (commitment, data) = _best(lambda: pcs.commit(table), repeats)

    def prove() -> tuple[bytes, list]:
        if hasattr(data, "opened"):
            data.opened[0] = 0  # timing only: a real prover never reuses a mask block
        tr = ProverTranscript(_DOMAIN)
        absorb_commitment(tr, commitment)
        values = pcs.open(data, points, tr)
        return tr.proof_bytes(), values

    open_s, (proof, values) = _best(prove, repeats)

    def check() -> None:
        tr = VerifierTranscript(_DOMAIN, proof)
        absorb_commitment(tr, commitment)
        pcs.verify(commitment, points, values, tr)
        tr.check_eof()

    verify_s, _ = _best(check, repeats)
    row = {"scheme": name, "log_n": log_n, "k": k, "commit_s": commit_s, "open_s": open_s,
           "verify_s": verify_s, "opening_bytes": len(proof)}
    if isinstance(pcs, LigeroZkPCS):
        lay = zk_layout(log_n, pcs.params)
        row |= {"rows": lay.rows, "msg_len": lay.msg_len, "n_cols": lay.n_cols,
                "queries": lay.n_queries, "padding": lay.ell,
                "security_bits": security_bits(pcs.params, log_n)}
    else:
        row |= {"rows": data.matrix.shape[0], "msg_len": data.matrix.shape[1],
                "n_cols": data.encoded.shape[1], "queries": pcs.params.n_queries, "padding": 0}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-n", type=int, nargs="+", default=[12, 16, 20])
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads is not None:
        numba.set_num_threads(args.threads)
    rows = []
    for log_n in args.log_n:
        for name, pcs in _schemes(args.k).items():
            rows.append(bench(name, pcs, log_n, args.k, args.repeats))
    base = {r["log_n"]: r for r in rows if r["scheme"] == "ligero"}
    print(f"{'size':>5} {'scheme':>12} {'commit ms':>10} {'open ms':>8} {'verify ms':>9} "
          f"{'KiB':>7} {'rows':>5} {'C+l':>6} {'N':>7} {'t':>4}   vs ligero (commit/open/"
          f"verify/size)")
    for r in rows:
        b = base[r["log_n"]]
        rel = " / ".join(f"{r[f] / b[f] - 1:+.0%}" for f in ("commit_s", "open_s", "verify_s",
                                                            "opening_bytes"))
        print(f"2^{r['log_n']:<3} {r['scheme']:>12} {r['commit_s'] * 1e3:10.1f} "
              f"{r['open_s'] * 1e3:8.1f} {r['verify_s'] * 1e3:9.1f} "
              f"{r['opening_bytes'] / 1024:7.1f} {r['rows']:5d} {r['msg_len']:6d} "
              f"{r['n_cols']:7d} {r['queries']:4d}   {rel}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {"machine": platform.machine(), "cpus": os.cpu_count(),
            "threads": numba.get_num_threads(), "repeats": args.repeats, "points": 1}
    RESULTS.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
