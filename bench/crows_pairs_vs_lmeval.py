"""CrowS-Pairs on the default model: Assay's `crows_pairs` suite vs lm-evaluation-harness.

Same process, same loaded model and tokenizer, same pairs (`--limit` seeded sample of the shared
`crows_pairs/multilingual/crows_pairs_EN_revised+210.csv`, the file lm-eval's
`crows_pairs_english` uses). Baseline: `lm_eval.models.huggingface.HFLM` wrapping that model,
`loglikelihood` on Instances with `("", sentence)` arguments (what the task's empty
`doc_to_text` / `target_delimiter` produce) and the task's own `process_results`. Both sides run
`--repeats` times, interleaved, after a small warm-up; the fastest wall time counts. Prints one
JSON line: both metric pairs, whether they agree, per-pair max |ΔLL|, times, ratios, and memory.

Memory (`memory`): before the timed runs, each side runs once alone in a fresh interpreter that
loads the same model; `growth_mib` = kernel peak RSS (VmHWM) while scoring minus RSS after the
model loaded, so the weights (shared by both sides) are not counted and no side inherits another's
allocator state. (`peak_rss_growth_mib` is the older in-process sampled figure, kept for
comparison: the side measured first pays the allocator warm-up.) `--no-memory` skips it.

    .venv/bin/python -m bench.crows_pairs_vs_lmeval --limit 300
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from bench._measure import measure

__all__ = ["main"]


def _lm_eval_scores(hflm, docs):
    from lm_eval.api.instance import Instance
    from lm_eval.tasks.crows_pairs.utils import doc_to_choice, process_results

    requests = [Instance(request_type="loglikelihood", doc=d, arguments=("", c), idx=j)
                for d in docs for j, c in enumerate(doc_to_choice(d))]
    results = hflm.loglikelihood(requests, disable_tqdm=True)
    per_doc = [process_results(d, results[2 * i:2 * i + 2]) for i, d in enumerate(docs)]
    return ({"pct_stereotype": float(np.mean([r["pct_stereotype"] for r in per_doc])),
             "likelihood_diff": float(np.mean([r["likelihood_diff"] for r in per_doc]))},
            [ll for ll, _ in results])


def _setup(limit: int, seed: int):
    from audit.model import HFModel
    from audit.paths import datasets_dir
    from probes.bias.crows_pairs import CrowsPairsSuite

    path = datasets_dir() / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv"
    lm = HFModel("default", device="cpu").load()
    suite = CrowsPairsSuite(path, limit=limit, seed=seed)
    suite.prepare()
    return path, lm, suite, suite.rows.to_dict("records")


def _memory_side(side: str, limit: int, seed: int) -> dict:
    """One side alone in this fresh process: peak RSS growth while it scores, model excluded."""
    from bench._measure import memory_marks
    from probes.base import SuiteContext

    _, lm, suite, docs = _setup(limit, seed)
    loaded = memory_marks(reset=True)
    if side == "assay":
        suite.run(SuiteContext(model=lm, run_id="bench", seed=seed))
    else:
        from lm_eval.models.huggingface import HFLM

        batch = int(side.removeprefix("lm_eval_bs"))
        _lm_eval_scores(HFLM(pretrained=lm.model, tokenizer=lm.tokenizer, batch_size=batch),
                        docs)
    end = memory_marks()
    return {"side": side, "model_loaded_rss_mib": loaded["rss_mib"],
            "peak_rss_mib": end["peak_rss_mib"],
            "growth_mib": round(end["peak_rss_mib"] - loaded["rss_mib"], 1)}


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=300, help="pairs (seeded sample)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--lmeval-batch-sizes", default="1,16",
                    help="comma-separated HFLM batch sizes to time (1 is lm-eval's default)")
    ap.add_argument("--no-memory", action="store_true",
                    help="skip the per-side memory runs in fresh interpreters")
    ap.add_argument("--memory-side", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_side:
        out = _memory_side(args.memory_side, args.limit, args.seed)
        print(json.dumps(out))
        return out
    sizes = [int(b) for b in args.lmeval_batch_sizes.split(",")]
    memory: dict[str, object] | None = None
    if not args.no_memory:  # before this process loads anything
        from bench._measure import memory_by_side

        memory = memory_by_side(
            "bench.crows_pairs_vs_lmeval", ["assay"] + [f"lm_eval_bs{b}" for b in sizes],
            ["--limit", str(args.limit), "--seed", str(args.seed)],
            "fresh interpreter per side; kernel VmHWM minus RSS after the model loaded (MiB)")

    import torch
    from lm_eval.models.huggingface import HFLM

    from probes.base import SuiteContext

    path, lm, suite, docs = _setup(args.limit, args.seed)
    hflms = {b: HFLM(pretrained=lm.model, tokenizer=lm.tokenizer, batch_size=b) for b in sizes}

    def ours():
        res = suite.run(SuiteContext(model=lm, run_id="bench", seed=args.seed))
        return {m.name: m.value for m in res.metrics if m.group is None}

    # warm-up (first-call kernel selection) on a few pairs, both sides
    lm.loglikelihood([("", docs[0]["sent_more"])] * 4)
    _lm_eval_scores(hflms[sizes[0]], docs[:2])

    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    mem: dict[str, float] = {}
    outputs: dict[str, object] = {}
    for _ in range(args.repeats):
        for name, fn in [("assay", ours)] + [
                (f"lm_eval_bs{b}", (lambda h=h: _lm_eval_scores(h, docs)))
                for b, h in hflms.items()]:
            out, wall, c, peak = measure(fn)
            if wall < best.get(name, float("inf")):
                best[name], cpu[name] = wall, c
            mem[name] = max(mem.get(name, 0.0), peak)
            outputs[name] = out

    ref_metrics, ref_lls = outputs[f"lm_eval_bs{sizes[0]}"]
    ours_metrics = outputs["assay"]
    requests = [("", s) for d in docs for s in (d["sent_more"], d["sent_less"])]
    ours_lls = lm.loglikelihood(requests)
    max_dll = float(np.max(np.abs(np.asarray(ours_lls) - np.asarray(ref_lls))))
    report = {
        "bench": "crows_pairs_vs_lmeval", "pairs": len(docs), "data": path.name,
        "model": lm.identity.name, "device": "cpu", "torch_threads": torch.get_num_threads(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": time.strftime("%Y-%m-%d"),
        "assay": {"pct_stereotype": ours_metrics["pct_stereotype"],
                  "likelihood_diff": ours_metrics["likelihood_diff"]},
        "lm_eval": ref_metrics,
        "pct_stereotype_identical": ours_metrics["pct_stereotype"] == ref_metrics["pct_stereotype"],
        "likelihood_diff_abs_delta": abs(ours_metrics["likelihood_diff"]
                                         - ref_metrics["likelihood_diff"]),
        "max_abs_pair_ll_delta": max_dll,
        "wall_s": {k: round(v, 3) for k, v in best.items()},
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "peak_rss_growth_mib": {k: round(v, 1) for k, v in mem.items()},
        "memory": memory,
        "speedup_vs": {k: round(v / best["assay"], 2) for k, v in best.items() if k != "assay"},
        "cpu_speedup_vs": {k: round(v / cpu["assay"], 2) for k, v in cpu.items() if k != "assay"},
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
