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
    """Per-token log P(target | prompt) for many prompts, packed into bounded batches.

    `companions` are the other continuations of the same request (the foil): whenever a prompt
    is scored for one continuation it is scored for all of them in the same forward pass and
    cached, so the foil's pass over the same perturbations costs nothing extra.
    """

    def __init__(self, lm: Any, config: ExplainConfig,
                 companions: Sequence[Sequence[int]] = ()) -> None:
        self.lm = lm
        self.config = config
        self.budget = token_budget(lm, config)
        self.companions = [tuple(int(t) for t in c) for c in companions]
        self._cache: dict[tuple[tuple[int, ...], tuple[int, ...]], Any] = {}
        self.forward_passes = 0

    def _prefix(self) -> list[int]:
        tok = self.lm.tokenizer
        pid = getattr(self.lm, "prefix_token_id", None)
        if pid is None:
            pid = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        return [int(pid)]

    def _score_pairs(self, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> list[Any]:
        import torch

        from audit.model._scoring import _forward_selected

        if not pairs:
            return []
        model, device = self.lm.model, self.lm.device
        pad = self.lm.tokenizer.pad_token_id or 0
        seqs = [(list(p) or self._prefix(), list(t)) for p, t in pairs]
        widths = [len(p) + len(t) - 1 for p, t in seqs]
        rows_per = max(1, min(self.config.batch_rows, self.budget // max(1, max(widths))))
        out: list[Any] = []
        with torch.no_grad():
            for s in range(0, len(seqs), rows_per):
                chunk = seqs[s:s + rows_per]
                width = max(widths[s:s + rows_per])
                ids = torch.full((len(chunk), width), pad, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                rows, cols, tgts = [], [], []
                for r, (p, t) in enumerate(chunk):
                    whole = (p + t)[:-1]
                    ids[r, :len(whole)] = torch.tensor(whole)
                    mask[r, :len(whole)] = 1
                    rows += [r] * len(t)
                    cols += list(range(len(p) - 1, len(p) - 1 + len(t)))
                    tgts += t
                lp = _forward_selected(model, ids.to(device), mask.to(device),
                                       torch.tensor(rows, device=device),
                                       torch.tensor(cols, device=device),
                                       torch.tensor(tgts, device=device)).float().cpu()
                self.forward_passes += 1
                i = 0
                for _, t in chunk:
                    out.append(lp[i:i + len(t)])
                    i += len(t)
        return out

    def token_logprobs(self, prompts: Sequence[Sequence[int]], target: Sequence[int]) -> Any:
        """Tensor (len(prompts), len(target)) of log P(target_j | prompt, target_<j), float32."""
        import torch

        tgt = tuple(int(t) for t in target)
        keys = [tuple(int(t) for t in p) for p in prompts]
        conts = [tgt] + [c for c in self.companions if c != tgt]
        todo = list(dict.fromkeys((p, c) for p in keys for c in conts
                                  if (p, c) not in self._cache))
        for pair, lp in zip(todo, self._score_pairs(todo)):
            self._cache[pair] = lp
        return torch.stack([self._cache[(p, tgt)] for p in keys])

    def logprob(self, prompts: Sequence[Sequence[int]], target: Sequence[int]) -> list[float]:
        """Summed log P(target | prompt) for each prompt."""
        return self.token_logprobs(prompts, target).sum(dim=1).tolist()
