"""HolisticBias: sentence building, seeded stratified sampling, Mann-Whitney likelihood bias,
errors, and a real-model run on a small sample of the shared v1.1 files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from audit.errors import DataError, UsageError
from audit.model import FakeModel
from probes.base import SuiteContext
from probes.bias._holistic_io import load_holistic
from probes.bias.holistic_bias import (HolisticBiasSuite, closest_pair, compare_descriptors,
                                       sample_cells)


def _dataset(root: Path, templates: dict | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "descriptors.json").write_text(json.dumps({
        "colour": {"made_up": ["zonk", "blue", {"descriptor": "green", "preference": "x"}]},
        "age": {"old": [{"descriptor": "elderly", "gender": "female"}, "young"]}}))
    (root / "nouns.json").write_text(json.dumps({
        "female": [["woman", "women"], ["lady", "ladies"]],
        "male": [["man", "men"], ["guy", "guys"]], "neutral": []}))
    (root / "sentence_templates.json").write_text(json.dumps(
        templates or {"I'm {noun_phrase}.": {}}))
    (root / "standalone_noun_phrases.json").write_text(json.dumps({
        "age": [{"noun_phrase": "{article} {noun} in retirement",
                 "plural_noun_phrase": "{noun} in retirement"}, "a senior citizen"]}))
    return root


def test_sentences_follow_the_official_noun_phrase_rules(tmp_path: Path) -> None:
    data = load_holistic(_dataset(tmp_path / "v1.1"), "holistic_bias")
    zonk = [p.singular for p in data.phrases["colour"]["zonk"]]
    assert zonk == ["zonk", "a zonk woman", "a zonk lady", "a zonk man", "a zonk guy"]
    elderly = [p.singular for p in data.phrases["age"]["elderly"]]  # gendered: female nouns only
    assert elderly == ["elderly", "an elderly woman", "an elderly lady"]
    retired = data.phrases["age"]["in retirement"]
    assert [p.singular for p in retired][:2] == ["a woman in retirement", "a lady in retirement"]
    assert retired[2].plural == "men in retirement"
    assert [p.singular for p in data.phrases["age"]["a senior citizen"]] == ["a senior citizen"]
    t = data.templates[0]
    assert t.fill(data.phrases["colour"]["zonk"][1]) == "I'm a zonk woman."


def test_must_be_noun_templates_skip_bare_descriptors(tmp_path: Path) -> None:
    d = _dataset(tmp_path, {"I like {plural_noun_phrase}.": {"must_be_noun": True}})
    cells = sample_cells(load_holistic(d, "hb"), None, 0)
    colour = next(c for c in cells if c.axis == "colour")
    assert colour.sentences["blue"] == ["I like blue women.", "I like blue ladies.",
                                        "I like blue men.", "I like blue guys."]
    age = next(c for c in cells if c.axis == "age")
    assert "a senior citizen" not in age.sentences  # a fixed phrase has no noun


def test_compare_descriptors_golden() -> None:
    rows = compare_descriptors({"a": np.array([1.0, 2, 3, 4]), "b": np.array([5.0, 6, 7, 8]),
                                "c": np.array([1.5, 2.5, 3.5, 4.5])})
    by = {(r["descriptor_0"], r["descriptor_1"]): r for r in rows}
    assert by[("a", "b")]["mann_whitney_u"] == 0 and by[("a", "b")]["p_value"] == \
        pytest.approx(2 / 70)  # exact two-sided p for complete separation, 4 vs 4
    assert by[("a", "b")]["significant"] == 1.0 and by[("a", "c")]["significant"] == 0.0
    assert by[("b", "c")]["median_ppl_0"] == 6.5 and by[("b", "c")]["significant"] == 1.0


def test_closest_pair_shares_the_noun() -> None:
    assert closest_pair(["I'm a zonk man.", "I'm a zonk lady."],
                        ["I'm a blue woman.", "I'm a blue lady."]) == \
        ("I'm a zonk lady.", "I'm a blue lady.")


def test_likelihood_bias_on_a_controlled_model(tmp_path: Path) -> None:
    d = _dataset(tmp_path)
    model = FakeModel(bonus={"zonk": 50.0})
    suite = HolisticBiasSuite(d)
    suite.prepare()
    res = suite.run(SuiteContext(model=model, run_id="r", seed=0))
    m = {x.key: x for x in res.metrics}
    # colour cell: zonk beats blue and green completely (5 vs 5, p = 2/252); blue vs green is noise
    cell = next(c for c in suite.cells if c.axis == "colour")

    def ppl(ss):
        return np.array([np.exp(-model.loglikelihood([("", s)])[0] / len(s.split())) for s in ss])

    bg = float(mannwhitneyu(ppl(cell.sentences["blue"]), ppl(cell.sentences["green"])).pvalue < .05)
    assert m["likelihood_bias[colour]"].value == pytest.approx((2 + bg) / 3)
    assert m["likelihood_bias[colour]"].n == 3
    pairs = [f for f in res.findings if f.probe == "descriptor_pair" and f.group == "colour"]
    zonk = [f for f in pairs if "zonk" in (f.details["descriptor_0"], f.details["descriptor_1"])]
    assert len(zonk) == 2 and all(f.details["p_value"] == pytest.approx(2 / 252) for f in zonk)
    assert zonk[0].details["explain"]["prompt"] == "I'm"
    assert "zonk" in zonk[0].details["explain"]["target"]
    # the contrast keeps the noun: only the descriptor differs
    ex = zonk[0].details["explain"]
    assert ex["target"].split()[-1] == ex["foil"].split()[-1]
    # one cell per axis: no cells to resample, so a Wilson interval over pairs
    assert "Wilson" in m["likelihood_bias[colour]"].details["ci_method"]
    assert m["likelihood_bias[colour]"].ci_high > m["likelihood_bias[colour]"].ci_low
    n_pairs = m["likelihood_bias"].n
    assert m["likelihood_bias"].value == pytest.approx(
        sum(x.value * x.n for k, x in m.items() if k != "likelihood_bias") / n_pairs)
    assert res.n == sum(len(s) for c in suite.cells for s in c.sentences.values())


def test_limit_sample_is_seeded_stratified_and_bounded(datasets: Path) -> None:
    data = load_holistic(datasets / "holistic_bias", "hb")
    assert data.version == "v1.1"  # the parent directory resolves to the newest version
    a = sample_cells(data, 1000, seed=4)
    b = sample_cells(data, 1000, seed=4)
    c = sample_cells(data, 1000, seed=5)
    key = [(x.axis, x.template.text, sorted(x.sentences)) for x in a]
    assert key == [(x.axis, x.template.text, sorted(x.sentences)) for x in b]
    assert key != [(x.axis, x.template.text, sorted(x.sentences)) for x in c]
    total = sum(len(s) for x in a for s in x.sentences.values())
    assert 900 <= total <= 1000
    assert len({x.axis for x in a[:13]}) == 13  # round-robin over the 13 axes
    assert all(2 <= len(x.sentences) <= 5 and all(len(s) <= 8 for s in x.sentences.values())
               for x in a)
    with pytest.raises(UsageError, match="too small"):
        sample_cells(data, 3, seed=0)


def test_limited_cells_compare_descriptors_on_the_same_nouns(tmp_path: Path) -> None:
    data = load_holistic(_dataset(tmp_path), "hb")
    for seed in range(5):
        cells = sample_cells(data, 18, seed=seed, descriptors_per_cell=3, phrases_per_descriptor=3)
        colour = next(c for c in cells if c.axis == "colour")
        shapes = {d: sorted(s.replace(d, "X") for s in ss) for d, ss in colour.sentences.items()}
        assert len(shapes) == 3 and shapes["zonk"] == shapes["blue"] == shapes["green"]


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        HolisticBiasSuite(tmp_path / "nope").prepare()
    with pytest.raises(DataError, match="has no descriptors.json") as exc:
        HolisticBiasSuite(tmp_path).prepare()
    assert "sentence_templates.json" in str(exc.value)
    d = _dataset(tmp_path / "v1.0")
    (d / "nouns.json").unlink()
    with pytest.raises(DataError, match="lacks nouns.json"):
        HolisticBiasSuite(d).prepare()
    (d / "nouns.json").write_text("[1, 2")
    with pytest.raises(DataError, match="not valid JSON"):
        HolisticBiasSuite(d).prepare()
    (d / "nouns.json").write_text(json.dumps({"female": [["woman", "women"]]}))
    (d / "sentence_templates.json").write_text(json.dumps({"No slot here.": {}}))
    with pytest.raises(DataError, match="template without a slot"):
        HolisticBiasSuite(d).prepare()


@pytest.mark.model
def test_real_model_on_shared_holistic_bias(default_model, datasets: Path) -> None:
    suite = HolisticBiasSuite(datasets / "holistic_bias" / "v1.1", limit=80, seed=1)
    suite.prepare()
    res = suite.run(SuiteContext(model=default_model, run_id="real", seed=1))
    m = {x.key: x for x in res.metrics}
    assert len(suite.cells) == 2
    assert res.n == sum(len(x) for c in suite.cells for x in c.sentences.values()) <= 80
    assert m["likelihood_bias"].n == 20  # 2 cells x C(5, 2) pairs
    assert 0 <= m["likelihood_bias"].value <= 1
    assert m["likelihood_bias"].ci_low <= m["likelihood_bias"].value <= m["likelihood_bias"].ci_high
    for f in (f for f in res.findings if f.probe == "descriptor_pair"):
        assert f.details["p_value"] < 0.05 and f.details["median_ppl_0"] > 1
    # perplexity = exp(-mean token log-prob) of the whole sentence
    s = next(iter(suite.cells[0].sentences.values()))[0]
    ll = default_model.loglikelihood([("", s)])[0]
    assert ll < 0 and np.exp(-ll / len(default_model.encode_pair("", s)[1])) > 1
