"""Batched generation: chat-formatted, length-sorted, left-padded once, greedy or seeded sampling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit.model._scoring import plan_batches
from audit.model.base import GenerationConfig

__all__ = ["generate_batches"]


def generate_batches(lm: Any, prompts: list[str], config: GenerationConfig,
                     progress: Callable[[int], None] | None = None) -> list[str]:
    import torch

    tok, model, device = lm.tokenizer, lm.model, lm.device
    texts = [lm.format_prompt(p, config.chat) for p in prompts]
    encoded = [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
    budget = lm._batch_tokens()
    widths = [len(e) + config.max_new_tokens for e in encoded]
    out: list[str] = [""] * len(prompts)
    pad = tok.pad_token_id
    eos = tok.eos_token_id
    for b, batch in enumerate(plan_batches(widths, budget)):
        width = max(len(encoded[i]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, i in enumerate(batch):
            seq = encoded[i]
            ids[r, width - len(seq):] = torch.tensor(seq, dtype=torch.long)
            mask[r, width - len(seq):] = 1
        kwargs: dict[str, Any] = {"max_new_tokens": config.max_new_tokens, "pad_token_id": pad,
                                  "eos_token_id": eos}
        if config.temperature > 0:
            torch.manual_seed(config.seed + b)
            kwargs.update(do_sample=True, temperature=config.temperature, top_p=config.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            gen = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), **kwargs)
        for r, i in enumerate(batch):
            out[i] = tok.decode(gen[r, width:], skip_special_tokens=True).strip()
        if progress:
            progress(len(batch))
    return out
