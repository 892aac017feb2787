"""Monitor throughput: `assay monitor` records/s on one core vs presidio's default engine.

Run: `.venv/bin/python -m bench.monitor_throughput [--records 1000] [--slices 5]`.
Prints one JSON line.

The log: JSONL records whose prompt and response are texts from `bench.pii_evalset` (Faker values
in Assay's templates, a third PII-free distractors), seeded. The log is cut into `--slices`
files; for each slice the two sides run back to back, so both see the same background load:

- monitor: a `Monitor` (real presidio engine of `audit.pii`, batches of 256) reads the slice
  end to end: parse, detect prompt and response, write findings + window counts to SQLite in one
  transaction per batch, advance the durable offsets (fsync).
- baseline: read the same lines, `json.loads`, and call presidio-analyzer's default
  `AnalyzerEngine().analyze(text, language="en")` (conf/default.yaml, spaCy model swapped to the
  one Assay uses; `bench.pii_detection.presidio_default`) once per prompt and once per response;
  no store writes, no offsets.

Both are pinned to one CPU core (`sched_setaffinity`), with BLAS/OpenMP threads set to 1.

Memory (`memory` in the JSON): each side runs once more, alone, in a fresh interpreter
(`bench._measure.run_side`) over the same slices: `start_rss_mib` (logs written, detector not
imported), `loaded_peak_mib` (detector loaded; the monitor's store opened), `peak_rss_mib` (all
slices processed) and `growth_mib` = peak - start, in MiB from the kernel's `VmHWM` / `VmRSS`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

__all__ = ["main", "write_log"]


def write_log(path: Path, n: int, seed: int, start: int = 0) -> list[dict]:
    """`n` JSONL records with generated prompt/response texts."""
    from bench.pii_evalset import generate

    exs = generate(2 * n, seed=seed)
    recs = [{"id": f"r{start + i}", "prompt": exs[2 * i].text, "response": exs[2 * i + 1].text}
            for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return recs


def _memory_side(side: str, records: int, slices: int, seed: int, batch_size: int) -> dict:
    """One side alone in this (fresh) process over every slice: its peak RSS."""
    from bench._measure import memory_marks

    per = max(1, records // slices)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        logs = [d / f"slice{k}.jsonl" for k in range(slices)]
        for k, log in enumerate(logs):
            write_log(log, per, seed + k, start=k * per)
        start = memory_marks(reset=True)
        if side == "monitor":
            from audit.store import open_store
            from monitors.detector import presidio_detector
            from monitors.monitor import Monitor, MonitorConfig

            det = presidio_detector()
            det.analyze(["warm up John Smith john@example.com"])
            store = open_store(f"sqlite:///{d / 'bench.db'}")
            loaded = memory_marks()
            for k, log in enumerate(logs):
                Monitor(MonitorConfig(paths=(str(log),), state_path=d / f"state{k}.json",
                                      batch_size=batch_size, rotated_grace_s=0),
                        store, det).poll_once()
            store.close()
        else:
            from audit.pii._nlp import choose_spacy_model  # the model get_engine() picks
            from bench.pii_detection import presidio_default

            base = presidio_default(choose_spacy_model())
            base.analyze("warm up John Smith john@example.com", language="en")
            loaded = memory_marks()
            for log in logs:
                with open(log, encoding="utf-8") as fh:
                    for line in fh:
                        rec = json.loads(line)
                        base.analyze(rec["prompt"], language="en")
                        base.analyze(rec["response"], language="en")
        end = memory_marks()
    return {"side": side, "start_rss_mib": start["rss_mib"],
            "loaded_peak_mib": loaded["peak_rss_mib"], "peak_rss_mib": end["peak_rss_mib"],
            "growth_mib": round(end["peak_rss_mib"] - start["rss_mib"], 1)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--slices", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--no-memory", action="store_true",
                    help="skip the per-side peak-memory runs in fresh processes")
    ap.add_argument("--memory-side", choices=("monitor", "baseline"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.memory_side:
        out = _memory_side(args.memory_side, args.records, args.slices, args.seed,
                           args.batch_size)
        print(json.dumps(out))
        return out
    memory = None
    if not args.no_memory:  # before this process loads anything: the children run alone
        from bench._measure import memory_by_side

        memory = memory_by_side(
            "bench.monitor_throughput", ("monitor", "baseline"),
            ["--records", str(args.records), "--slices", str(args.slices),
             "--seed", str(args.seed), "--batch-size", str(args.batch_size)]
            + (["--no-pin"] if args.no_pin else []),
            "fresh interpreter per side; kernel VmHWM/VmRSS (MiB)")

    from audit.pii import get_engine
    from audit.store import open_store
    from bench.pii_detection import presidio_default
    from monitors.detector import presidio_detector
    from monitors.monitor import Monitor, MonitorConfig

    det = presidio_detector()
    det.analyze(["warm up John Smith john@example.com"])
    base = presidio_default(get_engine().spacy_model)
    base.analyze("warm up John Smith john@example.com", language="en")

    per = max(1, args.records // args.slices)
    t_mon = t_base = 0.0
    n = findings = 0
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        store = open_store(f"sqlite:///{d / 'bench.db'}")
        for k in range(args.slices):
            log = d / f"slice{k}.jsonl"
            write_log(log, per, args.seed + k, start=k * per)
            cfg = MonitorConfig(paths=(str(log),), state_path=d / f"state{k}.json",
                                batch_size=args.batch_size, rotated_grace_s=0)
            mon = Monitor(cfg, store, det)
            t0 = time.perf_counter()
            mon.poll_once()
            t_mon += time.perf_counter() - t0
            n += mon.stats.records
            findings += mon.stats.findings
            t0 = time.perf_counter()
            with open(log, encoding="utf-8") as fh:
                for line in fh:
                    rec = json.loads(line)
                    base.analyze(rec["prompt"], language="en")
                    base.analyze(rec["response"], language="en")
            t_base += time.perf_counter() - t0
        store.close()
    out = {
        "bench": "monitor_throughput", "records": n, "findings": findings,
        "monitor_records_per_s": round(n / t_mon, 1),
        "baseline_presidio_per_record_records_per_s": round(n / t_base, 1),
        "ratio_monitor_vs_baseline": round(t_base / t_mon, 2),
        "monitor_s": round(t_mon, 2), "baseline_s": round(t_base, 2),
        "cores": 1 if not args.no_pin else os.cpu_count(), "batch_size": args.batch_size,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "memory": memory,
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
