"""Suites whose requests share contexts: Assay's `loglikelihood` vs lm-evaluation-harness.

BBQ (every file under the shared `bbq/` directory: three answers after context + question),
StereoSet (intra- and intersentence: three options), HolisticBias (v1.1: sentences from one
template share its words) and CrowS-Pairs (two sentences that share ~16% of their tokens; the
control: sharing must not make it slower). Per suite, the requests are built by the suite's own
code (`--limit` seeded examples each; 0 = all), and the same requests go to

- `assay`: `HFModel.loglikelihood` (shared prefixes computed once, `audit.model._prefix_tree`),
- `assay_rows`: the same with `share_prefixes=False` (every request its own row),
- `lm_eval_bsN`: lm-eval's `HFLM.loglikelihood` wrapping the same loaded model and tokenizer, at
  each `--lmeval-batch-sizes` (1 is lm-eval's default; 16 measured best on this machine),

in one process, one after the other, after a small warm-up; `--repeats` > 1 keeps the fastest.
Identical numbers are asserted: every log-likelihood within 1e-5 relative (1e-4 absolute) of
lm-eval's at batch size 1, and every decision the suite takes from them (BBQ's chosen answer,
StereoSet's and CrowS-Pairs' preferences) the same; the run exits 1 if not. Prints one JSON line.

    .venv/bin/python -m bench.shared_prefix_vs_lmeval --limit 200
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


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print one JSON line; exit 1 if the numbers are not identical."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=200,
                    help="seeded examples per suite (HolisticBias: sentences, >= 40); 0 = all")
    ap.add_argument("--suites", default=",".join(SUITES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--lmeval-batch-sizes", default="1,16",
                    help="comma-separated HFLM batch sizes to time (1 is lm-eval's default)")
    args = ap.parse_args(argv)
    suites = [s for s in args.suites.split(",") if s]
    unknown = sorted(set(suites) - set(SUITES))
    if unknown:
        ap.error(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    sizes = [int(b) for b in args.lmeval_batch_sizes.split(",")]

    import torch
    from lm_eval.models.huggingface import HFLM

    from audit.model import HFModel

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
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": time.strftime("%Y-%m-%d %H:%M"), "load_before": os.getloadavg()[0],
        "suites": {}}
    ok = True
    for name in suites:
        requests, per, mean = _requests(name, args.limit or None, args.seed)
        pairs = [lm.encode_pair(c, x) for c, x in requests]
        counts = (np.array([max(1, len(x)) for _, x in pairs], dtype=float) if mean else None)
        row_tokens = sum(len(c) + len(x) - 1 for c, x in pairs)
        from audit.model._prefix_tree import trie_nodes

        nodes = trie_nodes(list({tuple((c + x)[:-1]) for c, x in pairs}))
        sides: dict[str, Callable[[], list[float]]] = {
            "assay": lambda: lm.loglikelihood(requests),
            "assay_rows": lambda: rows.loglikelihood(requests)}
        sides.update({f"lm_eval_bs{b}": (lambda h=h: _lm_eval(h, requests))
                      for b, h in hflms.items()})
        outs, wall = {}, {}
        for side, fn in sides.items():
            outs[side], wall[side] = _timed(fn, args.repeats)
        ref = np.asarray(outs[f"lm_eval_bs{sizes[0]}"])
        ours = np.asarray(outs["assay"])
        close = bool(np.allclose(ours, ref, rtol=1e-5, atol=1e-4))
        same = bool(np.array_equal(_decisions(ours, per, counts), _decisions(ref, per, counts)))
        ok &= close and same
        best_lm = min(v for k, v in wall.items() if k.startswith("lm_eval"))
        report["suites"][name] = {
            "requests": len(requests), "row_tokens": row_tokens, "trie_tokens": nodes,
            "max_abs_ll_delta": float(np.max(np.abs(ours - ref))),
            "lls_within_tolerance": close, "decisions_identical": same,
            "wall_s": {k: round(v, 2) for k, v in wall.items()},
            "speedup_vs": {k: round(v / wall["assay"], 2) for k, v in wall.items()
                           if k != "assay"},
            "speedup_vs_best_lm_eval": round(best_lm / wall["assay"], 2)}
    report["load_after"] = os.getloadavg()[0]
    report["identical_numbers"] = ok
    print(json.dumps(report))
    if not ok:
        print("shared_prefix_vs_lmeval: numbers differ from lm-eval (see lls_within_tolerance, "
              "decisions_identical)", file=sys.stderr)
        raise SystemExit(1)
    return report


if __name__ == "__main__":
    main()
