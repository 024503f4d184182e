"""The zero-knowledge lookups' two shapes against each other: two fraction-sum trees or one
combined tree (verifier/zk_lookups.py, ``SPLIT_GAP`` and ``SPLIT_EXTRA_LEAVES``), on the
vs_ezkl models with a private input, fast profile (ligero-zk: the only one that may split).

For each model both shapes are compiled (the module's constants forced each way on both
sides, as tests/soundness/test_zk_lookups.py does), then every repeat proves with each in
turn and verifies with each in turn (interleaved, so that a burst of load on a shared machine
does not land on one shape); the table gives the least time of the warm, in-process runs,
the proof sizes, the sides' variables m and n, the extra leaves of one tree
(2^(max(m, n) + 1) - 2^m - 2^n) and the shape the default rule picks, with the private,
non-zero-knowledge proof as the baseline.
    python benchmarks/lookup_shape.py [--models cnn_mnist lenet_5] [--repeats 5]
Writes benchmarks/results/lookup_shape.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import models
import vs_ezkl
from tensorproof import api as tp
from tensorproof.verifier import zk_lookups
from tensorproof.verifier.lowering import build_plan
from visibility import _overhead

RESULTS = Path(__file__).resolve().parent / "results"
SHAPES = {"split": (0, -1), "combined": (1 << 30, 1 << 62)}
"""(SPLIT_GAP, SPLIT_EXTRA_LEAVES) forcing each shape."""


@contextmanager
def shape(name: str | None):
    """Both sides build ``name``'s tree(s) inside (None: the default rule)."""
    saved = zk_lookups.SPLIT_GAP, zk_lookups.SPLIT_EXTRA_LEAVES
    if name is not None:
        zk_lookups.SPLIT_GAP, zk_lookups.SPLIT_EXTRA_LEAVES = SHAPES[name]
    try:
        yield
    finally:
        zk_lookups.SPLIT_GAP, zk_lookups.SPLIT_EXTRA_LEAVES = saved


def _sides(vk) -> zk_lookups.Shape:
    """The lookups' Shape of a zero-knowledge key's plan (m, n; ``split`` read outside
    ``shape``: the default rule)."""
    plan = build_plan(vk.graph, 1, vk.zk_config)  # batch 1, as the proofs measured
    return zk_lookups.shape(plan, plan.lookup_uses)


def measure(name: str, repeats: int) -> dict:
    m = models.build(name)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        vs_ezkl.prepare(m, d)
        model = tp.compile(str(d / "network.onnx"), np.load(d / "calibration.npy"), bits=8,
                           weight_bits=8, input_visibility="private")
    x = m.x
    keys = {"private": (None, tp.setup(model, "fast"))}
    for s in SHAPES:
        with shape(s):
            keys[s] = (s, tp.setup(model, "fast", zero_knowledge=True))
    proofs, prove_s, verify_s = {}, {k: [] for k in keys}, {k: [] for k in keys}
    for _ in range(repeats):
        for k, (s, pk) in keys.items():
            with shape(s):
                t0 = time.perf_counter()
                proofs[k] = tp.prove(pk, x)
                prove_s[k].append(time.perf_counter() - t0)
        for k, (s, pk) in keys.items():
            with shape(s):
                t0 = time.perf_counter()
                tp.verify(pk.vk, proofs[k])
                verify_s[k].append(time.perf_counter() - t0)
    sides = _sides(keys["split"][1].vk)
    return {"model": name, "m": sides.m, "n": sides.n, "extra_leaves": sides.extra_leaves,
            "default": "split" if sides.split else "combined",
            "shapes": {k: {"prove_s": min(prove_s[k]), "verify_s": min(verify_s[k]),
                           "prove_median_s": float(np.median(prove_s[k])),
                           "verify_median_s": float(np.median(verify_s[k])),
                           "proof_bytes": len(proofs[k].to_bytes())} for k in keys}}


def render(rows: list[dict], env: dict) -> str:
    out = ["# Zero-knowledge lookups: two trees or one", "",
           "Fast profile (ligero-zk), private input, batch 1; warm in-process runs, the least "
           f"of {env['repeats']} interleaved repeats (the JSON has the medians too); Δ: "
           "against the private proof without zero knowledge. m, n: the witness side's and the "
           "table side's variables; extra: the leaves one tree has beyond two trees' "
           "2^m + 2^n; rule: the shape verifier/zk_lookups.py picks (SPLIT_GAP = "
           f"{zk_lookups.SPLIT_GAP}, SPLIT_EXTRA_LEAVES = 2^"
           f"{zk_lookups.SPLIT_EXTRA_LEAVES.bit_length() - 1}).", "",
           "| model | m | n | extra | rule | shape | prove | verify | proof | prove Δ | "
           "verify Δ | proof Δ |", "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        base = r["shapes"]["private"]
        for k, v in r["shapes"].items():
            head = (f"| {r['model']} | {r['m']} | {r['n']} | {r['extra_leaves']:,} | "
                    f"{r['default']} |" if k == "private" else "| | | | | |")
            mark = " ✓" if k == r["default"] else ""
            out.append(f"{head} {k}{mark} | {vs_ezkl._t(v['prove_s'])} | "
                       f"{vs_ezkl._t(v['verify_s'])} | {vs_ezkl._b(v['proof_bytes'])} | "
                       f"{_overhead(v['prove_s'], base['prove_s'])} | "
                       f"{_overhead(v['verify_s'], base['verify_s'])} | "
                       f"{_overhead(v['proof_bytes'], base['proof_bytes'])} |")
    out += ["", f"Machine: {env['machine']['cpu']}, {env['machine']['cores']} cores; commit "
            f"{env['git_commit']}. ✓: the rule's shape.", ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=list(models.BUILDERS))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=RESULTS)
    a = ap.parse_args()
    rows = []
    for name in a.models:
        vs_ezkl.say(f"{name}: compiling both shapes, then {a.repeats} interleaved repeats")
        rows.append(measure(name, a.repeats))
    env = {**vs_ezkl.environment(), "repeats": a.repeats}
    a.out.mkdir(parents=True, exist_ok=True)
    report = {"environment": env, "models": rows}
    tmp = a.out / "lookup_shape.json.tmp"
    tmp.write_text(json.dumps(report, indent=1))
    tmp.replace(a.out / "lookup_shape.json")
    md = render(rows, env)
    tmp = a.out / "lookup_shape.md.tmp"
    tmp.write_text(md)
    tmp.replace(a.out / "lookup_shape.md")
    print(md)


if __name__ == "__main__":
    main()
