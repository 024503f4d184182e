"""Gas of the EVM verifier's core libraries (Field, Transcript, Labels, Sumcheck, FractionSum,
ModelContext, ModelLookups), per component, on the in-process EVM (pyrevm, Cancun).

Rows:
- **sumcheck per round**, degree 2 and 3: the tests' SumcheckProbe (tests/evm/probes) as a
  transaction, execution gas (20 rounds - 10 rounds) / 10, on proofs of the Python prover;
- **fraction sum**: the tests' FractionSumProbe on a 2^12-leaf LogUp-GKR (12 layers), execution
  gas of the transaction (its ABI decoding and returned array included);
- **the digits MLP proof at batch 1** (compact profile, ``certify=False``): the whole
  ``ModelVerifier.verifyCircuit`` transaction (gas, its calldata part) on the shipped
  contracts, and its parts from a copy of the contracts with gas marks (events carrying
  ``gasleft()``; every function loses ``pure``/``view`` so that it may emit): the lookups'
  witness and table fraction sums, the table's columns (segment MLEs, committed values), the
  rest of the lookups, the steps (per op), the claim merges of the opening (MC.merge), the WHIR
  opening, and the rest. A part measured through marks includes a mark's own cost (~1.5 k gas).

``--baseline-rev REV`` measures the same rows with the core libraries as they are at git
revision REV (the other contracts as they are in the working tree: the libraries' internal
signatures did not change), for a before/after table.

    python benchmarks/evm_model_gas.py [--baseline-rev 0ab45b5] [--no-mlp]
        [--out benchmarks/results/evm_model_gas.json] [--md benchmarks/results/evm_model_gas.md]

Needs Node.js, ``npm ci`` and pyrevm.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evm_gas import MUTABILITY, PRAGMA, brace_span  # noqa: E402  (the same gas-mark toolkit)

CORE = ["Field.sol", "Transcript.sol", "Labels.sol", "Sumcheck.sol", "FractionSum.sol",
        "ModelContext.sol", "ModelLookups.sol", "Whir.sol", "WhirBatch.sol", "Merkle.sol"]
EIP170 = 24576




def sources(rev: str | None) -> dict[str, str]:
    """The shipped contracts; with `rev`, the core libraries as they are at that revision."""
    from tensorproof.solidity.compiler import contract_sources

    src = contract_sources()
    if rev:
        for name in CORE:
            path = f"src/tensorproof/solidity/contracts/{name}"
            src[name] = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True,
                                       capture_output=True, text=True).stdout
    return src


# ---------------------------------------------------------------------------------------------
# probes

def probe_rows(src: dict[str, str]) -> dict:
    """The tests' probes (tests/evm/probes: SumcheckProbe, FractionSumProbe) as transactions:
    execution gas = gas - calldata - 21,000 (ABI decoding and the returned array included)."""
    from evm import test_evm_fraction_sum as fsum
    from evm import test_evm_sumcheck as sc_probe
    from tensorproof.solidity.abi import encode_call, pack_k
    from tensorproof.solidity.compiler import compile_sources
    from tensorproof.solidity.evm import LocalEVM

    probes = ROOT / "tests/evm/probes"
    cs = compile_sources({**src, **{p.name: p.read_text() for p in probes.glob("*.sol")}})
    evm = LocalEVM()
    sc = evm.deploy(cs["SumcheckProbe"].bytecode)
    fs = evm.deploy(cs["FractionSumProbe"].bytecode)

    def sumcheck(n: int, d: int) -> int:
        claim, proof = sc_probe.make(n, d, "lbl", 1)
        return evm.call(sc, encode_call("run", sc_probe.TYPES, [
            sc_probe.DOMAIN, pack_k(claim), n, d, b"lbl", proof])).execution_gas

    rows = {}
    for d in (2, 3):
        rows[f"sumcheck_round_d{d}"] = (sumcheck(20, d) - sumcheck(10, d)) / 10
    proof = fsum.make(12, "f", "lookup/table", 1)
    rows["fraction_sum_12"] = evm.call(fs, encode_call(
        "run", ("bytes", "uint256", "bytes", "bytes"),
        [fsum.DOMAIN, 12, b"lookup/table", proof])).execution_gas
    return rows


# ---------------------------------------------------------------------------------------------
# the MLP proof, with gas marks

EVENTS = ("GasMark(uint256,uint256)", "StepGas(uint256,bytes,uint256)",
          "MergeGas(uint256,uint256,uint256)")


def _insert_before(text: str, anchor: str, what: str, file: str) -> str:
    i = text.find(anchor)
    if i < 0:
        raise SystemExit(f"evm_model_gas: {file}: `{anchor.strip()}` not found (update the marks)")
    line = text.rfind("\n", 0, i) + 1
    pad = text[line:i] if text[line:i].strip() == "" else ""
    return text[:line] + pad + what + "\n" + text[line:]


def instrument(src: dict[str, str]) -> dict[str, str]:
    """Gas marks: GasMark(id, gasleft()) at the phases of verifyCircuit (1..), of
    ModelLookups.verify (100..) and ModelVerifier._open (200); StepGas(step, op, gas) around each
    step; MergeGas(n, nVars, gas) around each MC.merge."""
    src = {k: MUTABILITY.sub("", v) for k, v in src.items()}
    # an event inside a static call reverts: the executors are called with CALL
    src = {k: re.sub(r"\bstaticcall\(gas\(\), (\w+),", r"call(gas(), \1, 0,", v)
           for k, v in src.items()}
    mv = src["ModelVerifier.sol"]
    a, b = brace_span(mv, mv.index("function verifyCircuit("))
    body = mv[a:b]
    anchors = ["c = _lookups(", "_outputs(c, run);", "c = _steps(", "MC.checkReduced(c);",
               "_open(c, run, proof);", "return Results.rootOfSamples"]
    for k, anchor in enumerate(anchors, start=1):
        body = _insert_before(body, anchor, f"emit GasMark({k}, gasleft());", "ModelVerifier.sol")
    mark0 = "emit GasMark(0, gasleft());"
    body = _insert_before(body, "c.t = FS.init(", mark0, "ModelVerifier.sol")
    mv = mv[:a] + body + mv[b:]
    a, b = brace_span(mv, mv.index("function _open("))
    body = _insert_before(mv[a:b], "uint256[] memory config;", "emit GasMark(200, gasleft());",
                          "ModelVerifier.sol")
    body = _insert_before(body, "if (!ok) revert OpeningRejected();",
                          "emit GasMark(201, gasleft());", "ModelVerifier.sol")
    mv = mv[:a] + body + mv[b:]
    src["ModelVerifier.sol"] = PRAGMA.sub(r"\1\nevent GasMark(uint256 id, uint256 gas);", mv, 1)

    lk = src["ModelLookups.sol"]
    a, b = brace_span(lk, lk.index("function verify("))
    body = lk[a:b]
    for k, anchor in enumerate(["FractionSum.Subclaim memory wit =", "uint256 num = 0;",
                                "FractionSum.Subclaim memory tab =", "uint256 comb;",
                                "MC.claim(c, multId"], start=100):
        body = _insert_before(body, anchor, f"emit GasMark({k}, gasleft());", "ModelLookups.sol")
    lk = lk[:a] + body + lk[b:]
    src["ModelLookups.sol"] = PRAGMA.sub(r"\1\nevent GasMark(uint256 id, uint256 gas);", lk, 1)

    ex = src["StepExecutors.sol"]
    m = re.search(r"\n([ \t]*)(if \(!_dispatch\((\w+), ([^,]+), (\w+), [^\n]*;)", ex)
    if not m:
        raise SystemExit("evm_model_gas: StepExecutors.sol: the dispatch line not found")
    pad, line, step, s = m.group(1), m.group(2), m.group(4), m.group(5)
    ex = (ex[:m.start()] + f"\n{pad}uint256 gasMarkStep = gasleft();\n{pad}{line}\n{pad}"
          f"emit StepGas({step}, {s}.op, gasMarkStep - gasleft());" + ex[m.end():])
    src["StepExecutors.sol"] = PRAGMA.sub(
        r"\1\nevent StepGas(uint256 step, bytes op, uint256 gas);", ex, 1)

    mc = src["ModelContext.sol"]
    m = re.search(r"function merge\(([^)]*)\)\s*internal\s*returns\s*\(Claim memory\)", mc)
    if not m:
        raise SystemExit("evm_model_gas: ModelContext.sol: MC.merge not found")
    params = [p.split()[-1] for p in m.group(1).split(",")]
    wrapper = (f"function merge({m.group(1)}) internal returns (Claim memory out) {{\n"
               f"        uint256 gasMarkMerge = gasleft();\n"
               f"        out = mergeMarked({', '.join(params)});\n"
               f"        emit MergeGas({params[3]}, {params[1]}, gasMarkMerge - gasleft());\n"
               f"    }}\n\n    ")
    rest = mc[m.start() + len("function merge("):]
    mc = mc[:m.start()] + wrapper + "function mergeMarked(" + rest
    src["ModelContext.sol"] = PRAGMA.sub(
        r"\1\nevent MergeGas(uint256 n, uint256 nVars, uint256 gas);", mc, 1)
    return src


def mlp_proof():
    """(circuit, statement, proof stream) of the digits MLP at batch 1 (compact, no
    certificate); $EVM_MODEL_GAS_PROOF: a pickle file caching them."""
    import os
    import pickle

    cache = os.environ.get("EVM_MODEL_GAS_PROOF")
    if cache and os.path.exists(cache):
        with open(cache, "rb") as f:
            return pickle.load(f)
    from tensorproof import api
    from tensorproof.frontend.examples import train_digits_mlp
    from tensorproof.prover.model import setup
    from tensorproof.solidity.circuit import encode_circuit, statement_bytes
    from tensorproof.verifier.pcs_config import profile_config

    m = train_digits_mlp()
    model = api.compile(m.onnx_bytes, m.x_calib)
    pk = setup(model, profile_config("compact"), certify=False)
    proof = api.prove(pk, m.x_test[:1])
    out = encode_circuit(pk.vk, 1), statement_bytes(pk.vk, proof), proof.stream
    if cache:
        with open(cache, "wb") as f:
            pickle.dump(out, f)
    return out


def _deploy_all(evm, cs):
    from tensorproof.solidity.registry import CORE, deploy_core

    return deploy_core(evm.deploy, cs)[CORE]


def mlp_rows(src: dict[str, str], proof) -> dict:
    import pyrevm

    from tensorproof.solidity.circuit import VERIFIER_PARTS, verify_calldata
    from tensorproof.solidity.compiler import compile_sources
    from tensorproof.solidity.evm import CALLER, DEPLOYER, LocalEVM
    from tensorproof.transcript import keccak256

    circ, stmt, stream = proof
    cd = verify_calldata(circ, stmt, stream)
    cs = compile_sources(src)
    evm = LocalEVM()
    out = evm.call(_deploy_all(evm, cs), cd)
    rows = {"total": out.gas, "calldata": out.calldata_gas, "proof_bytes": len(stream),
            "sizes": {n: len(cs[n].deployed) for n in [*VERIFIER_PARTS, "ModelVerifier"]}}

    ics = compile_sources(instrument(src))
    evm = LocalEVM()
    evm._evm = pyrevm.EVM(env=pyrevm.Env(cfg=pyrevm.CfgEnv(limit_contract_code_size=1 << 20)),
                          spec_id="Cancun")
    for who in (DEPLOYER, CALLER):
        evm._evm.set_balance(who, 10**24)
    iout = evm.call(_deploy_all(evm, ics), cd)
    topic = {keccak256(sig.encode()): sig.split("(")[0] for sig in EVENTS}
    marks, steps, merges = {}, [], []
    for data, topics in iout.logs:
        kind = topic.get(topics[0]) if topics else None
        words = [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]
        if kind == "GasMark":
            marks[words[0]] = words[1]
        elif kind == "StepGas":
            steps.append((data[128:128 + words[3]].decode("ascii", "replace"), words[2]))
        elif kind == "MergeGas":
            merges.append({"claims": words[0], "vars": words[1], "gas": words[2]})
    by_op = Counter()
    for op, g in steps:
        by_op[op] += g
    open_merges = marks[5] - marks[200]
    whir = marks[200] - marks[201]
    lookups = marks[1] - marks[2]
    parts = {
        "lookups: witness fraction sum": marks[100] - marks[101],
        "lookups: table fraction sum": marks[102] - marks[103],
        "lookups: table columns (segments, committed values)": marks[103] - marks[104],
        "lookups: rest (columns, claims, executor call)": lookups - (marks[100] - marks[101])
        - (marks[102] - marks[103]) - (marks[103] - marks[104]),
        "outputs (public MLEs)": marks[2] - marks[3],
        "steps": marks[3] - marks[4],
        "opening: claim merges": open_merges,
        "opening: WHIR (WhirOpeningVerifier)": whir,
        "opening: rest": (marks[5] - marks[6]) - open_merges - whir,
    }
    rows.update({"parts": parts, "steps_by_op": dict(by_op.most_common()), "merges": merges,
                 "instrumented_total": iout.gas})
    return rows


# ---------------------------------------------------------------------------------------------

def _k(x) -> str:
    return f"{x / 1000:,.1f} k" if x < 100_000 else f"{x / 1e6:,.3f} M"


def markdown(res: dict) -> str:
    cols = [c for c in ("before", "after") if c in res]
    lines = ["# EVM verifier: gas of the core libraries", "",
             "`python benchmarks/evm_model_gas.py" + (f" --baseline-rev {res['baseline_rev']}"
                                                      if res.get("baseline_rev") else "")
             + "` (pyrevm, Cancun; solc 0.8.37 via-IR, optimizer 200 runs). before: the core "
             "libraries at git " + str(res.get("baseline_rev")) + "; after: the working tree. "
             "Parts of the MLP proof come from a copy of the contracts with gas marks (each part "
             "includes a mark, ~1.5 k gas).", "",
             "| component | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]

    def row(name, get):
        vals = []
        for c in cols:
            try:
                vals.append(_k(get(res[c])))
            except (KeyError, TypeError):
                vals.append("—")
        lines.append(f"| {name} | " + " | ".join(vals) + " |")

    row("sumcheck, per round, degree 2", lambda r: r["probes"]["sumcheck_round_d2"])
    row("sumcheck, per round, degree 3", lambda r: r["probes"]["sumcheck_round_d3"])
    row("fraction sum (LogUp-GKR), 12 variables", lambda r: r["probes"]["fraction_sum_12"])
    row("**digits MLP proof, batch 1: total**", lambda r: r["mlp"]["total"])
    row("  calldata", lambda r: r["mlp"]["calldata"])
    row("  execution", lambda r: r["mlp"]["total"] - r["mlp"]["calldata"] - 21000)
    names = []
    for c in cols:
        for n in res[c].get("mlp", {}).get("parts", {}):
            if n not in names:
                names.append(n)
    for n in names:
        row("  " + n, lambda r, n=n: r["mlp"]["parts"][n])
    ops = []
    for c in cols:
        for n in res[c].get("mlp", {}).get("steps_by_op", {}):
            if n not in ops:
                ops.append(n)
    for n in ops:
        row(f"    step {n}", lambda r, n=n: r["mlp"]["steps_by_op"][n])
    lines += ["", "Contract sizes (EIP-170: 24,576 bytes):", "",
              "| contract | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    sizes = []
    for c in cols:
        for n in res[c].get("mlp", {}).get("sizes", {}):
            if n not in sizes:
                sizes.append(n)
    for n in sizes:
        lines.append(f"| {n} | " + " | ".join(
            f"{res[c]['mlp']['sizes'].get(n, '—'):,}" if "mlp" in res[c] else "—" for c in cols)
            + " |")
    merges = {c: res[c].get("mlp", {}).get("merges") for c in cols}
    if any(merges.values()):
        lines += ["", "Claim merges (MC.merge) of the MLP proof: " + "; ".join(
            f"{c}: " + ", ".join(f"{m['claims']} claims × {m['vars']} vars {_k(m['gas'])}"
                                 for m in merges[c]) for c in cols if merges[c]) + "."]
    return "\n".join(lines) + "\n"


def measure(rev: str | None, do_mlp: bool, proof) -> dict:
    src = sources(rev)
    out = {"probes": probe_rows(src)}
    if do_mlp:
        out["mlp"] = mlp_rows(src, proof)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-rev", default=None,
                    help="git revision of the core libraries for the 'before' column")
    ap.add_argument("--no-mlp", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/evm_model_gas.json"))
    ap.add_argument("--md", default=str(ROOT / "benchmarks/results/evm_model_gas.md"))
    args = ap.parse_args()
    t0 = time.time()
    proof = None if args.no_mlp else mlp_proof()
    res = {"baseline_rev": args.baseline_rev}
    if args.baseline_rev:
        res["before"] = measure(args.baseline_rev, not args.no_mlp, proof)
    res["after"] = measure(None, not args.no_mlp, proof)
    res["seconds"] = round(time.time() - t0, 1)
    md = markdown(res)
    print(md)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    Path(args.md).write_text(md)


if __name__ == "__main__":
    main()
