"""`tensorproof compile`: ONNX model + sample inputs → compiled integer model (.tpm), its
proving key (.tpk: the model with its weight commitment's prover data), verifying key (.vk) and an
accuracy report (float vs quantized top-1 agreement, output errors, per-layer proven ranges)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from . import app

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
    t = Table(title=f"accuracy on {rep.n_samples} samples (float reference: {rep.reference})")
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
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Compiled model file [default: MODEL with suffix .tpm].")
@click.option("--bits", default=8, show_default=True, type=click.IntRange(2, 16),
              help="Activation bit width.")
@click.option("--weight-bits", default=8, show_default=True, type=click.IntRange(2, 16),
              help="Weight bit width.")
@click.option("--calibration", "method", default="minmax", show_default=True,
              type=click.Choice(["minmax", "percentile"]), help="How scales are calibrated.")
@click.option("--percentile", default=99.99, show_default=True, type=click.FloatRange(50, 100),
              help="Percentile of |x| for --calibration percentile.")
@click.option("--eval", "eval_samples", default=None, type=click.Path(dir_okay=False),
              help="Samples for the accuracy report [default: the calibration samples].")
@click.option("--layers/--no-layers", default=True, show_default=True,
              help="Print the per-layer ranges.")
def compile_cmd(model: str, samples: str, output: str | None, bits: int, weight_bits: int,
                method: str, percentile: float, eval_samples: str | None, layers: bool) -> None:
    """Quantize MODEL (ONNX) to the exact integer graph that tensorproof proves."""
    from .. import api
    from ..frontend import compile_with_report
    from ..frontend.inputs import load_samples
    from ..ir import save_model

    out = Path(output) if output else Path(model).with_suffix(".tpm")
    vk_out, pk_out = out.with_suffix(".vk"), out.with_suffix(".tpk")
    console = Console()
    with console.status("[bold]compiling...") as status:
        calibration = load_samples(samples)
        evaluation = load_samples(eval_samples) if eval_samples else None
        cm, rep = compile_with_report(model, calibration, evaluation, bits=bits,
                                      weight_bits=weight_bits, method=method,
                                      percentile=percentile)
        status.update("[bold]committing to the quantized weights and certifying their ranges...")
        pk = api.setup(cm)
        vk = pk.vk
        save_model(cm, out)
        api.save_pk(pk, pk_out)
        api.save_vk(vk, vk_out)
    console.print(_summary_table(cm, out))
    console.print(f"proving key:   {pk_out}  (prove from it: no re-commitment)")
    console.print(f"verifying key: {vk_out}  (model id {vk.model_id.hex()})")
    console.print(_accuracy_table(rep))
    if layers:
        console.print(_layers_table(cm))
