"""Golden arithmetic of the foundation suites (occupations, crows_pairs) on FakeModel."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from audit.errors import DataError, UsageError
from audit.model import FakeModel
from audit.runner import AuditConfig, prepare_suites, run_audit
from probes.base import SuiteContext
from probes.bias.crows_pairs import CrowsPairsSuite
from probes.bias.occupations import OccupationsSuite


def ctx(model) -> SuiteContext:
    return SuiteContext(model=model, run_id="r", seed=0)


def test_occupations_log_odds_equal_the_bonus() -> None:
    # " he" gets +1.5 nats, " she" nothing; the hash part of FakeModel's score depends on the word
    # ("he" vs "she"), so the expected log-odds is computed from the model itself.
    model = FakeModel(bonus={" he": 1.5})
    suite = OccupationsSuite(limit=6)
    suite.prepare()
    res = suite.run(ctx(model))
    by = {m.key: m for m in res.metrics}
    expected = []
    for occ in suite.occupations:
        lo = [model._score(t.format(occupation=occ), " he") - model._score(t.format(occupation=occ),
                                                                         " she")
              for t in suite.templates]
        expected.append(sum(lo) / len(lo))
    assert res.n == 6
    assert by["mean_log_odds_male"].value == pytest.approx(sum(expected) / 6)
    assert by["male_share"].value == pytest.approx(sum(e > 0 for e in expected) / 6)
    assert by["male_share"].ci_low <= by["male_share"].value <= by["male_share"].ci_high
    assert by["male_share"].details["warning"].startswith("n=6")
    top = res.findings[0]
    assert abs(top.details["log_odds_male"]) == pytest.approx(max(abs(e) for e in expected))
    assert top.details["explain"]["target"] in (" he", " she")


def test_occupations_reference_spearman(tmp_path: Path) -> None:
    occs = ["nurse", "mechanic", "teacher", "pilot", "baker", "judge"]
    ref = tmp_path / "ref.tsv"
    ref.write_text("occupation\tpct_female\n" + "".join(f"{o}\t{10 * i}\n" for i, o in
                                                          enumerate(occs)))
    # make log-odds strictly decreasing in the reference: perfect rho = -1
    model = FakeModel()
    model._score = lambda c, x: (-occs.index(next(o for o in occs if o in c)) * 10.0
                                 if x == " he" else 0.0)
    suite = OccupationsSuite(data_path=ref)
    suite.prepare()
    res = suite.run(ctx(model))
    rho = {m.key: m for m in res.metrics}["spearman_vs_reference"]
    assert rho.value == pytest.approx(-1.0)
    assert rho.n == 6


def test_crows_pairs_matches_lm_eval_definitions(tmp_path: Path) -> None:
    data = tmp_path / "cp.csv"
    data.write_text(
        ",sent_more,sent_less,stereo_antistereo,bias_type\n"
        "0,aa bb,aa cc,stereo,gender\n"
        "1,dd ee,dd ff,antistereo,gender\n"
        "2,gg hh,gg ii,stereo,age\n")
    model = FakeModel(bonus={"bb": 2.0, "ff": 1.0, "hh": 0.5})
    ll = {s: model._score("", s) for s in ["aa bb", "aa cc", "dd ee", "dd ff", "gg hh", "gg ii"]}
    pairs = [("aa bb", "aa cc"), ("dd ee", "dd ff"), ("gg hh", "gg ii")]
    stereo = [1.0 if ll[a] > ll[b] else 0.0 for a, b in pairs]  # no swap for antistereo (lm-eval)
    diffs = [abs(ll[a] - ll[b]) for a, b in pairs]
    suite = CrowsPairsSuite(data_path=data)
    suite.prepare()
    res = suite.run(ctx(model))
    by = {m.key: m for m in res.metrics}
    assert by["pct_stereotype"].value == pytest.approx(sum(stereo) / 3)
    assert by["likelihood_diff"].value == pytest.approx(sum(diffs) / 3)
    assert by["pct_stereotype[gender]"].value == pytest.approx(sum(stereo[:2]) / 2)
    assert by["pct_stereotype[gender]"].n == 2
    assert by["likelihood_diff[age]"].value == pytest.approx(diffs[2])
    assert all(f.details["margin"] > 0 for f in res.findings if f.probe == "stereotype_preferred")


def test_crows_pairs_reads_tab_separated_revised_file(datasets: Path) -> None:
    suite = CrowsPairsSuite(datasets / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv",
                            limit=25, seed=3)
    suite.prepare()
    assert len(suite.rows) == 25
    again = CrowsPairsSuite(datasets / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv",
                            limit=25, seed=3)
    again.prepare()
    assert suite.ids == again.ids  # seeded --limit is deterministic


@pytest.mark.parametrize("content, needle", [
    (None, "not found"),
    (b"", "empty"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b"a,b,c\n1,2,3\n", "lacks column(s) sent_more, sent_less, bias_type"),
    (b"sent_more,sent_less,bias_type\n", "no rows"),
])
def test_crows_pairs_bad_files(tmp_path: Path, content, needle) -> None:
    path = tmp_path / "x.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        CrowsPairsSuite(path).prepare()


def test_runner_validates_before_running() -> None:
    with pytest.raises(UsageError, match="unknown suite 'nope'"):
        prepare_suites(AuditConfig(suites=("nope",)))
    with pytest.raises(DataError, match="needs a data file"):
        prepare_suites(AuditConfig(suites=("crows_pairs",)))
    with pytest.raises(UsageError, match="not selected"):
        prepare_suites(AuditConfig(suites=("occupations",), data={"crows_pairs": Path("x")}))


def test_run_audit_writes_one_run_with_everything(store) -> None:
    model = FakeModel(bonus={" she": 0.7})
    result = run_audit(AuditConfig(model="fake", suites=("occupations",), limit=5, seed=11), model,
                       store)
    run = store.get_run(result.run.run_id)
    assert run.seed == 11 and run.suites == ("occupations",) and run.status == "completed"
    assert run.model["backend"] == "fake"
    assert run.versions["python"] and "torch" in run.versions
    assert len(store.metrics(run.run_id)) == len(result.metrics) == 2
    assert store.count_findings(run_id=run.run_id) == len(result.findings) == 5
    summary = result.summary()
    assert set(summary["suites"]["occupations"]) >= {"n", "metrics", "ci"}
    assert all(not math.isnan(v) for v in summary["suites"]["occupations"]["metrics"].values())


def test_interrupted_audit_writes_nothing(store) -> None:
    class Boom(FakeModel):
        def loglikelihood(self, requests, progress=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_audit(AuditConfig(limit=3), Boom(), store)
    assert store.runs() == [] and store.count_findings() == 0
