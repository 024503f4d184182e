"""Helpers shared by the corpus scripts (corpus_compile_report.py, corpus_prove_report.py):
where the EZKL example corpus lives, which folders hold a model, how a folder's samples are
read, and the short failure category used in the reasons tables."""

from __future__ import annotations

import re
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
        return load_samples(folder / "input.json"), "input.json"
    rng = np.random.default_rng(0)
    return {n: rng.normal(size=(n_random, *fg.input_shapes[n])) for n in fg.inputs}, "random"


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
