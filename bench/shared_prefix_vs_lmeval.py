"""Suites whose requests share contexts: Assay's `loglikelihood` vs lm-evaluation-harness.

BBQ (every file under the shared `bbq/` directory: three answers after context + question),
StereoSet (intra- and intersentence: three options), HolisticBias (v1.1: sentences from one
template share its words) and CrowS-Pairs (two sentences that share ~16% of their tokens; the
control: sharing must not make it slower). Per suite, the requests are built by the suite's own
code (`--limit` seeded examples each; 0 = all), and the same requests go to

- `assay`: `HFModel.loglikelihood` (shared prefixes computed once, `audit.model._prefix_tree`),
- `assay_rows`: the same with `share_prefixes=False` (every request its own row),
- `lm_eval_bsN`: lm-eval's `HFLM.loglikelihood` wrapping the same loaded model and tokenizer, at
  each `--lmeval-batch-sizes` (1 is lm-eval's default; on this machine 16 was the best at
  `--limit 40` and 32 at `--limit 100`, so both are timed by default),

in one process after a small warm-up. With `--repeats` > 1 the sides take turns (round-robin, so
a change of machine load hits every side alike) and each keeps its fastest wall time; process CPU
seconds are reported next to it (on a busy machine CPU time moves less than wall time, but
OpenMP threads spinning at barriers inflate it too: `--threads 1` gives the cleanest work ratio).
Identical numbers are asserted: every log-likelihood within 1e-5 relative (1e-4 absolute) of
lm-eval's at batch size 1, and every decision the suite takes from them (BBQ's chosen answer,
StereoSet's and CrowS-Pairs' preferences) the same; the run exits 1 if not. Prints a table, then
one JSON line with every figure.

    .venv/bin/python -m bench.shared_prefix_vs_lmeval              # --limit 40: a few minutes
    .venv/bin/python -m bench.shared_prefix_vs_lmeval --limit 200 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["main"]

SUITES = ("bbq", "stereoset", "holistic_bias", "crows_pairs")


def _requests(name: str, limit: int | None, seed: int) -> tuple[list[tuple[str, str]], int, Any]:
    """(requests as the suite sends them, requests per decision, per-request token counts fn)."""
    from audit.paths import datasets_dir
    from probes.bias.bbq import BBQSuite, bbq_prompt
    from probes.bias.holistic_bias import HolisticBiasSuite
    from probes.bias.stereoset import StereoSetSuite

    d = datasets_dir()
    if name == "bbq":
        s = BBQSuite(d / "bbq", limit=limit, seed=seed)
        s.prepare()
        return [(bbq_prompt(e), " " + a) for e in s.examples for a in e.answers], 3, None
    if name == "stereoset":
        s = StereoSetSuite(d / "stereoset", limit=limit, seed=seed)
        s.prepare()
        return s._requests(), 3, "mean"
    if name == "holistic_bias":
        # its --limit counts sentences, at least one (axis x template) cell of 40
        s = HolisticBiasSuite(d / "holistic_bias" / "v1.1", limit=limit and max(limit, 40),
                              seed=seed)
        s.prepare()
        return [("", x) for c in s.cells for ss in c.sentences.values() for x in ss], 1, "mean"
    from probes.bias.crows_pairs import CrowsPairsSuite

    s = CrowsPairsSuite(d / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv",
                        limit=limit, seed=seed)
    s.prepare()
    return [("", x) for r in s.rows.to_dict("records")
            for x in (r["sent_more"], r["sent_less"])], 2, None


def _decisions(lls: np.ndarray, per: int, counts: np.ndarray | None) -> np.ndarray:
    """What the suite decides from the scores: the preferred option of each group."""
    scores = lls / counts if counts is not None else lls
    if per == 1:  # HolisticBias compares groups by rank (Mann-Whitney): the order of scores
        return np.argsort(scores, kind="stable")
    return scores.reshape(-1, per).argmax(axis=1)


def _lm_eval(hflm: Any, requests: list[tuple[str, str]]) -> list[float]:
    from lm_eval.api.instance import Instance

    inst = [Instance(request_type="loglikelihood", doc={}, arguments=r, idx=0) for r in requests]
    return [ll for ll, _ in hflm.loglikelihood(inst, disable_tqdm=True)]


def _round_robin(sides: dict[str, Callable[[], Any]], repeats: int
                 ) -> tuple[dict[str, Any], dict[str, float], dict[str, float]]:
    """(outputs, fastest wall s, process CPU s of that run) per side, the sides taking turns."""
    outs: dict[str, Any] = {}
    wall = dict.fromkeys(sides, float("inf"))
    cpu = dict.fromkeys(sides, float("inf"))
    for _ in range(repeats):
        for side, fn in sides.items():
            t0, c0 = time.perf_counter(), time.process_time()
            outs[side] = fn()
            w, c = time.perf_counter() - t0, time.process_time() - c0
            if w < wall[side]:
                wall[side], cpu[side] = w, c
    return outs, wall, cpu


def _header(sides: list[str]) -> str:
    lm_sides = [k for k in sides if k.startswith("lm_eval")]
    return " | ".join(["suite", "requests", "row→run tokens"] + [f"{k} s" for k in sides]
                      + [f"× vs {k}" for k in lm_sides] + [f"CPU × vs {k}" for k in lm_sides]
                      + ["max |ΔLL|", "same"])


def _row(name: str, r: dict) -> str:
    """One suite's line of the table: wall s per side, Assay's speed-up over each lm-eval size."""
    lm_sides = [k for k in r["wall_s"] if k.startswith("lm_eval")]
    return " | ".join(
        [name, str(r["requests"]), f"{r['row_tokens']}→{r['trie_tokens']}"]
        + [f"{v:.2f}" for v in r["wall_s"].values()]
        + [f"{r['speedup_vs'][k]:.2f}" for k in lm_sides]
        + [f"{r['cpu_speedup_vs'][k]:.2f}" for k in lm_sides]
        + [f"{r['max_abs_ll_delta']:.1e}",
           "yes" if r["lls_within_tolerance"] and r["decisions_identical"] else "NO"])


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print one JSON line; exit 1 if the numbers are not identical."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=40,
                    help="seeded examples per suite (HolisticBias: sentences, >= 40); 0 = all")
    ap.add_argument("--suites", default=",".join(SUITES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0,
                    help="torch CPU threads (0: torch's default)")
    ap.add_argument("--lmeval-batch-sizes", default="1,16,32",
                    help="comma-separated HFLM batch sizes to time (1 is lm-eval's default)")
    args = ap.parse_args(argv)
    suites = [s for s in args.suites.split(",") if s]
    unknown = sorted(set(suites) - set(SUITES))
    if unknown:
        ap.error(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    sizes = [int(b) for b in args.lmeval_batch_sizes.split(",")]

    if args.repeats < 1 or args.threads < 0 or args.limit < 0:
        ap.error("--repeats must be >= 1, --threads and --limit >= 0")

    import torch
    from lm_eval.models.huggingface import HFLM

    from audit.model import HFModel

    if args.threads:
        torch.set_num_threads(args.threads)
    lm = HFModel("default", device="cpu").load()
    rows = HFModel("default", device="cpu", share_prefixes=False)
    rows._model, rows._tok, rows._device = lm.model, lm.tokenizer, "cpu"
    hflms = {b: HFLM(pretrained=lm.model, tokenizer=lm.tokenizer, batch_size=b) for b in sizes}
    warm = [("The doctor said that", " he"), ("The doctor said that", " she")] * 4
    lm.loglikelihood(warm)
    _lm_eval(hflms[sizes[0]], warm)

    report: dict[str, Any] = {
        "bench": "shared_prefix_vs_lmeval", "model": lm.identity.name, "device": "cpu",
        "torch_threads": torch.get_num_threads(), "limit": args.limit or "all",
        "repeats": args.repeats,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": time.strftime("%Y-%m-%d %H:%M"), "load_before": os.getloadavg()[0],
        "suites": {}}
    ok = True
    for name in suites:
        requests, per, mean = _requests(name, args.limit or None, args.seed)
        pairs = [lm.encode_pair(c, x) for c, x in requests]
        counts = (np.array([max(1, len(x)) for _, x in pairs], dtype=float) if mean else None)
        row_tokens = sum(len(c) + len(x) - 1 for c, x in pairs)
        from audit.model._prefix_tree import sharing_rows, trie_nodes
        from audit.model._scoring import _MIN_SHARED_FRACTION

        keys = list({tuple((c + x)[:-1]) for c, x in pairs})
        packed = set(sharing_rows(keys, _MIN_SHARED_FRACTION))
        # what Assay's forward passes compute: the packed groups' trie nodes + the other rows
        nodes = (trie_nodes([keys[j] for j in packed]) if packed else 0) + sum(
            len(k) for j, k in enumerate(keys) if j not in packed)
        sides: dict[str, Callable[[], list[float]]] = {
            "assay": lambda: lm.loglikelihood(requests),
            "assay_rows": lambda: rows.loglikelihood(requests)}
        sides.update({f"lm_eval_bs{b}": (lambda h=h: _lm_eval(h, requests))
                      for b, h in hflms.items()})
        outs, wall, cpu = _round_robin(sides, args.repeats)
        ref = np.asarray(outs[f"lm_eval_bs{sizes[0]}"])
        ours = np.asarray(outs["assay"])
        close = bool(np.allclose(ours, ref, rtol=1e-5, atol=1e-4))
        same = bool(np.array_equal(_decisions(ours, per, counts), _decisions(ref, per, counts)))
        ok &= close and same
        best_lm = min(v for k, v in wall.items() if k.startswith("lm_eval"))
        report["suites"][name] = {
            "requests": len(requests), "row_tokens": row_tokens, "trie_tokens": nodes,
            "packed_rows": len(packed), "distinct_rows": len(keys),
            "max_abs_ll_delta": float(np.max(np.abs(ours - ref))),
            "lls_within_tolerance": close, "decisions_identical": same,
            "wall_s": {k: round(v, 2) for k, v in wall.items()},
            "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
            "cpu_speedup_vs": {k: round(v / cpu["assay"], 2) for k, v in cpu.items()
                               if k != "assay"},
            "speedup_vs": {k: round(v / wall["assay"], 2) for k, v in wall.items()
                           if k != "assay"},
            "speedup_vs_best_lm_eval": round(best_lm / wall["assay"], 2)}
        if len(report["suites"]) == 1:
            print(_header(list(wall)))
        print(_row(name, report["suites"][name]), flush=True)  # each suite as it finishes
    report["load_after"] = os.getloadavg()[0]
    report["identical_numbers"] = ok
    print(f"load average {report['load_before']:.1f} before, {report['load_after']:.1f} after; "
          f"torch threads {report['torch_threads']}; limit {report['limit']}; repeats "
          f"{args.repeats} (sides take turns, fastest wall kept)")
    print(json.dumps(report))
    if not ok:
        print("shared_prefix_vs_lmeval: numbers differ from lm-eval (see lls_within_tolerance, "
              "decisions_identical)", file=sys.stderr)
        raise SystemExit(1)
    return report


if __name__ == "__main__":
    main()
