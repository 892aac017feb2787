"""Timing and peak-memory helpers shared by the benchmarks.

Two ways to put a memory figure next to a time:

- `measure(fn)`: wall, CPU and peak RSS growth of `fn` in this process (psutil sampling). Cheap,
  but a side measured after another one in the same process reuses memory the allocator already
  holds, so its growth reads low (and the first side's reads high: it pays the warm-up).
  `measure(fn, isolate=True)` runs `fn` in a forked child instead, so every side starts from the
  same parent state; the child's peak comes from the kernel's high-water mark (Linux `VmHWM`,
  reset at the start with `/proc/self/clear_refs`), not from sampling.
- `run_side(module, args)`: one side in a fresh interpreter (`python -m module args`) that
  prints one JSON line; the side reports its own figures with `memory_marks()`. Nothing is
  shared with the other side: imports, loaded models and allocator state are its own.

Peak RSS is read from `/proc/<pid>/status` `VmHWM`, not `resource.getrusage(...).ru_maxrss`:
on Linux a process started by `subprocess` (vfork + exec) inherits its parent's high-water mark
in `ru_maxrss`, so a fresh child of a 300 MiB parent reports at least 300 MiB.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["measure", "memory_by_side", "memory_marks", "peak_rss_mib", "reset_peak_rss", "rss_mib", "run_side"]

_MIB = 2**20


def _status_kib(field: str, pid: int | str = "self") -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mib(pid: int | None = None) -> float:
    """Current resident set size of `pid` (default: this process) in MiB."""
    kib = _status_kib("VmRSS", pid or "self")
    if kib is not None:
        return kib / 1024
    import psutil

    return psutil.Process(pid).memory_info().rss / _MIB


def peak_rss_mib(pid: int | None = None) -> float | None:
    """Peak resident set size of `pid` (default: this process) in MiB, None where unknown.

    Linux: the kernel's high-water mark `VmHWM`. Elsewhere, for this process only:
    `ru_maxrss` (which may include the parent's peak, see the module docstring).
    """
    kib = _status_kib("VmHWM", pid or "self")
    if kib is not None:
        return kib / 1024
    if pid is not None:
        return None
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / _MIB if sys.platform == "darwin" else rss / 1024


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux >= 4.0); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def memory_marks(reset: bool = False) -> dict[str, float | None]:
    """Current and peak RSS of this process in MiB (rounded), for a side's JSON line.

    `reset=True` first resets the peak to the current RSS (Linux), so a later mark's peak
    covers only what ran after this one, not e.g. a transient peak while importing.
    """
    if reset:
        reset_peak_rss()
    peak = peak_rss_mib()
    return {"rss_mib": round(rss_mib(), 1),
            "peak_rss_mib": None if peak is None else round(peak, 1)}


def run_side(module: str, args: Sequence[str], timeout: float | None = None) -> dict:
    """Run `python -m module *args` in a fresh interpreter and return its last JSON line."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=root, capture_output=True,
                          text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"python -m {module} {' '.join(args)} failed "
                           f"(exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def memory_by_side(module: str, sides: Sequence[str], args: Sequence[str], method: str,
                   drop: Sequence[str] = ("side",)) -> dict[str, Any]:
    """Each side alone: `python -m module --memory-side SIDE *args` in a fresh interpreter;
    {"method": method, side: its JSON line without the `drop` keys}."""
    out: dict[str, Any] = {"method": method}
    for side in sides:
        m = run_side(module, ["--memory-side", side, *args])
        out[side] = {k: v for k, v in m.items() if k not in drop}
    return out


def _sampled(fn: Callable[[], Any], interval: float) -> tuple[Any, float, float, float]:
    import psutil

    proc = psutil.Process()
    start_rss = proc.memory_info().rss
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    cpu0, t0 = time.process_time(), time.perf_counter()
    try:
        result = fn()
    finally:
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        thread.join()
    peak[0] = max(peak[0], proc.memory_info().rss)
    return result, wall, cpu, (peak[0] - start_rss) / _MIB


def _in_child(fn: Callable[[], Any], interval: float) -> tuple[Any, float, float, float]:
    if reset_peak_rss():
        start = rss_mib()
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        return result, wall, cpu, max(0.0, (peak_rss_mib() or start) - start)
    return _sampled(fn, interval)


def _forked(fn: Callable[[], Any], interval: float) -> tuple[Any, float, float, float]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run, send the pickled outcome, exit without cleanup handlers
        os.close(read_fd)
        try:
            payload = pickle.dumps(("ok", _in_child(fn, interval)))
        except BaseException:  # noqa: BLE001 - reported to the parent, which re-raises
            payload = pickle.dumps(("error", traceback.format_exc()))
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(payload)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"measured child died without a result (wait status {status})")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise RuntimeError(f"measured function failed in the child:\n{value}")
    return value


def measure(fn: Callable[[], Any], interval: float = 0.02,
            isolate: bool = False) -> tuple[Any, float, float, float]:
    """Run `fn` once: (result, wall seconds, CPU seconds, peak RSS growth in MiB).

    By default `fn` runs here and peak RSS is sampled by a thread with psutil every `interval`
    seconds; torch's allocations live outside Python's heap, so tracemalloc would miss them.
    With `isolate=True` it runs in a forked child (POSIX only; the result must pickle, and
    nothing `fn` changes reaches this process), and the growth is the child's kernel
    high-water mark above its RSS at the start. Do not combine with threads that hold locks
    at fork time (e.g. a running torch intra-op pool).
    """
    if isolate:
        return _forked(fn, interval)
    return _sampled(fn, interval)
