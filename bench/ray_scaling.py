"""Data-parallel replicas on Ray (`audit.model.pool.PoolModel`) vs one process, in one run.

Part 1, local weights (the default model on CPU, CrowS-Pairs sentences, `--limit` pairs): the same
`loglikelihood` call timed
  - in this process with 1 torch thread (the baseline),
  - on Ray with 1 replica of 1 CPU (the pool's overhead: sharding, transport, re-ordering),
  - on Ray with 1 replica of 2 CPUs (2 torch threads) and with 2 replicas of 1 CPU each.
Every side loads its model first (not timed) and warms up on 8 requests; then the sides run in
turn, `--repeats` rounds, so drifting load on a shared machine hits them alike; the median wall
time counts. Ray runs one private single-node cluster (5 logical CPUs: the 1 + 2 + 2 the three
layouts reserve); only one side computes at a time, so each has the same two cores.

Part 2, endpoint replicas: a latency-bound loopback OpenAI-compatible server
(`tests.openai_server --kind latency`, every answer after `--delay` s, all in parallel), and
`--endpoint-requests` log-likelihood requests through 1, 2 and 4 replicas, each an
`EndpointModel` client sending one prompt per request with exactly `--per-replica-concurrency`
requests in flight. With the server never the bottleneck, throughput should grow about linearly
in replicas, up to replicas x concurrency / delay.

Prints a table on stderr and one JSON line on stdout.

    .venv/bin/python -m bench.ray_scaling --limit 40 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _requests(limit: int) -> list[tuple[str, str]]:
    import pandas as pd

    from audit.paths import datasets_dir

    df = pd.read_csv(datasets_dir() / "crows_pairs" / "crows_pairs_anonymized.csv")
    df = df.sample(n=min(limit, len(df)), random_state=0)
    return [("", s) for pair in zip(df["sent_more"], df["sent_less"]) for s in pair]


def _timed(model, reqs) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    out = model.loglikelihood(reqs)
    return time.perf_counter() - t0, [float(x) for x in out]


def _local_part(limit: int, repeats: int) -> dict:
    import ray
    import torch

    from audit.model import HFModel
    from audit.model.pool import PoolConfig, PoolModel

    reqs = _requests(limit)
    torch.set_num_threads(1)
    # One private cluster for every layout, so the repeats can be interleaved (load on a shared
    # machine drifts): 5 logical CPUs = 1 + 2 + 2 reservations; only one side computes at a time,
    # so each timed side has the machine's 2 cores to itself.
    # replicas at the priority of the in-process side (Ray's default is nice 15 for workers,
    # which on a shared machine hands them less CPU than the baseline gets)
    os.environ["RAY_worker_niceness"] = "0"
    ray.init(num_cpus=5, include_dashboard=False, log_to_driver=False, logging_level="WARNING",
             configure_logging=False)
    sides: dict[str, object] = {"in_process_1_thread": HFModel("default", device="cpu").load()}
    try:
        for name, replicas, cpus in [("ray_1x1", 1, 1.0), ("ray_1x2", 1, 2.0),
                                     ("ray_2x1", 2, 1.0)]:
            cfg = PoolConfig(address="auto", replicas=replicas, replica_cpus=cpus,
                             status_interval=3600)
            sides[name] = PoolModel.open("default", pool=cfg, on_event=lambda _m: None,
                                         device="cpu")
        for model in sides.values():  # warm-up: first-call allocations, actor method lookup
            model.loglikelihood(reqs[:8])
        walls: dict[str, list[float]] = {k: [] for k in sides}
        scores: dict[str, list[float]] = {}
        for _ in range(repeats):
            for name, model in sides.items():
                wall, scores[name] = _timed(model, reqs)
                walls[name].append(wall)
        shards = {k: m.status.shards_total for k, m in sides.items() if k != "in_process_1_thread"}
    finally:
        for name, model in sides.items():
            if name != "in_process_1_thread":
                model.close()
        ray.shutdown()
    ref = scores["in_process_1_thread"]
    out = {k: {"wall_s": round(statistics.median(v), 3), "walls_s": [round(w, 3) for w in v]}
           for k, v in walls.items()}
    for k in shards:
        out[k]["max_abs_ll_diff_vs_in_process"] = max(abs(a - b)
                                                      for a, b in zip(scores[k], ref))
    base, one, two_threads, two_replicas = (out[k]["wall_s"] for k in (
        "in_process_1_thread", "ray_1x1", "ray_1x2", "ray_2x1"))
    return {"requests": len(reqs), "repeats": repeats, "sides": out,
            "ray_1_replica_overhead": round(one / base - 1, 3),
            "overhead_within_10pct": one <= 1.10 * base,
            "two_replicas_vs_one_replica_two_threads": round(two_replicas / two_threads, 3),
            "two_replicas_no_slower": two_replicas <= two_threads}


def _latency_server(delay: float) -> tuple[subprocess.Popen, str]:
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "tests.openai_server", "--kind", "latency",
                             "--delay", str(delay)], cwd=root, stdout=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("URL "):
        proc.kill()
        raise SystemExit(f"latency server did not start: {line!r}")
    return proc, line.split()[1]


def _endpoint_part(n: int, delay: float, per_replica: int) -> dict:
    from audit.model.pool import PoolConfig, PoolModel

    server, url = _latency_server(delay)
    reqs = [(f"Question {i}: which word comes next?", f" answer {i % 7}") for i in range(n)]
    sides = {}
    try:
        for replicas in (1, 2, 4):
            cfg = PoolConfig(address="local", replicas=replicas, replica_cpus=0.5,
                             min_shard_requests=per_replica, status_interval=3600)
            # exactly `per_replica` single-prompt requests in flight per client: the client,
            # not the server, is the limit, as when one process's connections or CPU are
            pool = PoolModel.open(url, pool=cfg, on_event=lambda _m: None, model_options={
                "concurrency": str(per_replica), "max_concurrency": str(per_replica),
                "batch_size": "1", "cache": "off"})
            try:
                pool.loglikelihood(reqs[:per_replica])  # warm-up
                t0 = time.perf_counter()
                pool.loglikelihood(reqs)
                wall = time.perf_counter() - t0
            finally:
                pool.close()
            sides[f"{replicas}_replicas"] = {"wall_s": round(wall, 3),
                                             "requests_per_s": round(n / wall, 1)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = sides["1_replicas"]["requests_per_s"]
    return {"requests": n, "delay_s": delay, "per_replica_concurrency": per_replica,
            "ceiling_per_replica_rps": round(per_replica / delay, 1), "sides": sides,
            "speedup": {k: round(v["requests_per_s"] / base, 2) for k, v in sides.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=100, help="CrowS-Pairs pairs (2 requests each)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--endpoint-requests", type=int, default=400)
    ap.add_argument("--delay", type=float, default=0.25)
    ap.add_argument("--per-replica-concurrency", type=int, default=4)
    ap.add_argument("--skip-local", action="store_true")
    ap.add_argument("--skip-endpoint", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    result: dict = {"bench": "ray_scaling", "host": platform.node(), "cpus": os.cpu_count(),
                    "load_before": [round(x, 2) for x in os.getloadavg()]}
    if not args.skip_local:
        result["local"] = _local_part(args.limit, args.repeats)
        for name, side in result["local"]["sides"].items():
            print(f"{name:22s} {side['wall_s']:8.2f} s", file=sys.stderr)
    if not args.skip_endpoint:
        result["endpoint"] = _endpoint_part(args.endpoint_requests, args.delay,
                                            args.per_replica_concurrency)
        for name, side in result["endpoint"]["sides"].items():
            print(f"endpoint {name:13s} {side['requests_per_s']:8.1f} req/s", file=sys.stderr)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
