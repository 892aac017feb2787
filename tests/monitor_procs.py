"""Helpers for tests that run `assay monitor` as a real process against a log and a store."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAKE = "tests.test_monitor_fakes:fake_detector"
__all__ = ["FAKE", "ROOT", "finding_offsets", "good", "line_offsets", "monitor_argv",
           "records_counted", "run_once", "start", "wait_for", "write"]


def good(i: int) -> str:
    """A record whose response holds one SSN (the fake detector finds exactly one)."""
    return json.dumps({"id": f"r{i}", "prompt": "q", "response": f"ssn 123-45-{i % 10000:04d}"})


def write(log: Path, lines: list[str]) -> None:
    with open(log, "a", encoding="utf-8") as fh:
        fh.writelines(ln + "\n" for ln in lines)


def monitor_argv(log: Path, url: str, state: Path, extra: tuple[str, ...]) -> list[str]:
    code = "import sys; from audit.cli import main; main(sys.argv[1:])"
    return [sys.executable, "-c", code, "monitor", str(log), "--store", url, "--state",
            str(state), "--detector", FAKE, "--batch-size", "50", *extra]


def start(log: Path, url: str, state: Path, *extra: str, stderr: Any) -> subprocess.Popen:
    """`assay monitor LOG --follow` with fast polls and retries (stderr to a file)."""
    argv = monitor_argv(log, url, state, ("--follow", "--poll-interval", "0.05",
                                          "--retry-max", "0.2", *extra))
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)


def run_once(log: Path, url: str, state: Path, *extra: str,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """One pass of `assay monitor`; returns the finished process (stderr as text)."""
    argv = monitor_argv(log, url, state, ("--retry-max", "0.2", *extra))
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def wait_for(cond: Callable[[], bool], timeout: float = 60, proc: subprocess.Popen | None = None,
             what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"monitor exited with {proc.returncode} waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def records_counted(store: Any, monitor: str = "default") -> int:
    """Sum of the `*`/`records` window counters (a line counted twice shows here)."""
    return sum(r["count"] for r in store.window_rows(monitor)
               if (r["field"], r["name"]) == ("*", "records"))


def finding_offsets(store: Any) -> list[int]:
    return sorted(f.details["offset"] for f in store.findings(source="monitor"))


def line_offsets(log: Path, keep: Callable[[bytes], bool] = lambda b: True) -> list[int]:
    """Byte offsets of the lines of `log` that `keep` accepts."""
    out, pos = [], 0
    for ln in log.read_bytes().splitlines(keepends=True):
        if keep(ln):
            out.append(pos)
        pos += len(ln)
    return out
