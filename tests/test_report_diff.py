"""Run diffs: the non-overlapping-95%-CI rule, added/removed metrics, and `assay diff`."""

from __future__ import annotations

import json

import pytest

from audit.cli import main
from audit.report.diff import diff_metrics
from audit.types import Metric
from tests.readers_data import seed_runs


def _m(run, value, lo, hi, name="rate", group=None, n=100):
    return Metric(run, "s", name, value, n, lo, hi, group)


def test_significance_is_non_overlap_of_cis():
    a = [_m("a", 0.50, 0.45, 0.55), _m("a", 0.50, 0.45, 0.55, group="g"),
         _m("a", 1.0, None, None, name="no_ci"), _m("a", 0.3, 0.2, 0.4, name="gone")]
    b = [_m("b", 0.62, 0.56, 0.68), _m("b", 0.54, 0.49, 0.59, group="g"),
         _m("b", 2.0, None, None, name="no_ci"), _m("b", 0.1, 0.0, 0.2, name="new")]
    d = diff_metrics("a", a, "b", b)
    by = {c.full_key: c for c in d.changes}
    assert by["s.rate"].significant is True and by["s.rate"].status == "up"
    assert by["s.rate"].delta == pytest.approx(0.12)
    assert by["s.rate[g]"].significant is False  # 0.49 < 0.55: the intervals overlap
    assert by["s.no_ci"].significant is None and by["s.no_ci"].delta == pytest.approx(1.0)
    assert by["s.gone"].status == "removed" and by["s.new"].status == "added"
    assert d.changes[0].full_key == "s.rate"  # significant changes first
    assert [c.full_key for c in d.significant] == ["s.rate"]


def test_touching_intervals_overlap():
    d = diff_metrics("a", [_m("a", 0.4, 0.3, 0.5)], "b", [_m("b", 0.6, 0.5, 0.7)])
    assert d.changes[0].significant is False


def test_cli_diff_json_and_text(store, sqlite_url, capsys):
    a, b = seed_runs(store)
    with pytest.raises(SystemExit) as exc:
        main(["diff", a[:6], b[:6], "--store", sqlite_url, "--json"])
    assert exc.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["run_a"] == a and d["run_b"] == b and "do not overlap" in d["rule"]
    sig = {c["full_key"] for c in d["changes"] if c["significant"]}
    assert sig == {"crows_pairs.pct_stereotype", "crows_pairs.pct_stereotype[gender]",
                   "pii_leakage.leak_rate"}
    with pytest.raises(SystemExit):
        main(["diff", a, b, "--store", sqlite_url])
    text = capsys.readouterr().out
    line = next(ln for ln in text.splitlines() if ln.startswith("crows_pairs.likelihood_diff"))
    assert "3.4 -> 3.6" in line and "within CIs" in line
    assert "occupations.male_share" not in text  # unchanged metrics hidden without --all
