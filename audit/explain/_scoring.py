"""Batched teacher-forced log-probs of a target after many (perturbed) prompts, no gradients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from audit.explain.config import ExplainConfig
from audit.model.logprobs import packable, packed_logprobs, selected_logprobs

__all__ = ["TargetScorer", "baseline_token_id", "token_budget"]

# A packed sequence's attention is dense over the pack (T x T, the mask hides what a row must
# not see), so packs stay short: at 512 tokens attention adds ~15-20% to the linear layers' FLOPs
# on the default model, against ~45% fewer tokens on SHAP's coalitions. Rows longer than
# _PACK_ROW_TOKENS (four per pack) go in padded batches instead.
_PACK_TOKENS = 512
_PACK_ROW_TOKENS = _PACK_TOKENS // 4


def token_budget(lm: Any, config: ExplainConfig) -> int:
    """Padded tokens per forward pass: the config's, else the model wrapper's, else 4096."""
    if config.token_budget:
        return int(config.token_budget)
    fn = getattr(lm, "_batch_tokens", None)
    # "explain": the budget these batch shapes were tuned with (4096 on CPU), not the smaller
    # CPU scoring budget
    return int(fn("explain")) if callable(fn) else 4096


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
    cached, so the foil's pass over the same perturbations costs nothing extra. With
    `share_rows` (the default) continuations that read the same input row share it (a one-token
    target and foil: one row, not two) and rows are packed as prefix trees, so a prefix that
    several perturbed prompts share is computed once (`_score_packed`); `share_rows=False` is
    the plain scorer, one right-padded row per (prompt, continuation), kept as the cost bench's
    baseline for SHAP.
    """

    def __init__(self, lm: Any, config: ExplainConfig,
                 companions: Sequence[Sequence[int]] = (), share_rows: bool = True) -> None:
        self.lm = lm
        self.share_rows = share_rows
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

    def _rows(self, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]]
              ) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """Input rows and, per row, the (pair index, first predicting column) they serve.

        Teacher forcing reads continuation c after prompt p from the row (p + c)[:-1]; a causal
        model's outputs at a position depend only on the tokens up to it, so a pair whose row is
        a prefix of another pair's row (a one-token target and foil after the same prompt: the
        same row) is read from that row. With `share_rows=False`, one row per pair.
        """
        if not self.share_rows:
            heads = [list(p) or self._prefix() for p, _ in pairs]
            return [(h + list(t)[:-1], [(i, len(h) - 1)])
                    for i, (h, (_, t)) in enumerate(zip(heads, pairs))]
        by_prompt: dict[tuple[int, ...], list[int]] = {}
        for i, (p, _) in enumerate(pairs):
            by_prompt.setdefault(p, []).append(i)
        rows: list[tuple[list[int], list[tuple[int, int]]]] = []
        for p, idx in by_prompt.items():
            head = list(p) or self._prefix()
            mine: list[tuple[list[int], list[tuple[int, int]]]] = []
            for i in sorted(idx, key=lambda j: -len(pairs[j][1])):
                whole = head + list(pairs[i][1])[:-1]
                for row, owners in mine:
                    if row[:len(whole)] == whole:
                        owners.append((i, len(head) - 1))
                        break
                else:
                    mine.append((whole, [(i, len(head) - 1)]))
            rows += mine
        # similar widths in the same batch: less padding
        rows.sort(key=lambda r: -len(r[0]))
        return rows

    def _score_pairs(self, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> list[Any]:
        if not pairs:
            return []
        rows = self._rows(pairs)
        widest = max(len(whole) for whole, _ in rows)
        if self.share_rows and widest <= _PACK_ROW_TOKENS and packable(self.lm.model):
            return self._score_packed(pairs, rows)
        return self._score_padded(pairs, rows)

    def _score_packed(self, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]],
                      rows: list[tuple[list[int], list[tuple[int, int]]]]) -> list[Any]:
        """Rows packed as prefix trees: a shared prefix is computed once per pack.

        Many perturbed prompts share their first tokens (SHAP's coalitions, ablation's
        leave-one-out rows). Each pack is one sequence of trie nodes, position id = depth, and a
        4D attention mask that lets a node see only its ancestors: every row's tokens see exactly
        what they would see in the row alone, at the same positions. A pack holds at most the
        padded tokens of `batch_rows` rows of the widest row, the token budget and _PACK_TOKENS.
        """
        import torch

        model, device = self.lm.model, self.lm.device
        widest = max(len(whole) for whole, _ in rows)
        cap = max(widest, min(self.budget, self.config.batch_rows * widest, _PACK_TOKENS))
        rows = sorted(rows, key=lambda r: r[0])  # neighbours share the longest prefixes
        out: list[Any] = [None] * len(pairs)
        s = 0
        while s < len(rows):
            tokens: list[int] = []
            depth: list[int] = []
            ancestors: list[list[int]] = []
            children: dict[tuple[int, int], int] = {}  # (parent node or -1, token) -> node
            paths: list[list[int]] = []
            e = s
            while e < len(rows):
                whole = rows[e][0]
                path, parent, new = [], -1, []
                for d, t in enumerate(whole):
                    node = children.get((parent, t))
                    if node is None:
                        node = len(tokens) + len(new)
                        new.append((parent, t, d, node))
                    path.append(node)
                    parent = node
                if e > s and len(tokens) + len(new) > cap:
                    break
                for par, t, d, node in new:
                    children[(par, t)] = node
                    tokens.append(t)
                    depth.append(d)
                    ancestors.append((ancestors[par] if par >= 0 else []) + [node])
                paths.append(path)
                e += 1
            n = len(tokens)
            allowed = torch.zeros((n, n), dtype=torch.bool)
            q = torch.tensor([j for j, anc in enumerate(ancestors) for _ in anc])
            k = torch.tensor([i for anc in ancestors for i in anc])
            allowed[q, k] = True
            dtype = next(model.parameters()).dtype
            mask = torch.zeros((1, 1, n, n), dtype=dtype)
            mask[0, 0].masked_fill_(~allowed, torch.finfo(dtype).min)
            cols, tgts, spans = [], [], []
            for (whole, owners), path in zip(rows[s:e], paths):
                for i, first in owners:
                    t = pairs[i][1]
                    spans.append((i, len(tgts), len(t)))
                    cols += path[first:first + len(t)]
                    tgts += t
            lp = packed_logprobs(model, torch.tensor([tokens], device=device),
                                  mask.to(device), torch.tensor([depth], device=device),
                                  torch.tensor(cols, device=device),
                                  torch.tensor(tgts, device=device))
            self.forward_passes += 1
            for i, at, m in spans:
                out[i] = lp[at:at + m]
            s = e
        return out

    def _score_padded(self, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]],
                      rows: list[tuple[list[int], list[tuple[int, int]]]]) -> list[Any]:
        """Rows right-padded into batches of at most `batch_rows` and the token budget."""
        import torch

        model, device = self.lm.model, self.lm.device
        pad = self.lm.tokenizer.pad_token_id or 0
        widest = max(1, max(len(whole) for whole, _ in rows))
        rows_per = max(1, min(self.config.batch_rows, self.budget // widest))
        out: list[Any] = [None] * len(pairs)
        with torch.no_grad():
            for s in range(0, len(rows), rows_per):
                chunk = rows[s:s + rows_per]
                width = max(len(whole) for whole, _ in chunk)
                ids = torch.full((len(chunk), width), pad, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                r_idx, cols, tgts, spans = [], [], [], []
                for r, (whole, owners) in enumerate(chunk):
                    ids[r, :len(whole)] = torch.tensor(whole)
                    mask[r, :len(whole)] = 1
                    for i, first in owners:
                        t = pairs[i][1]
                        spans.append((i, len(tgts), len(t)))
                        r_idx += [r] * len(t)
                        cols += range(first, first + len(t))
                        tgts += t
                lp = selected_logprobs(model, ids.to(device), mask.to(device),
                                       torch.tensor(r_idx, device=device),
                                       torch.tensor(cols, device=device),
                                       torch.tensor(tgts, device=device))
                self.forward_passes += 1
                for i, at, n in spans:
                    out[i] = lp[at:at + n]
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

