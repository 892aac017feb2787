"""Batched teacher-forced log-probs of a target after many (perturbed) prompts, no gradients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from audit.explain.config import ExplainConfig

__all__ = ["TargetScorer", "baseline_token_id", "token_budget"]


def token_budget(lm: Any, config: ExplainConfig) -> int:
    """Padded tokens per forward pass: the config's, else the model wrapper's, else 4096."""
    if config.token_budget:
        return int(config.token_budget)
    fn = getattr(lm, "_batch_tokens", None)
    return int(fn()) if callable(fn) else 4096


def baseline_token_id(tokenizer: Any, config: ExplainConfig) -> int:
    """The id that stands for a removed prompt token (captum's TextTokenInput `baselines`)."""
    if config.baseline == "space":
        ids = tokenizer.encode(" ", add_special_tokens=False)
        if len(ids) == 1:
            return int(ids[0])
    if config.baseline == "pad" and tokenizer.pad_token_id is not None:
        return int(tokenizer.pad_token_id)
    eos = tokenizer.eos_token_id
    return int(eos if eos is not None else 0)


class TargetScorer:
    """Per-token log P(target | prompt) for many prompts, packed into bounded batches."""

    def __init__(self, lm: Any, config: ExplainConfig) -> None:
        self.lm = lm
        self.config = config
        self.budget = token_budget(lm, config)

    def _prefix(self) -> list[int]:
        tok = self.lm.tokenizer
        pid = getattr(self.lm, "prefix_token_id", None)
        if pid is None:
            pid = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        return [int(pid)]

    def token_logprobs(self, prompts: Sequence[Sequence[int]], target: Sequence[int]) -> Any:
        """Tensor (len(prompts), len(target)) of log P(target_j | prompt, target_<j), float32."""
        import torch

        from audit.model._scoring import _forward_selected

        model, device = self.lm.model, self.lm.device
        pad = self.lm.tokenizer.pad_token_id or 0
        tgt = [int(t) for t in target]
        n_t = len(tgt)
        seqs = [(list(p) or self._prefix()) for p in prompts]
        out = torch.empty(len(seqs), n_t, dtype=torch.float32)
        width_max = max(len(s) for s in seqs) + n_t - 1
        rows_per = max(1, min(self.config.batch_rows, self.budget // max(1, width_max)))
        with torch.no_grad():
            for s in range(0, len(seqs), rows_per):
                chunk = seqs[s:s + rows_per]
                width = max(len(c) for c in chunk) + n_t - 1
                ids = torch.full((len(chunk), width), pad, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                rows, cols = [], []
                for r, c in enumerate(chunk):
                    whole = (c + tgt)[:-1]
                    ids[r, :len(whole)] = torch.tensor(whole)
                    mask[r, :len(whole)] = 1
                    rows += [r] * n_t
                    cols += list(range(len(c) - 1, len(c) - 1 + n_t))
                lp = _forward_selected(model, ids.to(device), mask.to(device),
                                       torch.tensor(rows, device=device),
                                       torch.tensor(cols, device=device),
                                       torch.tensor(tgt * len(chunk), device=device))
                out[s:s + len(chunk)] = lp.float().cpu().view(len(chunk), n_t)
        return out

    def logprob(self, prompts: Sequence[Sequence[int]], target: Sequence[int]) -> list[float]:
        """Summed log P(target | prompt) for each prompt."""
        return self.token_logprobs(prompts, target).sum(dim=1).tolist()
