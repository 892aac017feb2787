"""Faithfulness of each attribution method on the default model vs random attributions.

ERASER (DeYoung et al. 2020, "ERASER: A Benchmark to Evaluate Rationalized NLP Models", ACL):
with m(x) the model's probability for its class, r_k the top-k% tokens of an attribution,

  comprehensiveness = m(x) - m(x without r_k)   (higher: the top tokens were needed)
  sufficiency       = m(x) - m(r_k alone)       (lower: the top tokens were enough)

each averaged over k in {1, 5, 10, 20, 50}% (AOPC; at least one token per bin). Here the
"class" is the target against its foil, m = P(target | {target, foil}) = sigmoid(log P(target)
- log P(foil)), and removing tokens deletes them from the prompt (ERASER's definition). Random
attributions are seeded permutations, averaged over `--draws` draws per prompt. A method beats
random when its paired mean difference to random has a 95% bootstrap CI above 0 for
comprehensiveness and below 0 for sufficiency.

    .venv/bin/python -m bench.explain_faithfulness [--limit N] [--methods ig,ablation,...]

prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import time
from datetime import UTC, datetime

import numpy as np

# (prompt, target, foil): copying, facts, agreement, sequences, pronouns.
PROMPTS: list[tuple[str, str, str]] = [
    ("The password is apple. The password is", " apple", " pear"),
    ("My name is Alice. Hello, my name is", " Alice", " Bob"),
    ("The meeting is on Friday. Remember, the meeting is on", " Friday", " Monday"),
    ("The winner of the race was Maria. The trophy went to", " Maria", " John"),
    ("Contact me at bob@example.com. Again, my email is", " bob", " alice"),
    ("The capital of France is", " Paris", " London"),
    ("The capital of Japan is", " Tokyo", " Beijing"),
    ("Paris is in France and Berlin is in", " Germany", " Spain"),
    ("The sun rises in the", " east", " west"),
    ("Water freezes at zero degrees", " Celsius", " Fahrenheit"),
    ("The color of the sky on a clear day is", " blue", " green"),
    ("The opposite of hot is", " cold", " warm"),
    ("Ice is cold and fire is", " hot", " cold"),
    ("Apples are red and bananas are", " yellow", " red"),
    ("The first month of the year is", " January", " February"),
    ("One, two, three, four,", " five", " six"),
    ("Monday, Tuesday, Wednesday,", " Thursday", " Friday"),
    ("Tom is taller than Sam, so Sam is", " shorter", " taller"),
    ("The keys to the cabinet", " are", " is"),
    ("The key to the cabinets", " is", " are"),
    ("Mary went to the store because", " she", " he"),
    ("John went to the store because", " he", " she"),
    ("The nurse said that", " she", " he"),
    ("The mechanic said that", " he", " she"),
    ("A cat says meow and a dog says", " woof", " moo"),
    ("I put the milk in the fridge to keep it", " cold", " warm"),
]
BINS = (0.01, 0.05, 0.10, 0.20, 0.50)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def eraser_scores(scorer, prompt_ids: tuple[int, ...], target, foil,
                  rankings: list[list[int]]) -> list[tuple[float, float]]:
    """(comprehensiveness AOPC, sufficiency AOPC) for each ranking (most important first)."""
    n = len(prompt_ids)
    ks = [max(1, math.ceil(b * n)) for b in BINS]
    variants: list[list[int]] = [list(prompt_ids)]
    for rank in rankings:
        for k in ks:
            top = set(rank[:k])
            variants.append([t for i, t in enumerate(prompt_ids) if i not in top])  # x \ r
            variants.append([t for i, t in enumerate(prompt_ids) if i in top])  # r alone
    lt = np.asarray(scorer.logprob(variants, target))
    lf = np.asarray(scorer.logprob(variants, foil))
    m = _sigmoid(lt - lf)
    full, rest = m[0], m[1:].reshape(len(rankings), len(ks), 2)
    return [(float(np.mean(full - r[:, 0])), float(np.mean(full - r[:, 1]))) for r in rest]


def _summary(values: list[float], seed: int) -> dict:
    from audit.metrics.ci import bootstrap_ci

    lo, hi = bootstrap_ci(np.asarray(values), seed=seed)
    return {"mean": round(float(np.mean(values)), 4), "ci95": [round(lo, 4), round(hi, 4)],
            "n": len(values)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="use the first N prompts")
    ap.add_argument("--methods", default="ablation,ig,shapley,shap")
    ap.add_argument("--draws", type=int, default=10, help="random attributions per prompt")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: leave as is)")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)

    import torch

    from audit.explain import ExplainConfig, get_explainer
    from audit.explain._scoring import TargetScorer
    from audit.explain.request import ExplainRequest
    from audit.model import HFModel

    if args.threads:
        torch.set_num_threads(args.threads)
    lm = HFModel("default", device=args.device).load()
    config = ExplainConfig(seed=args.seed)
    scorer = TargetScorer(lm, config)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    prompts = PROMPTS[:args.limit] if args.limit else PROMPTS
    rng = random.Random(args.seed)
    per: dict[str, dict[str, list[float]]] = {m: {"comp": [], "suff": [], "secs": []}
                                              for m in methods + ["random"]}
    diffs: dict[str, dict[str, list[float]]] = {m: {"comp": [], "suff": []} for m in methods}
    n_prefers_target = 0
    for prompt, target, foil in prompts:
        req = ExplainRequest.build(lm, prompt, target, foil)
        n = len(req.prompt_ids)
        rand_ranks = []
        for _ in range(args.draws):
            r = list(range(n))
            rng.shuffle(r)
            rand_ranks.append(r)
        rand = eraser_scores(scorer, req.prompt_ids, req.target_ids, req.foil_ids, rand_ranks)
        r_comp = float(np.mean([c for c, _ in rand]))
        r_suff = float(np.mean([s for _, s in rand]))
        per["random"]["comp"].append(r_comp)
        per["random"]["suff"].append(r_suff)
        for method in methods:
            t0 = time.perf_counter()
            att = get_explainer(method, config).explain(lm, prompt, target, foil)
            per[method]["secs"].append(time.perf_counter() - t0)
            if len(att.scores) != n:
                raise RuntimeError(f"{method}: {len(att.scores)} features for {n} tokens")
            n_prefers_target += method == methods[0] and att.score > 0
            (comp, suff), = eraser_scores(scorer, req.prompt_ids, req.target_ids, req.foil_ids,
                                          [att.ranking()])
            per[method]["comp"].append(comp)
            per[method]["suff"].append(suff)
            diffs[method]["comp"].append(comp - r_comp)
            diffs[method]["suff"].append(suff - r_suff)

    out: dict = {"bench": "explain_faithfulness", "model": lm.identity.name,
                 "device": lm.device, "threads": torch.get_num_threads(),
                 "machine": platform.machine(), "date": datetime.now(UTC).date().isoformat(),
                 "n_prompts": len(prompts), "prompts_preferring_target": int(n_prefers_target),
                 "bins": list(BINS), "random_draws": args.draws, "config": config.to_dict(),
                 "random": {"comprehensiveness": _summary(per["random"]["comp"], args.seed),
                            "sufficiency": _summary(per["random"]["suff"], args.seed)},
                 "methods": {}}
    for method in methods:
        dc = _summary(diffs[method]["comp"], args.seed)
        ds = _summary(diffs[method]["suff"], args.seed)
        out["methods"][method] = {
            "comprehensiveness": _summary(per[method]["comp"], args.seed),
            "sufficiency": _summary(per[method]["suff"], args.seed),
            "comprehensiveness_minus_random": dc, "sufficiency_minus_random": ds,
            "beats_random_comprehensiveness": dc["ci95"][0] > 0,
            "beats_random_sufficiency": ds["ci95"][1] < 0,
            "beats_random": dc["ci95"][0] > 0 and ds["ci95"][1] < 0,
            "seconds_per_prompt": round(float(np.mean(per[method]["secs"])), 3)}
    print(json.dumps(out, separators=(",", ":")))
    return out


if __name__ == "__main__":
    main()
