"""Where a decode step's time goes (torch.profiler), 8B Llama shape, batch 128; GPU only."""

from __future__ import annotations

import sys

import torch
from torch.profiler import ProfilerActivity, profile
from transformers import StaticCache

from bench._arch import random_llama


def main(batch: int = 128, prompt: int = 32, steps: int = 4) -> None:
    model = random_llama(sys.argv[1] if len(sys.argv) > 1 else "llama3-8b")
    ids = torch.randint(3, model.config.vocab_size - 1, (batch, prompt), device="cuda")
    max_len = prompt + 16
    cache = StaticCache(config=model.config, max_cache_len=max_len)
    dtype = next(model.parameters()).dtype
    with torch.inference_mode():
        model(input_ids=ids, past_key_values=cache, cache_position=torch.arange(prompt,
              device="cuda"), logits_to_keep=1)
        tok = ids[:, -1:]
        mask = torch.zeros((batch, 1, 1, max_len), dtype=dtype, device="cuda")
        mask[..., prompt + steps + 2:] = torch.finfo(dtype).min

        def step(i: int) -> None:
            pos = torch.tensor([prompt + i], device="cuda")
            model(input_ids=tok, attention_mask=mask, position_ids=pos[None, :].expand(batch, 1),
                  past_key_values=cache, cache_position=pos)

        step(0)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            for i in range(1, steps + 1):
                step(i)
            torch.cuda.synchronize()
    print(prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=18,
                                    max_name_column_width=60))
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12,
                                    max_name_column_width=60))


if __name__ == "__main__":
    main()
