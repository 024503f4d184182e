"""Prove and verify every model of the EZKL example corpus; report what proves and why not.

Usage: python scripts/corpus_prove_report.py [--models a,b*] [--timeout 120] [--mem-gb 6]
           [--batch N] [--repeat 2] [--corpus DIR] [--out FILE] [--json FILE] [--merge]

For each folder of ../shared/peer-corpus/ezkl-examples (network.onnx + input.json) a child
process compiles the model (int8, min/max calibration on the folder's input.json; random normal
samples when it has none), runs setup, proves the folder's input (the batch as given), verifies
the proof after a round trip through bytes (proof and verifying key), checks that the
verified outputs equal the reference executor's (tensorproof.quant.executor) exactly, and that
an output entry changed by one is rejected (a soundness smoke test). The child
runs under a wall-clock timeout and a memory cap (resident set polled, address space limited),
so one pathological model cannot hang or kill the run. Writes benchmarks/results/peer_corpus.md
(one row per model: proved?, prove and verify times, proof size, or the one-line reason) with a
table of reasons and counts, and the rows as JSON beside it.

Failure kinds: compile (the compiler refuses the model), not provable (an integer op the prover
does not cover yet, verifier/lowering.py PROVABLE_OPS), refused (a clean ProverError or other
TensorProofError from setup/prove), timeout, memory, and BUG (an internal exception in setup,
prove or verify, a rejected honest proof, outputs that differ from the reference executor, or
an accepted forged output).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
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
)

DEFAULT_OUT = ROOT / "benchmarks/results/peer_corpus.md"
STATUS_TEXT = {"proved": "yes", "compile": "no (compile)", "not_provable": "no (op)",
               "refused": "no (prover)", "timeout": "no (timeout)", "memory": "no (memory)",
               "error": "no (error)", "bug": "**BUG**"}


# --------------------------------------------------------------------------- child side

def _stage(name: str) -> None:
    print(STAGE_MARK + name, flush=True)


def _compile(folder: Path, row: dict, batch: int | None):
    _stage("compile")
    t0 = time.perf_counter()
    # a folder without input.json: calibrated on random samples, the first one proved
    model, feeds, source = compile_or_fail(folder)
    if batch:  # the samples repeated (or cut) to `batch` rows: checks the batch axis
        feeds = {n: np.resize(v, (batch, *v.shape[1:])) for n, v in feeds.items()}
    ops = model.graph.op_counts()
    row.update(samples=source, batch=int(next(iter(feeds.values())).shape[0]),
               compile_s=time.perf_counter() - t0, ops=dict(ops), nodes=len(model.graph.nodes))
    return model, feeds


MASKED_ENV = "TENSORPROOF_CORPUS_MASKED"
"""Set (by ``--masked``, inherited by the per-model children): set up masked keys."""


def _setup(model, row: dict):
    from tensorproof import api

    _stage("setup")
    if os.environ.get(MASKED_ENV):  # the zero-knowledge work in progress (docs/internals.md)
        from tensorproof.prover.model import setup
        from tensorproof.verifier.pcs_config import profile_config

        config = {**profile_config("fast"), "zk": True}
        pk, row["setup_s"] = setup_or_fail(model, lambda m: setup(m, config))
    else:
        pk, row["setup_s"] = setup_or_fail(model, api.setup)
    return pk


def _timed(fn, *args, repeat: int = 1):
    """fn(*args) run `repeat` times: (last result, min wall seconds, min CPU seconds)."""
    walls, cpus = [], []
    for _ in range(max(repeat, 1)):
        w, c = time.perf_counter(), time.process_time()
        out = fn(*args)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def _prove_verify(pk, feeds, row: dict, repeat: int):
    from tensorproof import api
    from tensorproof.errors import ProofFormatError, TensorProofError, VerificationError
    from tensorproof.verifier.keys import VerifyingKey
    from tensorproof.verifier.proof import Proof

    _stage("prove")
    try:
        proof, row["prove_s"], row["prove_cpu_s"] = _timed(api.prove, pk, feeds, repeat=repeat)
    except TensorProofError as e:
        raise ModelError("refused", f"prove: {one_line(e)}",
                         f"prover refused: {reason_class(one_line(e))}") from None
    except Exception as e:
        raise internal_error("prove", e, "prover") from None
    _stage("verify")
    data = proof.to_bytes()
    row.update(proof_bytes=len(data), stream_bytes=len(proof.stream))
    try:
        vk, parsed = VerifyingKey.from_bytes(pk.vk.to_bytes()), Proof.from_bytes(data)
        out, row["verify_s"], row["verify_cpu_s"] = _timed(api.verify, vk, parsed, repeat=repeat)
    except (VerificationError, ProofFormatError) as e:
        raise ModelError("bug", f"verify: honest proof rejected: {one_line(e)} [{where(e)}]",
                         "BUG: honest proof rejected", "verifier") from None
    except Exception as e:
        raise internal_error("verify", e, "verifier") from None
    return proof, out


def _forged_output_rejected(pk, proof) -> None:
    """Soundness smoke test: one output entry moved by one (inside its range) must be rejected."""
    import dataclasses

    from tensorproof import api
    from tensorproof.errors import ProofFormatError, VerificationError

    _stage("tamper")
    for name, y in proof.outputs.items():
        spec = pk.vk.graph.tensors[name]
        if y.size == 0 or spec.lo == spec.hi:
            continue
        forged = y.copy().reshape(-1)
        forged[0] += 1 if forged[0] < spec.hi else -1
        bad = dataclasses.replace(proof, outputs={**proof.outputs, name: forged.reshape(y.shape)})
        try:
            api.verify(pk.vk, bad)
        except (VerificationError, ProofFormatError):
            continue
        except Exception as e:
            raise internal_error("verify of a forged output", e, "verifier") from None
        raise ModelError("bug", f"a forged value of output {name!r} verified",
                         "BUG: forged output accepted", "verifier")


def _check(model, feeds, out) -> None:
    from tensorproof.quant.executor import execute

    _stage("check")
    try:
        ref = execute(model.graph, model.quantize_inputs(feeds))
    except Exception as e:
        raise internal_error("reference executor", e, "compiler") from None
    bad = [n for n in model.graph.outputs if not np.array_equal(out.ints[n], ref[n])]
    if bad:
        raise ModelError("bug", f"verified outputs {bad} differ from the reference executor",
                         "BUG: outputs differ from the reference executor", "prover")


def prove_one(folder: Path, batch: int | None = None, repeat: int = 1) -> dict:
    """Compile, set up, prove, verify and check one corpus model (in this process); `batch`:
    prove that many rows (the folder's samples repeated) instead of the folder's batch;
    `repeat`: prove and verify that many times, keeping the fastest (numba compiles on the
    first call of a kernel whose cache is stale)."""
    row: dict = {"model": folder.name}
    try:
        model, feeds = _compile(folder, row, batch)
        pk = _setup(model, row)
        proof, out = _prove_verify(pk, feeds, row, repeat)
        _check(model, feeds, out)
        _forged_output_rejected(pk, proof)
    except ModelError as f:
        row.update(status=f.status, reason=f.reason, category=f.category, bug=f.bug)
    else:
        row.update(status="proved", reason="", category="", bug=None)
    row["peak_rss_mb"] = peak_rss_mb()
    return row


def _child_main(folder: Path, batch: int | None, repeat: int) -> int:
    row = prove_one(folder, batch, repeat)
    print(ROW_MARK + json.dumps(row), flush=True)
    return 0


# --------------------------------------------------------------------------- parent side

def run_isolated(folder: Path, timeout: float, mem_bytes: int, on_stage=lambda s: None,
                 batch: int | None = None, repeat: int = 1) -> dict:
    """prove_one(folder) in a child process under a timeout and a memory cap."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)]
    cmd += ["--batch", str(batch)] if batch else []
    cmd += ["--repeat", str(repeat)]
    row, res, stage = run_child(cmd, timeout, mem_bytes, on_stage)
    if row is not None:
        return row
    return _dead_row(folder.name, res.killed, stage, res.returncode, res.stderr_tail,
                     timeout, mem_bytes)


def _dead_row(model, killed, stage, rc, tail, timeout, mem_bytes) -> dict:
    if killed == "timeout":
        return {"model": model, "status": "timeout", "category": f"timeout during {stage}",
                "reason": f"timeout: still in {stage} after {timeout:.0f} s", "bug": None}
    if killed == "memory":
        return {"model": model, "status": "memory", "category": "memory cap exceeded",
                "reason": f"memory: resident set over {mem_bytes / 2**30:g} GiB during {stage}",
                "bug": None}
    last = tail[-1] if tail else "no output"
    if stage == "start":  # died before compiling: the environment, not a model's proof
        return {"model": model, "status": "error", "category": "child failed to start",
                "reason": f"child exited with code {rc} before compiling: {last[:200]}",
                "bug": None}
    return {"model": model, "status": "bug", "category": f"BUG: child died during {stage}",
            "reason": f"child exited with code {rc} during {stage}: {last[:200]}",
            "bug": "prover" if stage in ("setup", "prove") else "verifier"}


# --------------------------------------------------------------------------- report

def _fmt_s(x) -> str:
    return "" if x is None else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def _fmt_row(r: dict) -> str:
    if r["status"] != "proved":
        return (f"| {r['model']} | {STATUS_TEXT[r['status']]} | | | | | | "
                f"{r['reason'].replace('|', '/')[:200]} |")
    return (f"| {r['model']} | yes | {r['batch']} | {_fmt_s(r['prove_s'])} | "
            f"{_fmt_s(r['verify_s'])} | {fmt_size(r['proof_bytes'])} | "
            f"{r['peak_rss_mb']:.0f} MB | {r['nodes']} int ops |")


def _reasons_table(rows: list[dict]) -> list[str]:
    reasons = Counter(r["category"] for r in rows if r["status"] != "proved")
    lines = ["| reason | models |", "|---|---|"]
    for reason, count in reasons.most_common():
        names = ", ".join(r["model"] for r in rows if r["category"] == reason)
        lines.append(f"| {reason.replace('|', '/')} | {count}: {names} |")
    return lines


def _missing_ops_table(rows: list[dict]) -> list[str]:
    from tensorproof.verifier.lowering import PROVABLE_OPS

    need = Counter(op for r in rows if r["status"] == "not_provable"
                   for op in set(r.get("ops", {})) - set(PROVABLE_OPS))
    if not need:
        return []
    lines = ["", "## Integer ops the prover does not cover yet", "",
             "| op | models needing it |", "|---|---|"]
    lines += [f"| `{op}` | {n} |" for op, n in need.most_common()]
    return lines


def write_report(rows: list[dict], out: Path, settings: dict) -> None:
    proved = [r for r in rows if r["status"] == "proved"]
    bugs = [r for r in rows if r["status"] == "bug"]
    compiled = [r for r in rows if r["status"] != "compile"]
    batch_text = (f"the folder's samples repeated to a batch of {settings['batch']}"
                  if settings.get("batch") else "the folder's input proven as one batch")
    lines = [
        "# EZKL example corpus: what tensorproof proves and verifies",
        "",
        f"Generated by `scripts/corpus_prove_report.py` on {settings['date']} "
        f"({settings['seconds']:.0f} s). Corpus: `{settings['corpus']}` ({len(rows)} models, "
        "EZKL's examples/onnx). Settings: int8 activations and weights, min/max calibration on "
        f"each folder's input.json, {batch_text}, Ligero PCS over "
        f"K = F_p^2; each model in its own process, timeout {settings['timeout']:.0f} s, memory "
        f"cap {settings['mem_gb']:g} GiB.",
        "",
        f"**{len(proved)} of {len(rows)} models prove and verify**, with verified outputs equal "
        f"to the reference executor's ({len(compiled)} compile; {len(bugs)} prover/verifier "
        "bugs).",
        "",
        f"Times are the fastest of {settings.get('repeat', 1)} runs, wall-clock on a shared "
        "2-core machine (noisy; CPU seconds are in the JSON); "
        "prove excludes compile and setup (weight commitment); verify parses nothing "
        "(the proof and key are parsed before). Proof size = the serialized Proof (statement "
        "with public inputs and outputs + transcript stream).",
        "",
        "## Prover/verifier bugs (internal errors, rejected honest proofs, wrong outputs)",
        "",
        *([f"- {r['model']}: {r['reason']}" for r in bugs] or ["None in this run."]),
        "",
        "## Reasons for the models that do not prove",
        "",
        *_reasons_table(rows),
        *_missing_ops_table(rows),
        "",
        "## Per model",
        "",
        "| model | proved | batch | prove | verify | proof size | peak RSS | ops or reason |",
        "|---|---|---|---|---|---|---|---|",
        *[_fmt_row(r) for r in rows],
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- driver

def _run_all(folders: list[Path], args, json_path: Path) -> list[dict]:
    """The folders' rows, each model in its own child; with --merge, in place of the rows of
    the same models in `json_path`'s."""
    mem = int(args.mem_gb * 2**30)

    def run_one(folder: Path, on_stage) -> dict:
        return run_isolated(folder, args.timeout, mem, on_stage, args.batch, args.repeat)
    rows = run_all(folders, run_one, _summary_line)
    return merge_rows(rows, json_path) if args.merge else rows


def _summary_line(r: dict) -> str:
    if r["status"] == "proved":
        return (f"[green]ok[/]  {r['model']:26s} prove {_fmt_s(r['prove_s']):>8s}  verify "
                f"{_fmt_s(r['verify_s']):>8s}  {fmt_size(r['proof_bytes'])}")
    color = "red" if r["status"] == "bug" else "yellow"
    return f"[{color}]{r['status']:4s}[/] {r['model']:26s} {r['reason'][:110]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--models", help="comma-separated names or glob patterns (default: all)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per model")
    ap.add_argument("--batch", type=int, default=None,
                    help="prove this many rows (the folder's samples repeated), not its batch")
    ap.add_argument("--repeat", type=int, default=2,
                    help="prove and verify this many times, report the fastest (default 2)")
    ap.add_argument("--masked", action="store_true",
                    help='masked keys (key config "zk", fast profile: the zero-knowledge work '
                         "in progress), not the default ones")
    add_cap_and_output_args(ap, DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.masked:
        os.environ[MASKED_ENV] = "1"
    if args.child:
        return _child_main(args.child, args.batch, args.repeat)
    folders, err = chosen_folders(args.corpus, args.models)
    if err:
        print(err, file=sys.stderr)
        return 2
    json_path = args.json or args.out.with_suffix(".json")
    t0 = time.perf_counter()
    rows = _run_all(folders, args, json_path)
    settings = {"date": time.strftime("%Y-%m-%d"), "seconds": time.perf_counter() - t0,
                "corpus": args.corpus.resolve().name, "timeout": args.timeout,
                "mem_gb": args.mem_gb, "batch": args.batch, "repeat": args.repeat,
                "masked": args.masked}
    write_report(rows, args.out, settings)
    json_path.write_text(json.dumps({"settings": settings, "rows": rows}, indent=1) + "\n")
    n_ok = sum(r["status"] == "proved" for r in rows)
    print(f"{n_ok} of {len(rows)} prove and verify; report: {args.out}")
    return 1 if any(r["status"] == "bug" for r in rows) else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
