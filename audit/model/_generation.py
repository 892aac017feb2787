"""Batched generation: chat-formatted, length-sorted, left-padded once, greedy or seeded sampling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import logging

from audit.model._scoring import plan_batches
from audit.model._static_decode import static_greedy_decode
from audit.model.base import GenerationConfig

__all__ = ["generate_batches"]

log = logging.getLogger(__name__)


def lm_uses_static(lm: Any) -> bool:
    """Greedy decoding on CUDA goes through the static-cache CUDA-graph loop unless it failed
    once for this model (or `ASSAY_STATIC_DECODE=0`)."""
    import os

    return getattr(lm, "_static_decode", True) and os.environ.get("ASSAY_STATIC_DECODE") != "0"


def generate_batches(lm: Any, prompts: list[str], config: GenerationConfig,
                     progress: Callable[[int], None] | None = None) -> list[str]:
    import torch

    tok, model, device = lm.tokenizer, lm.model, lm.device
    texts = [lm.format_prompt(p, config.chat) for p in prompts]
    encoded = [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
    budget = lm._batch_tokens("generate")
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
        new_tokens = None
        if config.temperature == 0 and str(device).startswith("cuda") and lm_uses_static(lm):
            try:
                new_tokens = static_greedy_decode(model, ids.to(device), mask.to(device),
                                                  config.max_new_tokens, eos, pad)
            except Exception as exc:  # an architecture the static path can't run: stock generate
                log.warning("static CUDA-graph decode unavailable (%s); using generate()", exc)
                lm._static_decode = False
        if new_tokens is None:
            with torch.inference_mode():
                gen = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device),
                                     **kwargs)
            new_tokens = gen[:, width:]
        for r, i in enumerate(batch):
            out[i] = tok.decode(new_tokens[r], skip_special_tokens=True).strip()
        if progress:
            progress(len(batch))
    return out
