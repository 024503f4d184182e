"""`tensorproof selftest`: exercise the proof-system core end to end on random data.

Commits to a random 2^n table f with the Ligero PCS, proves Σ_x f(x)·g(x) by sumcheck (g public,
random), opens f at the sumcheck's final point, then verifies everything from the proof bytes
alone and prints the timings and the proof size.
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from . import app
from .firstrun import compile_progress


@app.command("selftest")
@click.option("--log-size", default=20, show_default=True, type=click.IntRange(1, 24),
              help="log2 of the number of table entries.")
@click.option("--ext", "k", default=2, show_default=True, type=click.Choice(["2", "3"]),
              help="Degree of the challenge field extension.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random table.")
def selftest(log_size: int, k: str, seed: int) -> None:
    """Commit to a random table, prove a sumcheck and an opening, verify, print timings."""
    from ..api.selftest import run_selftest

    console = Console()
    with console.status("[bold]warming up kernels and proving...") as status, \
            compile_progress(console, status):
        report = run_selftest(log_size=log_size, k=int(k), seed=seed)
    table = Table(title=f"tensorproof selftest: 2^{log_size} entries, K = F_p^{k}")
    table.add_column("step")
    table.add_column("time", justify="right")
    for step, seconds in report["times"].items():
        table.add_row(step, f"{seconds * 1e3:,.1f} ms")
    console.print(table)
    console.print(f"proof size: {report['proof_bytes']:,} bytes  "
                  f"(sumcheck {report['sumcheck_bytes']:,}, opening {report['opening_bytes']:,})")
    console.print(f"security of the commitment: {report['security_bits']:.1f} bits")
    console.print("[bold green]verified[/]")

