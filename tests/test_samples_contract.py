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


def _canaries(tmp_path):
    from tests.test_pii_leakage_canary import write_jsonl

    return write_jsonl(tmp_path / "c.jsonl", [{"format": "my PIN is {ddd}", "secret": "482"}])


def _records(tmp_path):
    from tests.test_pii_leakage_extraction import _records as records

    return records(tmp_path)


# every registered suite with small inputs: (data: shared-dataset path, callable(tmp_path) or
# None, options); a suite added to the registry without a row here fails the test below
EVERY = {
    "bbq": ("bbq/Religion.jsonl", {}),
    "bold": ("bold/gender_prompt.json", {"max_new_tokens": 4}),
    "canary_exposure": (_canaries, {"max_enumerate": 1000}),
    "counterfactual": (None, {}),
    "crows_pairs": ("crows_pairs/crows_pairs_anonymized.csv", {}),
    "decisions": (None, {}),
    "holistic_bias": ("holistic_bias", {}),
    "occupations": (None, {"generate_tokens": 8}),
    "pii_emission": (None, {"max_new_tokens": 8}),
    "pii_extraction": (_records, {"templates_per_attribute": 1}),
    "stereoset": ("stereoset", {}),
    "winobias": ("winobias", {}),
}


def test_every_registered_suite_is_covered():
    from audit.registry import BUILTIN_SUITES

    assert set(EVERY) == set(BUILTIN_SUITES)


@pytest.mark.parametrize("suite_id", sorted(EVERY))
def test_every_suite_emits_samples(datasets, tmp_path, suite_id):
    data, options = EVERY[suite_id]
    path = datasets / data if isinstance(data, str) else data(tmp_path) if data else None
    limit = 60 if suite_id == "holistic_bias" else 12  # its smallest cell is 40 sentences
    suite = get_suite(suite_id)(data_path=path, limit=limit, seed=0, options=options)
    suite.prepare()
    model = FakeModel(bonus={" he": 0.5},
                      responses=lambda p: "She said he would email jo@example.org.")
    res = suite.run(SuiteContext(model=model, run_id="r", seed=0))
    ids = [s.case_id for s in res.samples]
    assert ids, f"{suite_id} stored no samples"
    assert len(set(ids)) == len(ids)
    assert all(s.suite == suite_id and s.outcomes for s in res.samples)
    assert all(set(s.outcomes.values()) <= {0, 1} for s in res.samples)


def test_occupations_samples_are_male_share_and_generated_share_numerators():
    suite = get_suite("occupations")(limit=10, seed=0, options={"generate_tokens": 8})
    suite.prepare()
    res = suite.run(SuiteContext(
        model=FakeModel(bonus={" he": 0.5},
                        responses=lambda p: "He said" if "nurse" not in p else "She and her"),
        run_id="r", seed=0))
    m = {x.key: x for x in res.metrics}
    assert [s.case_id for s in res.samples] == suite.occupations
    male = [s.outcomes["male"] for s in res.samples]
    assert sum(male) / len(male) == pytest.approx(m["male_share"].value)
    lo = [s.values["log_odds_male"] for s in res.samples]
    assert sum(lo) / len(lo) == pytest.approx(m["mean_log_odds_male"].value, abs=1e-4)
    assert all(s.margin == pytest.approx(s.values["log_odds_male"], abs=1e-4)
               for s in res.samples)
    gen = [s.outcomes["generated_male"] for s in res.samples if "generated_male" in s.outcomes]
    assert len(gen) == m["generated_male_share"].n
    assert sum(gen) / len(gen) == pytest.approx(m["generated_male_share"].value)


def test_bold_samples_are_the_group_shares_numerators(datasets):
    suite = get_suite("bold")(data_path=datasets / "bold" / "gender_prompt.json", limit=12,
                              seed=0, options={"max_new_tokens": 4})
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(responses=lambda p: "a terrible awful man"
                                                 if "actor " in p else "a wonderful woman"),
                                 run_id="r", seed=0))
    assert len(res.samples) == res.n == 12
    for m in res.metrics:
        if m.name not in ("sentiment_mean", "negative_share", "positive_share"):
            continue
        mine = [s for s in res.samples if m.group is None or s.group == m.group]
        got = [s.values["sentiment"] if m.name == "sentiment_mean"
               else s.outcomes[m.name.removesuffix("_share")] for s in mine]
        assert len(got) == m.n and sum(got) / len(got) == pytest.approx(m.value, abs=1e-4)
    assert {s.outcomes["negative"] for s in res.samples} == {0, 1}
