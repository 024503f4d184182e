"""Helpers shared by the corpus scripts (corpus_compile_report.py, corpus_prove_report.py,
corpus_evm_report.py): where the EZKL example corpus lives, which folders hold a model, how a
folder's samples are read and its model compiled, the short failure category used in the
reasons tables, a child process under a timeout and memory cap, and the small pieces of the
reports (one-line exception text, --models selection, --merge, atomic writes); last, the
pieces of a per-model child (its failures, compile and setup) and of the parent's loop over
the models (the child's stages and row, the progress bar, the common options)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import resource
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "../shared/peer-corpus/ezkl-examples"


def model_folders(corpus: Path) -> list[Path]:
    """The corpus folders holding a network.onnx, sorted by name."""
    return sorted(p for p in corpus.iterdir() if (p / "network.onnx").exists())


def samples(folder: Path, fg, n_random: int = 4) -> tuple[object, str]:
    """The folder's input.json samples, or `n_random` normal samples when it has none;
    returns (samples, "input.json" or "random"). `fg` is the normalized ONNX graph."""
    from tensorproof.frontend import load_samples

    if (folder / "input.json").exists():
        return _pruned_inputs(load_samples(folder / "input.json"), list(fg.inputs)), "input.json"
    rng = np.random.default_rng(0)
    return {n: rng.normal(size=(n_random, *fg.input_shapes[n])) for n in fg.inputs}, "random"


def compile_folder(folder: Path):
    """A corpus folder's model compiled as corpus_prove_report.py does (int8, min/max
    calibration on its samples) -> (model, the feeds to prove, "input.json" or "random"); with
    random samples only the first is proved. Raises what the frontend and compiler raise."""
    from tensorproof import api
    from tensorproof.frontend import load_onnx, normalize
    from tensorproof.frontend.calibdata import sample_feeds

    fg = normalize(load_onnx(folder / "network.onnx"))
    data, source = samples(folder, fg)
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, data)
    model = api.compile(folder / "network.onnx", feeds)
    if source == "random":
        feeds = {n: v[:1] for n, v in feeds.items()}
    return model, feeds, source


def _pruned_inputs(data, names: list[str]):
    """EZKL's input.json holds one list per input of the exported module, also for inputs that
    ONNX export pruned (bitwise_ops: four lists, inputs input2 and input3): with more lists than
    inputs, input<i> takes list i (input: list 0) when every name has that form."""
    if not isinstance(data, list) or len(data) <= len(names):
        return data
    idx = [re.fullmatch(r"input(\d*)", n) for n in names]
    if not all(idx):
        return data
    pick = [int(m.group(1) or 0) for m in idx]
    return [data[i] for i in pick] if max(pick) < len(data) else data


def reason_class(msg: str) -> str:
    """A short category of a failure message, for the reasons table."""
    m = re.match(r"unsupported operator (\S+)", msg)
    if m:
        return f"unsupported operator {m.group(1)}"
    m = re.search(r"node '[^']*' \((\w+)\)[^:]*: (.*)", msg)
    text = f"{m.group(1)}: {m.group(2)}" if m else msg
    text = re.sub(r"'[^']*'", "…", text)
    text = re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "N", text)
    text = re.sub(r"\([^)]*\)", "", text)
    return text[:90].strip()


def one_line(e: BaseException) -> str:
    """The first line of an exception's message (without a list of supported operators)."""
    text = str(e).strip().splitlines()
    return text[0].split("; supported operators:")[0] if text else type(e).__name__


def where(e: BaseException) -> str:
    """The innermost tensorproof frame of a traceback, as path:line."""
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if "tensorproof" in f.filename]
    if not frames:
        return "?"
    f = frames[-1]
    path = f.filename.split("src/")[-1] if "src/" in f.filename else f.filename
    return f"{path}:{f.lineno}"


def select_folders(folders: list[Path], patterns: str | None) -> list[Path]:
    """The folders whose name matches one of the comma-separated names or glob patterns."""
    if not patterns:
        return folders
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    return [f for f in folders if any(fnmatch.fnmatchcase(f.name, p) for p in pats)]


def merge_rows(rows: list[dict], path: Path) -> list[dict]:
    """`rows` replacing the rows of the same models in the JSON report at `path`, by name."""
    if not path.exists():
        return rows
    old = {r["model"]: r for r in json.loads(path.read_text())["rows"]}
    old.update({r["model"]: r for r in rows})
    return [old[k] for k in sorted(old)]


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is for everyone
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss would count the parent's at fork)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt_size(n) -> str:
    """A byte count as B, kB or MB ("" for None)."""
    if n is None:
        return ""
    return f"{n} B" if n < 1e4 else f"{n / 1e3:.0f} kB" if n < 1e6 else f"{n / 1e6:.2f} MB"


@dataclass(frozen=True)
class CappedRun:
    """What a capped child left: killed ("timeout", "memory" or None), its exit code, its
    stdout lines and the last lines of its stderr."""

    killed: str | None
    returncode: int | None
    lines: list[str]
    stderr_tail: list[str]


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_address_space(nbytes: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
    return apply


def _read_lines(stream, lines: list[str], on_line) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))
        on_line(lines[-1])


def run_capped(cmd: list[str], timeout: float, mem_bytes: int, on_line=lambda s: None,
               poll_s: float = 0.05) -> CappedRun:
    """Run `cmd`, killing it past `timeout` seconds or when its resident set exceeds
    `mem_bytes` (polled; the address space is also limited to mem_bytes + 2 GiB so that one
    huge allocation fails at once). `on_line` sees each stdout line as it arrives."""
    lines: list[str] = []
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                                preexec_fn=_limit_address_space(mem_bytes + (2 << 30)))
        reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines, on_line),
                                  daemon=True)
        reader.start()
        killed, t0 = None, time.perf_counter()
        while proc.poll() is None:
            if time.perf_counter() - t0 > timeout:
                killed = "timeout"
            elif _rss_bytes(proc.pid) > mem_bytes:
                killed = "memory"
            if killed:
                proc.kill()
                proc.wait()
                break
            time.sleep(poll_s)
        reader.join(5)
        err.seek(0)
        tail = [ln for ln in err.read().strip().splitlines() if ln.strip()][-5:]
    return CappedRun(killed, proc.returncode, lines, tail)


# --------------------------------------------------- a model's child process and the parent loop

STAGE_MARK, ROW_MARK = "@@stage ", "@@row "


class ModelError(Exception):
    """Why a model stops in the child: its status, one-line reason, reasons-table category
    and, for a BUG, whose ("compiler", "prover", "verifier", ...)."""

    def __init__(self, status: str, reason: str, category: str, bug: str | None = None):
        super().__init__(reason)
        self.status, self.reason, self.category, self.bug = status, reason, category, bug


def internal_error(stage: str, e: BaseException, who: str) -> ModelError:
    """An unexpected exception in `stage` as a BUG of `who` (a MemoryError: the memory cap)."""
    if isinstance(e, MemoryError):
        return ModelError("memory", f"{stage}: MemoryError (address-space cap)",
                          "memory cap exceeded")
    reason = f"{stage}: internal error {type(e).__name__}: {one_line(e)} [{where(e)}]"
    return ModelError("bug", reason, f"BUG: {stage} raised {type(e).__name__}", who)


def compile_or_fail(folder: Path):
    """compile_folder(folder), a failure raised as ModelError("compile", ...): the compiler's
    refusal (a TensorProofError), or any other exception as a compiler bug, never hidden."""
    from tensorproof.errors import TensorProofError

    try:
        return compile_folder(folder)
    except TensorProofError as e:
        msg = one_line(e)
        raise ModelError("compile", msg, f"compile: {reason_class(msg)}") from None
    except Exception as e:
        raise ModelError("compile", f"compiler internal error {type(e).__name__}: {one_line(e)}",
                         f"compile: internal error {type(e).__name__}", "compiler") from None


def setup_or_fail(model, setup) -> tuple[object, float]:
    """`setup(model)` and its wall seconds, once every integer op of the model is provable;
    raises ModelError: not_provable (an op the prover does not cover yet), refused (a clean
    TensorProofError), or a BUG of the prover (any other exception)."""
    from tensorproof.errors import TensorProofError, UnsupportedOpError
    from tensorproof.verifier.lowering import PROVABLE_OPS

    missing = sorted(set(model.graph.op_counts()) - set(PROVABLE_OPS))
    if missing:
        ops = ", ".join(missing)
        raise ModelError("not_provable", f"integer op(s) {ops} not provable yet",
                         f"op not provable yet: {ops}")
    t0 = time.perf_counter()
    try:
        pk = setup(model)
    except UnsupportedOpError as e:
        raise ModelError("not_provable", one_line(e),
                         f"not provable: {reason_class(one_line(e))}") from None
    except TensorProofError as e:
        raise ModelError("refused", f"setup: {one_line(e)}",
                         f"setup refused: {reason_class(one_line(e))}") from None
    except Exception as e:
        raise internal_error("setup", e, "prover") from None
    return pk, time.perf_counter() - t0


def run_child(cmd: list[str], timeout: float, mem_bytes: int, on_stage=lambda s: None):
    """run_capped(cmd) for a child that prints STAGE_MARK + a stage name as it goes and
    ROW_MARK + its row as JSON at the end -> (its last row or None, the CappedRun, the last
    stage it reached: "start" before any). `on_stage` sees each stage name."""
    stage = ["start"]

    def on_line(line: str) -> None:
        if line.startswith(STAGE_MARK):
            stage[0] = line[len(STAGE_MARK):]
            on_stage(stage[0])
    res = run_capped(cmd, timeout, mem_bytes, on_line)
    rows = [json.loads(ln[len(ROW_MARK):]) for ln in res.lines if ln.startswith(ROW_MARK)]
    return (rows[-1] if rows else None), res, stage[0]


def run_all(folders: list[Path], run_one, summary_line) -> list[dict]:
    """run_one(folder, on_stage) -> row for each folder under a progress bar, printing
    summary_line(row) after each; a row of status "error" (the child did not start, e.g. a
    module caught mid-edit) is retried once after 5 s."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    rows = []
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("corpus", total=len(folders))
        for folder in folders:
            def on_stage(s, name=folder.name):
                bar.update(task, description=f"{name:26s} {s}")
            row = run_one(folder, on_stage)
            if row["status"] == "error":
                time.sleep(5)
                row = run_one(folder, on_stage)
            rows.append(row)
            bar.console.print(summary_line(row), highlight=False, no_wrap=True,
                              overflow="ellipsis")
            bar.advance(task)
    return rows


def chosen_folders(corpus: Path, patterns: str | None) -> tuple[list[Path], str | None]:
    """The model folders of `corpus` that match `patterns` (select_folders) and None, or []
    and why there are none ("corpus not found: ...", "no model matches ...")."""
    if not corpus.is_dir():
        return [], f"corpus not found: {corpus}"
    folders = select_folders(model_folders(corpus), patterns)
    return folders, (None if folders else f"no model matches {patterns!r}")


def add_cap_and_output_args(ap, default_out: Path) -> None:
    """The options after the run's own: --mem-gb, --out, --json, --merge, and the hidden
    --child FOLDER that makes the script the child for one model."""
    import argparse

    ap.add_argument("--mem-gb", type=float, default=6.0, help="resident-set cap per model")
    ap.add_argument("--out", type=Path, default=default_out)
    ap.add_argument("--json", type=Path, default=None, help="default: --out with .json")
    ap.add_argument("--merge", action="store_true",
                    help="update these models' rows in the existing JSON and rewrite the report")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
