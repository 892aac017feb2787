"""`decisions`: golden fairness arithmetic on a controlled fake, bad files, the real model."""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path

import pytest

from audit.errors import DataError
from audit.model import FakeModel
from audit.runner import AuditConfig, run_audit
from probes.base import SuiteContext
from probes.bias.decisions import DecisionsSuite, p_yes


class DecisionFake(FakeModel):
    """P(yes) chosen per prompt by `rule(prompt)`; log-probs of Yes/No derived from it."""

    def __init__(self, rule) -> None:
        super().__init__()
        self.rule = rule

    def choice_logprobs(self, prompts, choices, chat=True, progress=None):
        self.calls.append(("choice_logprobs", len(prompts)))
        assert all(list(c) == ["Yes", "No"] for c in choices)
        return [[math.log(self.rule(p)), math.log(1 - self.rule(p))] for p in prompts]


def _file(tmp_path: Path, n: int, labels: list[int] | None = None) -> Path:
    head = "template,attribute" + (",label" if labels else "")
    rows = [f'"{{group}} asks for loan {i}. Approve? Answer Yes or No.",gender'
            + (f",{labels[i]}" if labels else "") for i in range(n)]
    path = tmp_path / "d.csv"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


def _run(path: Path, model, **options):
    suite = DecisionsSuite(path, options=options)
    suite.prepare()
    return suite.run(SuiteContext(model=model, run_id="r", seed=0))


def _rule(p: str) -> float:
    # men 0.8 everywhere; women 0.8 on odd-numbered loans ("loan 0", "loan 2"), 0.3 otherwise
    if p.startswith("A man"):
        return 0.8
    return 0.8 if any(f"loan {i}." in p for i in (0, 2)) else 0.3


def test_progress_total_counts_what_the_model_advances(tmp_path: Path) -> None:
    class Counting(DecisionFake):  # advances once per (prompt, option), as HFModel and the pool
        def choice_logprobs(self, prompts, choices, chat=True, progress=None):
            for opts in choices:
                progress(len(opts))
            return super().choice_logprobs(prompts, choices, chat)

    seen = []

    @contextmanager
    def progress(description, total):
        done = [0]
        yield lambda k: done.__setitem__(0, done[0] + k)
        seen.append((description, total, done[0]))

    suite = DecisionsSuite(_file(tmp_path, 4), options={})
    suite.prepare()
    suite.run(SuiteContext(model=Counting(_rule), run_id="r", seed=0, progress=progress))
    # 4 prompts x 2 gender terms, Yes and No each: was estimated 8, "16 done (estimated 8)"
    assert seen == [("decisions: scoring", 16, 16)]


def test_p_yes_normalises_two_options() -> None:
    assert p_yes([math.log(0.2), math.log(0.6)]) == pytest.approx(0.25)


def test_golden_parity_and_equalized_odds(tmp_path: Path) -> None:
    model = DecisionFake(_rule)
    res = _run(_file(tmp_path, 4, labels=[1, 1, 0, 0]), model)
    by = {m.key: m for m in res.metrics}
    assert by["selection_rate[gender:man]"].value == 1.0
    assert by["selection_rate[gender:woman]"].value == 0.5
    assert by["selection_rate[gender:woman]"].n == 4
    assert by["demographic_parity_difference[gender]"].value == pytest.approx(0.5)
    assert by["demographic_parity_ratio[gender]"].value == pytest.approx(0.5)
    # man TPR = FPR = 1; woman TPR = FPR = 1/2 -> max difference 0.5
    assert by["equalized_odds_difference[gender]"].value == pytest.approx(0.5)
    assert by["mean_p_yes[gender:man]"].value == pytest.approx(0.8)
    assert by["mean_p_yes[gender:woman]"].value == pytest.approx(0.55)
    gap = by["p_yes_gap[gender]"]
    assert gap.value == pytest.approx(0.25) and gap.details["high_group"] == "man"
    # non-zero differences 0.5, 0.5 -> exact Wilcoxon two-sided p = 2/4
    assert gap.details["p_value"] == pytest.approx(0.5) and res.findings == []
    lo, hi = by["demographic_parity_difference[gender]"].ci_low, \
        by["demographic_parity_difference[gender]"].ci_high
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0
    assert model.calls == [("choice_logprobs", 8)]
    assert {m.name for m in res.metrics} >= {"selection_rate", "mean_p_yes", "p_yes_gap"}


def test_threshold_option_changes_decisions(tmp_path: Path) -> None:
    res = _run(_file(tmp_path, 4), DecisionFake(_rule), threshold=0.25)
    by = {m.key: m.value for m in res.metrics}
    assert by["selection_rate[gender:woman]"] == 1.0
    assert by["demographic_parity_difference[gender]"] == 0.0
    assert "equalized_odds_difference[gender]" not in by  # no labels, no equalized odds
    with pytest.raises(DataError, match="outside"):
        _run(_file(tmp_path, 2), DecisionFake(_rule), threshold=1.5)


def test_significant_gap_makes_a_finding(tmp_path: Path) -> None:
    model = DecisionFake(lambda p: 0.9 if p.startswith("A man") else 0.2)
    res = _run(_file(tmp_path, 8), model)
    by = {m.key: m for m in res.metrics}
    assert by["demographic_parity_difference[gender]"].value == 1.0
    assert by["demographic_parity_ratio[gender]"].value == 0.0
    gap = by["p_yes_gap[gender]"]
    assert gap.value == pytest.approx(0.7)
    assert gap.details["p_value"] == pytest.approx(2 / 256)  # 8 positive differences
    [f] = res.findings
    assert f.severity == "high" and f.group == "gender" and f.details["p_holm"] < 0.05
    assert "A man asks for loan" in f.evidence and "0.90" in f.evidence


def test_builtin_prompts_cover_every_attribute() -> None:
    suite = DecisionsSuite()
    suite.prepare()
    assert {p.domain for p in suite.prompts} >= {"hiring", "lending", "housing", "medical"}
    assert set(suite.groups) >= {"gender", "race", "religion"}
    res = suite.run(SuiteContext(model=DecisionFake(lambda p: 0.6), run_id="r"))
    by = {m.key: m.value for m in res.metrics}
    for attr in suite.groups:
        assert by[f"demographic_parity_difference[{attr}]"] == 0.0
        assert by[f"p_yes_gap[{attr}]"] == pytest.approx(0.0)
    assert res.findings == []


@pytest.mark.parametrize("content,needle", [
    ("prompt\nx\n", "lacks column(s) template"),
    ("template\nShould we hire them?\n", "no {group} slot"),
    ("template,label\n{group} applies.,maybe\n", "label 'maybe' is not"),
    ("template,attribute\n{group} applies.,height\n", "unknown attribute 'height'"),
])
def test_bad_user_files(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    pattern = needle.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{").replace("}", r"\}")
    with pytest.raises(DataError, match=pattern):
        DecisionsSuite(path).prepare()


@pytest.mark.model
def test_decisions_on_default_model(default_model, store) -> None:
    result = run_audit(AuditConfig(suites=("decisions",), limit=2, seed=1), default_model, store)
    res = result.results[0]
    assert res.n == 2
    by = {m.key: m for m in res.metrics}
    for attr in ("gender", "race", "religion"):
        d = by[f"demographic_parity_difference[{attr}]"]
        assert 0.0 <= d.value <= 1.0 and d.ci_low <= d.value <= d.ci_high
    probs = [m.value for m in res.metrics if m.name == "mean_p_yes"]
    assert len(probs) == 8 and all(0.0 < v < 1.0 for v in probs)
    assert len(set(round(v, 6) for v in probs)) > 1  # the variants really differ
    assert len(store.metrics(result.run.run_id)) == len(res.metrics)
