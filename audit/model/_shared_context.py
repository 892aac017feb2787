"""Scoring many continuations of one context by walking their token trie (exact, much cheaper).

Canary exposure (Carlini et al. 2019) ranks a secret among *every* candidate of its format, e.g.
all 10^4 PINs after "my PIN is". Scored one by one, each candidate re-runs the shared context and
all of its own tokens. Here the continuations' tokens (from the same `encode_pair` as
`loglikelihood`, so the numbers are the same) form a trie; one forward pass over context + the
path to each *parent of a leaf* yields the next-token distributions at every node on that path,
so 1,000 three-digit PINs cost 100 short sequences instead of 1,000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["shared_context_loglikelihood"]


def _parent_paths(conts: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The token paths to run: every continuation minus its last token, dropping proper prefixes."""
    paths = sorted({c[:-1] for c in conts}, key=len, reverse=True)
    kept: list[tuple[int, ...]] = []
    covered: set[tuple[int, ...]] = set()
    for p in paths:
        if p in covered:
            continue
        kept.append(p)
        covered.update(p[:j] for j in range(len(p) + 1))
    return kept


def shared_context_loglikelihood(lm: Any, context: str, continuations: Sequence[str],
                                 progress: Callable[[int], None] | None = None) -> list[float]:
    """`lm.loglikelihood([(context, c) for c in continuations])`, computed over a token trie."""
    import torch

    pairs = [lm.encode_pair(context, c) for c in continuations]
    if (not pairs or len({tuple(ctx) for ctx, _ in pairs}) > 1 or not pairs[0][0]
            or any(not cont for _, cont in pairs)):
        return lm.loglikelihood([(context, c) for c in continuations], progress)
    ctx = list(pairs[0][0])
    conts = [tuple(cont) for _, cont in pairs]
    longest = max(len(c) for c in conts)
    if len(ctx) + longest > lm.max_length:
        return lm.loglikelihood([(context, c) for c in continuations], progress)
    # needed[node] = the child tokens whose log-prob after context + node we must read
    needed: dict[tuple[int, ...], set[int]] = {}
    for c in conts:
        for j, t in enumerate(c):
            needed.setdefault(c[:j], set()).add(t)
    got: dict[tuple[int, ...], dict[int, float]] = {}
    paths = _parent_paths(conts)
    pad = lm.tokenizer.pad_token_id or 0
    budget = max(lm._batch_tokens(), len(ctx) + longest)
    per_batch = max(1, budget // (len(ctx) + longest))
    done = 0
    for s in range(0, len(paths), per_batch):
        batch = paths[s:s + per_batch]
        width = len(ctx) + max(len(p) for p in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        rows, cols, nodes = [], [], []
        seen: set[tuple[int, ...]] = set()
        for r, p in enumerate(batch):
            seq = ctx + list(p)
            ids[r, :len(seq)] = torch.tensor(seq)
            mask[r, :len(seq)] = 1
            for j in range(len(p) + 1):
                node = p[:j]
                if node in needed and node not in got and node not in seen:
                    seen.add(node)
                    rows.append(r)
                    cols.append(len(ctx) - 1 + j)
                    nodes.append(node)
        if nodes:
            lps = _node_logprobs(lm, ids, mask, rows, cols, [sorted(needed[n]) for n in nodes])
            for node, vals in zip(nodes, lps):
                got[node] = vals
        if progress:
            step = round(len(conts) * (s + len(batch)) / len(paths)) - done
            done += step
            progress(step)
    return [float(sum(got[c[:j]][t] for j, t in enumerate(c))) for c in conts]


def _node_logprobs(lm: Any, ids: Any, mask: Any, rows: list[int], cols: list[int],
                   tokens: list[list[int]]) -> list[dict[int, float]]:
    """For each (row, col): log-probs of `tokens[i]` as the next token (float32 normaliser)."""
    import torch

    from audit.model._scoring import _LOGIT_ROWS_PER_CHUNK, _uses_plain_head

    model, device = lm.model, lm.device
    r_t, c_t = torch.tensor(rows, device=device), torch.tensor(cols, device=device)
    out: list[dict[int, float]] = []
    with torch.inference_mode():
        if _uses_plain_head(model):
            body = getattr(model, model.base_model_prefix)
            hidden = body(input_ids=ids.to(device),
                          attention_mask=mask.to(device)).last_hidden_state
            selected = hidden[r_t, c_t]
            head = model.get_output_embeddings()
            chunks = (head(selected[s:s + _LOGIT_ROWS_PER_CHUNK]).float()
                      for s in range(0, selected.shape[0], _LOGIT_ROWS_PER_CHUNK))
        else:
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            chunks = iter([logits[r_t, c_t].float()])
        i = 0
        for chunk in chunks:  # one chunk of vocabulary-wide rows in memory at a time
            norm = torch.logsumexp(chunk, dim=-1)
            for r in range(chunk.shape[0]):
                toks = tokens[i]
                vals = (chunk[r, torch.tensor(toks, device=chunk.device)] - norm[r])
                out.append(dict(zip(toks, vals.double().cpu().tolist())))
                i += 1
    return out
