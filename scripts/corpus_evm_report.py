"""Verify proofs of the EZKL example corpus with the generic EVM verifier contract; report gas.

Usage: python scripts/corpus_evm_report.py [--models a,b*] [--timeout 300] [--mem-gb 6]
           [--corpus DIR] [--out FILE] [--json FILE] [--merge]

For each folder of ../shared/peer-corpus/ezkl-examples (network.onnx + input.json) a child
process compiles the model as scripts/corpus_prove_report.py does (int8, min/max calibration on
the folder's input.json; random normal samples when it has none), sets it up in the compact
profile (WHIR, K = F_p^3: the one the EVM verifier checks; ``certify=False``: no weight range
certificate, which the contract does not read), proves the folder's input, verifies the proof
with the Python verifier, and encodes the circuit data for the EVM
(``solidity.circuit.encode_circuit``; UnsupportedOpError gives the one-line reason for a step
the contract does not check yet). It deploys the shipped contracts (ModelVerifier and its parts,
``solidity.registry.deploy_core``) on an in-process EVM (pyrevm, Cancun) whose gas limit,
2,000,000,000, is far above a block's so that a proof too costly for a block is measured rather
than reverted, sends ``verifyCircuit(circuit, statement, proof)`` as one transaction, and checks
that it returns Python's results root (``solidity.results.proof_results_root``). Then one output
entry is moved by one (inside its range when it can be), the statement re-encoded
(``statement_bytes``), and the same transaction must revert ("forged output rejected"; the
Python verifier must reject it too). Each child runs under a wall-clock timeout and a memory
cap (scripts/corpus_common.py run_capped).

Outputs: benchmarks/results/corpus_evm.md (how it was made; a summary table of counts; the
BUG rows; the reasons of the models that do not reach the chain; one row per model: compiles,
proves, Python accepts, encodable for the EVM, accepted on chain with Python's root, gas of the
whole transaction and its calldata part, within a block of 30,000,000 gas, forged output
rejected, proof and circuit bytes) and the rows as JSON beside it (--json), both written
atomically.

Statuses: chain (accepted on chain with Python's root), compile, not_provable, refused (the
prover's clean refusal), not_encodable (the EVM verifier lacks a step), out_of_gas (the proof
needs more than the gas limit), timeout, memory, error (the child could not start), and BUG: the
contract and the Python verifier disagree (the contract rejects an honest proof Python accepts,
accepts what Python rejects, returns another results root, or accepts a forged output), Python
rejects an honest proof or accepts a forged output, or an internal exception.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

from corpus_common import (
    DEFAULT_CORPUS,
    ROOT,
    ROW_MARK,
    STAGE_MARK,
    ModelError,
    add_cap_and_output_args,
    chosen_folders,
    compile_or_fail,
    fmt_size,
    internal_error,
    merge_rows,
    one_line,
    peak_rss_mb,
    reason_class,
    run_all,
    run_child,
    setup_or_fail,
    where,
    write_atomic,
)

DEFAULT_OUT = ROOT / "benchmarks/results/corpus_evm.md"
GAS_LIMIT = 2_000_000_000
BLOCK_GAS = 30_000_000
STATUS_TEXT = {"chain": "yes", "compile": "no (compile)", "not_provable": "no (op)",
               "refused": "no (prover)", "not_encodable": "no (EVM step)",
               "out_of_gas": "no (out of gas)", "timeout": "no (timeout)",
               "memory": "no (memory)", "error": "no (error)", "bug": "**BUG**"}
FACTS = ("samples", "batch", "compiled", "proved", "python_ok", "encodable", "chain_ok",
         "root_match", "gas", "calldata_gas", "within_block", "forged_rejected",
         "python_forged_rejected", "proof_bytes", "statement_bytes", "circuit_bytes",
         "revert", "forged_output")


# --------------------------------------------------------------------------- child side

def _stage(name: str) -> None:
    print(STAGE_MARK + name, flush=True)


def _compile(folder: Path, row: dict):
    _stage("compile")
    t0 = time.perf_counter()
    model, feeds, source = compile_or_fail(folder)
    row.update(compiled=True, samples=source, batch=int(next(iter(feeds.values())).shape[0]),
               compile_s=time.perf_counter() - t0, nodes=len(model.graph.nodes))
    return model, feeds


def _setup(model, row: dict):
    from tensorproof.prover.model import setup
    from tensorproof.verifier.pcs_config import profile_config

    _stage("setup")
    pk, row["setup_s"] = setup_or_fail(
        model, lambda m: setup(m, profile_config("compact"), certify=False))
    return pk


def _prove(pk, feeds, row: dict):
    from tensorproof import api
    from tensorproof.errors import TensorProofError

    _stage("prove")
    t0 = time.perf_counter()
    try:
        proof = api.prove(pk, feeds)
    except TensorProofError as e:
        raise ModelError("refused", f"prove: {one_line(e)}",
                         f"prover refused: {reason_class(one_line(e))}") from None
    except Exception as e:
        raise internal_error("prove", e, "prover") from None
    row.update(proved=True, prove_s=time.perf_counter() - t0, proof_bytes=len(proof.stream),
               serialized_proof_bytes=len(proof.to_bytes()))
    return proof


def _python_verdict(vk, proof) -> str | None:
    """None when the Python verifier accepts `proof`, else its one-line reason."""
    from tensorproof import api
    from tensorproof.errors import ProofFormatError, VerificationError

    try:
        api.verify(vk, proof)
    except (VerificationError, ProofFormatError) as e:
        return f"{one_line(e)} [{where(e)}]"
    except Exception as e:
        raise internal_error("Python verify", e, "verifier") from None
    return None


def _python_verify(vk, proof, row: dict) -> None:
    _stage("verify")
    t0 = time.perf_counter()
    rejected = _python_verdict(vk, proof)
    row.update(python_ok=rejected is None, python_reason=rejected,
               verify_s=time.perf_counter() - t0)


def _evm_reason(msg: str) -> str:
    """A category for an encode_circuit refusal that keeps the step's op name."""
    m = re.search(r"does not support proof step '([^']*)'", msg)
    return f"EVM: proof step {m.group(1)} not supported" if m else f"EVM: {reason_class(msg)}"


def _encode(vk, proof, row: dict) -> tuple[bytes, bytes]:
    from tensorproof.errors import UnsupportedOpError
    from tensorproof.solidity.circuit import encode_circuit, statement_bytes

    _stage("encode")
    try:
        circuit = encode_circuit(vk, proof.batch)
    except UnsupportedOpError as e:
        row["encodable"] = False
        if not row["python_ok"]:
            raise _python_rejects(row) from None
        raise ModelError("not_encodable", one_line(e), _evm_reason(one_line(e))) from None
    except Exception as e:
        raise internal_error("encode_circuit", e, "EVM encoding") from None
    try:
        statement = statement_bytes(vk, proof)
    except Exception as e:
        raise internal_error("statement_bytes", e, "EVM encoding") from None
    row.update(encodable=True, circuit_bytes=len(circuit), statement_bytes=len(statement))
    return circuit, statement


def _python_rejects(row: dict) -> ModelError:
    return ModelError("bug", f"Python rejects the honest proof: {row['python_reason']}",
                      "BUG: Python rejects an honest proof", "verifier")


def _deploy():
    """A fresh in-process EVM with the shipped verifier deployed -> (evm, its address)."""
    from tensorproof.solidity.compiler import compile_contracts
    from tensorproof.solidity.evm import LocalEVM
    from tensorproof.solidity.registry import CORE, deploy_core

    _stage("deploy")
    try:
        contracts = compile_contracts()
    except Exception as e:  # no Node.js or solc: the environment, not the model
        raise ModelError("error", f"contracts do not compile: {one_line(e)}",
                         "contracts do not compile") from None
    evm = LocalEVM(gas_limit=GAS_LIMIT)
    return evm, deploy_core(evm.deploy, contracts)[CORE]


def _send(evm, address, circuit: bytes, statement: bytes, stream: bytes):
    """The transaction's result, or the revert reason as a string ("out of gas": the whole limit
    spent, or a revert without data with under 1/32 of it left: a call forwards at most 63/64
    of the gas left (EIP-150), so an executor running out of gas leaves its caller a little to
    revert with)."""
    from tensorproof.solidity.circuit import verify_calldata
    from tensorproof.solidity.evm import EVMRevertError
    from tensorproof.solidity.registry import revert_reason, shipped_errors

    try:
        return evm.call(address, verify_calldata(circuit, statement, stream))
    except EVMRevertError as e:
        if evm.last_gas >= GAS_LIMIT or (not e.data and evm.last_gas > GAS_LIMIT * 31 // 32):
            return "out of gas"
        return revert_reason(e.data, shipped_errors()) if e.data else one_line(e)


def _chain(evm, address, circuit: bytes, statement: bytes, proof, row: dict) -> None:
    from tensorproof.solidity.results import proof_results_root

    _stage("chain")
    t0 = time.perf_counter()
    res = _send(evm, address, circuit, statement, proof.stream)
    row["evm_s"] = time.perf_counter() - t0
    if isinstance(res, str):
        row.update(chain_ok=False, revert=res, gas=evm.last_gas)
        return
    root = res.output[-32:]
    row.update(chain_ok=True, gas=res.gas, calldata_gas=res.calldata_gas,
               within_block=res.gas <= BLOCK_GAS, root=root.hex(),
               root_match=root == proof_results_root(proof))


def _forged_proof(vk, proof):
    """`proof` with one output entry moved by one (inside its range when it can be) and the
    name of that output, or (None, None) when every output is empty."""
    import numpy as np

    for name in sorted(proof.outputs):
        y = np.array(proof.outputs[name])
        if y.size == 0:
            continue
        spec = vk.graph.tensors[name]
        flat = y.reshape(-1)
        flat[0] += 1 if flat[0] < spec.hi else -1
        return dataclasses.replace(proof, outputs={**proof.outputs, name: y}), name
    return None, None


def _forged(evm, address, circuit: bytes, vk, proof, row: dict) -> None:
    from tensorproof.solidity.circuit import statement_bytes

    _stage("forge")
    bad, name = _forged_proof(vk, proof)
    if bad is None:
        return
    row.update(forged_output=name, python_forged_rejected=_python_verdict(vk, bad) is not None)
    try:
        statement = statement_bytes(vk, bad)
    except Exception as e:
        raise internal_error("statement_bytes of a forged output", e, "EVM encoding") from None
    res = _send(evm, address, circuit, statement, bad.stream)
    row["forged_rejected"] = isinstance(res, str)
    row["forged_revert"] = res if isinstance(res, str) else None


def _disagreements(row: dict) -> list[tuple[str, str]]:
    """What the contract and the Python verifier got wrong, as (category, message) pairs
    (none: they agree, and both are right)."""
    bugs = []
    if row["chain_ok"] and not row["python_ok"]:
        bugs.append(("the contract accepts a proof Python rejects",
                     f"the contract accepts a proof Python rejects ({row['python_reason']})"))
    elif not row["python_ok"]:
        bugs.append(("Python rejects an honest proof",
                     f"Python rejects the honest proof: {row['python_reason']}"))
    if row["chain_ok"] is False and row["python_ok"] and row["revert"] != "out of gas":
        bugs.append(("the contract rejects an honest proof Python accepts",
                     f"the contract rejects an honest proof Python accepts: {row['revert']}"))
    if row["root_match"] is False:
        bugs.append(("the contract returns another results root",
                     f"the contract returns another results root than Python ({row['root']})"))
    name = row["forged_output"]
    if row["forged_rejected"] is False:
        also = "Python rejects it" if row["python_forged_rejected"] else "Python accepts it too"
        bugs.append(("the contract accepts a forged output",
                     f"the contract accepts a forged value of output {name!r} ({also})"))
    elif row["python_forged_rejected"] is False:
        bugs.append(("Python accepts a forged output",
                     f"Python accepts a forged value of output {name!r}, the contract not"))
    return bugs


def _judge(row: dict) -> None:
    """Raise the row's final failure: a BUG where a verdict is wrong, out of gas."""
    bugs = _disagreements(row)
    if bugs:
        who = "verifier" if all(c.startswith("Python") for c, _ in bugs) else "contract"
        raise ModelError("bug", "; ".join(m for _, m in bugs), f"BUG: {bugs[0][0]}", who)
    if row["revert"] == "out of gas":
        raise ModelError("out_of_gas", f"out of gas at the {GAS_LIMIT:,} limit", "out of gas")


def _mark_stop(row: dict, status: str) -> None:
    """A model stopped by the compiler or the prover: record the stage that said no."""
    key = {"compile": "compiled", "not_provable": "proved", "refused": "proved"}.get(status)
    if key:
        row[key] = False


def evm_one(folder: Path) -> dict:
    """Compile, set up (compact), prove, verify in Python and on the EVM one corpus model (in
    this process), with the forged-output check; returns its report row."""
    row: dict = {"model": folder.name, **dict.fromkeys(FACTS)}
    try:
        model, feeds = _compile(folder, row)
        pk = _setup(model, row)
        proof = _prove(pk, feeds, row)
        _python_verify(pk.vk, proof, row)
        circuit, statement = _encode(pk.vk, proof, row)
        evm, address = _deploy()
        _chain(evm, address, circuit, statement, proof, row)
        if row["chain_ok"]:
            _forged(evm, address, circuit, pk.vk, proof, row)
        _judge(row)
    except ModelError as f:
        _mark_stop(row, f.status)
        row.update(status=f.status, reason=f.reason, category=f.category, bug=f.bug)
    else:
        row.update(status="chain", reason="", category="", bug=None)
    row["peak_rss_mb"] = peak_rss_mb()
    return row


def _child_main(folder: Path) -> int:
    print(ROW_MARK + json.dumps(evm_one(folder)), flush=True)
    return 0


# --------------------------------------------------------------------------- parent side

def run_isolated(folder: Path, timeout: float, mem_bytes: int, on_stage=lambda s: None) -> dict:
    """evm_one(folder) in a child process under a timeout and a memory cap."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)]
    row, res, stage = run_child(cmd, timeout, mem_bytes, on_stage)
    if row is not None:
        return row
    return {"model": folder.name, **dict.fromkeys(FACTS),
            **_dead(res.killed, stage, res.returncode, res.stderr_tail, timeout, mem_bytes)}


def _dead(killed, stage, rc, tail, timeout, mem_bytes) -> dict:
    if killed == "timeout":
        return {"status": "timeout", "category": f"timeout during {stage}",
                "reason": f"timeout: still in {stage} after {timeout:g} s", "bug": None}
    if killed == "memory":
        return {"status": "memory", "category": "memory cap exceeded",
                "reason": f"memory: resident set over {mem_bytes / 2**30:g} GiB during {stage}",
                "bug": None}
    last = tail[-1] if tail else "no output"
    if stage == "start":  # died before compiling: the environment, not a model's proof
        return {"status": "error", "category": "child failed to start",
                "reason": f"child exited with code {rc} before compiling: {last[:200]}",
                "bug": None}
    who = {"setup": "prover", "prove": "prover", "verify": "verifier"}.get(stage, "EVM")
    return {"status": "bug", "category": f"BUG: child died during {stage}",
            "reason": f"child exited with code {rc} during {stage}: {last[:200]}", "bug": who}


# --------------------------------------------------------------------------- report

def _yes(x) -> str:
    return "" if x is None else "yes" if x else "no"


def _fmt_gas(g) -> str:
    return "" if g is None else f"{g / 1e6:.2f} M"


def _fmt_row(r: dict) -> str:
    forged = "" if r["forged_rejected"] is None else "yes" if r["forged_rejected"] else "**NO**"
    chain = _chain_text(r)
    note = (r.get("reason") or "").replace("|", "/")[:200]
    return (f"| {r['model']} | {STATUS_TEXT[r['status']]} | {_yes(r['compiled'])} | "
            f"{_yes(r['proved'])} | {_yes(r['python_ok'])} | {_yes(r['encodable'])} | "
            f"{chain} | {_fmt_gas(r['gas'])} | {_fmt_gas(r['calldata_gas'])} | "
            f"{_yes(r['within_block'])} | {forged} | {fmt_size(r['proof_bytes'])} | "
            f"{fmt_size(r['circuit_bytes'])} | {note} |")


def _chain_text(r: dict) -> str:
    """The contract's verdict on the honest proof."""
    if r["chain_ok"] is None:
        return ""
    if r["chain_ok"]:
        return "yes" if r["root_match"] else "**other root**"
    return "**reverts**" if r["status"] == "bug" else "reverts"


def _counts_table(rows: list[dict]) -> list[str]:
    def n(pred) -> int:
        return sum(1 for r in rows if pred(r))
    tried = n(lambda r: r["forged_rejected"] is not None)
    counts = [
        ("models", len(rows)),
        ("compiled", n(lambda r: r["compiled"])),
        ("proved (compact profile)", n(lambda r: r["proved"])),
        ("Python verifier accepts", n(lambda r: r["python_ok"])),
        ("encodable for the EVM", n(lambda r: r["encodable"])),
        ("accepted on chain with Python's results root",
         n(lambda r: r["chain_ok"] and r["root_match"])),
        (f"within a block (≤ {BLOCK_GAS:,} gas)", n(lambda r: r["within_block"])),
        ("forged output rejected by the contract",
         f"{n(lambda r: r['forged_rejected'])} of {tried}"),
        ("**BUG** rows", n(lambda r: r["status"] == "bug")),
    ]
    return ["| | models |", "|---|---|", *[f"| {k} | {v} |" for k, v in counts]]


def _reasons_table(rows: list[dict]) -> list[str]:
    reasons = Counter(r["category"] for r in rows if r["status"] != "chain")
    if not reasons:
        return ["Every model is verified on chain."]
    lines = ["| reason | models |", "|---|---|"]
    for reason, count in reasons.most_common():
        names = ", ".join(r["model"] for r in rows if r["category"] == reason)
        lines.append(f"| {reason.replace('|', '/')} | {count}: {names} |")
    return lines


def _gas_line(rows: list[dict]) -> str:
    gas = sorted(r["gas"] for r in rows if r["chain_ok"] and r["root_match"])
    if not gas:
        return "No model is verified on chain."
    return (f"Gas of the accepted proofs: min {_fmt_gas(gas[0])}, median "
            f"{_fmt_gas(gas[len(gas) // 2])}, max {_fmt_gas(gas[-1])}.")


def render(rows: list[dict], settings: dict) -> str:
    bugs = [r for r in rows if r["status"] == "bug"]
    lines = [
        "# EZKL example corpus on the EVM: the generic verifier contract",
        "",
        f"Generated by `{settings['command']}` on {settings['date']} "
        f"({settings['seconds']:.0f} s). Corpus: `{settings['corpus']}` ({len(rows)} models, "
        "EZKL's examples/onnx). Each model is compiled (int8, min/max calibration on its "
        "input.json; random samples when it has none), set up in the compact profile (WHIR, "
        "K = F_p^3; no weight range certificate, which the contract does not read), proved on "
        "its input and verified by the Python verifier; its circuit data "
        "(`solidity.circuit.encode_circuit`) and statement are then sent with the proof to "
        "`ModelVerifier.verifyCircuit` on an in-process EVM (pyrevm, Cancun) with a gas limit "
        f"of {GAS_LIMIT:,} (far above a block, so that a costly proof is measured, not "
        "reverted); the contract must return Python's results root. A forged statement (one "
        "output entry moved by one) must revert. Each model runs in its own process, timeout "
        f"{settings['timeout']:.0f} s, memory cap {settings['mem_gb']:g} GiB.",
        "",
        "Gas is the whole transaction (21,000 base + calldata + execution); calldata gas is its "
        "EIP-2028 part (the circuit data travels in the calldata here; registered once through "
        "TensorProofRegistry it would not). Proof = the transcript stream sent to the contract; "
        "circuit = the circuit data's bytes.",
        "",
        *_counts_table(rows),
        "",
        _gas_line(rows),
        "",
        "## **BUG**: the contract and the Python verifier disagree (or an internal error)",
        "",
        *([f"- **{r['model']}**: {r['reason']}" for r in bugs] or ["None in this run."]),
        "",
        "## Why models are not verified on chain (BUG rows included)",
        "",
        *_reasons_table(rows),
        "",
        "## Per model",
        "",
        "| model | on chain | compiles | proves | Python | EVM circuit | contract (root) | gas "
        "| calldata gas | ≤ block | forged rejected | proof | circuit | reason |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[_fmt_row(r) for r in rows],
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- driver

def _run_all(folders: list[Path], args) -> list[dict]:
    """The folders' rows, each model in its own child (run_all: a row of status "error" is
    retried once)."""
    mem = int(args.mem_gb * 2**30)

    def run_one(folder: Path, on_stage) -> dict:
        return run_isolated(folder, args.timeout, mem, on_stage)
    return run_all(folders, run_one, _summary_line)


def _summary_line(r: dict) -> str:
    if r["status"] == "chain":  # its forged output was rejected, if it had one
        return (f"[green]ok[/]  {r['model']:24s} gas {_fmt_gas(r['gas']):>8s}  calldata "
                f"{_fmt_gas(r['calldata_gas']):>7s}  proof {fmt_size(r['proof_bytes']):>6s}")
    color = "red" if r["status"] == "bug" else "yellow"
    return f"[{color}]{r['status']:4s}[/] {r['model']:26s} {r['reason'][:110]}"


def _contracts_ready() -> str | None:
    """Compile the shipped contracts once (cached on disk for the children) -> an error."""
    try:
        from tensorproof.solidity.compiler import compile_contracts

        compile_contracts()
    except Exception as e:
        return f"the verifier contracts do not compile: {one_line(e)}"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = _parser()
    args = ap.parse_args(argv)
    if args.child:
        return _child_main(args.child)
    folders, err = chosen_folders(args.corpus, args.models)
    err = err or _contracts_ready()
    if err:
        print(err, file=sys.stderr)
        return 2
    json_path = args.json or args.out.with_suffix(".json")
    t0 = time.perf_counter()
    rows = _run_all(folders, args)
    if args.merge:
        rows = merge_rows(rows, json_path)
    command = shlex.join(["python", "scripts/corpus_evm_report.py",
                          *(sys.argv[1:] if argv is None else argv)])
    settings = {"date": time.strftime("%Y-%m-%d"), "seconds": time.perf_counter() - t0,
                "corpus": args.corpus.resolve().name, "timeout": args.timeout,
                "mem_gb": args.mem_gb, "gas_limit": GAS_LIMIT, "command": command}
    write_atomic(args.out, render(rows, settings))
    write_atomic(json_path, json.dumps({"settings": settings, "rows": rows}, indent=1) + "\n")
    print("\n".join(_counts_table(rows)[2:]))
    print(f"report: {args.out}, rows: {json_path}")
    return 1 if any(r["status"] == "bug" for r in rows) else 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--models", help="comma-separated names or glob patterns (default: all)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per model")
    add_cap_and_output_args(ap, DEFAULT_OUT)
    return ap


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
