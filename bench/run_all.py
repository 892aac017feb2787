"""Run every CPU benchmark once with its documented defaults (`make bench`).

Each benchmark is its own process (so one's imports and caches do not favour another) and prints
one JSON line; they are collected into `bench/results/cpu-latest.jsonl`. The GPU benchmarks run
on a GPU machine through `bench/gpu.sh` instead. Expect tens of minutes on 2 cores.

Every line carries peak memory per side next to the times: `peak_rss_growth_mib` (model
benchmarks, `bench._measure.measure`) or `memory` (PII, monitor, middleware and readers
benchmarks: each side alone in a fresh interpreter, kernel high-water mark `VmHWM`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHES: list[list[str]] = [
    ["bench.crows_pairs_vs_lmeval", "--limit", "300"],
    ["bench.generation"],
    ["bench.pii_detection"],
    ["bench.monitor_throughput"],
    ["bench.middleware_latency"],
    ["bench.explain_cost"],
    ["bench.explain_faithfulness", "--limit", "20"],
    ["bench.readers_queries"],
]


def main() -> int:
    out = Path(__file__).parent / "results" / "cpu-latest.jsonl"
    out.parent.mkdir(exist_ok=True)
    failed = 0
    with out.open("w") as sink:
        for cmd in BENCHES:
            print(f"== python -m {' '.join(cmd)}", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, "-m", *cmd], capture_output=True, text=True)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            if proc.returncode != 0 or not lines:
                failed += 1
                print(proc.stderr[-2000:], file=sys.stderr)
                continue
            for ln in lines:
                json.loads(ln)
                print(ln, flush=True)
                sink.write(ln + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
