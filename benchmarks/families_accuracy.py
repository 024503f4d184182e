"""Accuracy of the model families added for issue 14 (recurrent nets, tree ensembles, boolean
and comparison graphs, transformers) against onnxruntime, on held-out samples.

For each EZKL example model of a family (../shared/peer-corpus/ezkl-examples): the folder's
input.json sample is jittered into 64 calibration samples and 32 other held-out samples (float
inputs: + N(0, (0.05 max|x|)^2) per value; integer and boolean inputs: uniform over the
sample's own value range), the model is compiled (int8, min/max) on the calibration samples,
and the compiled integer graph (what a proof proves: the verified outputs equal the reference
executor's, tested by the corpus tests) is compared with onnxruntime on the held-out ones. Per
output: max and mean absolute error, the largest |y|, the error relative to it, and for a vector
output the top-1 (argmax) agreement, for an integer or boolean output the exact agreement.

    python benchmarks/families_accuracy.py [--families recurrent,trees] [--held-out 32]
        [--bits 8,16]

Writes (atomically) benchmarks/results/families_accuracy.json and prints a table (also written
as families_accuracy.md). A model that does not compile gets its one-line reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "../shared/peer-corpus/ezkl-examples"
RESULTS = HERE / "results" / "families_accuracy.json"

FAMILIES = {
    "recurrent": ["lstm", "lstm_medium", "lstm_large", "gru", "rnn"],
    "trees": ["decision_tree", "random_forest", "gradient_boosted_trees", "xgboost",
              "xgboost_reg", "lightgbm", "hummingbird_decision_tree", "oh_decision_tree",
              "linear_svc"],
    "logic": ["less", "1l_where", "hard_max", "boolean", "bitwise_ops", "boolean_identity",
              "gather_elements"],
    "integer and indexing": ["1l_topk", "integer_div", "bitshift", "gather_nd", "scatter_nd",
                             "scatter_elements", "hierarchical_risk"],
    "transformer": ["nanoGPT"],
}
N_CALIBRATION = 64


def _jitter(x: np.ndarray, kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples around the sample(s) x (axis 0: samples); kind: the graph input's numpy
    dtype kind (b, i, u: resampled over the sample's own value range)."""
    base = x[rng.integers(0, len(x), n)]
    if kind in "biu":
        lo, hi = int(np.min(x)), int(np.max(x))
        return rng.integers(lo, hi + 1, size=base.shape).astype(x.dtype)
    scale = 0.05 * float(np.abs(x).max() or 1.0)
    return base + rng.normal(0.0, scale, size=base.shape).astype(base.dtype)


def _splits(feeds: dict[str, np.ndarray], kinds: dict[str, str], held_out: int, seed: int):
    rng = np.random.default_rng(seed)
    calib = {k: np.concatenate([v, _jitter(v, kinds[k], N_CALIBRATION - len(v), rng)])
             if len(v) < N_CALIBRATION else v for k, v in feeds.items()}
    test = {k: _jitter(v, kinds[k], held_out, rng) for k, v in feeds.items()}
    return calib, test


def measure(name: str, held_out: int, bits: int) -> dict:
    from corpus_common import samples

    from tensorproof.frontend import load_onnx, normalize, sample_feeds
    from tensorproof.frontend.compiler import compile_float_graph
    from tensorproof.frontend.report import clamped_counts, float_outputs, quantized_outputs
    from tensorproof.quant.qvalue import QuantConfig

    folder = CORPUS / name
    t0 = time.perf_counter()
    try:
        model = load_onnx(folder / "network.onnx")
        fg = normalize(model)
        data, _ = samples(folder, fg)
        feeds = sample_feeds(fg.inputs, fg.input_shapes, data)
        kinds = {k: np.dtype(fg.dtypes.get(k, np.float64)).kind for k in feeds}
        calib, test = _splits(feeds, kinds, held_out, seed=len(name))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cm = compile_float_graph(fg, calib, QuantConfig(bits=bits), {"source": name})
        ref, which = float_outputs(model, fg, test)
        got = quantized_outputs(cm, test)
        clamped = clamped_counts(cm, test)
    except Exception as e:  # noqa: BLE001 - a benchmark row: the reason, not a traceback
        return {"model": name, "bits": bits, "ok": False,
                "reason": f"{type(e).__name__}: {e}"[:160]}
    outs = []
    for o in cm.outputs:
        f = np.asarray(ref[o.onnx_name], np.float64).reshape(held_out, -1)
        g = np.asarray(got[o.onnx_name], np.float64).reshape(held_out, -1)
        err = np.abs(f - g)[np.isfinite(f)]
        top = float(np.abs(f[np.isfinite(f)]).max(initial=0.0))
        exact = bool(np.all(np.isfinite(f)) and np.array_equal(f, np.round(f)))
        outs.append({"output": o.onnx_name, "width": int(f.shape[1]),
                     "max_abs_err": float(err.max(initial=0.0)),
                     "mean_abs_err": float(err.mean()) if err.size else 0.0,
                     "max_abs_y": top, "rel_err": float(err.max(initial=0.0)) / (top or 1.0),
                     "top1": float(np.mean(f.argmax(1) == g.argmax(1))) if f.shape[1] > 1
                     else None,
                     "exact_agreement": float(np.mean(np.all(f == g, axis=1))) if exact
                     else None})
    return {"model": name, "bits": bits, "ok": True, "reference": which, "held_out": held_out,
            "calibration": N_CALIBRATION, "int_ops": len(cm.graph.nodes), "outputs": outs,
            "clamped_values": sum(c for c, _ in clamped.values()),
            "seconds": time.perf_counter() - t0}


def _fmt(x, pct=False) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.1f} %" if pct else f"{x:.3g}"


def render(doc: dict) -> str:
    lines = ["# Accuracy of the new model families against onnxruntime (held-out samples)", "",
             f"Generated by `benchmarks/families_accuracy.py` on {doc['date']}: each EZKL "
             f"example's input jittered into {N_CALIBRATION} calibration and "
             f"{doc['held_out']} held-out samples (min/max calibration, activations of the "
             "given bits); the compiled integer graph (what the proof proves) against "
             "onnxruntime on the held-out ones. top-1: argmax agreement of a vector output; "
             "exact: samples whose integer or boolean output is equal. A tree or comparison "
             "can take the other branch when quantizing the input moves a value across a "
             "threshold: more activation bits make that rarer. clamped: held-out input values "
             "outside the calibrated range (quantized to its edge, as `prove` warns), a cause "
             "of branch changes too.", "",
             "| family | model | bits | output | max abs err | largest abs y | relative | top-1 "
             "| exact | clamped |", "|---|---|---|---|---|---|---|---|---|---|"]
    for fam, rows in doc["families"].items():
        for r in rows:
            if not r["ok"]:
                lines.append(f"| {fam} | {r['model']} | {r['bits']} | — | not compiled: "
                             f"{r['reason']} | | | | | |")
                continue
            for o in r["outputs"]:
                lines.append(f"| {fam} | {r['model']} | {r['bits']} | {o['output']} | "
                             f"{_fmt(o['max_abs_err'])} "
                             f"| {_fmt(o['max_abs_y'])} | {_fmt(o['rel_err'], True)} | "
                             f"{_fmt(o['top1'], True)} | {_fmt(o['exact_agreement'], True)} | "
                             f"{r['clamped_values']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--held-out", type=int, default=32)
    ap.add_argument("--bits", default="8,16", help="activation widths, each a run")
    a = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"the corpus is not at {CORPUS}: nothing to measure", file=sys.stderr)
        return 2
    sys.path[:0] = [str(ROOT / "scripts"), str(HERE)]
    from report import write_atomic

    doc = {"date": time.strftime("%Y-%m-%d"), "held_out": a.held_out, "families": {}}
    for fam in a.families.split(","):
        doc["families"][fam] = []
        for name in FAMILIES[fam]:
            for bits in map(int, a.bits.split(",")):
                r = measure(name, a.held_out, bits)
                doc["families"][fam].append(r)
                print(f"{fam:12s} {name:26s} {bits:2d} " + ("ok" if r["ok"] else r["reason"]),
                      flush=True)
    write_atomic(RESULTS, json.dumps(doc, indent=1) + "\n")
    md = render(doc)
    write_atomic(RESULTS.with_suffix(".md"), md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
