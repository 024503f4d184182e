"""Long mutation-fuzzing runs of tensorproof's file parsers (the mutator of tests/fuzzing.py).

    python scripts/fuzz_formats.py --iterations 1000000 --seed 7 --format all --out fuzz-out

Every mutated proof, verifying key (.vk), proving key (.tpk) or model file (.tpm) must parse or
raise a TensorProofError subclass, under an address-space cap (--max-mib) and a per-input time
limit; every --verify-every-th proof that parses is also verified (it must be rejected, or be
the original). Failing inputs are saved to --out as <format>-<n>.bin with a .txt beside it (the
mutation and the error); a summary table ends the run, and the exit status is 1 if any failed.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import fuzzing  # noqa: E402  (tests/fuzzing.py, after the path insert)


@click.command()
@click.option("--iterations", "-n", default=100_000, show_default=True,
              help="Mutations per format.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random mutations.")
@click.option("--format", "fmt", type=click.Choice([*fuzzing.FORMATS, "all"]), default="all",
              show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default="fuzz-failures",
              show_default=True, help="Where failing inputs are saved.")
@click.option("--verify-every", default=5, show_default=True,
              help="Verify every N-th proof that parses (0: never).")
@click.option("--max-mib", default=100, show_default=True, help="Allocation limit per input.")
@click.option("--seconds", default=10.0, show_default=True, help="Time limit per input.")
@click.option("--trace/--no-trace", default=False, show_default=True,
              help="Also measure peaks with tracemalloc (exact, several times slower).")
def main(iterations: int, seed: int, fmt: str, out: str, verify_every: int, max_mib: int,
         seconds: float, trace: bool) -> None:
    """Fuzz the parsers; save failing inputs and print a summary."""
    console = Console()
    with console.status("building the seed files..."):
        targets = fuzzing.build_targets()
    others = [b for t in targets.values() for b in t.seeds.values()]
    formats = fuzzing.FORMATS if fmt == "all" else (fmt,)
    out_dir = Path(out)
    report = fuzzing.Report()
    errors: Counter = Counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("failures {task.fields[failures]}"), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        for f in formats:
            task = progress.add_task(f"{f:5s}", total=iterations, failures=0)

            def on_each(m: fuzzing.Mutation, outcome: str, err: str | None, task=task) -> None:
                if err is not None:
                    n = len(report.failures)
                    out_dir.mkdir(parents=True, exist_ok=True)
                    (out_dir / f"{m.fmt}-{n:06d}.bin").write_bytes(m.data)
                    (out_dir / f"{m.fmt}-{n:06d}.txt").write_text(f"{m.desc}\n{err}\n")
                    errors[(m.fmt, err.split(":")[0])] += 1
                progress.update(task, advance=1, failures=len(report.failures))

            fuzzing.fuzz(targets[f], iterations, seed=seed, others=others,
                         check_every=verify_every if f == "proof" else 0, report=report,
                         on_each=on_each, trace=trace, max_bytes=max_mib << 20, seconds=seconds)
    _summary(console, report, errors, formats, out_dir)
    sys.exit(1 if report.failures else 0)


def _summary(console: Console, report: fuzzing.Report, errors: Counter, formats, out_dir) -> None:
    t = Table(title=f"{report.total:,} mutations")
    for col in ("format", "rejected (typed)", "parsed", "parsed + verified", "failures"):
        t.add_column(col, justify="left" if col == "format" else "right")
    for f in formats:
        n_fail = sum(v for (g, _), v in errors.items() if g == f)
        t.add_row(f, *(f"{report.outcomes[f'{f} {o}']:,}" for o in ("rejected", "parsed",
                                                                    "checked")), f"{n_fail:,}")
    console.print(t)
    for (f, kind), n in errors.most_common():
        console.print(escape(f"  {f}: {n:,} × {kind}"))
    if report.failures:
        console.print(f"[red]{len(report.failures)} failing inputs saved to {out_dir}/[/]")
        for m, err in report.failures[:10]:
            console.print(escape(f"  {m.desc}\n    -> {err}"))
    else:
        console.print("[green]no failures[/]")


if __name__ == "__main__":
    main()
