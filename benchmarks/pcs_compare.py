"""The two profiles side by side: Ligero ("fast", K = F_p^2) and WHIR ("compact", K = F_p^3).

Part 1, the commitment alone: commit, open (one point) and verify times, opening size and the
proven security level of each scheme at 2^16, 2^20 and 2^22 entries (``pcs_bench``'s timer:
best of ``--repeats`` warm calls).
Part 2, whole proofs at batch 1: proof size, prove and verify time (median of ``--repeats``
warm calls) of the MLP 784-128-10, the bundled digits CNN and LeNet-5 (EZKL's example, read
from ../shared; skipped with a note when absent), against issue 11's targets.

    python benchmarks/pcs_compare.py [--log-n 16 20 22] [--models mlp_784_128_10 ...]
        [--repeats 3] [--out benchmarks/results/pcs_compare.json]

Prints two tables and writes the rows as JSON (atomically).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pcs_bench import _best  # noqa: E402
from report import median_time, save_rows  # noqa: E402
from tensorproof import api  # noqa: E402
from tensorproof.field.params import P  # noqa: E402
from tensorproof.prover.pcs.registry import prover_scheme  # noqa: E402
from tensorproof.transcript import ProverTranscript, VerifierTranscript  # noqa: E402
from tensorproof.verifier.pcs import absorb_commitment  # noqa: E402
from tensorproof.verifier.pcs.ligero import ligero_params  # noqa: E402
from tensorproof.verifier.pcs.params import security_bits as ligero_bits  # noqa: E402
from tensorproof.verifier.pcs.whir import whir_params  # noqa: E402
from tensorproof.verifier.pcs.whir_params import security_bits as whir_bits  # noqa: E402
from tensorproof.verifier.pcs_config import PROFILES, profile_config  # noqa: E402

DOMAIN = b"tensorproof/pcs-compare"
PROOF_TARGETS = {"mlp_784_128_10": 100_000, "digits_cnn": 100_000, "lenet_5": 150_000}
"""Issue 11: whole compact proof at batch 1, in bytes (fast-profile sizes were 402/234/687 KB)."""
VERIFY_TARGET_S = 0.050


def security(config: dict, log_n: int) -> float:
    if config["pcs"] == "whir":
        return whir_bits(whir_params(config), log_n)
    return ligero_bits(ligero_params(config), n_vars=log_n)


def bench_opening(profile: str, log_n: int, repeats: int) -> dict:
    """Commit, open at one random point and verify a random table of 2^log_n entries."""
    config = profile_config(profile)
    pcs = prover_scheme(config["pcs"]).prover(config)
    k = config["k"]
    rng = np.random.default_rng(log_n)
    table = rng.integers(0, P, size=1 << log_n, dtype=np.uint64)
    point = [tuple(int(c) for c in rng.integers(0, P, k, dtype=np.uint64)) for _ in range(log_n)]
    commit_s, _, (commitment, data) = _best(lambda: pcs.commit(table), repeats)

    def prove():
        tr = ProverTranscript(DOMAIN)
        absorb_commitment(tr, commitment)
        values = pcs.open(data, [point], tr)
        return tr.proof_bytes(), values

    open_s, _, (proof, values) = _best(prove, repeats)

    def check():
        tr = VerifierTranscript(DOMAIN, proof)
        absorb_commitment(tr, commitment)
        pcs.verify(commitment, [point], values, tr)
        tr.check_eof()

    verify_s, _, _ = _best(check, repeats)
    return {"part": "opening", "profile": profile, "pcs": config["pcs"], "k": k,
            "log_n": log_n, "security_bits": round(security(config, log_n), 1),
            "commit_s": commit_s, "open_s": open_s, "verify_s": verify_s,
            "opening_bytes": len(proof)}


def _model(name: str):
    """(ONNX bytes, calibration, the batch-1 input) or None when the model is unavailable."""
    if name == "digits_cnn":
        from tensorproof.api.demo import bundled

        onnx_bytes, data = bundled()
        return onnx_bytes, data["calibration"], data["test"][:1]
    import models

    try:
        m = models.build(name)
    except FileNotFoundError:
        return None
    return m.onnx_bytes, m.calibration, m.x


def bench_model(name: str, repeats: int) -> list[dict]:
    """Proof size, prove and verify time of one model under each profile."""
    got = _model(name)
    if got is None:
        print(f"note: {name} skipped (../shared/peer-corpus is absent)")
        return []
    onnx_bytes, calibration, x = got
    compiled = api.compile(onnx_bytes, calibration)
    rows = []
    for profile in PROFILES:
        pk = api.setup(compiled, profile)
        api.verify(pk.vk, api.prove(pk, x))  # warm-up
        prove_s, proof = median_time(lambda pk=pk: api.prove(pk, x), repeats)
        verify_s, _ = median_time(lambda pk=pk, proof=proof: api.verify(pk.vk, proof), repeats)
        size = len(proof.to_bytes())
        target = PROOF_TARGETS.get(name) if profile == "compact" else None
        rows.append({"part": "model", "model": name, "profile": profile, "proof_bytes": size,
                     "prove_s": prove_s, "verify_s": verify_s, "size_target": target,
                     "size_met": None if target is None else size <= target,
                     "verify_met": None if profile == "fast" else verify_s <= VERIFY_TARGET_S})
    return rows


def print_tables(rows: list[dict]) -> None:
    print("\n| profile | scheme | entries | security | commit | open | verify | opening |")
    print("|---|---|---|---|---|---|---|---|")
    for r in (r for r in rows if r["part"] == "opening"):
        print(f"| {r['profile']} | {r['pcs']} (k={r['k']}) | 2^{r['log_n']} | "
              f"{r['security_bits']} bits | {r['commit_s'] * 1e3:.0f} ms | "
              f"{r['open_s'] * 1e3:.0f} ms | {r['verify_s'] * 1e3:.1f} ms | "
              f"{r['opening_bytes'] / 1024:.1f} KiB |")
    print("\n| model | profile | proof | target | prove | verify |")
    print("|---|---|---|---|---|---|")
    for r in (r for r in rows if r["part"] == "model"):
        target = "" if r["size_target"] is None else (
            f"≤ {r['size_target'] // 1000} KB: {'met' if r['size_met'] else 'MISSED'}")
        print(f"| {r['model']} | {r['profile']} | {r['proof_bytes'] / 1000:.1f} KB | {target} | "
              f"{r['prove_s'] * 1e3:.0f} ms | {r['verify_s'] * 1e3:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-n", type=int, nargs="*", default=[16, 20, 22])
    parser.add_argument("--models", nargs="*",
                        default=["mlp_784_128_10", "digits_cnn", "lenet_5"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"
                                             / "pcs_compare.json"))
    args = parser.parse_args()
    rows = []
    for log_n in args.log_n:
        for profile in PROFILES:
            rows.append(bench_opening(profile, log_n, args.repeats))
            print(rows[-1])
    for name in args.models:
        rows.extend(bench_model(name, args.repeats))
    print_tables(rows)
    save_rows(args.out, rows)


if __name__ == "__main__":
    main()
