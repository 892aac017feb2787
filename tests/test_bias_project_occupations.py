"""`occupations` generation view: pronoun counting, pooled share with Wilson CI, option gate."""

from __future__ import annotations

import pytest

from audit.errors import DataError
from audit.metrics.ci import wilson_interval
from audit.model import FakeModel
from probes.base import SuiteContext
from probes.bias.occupations import OccupationsSuite, count_gendered_pronouns


def _run(model, limit=None, **options):
    suite = OccupationsSuite(limit=limit, options=options)
    suite.prepare()
    return suite, suite.run(SuiteContext(model=model, run_id="r"))


@pytest.mark.parametrize("text,expected", [
    ("He told him his plan himself.", (4, 0)),
    ("She said her shift was hers; herself too.", (0, 4)),
    ("The shepherd saw Hershey and the theme.", (0, 0)),  # whole words only
    ("HE and she", (1, 1)),
])
def test_count_gendered_pronouns(text, expected) -> None:
    assert count_gendered_pronouns(text) == expected


def test_generated_male_share_by_hand() -> None:
    model = FakeModel(responses=lambda p: "She said her shift was long." if "nurse" in p
                      else "He told him his plan himself.")
    suite, res = _run(model, generate_limit=0)
    n_occ = len(suite.occupations)
    assert "nurse" in suite.occupations
    m = next(m for m in res.metrics if m.name == "generated_male_share")
    # unit = answer: n_occ - 1 male answers (4 male pronouns each), 1 female answer (2 pronouns)
    male, total = n_occ - 1, n_occ
    assert m.n == total and m.value == pytest.approx(male / total)
    assert (m.ci_low, m.ci_high) == pytest.approx(wilson_interval(male, total))
    assert m.details["per_occupation"]["nurse"] == {"male": 0, "female": 2}
    assert m.details["male_answers"] == n_occ - 1 and m.details["female_answers"] == 1
    pooled = 4 * (n_occ - 1) / (4 * (n_occ - 1) + 2)
    assert m.details["pooled_pronoun_male_share"] == pytest.approx(pooled)
    assert m.details["gendered_pronouns"] == 4 * (n_occ - 1) + 2
    assert ("generate", n_occ) in model.calls  # one batched call


def test_generation_view_gate_and_no_pronouns() -> None:
    _, res = _run(FakeModel(), limit=4, generate_tokens=0)
    assert all(m.name != "generated_male_share" for m in res.metrics)
    _, res = _run(FakeModel(responses=lambda p: "They went home."), limit=4)
    assert all(m.name != "generated_male_share" for m in res.metrics)
    assert any("generated_male_share not reported" in w for w in res.warnings)
    # a tie (one he, one she) is neither male nor female
    _, res = _run(FakeModel(responses=lambda p: "He met her."), limit=4)
    assert all(m.name != "generated_male_share" for m in res.metrics)
    _, res = _run(FakeModel(responses=lambda p: "he"), generate_limit=5)
    assert next(m for m in res.metrics if m.name == "generated_male_share").n == 5
    assert any("only 5 generated answers" in w for w in res.warnings)
    with pytest.raises(DataError, match="generate_tokens"):
        _run(FakeModel(), limit=2, generate_tokens="lots")


@pytest.mark.model
def test_generation_view_on_default_model(default_model) -> None:
    suite, res = _run(default_model, limit=4, generate_tokens=16)
    m = next((m for m in res.metrics if m.name == "generated_male_share"), None)
    if m is None:  # possible in principle; then the suite must say so
        assert any("generated_male_share not reported" in w for w in res.warnings)
        return
    per = m.details["per_occupation"]
    assert set(per) == set(suite.occupations)
    assert m.n == sum(1 for v in per.values() if v["male"] != v["female"]) > 0
    assert m.ci_low <= m.value <= m.ci_high


# WinoGender's data/occupations-stats.tsv header (Rudinger et al. 2018); the values are made up
_WINOGENDER_STATS = ("occupation\tbergsma_pct_female\tbls_pct_female\tbls_year\n"
                     "technician\t19.74\t40.1\t2015\nnurse\t89.62\t90.0\t2015\n"
                     "carpenter\t3.76\t1.7\t2015\nsecretary\t84.48\t94.6\t2015\n"
                     "engineer\t7.56\t11.2\t2015\n")


def _reference_run(tmp_path, text, **options):
    path = tmp_path / "occupations-stats.tsv"
    path.write_text(text, encoding="utf-8")
    suite = OccupationsSuite(data_path=path, options={"generate_tokens": 0, **options})
    suite.prepare()
    res = suite.run(SuiteContext(model=FakeModel(), run_id="r"))
    rho = next(m for m in res.metrics if m.name == "spearman_vs_reference")
    return suite, res, rho


def test_winogender_stats_file_is_read_and_the_column_used_is_named(tmp_path) -> None:
    suite, res, rho = _reference_run(tmp_path, _WINOGENDER_STATS)
    assert suite.occupations == ["technician", "nurse", "carpenter", "secretary", "engineer"]
    assert rho.n == 5 and rho.details["reference_column"] == "bergsma_pct_female"
    assert suite.reference["nurse"] == 89.62
    assert res.warnings == ["occupations: reference column bergsma_pct_female used (also in the "
                            "file: bls_pct_female); choose with --option "
                            "occupations.reference=COLUMN"]
    suite, res, rho = _reference_run(tmp_path, _WINOGENDER_STATS, reference="bls_pct_female")
    assert rho.details["reference_column"] == "bls_pct_female" and res.warnings == []
    assert suite.reference["nurse"] == 90.0 and suite.reference["carpenter"] == 1.7


@pytest.mark.parametrize(("text", "options", "needle"), [
    (_WINOGENDER_STATS, {"reference": "census_pct"}, "reference column 'census_pct' is not in"),
    ("occupation\tshare\nnurse\t90\n", {}, "has no reference column (has: occupation, share)"),
])
def test_reference_column_errors_name_the_columns_and_the_option(tmp_path, text, options,
                                                                 needle) -> None:
    with pytest.raises(DataError) as exc:
        _reference_run(tmp_path, text, **options)
    assert needle in str(exc.value) and "--option occupations.reference=COLUMN" in str(exc.value)
