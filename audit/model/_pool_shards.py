"""Shard planning for the data-parallel pool: cut one call's requests into shards by cost.

Pure functions (no Ray), so the plan is unit-tested on its own. The cost of a request is its
length in characters: the driver never loads the model, so it has no tokenizer, and characters
track tokens closely enough to balance work (a forward pass costs about linearly in tokens).

The plan is guided self-scheduling (Polychronopoulos & Kuck 1987): units sorted longest first,
each shard a fixed share of the cost still unplanned, never below a floor. Replicas pull the next
shard when they finish one, so the big shards go out first and the last ones are small: no
replica idles long at the tail waiting for a straggler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Shard", "plan_shards", "request_units", "split_shard"]


@dataclass(frozen=True)
class Shard:
    """Indices into the call's request list (ascending within a unit) and their summed cost."""

    indices: tuple[int, ...]
    cost: int


def request_units(contexts: Sequence[str], costs: Sequence[int]) -> list[tuple[list[int], int]]:
    """Group requests that share a non-empty context into one unit (index list, cost).

    The local backend computes a context shared by several rows of one call once (several answers
    after one BBQ question), so those rows stay in one shard. An empty context is shared by every
    CrowS-Pairs sentence and saves nothing, so each such request is a unit of its own.
    """
    units: dict[object, list[int]] = {}
    for i, ctx in enumerate(contexts):
        units.setdefault(ctx if ctx else ("", i), []).append(i)
    return [(idx, sum(int(costs[i]) for i in idx)) for idx in units.values()]


def plan_shards(units: Sequence[tuple[list[int], int]], replicas: int, *,
                share: float = 2.0, max_shards_per_replica: int = 8,
                min_requests: int = 1) -> list[Shard]:
    """Shards in dispatch order (costliest first).

    Each shard takes about `remaining / (share * replicas)` of the unplanned cost, but at least
    `total / (max_shards_per_replica * replicas)` and `min_requests` requests (tiny shards waste a
    forward pass on padding and a round trip each).
    """
    if replicas < 1:
        raise ValueError("replicas must be >= 1")
    order = sorted(units, key=lambda u: -u[1])  # stable: ties keep request order
    total = sum(c for _, c in order)
    if not order:
        return []
    floor = total / (max_shards_per_replica * replicas)
    shards: list[Shard] = []
    remaining = total
    cur: list[int] = []
    cur_cost = 0
    target = max(remaining / (share * replicas), floor)
    for idx, cost in order:
        cur.extend(idx)
        cur_cost += cost
        if cur_cost >= target and len(cur) >= min_requests:
            shards.append(Shard(tuple(cur), cur_cost))
            remaining -= cur_cost
            cur, cur_cost = [], 0
            target = max(remaining / (share * replicas), floor)
    if cur:
        if shards and len(cur) < min_requests:  # a runt joins the last shard instead
            last = shards.pop()
            shards.append(Shard(last.indices + tuple(cur), last.cost + cur_cost))
        else:
            shards.append(Shard(tuple(cur), cur_cost))
    return shards


def split_shard(shard: Shard, costs: Sequence[int]) -> list[Shard]:
    """Two halves by cost (for a shard a replica ran out of memory on); one shard stays one."""
    if len(shard.indices) < 2:
        return [shard]
    half, acc = shard.cost / 2, 0
    for k, i in enumerate(shard.indices):
        acc += int(costs[i])
        if acc >= half:
            break
    k = min(max(k + 1, 1), len(shard.indices) - 1)
    a, b = shard.indices[:k], shard.indices[k:]
    return [Shard(a, sum(int(costs[i]) for i in a)), Shard(b, sum(int(costs[i]) for i in b))]
