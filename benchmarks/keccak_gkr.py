"""Keccak-256 GKR benchmark: prove and verify keccak256(message) for messages of 32 B .. 64 KiB.

    python benchmarks/keccak_gkr.py [--sizes 32 1024 8192 65536] [--k 2] [--repeats 2]
                                    [--out benchmarks/results/keccak_gkr.json]

Per size: the sponge's permutations (blocks) and instances (2^b), witness time (the chain and
every layer), prove time (best of ``repeats``, witness excluded), verify time (best of
``repeats``, the two final claims not discharged: that is the PCS's work), proof bytes and the
soundness error. Warm: the fused sumcheck kernel is on (TENSORPROOF_FUSED=on unless set) and a
small proof runs first. Single process; the machine's core count is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TENSORPROOF_FUSED", "on")

from tensorproof.field.scalar import ext_field  # noqa: E402
from tensorproof.field.vec import vec_field  # noqa: E402
from tensorproof.prover.keccak_gkr import prove_keccak, sponge_witness  # noqa: E402
from tensorproof.transcript import ProverTranscript, VerifierTranscript, keccak256  # noqa: E402
from tensorproof.verifier.keccak_gkr import (  # noqa: E402
    soundness_error_log2,
    sponge_shape,
    verify_keccak,
)

DOMAIN = b"tensorproof/bench/keccak-gkr"


def _best(fn, repeats: int):
    runs, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return min(runs), out


def bench_size(n: int, k: int = 2, repeats: int = 2) -> dict:
    vf, ext = vec_field(k), ext_field(k)
    message = os.urandom(n)
    witness_s, wit = _best(lambda: sponge_witness(message), 1)
    assert wit.digest == keccak256(message)

    def prove() -> bytes:
        t = ProverTranscript(DOMAIN)
        prove_keccak(t, vf, wit, "keccak")
        return t.proof_bytes()

    def verify() -> None:
        t = VerifierTranscript(DOMAIN, proof)
        verify_keccak(t, ext, n, wit.digest, "keccak")
        t.check_eof()

    prove_s, proof = _best(prove, repeats)
    verify_s, _ = _best(verify, repeats)
    native_s, _ = _best(lambda: keccak256(message), 5)
    blocks, b = sponge_shape(n)
    return {"message_bytes": n, "blocks": blocks, "instances": 1 << b, "k": k,
            "witness_s": witness_s, "prove_s": prove_s, "verify_s": verify_s,
            "proof_bytes": len(proof), "soundness_log2": soundness_error_log2(n, k),
            "native_keccak_s": native_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 1024, 8192, 65536])
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default="benchmarks/results/keccak_gkr.json")
    args = ap.parse_args()
    bench_size(1, args.k, 1)  # warm-up: kernels compiled or loaded
    rows = []
    for n in args.sizes:
        rows.append(bench_size(n, args.k, args.repeats))
        print(json.dumps(rows[-1]))
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(),
              "fused": os.environ["TENSORPROOF_FUSED"], "rounds": 24, "rows": rows}
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
