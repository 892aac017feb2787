"""Explainers on the real default model: completeness, contrast, the deciding token, audits."""

from __future__ import annotations

import numpy as np
import pytest

from audit.explain import ExplainConfig, get_explainer
from audit.explain.findings import make_finding_hook
from audit.runner import AuditConfig, run_audit

pytestmark = pytest.mark.model

# The answer is copied from the prompt: " apple" is decided by the earlier " apple".
COPY = "The password is apple. The password is"
CHEAP = ExplainConfig(ig_steps=16, shapley_samples=3, shap_max_evals=64)


@pytest.fixture(autouse=True)
def one_thread():
    """Small CPU batches run faster on one thread, and on a shared runner far faster."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_ig_completeness(default_model) -> None:
    att = get_explainer("ig").explain(default_model, COPY, " apple")  # the shipped settings
    gap = att.score - att.baseline_score
    total = sum(att.scores)
    # captum's convergence delta is exactly sum(attributions) - (f(x) - f(baseline))
    assert total - gap == pytest.approx(att.convergence_delta, abs=1e-2)
    assert gap > 5  # the copy is far more likely than after a blanked prompt
    # measured on this prompt: 24 trapezoid nodes 9.9% of the 13.1-nat gap (24 midpoints:
    # 16.5%), captum's 50-node default 2.6%; the path is rough, so a few dozen nodes are an
    # estimate and the per-prompt delta moves erratically with the node count (bench/README.md)
    assert abs(att.convergence_delta) < 0.10 * abs(gap)
    assert att.scores[0] == 0.0  # the attention-sink position is held fixed
    assert att.target_logprob == pytest.approx(
        default_model.loglikelihood([(COPY, " apple")])[0], abs=1e-3)
    # with enough nodes the same path and delta converge: completeness holds in the limit
    fine = get_explainer("ig", ExplainConfig(ig_steps=128, ig_method="gausslegendre"))
    att = fine.explain(default_model, COPY, " apple")
    assert abs(att.convergence_delta) < 0.02 * abs(att.score - att.baseline_score)


@pytest.mark.parametrize("method", ["riemann_middle", "gausslegendre"])
def test_batched_ig_equals_captum(default_model, method) -> None:
    """One batched pass == captum's per-target-token LayerIntegratedGradients, delta included."""
    import torch
    from captum.attr import LayerIntegratedGradients, LLMGradientAttribution

    from audit.explain._features import token_input
    from audit.explain._scoring import baseline_token_id
    from audit.explain.request import ExplainRequest, NoSpecialTokens

    cfg = ExplainConfig(ig_steps=6, ig_method=method)
    att = get_explainer("ig", cfg).explain(default_model, COPY, " apple", " banana split")
    model, tok = default_model.model, default_model.tokenizer
    req = ExplainRequest.build(default_model, COPY, " apple", " banana split")
    inp = token_input(tok, req, baseline_token_id(tok, cfg))
    end = inp.to_tensor()
    start = torch.zeros_like(end)
    start[0, 0] = 1
    attr = LLMGradientAttribution(LayerIntegratedGradients(model, model.get_input_embeddings()),
                                  NoSpecialTokens(tok))
    scores, deltas = [], []
    for cont in req.continuations():
        target = torch.tensor(cont)
        res = attr.attribute(inp, target=target, baselines=start, n_steps=6, method=method)
        scores.append(res.seq_attr.detach().numpy())
        deltas.append(sum(float(attr.attr_method.compute_convergence_delta(
            res.token_attr[j:j + 1].detach(), start_point=start, end_point=end,
            additional_forward_args=(inp, target, j)).sum()) for j in range(len(cont))))
    np.testing.assert_allclose(att.target_scores, scores[0], atol=1e-4)
    np.testing.assert_allclose(att.foil_scores, scores[1], atol=1e-4)
    assert att.convergence_delta == pytest.approx(deltas[0] - deltas[1], abs=1e-3)


def test_packed_scorer_equals_plain_rows(default_model) -> None:
    """Shared rows + prefix-tree packing give the plain padded scorer's log-probs."""
    import random

    from audit.explain._scoring import TargetScorer

    tok = default_model.tokenizer
    p = tok.encode("The meeting is on Friday. Remember, the meeting is on",
                   add_special_tokens=False)
    rng = random.Random(0)
    prompts = [p] + [[t if rng.random() < 0.6 else 220 for t in p] for _ in range(30)]
    prompts += [p[:5], [], [t for t in p if rng.random() < 0.7]]  # shorter, empty, deleted
    conts = [tuple(tok.encode(" Friday", add_special_tokens=False)),
             tuple(tok.encode(" next Monday", add_special_tokens=False))]
    cfg = ExplainConfig(batch_rows=8)
    packed = TargetScorer(default_model, cfg, companions=conts)
    plain = TargetScorer(default_model, cfg, companions=conts, share_rows=False)
    for c in conts:
        a, b = packed.token_logprobs(prompts, c), plain.token_logprobs(prompts, c)
        assert a.shape == b.shape == (len(prompts), len(c))
        assert float((a - b).abs().max()) < 1e-3
    assert packed.forward_passes < plain.forward_passes
    # rows over _PACK_ROW_TOKENS go in padded batches (still one row for target and foil)
    long = tok.encode(" ".join([COPY] * 20), add_special_tokens=False)
    assert len(long) > 128
    rows = [long, [220] + long[1:], long[:-3]]
    for c in conts:
        a, b = packed.token_logprobs(rows, c), plain.token_logprobs(rows, c)
        assert float((a - b).abs().max()) < 1e-3


@pytest.mark.parametrize("method", ["ig", "ablation", "shapley", "shap"])
def test_contrastive_is_target_minus_foil(default_model, method) -> None:
    ex = get_explainer(method, CHEAP)
    both = ex.explain(default_model, COPY, " apple", " banana split")  # multi-token foil
    t = ex.explain(default_model, COPY, " apple")
    f = ex.explain(default_model, COPY, " banana split")
    assert both.tokens == t.tokens == f.tokens
    np.testing.assert_allclose(both.scores, np.subtract(t.scores, f.scores), atol=1e-3)
    np.testing.assert_allclose(both.target_scores, t.scores, atol=1e-3)
    assert both.score == pytest.approx(t.target_logprob - f.target_logprob, abs=1e-3)
    assert both.foil_logprob == pytest.approx(f.target_logprob, abs=1e-3)
    assert both.score > 0  # the model does prefer the copied word


@pytest.mark.parametrize("method", ["ig", "ablation", "shap"])
def test_the_deciding_token_ranks_first(default_model, method) -> None:
    att = get_explainer(method, CHEAP).explain(default_model, COPY, " apple", " pear")
    assert att.tokens.count(" apple") == 1
    assert att.tokens[att.ranking()[0]] == " apple", att.top(3)


def test_word_features_for_long_prompts(default_model) -> None:
    cfg = ExplainConfig(max_token_features=8, max_features=6)
    prompt = "Please note that the password for the staff portal is apple. The password is"
    att = get_explainer("ablation", cfg).explain(default_model, prompt, " apple", " pear")
    assert att.level == "word" and len(att.tokens) == 6 and "".join(att.tokens) == prompt
    assert "apple" in att.tokens[att.ranking()[0]], att.top(3)


def test_audit_findings_carry_attributions(default_model, store) -> None:
    config = AuditConfig(suites=("occupations",), limit=4)
    result = run_audit(config, default_model, store,
                       finding_hook=make_finding_hook(2, "ablation", CHEAP))
    stored = store.findings(run_id=result.run.run_id)
    assert len(stored) == 4
    explained = [f for f in stored if f.attribution]
    assert len(explained) == 2
    rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
    worst_left = max((rank[f.severity] for f in stored if not f.attribution), default=-1)
    assert all(rank[f.severity] >= worst_left for f in explained)
    for f in explained:
        att, req = f.attribution, f.details["explain"]
        assert (att["prompt"], att["target"], att["foil"]) == (req["prompt"], req["target"],
                                                               req["foil"])
        assert "".join(att["tokens"]) == req["prompt"]
        # the attributed score is the suite's own log-odds on that template, sign towards target
        sign = 1 if req["target"] == " he" else -1
        assert att["score"] == pytest.approx(sign * f.details["per_template"][0], abs=2e-3)
    assert "explain" in result.run.timings
