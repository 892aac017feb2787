"""CrowS-Pairs through a served model: Assay's endpoint backend vs lm-evaluation-harness's
`local-completions` client, same server, same run.

Upstreams (each started here as a subprocess on loopback, `tests/openai_server.py`):
  (a) `model`: the test server computing with the default SmolLM2-135M on the CPU (one forward
      pass at a time, like a single-GPU server);
  (b) `latency`: answers every request after a fixed delay (default 100 ms), all in parallel:
      the shape of a hosted API.

Sides, each in a fresh interpreter (so peak memory is its own): `assay` (`open_model(URL)`,
concurrency found automatically, response cache off so nothing is free; the capability probe's
time is reported separately and included in `total_s`) and `lmeval` (`LocalCompletionsAPI`
with lm-eval's default `num_concurrent=1`, then a sweep of `num_concurrent` to find its best).
Both sides score the same `("", sentence)` requests; on the model server `agree` says whether
their pct_stereotype match and `max_abs_diff` is the largest per-sentence |ΔLL| (the toy upstream
scores text and lm-eval's token ids differently, so there they are null).
Peak memory: kernel high-water mark (VmHWM) during scoring, reset after setup.

    .venv/bin/python -m bench.endpoint --limit-model 40 --limit-latency 300
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench._measure import memory_marks, run_side

ROOT = Path(__file__).resolve().parent.parent
SWEEP = (1, 8, 32, 128)


def _requests(limit: int, seed: int) -> tuple[list[tuple[str, str]], list[dict]]:
    from audit.paths import datasets_dir
    from probes.bias.crows_pairs import CrowsPairsSuite

    path = datasets_dir() / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv"
    suite = CrowsPairsSuite(path, limit=limit, seed=seed)
    suite.prepare()
    docs = suite.rows.to_dict("records")
    return [("", s) for d in docs for s in (d["sent_more"], d["sent_less"])], docs


def _pct(lls: list[float]) -> float:
    a = np.asarray(lls, dtype=float).reshape(-1, 2)
    return float((a[:, 0] > a[:, 1]).mean())


def side(args: argparse.Namespace) -> dict:
    """One client against `args.url`: one JSON line (time, requests, result, memory)."""
    requests, _ = _requests(args.limit, args.seed)
    if args.side == "assay":
        from audit.model.registry import open_model

        t0 = time.perf_counter()
        model = open_model(args.url, model_options={"cache": "off"})
        probe_s = time.perf_counter() - t0
        mem0 = memory_marks(reset=True)
        t0 = time.perf_counter()
        lls = [float(x) for x in model.loglikelihood(requests)]
        wall = time.perf_counter() - t0
        stats = model.transport.last.to_dict()
        extra = {"probe_s": round(probe_s, 3), "total_s": round(probe_s + wall, 3),
                 "http_requests": stats["requests"], "peak_in_flight": stats["peak_in_flight"],
                 "final_concurrency": stats["final_concurrency"]}
    else:
        from lm_eval.api.instance import Instance
        from lm_eval.models.openai_completions import LocalCompletionsAPI

        from audit.model._source import ensure_converted, resolve_source

        lm = LocalCompletionsAPI(base_url=args.url + "/completions", model=args.served,
                                 tokenizer_backend="huggingface",
                                 tokenizer=str(ensure_converted(resolve_source("default"))),
                                 num_concurrent=args.num_concurrent, max_retries=3)
        inst = [Instance(request_type="loglikelihood", doc={}, arguments=r, idx=0)
                for r in requests]
        mem0 = memory_marks(reset=True)
        t0 = time.perf_counter()
        lls = [ll for ll, _ in lm.loglikelihood(inst, disable_tqdm=True)]
        wall = time.perf_counter() - t0
        extra = {"num_concurrent": args.num_concurrent, "http_requests": len(requests),
                 "total_s": round(wall, 3)}
    mem = memory_marks()
    return {"side": args.side, "wall_s": round(wall, 3), "sentences": len(requests),
            "pct_stereotype": _pct(lls), "lls": lls, **extra,
            "peak_rss_mib": mem["peak_rss_mib"], "rss_before_mib": mem0["rss_mib"]}


def _start(kind: str, delay: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.openai_server", "--kind", kind,
                             "--delay", str(delay)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("URL "):
            return proc, line.split()[1]
    raise RuntimeError(f"the {kind} server did not start")


def _compare(kind: str, url: str, served: str, limit: int, seed: int, sweep: tuple[int, ...]
             ) -> dict:
    common = ["--url", url, "--served", served, "--limit", str(limit), "--seed", str(seed)]
    ours = run_side("bench.endpoint", ["--side", "assay", *common])
    theirs = {n: run_side("bench.endpoint", ["--side", "lmeval", "--num-concurrent", str(n),
                                             *common]) for n in sweep}
    default = theirs[1]
    best_n = min(theirs, key=lambda n: theirs[n]["wall_s"])
    best = theirs[best_n]
    diff = float(np.max(np.abs(np.asarray(ours["lls"]) - np.asarray(default["lls"]))))
    strip = lambda d: {k: v for k, v in d.items() if k != "lls"}  # noqa: E731
    return {"upstream": kind, "pairs": limit, "assay": strip(ours),
            "lmeval": {str(n): strip(v) for n, v in theirs.items()},
            "lmeval_best_num_concurrent": best_n,
            "speedup_vs_lmeval_default": round(default["wall_s"] / ours["wall_s"], 2),
            "speedup_vs_lmeval_best": round(best["wall_s"] / ours["wall_s"], 2),
            "speedup_total_vs_lmeval_default": round(default["wall_s"] / ours["total_s"], 2),
            # the toy upstream "tokenizes" text and token ids differently, so only the model
            # server's numbers can agree
            "agree": (ours["pct_stereotype"] == default["pct_stereotype"]
                      if kind == "model" else None),
            "max_abs_diff": diff if kind == "model" else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", choices=["assay", "lmeval"])
    ap.add_argument("--url")
    ap.add_argument("--served", default="")
    ap.add_argument("--num-concurrent", type=int, default=1)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--limit-model", type=int, default=40)
    ap.add_argument("--limit-latency", type=int, default=300)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=["model", "latency"], default=None)
    args = ap.parse_args()
    if args.side:
        print(json.dumps(side(args)))
        return
    out: dict = {"bench": "endpoint", "host": platform.node(), "cpus": os.cpu_count(),
                 "load_before": os.getloadavg()}
    for kind, limit, served, sweep in (("model", args.limit_model, "smollm2-135m-test", (1, 4)),
                                       ("latency", args.limit_latency, "toy-latency", SWEEP)):
        if args.only and kind != args.only:
            continue
        proc, url = _start(kind, args.delay)
        try:
            out[kind] = _compare(kind, url, served, limit, args.seed, sweep)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
