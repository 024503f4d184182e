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
import fnmatch
import json
import os
import resource
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

import numpy as np
from corpus_common import DEFAULT_CORPUS, ROOT, model_folders, reason_class, run_capped, samples

DEFAULT_OUT = ROOT / "benchmarks/results/peer_corpus.md"
STAGE_MARK, ROW_MARK = "@@stage ", "@@row "
STATUS_TEXT = {"proved": "yes", "compile": "no (compile)", "not_provable": "no (op)",
               "refused": "no (prover)", "timeout": "no (timeout)", "memory": "no (memory)",
               "error": "no (error)", "bug": "**BUG**"}


# --------------------------------------------------------------------------- child side

class _ModelError(Exception):
    def __init__(self, status: str, reason: str, category: str, bug: str | None = None):
        super().__init__(reason)
        self.status, self.reason, self.category, self.bug = status, reason, category, bug


def _where(e: BaseException) -> str:
    """The innermost tensorproof frame of a traceback, as path:line."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if "tensorproof" in f.filename]
    if not frames:
        return "?"
    f = frames[-1]
    path = f.filename.split("src/")[-1] if "src/" in f.filename else f.filename
    return f"{path}:{f.lineno}"


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0].split("; supported operators:")[0] if text else type(e).__name__


def _internal(stage: str, e: BaseException, who: str) -> _ModelError:
    if isinstance(e, MemoryError):
        return _ModelError("memory", f"{stage}: MemoryError (address-space cap)",
                           "memory cap exceeded")
    reason = f"{stage}: internal error {type(e).__name__}: {_one_line(e)} [{_where(e)}]"
    return _ModelError("bug", reason, f"BUG: {stage} raised {type(e).__name__}", who)


def _stage(name: str) -> None:
    print(STAGE_MARK + name, flush=True)


def _compile(folder: Path, row: dict, batch: int | None):
    from tensorproof import api
    from tensorproof.errors import TensorProofError
    from tensorproof.frontend import load_onnx, normalize
    from tensorproof.frontend.calibdata import sample_feeds

    _stage("compile")
    t0 = time.perf_counter()
    try:
        fg = normalize(load_onnx(folder / "network.onnx"))
        data, source = samples(folder, fg)
        feeds = sample_feeds(list(fg.inputs), fg.input_shapes, data)
        model = api.compile(folder / "network.onnx", feeds)
    except TensorProofError as e:
        msg = _one_line(e)
        raise _ModelError("compile", msg, f"compile: {reason_class(msg)}") from None
    except Exception as e:  # a compiler bug: reported as such, never hidden
        raise _ModelError("compile", f"compiler internal error {type(e).__name__}: {_one_line(e)}",
                          f"compile: internal error {type(e).__name__}", "compiler") from None
    if source == "random":  # no sample file: calibrate on several, prove the first
        feeds = {n: v[:1] for n, v in feeds.items()}
    if batch:  # the samples repeated (or cut) to `batch` rows: checks the batch axis
        feeds = {n: np.resize(v, (batch, *v.shape[1:])) for n, v in feeds.items()}
    ops = model.graph.op_counts()
    row.update(samples=source, batch=int(next(iter(feeds.values())).shape[0]),
               compile_s=time.perf_counter() - t0, ops=dict(ops), nodes=len(model.graph.nodes))
    return model, feeds


def _setup(model, row: dict):
    from tensorproof import api
    from tensorproof.errors import ProverError, TensorProofError, UnsupportedOpError
    from tensorproof.verifier.lowering import PROVABLE_OPS

    _stage("setup")
    missing = sorted(set(model.graph.op_counts()) - set(PROVABLE_OPS))
    if missing:
        ops = ", ".join(missing)
        raise _ModelError("not_provable", f"integer op(s) {ops} not provable yet",
                          f"op not provable yet: {ops}")
    t0 = time.perf_counter()
    try:
        pk = api.setup(model)
    except UnsupportedOpError as e:
        raise _ModelError("not_provable", _one_line(e),
                          f"not provable: {reason_class(_one_line(e))}") from None
    except (ProverError, TensorProofError) as e:
        raise _ModelError("refused", f"setup: {_one_line(e)}",
                          f"setup refused: {reason_class(_one_line(e))}") from None
    except Exception as e:
        raise _internal("setup", e, "prover") from None
    row["setup_s"] = time.perf_counter() - t0
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
        raise _ModelError("refused", f"prove: {_one_line(e)}",
                          f"prover refused: {reason_class(_one_line(e))}") from None
    except Exception as e:
        raise _internal("prove", e, "prover") from None
    _stage("verify")
    data = proof.to_bytes()
    row.update(proof_bytes=len(data), stream_bytes=len(proof.stream))
    try:
        vk, parsed = VerifyingKey.from_bytes(pk.vk.to_bytes()), Proof.from_bytes(data)
        out, row["verify_s"], row["verify_cpu_s"] = _timed(api.verify, vk, parsed, repeat=repeat)
    except (VerificationError, ProofFormatError) as e:
        raise _ModelError("bug", f"verify: honest proof rejected: {_one_line(e)} [{_where(e)}]",
                          "BUG: honest proof rejected", "verifier") from None
    except Exception as e:
        raise _internal("verify", e, "verifier") from None
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
            raise _internal("verify of a forged output", e, "verifier") from None
        raise _ModelError("bug", f"a forged value of output {name!r} verified",
                          "BUG: forged output accepted", "verifier")


def _check(model, feeds, out) -> None:
    from tensorproof.quant.executor import execute

    _stage("check")
    try:
        ref = execute(model.graph, model.quantize_inputs(feeds))
    except Exception as e:
        raise _internal("reference executor", e, "compiler") from None
    bad = [n for n in model.graph.outputs if not np.array_equal(out.ints[n], ref[n])]
    if bad:
        raise _ModelError("bug", f"verified outputs {bad} differ from the reference executor",
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
    except _ModelError as f:
        row.update(status=f.status, reason=f.reason, category=f.category, bug=f.bug)
    else:
        row.update(status="proved", reason="", category="", bug=None)
    row["peak_rss_mb"] = _peak_rss_mb()
    return row


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss would count the parent's at fork)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_main(folder: Path, batch: int | None, repeat: int) -> int:
    row = prove_one(folder, batch, repeat)
    print(ROW_MARK + json.dumps(row), flush=True)
    return 0


# --------------------------------------------------------------------------- parent side

def run_isolated(folder: Path, timeout: float, mem_bytes: int, on_stage=lambda s: None,
                 batch: int | None = None, repeat: int = 1) -> dict:
    """prove_one(folder) in a child process under a timeout and a memory cap."""
    stage = ["start"]

    def on_line(line: str) -> None:
        if line.startswith(STAGE_MARK):
            stage[0] = line[len(STAGE_MARK):]
            on_stage(stage[0])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)]
    cmd += ["--batch", str(batch)] if batch else []
    cmd += ["--repeat", str(repeat)]
    res = run_capped(cmd, timeout, mem_bytes, on_line)
    rows = [json.loads(ln[len(ROW_MARK):]) for ln in res.lines if ln.startswith(ROW_MARK)]
    if rows:
        return rows[-1]
    return _dead_row(folder.name, res.killed, stage[0], res.returncode, res.stderr_tail,
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


def _fmt_size(n) -> str:
    if n is None:
        return ""
    return f"{n} B" if n < 1e4 else f"{n / 1e3:.0f} kB" if n < 1e6 else f"{n / 1e6:.2f} MB"


def _fmt_row(r: dict) -> str:
    if r["status"] != "proved":
        return (f"| {r['model']} | {STATUS_TEXT[r['status']]} | | | | | | "
                f"{r['reason'].replace('|', '/')[:200]} |")
    return (f"| {r['model']} | yes | {r['batch']} | {_fmt_s(r['prove_s'])} | "
            f"{_fmt_s(r['verify_s'])} | {_fmt_size(r['proof_bytes'])} | "
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

def _select(folders: list[Path], patterns: str | None) -> list[Path]:
    if not patterns:
        return folders
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    return [f for f in folders if any(fnmatch.fnmatchcase(f.name, p) for p in pats)]


def _run_all(folders: list[Path], args) -> list[dict]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    rows = []
    mem = int(args.mem_gb * 2**30)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("corpus", total=len(folders))
        for folder in folders:
            def on_stage(s, name=folder.name):
                bar.update(task, description=f"{name:26s} {s}")
            row = run_isolated(folder, args.timeout, mem, on_stage, args.batch, args.repeat)
            if row["status"] == "error":  # e.g. a module caught mid-edit: retry once
                time.sleep(5)
                row = run_isolated(folder, args.timeout, mem, on_stage, args.batch, args.repeat)
            rows.append(row)
            bar.console.print(_summary_line(row), highlight=False, no_wrap=True,
                              overflow="ellipsis")
            bar.advance(task)
    return rows


def _summary_line(r: dict) -> str:
    if r["status"] == "proved":
        return (f"[green]ok[/]  {r['model']:26s} prove {_fmt_s(r['prove_s']):>8s}  verify "
                f"{_fmt_s(r['verify_s']):>8s}  {_fmt_size(r['proof_bytes'])}")
    color = "red" if r["status"] == "bug" else "yellow"
    return f"[{color}]{r['status']:4s}[/] {r['model']:26s} {r['reason'][:110]}"


def _merge(rows: list[dict], path: Path) -> list[dict]:
    if not path.exists():
        return rows
    old = {r["model"]: r for r in json.loads(path.read_text())["rows"]}
    old.update({r["model"]: r for r in rows})
    return [old[k] for k in sorted(old)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--models", help="comma-separated names or glob patterns (default: all)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per model")
    ap.add_argument("--batch", type=int, default=None,
                    help="prove this many rows (the folder's samples repeated), not its batch")
    ap.add_argument("--repeat", type=int, default=2,
                    help="prove and verify this many times, report the fastest (default 2)")
    ap.add_argument("--mem-gb", type=float, default=6.0, help="resident-set cap per model")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--json", type=Path, default=None, help="default: --out with .json")
    ap.add_argument("--merge", action="store_true",
                    help="update these models' rows in the existing JSON and rewrite the report")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child_main(args.child, args.batch, args.repeat)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    folders = _select(model_folders(args.corpus), args.models)
    if not folders:
        print(f"no model matches {args.models!r}", file=sys.stderr)
        return 2
    json_path = args.json or args.out.with_suffix(".json")
    t0 = time.perf_counter()
    rows = _run_all(folders, args)
    if args.merge:
        rows = _merge(rows, json_path)
    settings = {"date": time.strftime("%Y-%m-%d"), "seconds": time.perf_counter() - t0,
                "corpus": args.corpus.resolve().name, "timeout": args.timeout,
                "mem_gb": args.mem_gb, "batch": args.batch, "repeat": args.repeat}
    write_report(rows, args.out, settings)
    json_path.write_text(json.dumps({"settings": settings, "rows": rows}, indent=1) + "\n")
    n_ok = sum(r["status"] == "proved" for r in rows)
    print(f"{n_ok} of {len(rows)} prove and verify; report: {args.out}")
    return 1 if any(r["status"] == "bug" for r in rows) else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
