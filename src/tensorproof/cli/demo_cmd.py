"""`tensorproof demo`: the README's main job."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from . import app
from .firstrun import compile_progress


@app.command("demo")
@click.option("--batch", default=16, show_default=True, type=click.IntRange(1, 360),
              help="How many test digits to prove in one proof.")
@click.option("--profile", default="fast", show_default=True,
              type=click.Choice(["fast", "compact"]),
              help="fast: Ligero commitments (fastest prover, larger proofs); compact: WHIR "
                   "commitments over F_p^3 (proofs of tens of KB, for the chain).")
@click.option("--ext", "k", default=None, type=click.Choice(["2", "3"]),
              help="Override the profile's challenge field degree.")
@click.option("--zero-knowledge", "zero_knowledge", is_flag=True,
              help="Keep the digits private and the proof zero-knowledge: it shows the "
                   "predictions without revealing the images.")
def demo(batch: int, profile: str, k: str | None, zero_knowledge: bool) -> None:
    """Compile the bundled digits CNN, prove a batch of test digits, verify, report."""
    from ..api.demo import run_demo

    console = Console()
    with console.status("starting...") as status, compile_progress(console, status):
        r = run_demo(batch, None if k is None else int(k), say=lambda s: status.update(s + "..."),
                     profile=profile, zero_knowledge=zero_knowledge)
    preds = Table(title=f"verified predictions ({batch} test digits, one proof)")
    preds.add_column("digit")
    preds.add_column("label", justify="right")
    preds.add_column("proven prediction", justify="right")
    for i, (y, p) in enumerate(zip(r.labels, r.predictions)):
        mark = "" if y == p else " ✗"
        preds.add_row(str(i), str(int(y)), f"{int(p)}{mark}")
    console.print(preds)
    correct = int((r.labels == r.predictions).sum())
    console.print(f"batch accuracy: {correct}/{len(r.labels)}; quantized model on all "
                  f"{r.n_test} held-out digits: {r.quantized_accuracy:.1%}")
    for step, secs in r.times.items():
        console.print(f"{step:36s} {secs:8.2f} s")
    console.print(f"proof size: {r.proof_bytes:,} bytes; model id {r.model_id[:16]}…")
    if zero_knowledge:
        console.print("zero-knowledge: the proof reveals the predictions, not the digits")
    console.print("[bold green]proof verified[/]")
