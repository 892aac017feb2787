"""Shared prefixes of one scoring call, computed once: rows packed as token tries.

Many suites score several continuations of one context (BBQ's three answers after context +
question, StereoSet's three options, HolisticBias's sentences from one template, the canary
probe's candidates). lm-evaluation-harness runs every request as its own row. A causal model's
output at a position depends only on the tokens up to it, so rows that begin with the same token
ids have the same hidden states over that common prefix: it is enough to compute it once.

A *pack* is one sequence of trie nodes (each distinct input row is a path from a root); a node's
position id is its depth and a 4D attention mask lets it see only its ancestors and itself, so
every row's tokens see exactly what they would see in the row alone, at the same positions (the
explainer's `TargetScorer._score_packed` uses the same construction). Only identical leading
*token ids* are shared: requests are tokenised exactly as lm-eval does (`HFModel.encode_pair`)
before anything here sees them, so a context that ends mid-word shares only the tokens the two
tokenisations have in common.

Rows are sorted lexicographically: then the longest common prefix of a row with any earlier row
of its pack is the one with the row just before it, so building a pack is one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Pack", "plan_packs", "trie_nodes", "sharing_rows", "pack_tensors", "ancestor_mask",
           "packable", "PACK_TOKENS"]

# Attention in a pack is dense over the pack (T x T; the mask hides what a node must not see),
# so packs stay short. At 512 tokens attention adds ~15% to the linear layers' FLOPs on the
# default model (hidden 576); 512 is also the CPU scoring budget that measured fastest.
PACK_TOKENS = 512


@dataclass
class Pack:
    """One packed sequence: its trie nodes and, per row it holds, the node id at each depth."""

    rows: list[int] = field(default_factory=list)          # indices into the planned keys
    paths: list[np.ndarray] = field(default_factory=list)  # node ids of each row, by depth
    shared: list[int] = field(default_factory=list)        # leading nodes reused from earlier rows
    tokens: list[int] = field(default_factory=list)        # token id of each node
    depth: list[int] = field(default_factory=list)         # position id of each node
    creator: list[int] = field(default_factory=list)       # the row (in `rows`) that added it

    def __len__(self) -> int:
        return len(self.tokens)


def _lcp(a: np.ndarray, b: np.ndarray) -> int:
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    return int(diff[0]) if len(diff) else n


def _sorted_arrays(keys: Sequence[Sequence[int]]) -> tuple[list[int], list[np.ndarray]]:
    order = sorted(range(len(keys)), key=lambda j: tuple(keys[j]))
    return order, [np.asarray(keys[j], dtype=np.int64) for j in order]


def trie_nodes(keys: Sequence[Sequence[int]]) -> int:
    """Distinct nodes of the token trie over `keys` (what one unbounded pack would compute)."""
    _, arrays = _sorted_arrays(keys)
    total, prev = 0, None
    for a in arrays:
        total += len(a) - (_lcp(prev, a) if prev is not None else 0)
        prev = a
    return total


def sharing_rows(keys: Sequence[Sequence[int]], min_fraction: float) -> list[int]:
    """Indices of the rows worth packing: those in a group whose trie saves at least
    `min_fraction` of the group's tokens.

    Rows are sorted; neighbours whose common prefix is at least `min_fraction` of the shorter
    one are linked, and each maximal linked run is a group. Deciding per group, not per call,
    lets a call mix both shapes: CrowS-Pairs' pairs that differ in their first words (most of
    them) stay on the padded path, while the pairs that differ late, or BBQ's answers after one
    context, are packed. With `min_fraction` 0 every row is packed.
    """
    order, arrays = _sorted_arrays(keys)
    picked: list[int] = []
    start = 0
    for i in range(1, len(arrays) + 1):
        if i < len(arrays):
            a, b = arrays[i - 1], arrays[i]
            if _lcp(a, b) >= min_fraction * min(len(a), len(b)):
                continue
        group = arrays[start:i]
        tokens = sum(len(a) for a in group)
        saved = sum(_lcp(group[k - 1], group[k]) for k in range(1, len(group)))
        if tokens and tokens - saved <= (1 - min_fraction) * tokens:
            picked.extend(order[start:i])
        start = i
    return sorted(picked)


def plan_packs(keys: Sequence[Sequence[int]], cap: int = PACK_TOKENS) -> list[Pack]:
    """Distinct, non-empty input rows `keys` packed as tries of at most `cap` nodes each.

    A row longer than `cap` gets a pack of its own (callers send such rows down the padded path
    instead). Within a pack, a row that is a prefix of another row adds no nodes.
    """
    order, arrays = _sorted_arrays(keys)
    packs: list[Pack] = []
    cur: Pack | None = None
    prev: np.ndarray | None = None
    for j, a in zip(order, arrays):
        shared = _lcp(prev, a) if cur is not None and prev is not None else 0
        if cur is None or (len(cur) + len(a) - shared > cap and len(cur) > 0):
            cur = Pack()
            packs.append(cur)
            shared = 0
        start = len(cur)
        head = cur.paths[-1][:shared] if shared else np.empty(0, dtype=np.int64)
        path = np.concatenate([head, np.arange(start, start + len(a) - shared, dtype=np.int64)])
        cur.rows.append(j)
        cur.paths.append(path)
        cur.shared.append(shared)
        cur.tokens.extend(int(t) for t in a[shared:])
        cur.depth.extend(range(shared, len(a)))
        cur.creator.extend([len(cur.rows) - 1] * (len(a) - shared))
        prev = a
    return packs


def pack_tensors(packs: Sequence[Pack], pad: int) -> tuple[Any, Any, Any, Any]:
    """A batch of packs as small tensors: input ids (B, T), position ids (B, T), each node's
    creating row (B, T) and each row's node ids by depth (B, R + 1, D), -1 past its end.

    The (B, 1, T, T) mask is not built here but by `ancestor_mask` on the model's device: on a
    GPU batch it is ~10^8 entries, which would cost more to fill and copy from the host than the
    forward pass of a small model.
    """
    import torch

    width = max(len(p) for p in packs)
    n_rows = max(len(p.rows) for p in packs)
    deepest = max(len(path) for p in packs for path in p.paths)
    ids = np.full((len(packs), width), pad, dtype=np.int64)
    pos = np.zeros((len(packs), width), dtype=np.int64)
    # padding nodes are "created" by an extra row whose path is empty (all -1)
    creator = np.full((len(packs), width), n_rows, dtype=np.int64)
    paths = np.full((len(packs), n_rows + 1, deepest), -1, dtype=np.int64)
    for b, p in enumerate(packs):
        ids[b, :len(p)] = p.tokens
        pos[b, :len(p)] = p.depth
        creator[b, :len(p)] = p.creator
        for r, path in enumerate(p.paths):
            paths[b, r, :len(path)] = path
    return (torch.from_numpy(ids), torch.from_numpy(pos), torch.from_numpy(creator),
            torch.from_numpy(paths))


def ancestor_mask(pos: Any, creator: Any, paths: Any, dtype: Any) -> Any:
    """Additive (B, 1, T, T) mask: 0 where key k is query q or an ancestor of q, else the
    dtype's minimum. k is an ancestor of q iff depth(k) <= depth(q) and the path of the row that
    created q holds k at depth(k). Padding nodes (past a pack's end) see only themselves."""
    import torch

    b, t = pos.shape
    q_row = creator[:, :, None].expand(b, t, t)
    k_depth = pos[:, None, :].expand(b, t, t)
    node_at = paths[torch.arange(b, device=pos.device)[:, None, None], q_row, k_depth]
    key_id = torch.arange(t, device=pos.device)
    allowed = (node_at == key_id) & (k_depth <= pos[:, :, None])
    allowed |= torch.eye(t, dtype=torch.bool, device=pos.device)
    mask = torch.zeros((b, 1, t, t), dtype=dtype, device=pos.device)
    return mask.masked_fill_(~allowed[:, None], torch.finfo(dtype).min)


def packable(model: Any) -> bool:
    """Custom 4D attention masks work with the eager and SDPA attention implementations."""
    impl = getattr(model.config, "_attn_implementation", None) or "eager"
    return impl in ("eager", "sdpa")
