"""The `tensorproof` command line.

Each sub-command lives in its own module and registers itself on :data:`app`. Errors that a user
can cause (TensorProofError, and I/O errors) are printed as one line, never a trace, with the
exit status of :data:`EXIT_CODES`; tensorproof's warnings (TensorProofWarning) are printed as one
line each.
"""

from __future__ import annotations

import os
import sys
import warnings

import click

from ..errors import TensorProofError, TensorProofWarning

EXIT_REJECTED, EXIT_INPUT, EXIT_IO = 1, 2, 3
EXIT_CODES = {0: "done / verified", EXIT_REJECTED: "proof rejected",
              EXIT_INPUT: "bad usage or input", EXIT_IO: "file or I/O error"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Exit status: " + ", ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + ".")
@click.version_option(package_name="tensorproof")
def app() -> None:
    """tensorproof: prove that a neural network computed an output, verify in milliseconds."""


def exit_code(e: BaseException) -> int:
    """EXIT_IO for a file or I/O error (an OSError such as OutputPathError, or an error raised
    because of one), EXIT_INPUT for any other error a user can cause."""
    if isinstance(e, OSError) or isinstance(e.__cause__, OSError) \
            or isinstance(e.__context__, OSError):
        return EXIT_IO
    return EXIT_INPUT


COMMAND_MODULES = {"selftest": "selftest_cmd", "compile": "compile_cmd", "prove": "prove_cmd",
                   "verify": "verify_cmd", "demo": "demo_cmd", "evm": "evm_cmd"}
"""The module that registers each command (on import)."""


def _register(command: str | None = None) -> None:
    """Register every command, or only ``command``'s (a known name: the others' modules, and
    what they import, stay unloaded; `tensorproof verify` then imports no rich)."""
    names = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else \
        dict.fromkeys(COMMAND_MODULES.values())
    for module in names:
        try:
            __import__(f"{__name__}.{module}")
        except ModuleNotFoundError as e:  # a command whose module is not written yet
            if e.name != f"{__name__}.{module}":
                raise


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """tensorproof's warnings as one line on stderr; others as Python shows them."""
    if issubclass(category, TensorProofWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `tensorproof` script."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["verify"] and "numpy" not in sys.modules:
        # verification does no matrix products: spare OpenBLAS starting a thread per core when
        # numpy loads (~50 ms of a fresh `tensorproof verify`); a user's setting wins
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _register(args[0] if args else None)  # `--help`, `--version`: every command
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", TensorProofWarning)
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
        sys.exit(exit_code(e))
    except OSError as e:  # an I/O failure outside the checked paths: still one line
        where = f" {e.filename!r}" if e.filename else ""
        click.echo(f"error: I/O error{where}: {e.strerror or e}", err=True)
        sys.exit(EXIT_IO)
