"""Gas of the EVM verifier's parts, on the in-process EVM (pyrevm, Cancun).

Today (issue 12, first parts): one WHIR opening (the compact profile's commitment, one point)
of a random table of 2^log_n entries, verified by ``WhirOpeningVerifier`` as a transaction:
proof bytes, whole-transaction gas, its calldata part (EIP-2028) and execution part, the gas a
Prague transaction would pay at least (EIP-7623 floor: 40 gas per non-zero calldata byte), and
the contract's size against EIP-170's 24,576 bytes. The whole-model table of the issue (per
proof at batch 1/16/256, deployment, registration, beside EZKL) needs the model verifier, which
does not exist yet.

    python benchmarks/evm_gas.py [--log-n 10 13 16 20] [--out benchmarks/results/evm_gas.json]

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
from tensorproof.solidity.whir import opening_calldata  # noqa: E402
from tensorproof.transcript import ProverTranscript  # noqa: E402
from tensorproof.verifier.pcs import absorb_commitment  # noqa: E402
from tensorproof.verifier.pcs.whir_params import WhirParams  # noqa: E402

DOMAIN = b"tensorproof/evm-gas"
EIP170 = 24_576


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log-n", type=int, nargs="+", default=[10, 13, 16, 20])
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
    save_rows(a.out, rows)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
