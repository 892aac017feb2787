"""Batched continuation scoring without a full-vocabulary log-softmax over the whole batch.

Requests are sorted longest first (as lm-evaluation-harness does), packed into batches under a
padded-token budget, padded once on the right, and run through the decoder body. Only the hidden
states at continuation positions go through the LM head, and the log-softmax normaliser is a
chunked float32 logsumexp over those rows, so memory is O(selected rows x vocab / chunks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["score_batches", "plan_batches"]

_LOGIT_ROWS_PER_CHUNK = 1024


def plan_batches(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Indices grouped into batches, longest first, each with max_len * size <= budget."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        width = lengths[cur[0]] if cur else lengths[i]
        if cur and width * (len(cur) + 1) > budget:
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def _uses_plain_head(model: Any) -> bool:
    cfg = model.config
    return not (getattr(cfg, "final_logit_softcapping", None) or getattr(cfg, "logit_scale", None)
                or getattr(cfg, "logits_scaling", None))


def _forward_selected(model: Any, input_ids: Any, attention_mask: Any, rows: Any, cols: Any,
                      targets: Any) -> Any:
    """Log-prob of `targets` at positions (rows, cols); float32, shape (len(rows),)."""
    import torch

    if _uses_plain_head(model):
        body = getattr(model, model.base_model_prefix)
        hidden = body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        selected = hidden[rows, cols]
        head = model.get_output_embeddings()
        out = torch.empty(selected.shape[0], dtype=torch.float32, device=selected.device)
        for s in range(0, selected.shape[0], _LOGIT_ROWS_PER_CHUNK):
            logits = head(selected[s:s + _LOGIT_ROWS_PER_CHUNK]).float()
            t = targets[s:s + _LOGIT_ROWS_PER_CHUNK]
            out[s:s + logits.shape[0]] = (logits.gather(1, t[:, None])[:, 0]
                                          - torch.logsumexp(logits, dim=-1))
        return out
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits[rows, cols].float()
    return logits.gather(1, targets[:, None])[:, 0] - torch.logsumexp(logits, dim=-1)


def score_batches(lm: Any, pairs: Sequence[tuple[list[int], list[int]]],
                  progress: Callable[[int], None] | None = None) -> list[float]:
    import torch

    model, device = lm.model, lm.device
    max_len = lm.max_length
    pad = lm.tokenizer.pad_token_id or 0
    inputs: list[list[int]] = []
    n_targets: list[int] = []
    for ctx, cont in pairs:
        whole = (list(ctx) + list(cont))[-(max_len + 1):]
        inputs.append(whole[:-1])
        n_targets.append(min(len(cont), len(whole) - 1))
    result = [0.0] * len(pairs)
    todo = [i for i in range(len(pairs)) if n_targets[i] > 0 and inputs[i]]
    budget = lm._batch_tokens()
    queue = plan_batches([len(inputs[i]) for i in todo], budget)
    queue = [[todo[j] for j in b] for b in queue]
    while queue:
        batch = queue.pop(0)
        width = max(len(inputs[i]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        rows, cols, tgts, owner = [], [], [], []
        for r, i in enumerate(batch):
            seq = inputs[i]
            ids[r, :len(seq)] = torch.tensor(seq)
            mask[r, :len(seq)] = 1
            full = seq + [pairs[i][1][-1]]  # input shifted by one gives the targets
            k = n_targets[i]
            for pos in range(len(seq) - k, len(seq)):
                rows.append(r)
                cols.append(pos)
                tgts.append(full[pos + 1])
                owner.append(i)
        try:
            with torch.inference_mode():
                lp = _forward_selected(model, ids.to(device), mask.to(device),
                                       torch.tensor(rows, device=device),
                                       torch.tensor(cols, device=device),
                                       torch.tensor(tgts, device=device))
        except torch.cuda.OutOfMemoryError:
            if len(batch) == 1:
                raise
            torch.cuda.empty_cache()
            half = len(batch) // 2
            queue[:0] = [batch[:half], batch[half:]]
            continue
        sums = torch.zeros(len(pairs), dtype=torch.float64)
        sums.index_add_(0, torch.tensor(owner), lp.double().cpu())
        for i in batch:
            result[i] = float(sums[i])
        if progress:
            progress(len(batch))
    if progress:
        progress(len(pairs) - len(todo))
    return result
