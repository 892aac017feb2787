"""Dashboard/report read paths on a 100k-finding SQLite store: SQL aggregates vs Python loops.

Run: `.venv/bin/python -m bench.readers_queries [--n 100000]`. Prints one JSON line with the
median wall time (ms, 5 repeats) of each read the dashboard and reports make, next to the
baseline measured in the same run: reading every finding of the run through `Store.findings()`
and counting / sorting / slicing in Python (what a page would do without `audit.store.reads`).

Memory (`memory` in the JSON): the two reads that have a baseline (severity counts; the page of
50 at offset n/2) run once more, each side alone in a fresh interpreter that opens the seeded
store file (`bench._measure.run_side`): `start_rss_mib` (modules imported, store opened),
`peak_rss_mib` (kernel `VmHWM` after the read) and `growth_mib` = peak - start, in MiB.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.report import build_report, render  # noqa: E402
from audit.store import open_store  # noqa: E402
from audit.store.reads import SEVERITY_RANK, FindingFilter, StoreReads  # noqa: E402
from tests.readers_data import seed_many_findings, seed_runs  # noqa: E402


def _ms(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def _memory_side(side: str, db: str, run_id: str, deep: int) -> dict:
    """One read alone in this (fresh) process on the seeded store: its peak RSS."""
    from bench._measure import memory_marks

    st = open_store(f"sqlite:///{db}")
    reads = StoreReads(st)
    flt = FindingFilter(run_id=run_id)
    start = memory_marks(reset=True)
    if side == "counts_sql":
        reads.counts_by(flt, "severity")
    elif side == "counts_python":
        Counter(f.severity for f in st.findings(run_id=run_id))
    elif side == "page_sql":
        reads.page(flt, 50, deep)
    else:
        rows = st.findings(run_id=run_id)
        rows.sort(key=lambda f: (-SEVERITY_RANK[f.severity], -f.created_at.timestamp()))
        _ = rows[deep:deep + 50]
    end = memory_marks()
    st.close()
    return {"side": side, "start_rss_mib": start["rss_mib"], "peak_rss_mib": end["peak_rss_mib"],
            "growth_mib": round(end["peak_rss_mib"] - start["rss_mib"], 1)}


MEMORY_SIDES = ("counts_sql", "counts_python", "page_sql", "page_python")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--no-memory", action="store_true",
                    help="skip the per-side peak-memory runs in fresh processes")
    ap.add_argument("--memory-side", choices=MEMORY_SIDES, help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--run-id", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_side:
        print(json.dumps(_memory_side(args.memory_side, args.db, args.run_id, args.n // 2)))
        return
    with tempfile.TemporaryDirectory() as d:
        st = open_store(f"sqlite:///{Path(d) / 'assay.db'}")
        _, run_id = seed_runs(st)
        t0 = time.perf_counter()
        seed_many_findings(st, run_id, args.n)
        seed_s = time.perf_counter() - t0
        reads = StoreReads(st)
        flt = FindingFilter(run_id=run_id)
        deep = args.n // 2

        def py_counts():
            return Counter(f.severity for f in st.findings(run_id=run_id))

        def py_page():
            rows = st.findings(run_id=run_id)
            rows.sort(key=lambda f: (-SEVERITY_RANK[f.severity], -f.created_at.timestamp()))
            return rows[deep:deep + 50]

        assert dict(py_counts()) == {r["severity"]: r["n"] for r in reads.counts_by(flt, "severity")}
        assert [f.finding_id for f in py_page()] == [f.finding_id for f in reads.page(flt, 50, deep)]
        out = {
            "bench": "readers_queries", "n_findings": args.n + 17,
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d"), "seed_s": round(seed_s, 1),
            "severity_counts_sql_ms": _ms(lambda: reads.counts_by(flt, "severity")),
            "severity_counts_python_ms": _ms(py_counts, 3),
            "page_deep_sql_ms": _ms(lambda: reads.page(flt, 50, deep)),
            "page_deep_python_ms": _ms(py_page, 3),
            "page_first_sql_ms": _ms(lambda: reads.page(flt, 50, 0)),
            "count_filtered_ms": _ms(lambda: reads.count(FindingFilter(run_id=run_id,
                                                                       suites=("crows_pairs",)))),
            "severity_by_run_ms": _ms(lambda: reads.severity_counts_by_run([run_id])),
            "report_build_and_html_ms": _ms(
                lambda: render(build_report(st, st.get_run(run_id)), "html"), 3),
        }
        out["ratio_counts_python_over_sql"] = round(
            out["severity_counts_python_ms"] / out["severity_counts_sql_ms"], 1)
        out["ratio_page_python_over_sql"] = round(out["page_deep_python_ms"] / out["page_deep_sql_ms"], 1)
        st.close()
        if not args.no_memory:
            from bench._measure import memory_by_side

            out["memory"] = memory_by_side(
                "bench.readers_queries", MEMORY_SIDES,
                ["--db", str(Path(d) / "assay.db"), "--run-id", run_id, "--n", str(args.n)],
                "fresh interpreter per read on the seeded store file; kernel VmHWM/VmRSS (MiB)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
