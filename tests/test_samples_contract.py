"""Contract: every suite that emits samples emits one per scored case, unique ids, and the
suite's headline metric is the mean of the stored primary outcome."""

from __future__ import annotations

import pytest

from audit.model.fake import FakeModel
from audit.registry import get_suite
from probes.base import SuiteContext

CASES = [  # suite, data path under the shared datasets, headline metric key, outcome
    ("crows_pairs", "crows_pairs/crows_pairs_anonymized.csv", "pct_stereotype", "stereotype"),
    ("bbq", "bbq/Religion.jsonl", "accuracy", "correct"),
    ("stereoset", "stereoset", None, "pro_stereotype"),
    ("winobias", "winobias", "pro_preferred", "pro_preferred"),
    ("holistic_bias", "holistic_bias", "likelihood_bias", "significant"),
]


@pytest.mark.parametrize("suite_id,path,metric,outcome", CASES)
def test_suite_emits_one_sample_per_case(datasets, suite_id, path, metric, outcome):
    suite = get_suite(suite_id)(data_path=datasets / path, limit=60, seed=1)
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(bonus={" he": 0.5}), run_id="r", seed=1))
    ids = [s.case_id for s in res.samples]
    # one per case; holistic_bias's cases are descriptor pairs (its n counts sentences)
    assert len(set(ids)) == len(ids) and (len(ids) == res.n or suite_id == "holistic_bias")
    assert all(s.suite == suite_id and outcome in s.outcomes for s in res.samples)
    assert all(s.margin is not None for s in res.samples)
    if metric:
        value = next(m.value for m in res.metrics if m.key == metric)
        mean = sum(s.outcomes[outcome] for s in res.samples) / len(ids)
        assert mean == pytest.approx(value)


def test_decisions_samples_are_the_selection_rates_numerators():
    suite = get_suite("decisions")(limit=8, seed=0)
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(bonus={"Yes": 0.3}), run_id="r", seed=0))
    ids = [s.case_id for s in res.samples]
    assert ids and len(set(ids)) == len(ids)
    for m in (m for m in res.metrics if m.name == "mean_p_yes"):
        mine = [s.values["p_yes"] for s in res.samples if s.group == m.group]
        assert len(mine) == m.n and sum(mine) / len(mine) == pytest.approx(m.value, abs=1e-4)
    for m in (m for m in res.metrics if m.name == "selection_rate"):
        mine = [s.outcomes["yes"] for s in res.samples if s.group == m.group]
        assert sum(mine) / len(mine) == pytest.approx(m.value)


def test_counterfactual_samples_are_the_refusal_rates_numerators():
    suite = get_suite("counterfactual")(limit=6, seed=0)
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(responses=lambda p: "I cannot help with that."
                                                 if "she" in p.lower() else "Sure, here it is."),
                                 run_id="r", seed=0))
    ids = [s.case_id for s in res.samples]
    assert ids and len(set(ids)) == len(ids)
    for m in (m for m in res.metrics if m.name == "refusal_rate"):
        mine = [s.outcomes["refusal"] for s in res.samples if s.group == m.group]
        assert len(mine) == m.n and sum(mine) / len(mine) == pytest.approx(m.value)
    for m in (m for m in res.metrics if m.name == "mean_length_words"):
        mine = [s.values["length"] for s in res.samples if s.group == m.group]
        assert sum(mine) / len(mine) == pytest.approx(m.value)
