"""`assay gate`: rule grammar, evaluation, and the CLI's exit codes (0 pass, 1 fail, 2 bad input)."""

from __future__ import annotations

import math

import pytest

from audit.cli import main
from audit.errors import UsageError
from audit.report.gate import evaluate_rules, parse_rule
from audit.types import Metric
from tests.readers_data import seed_runs


@pytest.mark.parametrize("text, suite, key, field, op, threshold", [
    ("crows_pairs.pct_stereotype<=0.60", "crows_pairs", "pct_stereotype", "value", "<=", 0.6),
    (" crows_pairs.pct_stereotype[gender] >= .5 ", "crows_pairs", "pct_stereotype[gender]",
     "value", ">=", 0.5),
    ("bbq.accuracy[race-color]@ci_high<1e-1", "bbq", "accuracy[race-color]", "ci_high", "<", 0.1),
    ("stereoset.icat[term: nurse]@n>=30", "stereoset", "icat[term: nurse]", "n", ">=", 30.0),
    ("occupations.mean_log_odds_male!=-2", "occupations", "mean_log_odds_male", "value", "!=", -2),
])
def test_parse_valid_rules(text, suite, key, field, op, threshold):
    r = parse_rule(text)
    assert (r.suite, r.key, r.field, r.op, r.threshold) == (suite, key, field, op, threshold)


@pytest.mark.parametrize("text", ["pct_stereotype<=0.6", "crows_pairs.pct_stereotype=<0.6",
                                  "crows_pairs.pct_stereotype<=", "crows_pairs.pct<=abc",
                                  "crows_pairs.pct[gender<=0.6", "crows_pairs.pct@mean<=0.6", ""])
def test_malformed_rules_are_usage_errors(text):
    with pytest.raises(UsageError) as exc:
        parse_rule(text)
    assert "\n" not in str(exc.value)


def _m(value, lo=None, hi=None, n=100, group=None):
    return Metric("r1", "crows_pairs", "pct_stereotype", value, n, lo, hi, group)


def test_evaluate_boundaries_fields_and_undefined():
    ms = [_m(0.6, 0.5, 0.7), _m(math.nan, group="age", n=0), _m(0.9, 0.8, 0.95, 40, "gender")]
    res = evaluate_rules("r1", [parse_rule("crows_pairs.pct_stereotype<=0.60"),
                                parse_rule("crows_pairs.pct_stereotype<0.60"),
                                parse_rule("crows_pairs.pct_stereotype@ci_high<=0.65"),
                                parse_rule("crows_pairs.pct_stereotype[age]<=1"),
                                parse_rule("crows_pairs.pct_stereotype[gender]@n>=30")], ms)
    assert [o.passed for o in res.outcomes] == [True, False, False, False, True]
    assert not res.passed and len(res.failures) == 3
    assert "undefined" in res.outcomes[3].reason
    assert "= 0.7 (n=100, 95% CI [0.5, 0.7]) violates <= 0.65" in res.outcomes[2].reason


def test_unknown_metric_names_the_known_ones():
    with pytest.raises(UsageError) as exc:
        evaluate_rules("r1", [parse_rule("crows_pairs.pct_stereotyp<=0.6")], [_m(0.5)])
    assert "no metric crows_pairs.pct_stereotyp" in str(exc.value)
    assert "crows_pairs.pct_stereotype" in str(exc.value)


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cli_exit_codes(store, sqlite_url, capsys):
    a, b = seed_runs(store)
    code, out, _ = _run(["gate", a, "--store", sqlite_url, "--rule",
                         "crows_pairs.pct_stereotype<=0.60",
                         "--rule", "pii_leakage.exposure@ci_high<=4"], capsys)
    assert code == 0 and out.count("PASS ") == 2 and "2/2 rules hold" in out
    code, out, _ = _run(["gate", b, "--store", sqlite_url, "--rule",
                         "crows_pairs.pct_stereotype<=0.60",
                         "--rule", "crows_pairs.pct_stereotype[gender]<=0.6",
                         "--rule", "occupations.male_share<=0.9"], capsys)
    assert code == 1
    fails = [ln for ln in out.splitlines() if ln.startswith("FAIL ")]
    assert len(fails) == 2 and "crows_pairs.pct_stereotype = 0.7794" in fails[0]
    assert "1/3 rules hold" in out
    code, out, _ = _run(["gate", "latest", "--store", sqlite_url, "--json",
                         "--rule", "crows_pairs.pct_stereotype<=0.60"], capsys)
    assert code == 1 and '"passed":false' in out and f'"run_id":"{b}"' in out
    code, _, err = _run(["gate", b, "--store", sqlite_url, "--rule", "crows_pairs.nope<=1"], capsys)
    assert code == 2 and "no metric crows_pairs.nope" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(["gate", b, "--store", sqlite_url, "--rule", "crows_pairs<=1"], capsys)
    assert code == 2 and "malformed" in err
    code, _, err = _run(["gate", "ffff", "--store", sqlite_url, "--rule", "a.b<=1"], capsys)
    assert code == 2 and "no run 'ffff'" in err
