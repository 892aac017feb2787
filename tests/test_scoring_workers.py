"""CPU scoring with forward passes side by side (`_scoring._run_parallel`): the same numbers in the
same order as one pass at a time, torch's thread count restored, errors propagated."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from audit.model._scoring import score_batches


@pytest.fixture(scope="module")
def tiny():
    from transformers import LlamaConfig, LlamaForCausalLM

    from audit.model import HFModel

    torch.manual_seed(1)
    cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=40,
                      max_position_embeddings=64, attn_implementation="sdpa")
    model = LlamaForCausalLM(cfg).double()
    tok = SimpleNamespace(pad_token_id=0, eos_token_id=2, bos_token_id=1, pad_token="<p>",
                          eos_token="<e>")

    def make(workers: int | None, share: bool = True):
        lm = HFModel.from_loaded(model, tok, sha256="0" * 64)
        # a small budget: many batches per call, so the workers really take turns
        lm.share_prefixes, lm.max_batch_tokens, lm.cpu_workers = share, 48, workers
        return lm
    return make


def _pairs(seed: int) -> list[tuple[list[int], list[int]]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(30):  # answers after one context (packed) and unrelated rows (padded)
        ctx = [1] + list(rng.integers(3, 40, rng.integers(2, 14)))
        for _ in range(int(rng.integers(1, 4))):
            out.append((ctx, list(rng.integers(3, 40, rng.integers(1, 5)))))
    return out


@pytest.mark.parametrize("share", [True, False])
def test_side_by_side_equals_one_at_a_time(tiny, monkeypatch, share) -> None:
    import audit.model._scoring as scoring

    used: list[int] = []
    real = scoring._run_parallel

    def spy(run, queue, workers):
        used.append((len(queue), workers))
        yield from real(run, queue, workers)

    monkeypatch.setattr(scoring, "_run_parallel", spy)
    pairs = _pairs(3)
    serial = score_batches(tiny(1, share), pairs)
    assert used == []  # cpu_workers=1: the plain loop
    parallel = score_batches(tiny(3, share), pairs)
    assert len(used) == 1 and used[0][1] == 3 and used[0][0] >= 6  # several batches, 3 workers
    # float64 model: the same arithmetic per batch, the same order of the sums
    assert parallel == serial
    assert all(v < 0 for v in parallel)


def test_progress_counts_every_request_once(tiny) -> None:
    pairs = _pairs(4)
    seen: list[int] = []
    score_batches(tiny(2), pairs, seen.append)
    assert sum(seen) == len(pairs)


def test_thread_count_is_restored_even_after_an_error(tiny, monkeypatch) -> None:
    import audit.model._scoring as scoring

    before = torch.get_num_threads()
    lm = tiny(2)
    assert score_batches(lm, _pairs(5))
    assert torch.get_num_threads() == before

    calls = {"n": 0}
    real = scoring._forward_selected

    def boom(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("forward failed")
        return real(*a, **k)

    monkeypatch.setattr(scoring, "_forward_selected", boom)
    with pytest.raises(RuntimeError, match="forward failed"):
        score_batches(lm, _pairs(6))
    assert torch.get_num_threads() == before


def test_worker_policy(monkeypatch) -> None:
    from audit.model._scoring import _cpu_workers

    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    lm = SimpleNamespace(cpu_workers=None)
    assert _cpu_workers(lm, 10) == 2     # torch's threads
    assert _cpu_workers(lm, 1) == 1      # one batch: intra-op threads
    assert _cpu_workers(SimpleNamespace(cpu_workers=1), 10) == 1
    assert _cpu_workers(SimpleNamespace(cpu_workers=4), 10) == 4
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert _cpu_workers(lm, 10) == 1


def test_cpu_workers_option_is_checked() -> None:
    from audit.errors import ModelError
    from audit.model import HFModel

    assert HFModel("default", cpu_workers=2).cpu_workers == 2
    with pytest.raises(ModelError, match="cpu_workers must be >= 1"):
        HFModel("default", cpu_workers=0)


def test_concurrent_calls_leave_the_thread_count_alone(tiny) -> None:
    """Two threads scoring at once (a server): the second runs one pass at a time, both get the
    serial answer, and torch's thread count is what it was."""
    from concurrent.futures import ThreadPoolExecutor

    before = torch.get_num_threads()
    pairs = _pairs(7)
    want = tiny(1).loglikelihood_tokens(pairs)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: tiny(2).loglikelihood_tokens(pairs), range(8)))
    assert all(o == want for o in outs)
    assert torch.get_num_threads() == before


def _pad_queue(widths_per_batch: list[list[int]]) -> tuple[list, list[tuple[int, ...]]]:
    keys, queue = [], []
    for widths in widths_per_batch:
        idx = []
        for w in widths:
            idx.append(len(keys))
            keys.append(tuple(range(3, 3 + w)))
        queue.append(("pad", idx))
    return queue, keys


def test_balance_splits_the_batch_that_leaves_a_worker_idle() -> None:
    from audit.model._scoring import _balance, _batch_cost, _makespan

    # five equal batches on two workers: three batch-times, one worker idle for the last
    queue, keys = _pad_queue([[64] * 8] * 5)
    cost = lambda q: [_batch_cost(k, b, keys, 0.0) for k, b in q]  # noqa: E731
    before = _makespan(cost(queue), 2)
    out = _balance(queue, 2, keys, 0.0)
    after = _makespan(cost(out), 2)
    assert len(out) > 5 and after < 0.9 * before
    assert after <= sum(cost(out)) / 2 * 1.05  # within 5% of no idle time at all
    # every item in exactly one batch, and each batch one kind
    items = sorted(i for _, b in out for i in b)
    assert items == list(range(40))
    assert all(k == "pad" for k, _ in out)


def test_balance_leaves_an_even_or_a_long_queue_alone_but_orders_it() -> None:
    from audit.model._scoring import _balance

    queue, keys = _pad_queue([[32] * 8, [64] * 8, [48] * 8, [16] * 8])
    out = _balance(queue, 2, keys, 0.0)
    assert [b for _, b in out] == [queue[1][1], queue[2][1], queue[0][1], queue[3][1]]
    long_q, long_keys = _pad_queue([[64] * 4] * 41)  # more than 16 batches a worker: no split
    assert len(_balance(long_q, 2, long_keys, 0.0)) == 41
    # one item per batch cannot be split
    single, single_keys = _pad_queue([[200], [200], [200]])
    assert len(_balance(single, 2, single_keys, 0.0)) == 3


def test_a_call_of_one_big_batch_runs_as_two_side_by_side(tiny, monkeypatch) -> None:
    import audit.model._scoring as scoring

    used: list[tuple[int, int]] = []
    real = scoring._run_parallel

    def spy(run, queue, workers):
        used.append((len(queue), workers))
        yield from real(run, queue, workers)

    monkeypatch.setattr(scoring, "_run_parallel", spy)
    lm = tiny(2, share=False)
    lm.max_batch_tokens = 4096  # everything fits one batch
    pairs = [([1] + [3 + (i * 7 + j) % 30 for j in range(12)], [5, 6]) for i in range(12)]
    split = score_batches(lm, pairs)
    assert used == [(2, 2)]
    one = score_batches(tiny(1, share=False), pairs)
    assert np.allclose(split, one, rtol=0, atol=1e-9)
