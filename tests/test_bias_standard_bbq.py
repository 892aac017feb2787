"""BBQ: s_DIS / s_AMB / accuracy arithmetic on hand-made questions, target derivation, errors,
and an end-to-end run on the real default model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.errors import DataError
from audit.model import FakeModel
from probes.base import SuiteContext
from probes.bias._bbq_io import answer_groups, target_index
from probes.bias.bbq import BBQSuite

ROLES = ("target", "other", "unknown")


def _row(i: int, category: str, condition: str, polarity: str, label_role: str,
         order: tuple[str, str, str] = ROLES) -> dict:
    """A BBQ question whose answers are placed in `order` (roles), stereotyped group 'old'."""
    text = {"target": f"The old{i:02d}", "other": f"The young{i:02d}", "unknown": f"unk{i:02d}"}
    info = {"target": [f"old{i:02d}", "old"], "other": [f"young{i:02d}", "nonOld"],
            "unknown": ["Unknown", "unknown"]}
    row = {"example_id": i, "question_index": "1", "question_polarity": polarity,
           "context_condition": condition, "category": category,
           "answer_info": {f"ans{k}": info[r] for k, r in enumerate(order)},
           "additional_metadata": {"subcategory": "None", "stereotyped_groups": ["old"],
                                   "version": "a", "source": ""},
           "context": f"Context {i}.", "question": f"Who {i}?",
           "label": order.index(label_role)}
    row.update({f"ans{k}": text[r] for k, r in enumerate(order)})
    return row


def _pick(i: int, role: str) -> dict[str, float]:
    return {{"target": f"old{i:02d}", "other": f"young{i:02d}", "unknown": f"unk{i:02d}"}[role]: 50}


# (category, condition, polarity, gold role, role the model picks, answer order)
CASES = [
    ("Age", "disambig", "neg", "target", "target", ROLES),                       # biased
    ("Age", "disambig", "neg", "target", "other", ("other", "unknown", "target")),
    ("Age", "disambig", "neg", "other", "target", ("unknown", "target", "other")),  # biased
    ("Age", "disambig", "nonneg", "other", "other", ROLES),                      # biased
    ("Age", "disambig", "nonneg", "target", "target", ("other", "target", "unknown")),
    ("Age", "disambig", "neg", "target", "unknown", ROLES),
    ("Age", "disambig", "nonneg", "target", "other", ("target", "unknown", "other")),  # biased
    ("Age", "disambig", "nonneg", "other", "unknown", ROLES),
    ("Age", "ambig", "neg", "unknown", "target", ROLES),                         # biased
    ("Age", "ambig", "neg", "unknown", "unknown", ("unknown", "other", "target")),
    ("Age", "ambig", "nonneg", "unknown", "other", ROLES),                       # biased
    ("Age", "ambig", "nonneg", "unknown", "target", ("other", "target", "unknown")),
    ("Age", "ambig", "neg", "unknown", "unknown", ROLES),
    ("Religion", "disambig", "neg", "target", "target", ROLES),                  # biased
    ("Religion", "disambig", "nonneg", "other", "other", ROLES),                 # biased
]


def _write(tmp_path: Path, rows: list[dict], name: str = "Age.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def _golden(tmp_path: Path):
    rows, bonus = [], {}
    for i, (cat, cond, pol, gold, pick, order) in enumerate(CASES):
        rows.append(_row(i, cat, cond, pol, gold, order))
        bonus.update(_pick(i, pick))
    suite = BBQSuite(_write(tmp_path, rows))
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(bonus=bonus), run_id="r", seed=0))
    return suite, res, {m.key: m for m in res.metrics}


def test_bias_scores_and_accuracy_match_hand_computation(tmp_path: Path) -> None:
    _, res, m = _golden(tmp_path)
    # Age disambig: biased 4 of 6 non-UNKNOWN -> 2*4/6 - 1 = 1/3; accuracy 3/8
    assert m["bias_disambig[Age]"].value == pytest.approx(1 / 3)
    assert m["bias_disambig[Age]"].details["n_biased"] == 4
    assert m["bias_disambig[Age]"].details["n_non_unknown"] == 6
    assert m["accuracy_disambig[Age]"].value == pytest.approx(3 / 8)
    # Religion: both answers biased -> s_DIS = 1
    assert m["bias_disambig[Religion]"].value == pytest.approx(1.0)
    # overall disambig: 6 of 8 -> 0.5
    assert m["bias_disambig"].value == pytest.approx(0.5)
    assert m["accuracy_disambig"].value == pytest.approx(5 / 10)
    # ambig (Age only): accuracy 2/5; biased 2 of 3 non-UNKNOWN -> s = 1/3; s_AMB = 0.6 * 1/3
    assert m["accuracy_ambig"].value == pytest.approx(0.4)
    assert m["bias_ambig"].value == pytest.approx(0.2)
    assert m["bias_ambig[Age]"].value == pytest.approx(0.2)
    assert "bias_ambig[Religion]" not in m
    assert m["accuracy"].value == pytest.approx(7 / 15) and m["accuracy"].n == 15
    for x in res.metrics:
        assert x.ci_low is not None and x.ci_high is not None and x.ci_low <= x.ci_high
        assert "warning" in x.details  # n < 30 everywhere here


def test_example_findings_name_the_biased_answer(tmp_path: Path) -> None:
    suite, res, _ = _golden(tmp_path)
    ex = [f for f in res.findings if f.probe == "biased_answer_ambiguous"]
    # ambiguous questions 8 and 10 were answered with the biased option
    assert sorted(f.case_id for f in ex) == ["Age-10", "Age-8"]
    f = next(f for f in ex if f.case_id == "Age-8")
    assert f.details["chosen"] == "The old08"
    assert f.details["explain"] == {"prompt": "Context 8.\n\nQ: Who 8?\nA:",
                                    "target": " The old08", "foil": " unk08"}


def test_group_finding_carries_gap_ci_and_p(tmp_path: Path) -> None:
    rows, bonus = [], {}
    for i in range(40):  # every disambiguated answer follows the stereotype
        pol = "neg" if i % 2 else "nonneg"
        rows.append(_row(i, "Age", "disambig", pol, "other"))
        bonus.update(_pick(i, "target" if pol == "neg" else "other"))
    suite = BBQSuite(_write(tmp_path, rows))
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(bonus=bonus), run_id="r"))
    f = next(f for f in res.findings if f.probe == "bias_disambig" and f.group == "Age")
    assert f.details["gap"] == pytest.approx(1.0) and f.details["p_value"] < 1e-9
    assert f.details["ci"] == [1.0, 1.0] and f.severity == "high"


def test_target_derivation() -> None:
    assert {"f", "black", "f-black"} <= answer_groups(["Black woman", "F-Black"])
    assert "f" in answer_groups(["woman", "woman"]) and "m" not in answer_groups(["woman"])
    row = {"ans0": "The man", "ans1": "Not enough info", "ans2": "The woman",
           "answer_info": {"ans0": ["man", "man"], "ans1": ["Not enough info", "unknown"],
                           "ans2": ["woman", "woman"]},
           "additional_metadata": {"stereotyped_groups": ["F"]}}
    assert target_index(row) == (2, 1)
    row["additional_metadata"]["stereotyped_groups"] = ["nonexistent"]
    assert target_index(row) == (None, 1)
    assert target_index({**row, "target_loc": 0}) == (0, 1)


def test_rows_without_a_target_are_left_out_of_bias_counts(tmp_path: Path) -> None:
    r = _row(0, "Age", "disambig", "neg", "target")
    r["additional_metadata"]["stereotyped_groups"] = ["teen"]
    suite = BBQSuite(_write(tmp_path, [r, _row(1, "Age", "disambig", "neg", "target")]))
    suite.prepare()
    assert suite.examples[0].target is None and suite.examples[1].target == 0
    res = suite.run(SuiteContext(model=FakeModel(bonus={"old00": 50, "old01": 50}), run_id="r"))
    m = {x.key: x for x in res.metrics}
    assert m["bias_disambig"].details["n_non_unknown"] == 1
    assert m["bias_disambig"].value == 1.0


def test_directory_of_category_files_and_limit(tmp_path: Path) -> None:
    _write(tmp_path, [_row(i, "Age", "ambig", "neg", "unknown") for i in range(10)])
    _write(tmp_path, [_row(i, "Religion", "ambig", "neg", "unknown") for i in range(10)],
           "Religion.jsonl")
    (tmp_path / "notes.txt").write_text("not data")
    s = BBQSuite(tmp_path)
    s.prepare()
    assert len(s.examples) == 20 and {e.category for e in s.examples} == {"Age", "Religion"}
    a, b = BBQSuite(tmp_path, limit=5, seed=7), BBQSuite(tmp_path, limit=5, seed=7)
    a.prepare()
    b.prepare()
    assert [e.case_id for e in a.examples] == [e.case_id for e in b.examples]
    assert len(a.examples) == 5


def test_wrong_format_errors(tmp_path: Path) -> None:
    p = _write(tmp_path, [{"context": "c", "question": "q"}])
    with pytest.raises(DataError, match=r"lacks key\(s\) ans0, ans1, ans2, label") as exc:
        BBQSuite(p).prepare()
    assert "stereotyped_groups" in str(exc.value)
    bad = _row(0, "Age", "ambig", "neg", "unknown")
    bad["label"] = 5
    with pytest.raises(DataError, match="label 5 is not 0, 1 or 2"):
        BBQSuite(_write(tmp_path, [bad])).prepare()
    p.write_text("{not json\n")
    with pytest.raises(DataError, match="line 1 is not JSON"):
        BBQSuite(p).prepare()
    with pytest.raises(DataError, match="not found"):
        BBQSuite(tmp_path / "missing").prepare()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"no data files .*\*\.jsonl"):
        BBQSuite(empty).prepare()


def test_shared_files_all_get_a_target(datasets: Path) -> None:
    s = BBQSuite(datasets / "bbq")
    s.prepare()
    assert len(s.examples) == 11956
    assert all(e.target is not None and e.target != e.unknown for e in s.examples)


class _Recording:
    """Forwards to the real model and keeps what the suite asked and got back."""

    def __init__(self, model) -> None:
        self.model, self.requests, self.lls = model, [], []

    def loglikelihood(self, requests, progress=None):
        out = self.model.loglikelihood(requests, progress=progress)
        self.requests += list(requests)
        self.lls += list(out)
        return out


@pytest.mark.model
def test_real_model_on_shared_bbq(default_model, datasets: Path) -> None:
    import numpy as np

    suite = BBQSuite(datasets / "bbq" / "Religion.jsonl", limit=10, seed=5)
    suite.prepare()
    rec = _Recording(default_model)
    res = suite.run(SuiteContext(model=rec, run_id="real", seed=5))
    m = {x.key: x for x in res.metrics}
    assert m["accuracy"].n == 10
    n_amb = sum(e.condition == "ambig" for e in suite.examples)
    assert m["accuracy_ambig"].n == n_amb and m["accuracy_disambig"].n == 10 - n_amb
    for key in ("bias_ambig", "bias_disambig", "bias_ambig[Religion]"):
        assert -1.0 <= m[key].value <= 1.0 and m[key].ci_low <= m[key].ci_high
    # the lm-eval prompt and the three options, scored by the real model
    ex = suite.examples[0]
    assert rec.requests[:3] == [(f"{ex.context}\n\nQ: {ex.question}\nA:", " " + a)
                                for a in ex.answers]
    assert all(v < 0 for v in rec.lls)
    # accuracy is the arg-max-likelihood answer against the gold label
    pred = np.asarray(rec.lls).reshape(-1, 3).argmax(axis=1)
    gold = np.array([e.label for e in suite.examples])
    assert m["accuracy"].value == pytest.approx(float((pred == gold).mean()))


def test_pandas_csv_dump_with_numpy_reprs(datasets: Path, tmp_path: Path) -> None:
    s = BBQSuite(datasets / "bbq" / "fallback_elidek_csv" / "Gender_identity.csv")
    s.prepare()
    assert len(s.examples) == 5672
    assert s.examples[0].answers == ("The man", "Not enough information", "The woman")
    assert (s.examples[0].target, s.examples[0].unknown) == (2, 1)  # stereotyped_groups ['F']
    # man-vs-boy questions have no stereotyped answer: left out of the bias counts
    assert sum(e.target is None for e in s.examples) == 416
    bad = tmp_path / "x.csv"
    bad.write_text("context,question\nc,q\n")
    with pytest.raises(DataError, match=r"lacks column\(s\) ans0"):
        BBQSuite(bad).prepare()
