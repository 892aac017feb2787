"""`assay` command line (typer). Each command group lives in its own module and registers here."""

from __future__ import annotations

import sys

import click
import typer
import typer.exceptions

from audit.errors import AssayError

__all__ = ["app", "main"]

app = typer.Typer(name="assay", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Local responsible-AI audits and monitors for language models.")

# Command modules: importing one registers its commands on `app`. One line per module.
from audit.cli import _audit, _explain, _monitor, _pii, _readers, _store  # noqa: E402,F401
from audit.cli import _compare  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors become one line on stderr and exit code 2."""
    try:
        rv = app(args=argv, standalone_mode=False)
    except AssayError as exc:
        print(f"assay: error: {exc.one_line()}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        print("assay: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("assay: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.exceptions.TyperException as exc:  # typer >= 0.29 parses without click
        ctx = getattr(exc, "ctx", None)
        where = f"; see `{ctx.command_path} --help`" if ctx is not None else ""
        message = " ".join(exc.format_message().split())
        print(f"assay: error: {message}{where}", file=sys.stderr)
        code = getattr(exc, "exit_code", 2)
        sys.exit(code if code and code != 1 else 2)
    except typer.exceptions.Abort:
        print("assay: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    except typer.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    if rv == 130:  # typer turns KeyboardInterrupt into exit code 130
        print("assay: interrupted; nothing was written", file=sys.stderr)
    sys.exit(rv if isinstance(rv, int) else 0)
