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
