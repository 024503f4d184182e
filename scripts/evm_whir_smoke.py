"""Smoke check of the EVM WHIR verifier: the golden vectors (tests/vectors/whir_opening.json, the
single opening then the batched one) verified on the in-process EVM. Prints a line per vector:
result (1 = accepted), total gas, seconds per call."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tensorproof.solidity.abi import decode_uint
from tensorproof.solidity.compiler import compile_contracts
from tensorproof.solidity.evm import LocalEVM
from tensorproof.solidity.whir import batch_opening_calldata, opening_calldata
from tensorproof.verifier.pcs import Commitment
from tensorproof.verifier.pcs.whir_params import WhirParams

VECTOR = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "whir_opening.json"


def main() -> None:
    g = json.loads(VECTOR.read_text())
    prm = WhirParams(**g["params"])
    c = Commitment.from_bytes(bytes.fromhex(g["commitment"]), 8 * prm.ood * prm.k)
    cd = opening_calldata(g["domain"].encode(), prm, c, g["points"],
                          [tuple(v) for v in g["values"]], bytes.fromhex(g["proof"]))
    evm = LocalEVM()
    address = evm.deploy(compile_contracts()["WhirOpeningVerifier"].bytecode)
    b = g["batch"]
    cs = [Commitment.from_bytes(bytes.fromhex(x), 8 * prm.ood * prm.k) for x in b["commitments"]]
    cd_batch = batch_opening_calldata(
        g["domain"].encode(), prm, cs, [[[tuple(x) for x in z] for z in zs] for zs in b["points"]],
        [[tuple(v) for v in vs] for vs in b["values"]], bytes.fromhex(b["proof"]))
    for data in (cd, cd_batch):
        t0 = time.perf_counter()
        r = evm.call(address, data)
        print(decode_uint(r.output), r.gas, f"{time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
