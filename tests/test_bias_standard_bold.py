"""BOLD: VADER per-group arithmetic, gaps and tests on hand-made prompts, generation settings,
stratified --limit, format errors, and a real-model run on a few shared prompts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audit.errors import DataError
from audit.model import FakeModel
from probes.base import SuiteContext
from probes.bias._bold_io import load_bold
from probes.bias.bold import BoldSuite, stratified_sample, vader_compound

GOOD, BAD, NEUTRAL = 0.4404, -0.5423, 0.0  # VADER compound of "good", "bad", "table"


class _Recorder(FakeModel):
    """FakeModel that keeps the prompts and generation config it was given."""

    def __init__(self, model=None, **kw) -> None:
        super().__init__(**kw)
        self.inner, self.prompts, self.configs, self.outputs = model, [], [], []

    def generate(self, prompts, config=None, progress=None):
        self.prompts += list(prompts)
        self.configs.append(config)
        out = (self.inner.generate(prompts, config, progress=progress) if self.inner
               else super().generate(prompts, config, progress=progress))
        self.outputs += list(out)
        return out


def _write(tmp_path: Path, name: str, doc: dict) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return p


def _golden(tmp_path: Path):
    _write(tmp_path, "gender_prompt.json", {
        "A": {"Page_a": [f"A person {i} was " for i in range(4)]},
        "B": {"Page_b": [f"B person {i} was " for i in range(4)]}})
    _write(tmp_path, "race_prompt.json", {"C": {"Page_c": ["C person was "]}})
    replies = {**{f"A person {i} was": w for i, w in enumerate(["good", "good", "bad", "table"])},
               **{f"B person {i} was": w for i, w in enumerate(["bad", "bad", "bad", "good"])},
               "C person was": "good"}
    model = _Recorder(responses=replies)
    suite = BoldSuite(tmp_path)
    suite.prepare()
    res = suite.run(SuiteContext(model=model, run_id="r", seed=0))
    return model, res, {m.key: m for m in res.metrics}


def test_vader_matches_the_package() -> None:
    assert vader_compound(["good", "bad", "table"]).tolist() == [GOOD, BAD, NEUTRAL]


def test_group_means_shares_and_gaps(tmp_path: Path) -> None:
    model, res, m = _golden(tmp_path)
    mean_a = (2 * GOOD + BAD) / 4
    mean_b = (3 * BAD + GOOD) / 4
    assert m["sentiment_mean[gender/A]"].value == pytest.approx(mean_a)
    assert m["sentiment_mean[gender/B]"].value == pytest.approx(mean_b)
    assert m["negative_share[gender/A]"].value == 0.25
    assert m["negative_share[gender/B]"].value == 0.75
    assert m["positive_share[gender/A]"].value == 0.5
    assert m["sentiment_mean"].value == pytest.approx((3 * GOOD + 4 * BAD + GOOD) / 9)
    assert m["negative_share"].n == 9
    gap = m["sentiment_gap[gender]"]
    assert gap.value == pytest.approx(mean_a - mean_b)
    assert gap.details["high_group"] == "gender/A" and gap.details["low_group"] == "gender/B"
    assert 0 < gap.details["p_value"] < 1 and gap.ci_low <= gap.value <= gap.ci_high
    ngap = m["negative_share_gap[gender]"]
    assert ngap.value == pytest.approx(0.5) and ngap.details["high_group"] == "gender/B"
    assert "sentiment_gap[race]" not in m  # one group: no gap
    # generation settings: greedy, no chat template, 24 new tokens, prompt's trailing space cut
    cfg = model.configs[0]
    assert (cfg.max_new_tokens, cfg.temperature, cfg.chat) == (24, 0.0, False)
    assert "A person 0 was" in model.prompts and not any(p.endswith(" ") for p in model.prompts)
    neg = [f for f in res.findings if f.probe == "negative_continuation"]
    assert len(neg) == 4 and all(f.details["compound"] == BAD for f in neg)


def test_significant_gap_becomes_a_finding(tmp_path: Path) -> None:
    _write(tmp_path, "gender_prompt.json", {
        "A": {"P": [f"A {i} is " for i in range(40)]},
        "B": {"Q": [f"B {i} is " for i in range(40)]}})
    model = FakeModel(responses=lambda p: "good" if p.startswith("A") else "bad")
    suite = BoldSuite(tmp_path / "gender_prompt.json")
    suite.prepare()
    res = suite.run(SuiteContext(model=model, run_id="r", seed=0))
    f = next(f for f in res.findings if f.probe == "sentiment_gap")
    assert f.group == "gender/B" and f.details["gap"] == pytest.approx(GOOD - BAD)
    assert f.details["p_value"] < 1e-9 and f.details["ci"] == pytest.approx([GOOD - BAD] * 2)
    assert "-> 'bad'" in f.evidence and f.severity == "high"
    g = next(f for f in res.findings if f.probe == "negative_share_gap")
    assert g.group == "gender/B" and g.details["gap"] == 1.0


def test_limit_spreads_over_groups_and_is_seeded(datasets: Path) -> None:
    prompts = load_bold(datasets / "bold" / "gender_prompt.json", "bold")
    a = stratified_sample(prompts, 10, seed=3)
    assert [p.case_id for p in a] == [p.case_id for p in stratified_sample(prompts, 10, seed=3)]
    assert [p.case_id for p in a] != [p.case_id for p in stratified_sample(prompts, 10, seed=4)]
    groups = [p.group for p in a]
    assert groups.count("American_actors") == 5 and groups.count("American_actresses") == 5
    every = load_bold(datasets / "bold", "bold")
    assert len(every) == 23679 - 5  # the published files hold 5 empty prompts, skipped
    b = stratified_sample(every, 43, seed=0)  # 43 (domain, group) cells, one prompt each
    assert len({(p.domain, p.group) for p in b}) == 43


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        BoldSuite(tmp_path / "nope").prepare()
    with pytest.raises(DataError, match=r"no data files .*_prompt\.json"):
        BoldSuite(tmp_path).prepare()
    p = _write(tmp_path, "race_prompt.json", ["a", "b"])
    with pytest.raises(DataError, match="not an object of groups") as exc:
        BoldSuite(p).prepare()
    assert "{group: {wikipedia_page: [prompt, ...]}}" in str(exc.value)
    _write(tmp_path, "race_prompt.json", {"g": ["a"]})
    with pytest.raises(DataError, match="not an object of pages"):
        BoldSuite(p).prepare()
    _write(tmp_path, "race_prompt.json", {"g": {"page": "a"}})
    with pytest.raises(DataError, match="not a list of strings"):
        BoldSuite(p).prepare()
    p.write_text("{")
    with pytest.raises(DataError, match="not valid JSON"):
        BoldSuite(p).prepare()


@pytest.mark.model
def test_real_model_on_shared_bold(default_model, datasets: Path) -> None:
    rec = _Recorder(default_model)
    suite = BoldSuite(datasets / "bold" / "gender_prompt.json", limit=6, seed=0,
                      options={"max_new_tokens": 16})
    suite.prepare()
    res = suite.run(SuiteContext(model=rec, run_id="real", seed=0))
    m = {x.key: x for x in res.metrics}
    assert len(rec.outputs) == 6 and all(o.strip() for o in rec.outputs)
    assert rec.configs[0].max_new_tokens == 16 and rec.configs[0].chat is False
    scores = vader_compound(rec.outputs)
    assert m["sentiment_mean"].value == pytest.approx(float(np.mean(scores)))
    assert m["negative_share"].value == pytest.approx(float(np.mean(scores <= -0.05)))
    assert m["sentiment_mean[gender/American_actors]"].n == 3
    assert "sentiment_gap[gender]" in m and m["sentiment_gap[gender]"].value >= 0


def test_one_prompt_groups_get_no_interval(tmp_path: Path) -> None:
    _write(tmp_path, "race_prompt.json", {"A": {"P": ["A is "]}, "B": {"Q": ["B is "]}})
    suite = BoldSuite(tmp_path)
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(responses=lambda p: "good" if "A" in p
                                                 else "bad"), run_id="r"))
    m = {x.key: x for x in res.metrics}
    assert m["sentiment_gap[race]"].value == pytest.approx(GOOD - BAD)
    assert m["sentiment_gap[race]"].ci_low is None and m["sentiment_mean[race/A]"].ci_low is None
    assert "warning" in m["sentiment_gap[race]"].details
    assert not [f for f in res.findings if f.probe == "sentiment_gap"]
