"""Greedy decoding over a static KV cache, with each decode step replayed as one CUDA graph.

Stock `generate` spends most of a decode step in Python (mask building, cache bookkeeping,
logits processors) once the batch is on a GPU: at 8B parameters and batch 128 the GPU work of a
step is a few milliseconds, the Python around it tens. Here the prompt is prefilled once, then a
single decode step — embedding, all layers, LM head, argmax, EOS bookkeeping — reads and writes
only fixed buffers (token, position, 4-D additive mask built in-graph from a step counter), so it
can be captured once and replayed. On CPU the same loop runs eagerly (no graph), which is how the
tests check it token for token against `model.generate`.
"""

from __future__ import annotations

from typing import Any

from audit.model._attention import use_gqa_decode_attention

__all__ = ["static_greedy_decode"]


def _prefill_mask(pad_mask: Any, prompt_len: int, max_len: int, dtype: Any) -> Any:
    import torch

    device = pad_mask.device
    q = torch.arange(prompt_len, device=device)[:, None]
    k = torch.arange(max_len, device=device)[None, :]
    allowed = (k <= q)[None, :, :] & pad_mask[:, None, :max_len].bool()
    mask = torch.zeros(allowed.shape, dtype=dtype, device=device)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[:, None, :, :]


def static_greedy_decode(model: Any, input_ids: Any, attention_mask: Any, max_new_tokens: int,
                         eos_token_id: int | None, pad_token_id: int,
                         use_cuda_graph: bool | None = None,
                         timings: dict[str, float] | None = None) -> Any:
    """New token ids (B, max_new_tokens) for left-padded `input_ids`; pad after EOS.

    With `timings`, phases are synchronised and their seconds recorded (for benchmarks only).
    """
    import time

    import torch

    def mark(name: str) -> None:
        if timings is not None:
            if input_ids.is_cuda:
                torch.cuda.synchronize()
            now = time.perf_counter()
            timings[name] = timings.get(name, 0.0) + now - mark.t  # type: ignore[attr-defined]
            mark.t = now  # type: ignore[attr-defined]

    mark.t = time.perf_counter()  # type: ignore[attr-defined]
    from transformers import StaticCache

    device = input_ids.device
    if use_cuda_graph is None:
        use_cuda_graph = device.type == "cuda"
    batch, prompt_len = input_ids.shape
    max_len = prompt_len + max_new_tokens
    dtype = next(model.parameters()).dtype
    cache = StaticCache(config=model.config, max_cache_len=max_len)
    pad_mask = torch.zeros((batch, max_len), dtype=torch.bool, device=device)
    pad_mask[:, :prompt_len] = attention_mask.bool()
    pad_mask[:, prompt_len:] = True
    n_pad = (attention_mask == 0).sum(dim=1, keepdim=True)
    positions = (torch.arange(prompt_len, device=device)[None, :] - n_pad).clamp(min=0)
    out = torch.full((batch, max_new_tokens), pad_token_id, dtype=torch.long, device=device)

    with torch.inference_mode(), use_gqa_decode_attention(model):
        logits = model(input_ids=input_ids, attention_mask=_prefill_mask(pad_mask, prompt_len,
                                                                         max_len, dtype),
                       position_ids=positions, past_key_values=cache,
                       cache_position=torch.arange(prompt_len, device=device), use_cache=True,
                       logits_to_keep=1).logits
        token = logits[:, -1].argmax(dim=-1, keepdim=True)
        finished = torch.zeros((batch, 1), dtype=torch.bool, device=device)
        if eos_token_id is not None:
            finished |= token == eos_token_id
        out[:, :1] = token
        mark("prefill")
        if max_new_tokens == 1:
            return out

        # Static buffers read and written by the decode step.
        step_pos = torch.tensor([prompt_len], dtype=torch.long, device=device)
        keys = torch.arange(max_len, device=device)[None, :]
        min_value = torch.finfo(dtype).min

        def step() -> None:
            allowed = pad_mask & (keys <= step_pos)
            mask = torch.where(allowed, 0.0, min_value).to(dtype)[:, None, None, :]
            pos = step_pos[None, :] - n_pad
            logits = model(input_ids=token, attention_mask=mask, position_ids=pos,
                           past_key_values=cache, cache_position=step_pos, use_cache=True).logits
            nxt = logits[:, -1].argmax(dim=-1, keepdim=True)
            if eos_token_id is not None:
                nxt = torch.where(finished, pad_token_id, nxt)
                finished.logical_or_(nxt == eos_token_id)
            token.copy_(nxt)

        graph = None
        if use_cuda_graph:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            saved = (token.clone(), finished.clone())
            # transformers' StaticLayer writes at its own on-device counter (`cumulative_length`,
            # advanced in place by every update): the warm-up step must not leave it one ahead.
            counters = [layer.cumulative_length for layer in getattr(cache, "layers", ())
                        if torch.is_tensor(getattr(layer, "cumulative_length", None))]
            saved_counters = [c.clone() for c in counters]
            with torch.cuda.stream(side):
                step()  # warm-up on a side stream (allocations, autotuning) before capture
            torch.cuda.current_stream().wait_stream(side)
            mark("warmup_step")
            token.copy_(saved[0])
            finished.copy_(saved[1])
            for c, v in zip(counters, saved_counters):
                c.copy_(v)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                step()
            # The warm-up wrote position prompt_len into the cache; it is overwritten below.
            mark("capture")
        for i in range(1, max_new_tokens):
            step_pos.fill_(prompt_len + i - 1)
            if graph is not None:
                graph.replay()
            else:
                step()
            out[:, i:i + 1] = token
        mark("decode_loop")
    return out
