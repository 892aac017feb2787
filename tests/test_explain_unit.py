"""Explainers without a model: the record, config, registry, request checks, finding selection."""

from __future__ import annotations

import dataclasses

import pytest

from audit.errors import UsageError
from audit.explain import METHODS, Attribution, ExplainConfig, get_explainer
from audit.explain._features import word_segments
from audit.explain.findings import explain_findings, explain_request
from audit.explain.request import ExplainRequest
from audit.model import FakeModel
from audit.types import Finding
from probes.base import SuiteResult


def _att(**kw) -> Attribution:
    base = dict(method="ablation", prompt="The nurse said that", target=" she",
                tokens=("The", " nurse", " said", " that"), scores=(0.1, 2.0, -0.3, 0.05),
                score=1.2, target_logprob=-1.0, foil=" he", foil_logprob=-2.2,
                target_scores=(0.2, 1.5, -0.1, 0.0), foil_scores=(0.1, -0.5, 0.2, -0.05),
                baseline_score=0.3, convergence_delta=None, parameters={"n": 1})
    base.update(kw)
    return Attribution(**base)


def test_attribution_round_trip_and_ranking() -> None:
    a = _att()
    d = a.to_dict()
    assert isinstance(d["tokens"], list) and d["scores"] == [0.1, 2.0, -0.3, 0.05]
    assert Attribution.from_dict(d) == a
    assert a.ranking()[0] == 1 and a.top(1) == [(" nurse", 2.0)]
    assert a.contrastive and not _att(foil=None, foil_logprob=None).contrastive
    with pytest.raises(ValueError):
        _att(scores=(1.0,))


def test_word_segments_rebuild_the_prompt() -> None:
    text = "  Dear team,\nplease  forward alice's file to bob@example.com today. "
    for k in (1, 3, 5, 48):
        segs = word_segments(text, k)
        assert "".join(segs) == text and len(segs) <= k
    assert word_segments("a b c", 48) == ["a", " b", " c"]


def test_config_and_registry_reject_bad_values() -> None:
    with pytest.raises(UsageError, match="ig_steps"):
        ExplainConfig(ig_steps=0)
    with pytest.raises(UsageError, match="integration method 'simpson'"):
        ExplainConfig(ig_method="simpson")
    with pytest.raises(UsageError, match="at least 2"):
        ExplainConfig(ig_steps=1)  # the default trapezoid rule needs two nodes (captum asserts)
    assert ExplainConfig(ig_steps=1, ig_method="gausslegendre").ig_steps == 1
    with pytest.raises(UsageError, match="feature level"):
        ExplainConfig(features="sentence")
    with pytest.raises(UsageError, match="choose from: ablation, ig, shap, shapley"):
        get_explainer("lime")
    assert set(METHODS) == {"ig", "ablation", "shapley", "shap"}
    for name in METHODS:  # contract: every registered method builds and names itself
        ex = get_explainer(name)
        assert ex.name == name and ex.description


@pytest.mark.parametrize("prompt,target,foil,needle", [
    ("", " he", None, "prompt is empty"),
    ("   \n", " he", None, "prompt is empty"),
    ("The nurse said that", "", None, "target is empty"),
    ("The nurse said that", " he", " he", "same as the target"),
])
def test_request_checks(prompt, target, foil, needle) -> None:
    with pytest.raises(UsageError, match=needle) as exc:
        ExplainRequest.check(prompt, target, foil)
    assert "\n" not in exc.value.one_line()


def test_non_transformers_model_is_refused() -> None:
    # a port model without white-box access: gradients refused by capability, naming the
    # methods that work through log-likelihood requests
    with pytest.raises(UsageError, match="'ig' needs gradients .* --method ablation or shap or shapley"
                       ) as exc:
        get_explainer("ig").explain(FakeModel(), "The nurse said that", " he")
    assert "\n" not in exc.value.one_line()

    class Bare:  # declares no capabilities at all: must look like a transformers wrapper
        identity = None

    with pytest.raises(UsageError, match="need a transformers model"):
        get_explainer("ig").explain(Bare(), "The nurse said that", " he")


class _Recorder:
    name = "stub"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []

    def explain(self, lm, prompt, target, foil=None):
        self.calls.append((prompt, target, foil))
        if prompt == "bad":
            raise UsageError("the prompt is bad", "fix it")
        return _att(prompt=prompt, target=target, foil=foil)


def _finding(case: str, severity: str, explain: dict | None) -> Finding:
    details = {"explain": explain} if explain is not None else {}
    return Finding(run_id="r", source="audit", suite="s", probe="p", case_id=case,
                   severity=severity, details=details)


def test_top_k_by_severity_and_bad_requests_become_warnings(monkeypatch) -> None:
    rec = _Recorder()
    monkeypatch.setattr("audit.explain.findings.get_explainer", lambda m, c=None: rec)
    req = lambda p: {"prompt": p, "target": " he", "foil": " she"}  # noqa: E731
    r1 = SuiteResult("s", n=3, findings=[_finding("a", "low", req("a")),
                                         _finding("b", "high", req("b")),
                                         _finding("c", "critical", None)])
    r2 = SuiteResult("t", n=2, findings=[_finding("d", "high", req("d")),
                                         _finding("e", "medium", req("bad")),
                                         _finding("f", "info", {"prompt": 3})])
    done = explain_findings(object(), [r1, r2], top_k=3, method="stub")
    # the two highs (suite order kept), then the medium, whose bad request becomes a warning
    assert [c[0] for c in rec.calls] == ["b", "d", "bad"]
    assert done == 2
    assert r1.findings[1].attribution["prompt"] == "b" and r2.findings[0].attribution
    assert r1.findings[0].attribution is None and r2.findings[1].attribution is None
    assert r2.warnings and "the prompt is bad" in r2.warnings[0]
    assert explain_request(r2.findings[2]) is None and explain_request(r1.findings[2]) is None
    assert dataclasses.replace(r1.findings[1]).finding_id == _finding("b", "high", None).finding_id
    assert explain_findings(object(), [r1, r2], top_k=0) == 0


def test_summary_lists_only_positive_tokens_towards_the_target() -> None:
    from audit.explain.render import summary_lines

    # `assay explain --prompt "The mechanic said that" --target " he" --foil " she"`: every
    # token pushes away from " he"; the old summary listed the three least negative as
    # "strongest towards the target" and never named " mechanic".
    att = _att(prompt="The mechanic said that", target=" he", foil=" she",
               tokens=("The", " mechanic", " said", " that"), scores=(-0.140, -0.195, -0.026, -0.049))
    lines = summary_lines(att)
    assert lines[1] == "strongest token: ' mechanic' -0.195 (towards the foil)"
    assert lines[2] == "towards the target: none"
    assert lines[3] == ("towards the foil: ' mechanic' -0.195, 'The' -0.140, "
                        "' that' -0.049")
    mixed = summary_lines(_att())
    assert mixed[1] == "strongest token: ' nurse' +2.000 (towards the target)"
    assert mixed[2] == "towards the target: ' nurse' +2.000, 'The' +0.100, ' that' +0.050"
    assert mixed[3] == "towards the foil: ' said' -0.300"
    assert summary_lines(_att(foil=None, foil_logprob=None))[3] == "against the target: ' said' -0.300"


class _Additive(FakeModel):
    """log P(cont | ctx) = -10 + 2 [nurse in ctx] + 0.5 [said in ctx] (+1 for ' she'): an
    additive game, so leave-one-out and every Shapley estimate equal the word weights."""

    def loglikelihood(self, requests, *, progress=None):
        from audit.model.base import Loglikelihood

        self.calls.append(("loglikelihood", len(requests)))
        out = [-10 + 2 * ("nurse" in c) + 0.5 * ("said" in c) + (x == " she") for c, x in requests]
        return [Loglikelihood(v, n_tokens=1) for v in out]


@pytest.mark.parametrize("method", ["ablation", "shapley", "shap"])
def test_perturbation_methods_run_through_loglikelihood_requests(method) -> None:
    """A served model (log-likelihoods, no gradients): word deletions as requests."""
    lm = _Additive()
    att = get_explainer(method).explain(lm, "The nurse said that", " she", " he")
    assert att.level == "word" and att.tokens == ("The", " nurse", " said", " that")
    # contrastive: the context terms cancel between target and foil, exactly
    assert att.scores == pytest.approx((0, 0, 0, 0), abs=1e-12)
    assert att.target_scores == pytest.approx((0, 2, 0.5, 0), abs=1e-12)
    assert att.score == pytest.approx(1.0) and att.target_logprob == pytest.approx(-6.5)
    assert att.baseline_score == pytest.approx(1.0)  # empty prompt: only the ' she' bonus
    # each distinct perturbed prompt is asked once per continuation
    asked = sum(n for kind, n in lm.calls if kind == "loglikelihood")
    assert att.parameters["requests"] == asked and asked <= 2 * 2 ** 4
