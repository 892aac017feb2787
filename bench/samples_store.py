"""Cost of storing item-level samples: write time and memory for one run of the largest suite,
and read time of one run's samples from a store holding ~1M samples (what `assay compare` and the
dashboard read).

    python -m bench.samples_store [--runs 600] [--items 1677]

Samples are synthetic CrowS-Pairs-shaped rows (the revised set, 1,677 pairs: the largest
likelihood suite the benches score); the numbers depend only on row shape, not on the model.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from audit.samples import Sample
from audit.store import open_store
from audit.types import Run


def _samples(rng: np.random.Generator, n: int) -> list[Sample]:
    more, less = rng.normal(-60, 15, n), rng.normal(-61, 15, n)
    groups = ["race-color", "gender", "socioeconomic", "nationality", "religion", "age"]
    return [Sample("crows_pairs", str(i), groups[i % 6], {"stereotype": int(m > k)},
                   {"likelihood_diff": abs(m - k)}, round(m - k, 4),
                   {"ll_more": m, "ll_less": k}) for i, (m, k) in enumerate(zip(more, less))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=600)
    ap.add_argument("--items", type=int, default=1677)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.db")
        st = open_store(f"sqlite:///{path}")
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        write_s = []
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for r in range(args.runs):
            rows = _samples(rng, args.items)
            run = Run(run_id=f"{r:016x}", model={"name": "m", "sha256": "0"},
                      suites=("crows_pairs",), config_hash="0" * 64,
                      started_at=t0 + timedelta(minutes=r))
            t = time.perf_counter()
            st.write_run(run, [], [], rows)
            write_s.append(time.perf_counter() - t)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reads = []
        for r in rng.integers(0, args.runs, 20):
            t = time.perf_counter()
            got = st.samples(f"{int(r):016x}", "crows_pairs")
            reads.append(time.perf_counter() - t)
            assert len(got) == args.items
        from audit.compare import compare_samples

        t = time.perf_counter()
        compare_samples("a", "b", st.samples(f"{0:016x}"), st.samples(f"{1:016x}"))
        cmp_s = time.perf_counter() - t
        size = os.path.getsize(path) + sum(os.path.getsize(path + x) for x in ("-wal",)
                                           if os.path.exists(path + x))
        st.close()
    print(json.dumps({
        "samples_total": args.runs * args.items, "items_per_run": args.items,
        "write_run_ms_median": round(1000 * float(np.median(write_s)), 1),
        "write_run_ms_last": round(1000 * write_s[-1], 1),
        "peak_rss_growth_mb": round((rss1 - rss0) / 1024, 1),
        "store_bytes_per_sample": round(size / (args.runs * args.items), 1),
        "read_one_run_ms_median": round(1000 * float(np.median(reads)), 1),
        "compare_two_runs_ms": round(1000 * cmp_s, 1),
        "load": os.getloadavg()[0]}, indent=1))


if __name__ == "__main__":
    main()
