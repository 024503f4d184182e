"""The `tensorproof` command line.

Each sub-command lives in its own module and registers itself on :data:`app`. Errors that a user
can cause (TensorProofError) are printed as one line and exit with status 1 — never a trace.
"""

from __future__ import annotations

import sys

import click

from ..errors import TensorProofError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tensorproof")
def app() -> None:
    """tensorproof: prove that a neural network computed an output, verify in milliseconds."""


def _register() -> None:
    from . import selftest_cmd  # noqa: F401  (registers its command)

    for optional in ("compile_cmd", "prove_cmd", "demo_cmd"):
        try:
            __import__(f"{__name__}.{optional}")
        except ModuleNotFoundError as e:  # a command whose module is not written yet
            if e.name != f"{__name__}.{optional}":
                raise


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `tensorproof` script."""
    _register()
    try:
        app.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except TensorProofError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
