"""Generation on the default model: Assay's batched `generate` vs two Hugging Face baselines.

Prompts: the `counterfactual` suite's built-in prompts (first `--limit`), chat template applied,
greedy, `--max-new-tokens`. Measured side by side in one process on one loaded model:
- `assay`: `HFModel.generate` (length-sorted, left-padded batches under a token budget);
- `hf_one_at_a_time`: `model.generate` once per prompt, the way garak's local Hugging Face
  generators call the model;
- `hf_batched`: one plain `model.generate` over all prompts, left-padded by the tokenizer.
Tokens are counted the same way for all three (tokens of the decoded answer), so tokens/s compare.
Prints one JSON line with tokens/s, wall and CPU seconds, peak RSS growth, ratios and the share
of answers identical to the one-at-a-time baseline.

    .venv/bin/python -m bench.generation --limit 48 --max-new-tokens 32
"""

from __future__ import annotations

import argparse
import json
import platform
import time

from bench._measure import measure

__all__ = ["main"]


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=48)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    args = ap.parse_args(argv)

    import torch

    from audit.model import HFModel
    from audit.model.base import GenerationConfig
    from probes.bias.counterfactual import builtin_cases

    lm = HFModel("default", device="cpu").load()
    tok, model = lm.tokenizer, lm.model
    prompts = list(dict.fromkeys(p for c in builtin_cases() for p in c.prompts.values()))
    prompts = prompts[:args.limit]
    texts = [lm.format_prompt(p) for p in prompts]
    greedy = {"max_new_tokens": args.max_new_tokens, "do_sample": False, "temperature": None,
              "top_p": None, "top_k": None, "pad_token_id": tok.pad_token_id,
              "eos_token_id": tok.eos_token_id}

    def assay() -> list[str]:
        return lm.generate(prompts, GenerationConfig(max_new_tokens=args.max_new_tokens))

    def one_at_a_time() -> list[str]:
        out = []
        with torch.inference_mode():
            for t in texts:
                enc = tok(t, return_tensors="pt", add_special_tokens=False)
                gen = model.generate(**enc, **greedy)
                out.append(tok.decode(gen[0, enc["input_ids"].shape[1]:],
                                      skip_special_tokens=True).strip())
        return out

    def batched() -> list[str]:
        side = tok.padding_side
        tok.padding_side = "left"
        try:
            enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        finally:
            tok.padding_side = side
        with torch.inference_mode():
            gen = model.generate(**enc, **greedy)
        width = enc["input_ids"].shape[1]
        return [tok.decode(g[width:], skip_special_tokens=True).strip() for g in gen]

    lm.generate(prompts[:2], GenerationConfig(max_new_tokens=4))  # warm-up: kernel selection
    runs = {}
    for name, fn in (("assay", assay), ("hf_one_at_a_time", one_at_a_time),
                     ("hf_batched", batched)):
        outs, wall, cpu, peak = measure(fn)
        n_tokens = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in outs)
        runs[name] = {"outputs": outs, "wall_s": wall, "cpu_s": cpu, "tokens": n_tokens,
                      "peak_rss_growth_mib": peak}
    ref = runs["hf_one_at_a_time"]["outputs"]
    report = {
        "bench": "generation", "prompts": len(prompts), "max_new_tokens": args.max_new_tokens,
        "model": lm.identity.name, "device": "cpu", "torch_threads": torch.get_num_threads(),
        "machine": platform.machine(), "date": time.strftime("%Y-%m-%d"),
        "tokens_per_s": {k: round(v["tokens"] / v["wall_s"], 1) for k, v in runs.items()},
        "tokens": {k: v["tokens"] for k, v in runs.items()},
        "wall_s": {k: round(v["wall_s"], 2) for k, v in runs.items()},
        "cpu_s": {k: round(v["cpu_s"], 2) for k, v in runs.items()},
        "peak_rss_growth_mib": {k: round(v["peak_rss_growth_mib"], 1) for k, v in runs.items()},
        "speedup_vs": {k: round(v["wall_s"] / runs["assay"]["wall_s"], 2)
                       for k, v in runs.items() if k != "assay"},
        "same_answer_as_one_at_a_time": {
            k: round(sum(a == b for a, b in zip(v["outputs"], ref)) / len(ref), 3)
            for k, v in runs.items() if k != "hf_one_at_a_time"},
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
