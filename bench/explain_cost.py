"""Cost of the configured explainers vs captum's / SHAP's defaults, for the same result.

For each method and prompt (the faithfulness prompts), the contrastive attribution (target vs
foil) is computed twice in the same process, interleaved so both see the same machine load:

* default: captum's own defaults through the same captum classes: `LLMGradientAttribution` +
  `LayerIntegratedGradients` with its signature defaults (captum 0.9: n_steps=50,
  method="gausslegendre", internal_batch_size=None, i.e. all 50 nodes in one batch, one IG per
  target token; the values are read from the signature and printed); `LLMAttribution` +
  `FeatureAblation` / `ShapleyValueSampling` (n_samples=25) with one perturbation per forward
  pass and captum's token-by-token forward; SHAP `Partition` with max_evals=500 and the Text
  masker's default batch size (5), its model function scoring one padded row per masked prompt
  and continuation (`TargetScorer(share_rows=False)`, the scorer before row sharing and prefix
  packing). Same baseline token and same held-fixed first token for IG.
* configured: `audit.explain` with `ExplainConfig()` (IG 24 trapezoid-rule nodes in one batched
  pass, target and foil sharing the forward; perturbations batched up to 32 per forward, rows
  shared by target and foil and packed as prefix trees; Shapley 10 permutations; SHAP batches
  of 32).

"Same result": per prompt Pearson r between the two score vectors and whether the top feature
agrees; for the sampled Shapley estimate also default-vs-default with another seed (the noise
floor). For IG also the completeness error of both (captum's convergence delta, |sum of scores -
(f(x) - f(baseline))|, contrastive) and, with `--ig-reference N`, Pearson r of both against an
N-node Gauss-Legendre estimate (near the exact integral; the default's own distance from it is
the noise floor for "same result"). Speed-up = total default seconds / total configured seconds.

    .venv/bin/python -m bench.explain_cost [--limit N] [--methods ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bench.explain_faithfulness import PROMPTS


def captum_default(lm: Any, method: str, prompt: str, target: str, foil: str,
                   seed: int = 0) -> np.ndarray:
    """Contrastive scores with the libraries' default settings."""
    import torch
    from captum.attr import (
        FeatureAblation,
        LayerIntegratedGradients,
        LLMAttribution,
        LLMGradientAttribution,
        ShapleyValueSampling,
    )

    from audit.explain import ExplainConfig, get_explainer
    from audit.explain._features import token_input
    from audit.explain._scoring import baseline_token_id
    from audit.explain.request import ExplainRequest, NoSpecialTokens

    if method == "shap":
        # SHAP's defaults on the model function as it was before row sharing and prefix packing
        # (one padded row per masked prompt and continuation), so the baseline is unchanged
        from audit.explain._scoring import TargetScorer
        from audit.explain.shap_partition import ShapPartitionExplainer

        cfg = ExplainConfig(shap_max_evals=500, batch_rows=5, seed=seed)
        req = ExplainRequest.build(lm, prompt, target, foil)
        scorer = TargetScorer(lm, cfg, companions=req.continuations(), share_rows=False)
        raw = ShapPartitionExplainer(cfg)._attribute(lm, req, scorer)
        return np.asarray(raw.scores[0]) - np.asarray(raw.scores[1])
    model, tok = lm.model, lm.tokenizer
    req = ExplainRequest.build(lm, prompt, target, foil)
    inp = token_input(tok, req, baseline_token_id(tok, ExplainConfig()))
    out = []
    for cont in req.continuations():
        tgt = torch.tensor(cont)
        if method == "ig":
            attr = LLMGradientAttribution(
                LayerIntegratedGradients(model, model.get_input_embeddings()), NoSpecialTokens(tok))
            start = torch.zeros_like(inp.to_tensor())
            start[0, 0] = 1
            res = attr.attribute(inp, target=tgt, baselines=start)
        else:
            algo = FeatureAblation(model) if method == "ablation" else ShapleyValueSampling(model)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                res = LLMAttribution(algo, NoSpecialTokens(tok)).attribute(inp, target=tgt)
        out.append(res.seq_attr.detach().float().cpu().numpy())
    return out[0] - out[1]


def captum_ig_defaults() -> dict[str, Any]:
    """n_steps, method and internal_batch_size as `LayerIntegratedGradients.attribute` declares."""
    import inspect

    from captum.attr import LayerIntegratedGradients

    params = inspect.signature(LayerIntegratedGradients.attribute).parameters
    return {k: params[k].default for k in ("n_steps", "method", "internal_batch_size")}


def ig_reference(lm: Any, prompt: str, target: str, foil: str, n_steps: int) -> np.ndarray:
    """Contrastive IG with `n_steps` Gauss-Legendre nodes (same path, baseline and fixed token)."""
    from audit.explain import ExplainConfig, get_explainer

    cfg = ExplainConfig(ig_steps=n_steps, ig_method="gausslegendre")
    return np.asarray(get_explainer("ig", cfg).explain(lm, prompt, target, foil).scores)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=4, help="use the first N prompts")
    ap.add_argument("--methods", default="ablation,ig,shapley,shap")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: leave as is)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--noise", action="store_true",
                    help="also run default Shapley with another seed (the noise floor; slow)")
    ap.add_argument("--ig-reference", type=int, default=0, metavar="N",
                    help="also compare both IG results to an N-node Gauss-Legendre estimate")
    args = ap.parse_args(argv)

    import torch

    from audit.explain import ExplainConfig, get_explainer
    from audit.model import HFModel

    if args.threads:
        torch.set_num_threads(args.threads)
    lm = HFModel("default", device=args.device).load()
    config = ExplainConfig()
    prompts = PROMPTS[:args.limit]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    result: dict[str, Any] = {}
    for method in methods:
        t_def = t_cfg = 0.0
        rs, top1, noise = [], [], []
        d_delta, c_delta, d_ref, c_ref = [], [], [], []
        for prompt, target, foil in prompts:
            t0 = time.perf_counter()
            d = captum_default(lm, method, prompt, target, foil)
            t1 = time.perf_counter()
            att = get_explainer(method, config).explain(lm, prompt, target, foil)
            t2 = time.perf_counter()
            c = np.asarray(att.scores)
            t_def += t1 - t0
            t_cfg += t2 - t1
            rs.append(float(np.corrcoef(d, c)[0, 1]))
            top1.append(int(np.argmax(d) == np.argmax(c)))
            if method == "ig":
                gap = att.score - att.baseline_score  # same f(x), f(baseline) for both
                d_delta.append(abs(float(d.sum()) - gap))
                c_delta.append(abs(float(att.convergence_delta)))
                if args.ig_reference:
                    ref = ig_reference(lm, prompt, target, foil, args.ig_reference)
                    d_ref.append(float(np.corrcoef(d, ref)[0, 1]))
                    c_ref.append(float(np.corrcoef(c, ref)[0, 1]))
            if method == "shapley" and args.noise:
                d2 = captum_default(lm, method, prompt, target, foil, seed=1)
                noise.append(float(np.corrcoef(d, d2)[0, 1]))
        entry = {"default_s": round(t_def, 2), "configured_s": round(t_cfg, 2),
                 "speedup": round(t_def / t_cfg, 2), "pearson_r_mean": round(float(np.mean(rs)), 4),
                 "pearson_r_min": round(float(np.min(rs)), 4),
                 "top1_agreement": round(float(np.mean(top1)), 3)}
        if noise:
            entry["default_vs_default_other_seed_r_mean"] = round(float(np.mean(noise)), 4)
        if d_delta:
            entry["default_settings"] = captum_ig_defaults()
            entry["abs_convergence_delta"] = {
                "default_mean": round(float(np.mean(d_delta)), 4),
                "default_max": round(float(np.max(d_delta)), 4),
                "configured_mean": round(float(np.mean(c_delta)), 4),
                "configured_max": round(float(np.max(c_delta)), 4)}
        if d_ref:
            entry[f"r_vs_gl{args.ig_reference}"] = {
                "default_mean": round(float(np.mean(d_ref)), 4),
                "default_min": round(float(np.min(d_ref)), 4),
                "configured_mean": round(float(np.mean(c_ref)), 4),
                "configured_min": round(float(np.min(c_ref)), 4)}
        result[method] = entry
    total_def = sum(v["default_s"] for v in result.values())
    total_cfg = sum(v["configured_s"] for v in result.values())
    out = {"bench": "explain_cost", "model": lm.identity.name, "device": lm.device,
           "threads": torch.get_num_threads(), "machine": platform.machine(),
           "date": datetime.now(UTC).date().isoformat(), "n_prompts": len(prompts),
           "config": config.to_dict(), "methods": result,
           "speedup_all_methods": round(total_def / total_cfg, 2) if total_cfg else None,
           "min_speedup": min(v["speedup"] for v in result.values())}
    print(json.dumps(out, separators=(",", ":")))
    return out


if __name__ == "__main__":
    main()
