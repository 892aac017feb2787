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


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else (
        f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s")


class _PlainProgress:
    """Progress for pipes and CI logs: one line per `interval` seconds with counts, rate and ETA.

    A rich bar outside a terminal prints nothing until it ends (blank lines in a CI log), so a
    760 s BBQ run looked hung; these lines say how far it is and how long is left.
    """

    def __init__(self, description: str, total: int, interval: float,
                 clock: Any = None) -> None:
        import time

        self.description, self.total, self.interval = description, max(0, int(total)), interval
        self.clock = clock or time.monotonic
        self.start = self.last = self.clock()
        self.done = 0
        self._line(f"{self.done}/{self.total} started")

    def _line(self, text: str) -> None:
        print(f"{self.description}: {text}", file=sys.stderr, flush=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last < self.interval or self.done >= self.total:
            return  # the last line is written once, by `finish`
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else None
        self._line(f"{self.done}/{self.total} ({100 * self.done / self.total:.0f}%), "
                   f"{rate:.2f}/s, ETA {_duration(eta) if eta is not None else '?'}")

    def finish(self) -> None:
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = f", {self.done / elapsed:.2f}/s" if self.done else ""
        if self.done == self.total:
            pct = " (100%)" if self.total else ""
            self._line(f"{self.done}/{self.total}{pct} done in {_duration(elapsed)}{rate}")
        else:  # a suite's estimate of its steps was off: say what was done, not 122%
            self._line(f"{self.done} done (estimated {self.total}) in {_duration(elapsed)}{rate}")


def progress_factory(enabled: bool = True, interval: float = 10.0, clock: Any = None):
    """A ProgressFactory: rich bars on a terminal, count/rate/ETA lines in a pipe, or nothing."""

    @contextmanager
    def factory(description: str, total: int) -> Iterator[Any]:
        if not enabled:
            yield lambda n=1: None
            return
        if not err.is_terminal:
            plain = _PlainProgress(description, total, interval, clock)
            try:
                yield plain.advance
            finally:
                plain.finish()
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)

    return factory
