"""Options and helpers shared by command modules."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from audit.paths import default_store_url
from audit.types import canonical_json

__all__ = ["StoreOption", "err", "out", "print_json", "print_table", "progress_factory",
           "open_cli_store"]

out = Console(soft_wrap=True)
err = Console(stderr=True)

StoreOption = typer.Option(None, "--store", envvar="ASSAY_STORE", show_envvar=True,
                           help="Store URL (default sqlite:///assay.db; postgresql://... works).")


def open_cli_store(url: str | None, create: bool = True) -> Any:
    from audit.store import open_store

    return open_store(url or default_store_url(), create=create)


def print_table(table: Any) -> None:
    """Print a rich table; in a pipe or CI log at its natural width, so ids are never cut.

    A console that is not a terminal defaults to 80 columns and rich would shorten cells to
    fit ("3f2a9c4b1d…"), which `assay runs | grep ID` then cannot find.
    """
    if out.is_terminal:
        out.print(table)
        return
    Console(file=sys.stdout, width=100_000, soft_wrap=True, color_system=None).print(table)


def print_json(obj: Any) -> None:
    sys.stdout.write(canonical_json(obj) + "\n")
    sys.stdout.flush()


def pretty_json(obj: Any) -> str:
    return json.dumps(json.loads(canonical_json(obj)), indent=2, ensure_ascii=False)


def progress_factory(enabled: bool = True):
    """A ProgressFactory drawing rich bars on stderr (nothing when disabled or not a TTY-less CI)."""

    @contextmanager
    def factory(description: str, total: int) -> Iterator[Any]:
        if not enabled:
            yield lambda n=1: None
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)

    return factory
