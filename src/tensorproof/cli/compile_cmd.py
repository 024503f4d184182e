"""`tensorproof compile`: ONNX model + sample inputs → compiled integer model (.tpm), its
proving key (.tpk: the model with its weight commitment's prover data), verifying key (.vk) and an
accuracy report (float vs quantized top-1 agreement, output errors, per-layer proven ranges)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..verifier.pcs_config import DEFAULT_PROOF_BUDGET, MAX_PROOF_BUDGET
from . import app
from .firstrun import compile_progress
from .outputs import visibility_json, visibility_lines

MAX_LAYER_ROWS = 80


def _summary_table(cm, out: Path) -> Table:
    g = cm.graph
    t = Table(title=f"compiled {cm.info.get('source', '')} → {out}", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    ops = ", ".join(f"{k}×{v}" for k, v in sorted(g.op_counts().items()))
    t.add_row("integer ops", ops or "(none)")
    t.add_row("constants", f"{g.n_weights():,} integers")
    t.add_row("activations", f"int{cm.info['bits']} (weights int{cm.info['weight_bits']})")
    cal = cm.info["calibration"]
    if cm.info.get("percentile"):
        cal += f" ({cm.info['percentile']}th percentile)"
    t.add_row("calibration", f"{cal} on {cm.info['n_calibration']} samples")
    for q in cm.inputs:
        t.add_row(f"input {q.name}", f"shape {q.shape}, scale {q.scale:.4g}, [{q.lo}, {q.hi}]")
    return t


def _accuracy_table(rep) -> Table:
    which = "calibration" if rep.data == "calibration" else "held-out (--eval)"
    t = Table(title=f"accuracy on {rep.n_samples} {which} samples (float reference: "
                    f"{rep.reference})")
    for col in ("output", "top-1 agreement", "max |error|", "mean |error|", "max |float|"):
        t.add_column(col, justify="right" if col != "output" else "left")
    for o in rep.outputs:
        top1 = "n/a (one value)" if o.top1 is None else f"{100 * o.top1:.2f} %"
        t.add_row(o.name, top1, f"{o.max_abs_err:.4g}", f"{o.mean_abs_err:.4g}",
                  f"{o.float_absmax:.4g}")
    return t


def _layers_table(cm) -> Table:
    g = cm.graph
    t = Table(title="per-layer proven ranges (integers)")
    for col in ("#", "op", "ONNX node", "output", "shape", "lo", "hi", "scale"):
        t.add_column(col, justify="right" if col in ("#", "lo", "hi", "scale") else "left")
    for i, n in enumerate(g.nodes[:MAX_LAYER_ROWS]):
        s = g.tensors[n.output]
        t.add_row(str(i), n.op, n.name, n.output, str(s.shape), str(s.lo), str(s.hi),
                  f"{s.scale:.3g}")
    if len(g.nodes) > MAX_LAYER_ROWS:
        t.add_row("…", f"{len(g.nodes) - MAX_LAYER_ROWS} more", "", "", "", "", "", "")
    return t


@app.command("compile")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--calibrate", "-c", "samples", required=True, type=click.Path(dir_okay=False),
              help="Sample inputs: .npy, .npz (by input name) or .json (EZKL's input.json).")
@click.option("--output", "-o", type=click.Path(), default=None,
              help="Compiled model file [default: MODEL with suffix .tpm]; the keys go next to "
                   "it (suffixes .tpk and .vk).")
@click.option("--bits", default=8, show_default=True, type=click.IntRange(2, 16),
              help="Activation bit width.")
@click.option("--weight-bits", default=8, show_default=True, type=click.IntRange(2, 16),
              help="Weight bit width.")
@click.option("--calibration", "method", default="minmax", show_default=True,
              type=click.Choice(["minmax", "percentile"]), help="How scales are calibrated.")
@click.option("--percentile", default=99.99, show_default=True, type=click.FloatRange(50, 100),
              help="Percentile of |x| for --calibration percentile.")
@click.option("--eval", "eval_samples", default=None, type=click.Path(dir_okay=False),
              help="Held-out samples for the accuracy report [default: the calibration "
                   "samples, an optimistic figure].")
@click.option("--layers/--no-layers", default=True, show_default=True,
              help="Print the per-layer ranges.")
@click.option("--profile", default="fast", show_default=True,
              type=click.Choice(["fast", "compact"]),
              help="fast: Ligero commitments (fastest prover, proofs of a few hundred KB); "
                   "compact: WHIR commitments over F_p^3 (proofs of tens of KB, for the chain). "
                   "Part of the model id.")
@click.option("--input-visibility", "input_visibility", default="public", show_default=True,
              metavar="VIS|NAME=VIS,...",
              help="Who sees the inputs: public (in the proof's statement), private (kept out "
                   "of it: committed in the proof and proven in range; hidden with "
                   "--zero-knowledge) or hashed (private, and the statement carries each "
                   "sample's Keccak-256), for all inputs or by name. Part of the model id.")
@click.option("--output-visibility", "output_visibility", default="public", show_default=True,
              metavar="VIS|NAME=VIS,...",
              help="Who sees the outputs, the same way.")
@click.option("--zero-knowledge", "zero_knowledge", is_flag=True,
              help="Make every proof zero-knowledge: it reveals nothing about the private "
                   "or hashed inputs and outputs (nor the activations) beyond the statement. "
                   "Needs a private or hashed input (or --weights private); in both "
                   "profiles. The weights stay behind the model id. Part of the model id.")
@click.option("--weights", "weights", default="public", show_default=True,
              type=click.Choice(["public", "private"]),
              help="private: a hiding model id, and zero-knowledge proofs (implied) that reveal "
                   "nothing about the weights; each proof spends one of the key's "
                   "--proof-budget openings. Needs the fast profile. Part of the model id.")
@click.option("--proof-budget", "proof_budget", default=DEFAULT_PROOF_BUDGET, show_default=True,
              type=click.IntRange(1, MAX_PROOF_BUDGET),
              help="With --weights private: how many proofs the key serves (proofs past it "
                   "are refused: compile again for a new key). Larger budgets make the key "
                   "and each proof larger.")
@click.option("--force", is_flag=True,
              help="Overwrite output files of a different model (another model id in the "
                   "existing .vk: its proofs stop verifying) or files that are not tensorproof's.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (model id, files and sizes, accuracy, timings).")
def compile_cmd(model: str, samples: str, output: str | None, bits: int, weight_bits: int,
                method: str, percentile: float, eval_samples: str | None, layers: bool,
                profile: str, input_visibility: str, output_visibility: str,
                zero_knowledge: bool, weights: str, proof_budget: int, force: bool,
                as_json: bool) -> None:
    """Quantize MODEL (ONNX) to the exact integer graph that tensorproof proves.

    Writes MODEL.tpm, MODEL.tpk and MODEL.vk (see -o) all or none; the output paths are checked
    before any work."""
    from .. import api
    from ..frontend import compile_with_report
    from ..frontend.inputs import load_samples
    from ..ir.modelfile import MAGIC as MODEL_MAGIC
    from ..ir.modelfile import model_bytes
    from ..ir.visibility import check_words, stated_words, with_visibility
    from ..prover.keyfile import MAGIC as PK_MAGIC
    from ..prover.keyfile import pk_bytes
    from ..verifier.keys import VK_MAGIC
    from ..verifier.pcs_config import profile_config
    from ..verifier.zk_capacity import zero_knowledge_config
    from .files import (
        check_kinds,
        check_outputs,
        check_same_bytes,
        check_same_model,
        existing_model_id,
        write_all,
    )

    check_words(input_visibility, "input")
    check_words(output_visibility, "output")
    private = weights == "private"
    if zero_knowledge or private:  # before any work; api.setup checks the compiled model again
        ins = stated_words(input_visibility, "input")
        zero_knowledge_config(profile_config(profile),
                              {**ins, **stated_words(output_visibility, "output")}, ins,
                              "--weights private" if private else "--zero-knowledge",
                              proof_budget if private else None)
    out = Path(output) if output else Path(model).with_suffix(".tpm")
    vk_out, pk_out = out.with_suffix(".vk"), out.with_suffix(".tpk")
    inputs = {"ONNX model": Path(model), "calibration samples": Path(samples)}
    if eval_samples:
        inputs["evaluation samples"] = Path(eval_samples)
    check_outputs({"compiled model (.tpm)": out, "proving key (.tpk)": pk_out,
                   "verifying key (.vk)": vk_out}, inputs)
    check_kinds({out: ("compiled model", MODEL_MAGIC), pk_out: ("proving key", PK_MAGIC),
                 vk_out: ("verifying key", VK_MAGIC)}, force)
    old = existing_model_id(vk_out, force, pk_out)
    console = Console(stderr=as_json)  # with --json, stdout holds the JSON only
    times = {}
    with console.status("[bold]compiling...") as status, compile_progress(console, status):
        t0 = time.perf_counter()
        calibration = load_samples(samples)
        evaluation = load_samples(eval_samples) if eval_samples else None
        cm, rep = compile_with_report(model, calibration, evaluation, bits=bits,
                                      weight_bits=weight_bits, method=method,
                                      percentile=percentile)
        cm = with_visibility(cm, input_visibility, output_visibility)
        times["compile"] = time.perf_counter() - t0
        status.update("[bold]committing to the quantized weights and certifying their ranges...")
        t0 = time.perf_counter()
        pk = api.setup(cm, profile, zero_knowledge=zero_knowledge, weights=weights,
                       proof_budget=proof_budget)
        times["setup"] = time.perf_counter() - t0
        vk = pk.vk
        check_same_model(old, vk.model_id)
        files = {out: model_bytes(cm), pk_out: pk_bytes(pk), vk_out: vk.to_bytes()}
        if old is None:  # no key of the old model: a lone .tpm is compared by its bytes
            check_same_bytes(out, files[out], force)
        write_all(files)
    if as_json:
        click.echo(json.dumps({
            "command": "compile", "model_id": vk.model_id.hex(), "profile": profile,
            "files": {str(p): len(b) for p, b in files.items()},
            "inputs": [{"name": q.name, "shape": list(q.shape), "scale": q.scale, "lo": q.lo,
                        "hi": q.hi} for q in cm.inputs],
            **visibility_json(vk), "accuracy": rep.as_dict(), "timings_s": times},
            indent=1))
        return
    console.print(_summary_table(cm, out))
    console.print(f"proving key:   {pk_out}  (prove from it: no re-commitment)")
    console.print(f"verifying key: {vk_out}  (model id {vk.model_id.hex()}, profile "
                  f"{profile})", soft_wrap=True)
    for line in visibility_lines(vk):
        console.print(line)
    console.print(_accuracy_table(rep))
    for name, (n, total) in rep.clamped.items():
        if n and rep.data != "calibration":
            console.print(f"warning: held-out input {name!r}: {n} of {total} values "
                          f"({100 * n / total:.2g} %) lie outside the calibrated range and are "
                          "clamped; calibrate on more representative samples")
    if rep.data == "calibration":
        console.print("note: measured on the calibration samples themselves; pass --eval with "
                      "held-out samples for a figure you can trust")
    if layers:
        console.print(_layers_table(cm))
