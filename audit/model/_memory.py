"""Batch sizing from free accelerator memory."""

from __future__ import annotations

from typing import Any

__all__ = ["cuda_token_budget"]


def cuda_token_budget(model: Any, fraction: float = 0.6, floor: int = 2048,
                      ceiling: int = 1 << 17) -> int:
    """Padded tokens per forward pass that fit in `fraction` of free GPU memory.

    Per token a forward pass in inference mode keeps roughly a few hidden-size activations alive
    per layer plus the selected logits rows (vocab floats, chunked); we budget 8 hidden vectors and
    2 KV vectors per layer, which measured conservative on Llama-style models.
    """
    import torch

    free, _total = torch.cuda.mem_get_info(next(model.parameters()).device)
    cfg = model.config
    hidden = int(getattr(cfg, "hidden_size", 4096))
    layers = int(getattr(cfg, "num_hidden_layers", 32))
    itemsize = next(model.parameters()).element_size()
    per_token = itemsize * hidden * (8 + 2 * layers) + 4 * int(getattr(cfg, "vocab_size", 32000)) // 8
    return int(max(floor, min(ceiling, free * fraction // max(per_token, 1))))
