"""Timing and peak-memory helpers shared by the model benchmarks (one process, side by side)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["measure"]


def measure(fn: Callable[[], Any], interval: float = 0.02) -> tuple[Any, float, float, float]:
    """Run `fn` once: (result, wall seconds, CPU seconds, peak RSS growth in MiB).

    Peak RSS is sampled by a thread with psutil every `interval` seconds; torch's allocations
    live outside Python's heap, so tracemalloc would miss them.
    """
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
    return result, wall, cpu, (peak[0] - start_rss) / 2**20
