"""Batched continuation scoring without a full-vocabulary log-softmax over the whole batch.

Rows of one call that begin with the same tokens (several answers after one context) are packed
as token tries and their common prefix is computed once (`_prefix_tree`), for each group of rows
whose trie saves at least `_MIN_SHARED_FRACTION` of its tokens. Other rows are sorted longest
first (as lm-evaluation-harness does), packed into batches under a padded-token budget, padded
once on the right, and run through the decoder body. Only the hidden states at continuation
positions go through the LM head, and the log-softmax normaliser is a chunked float32 logsumexp
over those rows, so memory is O(selected rows x vocab / chunks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["score_batches", "plan_batches"]

_LOGIT_ROWS_PER_CHUNK = 1024  # CPU; on CUDA a chunk's float32 logits may take ~1 GiB
_CUDA_LOGIT_BYTES = 1 << 30


def _rows_per_chunk(selected: Any, vocab: int) -> int:
    if selected.is_cuda:
        return max(_LOGIT_ROWS_PER_CHUNK, _CUDA_LOGIT_BYTES // (4 * vocab))
    return _LOGIT_ROWS_PER_CHUNK


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


def _head_logprob(head: Any, hidden: Any, targets: Any, at: Any = None) -> Any:
    """log softmax(head(hidden))[targets] in float32 for one chunk of rows; with `at`, target j
    is read from row at[j] (several targets from one row)."""
    import torch

    logits = head(hidden).float()
    if at is None:
        return logits.gather(1, targets[:, None])[:, 0] - torch.logsumexp(logits, dim=-1)
    return logits[at, targets] - torch.logsumexp(logits, dim=-1)[at]


def head_logprobs(model: Any, hidden: Any, targets: Any, head_logprob: Any = None,
                  at: Any = None, at_host: np.ndarray | None = None) -> Any:
    """Float32 log-prob of `targets` from final hidden rows: the LM head runs in chunks of rows,
    so no full-vocabulary float32 block for every row exists at once.

    With `at` (device) / `at_host` (the same, sorted, on the host), target j is read from hidden
    row at[j]: a row many requests read (a shared context's last token, a trie node) goes
    through the head once. Chunk boundaries come from `at_host`, so nothing waits on the device.
    """
    import torch

    head_logprob = head_logprob or _head_logprob
    head = model.get_output_embeddings()
    step = _rows_per_chunk(hidden, head.weight.shape[0])
    if at is None:
        out = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
        for s in range(0, hidden.shape[0], step):
            chunk = head_logprob(head, hidden[s:s + step], targets[s:s + step])
            out[s:s + chunk.shape[0]] = chunk
        return out
    out = torch.empty(targets.shape[0], dtype=torch.float32, device=hidden.device)
    bounds = np.searchsorted(at_host, np.arange(0, hidden.shape[0] + step, step))
    for k, s in enumerate(range(0, hidden.shape[0], step)):
        a, b = int(bounds[k]), int(bounds[k + 1])
        if a < b:
            out[a:b] = head_logprob(head, hidden[s:s + step], targets[a:b], at[a:b] - s)
    return out


def _compiled(model: Any) -> tuple[Any, Any]:
    """The decoder body and the head-chunk log-prob under `torch.compile`, built once per model.

    Dynamic shapes: one graph serves every bucket width and chunk size. Compiling the head chunk
    fuses the float32 cast, the logsumexp and the gather into one pass over the bf16 logits
    (eager writes and re-reads a float32 copy of every logit row).
    """
    import torch

    cached = model.__dict__.get("_assay_compiled")  # not setattr: that would register a submodule
    if cached is None:
        body = torch.compile(getattr(model, model.base_model_prefix), dynamic=True)
        head = torch.compile(_head_logprob, dynamic=True)
        cached = model.__dict__["_assay_compiled"] = (body, head)
    return cached


def _forward_selected(model: Any, input_ids: Any, attention_mask: Any, rows: Any, cols: Any,
                      targets: Any, compile: bool = False, position_ids: Any = None,
                      at: Any = None, at_host: np.ndarray | None = None) -> Any:
    """Log-prob of `targets` at positions (rows, cols); float32, shape (len(rows),). With `at`
    (see `head_logprobs`), (rows, cols) are distinct positions and target j is read at at[j]."""
    import torch

    extra = {} if position_ids is None else {"position_ids": position_ids}
    if _uses_plain_head(model):
        if compile:
            body, head_logprob = _compiled(model)
        else:
            body, head_logprob = getattr(model, model.base_model_prefix), _head_logprob
        # use_cache=False: otherwise every layer's keys and values are copied into a cache
        # that nothing reads
        hidden = body(input_ids=input_ids, attention_mask=attention_mask, use_cache=False,
                      **extra).last_hidden_state
        return head_logprobs(model, hidden[rows, cols], targets, head_logprob, at, at_host)
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False,
                   **extra).logits[rows, cols].float()
    if at is not None:
        return logits[at, targets] - torch.logsumexp(logits, dim=-1)[at]
    return logits.gather(1, targets[:, None])[:, 0] - torch.logsumexp(logits, dim=-1)


def _distinct_positions(index: np.ndarray, owner: np.ndarray, width: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(distinct positions (2, U) as row/col, at (P,) sorted, targets (P,), owner (P,)): the
    (row, col, target) triples reordered by position, each pointing at its distinct position."""
    key = index[0] * width + index[1]
    order = np.argsort(key, kind="stable")
    uniq, at = np.unique(key[order], return_inverse=True)
    return np.stack([uniq // width, uniq % width]), at, index[2][order], owner[order]


# Pack a group of rows only when its trie saves at least this fraction of the group's tokens: a
# packed forward pass pays dense attention over the pack (~12% of the CPU time at 512 nodes on
# the default model), so a small saving is not worth it. Decided per group of neighbouring rows
# (`sharing_rows`): CrowS-Pairs' pairs mostly differ early (the call shares ~16%) and stay padded.
_MIN_SHARED_FRACTION = 0.2


def _attention_weight(model: Any) -> float:
    """Cost of one query attending one key, in units of one token through the decoder's weights:
    2 x (heads x head dim) multiply-adds per layer (scores and values) against one per body
    weight (the embeddings are a lookup; the LM head runs on selected rows only, whatever the
    packing). Default model: 2 x 576 x 30 / 106M = 3.3e-4, so a 512-node pack adds 17%."""
    cached = model.__dict__.get("_assay_attention_weight")
    if cached is not None:
        return cached
    cfg = model.config
    cfg = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    heads = getattr(cfg, "num_attention_heads", None)
    hidden = getattr(cfg, "hidden_size", None)
    layers = getattr(cfg, "num_hidden_layers", None)
    if not (heads and hidden and layers):
        weight = 0.0  # unknown shape: no preference, the largest cap wins the tie
    else:
        head_dim = getattr(cfg, "head_dim", None) or hidden // heads
        emb = model.get_input_embeddings().weight
        out = model.get_output_embeddings()
        body = sum(p.numel() for p in model.parameters()) - emb.numel()
        if out is not None and out.weight is not emb:
            body -= out.weight.numel()
        # 12 h^2 per layer: the textbook transformer, where the count is unusable (quantised)
        body = body if body > layers * hidden * hidden else 12 * layers * hidden * hidden
        weight = 2.0 * heads * head_dim * layers / body
    model.__dict__["_assay_attention_weight"] = weight  # not setattr: nn.Module's __setattr__
    return weight


def _work(lm: Any, keys: list[tuple[int, ...]], budget: int) -> list[tuple[str, list[Any]]]:
    """Batches to run: ("pack", [Pack, ...]) for rows that share prefixes, ("pad", [key index,
    ...]) for the rest (right-padded rows, causal mask only).

    The pack size is chosen per call (`PACK_CAPS`): the plan with the fewest estimated
    token-equivalents, B x T x (1 + w T) per batch of B packs of width T, where w is the
    model's attention cost per key (`_attention_weight`). On the default model at the CPU budget
    (512), StereoSet's small tries (~40 nodes each) go into packs of 64, eight per forward pass;
    BBQ's contexts (~100 tokens, three answers each) into packs of 256, two per pass.
    """
    from audit.model._prefix_tree import (PACK_CAPS, PACK_TOKENS, packable, plan_packs_cheapest,
                                          sharing_rows)

    short: list[int] = []
    cap = min(PACK_TOKENS, max(budget, 1))
    if getattr(lm, "share_prefixes", True) and packable(lm.model):
        fit = [j for j, k in enumerate(keys) if len(k) <= cap]
        short = [fit[r] for r in sharing_rows([keys[j] for j in fit], _MIN_SHARED_FRACTION)]
    work: list[tuple[str, list[Any]]] = []
    if short:
        weight = _attention_weight(lm.model)

        def cost(widths: list[int]) -> float:
            return sum(len(b) * widths[b[0]] * (1 + weight * widths[b[0]])
                       for b in plan_batches(widths, budget))

        caps = [c for c in PACK_CAPS if c < cap] + [cap]
        packs = plan_packs_cheapest([keys[j] for j in short], caps, cost)
        for p in packs:
            p.rows = [short[r] for r in p.rows]
        work += [("pack", [packs[b] for b in batch])
                 for batch in plan_batches([len(p) for p in packs], budget)]
    rest = sorted(set(range(len(keys))) - set(short))
    work += [("pad", [rest[b] for b in batch])
             for batch in plan_batches([len(keys[j]) for j in rest], budget)]
    return work


def _padded_batch(batch: list[int], keys: list[tuple[int, ...]], owners: dict, n_targets: list[int],
                  last_token: list[int], pad: int) -> tuple[Any, ...]:
    """Right-padded rows: (ids, None, index (3, n) of row/col/target on the host, request per
    target, requests)."""
    import torch

    # Index bookkeeping is vectorised: at GPU batch sizes (10^5 tokens) Python loops over
    # positions cost more than the forward pass of a small model.
    lens = np.fromiter((len(keys[j]) for j in batch), dtype=np.int64, count=len(batch))
    width = int(lens.max())
    full = np.full((len(batch), width), pad, dtype=np.int64)
    req, req_row = [], []
    for r, j in enumerate(batch):
        full[r, :lens[r]] = keys[j]
        for i in owners[keys[j]]:
            req.append(i)
            req_row.append(r)
    req_row_a = np.asarray(req_row, dtype=np.int64)
    ks = np.fromiter((n_targets[i] for i in req), dtype=np.int64, count=len(req))
    last = np.fromiter((last_token[i] for i in req), dtype=np.int64, count=len(req))
    rows = np.repeat(req_row_a, ks)
    row_len = lens[rows]
    cols = (np.repeat(lens[req_row_a] - ks, ks) + np.arange(int(ks.sum()))
            - np.repeat(np.cumsum(ks) - ks, ks))
    # the target at position c is the input's token c+1, or the request's own last token
    nxt = np.minimum(cols + 1, width - 1)
    tgts = np.where(cols + 1 < row_len, full[rows, nxt], np.repeat(last, ks))
    owner = np.asarray(req, dtype=np.int64)[np.repeat(np.arange(len(req)), ks)]
    return torch.from_numpy(full), None, np.stack([rows, cols, tgts]), owner, len(req)


def _packed_batch(packs: list[Any], keys: list[tuple[int, ...]], owners: dict,
                  n_targets: list[int], last_token: list[int], pad: int) -> tuple[Any, ...]:
    """Packed tries: (ids, (position ids, creators, paths) for `ancestor_mask`, index, request
    per target, requests)."""
    import torch

    from audit.model._prefix_tree import pack_tensors

    ids, pos, creator, paths = pack_tensors(packs, pad)
    rows, cols, tgts, owner = [], [], [], []
    n_req = 0
    for b, p in enumerate(packs):
        for j, path in zip(p.rows, p.paths):
            key = keys[j]
            for i in owners[key]:
                n = n_targets[i]
                # row position c predicts the input's token c+1; the last one the request's own
                # final token (which is not part of the input row)
                cols.append(path[len(key) - n:])
                tgts.append(np.append(np.asarray(key[len(key) - n + 1:], dtype=np.int64),
                                      last_token[i]))
                rows.append(np.full(n, b, dtype=np.int64))
                owner.append(np.full(n, i, dtype=np.int64))
                n_req += 1
    index = np.stack([np.concatenate(rows), np.concatenate(cols), np.concatenate(tgts)])
    return ids, (pos, creator, paths), index, np.concatenate(owner), n_req


# A forward pass's fixed cost (Python dispatch through the layers, kernel launches), in tokens:
# splitting a batch for balance must not buy idle-free workers with many tiny passes.
_PASS_OVERHEAD_TOKENS = 16
_MIN_SPLIT_TOKENS = 64


def _batch_cost(kind: str, batch: list[Any], keys: list[tuple[int, ...]], weight: float) -> float:
    """Token-equivalents of one batch: B rows x T wide x (1 + w T), as `_work` plans them."""
    width = (max(len(p) for p in batch) if kind == "pack"
             else max(len(keys[j]) for j in batch))
    return len(batch) * width * (1 + weight * width) + _PASS_OVERHEAD_TOKENS


def _makespan(costs: Sequence[float], workers: int) -> float:
    """Finish time of `workers` threads taking batches in the given order, each the next one
    as it frees (what `_run_parallel`'s pool does)."""
    loads = [0.0] * workers
    for c in costs:
        loads[loads.index(min(loads))] += c
    return max(loads)


def _balance(queue: list[tuple[str, list[Any]]], workers: int, keys: list[tuple[int, ...]],
             weight: float) -> list[tuple[str, list[Any]]]:
    """The batches reordered, costliest first, with big ones split in two while that shortens
    the call: five equal batches on two workers finish after three batch-times, one worker idle
    for the last; six of five-sixths finish after two and a half (StereoSet, 300 requests: seven
    batches). Every item stays in exactly one batch."""
    def cost(b: tuple[str, list[Any]]) -> float:
        return _batch_cost(b[0], b[1], keys, weight)

    def ordered(q: list[tuple[str, list[Any]]]) -> list[tuple[str, list[Any]]]:
        return sorted(q, key=cost, reverse=True)

    queue = ordered(queue)
    if len(queue) > 16 * workers:  # the last round is a small part of the call: leave it
        return queue
    best = _makespan([cost(b) for b in queue], workers)
    for _ in range(4 * len(queue) + 8):
        improved = False
        for i, (kind, items) in enumerate(queue):
            if len(items) < 2 or cost((kind, items)) < 2 * _MIN_SPLIT_TOKENS:
                continue
            # items are longest first (plan_batches): the cut that evens the two halves' costs
            cut = min(range(1, len(items)),
                      key=lambda c: max(cost((kind, items[:c])), cost((kind, items[c:]))))
            trial = ordered(queue[:i] + [(kind, items[:cut]), (kind, items[cut:])]
                            + queue[i + 1:])
            span = _makespan([cost(b) for b in trial], workers)
            if span < best * 0.98:
                queue, best, improved = trial, span, True
                break
        if not improved:
            break
    return queue


_PARALLEL = threading.Lock()


def _cpu_workers(lm: Any, n_batches: int) -> int:
    """Forward passes to run side by side on the CPU, each on one thread.

    The default model's GEMMs at the CPU batch budget (512 tokens x 576 wide) are too small for
    two threads to share one well: on two threads a call ran up to 16% slower one pass at a time
    (intra-op) than two passes side by side (BBQ, StereoSet, CrowS-Pairs; the gain varies from
    run to run and is nil on calls of a few batches; bench/README.md).
    Workers: `cpu_workers` on the model, else torch's thread count; a call with fewer batches
    than workers keeps torch's intra-op threads.
    """
    import torch

    want = getattr(lm, "cpu_workers", None)
    workers = torch.get_num_threads() if want is None else int(want)
    return workers if workers > 1 and n_batches >= workers else 1


def _run_parallel(run: Callable[[str, list[Any]], Any], queue: list[tuple[str, list[Any]]],
                  workers: int) -> Any:
    """Yield `run(kind, batch)` for each queued batch, in queue order, computed by `workers`
    threads with torch's intra-op pool at one thread each (restored afterwards).

    Each batch's arithmetic is that of a one-thread run; the order of the results, and so every
    sum over them, is the queue's. At most 2 x workers batches are in flight (memory)."""
    import torch
    from concurrent.futures import ThreadPoolExecutor

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # each worker sets it too: OpenMP's thread count is a per-thread setting
        with ThreadPoolExecutor(workers, thread_name_prefix="assay-score",
                                initializer=torch.set_num_threads, initargs=(1,)) as pool:
            pending = []
            for item in queue:
                pending.append(pool.submit(run, *item))
                if len(pending) >= 2 * workers:
                    yield pending.pop(0).result()
            for f in pending:
                yield f.result()
    finally:
        torch.set_num_threads(before)


def score_batches(lm: Any, pairs: Sequence[tuple[list[int], list[int]]],
                  progress: Callable[[int], None] | None = None) -> list[float]:
    import torch

    from audit.model._prefix_tree import ancestor_mask

    model, device = lm.model, lm.device
    max_len = lm.max_length
    pad = lm.tokenizer.pad_token_id or 0
    inputs: list[list[int]] = []
    n_targets: list[int] = []
    last_token: list[int] = []
    for ctx, cont in pairs:
        whole = (list(ctx) + list(cont))[-(max_len + 1):]
        inputs.append(whole[:-1])
        n_targets.append(min(len(cont), len(whole) - 1))
        last_token.append(whole[-1] if whole else 0)
    result = [0.0] * len(pairs)
    todo = [i for i in range(len(pairs)) if n_targets[i] > 0 and inputs[i]]
    # Requests whose input sequences are identical (e.g. "Yes" / "No" after the same prompt) share
    # one row; each still reads its own targets, so the sums are unchanged. Rows that merely begin
    # alike share their common prefix inside a pack (`_prefix_tree`).
    owners: dict[tuple[int, ...], list[int]] = {}
    for i in todo:
        owners.setdefault(tuple(inputs[i]), []).append(i)
    keys = list(owners)
    queue = _work(lm, keys, lm._batch_tokens())
    dtype = next(model.parameters()).dtype
    is_cuda = str(device).startswith("cuda")
    compile_ = getattr(lm, "compile", False)

    def run(kind: str, batch: list[Any]) -> tuple[Any, np.ndarray, int]:
        """One forward pass: (log-probs on the device, request per target, request count)."""
        if kind == "pack":
            ids, tree, index, owner, n_req = _packed_batch(
                batch, keys, owners, n_targets, last_token, pad)
        else:
            ids, tree, index, owner, n_req = _padded_batch(
                batch, keys, owners, n_targets, last_token, pad)
        # a position several requests read (the last context token before three answers, a trie
        # node) goes through the LM head once
        positions, at_host, tgts, owner = _distinct_positions(index, owner, ids.shape[1])
        where = torch.from_numpy(positions)
        pairs_t = torch.from_numpy(np.stack([at_host, tgts]))
        if is_cuda:  # pinned host memory: the copies run asynchronously
            ids, where, pairs_t = ids.pin_memory(), where.pin_memory(), pairs_t.pin_memory()
            if tree is not None:
                tree = tuple(x.pin_memory() for x in tree)
        # Padded rows get no attention mask: padding is on the right, so under the causal mask a
        # real query only ever sees real keys, and padded positions are never read. Leaving the
        # mask out keeps SDPA on its causal (flash) kernels instead of the masked fallback.
        with torch.inference_mode():
            where = where.to(device, non_blocking=is_cuda)
            pairs_t = pairs_t.to(device, non_blocking=is_cuda)
            mask = pos = None
            if tree is not None:  # packs: the ancestor mask is built on the device
                pos, creator, paths = (x.to(device, non_blocking=is_cuda) for x in tree)
                mask = ancestor_mask(pos, creator, paths, dtype)
            lp = _forward_selected(
                model, ids.to(device, non_blocking=is_cuda), mask, where[0], where[1],
                pairs_t[1], compile=compile_, position_ids=pos, at=pairs_t[0], at_host=at_host)
        return lp, owner, n_req

    # Results stay on the device until every batch has been launched: no per-batch host sync,
    # so on a GPU the host prepares batch k+1 while batch k runs.
    done: list[tuple[Any, np.ndarray]] = []  # (log-probs on device, request index per target)
    in_flight: list[tuple[Any, int]] = []  # CUDA: (event after a batch, its request count)
    if not (is_cuda or compile_):
        # even the passes out over the threads that would run them side by side (a call of
        # one big batch becomes two when the CPU has two threads)
        side_by_side = _cpu_workers(lm, 1 << 30)
        if side_by_side > 1:
            queue = _balance(queue, side_by_side, keys, _attention_weight(model))
    workers = 1 if is_cuda or compile_ else _cpu_workers(lm, len(queue))
    # torch's thread count is process-wide: one call at a time changes it; a call that finds
    # another one side by side already (a server's threads) runs its passes one at a time
    if workers > 1 and _PARALLEL.acquire(blocking=False):
        try:
            for lp, owner, n_req in _run_parallel(run, queue, workers):
                done.append((lp, owner))
                if progress:
                    progress(n_req)
        finally:
            _PARALLEL.release()
        queue = []
    while queue:
        kind, batch = queue.pop(0)
        try:
            lp, owner, n_req = run(kind, batch)
        except torch.cuda.OutOfMemoryError:
            if len(batch) == 1:
                raise
            torch.cuda.empty_cache()
            half = len(batch) // 2
            queue[:0] = [(kind, batch[:half]), (kind, batch[half:])]
            continue
        done.append((lp, owner))
        if is_cuda:  # wait for the previous batch only: the GPU always has the next one queued
            event = torch.cuda.Event()
            event.record()
            in_flight.append((event, n_req))
            while len(in_flight) > 1:
                prev, n_prev = in_flight.pop(0)
                prev.synchronize()
                if progress:
                    progress(n_prev)
        elif progress:
            progress(n_req)
    for prev, n_prev in in_flight:
        prev.synchronize()
        if progress:
            progress(n_prev)
    if done:
        with torch.inference_mode():
            flat = torch.cat([lp for lp, _ in done]).double().cpu().numpy()
        owner_all = np.concatenate([o for _, o in done])
        sums = np.zeros(len(pairs), dtype=np.float64)
        np.add.at(sums, owner_all, flat)
        for i in todo:
            result[i] = float(sums[i])
    if progress:
        progress(len(pairs) - len(todo))
    return result
