"""Token tries over one scoring call: planning, the ancestor mask, and exactness on a tiny model.

The tiny random Llama runs in float64, so "identical to independent scoring" is checked at 1e-9:
any slip in positions, masks or target bookkeeping moves a log-prob by far more than that.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from audit.model._prefix_tree import (  # noqa: E402
    ancestor_mask, pack_tensors, plan_packs, plan_packs_cheapest, sharing_rows, trie_nodes)


def test_trie_node_counts() -> None:
    keys = [(1, 2, 3), (1, 2, 4), (1, 5), (6,), (1, 2)]  # (1, 2) is a prefix of two others
    assert trie_nodes(keys) == 6
    assert trie_nodes([(7, 7, 7)]) == 3
    assert trie_nodes([(1,), (2,), (3,)]) == 3


def test_sharing_rows_decides_per_group() -> None:
    """A group (neighbours sharing >= 20% of the shorter row) is packed when its trie saves
    >= 20% of its tokens; rows that share only a first token stay out, whatever the call's mix."""
    ctx = (1, 9, 9, 9, 9, 9, 9, 9)
    bbq = [ctx + (a,) for a in (3, 4, 5)]                      # 27 tokens -> 11 trie nodes
    crows = [(1, 20 + i, 7, 7, 7, 7) for i in range(8)]       # share only their first token
    late = [(1, 40, 8, 8, 8, 8, 2), (1, 40, 8, 8, 8, 8, 3)]   # a pair that differs at the end
    keys = crows + bbq + late
    picked = sharing_rows(keys, 0.2)
    assert sorted(keys[j] for j in picked) == sorted(bbq + late)
    assert sharing_rows(crows, 0.2) == []
    assert sharing_rows(keys, 0.0) == list(range(len(keys)))  # threshold 0: everything packed
    # a pair sharing exactly 20% of its tokens: linked, but a group saving < 20% is not packed
    assert sharing_rows([(1, 2, 3, 4, 5), (1, 6, 7, 8, 9)], 0.2) == []
    assert sharing_rows([(1, 2, 3, 4, 5), (1, 2, 7, 8, 9)], 0.2) == [0, 1]


def test_plan_packs_paths_share_only_leading_tokens() -> None:
    keys = [(1, 2, 3), (9, 2, 3), (1, 2, 4), (1, 2)]
    (pack,) = plan_packs(keys, cap=64)
    assert len(pack) == 7  # 1-2-3, 1-2-4 share two nodes; 9-2-3 shares nothing (not a suffix trie)
    paths = {keys[j]: list(p) for j, p in zip(pack.rows, pack.paths)}
    assert paths[(1, 2)] == paths[(1, 2, 3)][:2] == paths[(1, 2, 4)][:2]
    assert paths[(1, 2, 3)][2] != paths[(1, 2, 4)][2]
    assert not set(paths[(9, 2, 3)]) & set(paths[(1, 2, 3)])
    for key, path in paths.items():  # every node on a path carries that key's token and depth
        assert [pack.tokens[n] for n in path] == list(key)
        assert [pack.depth[n] for n in path] == list(range(len(key)))


def _check_pack(pack, keys) -> None:
    """Every row's path carries its tokens at its depths, and the pack holds exactly the trie of
    its rows (nothing computed twice inside a pack)."""
    for j, path in zip(pack.rows, pack.paths):
        assert [pack.tokens[n] for n in path] == list(keys[j])
        assert [pack.depth[n] for n in path] == list(range(len(keys[j])))
    assert len(pack) == trie_nodes([keys[j] for j in pack.rows])


@pytest.mark.parametrize("cap", [4, 16, 64])
def test_plan_packs_respects_the_cap(cap) -> None:
    rng = np.random.default_rng(cap)
    keys = list({tuple(rng.integers(0, 3, rng.integers(1, 9))) for _ in range(200)})
    packs = plan_packs(keys, cap=cap)
    assert sorted(j for p in packs for j in p.rows) == list(range(len(keys)))
    assert all(len(p) <= cap or len(p.rows) == 1 for p in packs)
    assert sum(len(p) for p in packs) >= trie_nodes(keys)
    for p in packs:
        _check_pack(p, keys)
    (alone,) = plan_packs([tuple(range(40))], cap=16)  # longer than the cap: a pack of its own
    assert len(alone) == 40


def test_plan_packs_keeps_tries_whole_and_fills_packs() -> None:
    """Four tries under a shared BOS token, of 10, 10, 7 and 7 nodes below it, with a cap of 18:
    filling packs in sorted order (10 | 10+7 | 7, or cutting a trie in two) takes three packs or
    computes a prefix twice; best fit puts 10+7 and 10+7 together: two full packs, every trie
    whole, only the BOS token in both."""
    def trie(first: int, depth: int) -> list[tuple[int, ...]]:
        ctx = (1, first) + (9,) * (depth - 2)  # 1 + (depth - 1) nodes, then 3 one-token answers
        return [ctx + (a,) for a in (3, 4, 5)]
    keys = trie(20, 8) + trie(21, 8) + trie(22, 5) + trie(23, 5)
    packs = plan_packs(keys, cap=18)
    assert [len(p) for p in packs] == [18, 18]
    for p in packs:
        _check_pack(p, keys)
        assert len({keys[j][1] for j in p.rows}) == 2 and len(p.rows) == 6  # whole tries
    assert sum(len(p) for p in packs) == trie_nodes(keys) + 1  # the BOS token, once per pack
    # a cap too small for a whole trie cuts it where its rows diverge, never inside a row
    small = plan_packs(trie(20, 8), cap=5)
    assert sorted(j for p in small for j in p.rows) == [0, 1, 2]
    for p in small:
        _check_pack(p, trie(20, 8))


def test_plan_packs_cheapest_picks_the_cap_by_cost() -> None:
    keys = [(1, 10 + g, 7, a) for g in range(12) for a in (3, 4)]  # 12 tries of 4 nodes below BOS
    seen: list[list[int]] = []

    def cost(widths: list[int]) -> float:
        seen.append(sorted(widths))
        return sum(w * w for w in widths)  # attention-like: short packs are cheaper
    packs = plan_packs_cheapest(keys, [64, 8, 16], cost)
    assert seen == [[49], [13] * 4, [5] * 12]  # largest cap first; 3 tries + BOS fill 13 of 16
    assert [len(p) for p in packs] == [5] * 12
    packs = plan_packs_cheapest(keys, [64, 8, 16], lambda widths: len(widths))  # fewest packs
    assert [len(p) for p in packs] == [49]
    for p in packs:
        _check_pack(p, keys)


def test_ancestor_mask_is_exactly_the_ancestor_relation() -> None:
    keys = [(1, 2, 3), (1, 2, 4, 5), (1, 6), (2,), (1, 2, 4, 7)]
    packs = plan_packs(keys[:3], cap=64) + plan_packs(keys[3:], cap=64)
    ids, pos, creator, paths = pack_tensors(packs, pad=0)
    mask = ancestor_mask(pos, creator, paths, torch.float32)
    assert mask.shape == (2, 1, ids.shape[1], ids.shape[1])
    for b, p in enumerate(packs):
        anc = {n: set() for n in range(ids.shape[1])}
        for path in p.paths:
            for d, n in enumerate(path):
                anc[int(n)] |= {int(x) for x in path[:d + 1]}
        for n in range(len(p), ids.shape[1]):
            anc[n] = {n}  # padding sees itself only
        want = np.array([[k in anc[q] for k in range(ids.shape[1])] for q in anc])
        assert np.array_equal((mask[b, 0] == 0).numpy(), want)
    assert int((mask == 0).sum()) == sum(d + 1 for p in packs for d in p.depth) + \
        sum(ids.shape[1] - len(p) for p in packs)


# -- exactness on a tiny model ------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny():
    from transformers import LlamaConfig, LlamaForCausalLM

    from audit.model import HFModel

    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=40,
                      max_position_embeddings=24, attn_implementation="sdpa")
    model = LlamaForCausalLM(cfg).double()
    tok = SimpleNamespace(pad_token_id=0, eos_token_id=2, bos_token_id=1, pad_token="<p>",
                          eos_token="<e>")

    def make(share: bool = True, budget: int | None = None):
        lm = HFModel.from_loaded(model, tok, sha256="0" * 64)
        lm.share_prefixes, lm.max_batch_tokens = share, budget
        return lm
    return make


def _pairs(seed: int = 0, contexts: int = 12) -> list[tuple[list[int], list[int]]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(contexts):  # several answers after one context, as BBQ / StereoSet send them
        ctx = [1] + list(rng.integers(3, 40, rng.integers(0, 12)))
        for _ in range(3):
            out.append((ctx, list(rng.integers(3, 40, rng.integers(1, 5)))))
    out[:0] = [([1], [5, 6, 7]), ([1], [5, 6, 7]),   # identical requests
            ([1], [5, 6]), ([1, 5], [6, 7, 8]),      # a row that is a prefix of another row
            ([1], []),                               # nothing to score: 0.0
            ([1, 3, 4], list(range(5, 35))),         # longer than max_length: truncated left
            ([1, 3, 4], list(range(5, 34)) + [9])]
    return out


def _spy(monkeypatch) -> list[tuple[int, int]]:
    """Record (batch rows, width) of every packed forward pass."""
    import audit.model._scoring as scoring

    seen: list[tuple[int, int]] = []
    real = scoring._packed_batch

    def spy(batch, *a, **k):
        out = real(batch, *a, **k)
        seen.append(tuple(out[0].shape))
        return out
    monkeypatch.setattr(scoring, "_packed_batch", spy)
    return seen


@pytest.mark.parametrize("budget", [None, 8, 1 << 17])
def test_shared_equals_one_row_at_a_time(tiny, monkeypatch, budget) -> None:
    """CPU budget (one pack per pass), a tiny budget (packs cut small) and a GPU-sized budget
    (many packs per pass, padded to the widest): all equal scoring every request alone."""
    pairs = _pairs(contexts=60 if budget else 12)  # > 512 trie nodes: several packs
    alone = [tiny(share=False, budget=1).loglikelihood_tokens([p])[0] for p in pairs]
    seen = _spy(monkeypatch)
    shared = tiny(budget=budget).loglikelihood_tokens(pairs)
    assert shared == pytest.approx(alone, abs=1e-9, rel=0)
    assert shared[pairs.index(([1], []))] == 0.0
    assert shared[0] == shared[1] != 0.0
    assert seen, "the packed path must have run"
    if budget == 1 << 17:
        assert max(b for b, _ in seen) > 1  # several packs in one pass: the GPU batch shape


@pytest.mark.parametrize("cap", [6, 16, 64])
def test_shared_equals_one_row_at_a_time_at_every_pack_size(tiny, monkeypatch, cap) -> None:
    """Whatever pack size a call chooses (forced here), several packs per pass, tries cut
    between packs, rows longer than the cap on the padded path: the same numbers."""
    import audit.model._prefix_tree as prefix_tree

    monkeypatch.setattr(prefix_tree, "PACK_TOKENS", cap)
    monkeypatch.setattr(prefix_tree, "PACK_CAPS", ())
    pairs = _pairs(5, contexts=30)
    alone = [tiny(share=False, budget=1).loglikelihood_tokens([p])[0] for p in pairs]
    seen = _spy(monkeypatch)
    assert tiny().loglikelihood_tokens(pairs) == pytest.approx(alone, abs=1e-9, rel=0)
    assert seen and max(w for _, w in seen) <= cap
    assert max(b for b, _ in seen) > 1


def test_pack_size_follows_the_call_shape(tiny) -> None:
    """Small tries (StereoSet's options) go into short packs, several per forward pass; a long
    context with its answers (BBQ) keeps a pack long enough to hold it whole."""
    from audit.model._scoring import _work

    lm = tiny()
    small = [(1, 10 + g % 20, 11 + g // 20, 7, 8, a) for g in range(60) for a in (3, 4, 5)]
    work = _work(lm, small, 512)
    widths = [max(len(p) for p in batch) for kind, batch in work if kind == "pack"]
    assert all(kind == "pack" for kind, _ in work)
    assert max(widths) <= 128 and max(len(batch) for _, batch in work) > 1
    long = [(1,) + (9,) * 300 + (a,) for a in (3, 4, 5)]
    work = _work(lm, long, 512)
    assert [(kind, [len(p) for p in batch]) for kind, batch in work] == [("pack", [304])]


def test_shared_prefixes_cost_fewer_tokens(tiny, monkeypatch) -> None:
    pairs = _pairs(1)
    seen = _spy(monkeypatch)
    tiny().loglikelihood_tokens(pairs)
    rows = {tuple((c + x)[-25:][:-1]) for c, x in pairs if x}
    assert sum(b * w for b, w in seen) < sum(len(r) for r in rows)


def test_no_sharing_no_packs(tiny, monkeypatch) -> None:
    """Rows with nothing in common (or share_prefixes=False) stay on the padded, causal path."""
    seen = _spy(monkeypatch)
    distinct = [([3 + i], [5 + i, 7]) for i in range(20)]  # no two share a first token
    ref = tiny(share=False).loglikelihood_tokens(distinct)
    assert tiny().loglikelihood_tokens(distinct) == pytest.approx(ref, abs=1e-9, rel=0)
    tiny(share=False).loglikelihood_tokens(_pairs())
    assert seen == []


def test_a_call_mixing_packed_and_padded_rows_scores_every_request(tiny, monkeypatch) -> None:
    """At the default threshold, groups that share go packed and the rest padded in one call;
    every request gets its own score, equal to scoring it alone."""
    import audit.model._scoring as scoring

    padded: list[int] = []
    real = scoring._padded_batch
    monkeypatch.setattr(scoring, "_padded_batch",
                        lambda batch, *a, **k: padded.append(len(batch)) or real(batch, *a, **k))
    seen = _spy(monkeypatch)
    distinct = [([1, 3 + i], [5 + i, 7, 9]) for i in range(20)]  # share only the BOS token
    pairs = _pairs(4) + distinct
    got = tiny().loglikelihood_tokens(pairs)
    alone = [tiny(share=False, budget=1).loglikelihood_tokens([p])[0] for p in pairs]
    assert got == pytest.approx(alone, abs=1e-9, rel=0)
    assert seen and padded, "both paths must have run in one call"
    assert sum(padded) >= len(distinct)


def test_progress_counts_every_request(tiny) -> None:
    pairs = _pairs()
    ticks: list[int] = []
    tiny(budget=8).loglikelihood_tokens(pairs, progress=ticks.append)
    assert sum(ticks) == len(pairs)


@pytest.mark.slow
def test_compiled_packed_scoring_equals_eager(tiny) -> None:
    """`compile=True` (the GPU configuration's `ASSAY_COMPILE=1`) through the packed path with its
    4D mask and position ids: same numbers as eager, across packs of different widths."""
    pairs = _pairs(2, contexts=40)
    eager = tiny(budget=64)
    ref = eager.loglikelihood_tokens(pairs)
    comp = tiny(budget=64)
    comp.compile = True
    try:
        got = comp.loglikelihood_tokens(pairs)
    finally:
        comp.model.__dict__.pop("_assay_compiled", None)  # the fixture's model is shared
    # the head's log-softmax runs in float32 (fused differently when compiled): float32 rounding
    assert got == pytest.approx(ref, rel=1e-6)


def test_a_position_many_requests_read_goes_through_the_head_once(tiny) -> None:
    """30 one-token answers after one context read one hidden row: the LM head sees 1 row, not
    30; two-token answers sharing their first token add one row per distinct first token."""
    lm = tiny()
    rows: list[int] = []
    hook = lm.model.get_output_embeddings().register_forward_hook(
        lambda mod, args, out: rows.append(args[0].shape[0]))
    try:
        ctx = [1, 7, 8, 9]
        one = lm.loglikelihood_tokens([(ctx, [t]) for t in range(3, 33)])
        assert rows == [1]
        rows.clear()
        two = lm.loglikelihood_tokens([(ctx, [a, b]) for a in (3, 4) for b in range(5, 15)])
        assert sum(rows) == 3  # after the context, after 3, after 4
    finally:
        hook.remove()
    alone = tiny(share=False, budget=1)
    assert one == pytest.approx([alone.loglikelihood_tokens([(ctx, [t])])[0]
                                 for t in range(3, 33)], abs=1e-9, rel=0)
    assert two[11] == pytest.approx(alone.loglikelihood_tokens([(ctx, [4, 6])])[0], abs=1e-9)
