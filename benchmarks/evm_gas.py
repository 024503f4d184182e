"""Gas of the EVM verifier's parts, on the in-process EVM (pyrevm, Cancun).

Today (issue 12, first parts): one WHIR opening (the compact profile's commitment, one point)
of a random table of 2^log_n entries, verified by ``WhirOpeningVerifier`` as a transaction:
proof bytes, whole-transaction gas, its calldata part (EIP-2028) and execution part, the gas a
Prague transaction would pay at least (EIP-7623 floor: 40 gas per non-zero calldata byte), and
the contract's size against EIP-170's 24,576 bytes. Then batches of tables (one point each,
``verifyBatchOpening``, the Python ``open_batch`` / ``verify_batch``): 2 tables are one batched
opening ("whir batched opening"), 4 exceed MAX_BATCH and are opened one by one in one proof
("whir batch, one by one"); each row also gives the same tables opened separately (one
transaction per table: ``separate_gas``, ``separate_proof_bytes``). The whole-model table of
the issue (per proof at batch 1/16/256, deployment, registration, beside EZKL) needs the model
verifier, which does not exist yet.

    python benchmarks/evm_gas.py [--log-n 10 13 16 20] [--batch 10,10 16,13 ...]
                                 [--out benchmarks/results/evm_gas.json]

Prints a table and writes the rows as JSON (atomically). Needs Node.js, `npm ci` and pyrevm.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import save_rows  # noqa: E402
from tensorproof.field.params import P  # noqa: E402
from tensorproof.prover.pcs.whir import WhirPCS  # noqa: E402
from tensorproof.solidity.compiler import compile_contracts  # noqa: E402
from tensorproof.solidity.evm import LocalEVM, floor_gas  # noqa: E402
from tensorproof.solidity.whir import (  # noqa: E402
    batch_config_words,
    batch_opening_calldata,
    opening_calldata,
)
from tensorproof.transcript import ProverTranscript  # noqa: E402
from tensorproof.verifier.pcs import absorb_commitment  # noqa: E402
from tensorproof.verifier.pcs.whir_params import WhirParams  # noqa: E402

DOMAIN = b"tensorproof/evm-gas"
EIP170 = 24_576
BATCHES = ["10,10", "13,10", "13,13", "16,10", "16,13", "16,16", "10,10,10,10", "13,13,13,13",
           "16,16,16,16"]


def whir_row(evm: LocalEVM, address: str, log_n: int) -> dict:
    rng = np.random.default_rng(log_n)
    table = rng.integers(0, P, size=1 << log_n, dtype=np.uint64)
    r = random.Random(log_n)
    point = [tuple(r.randrange(P) for _ in range(3)) for _ in range(log_n)]
    params = WhirParams()
    pcs = WhirPCS(params)
    commitment, data = pcs.commit(table)
    tr = ProverTranscript(DOMAIN)
    absorb_commitment(tr, commitment)
    values = pcs.open(data, [point], tr)
    proof = tr.proof_bytes()
    cd = opening_calldata(DOMAIN, params, commitment, [point], values, proof)
    out = evm.call(address, cd)
    return {"part": "whir opening", "log_n": log_n, "proof_bytes": len(proof),
            "calldata_bytes": len(cd), "gas": out.gas, "calldata_gas": out.calldata_gas,
            "execution_gas": out.execution_gas, "prague_floor_gas": floor_gas(cd),
            "prague_gas": max(out.gas, floor_gas(cd))}


def batch_row(evm: LocalEVM, address: str, sizes: list[int]) -> dict:
    """Tables of 2^sizes[g] random entries, one random point each: their batch in one proof,
    and the same openings as separate transactions."""
    params = WhirParams()
    pcs = WhirPCS(params)
    tables, points = [], []
    for g, n in enumerate(sizes):
        rng = np.random.default_rng(1000 * g + n)
        tables.append(rng.integers(0, P, size=1 << n, dtype=np.uint64))
        r = random.Random(1000 * g + n)
        points.append([[tuple(r.randrange(P) for _ in range(3)) for _ in range(n)]])
    committed = [pcs.commit(t) for t in tables]
    commitments = [c for c, _ in committed]
    tr = ProverTranscript(DOMAIN)
    for c in commitments:
        absorb_commitment(tr, c)
    values = pcs.open_batch([d for _, d in committed], points, tr)
    proof = tr.proof_bytes()
    cd = batch_opening_calldata(DOMAIN, params, commitments, points, values, proof)
    out = evm.call(address, cd)
    separate_gas = separate_bytes = 0
    for (c, d), pts in zip(committed, points):
        t1 = ProverTranscript(DOMAIN)
        absorb_commitment(t1, c)
        vals = pcs.open(d, pts, t1)
        separate_bytes += len(t1.proof_bytes())
        separate_gas += evm.call(address, opening_calldata(DOMAIN, params, c, pts, vals,
                                                           t1.proof_bytes())).gas
    batched = batch_config_words(params, sizes)[1] == 1
    return {"part": "whir batched opening" if batched else "whir batch, one by one",
            "log_n": max(sizes), "tables": len(sizes), "sizes": list(sizes),
            "proof_bytes": len(proof), "calldata_bytes": len(cd), "gas": out.gas,
            "calldata_gas": out.calldata_gas, "execution_gas": out.execution_gas,
            "prague_floor_gas": floor_gas(cd), "prague_gas": max(out.gas, floor_gas(cd)),
            "separate_gas": separate_gas, "separate_proof_bytes": separate_bytes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log-n", type=int, nargs="+", default=[10, 13, 16, 20])
    ap.add_argument("--batch", nargs="*", default=BATCHES,
                    help="batches of tables as comma-separated log2 sizes, e.g. 16,13")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"
                                         / "evm_gas.json"))
    a = ap.parse_args(argv)
    contracts = compile_contracts()
    size = len(contracts["WhirOpeningVerifier"].deployed)
    evm = LocalEVM()
    address = evm.deploy(contracts["WhirOpeningVerifier"].bytecode)
    deploy_gas = evm.last_gas
    rows = []
    print(f"WhirOpeningVerifier: {size:,} bytes deployed (EIP-170 limit {EIP170:,}), "
          f"deployment {deploy_gas:,} gas")
    print(f"{'table':>7} {'proof B':>9} {'gas':>11} {'calldata':>10} {'execution':>11} "
          f"{'Prague':>11}")
    for log_n in a.log_n:
        row = whir_row(evm, address, log_n)
        row.update(contract_bytes=size, deploy_gas=deploy_gas)
        rows.append(row)
        print(f"  2^{log_n:<3} {row['proof_bytes']:>9,} {row['gas']:>11,} "
              f"{row['calldata_gas']:>10,} {row['execution_gas']:>11,} {row['prague_gas']:>11,}")
    print(f"{'tables':>12} {'mode':>10} {'proof B':>9} {'gas':>11} {'execution':>11} "
          f"{'separately':>11}")
    for spec in a.batch:
        sizes = [int(x) for x in spec.split(",")]
        row = batch_row(evm, address, sizes)
        row.update(contract_bytes=size, deploy_gas=deploy_gas)
        rows.append(row)
        mode = "batched" if row["part"] == "whir batched opening" else "one by one"
        print(f"{spec:>12} {mode:>10} {row['proof_bytes']:>9,} {row['gas']:>11,} "
              f"{row['execution_gas']:>11,} {row['separate_gas']:>11,}")
    save_rows(a.out, rows)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
