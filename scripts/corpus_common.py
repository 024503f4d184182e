"""Helpers shared by the corpus scripts (corpus_compile_report.py, corpus_prove_report.py):
where the EZKL example corpus lives, which folders hold a model, how a folder's samples are
read, and the short failure category used in the reasons tables."""

from __future__ import annotations

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
