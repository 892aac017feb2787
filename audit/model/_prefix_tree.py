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
of its pack is the one with the row just before it, so building a pack is one pass. Which rows
share a pack is planned on the trie (`_subtrees`, `_bins`): whole subtrees, best fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Pack", "plan_packs", "trie_nodes", "sharing_rows", "pack_tensors", "ancestor_mask",
           "packable", "plan_packs_cheapest", "PACK_TOKENS", "PACK_CAPS"]

# Attention in a pack is dense over the pack (T x T; the mask hides what a node must not see),
# so packs stay short. At 512 tokens attention adds ~17% to the linear layers' FLOPs on the
# default model (hidden 576, 30 layers); 512 is also the CPU scoring budget that measured fastest.
PACK_TOKENS = 512
# The pack sizes a call chooses from (`audit.model._scoring._work`): small tries (StereoSet's three
# options, ~40 nodes) pack into many short packs, stacked along the batch dimension, so each query
# attends ~128 keys, not 512; long shared contexts (BBQ's ~100 tokens) keep long packs.
PACK_CAPS = (64, 128, 256, 512)


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

    The trie is cut into subtrees that fit a pack with the path above them (`_subtrees`: whole
    tries where they fit, so a StereoSet example's three options or a BBQ context's answers are
    not cut apart), and the subtrees go into packs best-fit, largest first, so few packs end
    half empty. A row longer than `cap` gets a pack of its own (callers send such rows down the
    padded path instead). Within a pack, a row that is a prefix of another row adds no nodes.
    """
    return _plan(_Sorted(keys), cap)


def plan_packs_cheapest(keys: Sequence[Sequence[int]], caps: Sequence[int],
                        cost: Callable[[list[int]], float]) -> list[Pack]:
    """`plan_packs` at the cap in `caps` whose packs' node counts have the lowest `cost` (a tie:
    the larger cap).

    Small caps make short packs (each query attends fewer keys) but leave more pack tails empty
    (padding) and cut more tries between packs (a cut trie's prefix is computed in both); the
    caller's `cost` weighs that for its model and batch shape.
    """
    rows = _Sorted(keys)
    best: tuple[float, list[list[int]]] | None = None
    for cap in sorted(set(caps), reverse=True):
        bins = _bins(rows, cap)
        c = cost([rows.pack_nodes(idx) for idx in bins])
        if best is None or c < best[0]:
            best = (c, bins)
    if best is None:
        raise ValueError("plan_packs_cheapest: no cap to choose from")
    return [_build(rows, idx) for idx in best[1]]


class _Sorted:
    """Rows sorted, with each row's length and common prefix with the row before it (lcp[0] = 0);
    the common prefix of rows i < k is min(lcp[i + 1:k + 1])."""

    def __init__(self, keys: Sequence[Sequence[int]]) -> None:
        self.order, self.arrays = _sorted_arrays(keys)
        n = len(self.arrays)
        self.lens = np.fromiter((len(a) for a in self.arrays), dtype=np.int64, count=n)
        self.lcp = np.zeros(n, dtype=np.int64)
        for k in range(1, n):
            self.lcp[k] = _lcp(self.arrays[k - 1], self.arrays[k])
        self.new = np.concatenate([[0], np.cumsum(self.lens - self.lcp)])  # nodes row k adds
        self.common = int(self.lcp[1:].min()) if n > 1 else 0  # what every row shares (BOS)

    def nodes(self, a: int, b: int) -> int:
        """Trie nodes of rows [a, b)."""
        return int(self.lens[a] + self.new[b] - self.new[a + 1])

    def shared(self, prev: int, k: int) -> int:
        """Common prefix of sorted rows prev < k (0 without prev)."""
        if prev < 0:
            return 0
        return int(self.lcp[k]) if prev == k - 1 else int(self.lcp[prev + 1:k + 1].min())

    def pack_nodes(self, idx: list[int]) -> int:
        """Trie nodes of the sorted rows `idx` (what `_build` makes of them)."""
        return int(self.lens[idx].sum()) - sum(self.shared(p, k) for p, k in
                                               zip([-1, *idx[:-1]], idx))


def _subtrees(rows: _Sorted, cap: int) -> list[tuple[int, int]]:
    """Sorted rows cut into runs [a, b) whose trie (with the path above it) has at most `cap`
    nodes, or a single row. A run that does not fit is split where its rows diverge first (into
    its children in the trie)."""
    runs: list[tuple[int, int]] = []
    stack = [(0, len(rows.arrays))] if rows.arrays else []
    while stack:
        a, b = stack.pop()
        if b - a == 1 or rows.nodes(a, b) <= cap:
            runs.append((a, b))
            continue
        inner = rows.lcp[a + 1:b]
        cuts = a + 1 + np.flatnonzero(inner == inner.min())
        bounds = [a, *cuts.tolist(), b]
        stack.extend((bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1))
    runs.sort()
    return runs


def _plan(rows: _Sorted, cap: int) -> list[Pack]:
    return [_build(rows, idx) for idx in _bins(rows, cap)]


def _bins(rows: _Sorted, cap: int) -> list[list[int]]:
    """Subtrees (`_subtrees`) into packs best-fit decreasing: each pack's sorted row indices."""
    import bisect

    runs = _subtrees(rows, cap)
    # every pack holds the prefix all rows share once; other path nodes above a run are counted
    # with each run (an upper bound: runs in one pack may share them)
    sizes = [rows.nodes(a, b) - rows.common for a, b in runs]
    bins: list[list[int]] = []   # run indices per pack
    room: list[tuple[int, int]] = []  # (free nodes, pack), sorted
    for r in sorted(range(len(runs)), key=lambda r: -sizes[r]):
        size = sizes[r]
        i = bisect.bisect_left(room, (size, -1))
        if i < len(room):  # the fullest pack it fits in
            free, b = room.pop(i)
        else:
            free, b = cap - rows.common, len(bins)
            bins.append([])
        bins[b].append(r)
        if free - size > 0:
            bisect.insort(room, (free - size, b))
    return [[k for r in sorted(members) for k in range(*runs[r])] for members in bins]


def _build(rows: _Sorted, idx: list[int]) -> Pack:
    """One pack over sorted rows `idx`: each row shares its common prefix with the one before."""
    cur = Pack()
    prev = -1
    for k in idx:
        a = rows.arrays[k]
        shared = rows.shared(prev, k)
        start = len(cur)
        head = cur.paths[-1][:shared] if shared else np.empty(0, dtype=np.int64)
        path = np.concatenate([head, np.arange(start, start + len(a) - shared, dtype=np.int64)])
        cur.rows.append(rows.order[k])
        cur.paths.append(path)
        cur.shared.append(shared)
        cur.tokens.extend(a[shared:].tolist())
        cur.depth.extend(range(shared, len(a)))
        cur.creator.extend([len(cur.rows) - 1] * (len(a) - shared))
        prev = k
    return cur


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
